//! The comparison's report: per-start results, per-optimizer counts and
//! steps statistics, destinations; [`build_report`] turns the runs into one.

use super::destinations::assign_destinations;
use crate::analysis::{postrun, Kind, Scale};
use crate::domain::Domain;
use crate::error::Result;
use crate::expr::Function;
use crate::optim::{Optimizer, Status, Stop};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Progress of a GPU comparison, after each batch of dispatches.
#[derive(Clone, Copy, Debug)]
pub struct ProgressEvent {
    /// Index of the optimizer running now, and how many there are.
    pub optimizer: usize,
    pub optimizers: usize,
    pub name: &'static str,
    /// Steps done by the particles still running, and the budget.
    pub steps: u32,
    pub max_steps: u32,
    /// Particles still running, of `count`.
    pub running: u32,
    pub count: u32,
}

/// Where one run ended (40 bytes; one flat Vec per optimizer).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StartResult {
    pub end: [f64; 2],
    pub value: f64,
    pub steps: u32,
    pub status: Status,
    /// Destination id for converged runs, -1 otherwise.
    pub destination: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepStats {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Destination {
    /// Shared by all optimizers of the report (see the module docs).
    pub id: usize,
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub kind: Kind,
    pub count: u64,
    /// Of all starts of this optimizer.
    pub fraction: f64,
    pub mean_steps: f64,
    /// Whether Newton's method reached the critical point (else x, y is the cluster's mean).
    #[serde(skip)]
    pub polished: bool,
    /// The destination lies outside the domain the starts were drawn from.
    pub outside_domain: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptimizerReport {
    /// Name (`gd`, `adam`, …).
    pub optimizer: &'static str,
    pub lr: f64,
    /// The learning-rate schedule's spec (`constant` when none).
    pub schedule: String,
    /// σ of the gradient noise (0: exact gradients) and its seed.
    pub noise: f64,
    pub seed: u64,
    pub converged: u64,
    pub diverged: u64,
    pub running: u64,
    /// Runs that stopped on a flat (underflowed) plateau: not converged.
    pub flat: u64,
    pub fraction_converged: f64,
    pub fraction_diverged: f64,
    pub fraction_running: f64,
    pub fraction_flat: f64,
    /// GPU runs whose f32 evaluation overflowed where f64 is finite, redone on the CPU in f64.
    pub f64_reruns: u64,
    /// Over converged runs; null when none converged.
    pub steps: Option<StepStats>,
    pub destinations: Vec<Destination>,
    #[serde(skip)]
    pub params: Optimizer,
    /// One per start, in start order.
    #[serde(skip)]
    pub results: Vec<StartResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareReport {
    pub function: String,
    /// [xmin, xmax, ymin, ymax]
    pub domain: [f64; 4],
    pub starts: usize,
    pub max_steps: u32,
    pub tol: f64,
    pub optimizers: Vec<OptimizerReport>,
    /// Every destination of any optimizer, indexed by id (location, value, kind; counts over all optimizers).
    #[serde(skip)]
    pub all_destinations: Vec<Destination>,
}

impl CompareReport {
    pub fn domain(&self) -> Domain {
        let [a, b, c, d] = self.domain;
        Domain::new(a, b, c, d)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("the report serializes (no maps with non-string keys)")
    }

    pub fn write_json(&self, path: &Path) -> Result<()> {
        crate::io::write_bytes_atomic(path, (self.to_json() + "\n").as_bytes())
    }
}

/// Steps statistics (mean, median, nearest-rank p90, max); None for no samples.
pub fn step_stats(mut steps: Vec<u32>) -> Option<StepStats> {
    if steps.is_empty() {
        return None;
    }
    steps.sort_unstable();
    let n = steps.len();
    let mean = steps.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        steps[n / 2] as f64
    } else {
        0.5 * (steps[n / 2 - 1] as f64 + steps[n / 2] as f64)
    };
    let p90 = steps[((0.9 * n as f64).ceil() as usize).clamp(1, n) - 1] as f64;
    Some(StepStats {
        mean,
        median,
        p90,
        max: steps[n - 1] as f64,
    })
}

/// The report of finished runs: `results[k]` holds optimizer k's result per
/// start; destinations are clustered over all of them (`api::merge_compare`
/// builds one comparison from runs done in parts).
pub fn build_report(
    func: &Function,
    domain: &Domain,
    n: usize,
    optimizers: &[Optimizer],
    stop: &Stop,
    mut results: Vec<Vec<StartResult>>,
) -> CompareReport {
    let scale = Scale::of(func, domain);
    for res in results.iter_mut() {
        res.par_iter_mut().for_each(|r| {
            if postrun::is_flat_stop(func, &scale, r.status, r.end) {
                r.status = Status::Flat;
            }
        });
    }
    let all = assign_destinations(func, domain, &scale, &mut results);
    let nf = n as f64;
    let mut reports = Vec::with_capacity(optimizers.len());
    for (opt, res) in optimizers.iter().zip(results) {
        let mut counts = vec![0u64; all.len()];
        let mut step_sums = vec![0f64; all.len()];
        let (mut conv, mut div, mut run, mut flat) = (0u64, 0u64, 0u64, 0u64);
        let mut steps = Vec::new();
        for r in &res {
            match r.status {
                Status::Converged => {
                    conv += 1;
                    steps.push(r.steps);
                    let d = r.destination as usize;
                    counts[d] += 1;
                    step_sums[d] += r.steps as f64;
                }
                Status::Diverged => div += 1,
                Status::Running => run += 1,
                Status::Flat => flat += 1,
            }
        }
        let mut destinations: Vec<Destination> = all
            .iter()
            .filter(|d| counts[d.id] > 0)
            .map(|d| Destination {
                count: counts[d.id],
                fraction: counts[d.id] as f64 / nf,
                mean_steps: step_sums[d.id] / counts[d.id] as f64,
                ..d.clone()
            })
            .collect();
        destinations.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
        reports.push(OptimizerReport {
            optimizer: opt.kind.name(),
            lr: opt.lr,
            schedule: opt.schedule.to_string(),
            noise: opt.noise,
            seed: opt.seed,
            converged: conv,
            diverged: div,
            running: run,
            flat,
            fraction_converged: conv as f64 / nf,
            fraction_diverged: div as f64 / nf,
            fraction_running: run as f64 / nf,
            fraction_flat: flat as f64 / nf,
            f64_reruns: 0,
            steps: step_stats(steps),
            destinations,
            params: *opt,
            results: res,
        });
    }
    CompareReport {
        function: func.source().to_string(),
        domain: [domain.xmin, domain.xmax, domain.ymin, domain.ymax],
        starts: n,
        max_steps: stop.max_steps,
        tol: stop.tol,
        optimizers: reports,
        all_destinations: all,
    }
}
