//! render_markers: critical points as outlined symbols: minimum a ring,
//! maximum a diamond, saddle a cross, degenerate a square. Inputs: `view`,
//! `markers` (x, y, kind id, unused). Draw: 6 vertices × marker count.

@group(1) @binding(0) var<storage, read> markers: array<vec4<f32>>;

struct MarkerOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) local: vec2<f32>,
    @location(1) @interpolate(flat) kind: u32,
}

const MARKER_R: f32 = 8.0;

@vertex
fn vs(@builtin(vertex_index) vi: u32, @builtin(instance_index) ii: u32) -> MarkerOut {
    let m = markers[ii];
    let corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0));
    let off = corners[vi] * (MARKER_R + 3.0);
    var o: MarkerOut;
    o.local = off;
    o.kind = u32(m.z);
    o.pos = offset_clip(project(m.xy, 0.02), off);
    return o;
}

/// Signed distance (pixels) to the symbol's stroke centre line.
fn symbol(q: vec2<f32>, kind: u32) -> f32 {
    switch kind {
        // minimum: circle
        case 1u: { return abs(length(q) - MARKER_R * 0.8); }
        // maximum: diamond
        case 2u: { return abs((abs(q.x) + abs(q.y)) * 0.7071 - MARKER_R * 0.75); }
        // saddle: cross of the diagonals
        case 3u: {
            let a = abs(q.x - q.y) * 0.7071;
            let b = abs(q.x + q.y) * 0.7071;
            return select(1e3, min(a, b), max(abs(q.x), abs(q.y)) < MARKER_R * 0.8);
        }
        default: { return abs(max(abs(q.x), abs(q.y)) - MARKER_R * 0.7); }
    }
}

@fragment
fn fs(in: MarkerOut) -> @location(0) vec4<f32> {
    let d = symbol(in.local, in.kind);
    let outer = clamp(2.6 + 0.5 - d, 0.0, 1.0);
    let inner = clamp(1.2 + 0.5 - d, 0.0, 1.0);
    if (outer <= 0.0) {
        discard;
    }
    let c = mix(vec3<f32>(0.0), vec3<f32>(1.0, 0.92, 0.35), inner);
    return vec4<f32>(c, outer);
}
