//! Shared helpers for integration tests.
#![allow(dead_code)]

use gradfield::gpu::Context;

/// A fresh device on whatever adapter is present (lavapipe in CI). A missing
/// adapter fails the test, naming the package to install; it never skips.
pub fn ctx() -> Context {
    match Context::headless() {
        Ok(c) => c,
        Err(e) => panic!(
            "GPU tests need an adapter: {e}. In CI: apt-get install mesa-vulkan-drivers libvulkan1"
        ),
    }
}

/// The built binary run with `args` (its output and exit status).
pub fn gradfield(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The JSON the binary prints for `args`; fails the test when it fails.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = gradfield(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// A JSON number.
pub fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}
