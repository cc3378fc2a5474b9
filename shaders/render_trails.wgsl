//! render_trails: each particle's trail as a fading polyline of screen-space
//! quads, from the engine's trail ring (function coordinates, so the trail
//! stays right under pan, zoom and camera moves), ending at the particle's
//! current position. Inputs: `view`, `chunk`, `particles`, `trails`.
//! Draw: 6 × trail_len vertices × chunk.count instances; segment k joins
//! trail point k and k + 1 (oldest first); unused segments collapse.

struct TrailOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) colour: vec4<f32>,
    /// Signed distance across the line in pixels, half width.
    @location(1) across: vec2<f32>,
    /// Function coordinates (3D: fragments outside the domain are dropped).
    @location(2) fp: vec2<f32>,
}

fn trail_point(ii: u32, k: u32, n: u32, newest: u32) -> vec2<f32> {
    let len = chunk.trail_len;
    if (k >= n) {
        return particles[ii].pos;
    }
    return trails[ii * len + (newest + len - (n - 1u - k)) % len];
}

@vertex
fn vs(@builtin(vertex_index) vi: u32, @builtin(instance_index) ii: u32) -> TrailOut {
    let seg = vi / 6u;
    let corner = vi % 6u;
    let p = particles[ii];
    let len = chunk.trail_len;
    let newest = p.steps / chunk.trail_stride;
    let n = min(newest + 1u, len);
    var o: TrailOut;
    o.colour = vec4<f32>(status_colour(p.status), 0.0);
    o.across = vec2<f32>(0.0, 1.0);
    // Points 0..n-1 come from the ring, point n is the current position.
    if (seg >= n) {
        o.pos = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return o;
    }
    let a = trail_point(ii, seg, n, newest);
    let b = trail_point(ii, seg + 1u, n, newest);
    let ca = project(a, 0.008);
    let cb = project(b, 0.008);
    let pa = clip_to_pixel(ca);
    let pb = clip_to_pixel(cb);
    var dir = pb - pa;
    if (length(dir) < 1e-4) {
        dir = vec2<f32>(1.0, 0.0);
    }
    dir = normalize(dir);
    let nrm = vec2<f32>(-dir.y, dir.x);
    let hw = 1.0;
    let side = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let at_b = array<bool, 6>(false, true, true, false, true, false);
    let s = side[corner] * (hw + 1.0);
    var c = select(ca, cb, at_b[corner]);
    o.fp = select(a, b, at_b[corner]);
    c = offset_clip(c, nrm * s);
    let age = f32(seg + 1u) / f32(n);
    o.colour = vec4<f32>(status_colour(p.status), 0.2 + 0.75 * age);
    o.across = vec2<f32>(s, hw);
    o.pos = c;
    if (!is_finite(a.x) || !is_finite(b.x) || !is_finite(a.y) || !is_finite(b.y)) {
        o.pos = vec4<f32>(2.0, 2.0, 2.0, 1.0);
    }
    return o;
}

@fragment
fn fs(in: TrailOut) -> @location(0) vec4<f32> {
    if (outside_3d(in.fp)) {
        discard;
    }
    let a = in.colour.a * clamp(in.across.y + 0.5 - abs(in.across.x), 0.0, 1.0);
    if (a <= 0.0) {
        discard;
    }
    return vec4<f32>(in.colour.rgb, a);
}
