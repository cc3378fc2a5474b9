//! The numpy peer: `bench/numpy_peer.py` (embedded here, so the binary runs it
//! from anywhere) times the same grid and particle cases with numpy float32,
//! vectorised. It runs when `python3` with numpy is present; otherwise the
//! report says it did not run and why.

use super::BenchOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::process::Command;

/// The script, as shipped in `bench/`.
pub const SCRIPT: &str = include_str!("../../bench/numpy_peer.py");

/// Whether the peer ran.
#[derive(Clone, Debug, Serialize)]
pub struct PeerStatus {
    pub ran: bool,
    /// numpy's version when it ran, or why it did not.
    pub note: String,
}

#[derive(Deserialize)]
struct PeerOutput {
    numpy: String,
    python: String,
    cases: Vec<PeerCase>,
}

#[derive(Deserialize)]
struct PeerCase {
    name: String,
    size: String,
    median: f64,
    min: f64,
    max: f64,
}

/// Work units per second over the peer's repeats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// The key a case is matched by.
pub fn key(name: &str, size: &str) -> String {
    format!("{name} {size}")
}

/// Runs the peer for the cases whose keys ([`key`]) are given; never fails: a
/// missing python or numpy is reported in the status.
pub fn run(opts: &BenchOptions, keys: &[String]) -> (PeerStatus, HashMap<String, Rates>) {
    let not_run = |why: String| {
        (
            PeerStatus {
                ran: false,
                note: format!("not run: {why}"),
            },
            HashMap::new(),
        )
    };
    let path = std::env::temp_dir().join(format!("gradfield-numpy-peer-{}.py", std::process::id()));
    if let Err(e) = std::fs::write(&path, SCRIPT) {
        return not_run(format!(
            "could not write the script to {}: {e}",
            path.display()
        ));
    }
    let mut cmd = Command::new("python3");
    cmd.arg(&path)
        .arg("--repeats")
        .arg(opts.repeats.to_string());
    if opts.quick {
        cmd.arg("--quick");
    }
    for k in keys {
        cmd.arg("--only").arg(k);
    }
    let out = cmd.output();
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            return not_run(format!(
                "numpy not found: python3 could not be started ({e})"
            ))
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        if err.contains("No module named 'numpy'") {
            return not_run("numpy not found (pip install numpy)".into());
        }
        return not_run(format!("the script failed: {last}"));
    }
    match serde_json::from_slice::<PeerOutput>(&out.stdout) {
        Ok(p) => {
            let figures = p
                .cases
                .into_iter()
                .map(|c| {
                    (
                        key(&c.name, &c.size),
                        Rates {
                            median: c.median,
                            min: c.min,
                            max: c.max,
                        },
                    )
                })
                .collect();
            (
                PeerStatus {
                    ran: true,
                    note: format!(
                        "numpy {} on Python {}, float32, one thread per numpy call",
                        p.numpy, p.python
                    ),
                },
                figures,
            )
        }
        Err(e) => not_run(format!("its output was not the expected JSON ({e})")),
    }
}
