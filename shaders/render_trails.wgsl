//! render_trails: each particle's trail as one fading polyline, drawn as a
//! screen-space triangle strip with mitred joins, from the engine's trail
//! ring (function coordinates, so the trail stays right under pan, zoom and
//! camera moves), ending at the particle's current position.
//! Inputs: `view`, `chunk`, `particles`, `trails`.
//! Draw: TriangleStrip, 2 × (trail_len + 1) vertices × chunk.count instances
//! (one strip per particle). Vertices 2k and 2k + 1 are the two sides of
//! trail point k (oldest first; point n is the current position); points past
//! the current position, and non-finite points (or, in 3D, points where f is
//! not finite), collapse onto the last drawable point with zero width, so
//! their triangles have no area and cost nothing to rasterise. Compared with
//! one quad per segment this shades 2.8× fewer vertices (llvmpipe runs the
//! vertex stage on one thread) and blends no pixel twice at a join.

struct TrailOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) colour: vec4<f32>,
    /// Signed distance across the line in pixels, half width.
    @location(1) across: vec2<f32>,
    /// Function coordinates (3D: fragments outside the domain are dropped).
    @location(2) fp: vec2<f32>,
}

/// Trail point k of particle ii (oldest first) when the ring holds n points
/// and `newest` is the ring index of the newest; k >= n is the current position.
fn trail_point(ii: u32, k: u32, n: u32, newest: u32) -> vec2<f32> {
    let len = chunk.trail_len;
    if (k >= n) {
        return particles[ii].pos;
    }
    return trails[ii * len + (newest + len - (n - 1u - k)) % len];
}

/// Clip position of a trail point (lifted onto the surface in 3D); w < 0 when
/// the point cannot be drawn (not finite, or f not finite there in 3D).
fn trail_clip(p: vec2<f32>) -> vec4<f32> {
    if (!is_finite(p.x) || !is_finite(p.y)) {
        return vec4<f32>(0.0, 0.0, 0.0, -1.0);
    }
    let c = project(p, 0.008);
    if (c.x == 2.0 && c.y == 2.0 && c.z == 2.0 && c.w == 1.0) {
        // project's marker for "f not finite here" (3D).
        return vec4<f32>(0.0, 0.0, 0.0, -1.0);
    }
    return c;
}

/// Unit direction from pixel a to pixel b, or zero when they coincide.
fn unit_or_zero(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    let d = b - a;
    let l = length(d);
    return select(vec2<f32>(0.0), d / l, l > 1e-4);
}

@vertex
fn vs(@builtin(vertex_index) vi: u32, @builtin(instance_index) ii: u32) -> TrailOut {
    let p = particles[ii];
    let newest = p.steps / chunk.trail_stride;
    // Points 0..n-1 come from the ring, point n is the current position.
    let n = min(newest + 1u, chunk.trail_len);
    let want = vi / 2u;
    let side = select(-1.0, 1.0, (vi & 1u) == 1u);
    var o: TrailOut;
    o.colour = vec4<f32>(status_colour(p.status), 0.0);
    o.across = vec2<f32>(0.0, 1.0);
    o.fp = p.pos;
    // The point this vertex sits on: past the end or undrawable points fall
    // back to the last drawable one before them, with zero width.
    var k = min(want, n);
    var a = trail_point(ii, k, n, newest);
    var ca = trail_clip(a);
    var width = select(1.0, 0.0, want > n);
    loop {
        if (ca.w > 0.0 || k == 0u) {
            break;
        }
        width = 0.0;
        k = k - 1u;
        a = trail_point(ii, k, n, newest);
        ca = trail_clip(a);
    }
    if (ca.w <= 0.0) {
        o.pos = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return o;
    }
    let pa = clip_to_pixel(ca);
    // Directions of the segments into and out of this point (zero where
    // there is none or it cannot be drawn); the join is mitred along their
    // bisector, the miter at most twice the half width.
    var d_in = vec2<f32>(0.0);
    var d_out = vec2<f32>(0.0);
    if (k > 0u) {
        let cp = trail_clip(trail_point(ii, k - 1u, n, newest));
        if (cp.w > 0.0) {
            d_in = unit_or_zero(clip_to_pixel(cp), pa);
        }
    }
    if (k < n) {
        let cn = trail_clip(trail_point(ii, k + 1u, n, newest));
        if (cn.w > 0.0) {
            d_out = unit_or_zero(pa, clip_to_pixel(cn));
        }
    }
    var t = d_in + d_out;
    if (dot(t, t) < 1e-6) {
        // An end, or a full reversal: follow whichever segment exists.
        t = select(d_out, d_in, dot(d_in, d_in) > 0.5);
        if (dot(t, t) < 0.5) {
            t = vec2<f32>(1.0, 0.0);
        }
    }
    t = normalize(t);
    let nrm = vec2<f32>(-t.y, t.x);
    let d_ref = select(d_out, d_in, dot(d_in, d_in) > 0.5);
    let cos_half = select(1.0, abs(dot(t, d_ref)), dot(d_ref, d_ref) > 0.5);
    let miter = 1.0 / max(cos_half, 0.5);
    let hw = 1.0;
    // Coverage reaches zero 0.5 px past the half width.
    let s = side * (hw + 0.5) * width;
    o.pos = offset_clip(ca, nrm * s * miter);
    o.fp = a;
    o.colour = vec4<f32>(status_colour(p.status), 0.2 + 0.75 * f32(k) / f32(max(n, 1u)));
    o.across = vec2<f32>(s, hw);
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
