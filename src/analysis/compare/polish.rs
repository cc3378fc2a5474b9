//! Newton's method onto the critical point a cluster of runs reached.

use crate::expr::Function;

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
pub(super) fn polish(func: &Function, mut x: f64, mut y: f64, max_iter: u32) -> Option<[f64; 2]> {
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
