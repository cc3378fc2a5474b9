//! Timing of the trail pass: the record benchmark's scene (Himmelblau,
//! 65,536 random particles, 1280×720) drawn with `render_raw` (GPU draw +
//! readback, no CPU overlay) with trails of 16, 4 and 0 points, in the 2D and
//! split views. Run: cargo test --release --test trails_bench -- --ignored --nocapture

mod common;

use gradfield::record::bench::bench_scene;
use gradfield::render::Renderer;
use gradfield::scene::View;
use std::time::Instant;

fn ms_per_frame(ctx: &gradfield::gpu::Context, view: View, trail: u32, steps: u32) -> f64 {
    let mut s = bench_scene(1, [1280, 720], 65_536).unwrap();
    s.view = view;
    s.particles.trail_length = trail;
    let mut r = Renderer::new(ctx, &s).unwrap();
    r.advance(ctx, steps);
    r.render_raw(ctx, 1280, 720).unwrap();
    let n = 3;
    let t = Instant::now();
    for _ in 0..n {
        r.render_raw(ctx, 1280, 720).unwrap();
    }
    t.elapsed().as_secs_f64() * 1000.0 / n as f64
}

#[test]
#[ignore]
fn bench_trails() {
    let ctx = common::ctx();
    for view in [View::TwoD, View::Split] {
        for steps in [8, 40] {
            for trail in [16, 4, 0] {
                let ms = ms_per_frame(&ctx, view, trail, steps);
                eprintln!(
                    "trails bench {:>5} after {steps:>2} steps, trail {trail:>2}: {ms:7.1} ms/frame",
                    view.name()
                );
            }
        }
    }
}
