//! GPU compute: device creation, the field pass, the particle engine, read-back.

pub mod context;
pub mod expr;
pub mod field;
pub mod particles;
pub mod timer;

pub use context::Context;
pub use expr::ExprCode;
pub use field::{Field, FieldPass};
pub use particles::{EngineConfig, Particle, ParticleEngine};

use crate::error::{Error, Result};

/// Joins WGSL pieces (generated function, shared structs, the pass) into one module.
/// A bind-group-layout entry for a whole buffer (no dynamic offset, any size).
pub fn buffer_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BufferBindingType,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub fn compose(parts: &[&str]) -> String {
    parts.join("\n")
}

/// Validates WGSL with naga (no GPU needed), reporting the first error with its location.
pub fn validate_wgsl(label: &str, source: &str) -> Result<naga::Module> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| Error::Shader {
        expr: label.to_string(),
        message: e.emit_to_string(source),
    })?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&module)
    .map_err(|e| Error::Shader {
        expr: label.to_string(),
        message: format!("{e:?}"),
    })?;
    Ok(module)
}
