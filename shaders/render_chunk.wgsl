//! render_chunk: one chunk of the particle engine as the particle and trail
//! passes read it (group 1): a small uniform, the engine's `Particle` array and
//! its trail rings (`trail_len` slots per particle; slot (steps / stride) % len
//! holds the position after that step). Prepended to render_particles and
//! render_trails; WGSL twin of `gpu::Particle` as in shaders/particles.wgsl.

struct Particle {
    pos: vec2<f32>,
    m: vec2<f32>,
    v: vec2<f32>,
    value: f32,
    grad_norm: f32,
    steps: u32,
    status: u32,
}

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

fn status_colour(s: u32) -> vec3<f32> {
    switch s {
        case 1u: { return vec3<f32>(0.30, 1.0, 0.45); }
        case 2u: { return vec3<f32>(1.0, 0.28, 0.22); }
        default: { return vec3<f32>(1.0, 1.0, 1.0); }
    }
}

