//! `gradfield bench`: throughput of the GPU passes beside a fair CPU reference
//! (rayon over both cores, the compiled tape evaluated [`LANES`] points per
//! instruction, f32 and f64) on the same work in the same run, and a check of
//! the GPU result against the f64 reference for every case.
//!
//! Figures are reported, never asserted: the regression guard is that every
//! case runs and its check passes (`bench --quick` in CI, `tests/bench.rs`).
//!
//! Cases are a list of closures ([`cases`]); add one by pushing another.
//! Timing: each closure does its setup (pipelines, buffers, starts) untimed,
//! then times `repeats` runs of the work itself and reports the median, min
//! and max throughput (work units per second).
//!
//! [`LANES`]: crate::expr::tape::LANES

mod extra;
pub mod frame;
pub mod peer;

use crate::cpu::particles::{run_particles, Particle as CpuParticle};
use crate::domain::{Domain, Grid};
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::gpu::field::{field_cpu_into, field_relative_errors, FieldPass};
use crate::gpu::{Context, EngineConfig, Particle, ParticleEngine};
use crate::optim::{Optimizer, OptimizerKind, Stop};
use serde::Serialize;
use std::time::Instant;

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchOptions {
    /// Small sizes, for CI: every case runs and is checked in seconds.
    pub quick: bool,
    /// Timed runs per figure (at least 1).
    pub repeats: u32,
    /// Run only the cases these select (see [`selects`]); empty: all.
    pub only: Vec<String>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            quick: false,
            repeats: 5,
            only: Vec::new(),
        }
    }
}

/// Median and spread of the wall-clock time of one run over the repeats.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Timing {
    /// Seconds per run: median, fastest, slowest.
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    /// Work units per second at the median time (`work / median_s`).
    pub rate: f64,
    /// Timed runs.
    pub runs: u32,
}

impl Timing {
    /// From the seconds of the individual runs of `work` units each.
    pub fn of(work: f64, mut secs: Vec<f64>) -> Timing {
        secs.sort_by(|a, b| a.total_cmp(b));
        let n = secs.len();
        let median_s = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            secs[n / 2]
        } else {
            0.5 * (secs[n / 2 - 1] + secs[n / 2])
        };
        Timing {
            median_s,
            min_s: secs.first().copied().unwrap_or(f64::NAN),
            max_s: secs.last().copied().unwrap_or(f64::NAN),
            rate: work / median_s,
            runs: n as u32,
        }
    }

    /// The same run, `factor` times as long (a measured subset scaled up to the whole work).
    pub fn scaled(&self, factor: f64, work: f64) -> Timing {
        let median_s = self.median_s * factor;
        Timing {
            median_s,
            min_s: self.min_s * factor,
            max_s: self.max_s * factor,
            rate: work / median_s,
            runs: self.runs,
        }
    }
}

/// GPU result against the CPU reference on the same work, checked before timing.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Largest error, relative to the scale named in `what`.
    pub max_rel_error: f64,
    /// The bound `max_rel_error` must stay below.
    pub bound: f64,
    /// Points, particles, starts or critical points compared.
    pub compared: u64,
    /// Particles whose status (running/converged/diverged) differs from the reference.
    pub status_mismatches: u64,
    /// Compared items whose error exceeds `bound` (allowed up to `max_outlier_fraction`
    /// of them, each below `outlier_bound`).
    pub outliers: u64,
    pub max_outlier_fraction: f64,
    pub outlier_bound: f64,
    pub passed: bool,
    /// What was compared with what, and how the error is measured.
    pub what: String,
}

/// One benchmark case. A missing figure is null in the JSON and "-" in the
/// table; `notes` says why (no CPU renderer, no GPU path, extrapolated, …).
#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    pub name: String,
    pub size: String,
    /// What one work unit is (points, particle-steps, starts, searches, frames).
    pub unit: String,
    /// Work units per run.
    pub work: f64,
    /// GPU: compute and a wait, no read-back unless the case says so.
    pub gpu: Option<Timing>,
    /// GPU including reading the result back (field cases).
    pub gpu_with_readback: Option<Timing>,
    /// CPU reference in f32 and f64: rayon over every core, compiled tape.
    pub cpu_f32: Option<Timing>,
    pub cpu_f64: Option<Timing>,
    /// `cpu_f32.median_s / gpu.median_s` (above 1: the GPU is faster); null where either is missing.
    pub ratio_vs_cpu_f32: Option<f64>,
    /// `cpu_f64.median_s / gpu.median_s`.
    pub ratio_vs_cpu_f64: Option<f64>,
    /// numpy float32 on the same work (`bench/numpy_peer.py`), when it ran.
    pub numpy_f32: Option<Timing>,
    pub notes: Vec<String>,
    pub check: Check,
}

impl CaseReport {
    /// Fills the ratios from the medians.
    fn with_ratios(mut self) -> Self {
        let r = |c: &Option<Timing>| match (c, &self.gpu) {
            (Some(c), Some(g)) => Some(c.median_s / g.median_s),
            _ => None,
        };
        self.ratio_vs_cpu_f32 = r(&self.cpu_f32);
        self.ratio_vs_cpu_f64 = r(&self.cpu_f64);
        self
    }
}

/// A case that cannot run yet, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Unavailable {
    pub name: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdapterReport {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub adapter: AdapterReport,
    pub host_cpus: usize,
    pub cpu_model: String,
    pub quick: bool,
    pub repeats: u32,
    pub cases: Vec<CaseReport>,
    /// Cases named by the issue that have nothing to measure yet.
    pub not_available: Vec<Unavailable>,
    /// Whether the numpy peer ran, and if not why.
    pub numpy_peer: peer::PeerStatus,
}

/// A case's work: does its own setup, checks, then times.
pub type CaseFn = Box<dyn Fn(&Context, &BenchOptions, &mut dyn FnMut(&str)) -> Result<CaseReport>>;

/// A case with the name and size it reports (known before it runs, for `--case`).
pub struct Case {
    pub name: String,
    pub size: String,
    pub run: CaseFn,
}

/// Whether `pattern` (from `--case`) selects the case `name` of `size`: the
/// whole name (`particles/gd/rosenbrock`), a leading part of it ending at a
/// `/` (`particles`, `particles/gd`, `render`), or name and size
/// (`"field/rosenbrock 2048x2048"`).
pub fn selects(pattern: &str, name: &str, size: &str) -> bool {
    let p = pattern.trim().trim_end_matches('/');
    !p.is_empty()
        && (name == p || name.starts_with(&format!("{p}/")) || format!("{name} {size}") == p)
}

const ROSENBROCK: &str = "(1-x)^2 + 100*(y-x^2)^2";
const HIMMELBLAU: &str = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";

fn rosenbrock_domain() -> Domain {
    Domain::new(-2.0, 2.0, -1.0, 3.0)
}

fn himmelblau_domain() -> Domain {
    Domain::new(-5.0, 5.0, -5.0, 5.0)
}

/// The field sizes: (side, function name, expression, domain).
fn field_cases(quick: bool) -> Vec<(u32, &'static str, &'static str, Domain)> {
    if quick {
        vec![
            (256, "rosenbrock", ROSENBROCK, rosenbrock_domain()),
            (256, "himmelblau", HIMMELBLAU, himmelblau_domain()),
        ]
    } else {
        vec![
            (1024, "rosenbrock", ROSENBROCK, rosenbrock_domain()),
            (2048, "rosenbrock", ROSENBROCK, rosenbrock_domain()),
            (2048, "himmelblau", HIMMELBLAU, himmelblau_domain()),
            (4096, "rosenbrock", ROSENBROCK, rosenbrock_domain()),
        ]
    }
}

/// The particle cases: (log2 count, steps, function, expression, domain, optimizer, lr).
/// Learning rates keep every start inside the stable range (no divergence), so
/// each particle takes all its steps and the work is the same on both sides.
#[allow(clippy::type_complexity)]
fn particle_cases(
    quick: bool,
) -> Vec<(
    u32,
    u32,
    &'static str,
    &'static str,
    Domain,
    OptimizerKind,
    f64,
)> {
    let (sizes, steps): (&[u32], u32) = if quick { (&[12], 20) } else { (&[16, 20], 100) };
    let mut v = Vec::new();
    for &s in sizes {
        for (name, src, d, lr_gd, lr_adam) in [
            ("rosenbrock", ROSENBROCK, rosenbrock_domain(), 1e-4, 0.01),
            ("himmelblau", HIMMELBLAU, himmelblau_domain(), 0.005, 0.05),
        ] {
            v.push((s, steps, name, src, d, OptimizerKind::Gd, lr_gd));
            v.push((s, steps, name, src, d, OptimizerKind::Adam, lr_adam));
        }
    }
    v
}

/// Every case for these sizes, in the order they run (`opts.only` is not applied here).
pub fn cases(opts: &BenchOptions) -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    for (side, name, src, domain) in field_cases(opts.quick) {
        v.push(Case {
            name: format!("field/{name}"),
            size: format!("{side}x{side}"),
            run: Box::new(move |ctx, o, p| field_case(ctx, o, p, name, src, domain, side)),
        });
    }
    for (log2, steps, name, src, domain, kind, lr) in particle_cases(opts.quick) {
        v.push(Case {
            name: format!("particles/{}/{name}", kind.name()),
            size: format!("2^{log2} x {steps}"),
            run: Box::new(move |ctx, o, p| {
                particle_case(
                    ctx,
                    o,
                    p,
                    name,
                    src,
                    domain,
                    1 << log2,
                    steps,
                    Optimizer::new(kind, lr),
                )
            }),
        });
    }
    v.push(Case {
        name: "critical/himmelblau".into(),
        size: extra::critical_size(),
        run: Box::new(extra::critical_case),
    });
    let side = if opts.quick { 64 } else { 1024 };
    v.push(Case {
        name: "compare/gd/himmelblau".into(),
        size: extra::compare_size(side),
        run: Box::new(move |ctx, o, p| extra::compare_case(ctx, o, p, side)),
    });
    for view in [crate::scene::View::TwoD, crate::scene::View::ThreeD] {
        let (w, h, n) = if opts.quick {
            (320, 180, 2000)
        } else {
            (1920, 1080, 100_000)
        };
        v.push(Case {
            name: format!("render/{}", extra::view_name(view)),
            size: extra::render_size(w, h, n),
            run: Box::new(move |ctx, o, p| extra::render_case(ctx, o, p, view, w, h, n)),
        });
    }
    v.push(Case {
        name: "record/gif".into(),
        size: extra::record_size(opts.quick),
        run: Box::new(|ctx, o, p| extra::record_case(ctx, o, p, crate::record::Format::Gif)),
    });
    if extra::ffmpeg_found() {
        v.push(Case {
            name: "record/mp4".into(),
            size: extra::record_size(opts.quick),
            run: Box::new(|ctx, o, p| extra::record_case(ctx, o, p, crate::record::Format::Mp4)),
        });
    }
    v
}

/// Cases the issue names that cannot be measured here (MP4 needs ffmpeg).
pub fn not_available() -> Vec<Unavailable> {
    if extra::ffmpeg_found() {
        Vec::new()
    } else {
        vec![Unavailable {
            name: "record/mp4".into(),
            reason: "not available: ffmpeg not found (MP4 recording runs ffmpeg; Debian: apt-get install ffmpeg)".into(),
        }]
    }
}

/// Runs the selected cases; `progress` receives one line per step. An
/// `opts.only` entry that selects no case is wrong input (it names the cases).
pub fn run(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchReport> {
    let opts = BenchOptions {
        repeats: opts.repeats.max(1),
        ..opts.clone()
    };
    let all = cases(&opts);
    let mut unavailable = not_available();
    for pat in &opts.only {
        let hit = all.iter().any(|c| selects(pat, &c.name, &c.size))
            || unavailable.iter().any(|u| selects(pat, &u.name, ""));
        if !hit {
            let mut names: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
            names.extend(unavailable.iter().map(|u| u.name.clone()));
            names.dedup();
            return Err(Error::input(format!(
                "--case '{pat}' selects no case; the cases are: {} (or a leading part such as field, particles/gd, render)",
                names.join(", ")
            )));
        }
    }
    let chosen = |name: &str, size: &str| {
        opts.only.is_empty() || opts.only.iter().any(|p| selects(p, name, size))
    };
    unavailable.retain(|u| chosen(&u.name, ""));
    let mut reports = Vec::new();
    for case in all.iter().filter(|c| chosen(&c.name, &c.size)) {
        let r = (case.run)(ctx, &opts, progress)?.with_ratios();
        progress(&format!(
            "  {} {}: gpu {}, cpu f32 {}, cpu f64 {}, check {}",
            r.name,
            r.size,
            r.gpu
                .map(|t| secs(t.median_s))
                .unwrap_or_else(|| "-".into()),
            r.cpu_f32
                .map(|t| secs(t.median_s))
                .unwrap_or_else(|| "-".into()),
            r.cpu_f64
                .map(|t| secs(t.median_s))
                .unwrap_or_else(|| "-".into()),
            if r.check.passed { "ok" } else { "FAILED" }
        ));
        reports.push(r);
    }
    let peer_keys: Vec<String> = reports
        .iter()
        .filter(|r| r.name.starts_with("field/") || r.name.starts_with("particles/"))
        .map(|r| peer::key(&r.name, &r.size))
        .collect();
    let status = if peer_keys.is_empty() {
        peer::PeerStatus {
            ran: false,
            note: "not run: no field or particle case selected".into(),
        }
    } else {
        progress("numpy peer (bench/numpy_peer.py) ...");
        let (status, figures) = peer::run(&opts, &peer_keys);
        for r in &mut reports {
            if let Some(s) = figures.get(&peer::key(&r.name, &r.size)) {
                r.numpy_f32 = Some(Timing {
                    median_s: r.work / s.median,
                    min_s: r.work / s.max,
                    max_s: r.work / s.min,
                    rate: s.median,
                    runs: opts.repeats,
                });
            }
        }
        status
    };
    progress(&format!("  numpy peer: {}", status.note));
    Ok(BenchReport {
        adapter: AdapterReport {
            name: ctx.info.name.clone(),
            backend: format!("{:?}", ctx.info.backend),
            device_type: format!("{:?}", ctx.info.device_type),
            driver: format!("{} {}", ctx.info.driver, ctx.info.driver_info)
                .trim()
                .to_string(),
        },
        host_cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        cpu_model: cpu_model(),
        quick: opts.quick,
        repeats: opts.repeats,
        cases: reports,
        not_available: unavailable,
        numpy_peer: status,
    })
}

/// The CPU's model name from /proc/cpuinfo, where there is one.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Times `repeats` runs of `f` (`work` units each).
fn time_runs(repeats: u32, work: f64, mut f: impl FnMut() -> Result<()>) -> Result<Timing> {
    let mut secs = Vec::with_capacity(repeats as usize);
    for _ in 0..repeats {
        let t = Instant::now();
        f()?;
        secs.push(t.elapsed().as_secs_f64().max(1e-9));
    }
    Ok(Timing::of(work, secs))
}

/// Field: the worst |GPU − f64| over the compared points, per component
/// (f, fx, fy), relative to that component's largest finite |value| — the
/// measure of `tests/gpu_field.rs`, whose measured worst is 6.2e-7.
const FIELD_BOUND: f64 = 2e-6;

fn field_case(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
    name: &str,
    src: &str,
    domain: Domain,
    side: u32,
) -> Result<CaseReport> {
    let size = format!("{side}x{side}");
    progress(&format!("field/{name} {size} ..."));
    let func = Function::parse(src).map_err(|e| Error::input(e.to_string()))?;
    let grid = Grid::new(domain, side, side);
    let pass = FieldPass::new(ctx, &func)?;
    let target = pass.target(ctx, &grid)?;
    let work = grid.len() as f64;
    // Check first (this run also warms up: first use zero-fills the buffers
    // and compiles lazily), then time.
    let gpu_data = pass.run_into(ctx, &target, true)?;
    let mut out32 = vec![[0.0f32; 4]; grid.len()];
    let mut out64 = vec![[0.0f64; 4]; grid.len()];
    field_cpu_into(&func, &grid, &mut out64);
    let check = check_field(&gpu_data, &out64);
    drop(gpu_data);
    let gpu = time_runs(opts.repeats, work, || {
        pass.run_into(ctx, &target, false).map(|_| ())
    })?;
    let gpu_rb = time_runs(opts.repeats, work, || {
        pass.run_into(ctx, &target, true).map(|_| ())
    })?;
    field_cpu_into(&func, &grid, &mut out32);
    let cpu_f32 = time_runs(opts.repeats, work, || {
        field_cpu_into(&func, &grid, &mut out32);
        Ok(())
    })?;
    let cpu_f64 = time_runs(opts.repeats, work, || {
        field_cpu_into(&func, &grid, &mut out64);
        Ok(())
    })?;
    Ok(CaseReport {
        name: format!("field/{name}"),
        size,
        unit: "points".into(),
        work,
        gpu: Some(gpu),
        gpu_with_readback: Some(gpu_rb),
        cpu_f32: Some(cpu_f32),
        cpu_f64: Some(cpu_f64),
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec!["f, fx, fy and |grad f| per point".into()],
        check,
    })
}

fn check_field(gpu: &[[f32; 4]], cpu: &[[f64; 4]]) -> Check {
    let what =
        "max |gpu − f64| per component (f, fx, fy) / that component's largest |value| on the grid"
            .to_string();
    if gpu.len() != cpu.len() {
        return Check {
            max_rel_error: f64::INFINITY,
            bound: FIELD_BOUND,
            compared: 0,
            status_mismatches: 0,
            outliers: 0,
            max_outlier_fraction: 0.0,
            outlier_bound: FIELD_BOUND,
            passed: false,
            what: format!(
                "{what}; read back {} points, expected {}",
                gpu.len(),
                cpu.len()
            ),
        };
    }
    // NaN on the GPU where the reference is finite counts as infinite.
    let worst = field_relative_errors(gpu, cpu)
        .into_iter()
        .fold(0.0f64, f64::max);
    Check {
        max_rel_error: worst,
        bound: FIELD_BOUND,
        compared: gpu.len() as u64,
        status_mismatches: 0,
        outliers: 0,
        max_outlier_fraction: 0.0,
        outlier_bound: FIELD_BOUND,
        passed: worst < FIELD_BOUND,
        what,
    }
}

/// Particles: |pos_gpu − pos_f64| / max(domain extent, |pos_f64|) after the
/// run, for every particle. gd stays within 5.4e-6 at every size (measured,
/// lavapipe). Adam does not, and cannot: where a gradient component is near
/// zero its step is lr·sign(g) whichever way rounding tips g, so f32 and f64
/// part by up to ~lr on the few starts that pass such a point (measured worst
/// 4.2e-3 relative on Himmelblau at lr 0.05, from 14 of 2^20 starts beyond
/// 1e-4; 6 on Rosenbrock, 1 of 2^16). So: at most 0.1% of the particles may
/// exceed PARTICLE_BOUND, and none PARTICLE_OUTLIER_BOUND (a broken kernel
/// moves nearly every particle by O(1)).
const PARTICLE_BOUND: f64 = 1e-4;
const PARTICLE_OUTLIER_BOUND: f64 = 2e-2;
const PARTICLE_OUTLIER_FRACTION: f64 = 1e-3;

/// An n-particle grid of starts inside the domain, nudged off the symmetry axes.
pub fn grid_starts(d: &Domain, n: u32) -> Vec<[f32; 2]> {
    let side = (n as f64).sqrt().ceil() as u32;
    (0..n)
        .map(|k| {
            let (i, j) = (k % side, k / side);
            let x = d.xmin + d.width() * (i as f64 + 0.5 + 0.013) / side as f64;
            let y = d.ymin + d.height() * (j as f64 + 0.5 + 0.029) / side as f64;
            [x as f32, y as f32]
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn particle_case(
    ctx: &Context,
    opts: &BenchOptions,
    progress: &mut dyn FnMut(&str),
    name: &str,
    src: &str,
    domain: Domain,
    count: u32,
    steps: u32,
    optimizer: Optimizer,
) -> Result<CaseReport> {
    let size = format!("2^{} x {steps}", count.trailing_zeros());
    let label = format!("particles/{}/{name}", optimizer.kind.name());
    progress(&format!("{label} {size} ..."));
    let func = Function::parse(src).map_err(|e| Error::input(e.to_string()))?;
    let stop = Stop::for_domain(&domain, 0.0, steps);
    let config = EngineConfig {
        optimizer,
        stop,
        iters_per_dispatch: iters_per_dispatch(steps),
        trail_len: 0,
        trail_stride: 1,
    };
    let starts = grid_starts(&domain, count);
    let engine = ParticleEngine::new(ctx, &func, &starts, config)?;
    let initial: Vec<Particle> = starts.iter().map(|&p| Particle::at(p)).collect();
    let dispatches = engine.dispatches_for(steps);
    // Check run (also the warm-up: the first dispatch compiles the pipeline on some drivers).
    engine.write(ctx, &initial)?;
    engine.step(ctx, dispatches);
    ctx.wait()?;
    let gpu_state = engine.read(ctx)?;
    let init32: Vec<CpuParticle<f32>> = starts.iter().map(|&p| CpuParticle::at(p)).collect();
    let init64: Vec<CpuParticle<f64>> = starts.iter().map(|&p| CpuParticle::at(p)).collect();
    let mut s32 = init32.clone();
    let mut s64 = init64.clone();
    run_particles(&func, &config, &mut s64);
    let check = check_particles(&gpu_state, &s64, &domain);
    // The work is the particle-steps actually taken (all of them with these rates).
    let work: f64 = gpu_state.iter().map(|p| p.steps as f64).sum();
    drop(gpu_state);
    let mut secs = Vec::new();
    for _ in 0..opts.repeats {
        engine.write(ctx, &initial)?;
        ctx.wait()?;
        let t = Instant::now();
        engine.step(ctx, dispatches);
        ctx.wait()?;
        secs.push(t.elapsed().as_secs_f64().max(1e-9));
    }
    let gpu = Timing::of(work, secs);
    let cpu_f32 = time_runs(opts.repeats, work, || {
        s32.copy_from_slice(&init32);
        run_particles(&func, &config, &mut s32);
        Ok(())
    })?;
    let cpu_f64 = time_runs(opts.repeats, work, || {
        s64.copy_from_slice(&init64);
        run_particles(&func, &config, &mut s64);
        Ok(())
    })?;
    Ok(CaseReport {
        name: label,
        size,
        unit: "particle-steps".into(),
        work,
        gpu: Some(gpu),
        gpu_with_readback: None,
        cpu_f32: Some(cpu_f32),
        cpu_f64: Some(cpu_f64),
        ratio_vs_cpu_f32: None,
        ratio_vs_cpu_f64: None,
        numpy_f32: None,
        notes: vec![format!(
            "lr {}, {} iterations per dispatch, state upload untimed",
            optimizer.lr,
            iters_per_dispatch(steps)
        )],
        check,
    })
}

/// Iterations per dispatch for a run of `steps` updates: the whole run in one
/// dispatch (plus the final evaluation); see BENCHMARKS.md for the measurement.
fn iters_per_dispatch(steps: u32) -> u32 {
    steps + 1
}

fn check_particles(gpu: &[Particle], cpu: &[CpuParticle<f64>], domain: &Domain) -> Check {
    let mut worst = 0.0f64;
    let mut mismatches = 0u64;
    let mut outliers = 0u64;
    for (g, c) in gpu.iter().zip(cpu) {
        if g.status() != c.status {
            mismatches += 1;
            continue;
        }
        if c.status == crate::optim::Status::Diverged {
            continue;
        }
        let scale = domain.extent().max(c.pos[0].hypot(c.pos[1]));
        let e = (g.pos[0] as f64 - c.pos[0]).hypot(g.pos[1] as f64 - c.pos[1]) / scale;
        let e = if e.is_nan() { f64::INFINITY } else { e };
        worst = worst.max(e);
        if e >= PARTICLE_BOUND {
            outliers += 1;
        }
    }
    let compared = gpu.len().min(cpu.len()) as u64;
    let passed = gpu.len() == cpu.len()
        && mismatches == 0
        && worst < PARTICLE_OUTLIER_BOUND
        && (outliers as f64) <= PARTICLE_OUTLIER_FRACTION * compared as f64;
    Check {
        max_rel_error: worst,
        bound: PARTICLE_BOUND,
        compared,
        status_mismatches: mismatches,
        outliers,
        max_outlier_fraction: PARTICLE_OUTLIER_FRACTION,
        outlier_bound: PARTICLE_OUTLIER_BOUND,
        passed,
        what: "|pos_gpu − pos_f64| / max(domain extent, |pos_f64|) per particle after the run; statuses must agree".into(),
    }
}

/// 1234567 → "1.23 G".
pub fn si(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let (d, s) = if v >= 1e9 {
        (1e9, "G")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    format!("{:.3} {s}", v / d).trim_end().to_string()
}

/// 0.0123 → "12.3 ms".
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    let (v, u) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else {
        (s * 1e6, "µs")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {u}")
}

fn spread(t: &Timing) -> String {
    format!("{} [{}–{}]", secs(t.median_s), secs(t.min_s), secs(t.max_s))
}

fn ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 10.0 => format!("{r:.0}×"),
        Some(r) => format!("{r:.2}×"),
        None => "n/a".into(),
    }
}

/// The report as a plain-text table: times per run as median [min–max] over
/// the repeats, the ratios cpu time / gpu time, the GPU rate, the check, and
/// each case's notes below.
pub fn format_table(r: &BenchReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "adapter: {} ({}, {}; {})\nhost: {} CPUs, {}\nrepeats: {}{}  (times per run: median [min–max]; ratio = cpu time / gpu time)",
        r.adapter.name,
        r.adapter.backend,
        r.adapter.device_type,
        r.adapter.driver,
        r.host_cpus,
        r.cpu_model,
        r.repeats,
        if r.quick { ", quick sizes" } else { "" }
    );
    let header = [
        "case",
        "size",
        "gpu",
        "gpu+readback",
        "cpu f32",
        "cpu f64",
        "numpy f32",
        "cpu32/gpu",
        "cpu64/gpu",
        "gpu rate",
        "check",
    ];
    let opt = |t: &Option<Timing>| t.as_ref().map(spread).unwrap_or_else(|| "-".into());
    let rows: Vec<[String; 11]> = r
        .cases
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.size.clone(),
                opt(&c.gpu),
                opt(&c.gpu_with_readback),
                opt(&c.cpu_f32),
                opt(&c.cpu_f64),
                opt(&c.numpy_f32),
                ratio(c.ratio_vs_cpu_f32),
                ratio(c.ratio_vs_cpu_f64),
                c.gpu
                    .map(|g| format!("{} {}/s", si(g.rate), c.unit))
                    .unwrap_or_else(|| "-".into()),
                format!(
                    "{} (max {:.1e}; {} over {:.0e})",
                    if c.check.passed { "ok" } else { "FAILED" },
                    c.check.max_rel_error,
                    c.check.outliers,
                    c.check.bound
                ),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (k, (c, w)) in cells.iter().zip(widths).enumerate() {
            if k > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            s.push_str(&" ".repeat(w - c.chars().count()));
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(&header.map(String::from)));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    for u in &r.not_available {
        let _ = writeln!(out, "{}  {}", u.name, u.reason);
    }
    let _ = writeln!(out, "notes:");
    for c in &r.cases {
        for n in &c.notes {
            let _ = writeln!(out, "  {} {}: {n}", c.name, c.size);
        }
    }
    let _ = writeln!(out, "numpy peer: {}", r.numpy_peer.note);
    out
}
