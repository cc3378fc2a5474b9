//! The field pass on the GPU against the f64 reference.
//!
//! Tolerance: the largest |GPU − f64| over the grid, divided by the field's own
//! scale (the largest finite |value| of that component over the grid), must stay
//! below 2e-6 for f and 1e-6 for each gradient component. Measured on lavapipe
//! (2026-11-23): worst 6.2e-7 for f (atan2 + sqrt case), 2.2e-7 for the gradient
//! (the two-Gaussian case); the bounds are those with a ~3× margin. Recorded
//! in the README (Testing). The grids have an even number of rows so no row
//! lies on y = 0, where atan2 jumps by 2π and the GPU (which may fuse the
//! origin + i·step multiply-add) and the CPU could land on opposite sides.

mod common;

use gradfield::gpu::field::{field_cpu_f64, field_relative_errors, FieldPass};
use gradfield::{Domain, Function, Grid};

fn worst_relative_error(func: &Function, grid: &Grid) -> [f64; 3] {
    let ctx = common::ctx();
    let pass = FieldPass::new(&ctx, func).expect("pipeline");
    let gpu = pass.compute(&ctx, grid).expect("field");
    let cpu = field_cpu_f64(func, grid);
    assert_eq!(gpu.data.len(), cpu.len());
    // The bench's metric: a NaN where the reference is finite is infinite.
    field_relative_errors(&gpu.data, &cpu)
}

#[test]
fn the_error_metric_does_not_drop_nan() {
    let cpu = [[1.0, 2.0, 3.0, 0.0], [2.0, 1.0, 1.0, 0.0]];
    let exact: Vec<[f32; 4]> = cpu.iter().map(|c| c.map(|v| v as f32)).collect();
    assert_eq!(field_relative_errors(&exact, &cpu), [0.0; 3]);
    let mut nan = exact.clone();
    nan[1][2] = f32::NAN;
    let w = field_relative_errors(&nan, &cpu);
    assert_eq!(w[2], f64::INFINITY, "{w:?}");
    assert!(w[2] >= 1e-6, "a NaN shader must fail the bound");
    assert_eq!(field_relative_errors(&exact[..1], &cpu), [f64::INFINITY; 3]);
}

#[test]
fn field_matches_f64_for_generated_expressions() {
    let cases = [
        ("x^2 + 3*y^2", Domain::new(-3.0, 3.0, -3.0, 3.0)),
        ("sin(x)*cos(y) + 0.1*x*y", Domain::new(-5.0, 5.0, -5.0, 5.0)),
        (
            "exp(-(x^2+y^2)) - 0.5*exp(-((x-1)^2+(y+0.5)^2)/0.3)",
            Domain::new(-2.0, 2.0, -2.0, 2.0),
        ),
        (
            "atan2(y, x) + sqrt(x^2 + y^2 + 1)",
            Domain::new(-2.0, 2.0, -2.0, 2.0),
        ),
        ("(1-x)^2 + 100*(y-x^2)^2", Domain::new(-2.0, 2.0, -1.0, 3.0)),
    ];
    for (src, d) in cases {
        let f = Function::parse(src).unwrap();
        let w = worst_relative_error(&f, &Grid::new(d, 97, 60));
        eprintln!(
            "{src}: worst relative error f {:.2e}, fx {:.2e}, fy {:.2e}",
            w[0], w[1], w[2]
        );
        assert!(w[0] < 2e-6, "{src}: f error {w:?}");
        assert!(w[1] < 1e-6 && w[2] < 1e-6, "{src}: gradient error {w:?}");
    }
}
