//! Critical points: Newton's method on ∇f = 0 from a dense grid of seeds, in
//! f64 on the CPU (rayon), polished, deduplicated and classified.
//!
//! Newton converges quadratically at regular critical points and linearly at
//! degenerate ones (the monkey saddle's origin halves its distance per step),
//! so the iteration budget is generous and acceptance is relative to the
//! function's gradient scale over the domain.

use super::{classify, eigenvalues, Kind};
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
}

#[derive(Clone, Copy, Debug)]
pub struct CriticalOptions {
    /// Seeds per side of the seed grid.
    pub seeds: u32,
    /// Newton iterations per seed.
    pub max_iter: u32,
    /// Accept when |∇f| ≤ grad_tol × the gradient scale (the median |∇f| over the seeds, at least 1).
    pub grad_tol: f64,
}

impl Default for CriticalOptions {
    fn default() -> Self {
        CriticalOptions {
            seeds: 96,
            max_iter: 100,
            grad_tol: 1e-9,
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
                    1e-6 * (1.0 + gn)
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
                    1e-6 * (1.0 + gn)
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

/// Every critical point of `f` in `domain`, sorted by (value, x, y).
pub fn find_critical(f: &Function, domain: &Domain, opts: &CriticalOptions) -> Vec<CriticalPoint> {
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
    // The gradient scale: the median finite |∇f| over the seeds (at least 1), so
    // acceptance means "as flat as rounding allows" for steep and gentle functions alike.
    let mut norms: Vec<f64> = seeds
        .par_iter()
        .map(|s| {
            let g = f.grad(s[0], s[1]);
            g[0].hypot(g[1])
        })
        .filter(|v| v.is_finite())
        .collect();
    norms.sort_by(f64::total_cmp);
    let scale = norms.get(norms.len() / 2).copied().unwrap_or(1.0).max(1.0);
    let accept = opts.grad_tol * scale;
    let slack = 1e-9 * domain.extent();
    let mut found: Vec<(f64, f64, f64)> = seeds
        .par_iter()
        .filter_map(|s| {
            let (x, y) = newton_polish(f, s[0], s[1], opts.max_iter)?;
            let g = f.grad(x, y);
            let gn = g[0].hypot(g[1]);
            let inside = x >= domain.xmin - slack
                && x <= domain.xmax + slack
                && y >= domain.ymin - slack
                && y <= domain.ymax + slack;
            (gn <= accept && inside).then_some((x, y, gn))
        })
        .collect();
    // Deduplicate: points closer than 1e-6 of the extent are one; keep the flattest.
    found.sort_by(|a, b| a.2.total_cmp(&b.2));
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
        .map(|(x, y, gn)| {
            let d = f.derivs(x, y);
            CriticalPoint {
                x,
                y,
                value: d.value,
                kind: classify(d.grad, d.hess, accept.max(gn)),
                eigenvalues: eigenvalues(d.hess),
                grad_norm: gn,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.value
            .total_cmp(&b.value)
            .then(a.x.total_cmp(&b.x))
            .then(a.y.total_cmp(&b.y))
    });
    out
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
