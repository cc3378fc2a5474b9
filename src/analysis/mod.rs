//! Analysis on the CPU in f64: classification of points by the Hessian,
//! critical-point search, many-start comparison.

pub mod basins;
pub mod compare;
pub mod critical;
pub mod postrun;
pub mod scale;

pub use scale::{classify, classify_at, judge, judge_near, Scale, Verdict};

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
    /// f or ∇f is not finite here (NaN or ±∞): nothing can be said.
    Undefined,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::Minimum => "minimum",
            Kind::Maximum => "maximum",
            Kind::Saddle => "saddle",
            Kind::Degenerate => "degenerate",
            Kind::Undefined => "undefined",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Eigenvalues of the symmetric matrix [[a, b], [b, c]], ascending.
///
/// The one of larger magnitude is mean ± r; the other is det/that one, which
/// keeps its relative precision where mean ∓ r would cancel (832.7 and 6.6e-6).
pub fn eigenvalues(hess: [f64; 3]) -> [f64; 2] {
    let [a, b, c] = hess;
    let mean = 0.5 * (a + c);
    let r = (0.5 * (a - c)).hypot(b);
    let (lo, hi) = (mean - r, mean + r);
    let det = a * c - b * b;
    if !(lo.is_finite() && hi.is_finite() && det.is_finite()) || lo == hi {
        return [lo, hi];
    }
    if mean >= 0.0 {
        if hi == 0.0 {
            return [lo, hi];
        }
        [(det / hi).min(hi), hi]
    } else {
        [lo, (det / lo).max(lo)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_ascend() {
        // x² − xy + y² has eigenvalues 1 and 3.
        assert_eq!(eigenvalues([2.0, -1.0, 2.0]), [1.0, 3.0]);
    }
}
