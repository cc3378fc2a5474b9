//! The lesson of both source texts ("Gradient as Steepest Ascent Direction";
//! "Why Does the Gradient Point Upwards?") as numbers: the directional derivative D_u f = ∇f·u for
//! every unit direction u. Its largest value is |∇f|, reached at
//! u = ∇f/|∇f| (the gradient is the direction of steepest ascent), it is
//! −|∇f| opposite, and zero along the contour's tangent, ⊥ ∇f.

/// (angle θ in radians, D_u f) for u = (cos θ, sin θ), θ = 2πk/n, k = 0..n.
#[cfg(test)]
pub fn directional(grad: [f64; 2], n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|k| {
            let t = k as f64 / n as f64 * std::f64::consts::TAU;
            (t, grad[0] * t.cos() + grad[1] * t.sin())
        })
        .collect()
}

/// The steepest-ascent direction's angle and its rate |∇f|; None where ∇f is 0 or not finite.
pub fn steepest(grad: [f64; 2]) -> Option<(f64, f64)> {
    let n = grad[0].hypot(grad[1]);
    (n > 0.0 && n.is_finite()).then(|| (grad[1].atan2(grad[0]), n))
}

/// The two angles of the contour's tangent (where D_u f = 0).
pub fn tangent(grad: [f64; 2]) -> Option<[f64; 2]> {
    let (a, _) = steepest(grad)?;
    let h = std::f64::consts::FRAC_PI_2;
    Some([a + h, a - h])
}

/// The dial's two lobes for drawing, each a contiguous run of (θ, D_u f) with
/// n + 1 samples: [0] the directions within 90° of ∇f (D_u f ≥ 0), [1] the
/// opposite half (D_u f ≤ 0). Both run from one tangent direction to the other,
/// so each closes into a disc through the point. Empty where ∇f is 0.
pub fn lobes(grad: [f64; 2], n: usize) -> Vec<Vec<(f64, f64)>> {
    let Some((a, _)) = steepest(grad) else {
        return Vec::new();
    };
    let half = std::f64::consts::FRAC_PI_2;
    [a, a + std::f64::consts::PI]
        .iter()
        .map(|&centre| {
            (0..=n)
                .map(|k| {
                    let t = centre - half + k as f64 / n as f64 * std::f64::consts::PI;
                    (t, grad[0] * t.cos() + grad[1] * t.sin())
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_is_the_gradient_norm_along_the_gradient_and_zero_along_the_contour() {
        // The bowl of "Gradient as Steepest Ascent Direction": f = x² + 3y² at (1, 1): ∇f = (2, 6).
        let g = [2.0, 6.0];
        let samples = directional(g, 3600);
        let (best_t, best) =
            samples
                .iter()
                .copied()
                .fold((0.0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        let (angle, norm) = steepest(g).unwrap();
        let dt = (best_t - angle.rem_euclid(std::f64::consts::TAU)).abs();
        eprintln!("max D_u f = {best} at {best_t}; |∇f| = {norm} at {angle}; angle error {dt:e}");
        // 3600 samples: the sampled angle is within half a step (8.7e-4 rad) of ∇f's.
        assert!(dt <= std::f64::consts::TAU / 3600.0);
        assert!(best <= norm + 1e-12 && best > norm * (1.0 - 1e-6));
        for t in tangent(g).unwrap() {
            let d = g[0] * t.cos() + g[1] * t.sin();
            assert!(d.abs() < 1e-12, "D_u f along the contour = {d}");
        }
        let min = samples.iter().map(|s| s.1).fold(f64::MAX, f64::min);
        assert!((min + norm).abs() < norm * 1e-6, "min {min}");
    }

    #[test]
    fn the_lobes_split_the_directions_at_the_contour() {
        let g: [f64; 2] = [-57.0, -28.6];
        let norm = g[0].hypot(g[1]);
        let l = lobes(g, 48);
        assert_eq!(l.len(), 2);
        for (i, lobe) in l.iter().enumerate() {
            let sign = if i == 0 { 1.0 } else { -1.0 };
            // Ends on the contour (D_u f = 0), the middle sample is ±|∇f|.
            assert!(
                lobe[0].1.abs() < 1e-12 && lobe[48].1.abs() < 1e-12,
                "{lobe:?}"
            );
            assert!((lobe[24].1 - sign * norm).abs() < 1e-12);
            assert!(lobe.iter().all(|s| s.1 * sign >= -1e-12));
        }
        assert!(lobes([0.0, 0.0], 8).is_empty());
    }

    #[test]
    fn no_direction_at_a_critical_point() {
        assert!(steepest([0.0, 0.0]).is_none());
        assert!(steepest([f64::NAN, 1.0]).is_none());
        assert!(tangent([0.0, 0.0]).is_none());
    }
}
