//! The report as a plain-text table.

use super::report::{CompareReport, Destination};
use std::fmt::Write as _;

fn pct(f: f64) -> String {
    format!("{:.1}%", 100.0 * f)
}

/// The report as a plain-text table for stdout.
pub fn format_table(report: &CompareReport) -> String {
    let mut s = String::new();
    let [a, b, c, d] = report.domain;
    let _ = writeln!(
        s,
        "{}  on [{a}, {b}] × [{c}, {d}]: {} starts, ≤ {} steps, tol {}",
        report.function, report.starts, report.max_steps, report.tol
    );
    let _ = writeln!(
        s,
        "\n{:<10} {:>9} {:>10} {:>10} {:>10} {:>9} {:>8} {:>8} {:>8}",
        "optimizer", "lr", "converged", "diverged", "running", "mean", "median", "p90", "max"
    );
    let any_flat = report.optimizers.iter().any(|o| o.flat > 0);
    for o in &report.optimizers {
        let st = o
            .steps
            .map(|t| {
                format!(
                    "{:>9.1} {:>8} {:>8} {:>8}",
                    t.mean,
                    fmt_g(t.median),
                    fmt_g(t.p90),
                    fmt_g(t.max)
                )
            })
            .unwrap_or_else(|| format!("{:>9} {:>8} {:>8} {:>8}", "-", "-", "-", "-"));
        let _ = writeln!(
            s,
            "{:<10} {:>9} {:>10} {:>10} {:>10} {st}",
            o.optimizer,
            fmt_g(o.lr),
            pct(o.fraction_converged),
            pct(o.fraction_diverged),
            pct(o.fraction_running)
        );
    }
    let _ = writeln!(s, "(steps: to converge, over converged runs)");
    if any_flat {
        for o in report.optimizers.iter().filter(|o| o.flat > 0) {
            let _ = writeln!(
                s,
                "{}: {} runs ({}) stopped where f is flat to rounding (an underflowed plateau: ∇f = 0 \
                 but no critical point); they count as flat, not converged",
                o.optimizer,
                o.flat,
                pct(o.fraction_flat)
            );
        }
    }
    for o in &report.optimizers {
        let _ = writeln!(
            s,
            "\n{} destinations (the {LOWEST_FIRST} lowest first, then by count):",
            o.optimizer
        );
        if o.destinations.is_empty() {
            let _ = writeln!(s, "  (none: no run converged)");
            continue;
        }
        let _ = writeln!(
            s,
            "  {:>3} {:<10} {:>12} {:>12} {:>13} {:>9} {:>7} {:>10} {:>7}",
            "id", "kind", "x", "y", "f", "count", "share", "mean steps", "domain"
        );
        const SHOW: usize = 20;
        let order = display_order(&o.destinations);
        for &i in order.iter().take(SHOW) {
            let d = &o.destinations[i];
            let _ = writeln!(
                s,
                "  {:>3} {:<10} {:>12.6} {:>12.6} {:>13.6e} {:>9} {:>7} {:>10.1} {:>7}",
                d.id,
                d.kind.as_str(),
                d.x,
                d.y,
                d.value,
                d.count,
                pct(d.fraction),
                d.mean_steps,
                if d.outside_domain {
                    "outside"
                } else {
                    "inside"
                }
            );
        }
        if o.destinations.len() > SHOW {
            let rest: u64 = order[SHOW..].iter().map(|&i| o.destinations[i].count).sum();
            let _ = writeln!(
                s,
                "  … {} more destinations with {} runs ({})",
                o.destinations.len() - SHOW,
                rest,
                pct(rest as f64 / report.starts as f64)
            );
        }
    }
    s
}

/// Destinations shown first in the table: the lowest ones.
pub const LOWEST_FIRST: usize = 3;

/// The table's order of `dests` (sorted by count): the [`LOWEST_FIRST`] lowest
/// values first (so the lowest minima are never behind "… more"), then the rest by count.
pub fn display_order(dests: &[Destination]) -> Vec<usize> {
    let mut by_value: Vec<usize> = (0..dests.len())
        .filter(|&i| dests[i].value.is_finite())
        .collect();
    by_value.sort_by(|&a, &b| dests[a].value.total_cmp(&dests[b].value));
    let mut order: Vec<usize> = by_value.into_iter().take(LOWEST_FIRST).collect();
    let rest: Vec<usize> = (0..dests.len()).filter(|i| !order.contains(i)).collect();
    order.extend(rest);
    order
}

/// A number without trailing zeros.
fn fmt_g(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
