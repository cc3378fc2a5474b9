//! The one classifier of points, shared by `eval`, `critical`, `compare` and
//! the viewer, and the test for flat (underflowed) regions.
//!
//! Every decision is made in units that cancel a constant factor: multiplying
//! f by c > 0 multiplies ∇f, the Hessian and the function's spread over the
//! domain by c, and changes no kind.
//!
//! * **∇f ≈ 0**: the Newton step to the nearest critical point, ‖H⁻¹∇f‖, is at
//!   most [`STEP_TOL`] × the domain's extent L (a length: scale-free). In each
//!   eigen-direction the curvature used is at least [`STEP_CURVATURE_FLOOR`] ×
//!   the largest |λ| (so rounding in ∇f along a valley floor or a ring of
//!   critical points does not read as a long step) and at least
//!   [`ZERO_EIGENVALUE`] × F/L², F being the spread of f over the domain.
//! * **λ ≈ 0**: |λ| ≤ [`ZERO_EIGENVALUE`] × max(|λ1|, |λ2|) (the rounding of
//!   the Hessian itself) or |λ| ≤ [`ZERO_EIGENVALUE`] × F/L² (curvature
//!   negligible against the function's own; this makes the monkey saddle's
//!   origin degenerate where Newton stops 1e-15 away from it).
//! * **undefined**: f or ∇f is not finite (NaN or ±∞), or the Hessian is not
//!   finite at a critical point; the verdict says which.
//! * **flat** ([`Scale::is_flat`]): ∇f, the Hessian and the variation of f over
//!   a ring of radius [`FLAT_RADIUS`] × L all vanish to [`FLAT_TOL`] of the
//!   function's scales: f has underflowed to a constant (exp(−r²) far out), so
//!   "∇f = 0" there says nothing about a critical point.

use super::{eigenvalues, Kind};
use crate::domain::Domain;
use crate::expr::{Derivs, Function};

/// Samples per side of the grid that measures the spread of f.
pub const SPREAD_SAMPLES: u32 = 65;
/// ∇f counts as zero when the Newton step is at most this × the extent.
pub const STEP_TOL: f64 = 1e-9;
/// Least curvature (× the largest |λ|) assumed in any direction when sizing the Newton step.
pub const STEP_CURVATURE_FLOOR: f64 = 1e-6;
/// An eigenvalue counts as zero below this × max |λ| or × F/L².
pub const ZERO_EIGENVALUE: f64 = 1e-10;
/// Ring radius of the flatness test, as a fraction of the extent.
pub const FLAT_RADIUS: f64 = 1e-2;
/// Relative size under which f's variation, ∇f and the Hessian count as flat.
pub const FLAT_TOL: f64 = 1e-12;

/// The function's own scales over a domain: a length and a spread of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// The domain's extent L (its larger side).
    pub length: f64,
    /// F: max − min of the finite values of f on a grid over the domain
    /// (edges included); the largest |f| when f is constant there, 0 if f is 0.
    pub spread: f64,
}

impl Scale {
    /// Measures f's spread on a [`SPREAD_SAMPLES`]² grid over `domain`.
    pub fn of(func: &Function, domain: &Domain) -> Scale {
        let tape = func.tape_value();
        let mut regs = Vec::new();
        let mut out = [0.0f64];
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let n = SPREAD_SAMPLES;
        for j in 0..n {
            for i in 0..n {
                let x = domain.xmin + domain.width() * i as f64 / (n - 1) as f64;
                let y = domain.ymin + domain.height() * j as f64 / (n - 1) as f64;
                tape.eval_into::<f64>(x, y, &mut regs, &mut out);
                if out[0].is_finite() {
                    lo = lo.min(out[0]);
                    hi = hi.max(out[0]);
                }
            }
        }
        let spread = if hi > lo {
            hi - lo
        } else if hi.is_finite() {
            hi.abs()
        } else {
            0.0
        };
        Scale {
            length: domain.extent(),
            spread: if spread.is_finite() { spread } else { f64::MAX },
        }
    }

    /// F/L: the size of a typical gradient.
    pub fn gradient(&self) -> f64 {
        self.spread / self.length
    }

    /// F/L²: the size of a typical curvature.
    pub fn curvature(&self) -> f64 {
        self.spread / (self.length * self.length)
    }

    /// True where f is flat to rounding: |∇f| ≤ FLAT_TOL·F/L, every |λ| ≤
    /// FLAT_TOL·F/L², and f varies by at most FLAT_TOL·F over a ring of 8
    /// points at distance FLAT_RADIUS·L. Not finite anywhere: not flat.
    pub fn is_flat(&self, func: &Function, x: f64, y: f64) -> bool {
        let d = func.derivs(x, y);
        if !(d.value.is_finite()
            && d.grad.iter().all(|v| v.is_finite())
            && d.hess.iter().all(|v| v.is_finite()))
        {
            return false;
        }
        let g = d.grad[0].hypot(d.grad[1]);
        let [l1, l2] = eigenvalues(d.hess);
        if g > FLAT_TOL * self.gradient() || l1.abs().max(l2.abs()) > FLAT_TOL * self.curvature() {
            return false;
        }
        let r = FLAT_RADIUS * self.length;
        (0..8).all(|k| {
            let a = std::f64::consts::TAU * k as f64 / 8.0;
            let v = func.value(x + r * a.cos(), y + r * a.sin());
            v.is_finite() && (v - d.value).abs() <= FLAT_TOL * self.spread
        })
    }
}

/// What the classifier decided at a point, and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    pub kind: Kind,
    pub eigenvalues: [f64; 2],
    /// ‖H⁻¹∇f‖ with the floors above: the distance to the critical point the
    /// quadratic model predicts (0 where ∇f = 0; NaN where undefined).
    pub newton_step: f64,
    /// For `undefined`: what is not finite.
    pub undefined: Option<&'static str>,
}

impl Verdict {
    /// The reason, in words, for `eval`'s "kind = … (why)".
    pub fn why(&self, scale: &Scale) -> String {
        match self.kind {
            Kind::Undefined => self.undefined.unwrap_or("not finite").to_string(),
            Kind::Regular => "∇f ≠ 0: not a critical point".into(),
            k => {
                let first = if self.newton_step == 0.0 {
                    "∇f = 0".to_string()
                } else {
                    format!(
                        "∇f ≈ 0: the critical point is {:.1e} away, under {STEP_TOL:e} of the extent {}",
                        self.newton_step, scale.length
                    )
                };
                let second = match k {
                    Kind::Minimum => "both eigenvalues > 0",
                    Kind::Maximum => "both eigenvalues < 0",
                    Kind::Saddle => "eigenvalues of both signs",
                    _ => "an eigenvalue is 0: the second-order test is silent",
                };
                format!("{first}, {second}")
            }
        }
    }
}

/// Unit eigenvectors of [[a, b], [b, c]] for (λ1, λ2).
fn eigenvectors(hess: [f64; 3], l: [f64; 2]) -> [[f64; 2]; 2] {
    let [a, b, c] = hess;
    // For λ2: (λ2 − c, b) or (b, λ2 − a), whichever is longer (better conditioned).
    let u = [l[1] - c, b];
    let w = [b, l[1] - a];
    let v = if u[0].hypot(u[1]) >= w[0].hypot(w[1]) {
        u
    } else {
        w
    };
    let n = v[0].hypot(v[1]);
    let v2 = if n > 0.0 && n.is_finite() {
        [v[0] / n, v[1] / n]
    } else if a >= c {
        [1.0, 0.0]
    } else {
        [0.0, 1.0]
    };
    [[-v2[1], v2[0]], v2]
}

/// The shared classifier: the kind of the point with these derivatives, judged
/// against the function's `scale` (see the module docs).
pub fn judge(d: &Derivs, scale: &Scale) -> Verdict {
    let eig = eigenvalues(d.hess);
    let undefined = |why: &'static str| Verdict {
        kind: Kind::Undefined,
        eigenvalues: eig,
        newton_step: f64::NAN,
        undefined: Some(why),
    };
    if d.value.is_nan() {
        return undefined("f is undefined here (NaN)");
    }
    if !d.value.is_finite() {
        return undefined("f is infinite here");
    }
    if d.grad.iter().any(|v| v.is_nan()) {
        return undefined("∇f is undefined here (NaN): f is not differentiable, or its derivative is 0/0 in this form");
    }
    if !d.grad.iter().all(|v| v.is_finite()) {
        return undefined("∇f is infinite here (|∇f| = inf)");
    }
    let [gx, gy] = d.grad;
    let big = eig[0].abs().max(eig[1].abs());
    let step = if gx == 0.0 && gy == 0.0 {
        0.0
    } else if !(eig[0].is_finite() && eig[1].is_finite()) {
        f64::INFINITY
    } else {
        let floor = (STEP_CURVATURE_FLOOR * big).max(ZERO_EIGENVALUE * scale.curvature());
        let v = eigenvectors(d.hess, eig);
        let mut s2 = 0.0;
        for k in 0..2 {
            let gk = (gx * v[k][0] + gy * v[k][1]).abs();
            let c = eig[k].abs().max(floor);
            s2 += if c > 0.0 {
                (gk / c).powi(2)
            } else {
                f64::INFINITY
            };
        }
        s2.sqrt()
    };
    let regular = !(step <= STEP_TOL * scale.length);
    if regular {
        return Verdict {
            kind: Kind::Regular,
            eigenvalues: eig,
            newton_step: step,
            undefined: None,
        };
    }
    if !(eig[0].is_finite() && eig[1].is_finite()) {
        return Verdict {
            newton_step: step,
            ..undefined("∇f = 0 but the Hessian is not finite here")
        };
    }
    let zero = (ZERO_EIGENVALUE * big).max(ZERO_EIGENVALUE * scale.curvature());
    let [l1, l2] = eig;
    let kind = if l1.abs() <= zero || l2.abs() <= zero {
        Kind::Degenerate
    } else if l1 > 0.0 {
        Kind::Minimum
    } else if l2 < 0.0 {
        Kind::Maximum
    } else {
        Kind::Saddle
    };
    Verdict {
        kind,
        eigenvalues: eig,
        newton_step: step,
        undefined: None,
    }
}

/// The kind alone (see [`judge`]).
pub fn classify(d: &Derivs, scale: &Scale) -> Kind {
    judge(d, scale).kind
}

/// The kind of f at (x, y).
pub fn classify_at(func: &Function, x: f64, y: f64, scale: &Scale) -> Kind {
    classify(&func.derivs(x, y), scale)
}

/// Distance, × the extent, of the probes [`judge_near`] uses.
pub const NEAR: f64 = 1e-10;

/// [`judge`] at (x, y); where f is finite but its derivative is 0/0 in the
/// formula's form (drop-wave's √(x² + y²) at the origin, where f itself is
/// smooth), the kind its four diagonal neighbours at [`NEAR`] × L agree on,
/// if they are all critical and agree; else `undefined`. Used for points that
/// Newton's method lands on exactly (`compare`'s destinations, `critical`).
pub fn judge_near(func: &Function, x: f64, y: f64, scale: &Scale) -> Verdict {
    let d = func.derivs(x, y);
    let v = judge(&d, scale);
    if v.kind != Kind::Undefined || !d.value.is_finite() || !d.grad.iter().any(|g| g.is_nan()) {
        return v;
    }
    let h = NEAR * scale.length;
    let near: Vec<Verdict> = [(1.0, 1.0), (-1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)]
        .iter()
        .map(|(a, b)| judge(&func.derivs(x + a * h, y + b * h), scale))
        .collect();
    let k = near[0].kind;
    if near.iter().all(|n| n.kind == k) && !matches!(k, Kind::Regular | Kind::Undefined) {
        near[0]
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(grad: [f64; 2], hess: [f64; 3]) -> Derivs {
        Derivs {
            value: 0.0,
            grad,
            hess,
        }
    }

    const UNIT: Scale = Scale {
        length: 10.0,
        spread: 100.0,
    };

    #[test]
    fn classifies_the_kinds() {
        assert_eq!(
            classify(&d([0.0; 2], [2.0, 0.0, 6.0]), &UNIT),
            Kind::Minimum
        );
        assert_eq!(
            classify(&d([0.0; 2], [-2.0, 0.0, -2.0]), &UNIT),
            Kind::Maximum
        );
        assert_eq!(
            classify(&d([0.0; 2], [2.0, 0.0, -2.0]), &UNIT),
            Kind::Saddle
        );
        assert_eq!(classify(&d([0.0; 2], [0.0; 3]), &UNIT), Kind::Degenerate);
        assert_eq!(
            classify(&d([1.0, 0.0], [2.0, 0.0, 6.0]), &UNIT),
            Kind::Regular
        );
        assert_eq!(
            classify(&d([f64::NAN, 0.0], [2.0, 0.0, 6.0]), &UNIT),
            Kind::Undefined
        );
        assert_eq!(
            classify(&d([f64::INFINITY, 0.0], [2.0, 0.0, 6.0]), &UNIT),
            Kind::Undefined
        );
        // x² − xy + y² has eigenvalues 1 and 3.
        assert_eq!(eigenvalues([2.0, -1.0, 2.0]), [1.0, 3.0]);
    }

    #[test]
    fn a_constant_factor_changes_no_kind() {
        let cases = [
            ([0.0, 0.0], [2.0, 0.0, 4.0]),
            ([4.0, 8.0], [2.0, 0.0, 4.0]),
            ([1e-12, 0.0], [2.0, 1.0, -4.0]),
            ([0.0, 0.0], [832.7, 0.0, 6.6e-6]),
            ([0.0, 0.0], [1e-13, 0.0, 5.0]),
        ];
        for (g, h) in cases {
            let k = classify(&d(g, h), &UNIT);
            for c in [1e-12, 1e-9, 1e-3, 1e3, 1e9, 1e12] {
                let s = Scale {
                    spread: UNIT.spread * c,
                    ..UNIT
                };
                let gc = [g[0] * c, g[1] * c];
                let hc = [h[0] * c, h[1] * c, h[2] * c];
                assert_eq!(classify(&d(gc, hc), &s), k, "{g:?} {h:?} × {c}");
            }
        }
    }

    #[test]
    fn flat_means_underflowed_not_degenerate() {
        let dom = Domain::new(-100.0, 100.0, -100.0, 100.0);
        let easom = Function::parse("-cos(x)*cos(y)*exp(-((x - pi)^2 + (y - pi)^2))").unwrap();
        let s = Scale::of(&easom, &dom);
        assert!(s.is_flat(&easom, 50.0, 50.0));
        assert!(!s.is_flat(&easom, 3.0, 3.0));
        // The monkey saddle's origin: ∇f and the Hessian vanish, f does not stay level.
        let d2 = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let monkey = Function::parse("x^3 - 3*x*y^2").unwrap();
        let s = Scale::of(&monkey, &d2);
        assert!(!s.is_flat(&monkey, 0.0, 0.0));
        assert_eq!(classify_at(&monkey, 0.0, 0.0, &s), Kind::Degenerate);
        // A constant is flat everywhere.
        let one = Function::parse("1").unwrap();
        assert!(Scale::of(&one, &d2).is_flat(&one, 0.3, -1.0));
    }

    #[test]
    fn a_removable_0_over_0_is_judged_from_its_neighbours() {
        let d = Domain::new(-5.12, 5.12, -5.12, 5.12);
        let f = Function::parse("-(1 + cos(12*sqrt(x^2 + y^2)))/(0.5*(x^2 + y^2) + 2)").unwrap();
        let s = Scale::of(&f, &d);
        assert_eq!(classify_at(&f, 0.0, 0.0, &s), Kind::Undefined);
        let v = judge_near(&f, 0.0, 0.0, &s);
        assert_eq!(v.kind, Kind::Minimum);
        // f ≈ −1 + 36.25 r² near 0: both eigenvalues 72.5.
        assert!((v.eigenvalues[0] - 72.5).abs() < 1e-3 && (v.eigenvalues[1] - 72.5).abs() < 1e-3);
        // A cone tip (√(x² + y²)) has no such limit: it stays undefined.
        let cone = Function::parse("sqrt(x^2 + y^2)").unwrap();
        let s = Scale::of(&cone, &d);
        assert_eq!(judge_near(&cone, 0.0, 0.0, &s).kind, Kind::Undefined);
    }

    #[test]
    fn eigenvectors_are_orthonormal_and_eigen() {
        for h in [
            [2.0, 0.0, 6.0],
            [6.0, 0.0, 2.0],
            [2.0, -1.0, 2.0],
            [0.0, 3.0, 0.0],
            [1.0, 1e-9, 1.0],
        ] {
            let l = eigenvalues(h);
            let v = eigenvectors(h, l);
            for k in 0..2 {
                let hv = [
                    h[0] * v[k][0] + h[1] * v[k][1],
                    h[1] * v[k][0] + h[2] * v[k][1],
                ];
                assert!((hv[0] - l[k] * v[k][0]).abs() < 1e-12, "{h:?}");
                assert!((hv[1] - l[k] * v[k][1]).abs() < 1e-12, "{h:?}");
            }
        }
    }
}
