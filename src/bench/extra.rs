//! The whole-feature cases: critical-point search, a 1M-start compare, and
//! rendered frames. Each checks its result against a reference before it
//! times anything, and says in its notes what its figures mean where there
//! is no like-for-like CPU path.

use super::{
    check_particles, himmelblau_domain, time_runs, BenchOptions, CaseReport, Check, HIMMELBLAU,
};
use crate::analysis::compare::{self, StartResult, Starts};
use crate::analysis::critical::{find_critical, CriticalOptions};
use crate::analysis::Kind;
use crate::cpu::particles::{run_particles, Particle as CpuParticle};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::gpu::{Context, EngineConfig};
use crate::optim::{Optimizer, OptimizerKind, Status, Stop};
use crate::render::Renderer;
use crate::scene::{Scale, Scene, Start, View};
use std::collections::HashSet;

fn himmelblau() -> Result<Function> {
    Function::parse(HIMMELBLAU).map_err(|e| Error::input(e.to_string()))
}

// ---------------------------------------------------------------- critical

pub fn critical_size() -> String {
    let s = CriticalOptions::default().seeds;
    format!("{s}x{s} seeds")
}

/// Himmelblau's critical points besides its four minima (catalogue): one
/// maximum and four saddles, from Newton's method in f64 to rounding level.
const HIMMELBLAU_OTHERS: [(f64, f64, Kind); 5] = [
    (-0.270845, -0.923039, Kind::Maximum),
    (0.086677, 2.884255, Kind::Saddle),
    (-3.073026, -0.081353, Kind::Saddle),
    (3.385154, 0.073852, Kind::Saddle),
    (-0.127961, -1.953715, Kind::Saddle),
];

/// `analysis::critical::find_critical` has no GPU path: the case times the
/// CPU f64 search (rayon) and checks that it finds Himmelblau's nine
/// critical points with the right kinds.
pub fn critical_case(
    _ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<CaseReport> {
    let size = critical_size();
    progress(&format!("critical/himmelblau {size} ..."));
    let func = himmelblau()?;
    let domain = himmelblau_domain();
    let copts = CriticalOptions::default();
    let found = find_critical(&func, &domain, &copts);
    let mut expected: Vec<(f64, f64, Kind)> = crate::catalog::lookup("himmelblau")
        .map(|e| e.minima.iter().map(|m| (m.x, m.y, m.kind)).collect())
        .unwrap_or_default();
    // The catalogue's minima are exact to 15 digits; the others above to 6.
    let exact = expected.len();
    expected.extend(HIMMELBLAU_OTHERS);
    let mut worst = 0.0f64;
    let mut worst_other = 0.0f64;
    let mut wrong = 0u64;
    for (k, &(x, y, kind)) in expected.iter().enumerate() {
        let near = found
            .iter()
            .map(|p| ((p.x - x).hypot(p.y - y) / domain.extent(), p.kind))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match near {
            Some((d, pk)) if pk == kind => {
                if k < exact {
                    worst = worst.max(d);
                } else {
                    worst_other = worst_other.max(d);
                }
            }
            _ => wrong += 1,
        }
    }
    // Measured: the minima within 1.3e-16 of the catalogue (rounding), the
    // 6-digit others within 4e-8; bounds 1e-12 and 1e-6.
    let passed = wrong == 0 && found.len() == 9 && worst < 1e-12 && worst_other < 1e-6;
    let check = Check {
        max_rel_error: worst,
        bound: 1e-12,
        compared: expected.len() as u64,
        status_mismatches: wrong,
        outliers: (worst_other >= 1e-6) as u64,
        max_outlier_fraction: 0.0,
        outlier_bound: 1e-6,
        passed,
        what: format!(
            "found {} critical points (expected 9: 4 minima, 1 maximum, 4 saddles; {wrong} missing or of the wrong kind); \
             max distance / domain extent to the catalogue's 4 minima {worst:.1e} (bound 1e-12), to the 5 others given to 6 digits {worst_other:.1e} (bound 1e-6)",
            found.len()
        ),
    };
    let cpu_f64 = time_runs(opts.repeats, 1.0, || {
        find_critical(&func, &domain, &copts);
        Ok(())
    })?;
    Ok(CaseReport {
        name: "critical/himmelblau".into(),
        size,
        unit: "searches".into(),
        work: 1.0,
        gpu: None,
        gpu_with_readback: None,
        cpu_f32: None,
        cpu_f64: Some(cpu_f64),
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec![format!(
            "no GPU path: analysis::critical::find_critical runs Newton's method from {} seeds in f64 on the CPU (rayon); the time is that search, ratio n/a",
            copts.seeds * copts.seeds
        )],
        check,
    })
}

// ---------------------------------------------------------------- compare

pub fn compare_size(side: u32) -> String {
    format!("grid:{side}x{side}")
}

/// Ends that differ by more than this (relative to the domain extent) are a
/// different destination: converged runs end within |∇f| < 1e-4 of a
/// minimum, i.e. ~1e-6 of the extent.
const COMPARE_BOUND: f64 = 1e-3;
/// Starts on a basin boundary may go either way in f32 and f64. Measured
/// (lavapipe): 0 of 65536 at 1024² (every 16th start), 0 of 1024 at 64²
/// (every 4th). Budget: 0.5%.
const COMPARE_OUTLIER_FRACTION: f64 = 5e-3;

/// `compare` of side² starts (gd on Himmelblau, tol 1e-4, 1000 steps,
/// the catalogue's lr) through `analysis::compare::run`, the function the
/// `compare` command calls; the CPU f64 reference is `compare::run_cpu` on
/// every k-th start, its time scaled to all starts.
pub fn compare_case(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
    side: u32,
) -> Result<CaseReport> {
    let size = compare_size(side);
    progress(&format!("compare/gd/himmelblau {size} ..."));
    let func = himmelblau()?;
    let domain = himmelblau_domain();
    let lr = crate::catalog::lookup("himmelblau")
        .map(|e| e.lr)
        .unwrap_or(0.01);
    let starts = Starts::Grid { w: side, h: side }.points(&domain);
    let optimizers = [Optimizer::new(OptimizerKind::Gd, lr)];
    let stop = Stop::for_domain(&domain, 1e-4, 1000);
    let every = if opts.quick { 4 } else { 16 };
    let subset: Vec<[f64; 2]> = starts.iter().step_by(every).copied().collect();
    // Check run (also the warm-up).
    let gpu = compare::run(
        ctx,
        &func,
        &domain,
        &starts,
        &optimizers,
        &stop,
        &mut |_| {},
    )?;
    let cpu = compare::run_cpu(&func, &domain, &subset, &optimizers, &stop)?;
    let check = check_compare(
        &gpu.optimizers[0].results,
        every,
        &cpu.optimizers[0].results,
        &domain,
    );
    let steps: f64 = gpu.optimizers[0]
        .results
        .iter()
        .map(|r| r.steps as f64)
        .sum();
    let n = starts.len() as f64;
    let gpu_t = time_runs(opts.repeats, n, || {
        compare::run(
            ctx,
            &func,
            &domain,
            &starts,
            &optimizers,
            &stop,
            &mut |_| {},
        )
        .map(|_| ())
    })?;
    let cpu_sub = time_runs(opts.repeats, subset.len() as f64, || {
        compare::run_cpu(&func, &domain, &subset, &optimizers, &stop).map(|_| ())
    })?;
    let factor = n / subset.len() as f64;
    let cpu_f64 = cpu_sub.scaled(factor, n);
    let o = &gpu.optimizers[0];
    Ok(CaseReport {
        name: "compare/gd/himmelblau".into(),
        size,
        unit: "starts".into(),
        work: n,
        gpu: Some(gpu_t),
        gpu_with_readback: None,
        cpu_f32: None,
        cpu_f64: Some(cpu_f64),
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec![
            format!(
                "gd lr {lr}, tol 1e-4, at most 1000 steps; {} converged, {} diverged, {} running; {:.1} steps per start on average ({} particle-steps)",
                o.converged, o.diverged, o.running, steps / n, super::si(steps)
            ),
            "gpu: analysis::compare::run (engine, dispatches to the end, read-back, destinations); it includes creating the engine".into(),
            format!(
                "cpu f64 EXTRAPOLATED: analysis::compare::run_cpu measured on every {every}th start ({} of {}), time × {factor:.0}; no f32 path",
                subset.len(),
                starts.len()
            ),
        ],
        check,
    })
}

fn check_compare(gpu: &[StartResult], every: usize, cpu: &[StartResult], domain: &Domain) -> Check {
    let mut worst_same = 0.0f64;
    let mut mismatches = 0u64;
    let mut outliers = 0u64;
    let mut compared = 0u64;
    for (i, c) in cpu.iter().enumerate() {
        let Some(g) = gpu.get(i * every) else {
            mismatches += 1;
            continue;
        };
        compared += 1;
        if g.status != c.status {
            mismatches += 1;
            continue;
        }
        if c.status == Status::Diverged {
            continue;
        }
        let e = (g.end[0] - c.end[0]).hypot(g.end[1] - c.end[1]) / domain.extent();
        let e = if e.is_nan() { f64::INFINITY } else { e };
        if e >= COMPARE_BOUND {
            outliers += 1;
        } else {
            worst_same = worst_same.max(e);
        }
    }
    let passed = compared == cpu.len() as u64
        && compared > 0
        && ((outliers + mismatches) as f64) <= COMPARE_OUTLIER_FRACTION * compared as f64;
    Check {
        max_rel_error: worst_same,
        bound: COMPARE_BOUND,
        compared,
        status_mismatches: mismatches,
        outliers,
        max_outlier_fraction: COMPARE_OUTLIER_FRACTION,
        outlier_bound: 1.0,
        passed,
        what: format!(
            "every {every}th start: GPU end point and status vs compare::run_cpu (f64); error = |end_gpu − end_f64| / domain extent over the starts that end at the same place; \
             a start ending elsewhere (error ≥ bound) or with another status counts against the {:.1}% budget",
            COMPARE_OUTLIER_FRACTION * 100.0
        ),
    }
}

// ---------------------------------------------------------------- render

pub fn view_name(v: View) -> &'static str {
    match v {
        View::TwoD => "2d",
        View::ThreeD => "3d",
        View::Split => "split",
    }
}

pub fn render_size(w: u32, h: u32, n: u32) -> String {
    format!("{w}x{h}, {n} particles, 32-point trails")
}

/// Optimizer steps before the particle check.
const RENDER_CHECK_STEPS: u32 = 40;

/// The scene of `tests/render.rs`'s frame-time test: Himmelblau, log map,
/// random starts, gd with clipping, 32-point trails (and tol 0).
fn render_scene(view: View, w: u32, h: u32, n: u32) -> Result<Scene> {
    let mut s = Scene::for_function(HIMMELBLAU)?;
    s.domain = [-5.0, 5.0, -5.0, 5.0];
    s.size = [w, h];
    s.view = view;
    s.map.scale = Scale::Log;
    s.particles.count = n;
    s.particles.start = Start::Random;
    s.particles.lr = Some(0.005);
    s.particles.clip = 20.0;
    s.particles.trail_length = 32;
    s.particles.trail_stride = 2;
    s.particles.size = 3.0;
    // No convergence test: near a minimum f32's |∇f| is noisy at the 1e-5
    // level, so a tol of 1e-4 stops some particles a step earlier than f64
    // would (seen: 3 of 2000); with tol 0 every particle moves every frame.
    s.particles.tol = 0.0;
    Ok(s)
}

/// One frame: a particle step, every pass drawn, the frame read back. No CPU
/// renderer exists, so there is no ratio; the check compares the renderer's
/// particles with the f64 CPU reference and looks at the frame.
pub fn render_case(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
    view: View,
    w: u32,
    h: u32,
    n: u32,
) -> Result<CaseReport> {
    let name = format!("render/{}", view_name(view));
    let size = render_size(w, h, n);
    progress(&format!("{name} {size} ..."));
    let scene = render_scene(view, w, h, n)?;
    let func = scene.parse_function()?;
    let mut r = Renderer::new(ctx, &scene)?;
    let engine = r
        .engine()
        .ok_or_else(|| ctx.gpu_error("render bench: the scene has no particle engine"))?;
    let config: EngineConfig = *engine.config();
    r.advance(ctx, RENDER_CHECK_STEPS);
    let engine = r
        .engine()
        .ok_or_else(|| ctx.gpu_error("render bench: the scene has no particle engine"))?;
    let gpu_state = engine.read(ctx)?;
    let mut reference: Vec<CpuParticle<f64>> = scene
        .starts()
        .iter()
        .map(|p| CpuParticle::at([p[0] as f32, p[1] as f32]))
        .collect();
    let check_config = EngineConfig {
        stop: Stop {
            max_steps: RENDER_CHECK_STEPS,
            ..config.stop
        },
        ..config
    };
    run_particles(&func, &check_config, &mut reference);
    // The GPU has evaluated 40 times, the reference 41 (the evaluation after
    // the last update): a particle the 41st evaluation stops still runs on the
    // GPU, at the same position and step count. Align the statuses for that.
    let aligned: Vec<CpuParticle<f64>> = reference
        .iter()
        .map(|c| {
            let mut c = *c;
            if c.steps == RENDER_CHECK_STEPS {
                c.status = Status::Running;
            }
            c
        })
        .collect();
    let gpu_aligned: Vec<crate::gpu::Particle> = gpu_state
        .iter()
        .map(|g| {
            let mut g = *g;
            if g.steps == RENDER_CHECK_STEPS {
                g.status = 0;
            }
            g
        })
        .collect();
    let mut check = check_particles(&gpu_aligned, &aligned, &scene.domain());
    // The first frame (also the warm-up): the right size and a picture, not a flat fill.
    let img = r.render_raw(ctx, w, h)?;
    let colours: HashSet<[u8; 4]> = img
        .data
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2], p[3]])
        .collect();
    let frame_ok = img.width == w && img.height == h && colours.len() >= 64;
    check.passed &= frame_ok;
    check.what = format!(
        "particles after {RENDER_CHECK_STEPS} steps in the renderer's engine vs the f64 CPU reference ({}); frame {}x{} with {} distinct colours (needs ≥ 64)",
        check.what,
        img.width,
        img.height,
        colours.len()
    );
    drop(img);
    let gpu = time_runs(opts.repeats, 1.0, || {
        r.advance(ctx, 1);
        r.render_raw(ctx, w, h).map(|_| ())
    })?;
    Ok(CaseReport {
        name,
        size,
        unit: "frames".into(),
        work: 1.0,
        gpu: Some(gpu),
        gpu_with_readback: None,
        cpu_f32: None,
        cpu_f64: None,
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec![
            "gpu: one optimizer step + every pass drawn + the frame read back (render_raw; no text overlay)".into(),
            "no CPU renderer: no CPU reference, ratio n/a".into(),
        ],
        check,
    })
}

// ---------------------------------------------------------------- record

/// Whether an `ffmpeg` the MP4 recording can use is on the PATH.
pub fn ffmpeg_found() -> bool {
    std::process::Command::new("ffmpeg")
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The recording's sizes: (frames, [w, h], particles).
pub fn record_sizes(quick: bool) -> (u32, [u32; 2], u32) {
    if quick {
        (4, [160, 90], 256)
    } else {
        (30, [1280, 720], 65_536)
    }
}

pub fn record_size(quick: bool) -> String {
    let (frames, [w, h], n) = record_sizes(quick);
    format!("{frames} frames {w}x{h}, {n} particles")
}

/// Recorded frames per second through `record::bench_record_stats` (render,
/// read-back, encode, write; the file is removed after). No CPU renderer, so
/// no ratio; the check is that every frame arrived and the file was written.
pub fn record_case(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
    format: crate::record::Format,
) -> Result<CaseReport> {
    use crate::record::{bench_record_stats, Format};
    let fname = match format {
        Format::Gif => "gif",
        Format::Mp4 => "mp4",
        Format::Webm => "webm",
        Format::PngSequence => "png",
    };
    let name = format!("record/{fname}");
    let size = record_size(opts.quick);
    progress(&format!("{name} {size} ..."));
    let (frames, wh, n) = record_sizes(opts.quick);
    // Check run (also the warm-up).
    let first = bench_record_stats(ctx, frames, wh, n, format)?;
    let passed = first.frames == frames && first.bytes_written > 0;
    let check = Check {
        max_rel_error: 0.0,
        bound: 1.0,
        compared: first.frames as u64,
        status_mismatches: (first.frames != frames) as u64,
        outliers: 0,
        max_outlier_fraction: 0.0,
        outlier_bound: 1.0,
        passed,
        what: format!(
            "{} of {frames} frames recorded, {} bytes written (no pixel reference: there is no CPU renderer)",
            first.frames, first.bytes_written
        ),
    };
    // Recordings are long on a software adapter: at most 3 timed runs.
    let repeats = opts.repeats.min(3);
    let mut secs = Vec::new();
    let mut render_s = 0.0;
    let mut encode_s = 0.0;
    for _ in 0..repeats {
        let s = bench_record_stats(ctx, frames, wh, n, format)?;
        secs.push(s.seconds.max(1e-9));
        render_s += s.render_seconds / repeats as f64;
        encode_s += s.encode_seconds / repeats as f64;
    }
    let gpu = super::Timing::of(frames as f64, secs);
    Ok(CaseReport {
        name,
        size,
        unit: "frames".into(),
        work: frames as f64,
        gpu: Some(gpu),
        gpu_with_readback: None,
        cpu_f32: None,
        cpu_f64: None,
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec![
            format!(
                "gpu: the whole recording (record::bench_record_stats: render, read-back, encode, write), {repeats} timed runs; gpu rate = recorded frames per second; inside it {} rendering and {} encoding per recording (they overlap)",
                super::secs(render_s),
                super::secs(encode_s)
            ),
            "no CPU renderer: no CPU reference, ratio n/a".into(),
        ],
        check,
    })
}
