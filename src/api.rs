//! Entry points for programs that embed gradfield (the Python package in
//! `python/`): the glue the command line does around the library, without
//! clap, printing or exit codes. Each function validates its input the way
//! the matching subcommand does and returns the same [`Error`]s.

use crate::analysis::compare::{self, CompareReport, StartResult};
use crate::analysis::{postrun, Scale};
use crate::catalog::{self, CatalogEntry};
use crate::gpu::particles::trail_of;
use crate::gpu::{Context, EngineConfig, ParticleEngine};
use crate::image::Image;
use crate::optim::{self, Optimizer, Status, Stop};
use crate::scene::Scene;
use crate::{Domain, Error, Function, Result};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The domain when neither the caller nor the catalogue gives one.
pub const DEFAULT_DOMAIN: Domain = Domain::new(-5.0, 5.0, -5.0, 5.0);

/// A function named by a built-in name or given as an expression.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub func: Function,
    pub entry: Option<&'static CatalogEntry>,
}

impl Resolved {
    /// The catalogue's domain, or `fallback`.
    pub fn domain(&self, fallback: Domain) -> Domain {
        self.entry.map(|e| e.domain).unwrap_or(fallback)
    }

    /// The expression text.
    pub fn formula(&self) -> &str {
        self.func.source()
    }

    /// The catalogue's learning rate for gd, or 0.01.
    pub fn default_lr(&self) -> f64 {
        self.entry.map(|e| e.lr).unwrap_or(0.01)
    }
}

/// Looks `text` up in the catalogue, else parses it as an expression (the
/// command line's FUNC argument: same messages, a suggestion for a misspelled name).
pub fn resolve(text: &str) -> Result<Resolved> {
    if let Some(entry) = catalog::lookup(text) {
        return Ok(Resolved {
            func: entry.function(),
            entry: Some(entry),
        });
    }
    match Function::parse(text) {
        Ok(func) => Ok(Resolved { func, entry: None }),
        Err(e) => {
            let word = text.trim();
            let lone = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
            match catalog::suggest(word).filter(|_| lone) {
                Some(s) => Err(Error::input(format!(
                    "unknown function '{word}': not a built-in name (did you mean '{s}'?) \
                     nor an expression in x and y ({})",
                    e.message
                ))),
                None => Err(e.into()),
            }
        }
    }
}

/// Checks a convergence tolerance (`--tol`).
pub fn check_tol(tol: f64) -> Result<()> {
    if !(tol >= 0.0 && tol.is_finite()) {
        return Err(Error::input(format!(
            "tol {tol} is out of range: it must be a finite number ≥ 0"
        )));
    }
    Ok(())
}

/// Checks that every start is finite.
pub fn check_starts(starts: &[[f64; 2]]) -> Result<()> {
    if starts.is_empty() {
        return Err(Error::input("no starts: give at least one (x, y)"));
    }
    if let Some((i, p)) = starts
        .iter()
        .enumerate()
        .find(|(_, p)| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(Error::input(format!(
            "start {i} ({}, {}) is not finite",
            p[0], p[1]
        )));
    }
    Ok(())
}

/// `descend`'s domain: the given one, else the catalogue's (or [-5, 5]²)
/// widened to hold the starts, so that no start is "diverged" at once.
pub fn descend_domain(r: &Resolved, given: Option<Domain>, starts: &[[f64; 2]]) -> Domain {
    match given {
        Some(d) => d,
        None => {
            let mut d = r.domain(DEFAULT_DOMAIN);
            for s in starts {
                d.xmin = d.xmin.min(s[0]);
                d.xmax = d.xmax.max(s[0]);
                d.ymin = d.ymin.min(s[1]);
                d.ymax = d.ymax.max(s[1]);
            }
            d
        }
    }
}

/// One recorded run of `descend`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub start: [f64; 2],
    /// The start and every position after it (steps + 1 points).
    pub points: Vec<[f64; 2]>,
    pub values: Vec<f64>,
    pub status: Status,
    pub steps: u32,
}

/// Largest trajectory storage on the GPU (particles × (steps + 1) positions).
pub const MAX_RECORDED_POINTS: u64 = 16 << 20;

/// `gradfield descend`: every start followed for at most `stop.max_steps`
/// steps, recording each position; on the GPU in f32 when `ctx` is given
/// (runs whose f32 evaluation overflowed are redone in f64, as the command
/// does), else on the CPU in f64. Returns the runs and how many were redone.
pub fn descend(
    ctx: Option<&Context>,
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    domain: &Domain,
    starts: &[[f64; 2]],
) -> Result<(Vec<Trajectory>, u64)> {
    check_starts(starts)?;
    check_tol(stop.tol)?;
    opt.validate()?;
    domain.validate()?;
    let scale = Scale::of(func, domain);
    let status_of = |st: Status, end: [f64; 2]| {
        if postrun::is_flat_stop(func, &scale, st, end) {
            Status::Flat
        } else {
            st
        }
    };
    let cpu_run = |s: [f64; 2]| {
        let (st, pts) = optim::trajectory(func, opt, stop, s);
        Trajectory {
            start: s,
            values: pts.iter().map(|p| func.value(p[0], p[1])).collect(),
            points: pts,
            status: status_of(st.status, st.pos),
            steps: st.steps,
        }
    };
    let Some(ctx) = ctx else {
        use rayon::prelude::*;
        return Ok((starts.par_iter().map(|&s| cpu_run(s)).collect(), 0));
    };
    let recorded = starts.len() as u64 * (stop.max_steps as u64 + 1);
    if recorded > MAX_RECORDED_POINTS {
        return Err(Error::input(format!(
            "descend records every step: {} starts × {} steps is {recorded} points, more than \
             {MAX_RECORDED_POINTS}; use fewer steps or starts (compare runs many starts without \
             recording paths)",
            starts.len(),
            stop.max_steps as u64 + 1
        )));
    }
    let config = EngineConfig {
        optimizer: *opt,
        stop: *stop,
        iters_per_dispatch: 64,
        trail_len: stop.max_steps + 1,
        trail_stride: 1,
    };
    let s32: Vec<[f32; 2]> = starts.iter().map(|p| [p[0] as f32, p[1] as f32]).collect();
    let engine = ParticleEngine::new(ctx, func, &s32, config)?;
    engine.step(ctx, engine.dispatches_for(stop.max_steps));
    let state = engine.read(ctx)?;
    let trails = engine.read_trails(ctx)?;
    let tape = func.tape_value();
    let mut regs = Vec::new();
    let mut reruns = 0;
    let out = state
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if postrun::needs_f64(func, stop, p.status(), p.pos) {
                // f32 overflowed where f64 is finite: the f64 run is the answer.
                reruns += 1;
                return cpu_run(starts[i]);
            }
            let pts = trail_of(&trails, p, i, stop.max_steps + 1, 1);
            let values = pts
                .iter()
                .map(|q| {
                    let mut o = [0f32];
                    tape.eval_into(q[0], q[1], &mut regs, &mut o);
                    o[0] as f64
                })
                .collect();
            Trajectory {
                start: starts[i],
                points: pts.iter().map(|q| [q[0] as f64, q[1] as f64]).collect(),
                values,
                status: status_of(p.status(), [p.pos[0] as f64, p.pos[1] as f64]),
                steps: p.steps,
            }
        })
        .collect();
    Ok((out, reruns))
}

/// `gradfield compare` without the outputs: every optimizer from every start
/// to the end, on the GPU when `ctx` is given, else on the CPU in f64.
pub fn compare(
    ctx: Option<&Context>,
    func: &Function,
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
) -> Result<CompareReport> {
    check_starts(starts)?;
    check_tol(stop.tol)?;
    let work = starts.len() as u64 * optimizers.len() as u64 * stop.max_steps as u64;
    if work > crate::scene::MAX_PARTICLE_STEPS {
        return Err(Error::input(format!(
            "{} starts × {} optimizers × max_steps {} is {work} particle-steps, more than 10^12 \
             (hours on a software adapter): lower max_steps or use fewer starts",
            starts.len(),
            optimizers.len(),
            stop.max_steps
        )));
    }
    match ctx {
        Some(ctx) => compare::run(ctx, func, domain, starts, optimizers, stop, &mut |_| {}),
        None => compare::run_cpu(func, domain, starts, optimizers, stop),
    }
}

/// The report of one comparison whose starts ran in parts (chunks of the
/// starts, each a [`compare`] of its own): `results[k]` holds optimizer k's
/// per-start results of all parts concatenated in start order, `reruns[k]`
/// the sum of the parts' f64 reruns. The destinations are found again over
/// all end points together, with the same code as a single run, so the
/// report equals the single run's when each start ends where it would alone
/// (particles do not interact).
pub fn merge_compare(
    func: &Function,
    domain: &Domain,
    optimizers: &[Optimizer],
    stop: &Stop,
    results: Vec<Vec<StartResult>>,
    reruns: &[u64],
) -> Result<CompareReport> {
    let n = results.first().map(Vec::len).unwrap_or(0);
    if results.len() != optimizers.len() || results.iter().any(|r| r.len() != n) || n == 0 {
        return Err(Error::input(format!(
            "merge: {} optimizers but results for {} with unequal or no starts",
            optimizers.len(),
            results.len()
        )));
    }
    let mut results = results;
    for r in results.iter_mut().flatten() {
        r.destination = -1;
    }
    let mut report = compare::build_report(func, domain, n, optimizers, stop, results);
    for (o, &k) in report.optimizers.iter_mut().zip(reruns) {
        o.f64_reruns = k;
    }
    Ok(report)
}

/// The scene for TARGET as `render` reads it: a scene file (`*.toml`, or an
/// existing file that is not an expression), else a built-in name or an expression.
pub fn scene_for(target: &str) -> Result<Scene> {
    let path = Path::new(target);
    if target.ends_with(".toml") || (path.is_file() && !target.contains(['(', '^', '*'])) {
        Scene::load(path)
    } else {
        Scene::for_function(target)
    }
}

/// `scene` with `overrides` (a JSON object of scene keys, tables as nested
/// objects: `{"view": "split", "particles": {"count": 500}}`) merged into it,
/// checked as a scene file is.
pub fn scene_with(scene: &Scene, overrides: &serde_json::Value) -> Result<Scene> {
    fn merge(base: &mut serde_json::Value, over: &serde_json::Value) {
        match (base, over) {
            (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
                for (k, v) in o {
                    match b.get_mut(k) {
                        Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                        _ => {
                            b.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (b, o) => *b = o.clone(),
        }
    }
    if !overrides.is_object() {
        return Err(Error::input(
            "scene overrides must be a table of scene keys",
        ));
    }
    let mut value = serde_json::to_value(scene)
        .map_err(|e| Error::input(format!("scene cannot be converted: {e}")))?;
    merge(&mut value, overrides);
    let out: Scene =
        serde_json::from_value(value).map_err(|e| Error::input(format!("scene: {e}")))?;
    out.validate(None)?;
    out.optimizer()?;
    Ok(out)
}

/// Fills the scene's critical-point markers (when shown and not listed) from
/// the critical-point search over its domain, as `render --critical` does.
pub fn with_critical_points(mut scene: Scene) -> Result<Scene> {
    if scene.critical.show && scene.critical.points.is_empty() {
        let f = scene.parse_function()?;
        let pts = crate::analysis::critical::find_critical(
            &f,
            &scene.domain(),
            &crate::analysis::critical::CriticalOptions::default(),
        );
        scene.critical.points = pts
            .iter()
            .map(|p| crate::scene::Marker {
                x: p.x,
                y: p.y,
                kind: p.kind,
            })
            .collect();
    }
    Ok(scene)
}

/// `gradfield render` without the file: the frame as an image, and the
/// warning the command prints when f32 overflows somewhere in the domain.
pub fn render(ctx: &Context, scene: &Scene) -> Result<(Image, Option<String>)> {
    let scene = with_critical_points(scene.clone())?;
    scene.validate(Some(ctx.limits.max_texture_dimension_2d))?;
    let mut r = crate::render::Renderer::new(ctx, &scene)?;
    let warning = r.stats.f32_overflow_warning();
    r.advance(ctx, scene.particles.steps);
    Ok((r.render_image(ctx)?, warning))
}

/// `gradfield record` of a scene whose `[record]` table says how, to `out`
/// (OUT.gif, OUT.mp4, OUT.webm or DIR/), without a progress bar.
pub fn record(
    ctx: &Context,
    scene: &Scene,
    out: &Path,
    dither: bool,
    crf: Option<u32>,
) -> Result<crate::record::RecordStats> {
    crate::record::animate::check(scene)?;
    let format = crate::record::Format::from_path(out)?;
    if format != crate::record::Format::PngSequence {
        crate::io::resolve_output(out)?;
    }
    let opts = crate::record::SinkOptions {
        dither,
        crf,
        ..crate::record::animate::default_options(scene)
    };
    let scene = with_critical_points(scene.clone())?;
    let cancel = AtomicBool::new(false);
    crate::record::animate::record_scene(
        ctx,
        &scene,
        out,
        &opts,
        crate::record::Progress::hidden(),
        &cancel,
    )
}
