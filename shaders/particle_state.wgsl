//! particle_state: the particle engine's `Particle` as the render passes read
//! it (WGSL twin of `gpu::Particle`, as in shaders/particles.wgsl) and the
//! colour of each status. Prepended to render_particles, render_trails,
//! layer_splat and layer_composite.

struct Particle {
    pos: vec2<f32>,
    m: vec2<f32>,
    v: vec2<f32>,
    value: f32,
    grad_norm: f32,
    steps: u32,
    status: u32,
}

fn status_colour(s: u32) -> vec3<f32> {
    switch s {
        case 1u: { return vec3<f32>(0.30, 1.0, 0.45); }
        case 2u: { return vec3<f32>(1.0, 0.28, 0.22); }
        default: { return vec3<f32>(1.0, 1.0, 1.0); }
    }
}
