//! CPU twins of the compute shaders, one file per shader (vello's style):
//! `cpu/particles.rs` beside `shaders/particles.wgsl`, `cpu/philox.rs`
//! beside `shaders/philox.wgsl`. Each is written operation for operation like
//! its WGSL twin; change the two together.

pub mod particles;
pub mod philox;
