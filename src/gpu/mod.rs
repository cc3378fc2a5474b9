//! GPU compute: device creation, the field pass, the particle engine, read-back.

pub mod context;
pub mod expr;
/// The field pass (f, ∇f, |∇f| over a grid) and its CPU reference: what
/// `gradfield bench` measures. Not part of the library's API; renders
/// evaluate f in their own shaders.
#[doc(hidden)]
pub mod field;
pub mod particles;
pub mod timer;

pub use context::{AdapterChoice, Context};
pub use expr::ExprCode;
pub use particles::{EngineConfig, Particle, ParticleEngine};

use crate::error::{Error, Result};

/// A bind-group-layout entry for a whole buffer (no dynamic offset) of at
/// least `min_size` bytes: the size of the uniform struct, or of one element
/// of a storage array. wgpu checks every bound buffer against it when the
/// bind group is made, instead of at each draw or dispatch.
pub fn sized_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BufferBindingType,
    min_size: u64,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: wgpu::BufferSize::new(min_size),
        },
        count: None,
    }
}

/// A bind-group-layout entry for a whole buffer of any size; prefer
/// [`sized_entry`], which states the size the shader reads.
pub fn buffer_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    ty: wgpu::BufferBindingType,
) -> wgpu::BindGroupLayoutEntry {
    sized_entry(binding, visibility, ty, 0)
}

/// Joins WGSL pieces (generated function, shared structs, the pass) into one module.
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
