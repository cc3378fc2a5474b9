//! Destinations: converged end points of all optimizers clustered by
//! single linkage (grid hashing and union-find), each cluster polished and
//! classified, clusters that polish to one point merged, ids by count.

use super::polish::polish;
use super::report::{Destination, StartResult};
use crate::analysis::{classify, judge_near, Kind, Scale};
use crate::domain::Domain;
use crate::expr::Function;
use crate::optim::Status;
use rayon::prelude::*;
use std::collections::HashMap;

/// Distance under which converged end points belong to one cluster, as a fraction of the domain's extent.
pub const CLUSTER_RADIUS: f64 = 1e-3;

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let p = parent[parent[i as usize] as usize];
        parent[i as usize] = p;
        i = p;
    }
    i
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (a, b) = (find(parent, a), find(parent, b));
    if a != b {
        parent[a.max(b) as usize] = a.min(b);
    }
}

/// Clusters the converged end points of all optimizers, polishes and
/// classifies each cluster, merges clusters that polish to one point, numbers
/// them by total count and writes the id into every converged result.
pub(super) fn assign_destinations(
    func: &Function,
    domain: &Domain,
    scale: &Scale,
    results: &mut [Vec<StartResult>],
) -> Vec<Destination> {
    let r = CLUSTER_RADIUS * domain.extent();
    // 1. Grid-hash: every converged point to its cell (cell side r), sorted by cell.
    let key =
        |p: [f64; 2]| -> (i64, i64) { ((p[0] / r).floor() as i64, (p[1] / r).floor() as i64) };
    let mut pts: Vec<((i64, i64), u32, u32)> = Vec::new();
    for (k, res) in results.iter().enumerate() {
        for (i, s) in res.iter().enumerate() {
            if s.status == Status::Converged {
                pts.push((key(s.end), k as u32, i as u32));
            }
        }
    }
    if pts.is_empty() {
        return Vec::new();
    }
    pts.par_sort_unstable_by_key(|p| p.0);
    // 2. Cells: ranges of equal keys.
    let mut cells: Vec<(i64, i64, usize, usize)> = Vec::new(); // key, start, end
    let mut s = 0;
    for e in 1..=pts.len() {
        if e == pts.len() || pts[e].0 != pts[s].0 {
            cells.push((pts[s].0 .0, pts[s].0 .1, s, e));
            s = e;
        }
    }
    let index: HashMap<(i64, i64), u32> = cells
        .iter()
        .enumerate()
        .map(|(c, x)| ((x.0, x.1), c as u32))
        .collect();
    // 3. Single linkage over touching cells (points closer than r always share or touch cells).
    let mut parent: Vec<u32> = (0..cells.len() as u32).collect();
    for (c, &(cx, cy, _, _)) in cells.iter().enumerate() {
        for (dx, dy) in [(1, -1), (1, 0), (1, 1), (0, 1)] {
            if let Some(&o) = index.get(&(cx + dx, cy + dy)) {
                union(&mut parent, c as u32, o);
            }
        }
    }
    // 4. Cluster means.
    let mut roots: HashMap<u32, usize> = HashMap::new();
    let mut clusters: Vec<([f64; 2], u64)> = Vec::new();
    let mut cell_cluster = vec![0usize; cells.len()];
    for c in 0..cells.len() {
        let root = find(&mut parent, c as u32);
        let id = *roots.entry(root).or_insert_with(|| {
            clusters.push(([0.0; 2], 0));
            clusters.len() - 1
        });
        cell_cluster[c] = id;
        let (_, _, a, b) = cells[c];
        for &(_, k, i) in &pts[a..b] {
            let e = results[k as usize][i as usize].end;
            clusters[id].0[0] += e[0];
            clusters[id].0[1] += e[1];
            clusters[id].1 += 1;
        }
    }
    // 5. Polish and classify each cluster (in parallel: Newton is cheap, but there may be many).
    // Newton may walk a long way to a degenerate point (x⁴ + y⁴ stops gd at
    // |x| ≈ (tol/4)^⅓), but not across the domain.
    let guard = 0.1 * domain.extent();
    let found: Vec<([f64; 2], bool)> = clusters
        .par_iter()
        .map(|&(sum, n)| {
            let mean = [sum[0] / n as f64, sum[1] / n as f64];
            match polish(func, mean[0], mean[1], 100) {
                Some(p) if (p[0] - mean[0]).hypot(p[1] - mean[1]) <= guard => (p, true),
                _ => (mean, false),
            }
        })
        .collect();
    // 6. Merge clusters that polished to the same point (within r/100), then number by count.
    let merge = 1e-2 * r;
    let mkey = |p: [f64; 2]| -> (i64, i64) {
        ((p[0] / merge).floor() as i64, (p[1] / merge).floor() as i64)
    };
    let mut by_cell: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let mut dest_of_cluster = vec![0usize; clusters.len()];
    let mut merged: Vec<([f64; 2], bool, u64)> = Vec::new();
    for (c, &(p, ok)) in found.iter().enumerate() {
        let (kx, ky) = mkey(p);
        let mut hit = None;
        if ok {
            'search: for dx in -1..=1 {
                for dy in -1..=1 {
                    for &m in by_cell
                        .get(&(kx + dx, ky + dy))
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                    {
                        if (merged[m].0[0] - p[0]).hypot(merged[m].0[1] - p[1]) <= merge {
                            hit = Some(m);
                            break 'search;
                        }
                    }
                }
            }
        }
        let d = match hit {
            Some(d) => d,
            None => {
                merged.push((p, ok, 0));
                if ok {
                    by_cell.entry((kx, ky)).or_default().push(merged.len() - 1);
                }
                merged.len() - 1
            }
        };
        merged[d].2 += clusters[c].1;
        dest_of_cluster[c] = d;
    }
    let mut order: Vec<usize> = (0..merged.len()).collect();
    order.sort_by(|&a, &b| {
        merged[b].2.cmp(&merged[a].2).then(
            merged[a].0[0]
                .total_cmp(&merged[b].0[0])
                .then(merged[a].0[1].total_cmp(&merged[b].0[1])),
        )
    });
    let mut id_of = vec![0usize; merged.len()];
    for (id, &m) in order.iter().enumerate() {
        id_of[m] = id;
    }
    let total: u64 = merged.iter().map(|m| m.2).sum();
    let all: Vec<Destination> = order
        .iter()
        .enumerate()
        .map(|(id, &m)| {
            let (p, ok, count) = merged[m];
            let d = func.derivs(p[0], p[1]);
            // The shared classifier at a polished point; at an unpolished one (where
            // the runs stopped with |∇f| < tol) the Hessian decides, as if ∇f = 0.
            let kind = if ok {
                judge_near(func, p[0], p[1], scale).kind
            } else {
                match classify(
                    &crate::expr::Derivs {
                        grad: [0.0; 2],
                        ..d
                    },
                    scale,
                ) {
                    Kind::Undefined => judge_near(func, p[0], p[1], scale).kind,
                    k => k,
                }
            };
            Destination {
                id,
                // + 0.0 turns -0 into 0 for the table and JSON.
                x: p[0] + 0.0,
                y: p[1] + 0.0,
                value: d.value,
                kind,
                count,
                fraction: count as f64 / total as f64,
                mean_steps: 0.0,
                polished: ok,
                outside_domain: !domain.contains(p[0], p[1]),
            }
        })
        .collect();
    // 7. Write ids into the results.
    for (c, &(_, _, a, b)) in cells.iter().enumerate() {
        let id = id_of[dest_of_cluster[cell_cluster[c]]] as i32;
        for &(_, k, i) in &pts[a..b] {
            results[k as usize][i as usize].destination = id;
        }
    }
    all
}
