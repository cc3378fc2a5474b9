//! The per-start CSV writer (kept apart so that a CSV crate can replace it in one place).

use super::report::CompareReport;
use crate::error::{Error, Result};
use std::path::Path;

/// The per-start CSV: `start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination`
/// (destination -1 for diverged and running), one row per start and optimizer, written atomically.
pub fn write_csv(path: &Path, report: &CompareReport, starts: &[[f64; 2]]) -> Result<()> {
    if starts.len() != report.starts {
        return Err(Error::input(format!(
            "{} starts given for a report of {}",
            starts.len(),
            report.starts
        )));
    }
    let header = [
        "start_x",
        "start_y",
        "optimizer",
        "end_x",
        "end_y",
        "value",
        "status",
        "steps",
        "destination",
    ];
    let rows = report.optimizers.iter().flat_map(|o| {
        starts.iter().zip(&o.results).map(move |(s, r)| {
            [
                s[0].to_string(),
                s[1].to_string(),
                o.optimizer.to_string(),
                r.end[0].to_string(),
                r.end[1].to_string(),
                r.value.to_string(),
                r.status.as_str().to_string(),
                r.steps.to_string(),
                r.destination.to_string(),
            ]
        })
    });
    crate::io::write_atomic(path, |w| crate::csvio::write_table(w, path, &header, rows))
}
