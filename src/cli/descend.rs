//! `gradfield descend`: trajectories from given starts, on the GPU (f32) or the
//! CPU (`--cpu`, f64 — the reference).

use super::{emit, num, resolve, OptimizerArgs};
use anyhow::Result;
use clap::Args;
use gradfield::analysis::postrun;
use gradfield::domain::parse_point;
use gradfield::gpu::particles::trail_of;
use gradfield::gpu::{Context, EngineConfig, ParticleEngine};
use gradfield::optim::{self, Optimizer, Schedule, Stop};
use gradfield::{Domain, Error};
use serde::Serialize;
use std::fmt::Write;

#[derive(Args, Debug)]
pub struct DescendArgs {
    /// A built-in name or an expression in x and y.
    #[arg(allow_hyphen_values = true)]
    pub func: String,
    /// A start X,Y; repeat for more particles (--from 1,1 --from -2,0.5).
    #[arg(long = "from", required = true, allow_hyphen_values = true)]
    pub from: Vec<String>,
    /// Number of optimizer steps.
    #[arg(long, default_value_t = 100)]
    pub steps: u32,
    /// Converged when |∇f| < TOL (0 never stops early).
    #[arg(long, default_value_t = 1e-6, allow_hyphen_values = true)]
    pub tol: f64,
    /// The domain XMIN,XMAX,YMIN,YMAX; a particle 100 domain sizes outside it has diverged.
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub opt: OptimizerArgs,
    /// Run on the CPU in f64 instead of the GPU.
    #[arg(long)]
    pub cpu: bool,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (trajectory,step,x,y,value).
    #[arg(long)]
    pub csv: bool,
}

#[derive(Serialize)]
struct Trajectory<T: Serialize> {
    start: [f64; 2],
    points: Vec<[T; 2]>,
    values: Vec<T>,
    status: &'static str,
    steps: u32,
}

#[derive(Serialize)]
struct Output<T: Serialize> {
    function: String,
    optimizer: String,
    lr: f64,
    /// The learning-rate schedule's spec (`constant` when none).
    schedule: String,
    /// σ of the gradient noise (0: exact gradients) and its seed.
    noise: f64,
    seed: u64,
    device: String,
    trajectories: Vec<Trajectory<T>>,
}

/// Largest trajectory storage on the GPU (particles × (steps + 1) positions).
const MAX_RECORDED_POINTS: u64 = 16 << 20;

pub fn run(a: DescendArgs) -> Result<()> {
    let r = resolve(&a.func)?;
    let starts: Vec<[f64; 2]> = a
        .from
        .iter()
        .map(|s| parse_point(s, "--from"))
        .collect::<Result<_, _>>()?;
    let kinds = a.opt.kinds()?;
    if kinds.len() != 1 {
        return Err(Error::input("descend takes one --optimizer (compare runs several)").into());
    }
    let opt = a.opt.build(kinds[0], r.entry.map(|e| e.lr))?;
    if !(a.tol >= 0.0 && a.tol.is_finite()) {
        return Err(Error::input(format!(
            "--tol {} is out of range: it must be a finite number ≥ 0",
            a.tol
        ))
        .into());
    }
    let mut domain = match &a.domain {
        Some(d) => Domain::parse(d)?,
        None => r.domain(Domain::new(-5.0, 5.0, -5.0, 5.0)),
    };
    if a.domain.is_none() {
        // Cover the starts, so that a start outside the default domain is not "diverged" at once.
        for s in &starts {
            domain.xmin = domain.xmin.min(s[0]);
            domain.xmax = domain.xmax.max(s[0]);
            domain.ymin = domain.ymin.min(s[1]);
            domain.ymax = domain.ymax.max(s[1]);
        }
    }
    let stop = Stop::for_domain(&domain, a.tol, a.steps);
    // A run that stops on an underflowed plateau is `flat`, not converged.
    let scale = gradfield::analysis::Scale::of(&r.func, &domain);
    let status_of = |st: optim::Status, end: [f64; 2]| {
        if postrun::is_flat_stop(&r.func, &scale, st, end) {
            optim::Status::Flat.as_str()
        } else {
            st.as_str()
        }
    };
    let text = if a.cpu {
        let trajs: Vec<Trajectory<f64>> = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let (st, pts) = optim::trajectory_of(&r.func, &opt, &stop, s, i as u32);
                Trajectory {
                    start: s,
                    values: pts.iter().map(|p| r.func.value(p[0], p[1])).collect(),
                    points: pts,
                    status: status_of(st.status, st.pos),
                    steps: st.steps,
                }
            })
            .collect();
        render(&a, r.formula(), &opt, "cpu (f64)".into(), trajs)?
    } else {
        let recorded = starts.len() as u64 * (a.steps as u64 + 1);
        if recorded > MAX_RECORDED_POINTS {
            return Err(Error::input(format!(
                "descend records every step: {} starts × {} steps is {recorded} points, more than {MAX_RECORDED_POINTS}; \
                 use fewer steps or starts (compare runs many starts without recording paths)",
                starts.len(),
                a.steps + 1
            ))
            .into());
        }
        let ctx = Context::headless_with(super::adapter_choice())?;
        let config = EngineConfig {
            optimizer: opt,
            stop,
            iters_per_dispatch: 64,
            trail_len: a.steps + 1,
            trail_stride: 1,
        };
        let s32: Vec<[f32; 2]> = starts.iter().map(|p| [p[0] as f32, p[1] as f32]).collect();
        let engine = ParticleEngine::new(&ctx, &r.func, &s32, config)?;
        engine.step(&ctx, engine.dispatches_for(a.steps));
        let state = engine.read(&ctx)?;
        let trails = engine.read_trails(&ctx)?;
        let tape = r.func.tape_value();
        let mut regs = Vec::new();
        let mut reruns = 0;
        let trajs: Vec<Trajectory<f32>> = state
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if postrun::needs_f64(&r.func, &stop, p.status(), p.pos) {
                    // f32 overflowed where f64 is finite: the f64 run is the answer.
                    reruns += 1;
                    let (st, pts) = optim::trajectory_of(&r.func, &opt, &stop, starts[i], i as u32);
                    return Trajectory {
                        start: starts[i],
                        values: pts
                            .iter()
                            .map(|q| r.func.value(q[0], q[1]) as f32)
                            .collect(),
                        points: pts.iter().map(|q| [q[0] as f32, q[1] as f32]).collect(),
                        status: status_of(st.status, st.pos),
                        steps: st.steps,
                    };
                }
                let pts = trail_of(&trails, p, i, a.steps + 1, 1);
                let values = pts
                    .iter()
                    .map(|q| {
                        let mut o = [0f32];
                        tape.eval_into(q[0], q[1], &mut regs, &mut o);
                        o[0]
                    })
                    .collect();
                Trajectory {
                    start: starts[i],
                    points: pts,
                    values,
                    status: status_of(p.status(), [p.pos[0] as f64, p.pos[1] as f64]),
                    steps: p.steps,
                }
            })
            .collect();
        if reruns > 0 {
            eprintln!("{}", postrun::rerun_warning(reruns, starts.len() as u64));
        }
        render(
            &a,
            r.formula(),
            &opt,
            format!("gpu (f32): {}", ctx.describe()),
            trajs,
        )?
    };
    emit(&text)
}

fn render<T: Serialize + Copy + Into<f64> + std::fmt::Display>(
    a: &DescendArgs,
    formula: &str,
    opt: &Optimizer,
    device: String,
    trajs: Vec<Trajectory<T>>,
) -> Result<String> {
    let (kind, lr) = (opt.kind, opt.lr);
    if a.json {
        let out = Output {
            function: formula.to_string(),
            optimizer: kind.name().to_string(),
            lr,
            schedule: opt.schedule.to_string(),
            noise: opt.noise,
            seed: opt.seed,
            device,
            trajectories: trajs,
        };
        return Ok(serde_json::to_string_pretty(&out)? + "\n");
    }
    let mut s = String::new();
    if a.csv {
        s.push_str("trajectory,step,x,y,value\n");
        for (t, tr) in trajs.iter().enumerate() {
            for (k, (p, v)) in tr.points.iter().zip(&tr.values).enumerate() {
                let _ = writeln!(s, "{t},{k},{},{},{}", p[0], p[1], v);
            }
        }
        return Ok(s);
    }
    let mut extra = String::new();
    if opt.schedule != Schedule::Constant {
        let _ = write!(extra, ", schedule {}", opt.schedule);
    }
    if opt.noise > 0.0 {
        let _ = write!(extra, ", noise σ {} seed {}", num(opt.noise), opt.seed);
    }
    let _ = writeln!(
        s,
        "f(x, y) = {formula}    optimizer {} (lr {}{extra})    on {device}",
        kind.name(),
        num(lr)
    );
    for (t, tr) in trajs.iter().enumerate() {
        let _ = writeln!(
            s,
            "\ntrajectory {t} from ({}, {}): {} after {} steps",
            num(tr.start[0]),
            num(tr.start[1]),
            tr.status,
            tr.steps
        );
        let _ = writeln!(s, "{:>8}  {:>22}  {:>22}  {:>22}", "step", "x", "y", "f");
        let n = tr.points.len();
        // Every step for short runs; the first 10, a sample and the last 10 otherwise.
        let every = if n <= 40 { 1 } else { (n / 20).max(1) };
        for (k, (p, v)) in tr.points.iter().zip(&tr.values).enumerate() {
            if n <= 40 || k < 10 || k + 10 >= n || k % every == 0 {
                // Shortest round-trip form in the run's own precision (what Python prints for f64).
                let _ = writeln!(s, "{k:>8}  {:>22}  {:>22}  {:>22}", p[0], p[1], v);
            }
        }
    }
    Ok(s)
}
