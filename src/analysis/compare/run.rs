//! The runs: every optimizer from every start, on the GPU (f32, with f64
//! reruns of f32 artefacts) or on the CPU in f64 (the reference).

use super::report::{build_report, CompareReport, ProgressEvent, StartResult};
use crate::analysis::postrun;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::gpu::particles::{EngineConfig, ParticleEngine};
use crate::gpu::Context;
use crate::optim::{iterate, Optimizer, State, Stop};
use rayon::prelude::*;

/// Iterations per dispatch: a dispatch costs ~3 ms on lavapipe, so a few dozen iterations amortise it.
pub const ITERS_PER_DISPATCH: u32 = 64;

fn check_inputs(
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
) -> Result<()> {
    domain.validate()?;
    if starts.is_empty() {
        return Err(Error::input("no starts to compare"));
    }
    if optimizers.is_empty() {
        return Err(Error::input("no optimizer to compare: give at least one"));
    }
    for o in optimizers {
        o.validate()?;
    }
    if !(stop.tol >= 0.0 && stop.tol.is_finite()) {
        return Err(Error::input(format!(
            "tol = {} must be a finite number ≥ 0",
            stop.tol
        )));
    }
    Ok(())
}

/// Runs every optimizer from every start on the GPU, in batches of dispatches
/// until all particles stopped or the step budget is spent (reading only the
/// GPU-side running count in between), then reads the final states once.
pub fn run(
    ctx: &Context,
    func: &Function,
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
    progress: &mut dyn FnMut(ProgressEvent),
) -> Result<CompareReport> {
    check_inputs(domain, starts, optimizers, stop)?;
    let starts32: Vec<[f32; 2]> = starts.iter().map(|p| [p[0] as f32, p[1] as f32]).collect();
    let count = starts.len() as u32;
    // Aim at ~4M particle-iterations between reads of the running count (a read is a full sync).
    let batch = (4_000_000 / (count as u64 * ITERS_PER_DISPATCH as u64)).clamp(1, 16) as u32;
    let mut results = Vec::with_capacity(optimizers.len());
    let mut reruns = Vec::with_capacity(optimizers.len());
    for (k, opt) in optimizers.iter().enumerate() {
        let config = EngineConfig {
            optimizer: *opt,
            stop: *stop,
            iters_per_dispatch: ITERS_PER_DISPATCH,
            trail_len: 0,
            trail_stride: 1,
        };
        let engine = ParticleEngine::new(ctx, func, &starts32, config)?;
        let name = opt.kind.name();
        progress(ProgressEvent {
            optimizer: k,
            optimizers: optimizers.len(),
            name,
            steps: 0,
            max_steps: stop.max_steps,
            running: count,
            count,
        });
        engine.run_to_end(ctx, batch, |done, _total, running| {
            progress(ProgressEvent {
                optimizer: k,
                optimizers: optimizers.len(),
                name,
                steps: (done * ITERS_PER_DISPATCH).min(stop.max_steps),
                max_steps: stop.max_steps,
                running,
                count,
            })
        })?;
        let state = engine.read(ctx)?;
        drop(engine);
        let mut r: Vec<StartResult> = state
            .iter()
            .map(|p| StartResult {
                end: [p.pos[0] as f64, p.pos[1] as f64],
                value: p.value as f64,
                steps: p.steps,
                status: p.status(),
                destination: -1,
            })
            .collect();
        let e = |i: usize| (state[i].pos, state[i].status());
        reruns.push(
            postrun::rerun_artefacts(func, opt, stop, starts, e, |i, st| {
                r[i] = StartResult {
                    end: st.pos,
                    value: st.value,
                    steps: st.steps,
                    status: st.status,
                    destination: -1,
                }
            }) as u64,
        );
        results.push(r);
    }
    let mut report = build_report(func, domain, starts.len(), optimizers, stop, results);
    for (o, n) in report.optimizers.iter_mut().zip(reruns) {
        o.f64_reruns = n;
    }
    Ok(report)
}

/// The CPU f64 reference: the same runs with `optim::iterate`, in parallel over starts.
pub fn run_cpu(
    func: &Function,
    domain: &Domain,
    starts: &[[f64; 2]],
    optimizers: &[Optimizer],
    stop: &Stop,
) -> Result<CompareReport> {
    check_inputs(domain, starts, optimizers, stop)?;
    let results = optimizers
        .iter()
        .map(|opt| {
            starts
                .par_iter()
                .enumerate()
                .map(|(i, &p)| {
                    // Particle i draws noise stream i, as on the GPU.
                    let mut st = State::new(p);
                    st.index = i as u32;
                    while iterate(func, opt, stop, &mut st) {}
                    StartResult {
                        end: st.pos,
                        value: st.value,
                        steps: st.steps,
                        status: st.status,
                        destination: -1,
                    }
                })
                .collect()
        })
        .collect();
    Ok(build_report(
        func,
        domain,
        starts.len(),
        optimizers,
        stop,
        results,
    ))
}
