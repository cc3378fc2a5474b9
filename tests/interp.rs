//! The expression interpreter (one shader for every expression) against the
//! compiled shaders (the expression spliced into the WGSL): the same field,
//! the same particle paths and the same picture, within f32 rounding.
//!
//! Tolerances (measured on lavapipe, 2026-12-02, then given a margin):
//! - field: |interp − compiled| / scale of the component ≤ 1e-6; both run the
//!   same formulas in the same order, differences come only from LLVM fusing
//!   multiply-adds differently (worst measured 2.0e-7, Ackley's f).
//! - particles after 200 gd steps: ≤ 1e-4 of the domain's width (paths of
//!   f32 iterations that start equal and drift by rounding).
//! - pictures: ≤ 0.5% of pixels differ by more than 8/255 in a channel.

mod common;

use gradfield::gpu::field::FieldPass;
use gradfield::gpu::{EngineConfig, ExprCode, ParticleEngine};
use gradfield::optim::{Optimizer, OptimizerKind, Stop};
use gradfield::{catalog, Domain, Function, Grid};

fn field(func: &Function, grid: &Grid, code: ExprCode) -> Vec<[f32; 4]> {
    let mut ctx = common::ctx();
    ctx.expr_code = code;
    let pass = FieldPass::new(&ctx, func).expect("pipeline");
    pass.compute(&ctx, grid).expect("field").data
}

#[test]
fn interpreted_field_equals_compiled_on_every_catalog_function() {
    let mut worst = 0.0f64;
    let mut worst_at = String::new();
    for entry in catalog::all() {
        let func = entry.function();
        assert!(
            func.gpu_tape().is_some(),
            "{} must fit the interpreter",
            entry.name
        );
        let grid = Grid::new(entry.domain, 64, 48);
        let a = field(&func, &grid, ExprCode::Compiled);
        let b = field(&func, &grid, ExprCode::Interpreted);
        for c in 0..3 {
            let scale = a
                .iter()
                .map(|v| v[c].abs() as f64)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
                .max(1e-30);
            for (p, q) in a.iter().zip(&b) {
                let (p, q) = (p[c] as f64, q[c] as f64);
                if !p.is_finite() {
                    assert_eq!(p.is_nan(), q.is_nan(), "{}: non-finite differs", entry.name);
                    continue;
                }
                let e = (p - q).abs() / scale;
                assert!(
                    e.is_finite(),
                    "{}: {q} where compiled gives {p}",
                    entry.name
                );
                if e > worst {
                    worst = e;
                    worst_at = format!("{} component {c}", entry.name);
                }
            }
        }
    }
    assert!(
        worst <= 1e-6,
        "worst relative difference {worst:e} ({worst_at})"
    );
    eprintln!("worst relative difference {worst:e} ({worst_at})");
}

#[test]
fn interpreted_expressions_with_every_operation() {
    // Every opcode: + - * / neg pow powi (positive, negative), every function.
    let src = "sin(x)*cos(y) + tan(x/4) + asin(x/9) + acos(y/9) + atan(x) + sinh(x/3) \
               + cosh(y/3) + tanh(x) + exp(-x^2) + ln(2 + y^2) + log10(3 + x^2) \
               + log2(4 + y^2) + sqrt(5 + x*y) + abs(x - y) + sign(x) + atan2(y, x) \
               + min(x, y) + max(x, y) + (2 + x^2)^(y/3) + y^-2 - x^7";
    let func = Function::parse(src).unwrap();
    let grid = Grid::new(Domain::new(-2.0, 2.0, -2.0, 2.0), 40, 30);
    let a = field(&func, &grid, ExprCode::Compiled);
    let b = field(&func, &grid, ExprCode::Interpreted);
    let mut worst = 0.0f64;
    for (p, q) in a.iter().zip(&b) {
        for c in 0..3 {
            let (p, q) = (p[c] as f64, q[c] as f64);
            if p.is_finite() {
                worst = worst.max((p - q).abs() / p.abs().max(1.0));
            } else {
                assert_eq!(p.is_nan(), q.is_nan());
            }
        }
    }
    assert!(worst <= 1e-5, "worst relative difference {worst:e}");
}

fn paths(func: &Function, code: ExprCode) -> Vec<[f32; 2]> {
    let mut ctx = common::ctx();
    ctx.expr_code = code;
    let d = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let starts: Vec<[f32; 2]> = (0..256)
        .map(|i| [-4.5 + (i % 16) as f32 * 0.6, -4.5 + (i / 16) as f32 * 0.6])
        .collect();
    let config = EngineConfig {
        optimizer: Optimizer::new(OptimizerKind::Gd, 0.01),
        stop: Stop::for_domain(&d, 0.0, 200),
        iters_per_dispatch: 50,
        trail_len: 0,
        trail_stride: 1,
    };
    let engine = ParticleEngine::new(&ctx, func, &starts, config).unwrap();
    assert_eq!(engine.code(), code);
    engine.step(&ctx, 4);
    engine.read(&ctx).unwrap().iter().map(|p| p.pos).collect()
}

#[test]
fn interpreted_particles_follow_the_compiled_paths() {
    let func = catalog::lookup("himmelblau").unwrap().function();
    let a = paths(&func, ExprCode::Compiled);
    let b = paths(&func, ExprCode::Interpreted);
    let worst = a
        .iter()
        .zip(&b)
        .map(|(p, q)| ((p[0] - q[0]).abs()).max((p[1] - q[1]).abs()) as f64)
        .fold(0.0, f64::max);
    // 1e-4 of the domain's width (10).
    assert!(worst <= 1e-3, "worst position difference {worst:e}");
}

#[test]
fn interpreted_render_equals_compiled_render() {
    let exe = env!("CARGO_BIN_EXE_gradfield");
    let dir = std::env::temp_dir().join(format!("gradfield-interp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut imgs = Vec::new();
    for code in ["compiled", "interpreted"] {
        let out = dir.join(format!("{code}.png"));
        let st = std::process::Command::new(exe)
            .args([
                "render",
                "himmelblau",
                "--view",
                "split",
                "--size",
                "480x240",
            ])
            .args(["--shaders", code, "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success(), "{code}");
        imgs.push(gradfield::image::Image::load_png(&out).unwrap());
    }
    let (a, b) = (&imgs[0], &imgs[1]);
    assert_eq!((a.width, a.height), (b.width, b.height));
    let differing = a
        .data
        .chunks(4)
        .zip(b.data.chunks(4))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > 8))
        .count();
    let frac = differing as f64 / (a.width * a.height) as f64;
    assert!(frac <= 0.005, "{:.3}% of pixels differ", frac * 100.0);
    let _ = std::fs::remove_dir_all(&dir);
}
