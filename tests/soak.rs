//! Memory stays flat over long runs (issue 21): the peak resident memory of a
//! run of 1000 frames may exceed that of 100 frames by a few MB at most, not
//! by an amount that grows with the frame count.
//!
//! Measured on lavapipe (2 cores), release and debug builds alike, after the
//! fix (view/colormap read as storage, so Mesa 22.3 no longer inlines a new
//! shader variant per bind): `record` split view, 2048 particles with 32-point
//! trails at 160×120: 142 MB at 100 frames, 142-159 MB at 1000 and 142 MB at
//! 2000 (GIF; MP4 140 → 141 MB); `view --soak` at 320×240: peak 182 MB at 100
//! frames, 180 MB at 1000. Before the fix the same record grew from 339 MB
//! to 1385 MB (1.2 MB per frame), the viewer by ~0.5 MB per frame. The bound,
//! 40 MB over 900 frames (44 KB per frame), sits above the noise (up to 17 MB
//! between runs) and an order of magnitude below the leak.
//!
//! Needs `xvfb-run` (Debian packages xvfb and xauth) and a Vulkan adapter
//! (lavapipe: mesa-vulkan-drivers).
#![cfg(feature = "viewer")]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const BOUND_MB: f64 = 40.0;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gradfield")
}

fn out_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("gradfield-soak-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Peak resident memory (VmHWM, MB) of `cmd`, read from /proc while it runs;
/// also checks that it exits 0.
fn peak_mb(mut cmd: Command) -> f64 {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0.0f64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            {
                peak = peak.max(kb / 1024.0);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    peak
}

fn record(frames: u32, out: &std::path::Path) -> f64 {
    let mut cmd = Command::new(bin());
    cmd.args([
        "record",
        "himmelblau",
        "--size",
        "160x120",
        "--view",
        "split",
    ])
    .args(["--particles", "2048", "--trail", "32", "-q", "--frames"])
    .arg(frames.to_string())
    .arg("-o")
    .arg(out);
    peak_mb(cmd)
}

/// The viewer's own report: the peak on the last `soak frame` line.
fn view_soak(frames: u32) -> f64 {
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24", bin(), "view"])
        .args(["--size", "320x240", "--soak"])
        .arg(frames.to_string())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run xvfb-run ({e}): install the Debian packages xvfb and xauth")
        });
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "view --soak {frames} failed: {err}");
    let last = err
        .lines()
        .rfind(|l| l.starts_with("soak frame"))
        .unwrap_or_else(|| panic!("no soak report in: {err}"));
    assert!(
        last.starts_with(&format!("soak frame {frames}:")),
        "the soak stopped early: {last}"
    );
    last.rsplit("peak ")
        .next()
        .and_then(|v| v.trim_end_matches(" MB").parse().ok())
        .unwrap_or_else(|| panic!("cannot read the peak from {last:?}"))
}

#[test]
fn record_memory_is_flat_over_1000_frames() {
    let dir = out_dir();
    let short = record(100, &dir.join("short.gif"));
    let long = record(1000, &dir.join("long.gif"));
    eprintln!("record: peak {short:.1} MB at 100 frames, {long:.1} MB at 1000");
    assert!(short > 10.0, "the measurement read nothing: {short} MB");
    assert!(
        long - short < BOUND_MB,
        "record's memory grows with frames: {short:.1} MB at 100, {long:.1} MB at 1000"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn viewer_memory_is_flat_over_1000_frames() {
    let short = view_soak(100);
    let long = view_soak(1000);
    eprintln!("view --soak: peak {short:.1} MB at 100 frames, {long:.1} MB at 1000");
    assert!(short > 10.0, "the measurement read nothing: {short} MB");
    assert!(
        long - short < BOUND_MB,
        "the viewer's memory grows with frames: {short:.1} MB at 100, {long:.1} MB at 1000"
    );
}
