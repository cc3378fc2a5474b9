//! GPU throughput on whatever adapter is present: the field pass, the
//! particle step and a frame with trails of several lengths, each beside its
//! peers in one run (divan prints median, fastest and slowest, and the items
//! per second). `cargo bench --bench gpu`; `cargo bench --bench gpu -- trails`
//! for one group. `gradfield bench` is the checked comparison against the
//! CPU reference and numpy; these are the quick probes for tuning the passes.

use divan::counter::ItemsCount;
use divan::Bencher;
use gradfield::gpu::field::FieldPass;
use gradfield::gpu::{Context, EngineConfig, Particle, ParticleEngine};
use gradfield::optim::{Optimizer, OptimizerKind, Stop};
use gradfield::render::Renderer;
use gradfield::scene::View;
use gradfield::{Domain, Function, Grid};
use std::sync::OnceLock;

const ROSENBROCK: &str = "(1-x)^2 + 100*(y-x^2)^2";

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        divan::main();
    } else {
        // `cargo test --all-targets -- --test-threads=2` runs this target as
        // a test, with libtest's flags, which divan does not take: each
        // benchmark runs once, as a smoke test.
        divan::Divan::default().test_benches();
    }
}

fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| {
        Context::headless().unwrap_or_else(|e| {
            panic!("{e} (lavapipe: apt-get install mesa-vulkan-drivers libvulkan1)")
        })
    })
}

fn domain() -> Domain {
    Domain::new(-2.0, 2.0, -1.0, 3.0)
}

/// f, ∇f and |∇f| over a side × side grid, left on the GPU.
#[divan::bench(args = [256, 1024], sample_count = 10)]
fn field_pass(bencher: Bencher, side: u32) {
    let ctx = ctx();
    let f = Function::parse(ROSENBROCK).unwrap();
    let pass = FieldPass::new(ctx, &f).unwrap();
    let grid = Grid::new(domain(), side, side);
    let target = pass.target(ctx, &grid).unwrap();
    pass.run_into(ctx, &target, false).unwrap();
    bencher
        .counter(ItemsCount::new(grid.len()))
        .bench(|| pass.run_into(ctx, &target, false).unwrap());
}

/// 100 steps of 16,384 particles: particle-steps per second, gd beside adam.
#[divan::bench(args = [OptimizerKind::Gd, OptimizerKind::Adam], sample_count = 10)]
fn particle_steps(bencher: Bencher, kind: OptimizerKind) {
    const N: u32 = 16_384;
    const STEPS: u32 = 100;
    let ctx = ctx();
    let d = domain();
    let f = Function::parse(ROSENBROCK).unwrap();
    let starts = gradfield::bench::grid_starts(&d, N);
    let init: Vec<Particle> = starts.iter().map(|&p| Particle::at(p)).collect();
    let lr = if kind == OptimizerKind::Gd {
        1e-4
    } else {
        0.01
    };
    let cfg = EngineConfig {
        optimizer: Optimizer::new(kind, lr),
        stop: Stop::for_domain(&d, 0.0, STEPS),
        iters_per_dispatch: 101,
        trail_len: 0,
        trail_stride: 1,
    };
    let engine = ParticleEngine::new(ctx, &f, &starts, cfg).unwrap();
    let dispatches = engine.dispatches_for(STEPS);
    bencher
        .counter(ItemsCount::new(N as u64 * STEPS as u64))
        .with_inputs(|| {
            engine.write(ctx, &init).unwrap();
            ctx.wait().unwrap();
        })
        .bench_values(|()| {
            engine.step(ctx, dispatches);
            ctx.wait().unwrap();
        });
}

/// One 640×360 frame of the record benchmark's scene (Himmelblau, 16,384
/// random particles) drawn and read back, with trails of 0, 4 and 16 points.
#[divan::bench(args = [0, 4, 16], sample_count = 10)]
fn trails_frame(bencher: Bencher, trail: u32) {
    let ctx = ctx();
    let mut s = gradfield::record::bench::bench_scene(1, [640, 360], 16_384).unwrap();
    s.view = View::TwoD;
    s.particles.trail_length = trail;
    let mut r = Renderer::new(ctx, &s).unwrap();
    r.advance(ctx, 8);
    r.render_raw(ctx, 640, 360).unwrap();
    bencher.bench_local(|| r.render_raw(ctx, 640, 360).unwrap());
}
