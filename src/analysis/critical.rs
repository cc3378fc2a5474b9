//! Critical points: Newton's method on ∇f = 0 from a dense grid of seeds, in
//! f64 on the CPU (rayon), polished, deduplicated and classified.
//!
//! Newton converges quadratically at regular critical points and linearly at
//! degenerate ones (the monkey saddle's origin halves its distance per step),
//! so the iteration budget is generous. Acceptance and kinds come from the one
//! classifier, [`super::scale::judge`], in the function's own units; seeds
//! where f is flat to rounding are skipped and counted, and degenerate points
//! that chain into curves are reported as continua with a sample.

use super::{judge_near, Kind, Scale};
use crate::domain::Domain;
use crate::expr::Function;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct CriticalPoint {
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub kind: Kind,
    pub eigenvalues: [f64; 2],
    pub grad_norm: f64,
    /// Set for a sample point of a continuum: its index in the report's `continua`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuum: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
pub struct CriticalOptions {
    /// Seeds per side of the seed grid.
    pub seeds: u32,
    /// Newton iterations per seed.
    pub max_iter: u32,
}

impl Default for CriticalOptions {
    fn default() -> Self {
        CriticalOptions {
            seeds: 96,
            max_iter: 100,
        }
    }
}

/// One Newton step on ∇f = 0 at (x, y): δ solving H δ = −∇f, or a damped
/// (Levenberg–Marquardt) step where H is (nearly) singular.
fn newton_step(g: [f64; 2], h: [f64; 3], damping: f64) -> Option<[f64; 2]> {
    let [a, b, c] = h;
    let (a, c) = (a + damping, c + damping);
    let det = a * c - b * b;
    let scale = a.abs().max(c.abs()).max(b.abs());
    if !det.is_finite() || det.abs() <= 1e-14 * scale * scale || scale == 0.0 {
        return None;
    }
    Some([-(c * g[0] - b * g[1]) / det, -(a * g[1] - b * g[0]) / det])
}

/// The first Levenberg–Marquardt damping: 1e-6 of the Hessian's size, so that
/// a constant factor on f changes no step (|∇f| where the Hessian vanishes).
fn first_damping(d: &crate::expr::Derivs, gn: f64) -> f64 {
    let h = d.hess.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if h > 0.0 && h.is_finite() {
        1e-6 * h
    } else {
        gn.max(f64::MIN_POSITIVE)
    }
}

/// Newton on ∇f = 0 from (x, y). Returns the point where the iteration settles
/// (|∇f| stops decreasing or the step falls to rounding level), or None when it
/// leaves a finite region or the gradient is undefined.
pub fn newton_polish(f: &Function, x: f64, y: f64, max_iter: u32) -> Option<(f64, f64)> {
    let (mut x, mut y) = (x, y);
    let d = f.derivs(x, y);
    let mut gn = d.grad[0].hypot(d.grad[1]);
    if !gn.is_finite() {
        return None;
    }
    let mut d = d;
    for _ in 0..max_iter {
        if gn == 0.0 {
            break;
        }
        // Newton first; if it does not reduce |∇f|, halve it a few times, then damp.
        let mut accepted = false;
        let mut damping = 0.0;
        for attempt in 0..12 {
            let Some(step) = newton_step(d.grad, d.hess, damping) else {
                damping = if damping == 0.0 {
                    first_damping(&d, gn)
                } else {
                    damping * 10.0
                };
                continue;
            };
            let t = if attempt < 4 {
                0.5f64.powi(attempt)
            } else {
                1.0
            };
            let (nx, ny) = (x + t * step[0], y + t * step[1]);
            let nd = f.derivs(nx, ny);
            let ngn = nd.grad[0].hypot(nd.grad[1]);
            if ngn.is_finite() && ngn < gn {
                let tiny = (nx - x).abs() <= 1e-15 * x.abs().max(1.0)
                    && (ny - y).abs() <= 1e-15 * y.abs().max(1.0);
                x = nx;
                y = ny;
                d = nd;
                gn = ngn;
                accepted = !tiny;
                break;
            }
            if attempt >= 3 {
                damping = if damping == 0.0 {
                    first_damping(&d, gn)
                } else {
                    damping * 10.0
                };
            }
        }
        if !accepted {
            break;
        }
    }
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

/// A curve (or patch) of non-isolated critical points: drop-wave's rings,
/// a valley floor of equal minima. Listed once, with a sample of its points.
#[derive(Clone, Debug, Serialize)]
pub struct Continuum {
    /// Index in [`CriticalReport::continua`]; the sample points carry it too.
    pub id: usize,
    /// Critical points the search found on it.
    pub found: usize,
    /// f along it (the mean of the found points; they agree to 1e-9 of f's spread).
    pub value: f64,
    /// What it is across: `minimum` (a valley of minima), `maximum` (a ridge of
    /// maxima), or `degenerate` (flat both ways).
    pub across: Kind,
    /// [xmin, xmax, ymin, ymax] of the found points.
    pub bounds: [f64; 4],
    /// Up to [`CONTINUUM_SAMPLE`] found points, spread along it.
    pub sample: Vec<[f64; 2]>,
}

/// The lowest or highest point of the domain (edges included).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Extremum {
    pub x: f64,
    pub y: f64,
    pub value: f64,
    /// `min` or `max`.
    pub kind: &'static str,
    /// On the domain's edge (within 1e-9 of its extent), where ∇f need not vanish.
    pub on_boundary: bool,
}

/// Everything `critical` reports.
#[derive(Clone, Debug)]
pub struct CriticalReport {
    /// Isolated critical points, and a sample of each continuum (with `continuum` set).
    pub points: Vec<CriticalPoint>,
    pub continua: Vec<Continuum>,
    /// Share of the seed grid where f is flat to rounding (underflowed): no
    /// critical point is listed there.
    pub flat_fraction: f64,
    /// The domain's lowest and highest points.
    pub extrema: Vec<Extremum>,
}

/// Found points a continuum needs (fewer are listed one by one).
pub const CONTINUUM_MIN: usize = 4;
/// Points of a continuum listed.
pub const CONTINUUM_SAMPLE: usize = 5;

/// Every critical point of `f` in `domain`, sorted by (value, x, y): isolated
/// points, and a sample of each continuum (see [`analyze`]).
pub fn find_critical(f: &Function, domain: &Domain, opts: &CriticalOptions) -> Vec<CriticalPoint> {
    search(f, domain, opts).0
}

/// The critical points, continua, flat share and the domain's extrema.
pub fn analyze(f: &Function, domain: &Domain, opts: &CriticalOptions) -> CriticalReport {
    let (points, continua, flat_fraction) = search(f, domain, opts);
    let extrema = extrema(f, domain, &points);
    CriticalReport {
        points,
        continua,
        flat_fraction,
        extrema,
    }
}

fn search(
    f: &Function,
    domain: &Domain,
    opts: &CriticalOptions,
) -> (Vec<CriticalPoint>, Vec<Continuum>, f64) {
    let n = opts.seeds.max(2);
    let seeds: Vec<[f64; 2]> = (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            [
                domain.xmin + domain.width() * (i as f64 + 0.5) / n as f64,
                domain.ymin + domain.height() * (j as f64 + 0.5) / n as f64,
            ]
        })
        .collect();
    let scale = Scale::of(f, domain);
    // Seeds where f has underflowed to a constant: ∇f = 0 there says nothing.
    let flat: Vec<bool> = seeds
        .par_iter()
        .map(|s| scale.is_flat(f, s[0], s[1]))
        .collect();
    let flat_fraction = flat.iter().filter(|&&b| b).count() as f64 / seeds.len() as f64;
    let slack = 1e-9 * domain.extent();
    let mut found: Vec<(f64, f64, f64)> = seeds
        .par_iter()
        .zip(&flat)
        .filter(|(_, &fl)| !fl)
        .filter_map(|(s, _)| {
            let (x, y) = newton_polish(f, s[0], s[1], opts.max_iter)?;
            let inside = x >= domain.xmin - slack
                && x <= domain.xmax + slack
                && y >= domain.ymin - slack
                && y <= domain.ymax + slack;
            if !inside {
                return None;
            }
            let v = judge_near(f, x, y, &scale);
            let critical = !matches!(v.kind, Kind::Regular | Kind::Undefined);
            (critical && !scale.is_flat(f, x, y)).then_some((x, y, v.newton_step))
        })
        .collect();
    // Deduplicate: points closer than 1e-6 of the extent are one; keep the one nearest its critical point.
    found.sort_by(|a, b| {
        a.2.total_cmp(&b.2)
            .then(a.0.total_cmp(&b.0))
            .then(a.1.total_cmp(&b.1))
    });
    let radius = 1e-6 * domain.extent();
    let mut unique: Vec<(f64, f64, f64)> = Vec::new();
    for p in found {
        if !unique
            .iter()
            .any(|q| (p.0 - q.0).hypot(p.1 - q.1) <= radius)
        {
            unique.push(p);
        }
    }
    let mut out: Vec<CriticalPoint> = unique
        .into_iter()
        .map(|(x, y, _)| {
            let d = f.derivs(x, y);
            let v = judge_near(f, x, y, &scale);
            CriticalPoint {
                x,
                y,
                value: d.value,
                kind: v.kind,
                eigenvalues: v.eigenvalues,
                grad_norm: d.grad[0].hypot(d.grad[1]),
                continuum: None,
            }
        })
        .collect();
    let spacing = domain.extent() / n as f64;
    let continua = continua(&mut out, &scale, spacing);
    out.sort_by(|a, b| {
        a.value
            .total_cmp(&b.value)
            .then(a.x.total_cmp(&b.x))
            .then(a.y.total_cmp(&b.y))
    });
    (out, continua, flat_fraction)
}

/// Groups degenerate points that chain together (each within 3 seed spacings
/// of the next, with values equal to 1e-9 of f's spread) into continua of at
/// least [`CONTINUUM_MIN`] points; replaces their members in `points` by a sample.
fn continua(points: &mut Vec<CriticalPoint>, scale: &Scale, spacing: f64) -> Vec<Continuum> {
    let cand: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].kind == Kind::Degenerate)
        .collect();
    let link = 3.0 * spacing;
    let same = 1e-9 * scale.spread;
    let mut parent: Vec<usize> = (0..cand.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for a in 0..cand.len() {
        for b in a + 1..cand.len() {
            let (p, q) = (&points[cand[a]], &points[cand[b]]);
            if (p.x - q.x).hypot(p.y - q.y) <= link && (p.value - q.value).abs() <= same {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (a, &c) in cand.iter().enumerate() {
        let r = root(&mut parent, a);
        groups.entry(r).or_default().push(c);
    }
    let mut result = Vec::new();
    let mut drop = vec![false; points.len()];
    let mut groups: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| g.len() >= CONTINUUM_MIN)
        .collect();
    groups.sort_by(|a, b| points[a[0]].value.total_cmp(&points[b[0]].value));
    for members in groups {
        let id = result.len();
        let pts: Vec<&CriticalPoint> = members.iter().map(|&i| &points[i]).collect();
        let value = pts.iter().map(|p| p.value).sum::<f64>() / pts.len() as f64;
        let (mut pos, mut neg) = (0, 0);
        for p in &pts {
            let [l1, l2] = p.eigenvalues;
            let big = if l1.abs() > l2.abs() { l1 } else { l2 };
            if big > 0.0 {
                pos += 1;
            } else if big < 0.0 {
                neg += 1;
            }
        }
        let zero_both = pts.iter().all(|p| {
            let [l1, l2] = p.eigenvalues;
            l1.abs().max(l2.abs()) <= super::scale::ZERO_EIGENVALUE * scale.curvature()
        });
        let across = if zero_both {
            Kind::Degenerate
        } else if pos >= neg {
            Kind::Minimum
        } else {
            Kind::Maximum
        };
        let mut bounds = [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in &pts {
            bounds[0] = bounds[0].min(p.x);
            bounds[1] = bounds[1].max(p.x);
            bounds[2] = bounds[2].min(p.y);
            bounds[3] = bounds[3].max(p.y);
        }
        // Farthest-point sampling from the lowest-indexed member: spread along the curve.
        let mut chosen = vec![members[0]];
        while chosen.len() < CONTINUUM_SAMPLE.min(members.len()) {
            let next = members
                .iter()
                .copied()
                .filter(|m| !chosen.contains(m))
                .max_by(|&a, &b| {
                    let d = |m: usize| {
                        chosen
                            .iter()
                            .map(|&c| (points[m].x - points[c].x).hypot(points[m].y - points[c].y))
                            .fold(f64::INFINITY, f64::min)
                    };
                    d(a).total_cmp(&d(b))
                })
                .expect("members left");
            chosen.push(next);
        }
        for &m in &members {
            drop[m] = !chosen.contains(&m);
        }
        for &c in &chosen {
            points[c].continuum = Some(id);
        }
        result.push(Continuum {
            id,
            found: members.len(),
            value,
            across,
            bounds,
            sample: chosen.iter().map(|&c| [points[c].x, points[c].y]).collect(),
        });
    }
    let mut k = 0;
    points.retain(|_| {
        k += 1;
        !drop[k - 1]
    });
    result
}

/// The lowest and the highest point of `domain`, edges included: the best of
/// the critical points, a 129² grid refined by a compass search kept inside
/// the domain, and each edge sampled at 2049 points and refined by golden
/// section. A minimum on the edge need not have ∇f = 0 (Eggholder's at x = 512).
pub fn extrema(f: &Function, domain: &Domain, critical: &[CriticalPoint]) -> Vec<Extremum> {
    let mut out = Vec::new();
    for (sign, kind) in [(1.0, "min"), (-1.0, "max")] {
        let g = |x: f64, y: f64| {
            let v = sign * f.value(x, y);
            if v.is_nan() {
                f64::INFINITY
            } else {
                v
            }
        };
        let mut cands: Vec<[f64; 2]> = critical
            .iter()
            .filter(|p| p.value.is_finite())
            .map(|p| {
                [
                    p.x.clamp(domain.xmin, domain.xmax),
                    p.y.clamp(domain.ymin, domain.ymax),
                ]
            })
            .collect();
        // Grid: the 8 lowest samples, each refined by a compass search.
        let n = 129usize;
        let mut grid: Vec<(f64, [f64; 2])> = (0..n * n)
            .map(|k| {
                let x = domain.xmin + domain.width() * (k % n) as f64 / (n - 1) as f64;
                let y = domain.ymin + domain.height() * (k / n) as f64 / (n - 1) as f64;
                (g(x, y), [x, y])
            })
            .filter(|(v, _)| v.is_finite())
            .collect();
        grid.sort_by(|a, b| a.0.total_cmp(&b.0));
        let h = domain.width().max(domain.height()) / (n - 1) as f64;
        for &(_, p) in grid.iter().take(8) {
            cands.push(compass(&g, domain, p, h));
        }
        // Edges: 2049 samples each, the 4 lowest local minima refined by golden section.
        let m = 2049usize;
        let edges: [([f64; 2], [f64; 2]); 4] = [
            ([domain.xmin, domain.ymin], [domain.xmax, domain.ymin]),
            ([domain.xmin, domain.ymax], [domain.xmax, domain.ymax]),
            ([domain.xmin, domain.ymin], [domain.xmin, domain.ymax]),
            ([domain.xmax, domain.ymin], [domain.xmax, domain.ymax]),
        ];
        for (a, b) in edges {
            let at = |t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            let e = |t: f64| {
                let p = at(t);
                g(p[0], p[1])
            };
            let vals: Vec<f64> = (0..m).map(|k| e(k as f64 / (m - 1) as f64)).collect();
            let mut mins: Vec<usize> = (0..m)
                .filter(|&k| {
                    vals[k].is_finite()
                        && (k == 0 || vals[k] <= vals[k - 1])
                        && (k == m - 1 || vals[k] <= vals[k + 1])
                })
                .collect();
            mins.sort_by(|&p, &q| vals[p].total_cmp(&vals[q]));
            let dt = 1.0 / (m - 1) as f64;
            for &k in mins.iter().take(4) {
                let t0 = k as f64 * dt;
                let t = golden(&e, (t0 - dt).max(0.0), (t0 + dt).min(1.0));
                let t = if e(t) <= vals[k] { t } else { t0 };
                cands.push(at(t));
            }
        }
        let best = cands
            .into_iter()
            .map(|p| (g(p[0], p[1]), p))
            .filter(|(v, _)| v.is_finite())
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, p)) = best {
            let tol = 1e-9 * domain.extent();
            let on_boundary = (p[0] - domain.xmin).abs() <= tol
                || (p[0] - domain.xmax).abs() <= tol
                || (p[1] - domain.ymin).abs() <= tol
                || (p[1] - domain.ymax).abs() <= tol;
            out.push(Extremum {
                x: p[0] + 0.0,
                y: p[1] + 0.0,
                value: f.value(p[0], p[1]),
                kind,
                on_boundary,
            });
        }
    }
    out
}

/// Compass search for a minimum of g from p (first step h), kept inside the domain.
fn compass(g: &dyn Fn(f64, f64) -> f64, d: &Domain, p: [f64; 2], h: f64) -> [f64; 2] {
    let (mut p, mut v, mut h) = (p, g(p[0], p[1]), h);
    let stop = 1e-13 * d.extent();
    let dirs = [
        (1.0, 0.0),
        (-1.0, 0.0),
        (0.0, 1.0),
        (0.0, -1.0),
        (1.0, 1.0),
        (1.0, -1.0),
        (-1.0, 1.0),
        (-1.0, -1.0),
    ];
    let mut evals = 0;
    while h > stop && evals < 20_000 {
        let mut moved = false;
        for (dx, dy) in dirs {
            let q = [
                (p[0] + h * dx).clamp(d.xmin, d.xmax),
                (p[1] + h * dy).clamp(d.ymin, d.ymax),
            ];
            let w = g(q[0], q[1]);
            evals += 1;
            if w < v {
                (p, v, moved) = (q, w, true);
                break;
            }
        }
        if !moved {
            h *= 0.5;
        }
    }
    p
}

/// Golden-section search for a minimum of e on [a, b].
fn golden(e: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let (mut fc, mut fd) = (e(c), e(d));
    for _ in 0..80 {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = e(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = e(d);
        }
    }
    if fc <= fd {
        c
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(src: &str, d: Domain) -> Vec<CriticalPoint> {
        find_critical(
            &Function::parse(src).unwrap(),
            &d,
            &CriticalOptions::default(),
        )
    }

    #[test]
    fn saddle_and_degenerate_monkey_saddle() {
        let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let p = find("x^2 - y^2", d);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, Kind::Saddle);
        assert_eq!(p[0].eigenvalues, [-2.0, 2.0]);
        let p = find("x^3 - 3*x*y^2", d);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].kind, Kind::Degenerate);
        assert!(p[0].x.abs() < 1e-5 && p[0].y.abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn himmelblau_has_nine_critical_points() {
        // 4 minima, 4 saddles, 1 maximum (Himmelblau 1972).
        let p = find(
            "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            Domain::new(-5.0, 5.0, -5.0, 5.0),
        );
        let count = |k: Kind| p.iter().filter(|q| q.kind == k).count();
        assert_eq!(
            (
                count(Kind::Minimum),
                count(Kind::Saddle),
                count(Kind::Maximum)
            ),
            (4, 4, 1),
            "{p:?}"
        );
        let max = p.iter().find(|q| q.kind == Kind::Maximum).unwrap();
        assert!((max.x + 0.270845).abs() < 1e-6 && (max.y + 0.923039).abs() < 1e-6);
        assert!((max.value - 181.617).abs() < 1e-3);
        for m in p.iter().filter(|q| q.kind == Kind::Minimum) {
            assert!(m.value.abs() < 1e-20, "{m:?}");
        }
    }
}
