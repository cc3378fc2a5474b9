//! render_particles: particles as round points read straight from one chunk
//! of the particle engine's state buffer. Inputs: `view`, `chunk` (count),
//! `particles` (the engine's `Particle` array). Output: discs coloured by
//! status (running, converged, diverged) with a dark rim, lifted onto the
//! surface in 3D. Draw: 6 vertices × chunk.count instances.

struct PointOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) colour: vec3<f32>,
    /// Offset from the centre in pixels, radius.
    @location(1) local: vec3<f32>,
    @location(2) @interpolate(flat) fp: vec2<f32>,
}

@vertex
fn vs(@builtin(vertex_index) vi: u32, @builtin(instance_index) ii: u32) -> PointOut {
    let p = particles[ii];
    let r = view.particle_size * 0.5;
    let corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0));
    let off = corners[vi] * (r + 1.0);
    var o: PointOut;
    o.colour = status_colour(p.status);
    o.local = vec3<f32>(off, r);
    o.fp = p.pos;
    if (!is_finite(p.pos.x) || !is_finite(p.pos.y)) {
        o.pos = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return o;
    }
    o.pos = offset_clip(project(p.pos, 0.012), off);
    return o;
}

@fragment
fn fs(in: PointOut) -> @location(0) vec4<f32> {
    if (outside_3d(in.fp)) {
        discard;
    }
    let d = length(in.local.xy);
    let r = in.local.z;
    let cover = clamp(r + 0.5 - d, 0.0, 1.0);
    if (cover <= 0.0) {
        discard;
    }
    // A 1.3 px dark rim keeps the point visible on any colour.
    let inner = clamp(r - 1.3 + 0.5 - d, 0.0, 1.0);
    return vec4<f32>(mix(vec3<f32>(0.05, 0.05, 0.07), in.colour, inner), cover);
}
