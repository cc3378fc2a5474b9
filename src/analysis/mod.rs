//! Analysis on the CPU in f64: classification of points by the Hessian,
//! critical-point search, many-start comparison.

pub mod basins;
pub mod compare;
pub mod critical;

use serde::{Deserialize, Serialize};

/// What a point is, judged by the gradient and the Hessian's eigenvalues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// ∇f is not (numerically) zero.
    Regular,
    Minimum,
    Maximum,
    Saddle,
    /// ∇f = 0 but an eigenvalue is (numerically) zero: the second-order test is silent.
    Degenerate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::Minimum => "minimum",
            Kind::Maximum => "maximum",
            Kind::Saddle => "saddle",
            Kind::Degenerate => "degenerate",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Eigenvalues of the symmetric matrix [[a, b], [b, c]], ascending.
pub fn eigenvalues(hess: [f64; 3]) -> [f64; 2] {
    let [a, b, c] = hess;
    let mean = 0.5 * (a + c);
    let r = (0.5 * (a - c)).hypot(b);
    [mean - r, mean + r]
}

/// Classifies a point from its gradient and Hessian (fxx, fxy, fyy).
///
/// The gradient counts as zero when |∇f| ≤ `grad_tol`. An eigenvalue counts as
/// zero when |λ| ≤ 1e-8 · max(1, |λ|max): relative, so that steep functions
/// (Goldstein–Price, Hessians of 1e4) and flat ones are judged alike.
pub fn classify(grad: [f64; 2], hess: [f64; 3], grad_tol: f64) -> Kind {
    let gnorm = grad[0].hypot(grad[1]);
    // Written to be true for NaN too: an undefined gradient is not a critical point.
    if gnorm.is_nan() || gnorm > grad_tol {
        return Kind::Regular;
    }
    let [l1, l2] = eigenvalues(hess);
    if !(l1.is_finite() && l2.is_finite()) {
        return Kind::Degenerate;
    }
    let zero = 1e-8 * l1.abs().max(l2.abs()).max(1.0);
    if l1.abs() <= zero || l2.abs() <= zero {
        Kind::Degenerate
    } else if l1 > 0.0 {
        Kind::Minimum
    } else if l2 < 0.0 {
        Kind::Maximum
    } else {
        Kind::Saddle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_four_kinds() {
        assert_eq!(classify([0.0, 0.0], [2.0, 0.0, 6.0], 1e-9), Kind::Minimum);
        assert_eq!(classify([0.0, 0.0], [-2.0, 0.0, -2.0], 1e-9), Kind::Maximum);
        assert_eq!(classify([0.0, 0.0], [2.0, 0.0, -2.0], 1e-9), Kind::Saddle);
        assert_eq!(
            classify([0.0, 0.0], [0.0, 0.0, 0.0], 1e-9),
            Kind::Degenerate
        );
        assert_eq!(classify([1.0, 0.0], [2.0, 0.0, 6.0], 1e-9), Kind::Regular);
        // x² − xy + y² has eigenvalues 1 and 3.
        assert_eq!(eigenvalues([2.0, -1.0, 2.0]), [1.0, 3.0]);
    }
}
