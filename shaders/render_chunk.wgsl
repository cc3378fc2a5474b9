//! render_chunk: one chunk of the particle engine as the particle and trail
//! passes read it (group 1): a small uniform, the engine's `Particle` array and
//! its trail rings (`trail_len` slots per particle; slot (steps / stride) % len
//! holds the position after that step). Prepended (after particle_state.wgsl)
//! to render_particles and render_trails.

/// Rust twin: `render::particles::ChunkUniform`.
struct Chunk {
    count: u32,
    trail_len: u32,
    trail_stride: u32,
    _pad: u32,
}

@group(1) @binding(0) var<uniform> chunk: Chunk;
@group(1) @binding(1) var<storage, read> particles: array<Particle>;
@group(1) @binding(2) var<storage, read> trails: array<vec2<f32>>;
