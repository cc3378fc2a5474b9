//! `gradfield bench`: throughput of the GPU passes beside the CPU reference,
//! on this machine's adapter, as a table or JSON (see BENCHMARKS.md).

use super::emit;
use anyhow::Result;
use clap::Args;
use gradfield::bench::{self, BenchOptions};
use gradfield::gpu::Context;
use gradfield::Error;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print the report as JSON (progress still goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Small sizes and one repeat: every case runs and is checked in seconds (for CI; the figures mean little).
    #[arg(long)]
    pub quick: bool,
    /// Run only these cases: a name (particles/gd/rosenbrock), a leading part (field, particles/adam, render) or "NAME SIZE". `frame` (or frame/default-view, frame/trails-65536x16, frame/3d, frame/new-expression): per-frame and per-pass times of the frame pipeline and a new expression's first frame beside matplotlib.
    #[arg(long = "case", value_name = "NAME", num_args = 1..)]
    pub cases: Vec<String>,
    /// Timed runs per figure (default 5, or 1 with --quick).
    #[arg(long)]
    pub repeats: Option<u32>,
    /// No progress lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: BenchArgs) -> Result<()> {
    let repeats = a.repeats.unwrap_or(if a.quick { 1 } else { 5 });
    if repeats == 0 {
        return Err(Error::input("--repeats 0 is out of range: it must be at least 1").into());
    }
    // `--case frame...`: the frame pipeline's own report (bench::frame).
    let (frame_cases, other): (Vec<String>, Vec<String>) = a
        .cases
        .iter()
        .cloned()
        .partition(|c| c == "frame" || c.starts_with("frame/"));
    let ctx = Context::headless_with(super::adapter_choice())?;
    let quiet = a.quiet;
    if !frame_cases.is_empty() {
        let only: Vec<String> = frame_cases.into_iter().filter(|c| c != "frame").collect();
        let report = bench::frame::run(&ctx, a.quick, repeats, &only, &mut |line| {
            if !quiet {
                eprintln!("{line}");
            }
        })?;
        if a.json {
            emit(&(serde_json::to_string_pretty(&report)? + "\n"))?;
        } else {
            emit(&bench::frame::format_table(&report))?;
        }
        if other.is_empty() {
            return Ok(());
        }
    }
    let opts = BenchOptions {
        quick: a.quick,
        repeats,
        only: other,
    };
    let report = bench::run(&ctx, &opts, &mut |line| {
        if !quiet {
            eprintln!("{line}");
        }
    })?;
    if a.json {
        emit(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    } else {
        emit(&bench::format_table(&report))?;
    }
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| !c.check.passed)
        .map(|c| format!("{} {}", c.name, c.size))
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "the GPU result no longer matches the CPU reference in: {} (see the check column / \"check\" in the JSON)",
            failed.join(", ")
        );
    }
    Ok(())
}
