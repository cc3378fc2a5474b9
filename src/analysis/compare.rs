//! Many-start comparison: run a grid or cloud of starts with several
//! optimizers to the end (on the GPU, or on the CPU in f64 as the reference),
//! find where the runs went (destinations: clustered end points, polished to
//! the exact critical point by Newton's method and classified), and report
//! counts, fractions and steps per optimizer as a table, JSON and a per-start
//! CSV. The basin map picture lives in [`super::basins`].
//!
//! Destination ids are shared by all optimizers of one report: id 0 is the
//! same point for `gd` and for `adam`, so their basin maps use one colour for
//! it. Ids are ordered by the total number of runs (all optimizers) that ended
//! there; each optimizer's list is sorted by its own count.

use crate::analysis::{classify, judge_near, postrun, Kind, Scale};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::gpu::particles::{EngineConfig, ParticleEngine};
use crate::gpu::Context;
use crate::optim::{iterate, Optimizer, State, Status, Stop};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// Where the runs start.
#[derive(Clone, Debug, PartialEq)]
pub enum Starts {
    /// Cell centres of a w × h grid over the domain, row-major from ymin.
    Grid { w: u32, h: u32 },
    /// `n` points uniform over the domain from a seeded PRNG (splitmix64).
    Random { n: u32, seed: u64 },
    /// Points given by the user (a CSV file of x,y).
    Points(Vec<[f64; 2]>),
}

/// The seed `random:N` uses when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// At most this many starts (4096²): each start holds 40 bytes of GPU state
/// and a per-optimizer result row on the CPU, so 16M starts already take
/// gigabytes; more would run out of memory rather than fail cleanly.
pub const MAX_STARTS: u64 = 1 << 24;

impl Starts {
    /// Parses `grid:WxH`, `random:N`, `random:N:SEED`, or a path to a CSV file
    /// with `x,y` per line (an optional header line, `#` comments, blank lines).
    pub fn parse(spec: &str) -> Result<Starts> {
        let s = spec.trim();
        let bad = |why: &str| {
            Error::input(format!(
                "--starts '{spec}': {why} (expected grid:WxH, random:N[:SEED] or a CSV file of x,y)"
            ))
        };
        if let Some(rest) = s.strip_prefix("grid:") {
            let (w, h) = rest
                .split_once(['x', 'X'])
                .ok_or_else(|| bad("the grid needs WxH"))?;
            let w: u32 = w
                .trim()
                .parse()
                .map_err(|_| bad("W is not a whole number"))?;
            let h: u32 = h
                .trim()
                .parse()
                .map_err(|_| bad("H is not a whole number"))?;
            if w == 0 || h == 0 {
                return Err(bad("the grid needs at least 1x1"));
            }
            if w as u64 * h as u64 > MAX_STARTS {
                return Err(bad(&format!(
                    "{} starts are more than {MAX_STARTS} (4096x4096), the most whose state and results fit in memory",
                    w as u64 * h as u64
                )));
            }
            return Ok(Starts::Grid { w, h });
        }
        if let Some(rest) = s.strip_prefix("random:") {
            let mut it = rest.split(':');
            let n: u32 = it
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .map_err(|_| bad("N is not a whole number"))?;
            if n == 0 || n as u64 > MAX_STARTS {
                return Err(bad(&format!("N must be in 1..={MAX_STARTS}")));
            }
            let seed = match it.next() {
                Some(t) => t
                    .trim()
                    .parse()
                    .map_err(|_| bad("SEED is not a whole number ≥ 0"))?,
                None => DEFAULT_SEED,
            };
            if it.next().is_some() {
                return Err(bad("too many ':' parts"));
            }
            return Ok(Starts::Random { n, seed });
        }
        let path = Path::new(s);
        if !path.is_file() {
            return Err(bad("no such file"));
        }
        Ok(Starts::Points(read_points_csv(path)?))
    }

    /// The start points in the domain, in run order.
    pub fn points(&self, domain: &Domain) -> Vec<[f64; 2]> {
        match self {
            Starts::Grid { w, h } => {
                let (w, h) = (*w as usize, *h as usize);
                let dx = domain.width() / w as f64;
                let dy = domain.height() / h as f64;
                let mut out = Vec::with_capacity(w * h);
                for j in 0..h {
                    let y = domain.ymin + (j as f64 + 0.5) * dy;
                    for i in 0..w {
                        out.push([domain.xmin + (i as f64 + 0.5) * dx, y]);
                    }
                }
                out
            }
            Starts::Random { n, seed } => {
                let mut rng = SplitMix64(*seed);
                (0..*n)
                    .map(|_| {
                        [
                            domain.xmin + rng.unit() * domain.width(),
                            domain.ymin + rng.unit() * domain.height(),
                        ]
                    })
                    .collect()
            }
            Starts::Points(p) => p.clone(),
        }
    }

    /// (w, h) for a grid.
    pub fn grid(&self) -> Option<(u32, u32)> {
        match self {
            Starts::Grid { w, h } => Some((*w, *h)),
            _ => None,
        }
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough to place starts.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Reads `x,y` lines (comma, semicolon, tab or space separated). A file that
/// cannot be read is the user's input at fault, like an unreadable scene
/// ([`Error::Input`], exit 2).
pub fn read_points_csv(path: &Path) -> Result<Vec<[f64; 2]>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("reading {}: {e}", path.display())))?;
    let mut out = Vec::new();
    let mut first = true;
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = l
            .split([',', ';', '\t', ' '])
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        let nums: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        let was_first = std::mem::replace(&mut first, false);
        if was_first && nums.iter().all(Option::is_none) {
            continue; // a header
        }
        match nums.as_slice() {
            [Some(x), Some(y)] if x.is_finite() && y.is_finite() => out.push([*x, *y]),
            _ => {
                return Err(Error::input(format!(
                    "{}:{}: expected two finite numbers x,y, found '{l}'",
                    path.display(),
                    n + 1
                )))
            }
        }
        if out.len() as u64 > MAX_STARTS {
            return Err(Error::input(format!(
                "{}: more than {MAX_STARTS} starts",
                path.display()
            )));
        }
    }
    if out.is_empty() {
        return Err(Error::input(format!(
            "{}: no x,y points in the file",
            path.display()
        )));
    }
    Ok(out)
}

/// Progress of a GPU comparison, after each batch of dispatches.
#[derive(Clone, Copy, Debug)]
pub struct ProgressEvent {
    /// Index of the optimizer running now, and how many there are.
    pub optimizer: usize,
    pub optimizers: usize,
    pub name: &'static str,
    /// Steps done by the particles still running, and the budget.
    pub steps: u32,
    pub max_steps: u32,
    /// Particles still running, of `count`.
    pub running: u32,
    pub count: u32,
}

/// Where one run ended (40 bytes; one flat Vec per optimizer).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StartResult {
    pub end: [f64; 2],
    pub value: f64,
    pub steps: u32,
    pub status: Status,
    /// Destination id for converged runs, -1 otherwise.
    pub destination: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepStats {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Destination {
    /// Shared by all optimizers of the report (see the module docs).
    pub id: usize,
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub kind: Kind,
    pub count: u64,
    /// Of all starts of this optimizer.
    pub fraction: f64,
    pub mean_steps: f64,
    /// Whether Newton's method reached the critical point (else x, y is the cluster's mean).
    #[serde(skip)]
    pub polished: bool,
    /// The destination lies outside the domain the starts were drawn from.
    pub outside_domain: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptimizerReport {
    /// Name (`gd`, `adam`, …).
    pub optimizer: &'static str,
    pub lr: f64,
    pub converged: u64,
    pub diverged: u64,
    pub running: u64,
    /// Runs that stopped on a flat (underflowed) plateau: not converged.
    pub flat: u64,
    pub fraction_converged: f64,
    pub fraction_diverged: f64,
    pub fraction_running: f64,
    pub fraction_flat: f64,
    /// GPU runs whose f32 evaluation overflowed where f64 is finite, redone on the CPU in f64.
    pub f64_reruns: u64,
    /// Over converged runs; null when none converged.
    pub steps: Option<StepStats>,
    pub destinations: Vec<Destination>,
    #[serde(skip)]
    pub params: Optimizer,
    /// One per start, in start order.
    #[serde(skip)]
    pub results: Vec<StartResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareReport {
    pub function: String,
    /// [xmin, xmax, ymin, ymax]
    pub domain: [f64; 4],
    pub starts: usize,
    pub max_steps: u32,
    pub tol: f64,
    pub optimizers: Vec<OptimizerReport>,
    /// Every destination of any optimizer, indexed by id (location, value, kind; counts over all optimizers).
    #[serde(skip)]
    pub all_destinations: Vec<Destination>,
}

impl CompareReport {
    pub fn domain(&self) -> Domain {
        let [a, b, c, d] = self.domain;
        Domain::new(a, b, c, d)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("the report serializes (no maps with non-string keys)")
    }

    pub fn write_json(&self, path: &Path) -> Result<()> {
        crate::io::write_bytes_atomic(path, (self.to_json() + "\n").as_bytes())
    }
}

/// Iterations per dispatch: a dispatch costs ~3 ms on lavapipe, so a few dozen iterations amortise it.
pub const ITERS_PER_DISPATCH: u32 = 64;

fn check_inputs(
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
) -> Result<()> {
    domain.validate()?;
    if starts.is_empty() {
        return Err(Error::input("no starts to compare"));
    }
    if optimizers.is_empty() {
        return Err(Error::input("no optimizer to compare: give at least one"));
    }
    for o in optimizers {
        o.validate()?;
    }
    if !(stop.tol >= 0.0 && stop.tol.is_finite()) {
        return Err(Error::input(format!(
            "tol = {} must be a finite number ≥ 0",
            stop.tol
        )));
    }
    Ok(())
}

/// Runs every optimizer from every start on the GPU, in batches of dispatches
/// until all particles stopped or the step budget is spent (reading only the
/// GPU-side running count in between), then reads the final states once.
pub fn run(
    ctx: &Context,
    func: &Function,
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
    progress: &mut dyn FnMut(ProgressEvent),
) -> Result<CompareReport> {
    check_inputs(domain, starts, optimizers, stop)?;
    let starts32: Vec<[f32; 2]> = starts.iter().map(|p| [p[0] as f32, p[1] as f32]).collect();
    let count = starts.len() as u32;
    // Aim at ~4M particle-iterations between reads of the running count (a read is a full sync).
    let batch = (4_000_000 / (count as u64 * ITERS_PER_DISPATCH as u64)).clamp(1, 16) as u32;
    let mut results = Vec::with_capacity(optimizers.len());
    let mut reruns = Vec::with_capacity(optimizers.len());
    for (k, opt) in optimizers.iter().enumerate() {
        let config = EngineConfig {
            optimizer: *opt,
            stop: *stop,
            iters_per_dispatch: ITERS_PER_DISPATCH,
            trail_len: 0,
            trail_stride: 1,
        };
        let engine = ParticleEngine::new(ctx, func, &starts32, config)?;
        let name = opt.kind.name();
        progress(ProgressEvent {
            optimizer: k,
            optimizers: optimizers.len(),
            name,
            steps: 0,
            max_steps: stop.max_steps,
            running: count,
            count,
        });
        engine.run_to_end(ctx, batch, |done, _total, running| {
            progress(ProgressEvent {
                optimizer: k,
                optimizers: optimizers.len(),
                name,
                steps: (done * ITERS_PER_DISPATCH).min(stop.max_steps),
                max_steps: stop.max_steps,
                running,
                count,
            })
        })?;
        let state = engine.read(ctx)?;
        drop(engine);
        let mut r: Vec<StartResult> = state
            .iter()
            .map(|p| StartResult {
                end: [p.pos[0] as f64, p.pos[1] as f64],
                value: p.value as f64,
                steps: p.steps,
                status: p.status(),
                destination: -1,
            })
            .collect();
        let e = |i: usize| (state[i].pos, state[i].status());
        reruns.push(
            postrun::rerun_artefacts(func, opt, stop, starts, e, |i, st| {
                r[i] = StartResult {
                    end: st.pos,
                    value: st.value,
                    steps: st.steps,
                    status: st.status,
                    destination: -1,
                }
            }) as u64,
        );
        results.push(r);
    }
    let mut report = build_report(func, domain, starts.len(), optimizers, stop, results);
    for (o, n) in report.optimizers.iter_mut().zip(reruns) {
        o.f64_reruns = n;
    }
    Ok(report)
}

/// The CPU f64 reference: the same runs with `optim::iterate`, in parallel over starts.
pub fn run_cpu(
    func: &Function,
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
) -> Result<CompareReport> {
    check_inputs(domain, starts, optimizers, stop)?;
    let results = optimizers
        .iter()
        .map(|opt| {
            starts
                .par_iter()
                .map(|&p| {
                    let mut st = State::new(p);
                    while iterate(func, opt, stop, &mut st) {}
                    StartResult {
                        end: st.pos,
                        value: st.value,
                        steps: st.steps,
                        status: st.status,
                        destination: -1,
                    }
                })
                .collect()
        })
        .collect();
    Ok(build_report(
        func,
        domain,
        starts.len(),
        optimizers,
        stop,
        results,
    ))
}

/// Steps statistics (mean, median, nearest-rank p90, max); None for no samples.
pub fn step_stats(mut steps: Vec<u32>) -> Option<StepStats> {
    if steps.is_empty() {
        return None;
    }
    steps.sort_unstable();
    let n = steps.len();
    let mean = steps.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        steps[n / 2] as f64
    } else {
        0.5 * (steps[n / 2 - 1] as f64 + steps[n / 2] as f64)
    };
    let p90 = steps[((0.9 * n as f64).ceil() as usize).clamp(1, n) - 1] as f64;
    Some(StepStats {
        mean,
        median,
        p90,
        max: steps[n - 1] as f64,
    })
}

/// The report of finished runs: `results[k]` holds optimizer k's result per
/// start; destinations are clustered over all of them (`api::merge_compare`
/// builds one comparison from runs done in parts).
pub fn build_report(
    func: &Function,
    domain: &Domain,
    n: usize,
    optimizers: &[Optimizer],
    stop: &Stop,
    mut results: Vec<Vec<StartResult>>,
) -> CompareReport {
    let scale = Scale::of(func, domain);
    for res in results.iter_mut() {
        res.par_iter_mut().for_each(|r| {
            if postrun::is_flat_stop(func, &scale, r.status, r.end) {
                r.status = Status::Flat;
            }
        });
    }
    let all = assign_destinations(func, domain, &scale, &mut results);
    let nf = n as f64;
    let mut reports = Vec::with_capacity(optimizers.len());
    for (opt, res) in optimizers.iter().zip(results) {
        let mut counts = vec![0u64; all.len()];
        let mut step_sums = vec![0f64; all.len()];
        let (mut conv, mut div, mut run, mut flat) = (0u64, 0u64, 0u64, 0u64);
        let mut steps = Vec::new();
        for r in &res {
            match r.status {
                Status::Converged => {
                    conv += 1;
                    steps.push(r.steps);
                    let d = r.destination as usize;
                    counts[d] += 1;
                    step_sums[d] += r.steps as f64;
                }
                Status::Diverged => div += 1,
                Status::Running => run += 1,
                Status::Flat => flat += 1,
            }
        }
        let mut destinations: Vec<Destination> = all
            .iter()
            .filter(|d| counts[d.id] > 0)
            .map(|d| Destination {
                count: counts[d.id],
                fraction: counts[d.id] as f64 / nf,
                mean_steps: step_sums[d.id] / counts[d.id] as f64,
                ..d.clone()
            })
            .collect();
        destinations.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
        reports.push(OptimizerReport {
            optimizer: opt.kind.name(),
            lr: opt.lr,
            converged: conv,
            diverged: div,
            running: run,
            flat,
            fraction_converged: conv as f64 / nf,
            fraction_diverged: div as f64 / nf,
            fraction_running: run as f64 / nf,
            fraction_flat: flat as f64 / nf,
            f64_reruns: 0,
            steps: step_stats(steps),
            destinations,
            params: *opt,
            results: res,
        });
    }
    CompareReport {
        function: func.source().to_string(),
        domain: [domain.xmin, domain.xmax, domain.ymin, domain.ymax],
        starts: n,
        max_steps: stop.max_steps,
        tol: stop.tol,
        optimizers: reports,
        all_destinations: all,
    }
}

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
fn assign_destinations(
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

/// |∇f| under which Newton's method stops, relative to the function's scale.
const POLISH_GRAD_TOL: f64 = 1e-9;

/// Newton's method on ∇f = 0 in f64: solves H δ = −∇f until the step is at
/// rounding level. Returns the point when |∇f| is then tiny (relative to
/// max(1, |H|)); None when it does not settle, or when |∇f| ever grows past
/// twice its value at the start (Newton left for another critical point).
/// A singular Hessian or the iteration limit ends the loop and |∇f| decides.
/// Pure Newton from a cluster's mean end point, refusing any walk that more
/// than doubles |∇f|. Unlike `critical::newton_polish` (damped, line-searched,
/// built to find *some* critical point from a seed), this must land on the
/// point the particles actually reached, or report that it cannot: a damped
/// search may cross into a neighbouring basin and misname the destination.
fn polish(func: &Function, mut x: f64, mut y: f64, max_iter: u32) -> Option<[f64; 2]> {
    let mut first = None;
    for _ in 0..max_iter {
        let d = func.derivs(x, y);
        let [gx, gy] = d.grad;
        let [a, b, c] = d.hess;
        if !(gx.is_finite() && gy.is_finite() && a.is_finite() && b.is_finite() && c.is_finite()) {
            return None;
        }
        let scale = a.abs().max(b.abs()).max(c.abs()).max(1.0);
        let g = gx.hypot(gy);
        if g == 0.0 {
            return Some([x, y]);
        }
        let g0 = *first.get_or_insert(g);
        if g > 2.0 * g0 {
            return None;
        }
        let det = a * c - b * b;
        if det.abs() <= 1e-300 {
            break;
        }
        let dx = -(c * gx - b * gy) / det;
        let dy = -(a * gy - b * gx) / det;
        x += dx;
        y += dy;
        // Done when the step is at rounding level and ∇f tiny. Near a degenerate point
        // (x⁴ + y⁴) Newton converges only linearly, so a small ∇f alone is not enough.
        if dx.hypot(dy) <= 1e-12 * x.abs().max(y.abs()).max(1.0) {
            let g = func.grad(x, y);
            return (g[0].hypot(g[1]) <= POLISH_GRAD_TOL * scale).then_some([x, y]);
        }
    }
    let d = func.derivs(x, y);
    let scale = d.hess.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    (d.grad[0].hypot(d.grad[1]) <= POLISH_GRAD_TOL * scale).then_some([x, y])
}

fn pct(f: f64) -> String {
    format!("{:.1}%", 100.0 * f)
}

/// The report as a plain-text table for stdout.
pub fn format_table(report: &CompareReport) -> String {
    let mut s = String::new();
    let [a, b, c, d] = report.domain;
    let _ = writeln!(
        s,
        "{}  on [{a}, {b}] × [{c}, {d}]: {} starts, ≤ {} steps, tol {}",
        report.function, report.starts, report.max_steps, report.tol
    );
    let _ = writeln!(
        s,
        "\n{:<10} {:>9} {:>10} {:>10} {:>10} {:>9} {:>8} {:>8} {:>8}",
        "optimizer", "lr", "converged", "diverged", "running", "mean", "median", "p90", "max"
    );
    let any_flat = report.optimizers.iter().any(|o| o.flat > 0);
    for o in &report.optimizers {
        let st = o
            .steps
            .map(|t| {
                format!(
                    "{:>9.1} {:>8} {:>8} {:>8}",
                    t.mean,
                    fmt_g(t.median),
                    fmt_g(t.p90),
                    fmt_g(t.max)
                )
            })
            .unwrap_or_else(|| format!("{:>9} {:>8} {:>8} {:>8}", "-", "-", "-", "-"));
        let _ = writeln!(
            s,
            "{:<10} {:>9} {:>10} {:>10} {:>10} {st}",
            o.optimizer,
            fmt_g(o.lr),
            pct(o.fraction_converged),
            pct(o.fraction_diverged),
            pct(o.fraction_running)
        );
    }
    let _ = writeln!(s, "(steps: to converge, over converged runs)");
    if any_flat {
        for o in report.optimizers.iter().filter(|o| o.flat > 0) {
            let _ = writeln!(
                s,
                "{}: {} runs ({}) stopped where f is flat to rounding (an underflowed plateau: ∇f = 0 \
                 but no critical point); they count as flat, not converged",
                o.optimizer,
                o.flat,
                pct(o.fraction_flat)
            );
        }
    }
    for o in &report.optimizers {
        let _ = writeln!(
            s,
            "\n{} destinations (the {LOWEST_FIRST} lowest first, then by count):",
            o.optimizer
        );
        if o.destinations.is_empty() {
            let _ = writeln!(s, "  (none: no run converged)");
            continue;
        }
        let _ = writeln!(
            s,
            "  {:>3} {:<10} {:>12} {:>12} {:>13} {:>9} {:>7} {:>10} {:>7}",
            "id", "kind", "x", "y", "f", "count", "share", "mean steps", "domain"
        );
        const SHOW: usize = 20;
        let order = display_order(&o.destinations);
        for &i in order.iter().take(SHOW) {
            let d = &o.destinations[i];
            let _ = writeln!(
                s,
                "  {:>3} {:<10} {:>12.6} {:>12.6} {:>13.6e} {:>9} {:>7} {:>10.1} {:>7}",
                d.id,
                d.kind.as_str(),
                d.x,
                d.y,
                d.value,
                d.count,
                pct(d.fraction),
                d.mean_steps,
                if d.outside_domain {
                    "outside"
                } else {
                    "inside"
                }
            );
        }
        if o.destinations.len() > SHOW {
            let rest: u64 = order[SHOW..].iter().map(|&i| o.destinations[i].count).sum();
            let _ = writeln!(
                s,
                "  … {} more destinations with {} runs ({})",
                o.destinations.len() - SHOW,
                rest,
                pct(rest as f64 / report.starts as f64)
            );
        }
    }
    s
}

/// Destinations shown first in the table: the lowest ones.
pub const LOWEST_FIRST: usize = 3;

/// The table's order of `dests` (sorted by count): the [`LOWEST_FIRST`] lowest
/// values first (so the lowest minima are never behind "… more"), then the rest by count.
pub fn display_order(dests: &[Destination]) -> Vec<usize> {
    let mut by_value: Vec<usize> = (0..dests.len())
        .filter(|&i| dests[i].value.is_finite())
        .collect();
    by_value.sort_by(|&a, &b| dests[a].value.total_cmp(&dests[b].value));
    let mut order: Vec<usize> = by_value.into_iter().take(LOWEST_FIRST).collect();
    let rest: Vec<usize> = (0..dests.len()).filter(|i| !order.contains(i)).collect();
    order.extend(rest);
    order
}

/// A number without trailing zeros.
fn fmt_g(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The per-start CSV: `start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination`
/// (destination -1 for diverged and running), one row per start and optimizer, written atomically.
pub fn write_csv(path: &Path, report: &CompareReport, starts: &[[f64; 2]]) -> Result<()> {
    if starts.len() != report.starts {
        return Err(Error::input(format!(
            "{} starts given for a report of {}",
            starts.len(),
            report.starts
        )));
    }
    crate::io::write_atomic(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        let io = |e| Error::io(path, e);
        use std::io::Write;
        writeln!(
            w,
            "start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination"
        )
        .map_err(io)?;
        for o in &report.optimizers {
            for (s, r) in starts.iter().zip(&o.results) {
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{}",
                    s[0],
                    s[1],
                    o.optimizer,
                    r.end[0],
                    r.end[1],
                    r.value,
                    r.status.as_str(),
                    r.steps,
                    r.destination
                )
                .map_err(io)?;
            }
        }
        w.flush().map_err(io)
    })
}
