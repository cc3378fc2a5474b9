//! `gradfield compare`: many starts, several optimizers, run to the end; where
//! each start went, how fast, and how often it failed.

use super::{emit, resolve, OptimizerArgs};
use anyhow::Result;
use clap::Args;
use gradfield::analysis::basins::{write_basin_map, BasinOptions};
use gradfield::analysis::compare::{self, ProgressEvent, Starts};
use gradfield::gpu::Context;
use gradfield::io::Target;
use gradfield::optim::Stop;
use gradfield::{Domain, Error};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A built-in name or an expression in x and y.
    #[arg(allow_hyphen_values = true)]
    pub func: String,
    /// Starts: grid:WxH, random:N[:SEED] or a CSV file of x,y rows.
    #[arg(long, default_value = "grid:64x64")]
    pub starts: String,
    /// The domain XMIN,XMAX,YMIN,YMAX (default: the catalogue's, else -5,5,-5,5).
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub opt: OptimizerArgs,
    /// Step budget per run.
    #[arg(long, default_value_t = 1000)]
    pub max_steps: u32,
    /// Converged when |∇f| < TOL.
    #[arg(long, default_value_t = 1e-4, allow_hyphen_values = true)]
    pub tol: f64,
    /// Write the report as JSON here (- for standard output).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write one row per start and optimizer here (- for standard output).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the basin map PNG here (one panel per optimizer; - for standard output).
    #[arg(long)]
    pub basins: Option<PathBuf>,
    /// Run on the CPU in f64 instead of the GPU.
    #[arg(long)]
    pub cpu: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: CompareArgs) -> Result<()> {
    let r = resolve(&a.func)?;
    let domain = match &a.domain {
        Some(d) => Domain::parse(d)?,
        None => r.domain(Domain::new(-5.0, 5.0, -5.0, 5.0)),
    };
    if !(a.tol >= 0.0 && a.tol.is_finite()) {
        return Err(Error::input(format!(
            "--tol {} is out of range: it must be a finite number ≥ 0",
            a.tol
        ))
        .into());
    }
    let spec = Starts::parse(&a.starts)?;
    let starts = spec.points(&domain);
    let optimizers = a
        .opt
        .kinds()?
        .into_iter()
        .map(|k| a.opt.build(k, r.entry.map(|e| e.lr)))
        .collect::<Result<Vec<_>, _>>()?;
    // Each output is checked before any work; at most one may be standard output.
    let mut to_stdout = Vec::new();
    let mut targets = Vec::new();
    for (flag, p) in [
        ("--json", &a.json),
        ("--csv", &a.csv),
        ("--basins", &a.basins),
    ] {
        if let Some(p) = p {
            let t = gradfield::io::resolve_output(p)?;
            if t == Target::Stdout {
                to_stdout.push(format!("{flag} {}", p.display()));
            }
            targets.push(t);
        }
    }
    if to_stdout.len() > 1 {
        return Err(Error::input(format!(
            "{} all write to standard output; send all but one to files",
            to_stdout.join(" and ")
        ))
        .into());
    }
    if let Some(p) = &a.basins {
        // A file is named *.png; standard output, a device or a FIFO may be named anything.
        let file = matches!(targets.last(), Some(Target::Atomic(_)));
        if file && p.extension().and_then(|e| e.to_str()) != Some("png") {
            return Err(Error::input(format!(
                "--basins {}: the basin map is a PNG; name it *.png",
                p.display()
            ))
            .into());
        }
    }
    let work = starts.len() as u64 * optimizers.len() as u64 * a.max_steps as u64;
    if work > gradfield::scene::MAX_PARTICLE_STEPS {
        return Err(Error::input(format!(
            "{} starts × {} optimizers × --max-steps {} is {work} particle-steps, more than 10^12 \
             (hours on a software adapter): lower --max-steps or use fewer starts",
            starts.len(),
            optimizers.len(),
            a.max_steps
        ))
        .into());
    }
    let stop = Stop::for_domain(&domain, a.tol, a.max_steps);
    let report = if a.cpu {
        compare::run_cpu(&r.func, &domain, &starts, &optimizers, &stop)?
    } else {
        let ctx = Context::headless_with(super::adapter_choice())?;
        let bar = if a.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(optimizers.len() as u64 * a.max_steps as u64)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} steps · {msg} · {elapsed} (ETA {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        let mut progress = |e: ProgressEvent| {
            bar.set_prefix(format!("{} ({}/{})", e.name, e.optimizer + 1, e.optimizers));
            bar.set_position(e.optimizer as u64 * e.max_steps as u64 + e.steps as u64);
            bar.set_message(format!("{} of {} running", e.running, e.count));
        };
        let rep = compare::run(
            &ctx,
            &r.func,
            &domain,
            &starts,
            &optimizers,
            &stop,
            &mut progress,
        )?;
        bar.finish_and_clear();
        let reruns: u64 = rep.optimizers.iter().map(|o| o.f64_reruns).sum();
        if reruns > 0 {
            let total = (rep.starts * rep.optimizers.len()) as u64;
            eprintln!(
                "{}",
                gradfield::analysis::postrun::rerun_warning(reruns, total)
            );
        }
        rep
    };
    if let Some(p) = &a.json {
        report.write_json(p)?;
    }
    if let Some(p) = &a.csv {
        compare::write_csv(p, &report, &starts)?;
    }
    if let Some(p) = &a.basins {
        write_basin_map(
            p,
            &report,
            &r.func,
            &starts,
            spec.grid(),
            &BasinOptions::default(),
        )?;
    }
    let table = compare::format_table(&report);
    if to_stdout.is_empty() {
        emit(&table)
    } else {
        // Standard output carries the report: the table goes beside the progress.
        eprint!("{table}");
        Ok(())
    }
}
