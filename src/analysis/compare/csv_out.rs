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
    crate::io::write_atomic(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        let io = |e| Error::io(path, e);
        use std::io::Write;
        writeln!(
            w,
            "start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination"
        )
        .map_err(io)?;
        for o in &report.optimizers {
            for (s, r) in starts.iter().zip(&o.results) {
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{}",
                    s[0],
                    s[1],
                    o.optimizer,
                    r.end[0],
                    r.end[1],
                    r.value,
                    r.status.as_str(),
                    r.steps,
                    r.destination
                )
                .map_err(io)?;
            }
        }
        w.flush().map_err(io)
    })
}
