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
