//! Throughput of a whole recording (render, read back, encode) for the bench
//! command and the ignored benchmark test: Himmelblau with `particles` random
//! gradient-descent particles and 16-point trails, one step per frame.

use super::{animate, Format, Progress, RecordStats};
use crate::error::Result;
use crate::gpu::Context;
use crate::scene::{Scene, Start};
use std::sync::atomic::AtomicBool;

/// The scene the benchmark records.
pub fn bench_scene(frames: u32, size: [u32; 2], particles: u32) -> Result<Scene> {
    let mut scene = Scene::for_function("himmelblau")?;
    scene.size = size;
    scene.particles.count = particles;
    scene.particles.start = Start::Random;
    scene.particles.trail_length = 16;
    scene.particles.size = 3.0;
    scene.record.frames = frames;
    scene.record.fps = 30.0;
    scene.record.steps_per_frame = 1;
    Ok(scene)
}

/// Records [`bench_scene`] to a temporary file of `format` (removed after)
/// and returns what the recording measured.
pub fn bench_record_stats(
    ctx: &Context,
    frames: u32,
    size: [u32; 2],
    particles: u32,
    format: Format,
) -> Result<RecordStats> {
    let scene = bench_scene(frames, size, particles)?;
    let dir = std::env::temp_dir().join(format!("gradfield-bench-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    let out = match format {
        Format::Gif => dir.join("bench.gif"),
        Format::Mp4 => dir.join("bench.mp4"),
        Format::Webm => dir.join("bench.webm"),
        Format::PngSequence => dir.join("frames/"),
    };
    let opts = animate::default_options(&scene);
    let r = animate::record_scene(
        ctx,
        &scene,
        &out,
        &opts,
        Progress::hidden(),
        &AtomicBool::new(false),
    );
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// Frames per second through the whole pipeline for a recording of
/// `frames` frames of `size` with `particles` particles into `format`.
pub fn bench_record(
    ctx: &Context,
    frames: u32,
    size: [u32; 2],
    particles: u32,
    format: Format,
) -> Result<f64> {
    Ok(bench_record_stats(ctx, frames, size, particles, format)?.fps_render)
}
