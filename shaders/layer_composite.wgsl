//! layer_composite: one full-target pass that puts the frame together: the
//! cached background (map, arrows, surface, markers) with the trails, heads
//! and discs that `layer_splat` left as particle ids in per-pixel buffers.
//! Colour and coverage are computed here, from the particle's current state
//! and the screen positions `layer_splat` cached in `proj`, so a trail fades
//! along its length and takes its particle's status colour exactly as the
//! vertex path (render_trails.wgsl) draws it. Expression-independent: a new
//! function needs no new composite shader. Rust twin of `Comp`:
//! `render::layers::CompositeUniform`.

struct Comp {
    /// Clip rectangles of up to two panels, target pixels x0, y0, x1, y1.
    clip: array<vec4<u32>, 2>,
    size: vec2<u32>,
    panels: u32,
    count: u32,
    trail_len: u32,
    trail_stride: u32,
    epoch: u32,
    radius: f32,
}

@group(0) @binding(0) var<uniform> cu: Comp;
@group(0) @binding(1) var background: texture_2d<f32>;
@group(0) @binding(2) var<storage, read> particles: array<Particle>;
@group(0) @binding(3) var<storage, read> proj: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> trail_px: array<u32>;
@group(0) @binding(5) var<storage, read> head_px: array<u32>;
@group(0) @binding(6) var<storage, read> dot_px: array<u32>;

const ID_MASK: u32 = 0x1fffffu;
/// Trail half width (1 px) plus the half-pixel antialiasing fringe.
const TRAIL_REACH: f32 = 1.5;

/// Tile side in pixels; twin of `TILE` in layer_splat.wgsl.
const TILE: u32 = 16u;

/// The full-target triangle of the background draw.
@vertex
fn vs(@builtin(vertex_index) vi: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((vi << 1u) & 2u), f32(vi & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

/// The background alone: what `fs` returns where no particle left an id.
@fragment
fn fs_background(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    return textureLoad(background, vec2<i32>(frag.xy), 0);
}

/// One quad (a 4-vertex strip) per tile, instance = tile in row order; a
/// tile no particle wrote into collapses to a point and costs no fragment.
/// The software rasteriser runs every branch of a fragment shader for every
/// pixel, so `fs` only runs where the splat marked a tile.
@vertex
fn vs_tile(@builtin(vertex_index) vi: u32, @builtin(instance_index) t: u32) -> @builtin(position) vec4<f32> {
    let wh = cu.size.x * cu.size.y;
    if ((trail_px[2u * wh + t] | head_px[wh + t]) == 0u) {
        return vec4<f32>(2.0, 2.0, 0.0, 1.0);
    }
    let tiles_x = (cu.size.x + TILE - 1u) / TILE;
    let corner = vec2<u32>(vi & 1u, vi >> 1u);
    let px = min((vec2<u32>(t % tiles_x, t / tiles_x) + corner) * TILE, cu.size);
    let ndc = vec2<f32>(px) / vec2<f32>(cu.size) * 2.0 - 1.0;
    return vec4<f32>(ndc.x, -ndc.y, 0.0, 1.0);
}

fn slot(panel: u32, ii: u32, s: u32) -> vec4<f32> {
    return proj[(panel * cu.count + ii) * (cu.trail_len + 2u) + s];
}

/// Alpha of trail segment j (ring samples j - 1 → j; j == newest + 1 is the
/// head, newest sample → current position) of particle ii at pixel centre q:
/// (coverage × the fade of render_trails.wgsl, 0.2 at the oldest point to
/// 0.95 at the current position, interpolated along the segment; coverage).
fn segment_alpha(panel: u32, ii: u32, j: u32, oldest: u32, newest: u32, q: vec2<f32>) -> vec2<f32> {
    let len = cu.trail_len;
    let a = slot(panel, ii, (j - 1u) % len);
    var b: vec4<f32>;
    if (j > newest) {
        b = slot(panel, ii, len);
    } else {
        b = slot(panel, ii, j % len);
    }
    if (a.w < 0.5 || b.w < 0.5) {
        return vec2<f32>(0.0);
    }
    let d = b.xy - a.xy;
    let l2 = dot(d, d);
    let t = select(0.0, clamp(dot(q - a.xy, d) / l2, 0.0, 1.0), l2 > 1e-12);
    let dist = length(q - (a.xy + d * t));
    let cover = clamp(TRAIL_REACH - dist, 0.0, 1.0);
    let n = f32(newest + 1u - oldest);
    let k = f32(j - 1u - oldest) + t;
    return vec2<f32>(cover * (0.2 + 0.75 * k / n), cover);
}

fn blend(dst: vec3<f32>, src: vec3<f32>, a: f32) -> vec3<f32> {
    return src * a + dst * (1.0 - a);
}

@fragment
fn fs(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let px = vec2<u32>(frag.xy);
    let bg = textureLoad(background, vec2<i32>(px), 0);
    var panel = 2u;
    for (var k = 0u; k < cu.panels; k = k + 1u) {
        let c = cu.clip[k];
        if (px.x >= c.x && px.y >= c.y && px.x < c.z && px.y < c.w) {
            panel = k;
        }
    }
    if (panel == 2u) {
        return bg;
    }
    let idx = px.y * cu.size.x + px.x;
    let q = vec2<f32>(px) + vec2<f32>(0.5);
    var rgb = bg.rgb;
    if (cu.trail_len > 0u) {
        // The newest trail segment over this pixel, and the head segment.
        let tv = trail_px[idx];
        let hv = head_px[idx];
        var tid = 0xffffffffu;
        var ta = 0.0;
        if (tv != 0u && (tv & ID_MASK) <= cu.count) {
            tid = (tv & ID_MASK) - 1u;
            // Only the fields needed (a whole Particle is ten loads).
            let newest = particles[tid].steps / cu.trail_stride;
            let oldest = newest + 1u - min(newest + 1u, cu.trail_len);
            // The splat's recency names the newest of this particle's
            // segments over the pixel, unless it was clamped to 0: samples
            // older than the layer's epoch (a particle that stopped before
            // the layer was last rebuilt) all carry recency 0; then look at
            // every segment in the ring. Otherwise, once the ring has moved
            // past the named segment, none of the particle's segments still
            // in the ring covers the pixel (a newer one would have won the
            // splat's atomicMax, and the splat marks exactly the pixels where
            // the coverage below is > 0), so there is nothing to search: in
            // a software rasteriser a loop costs every lane its longest trip.
            let recency = tv >> 21u;
            let guess = recency + cu.epoch;
            if (guess >= oldest + 1u && guess <= newest) {
                let named = segment_alpha(panel, tid, guess, oldest, newest, q);
                ta = named.x;
                // Inside the line the named segment decides; at its edge a
                // neighbour may cover more (a round join).
                if (named.y < 1.0) {
                    if (guess > oldest + 1u) {
                        ta = max(ta, segment_alpha(panel, tid, guess - 1u, oldest, newest, q).x);
                    }
                    if (guess < newest) {
                        ta = max(ta, segment_alpha(panel, tid, guess + 1u, oldest, newest, q).x);
                    }
                }
            } else if (recency == 0u) {
                for (var j = oldest + 1u; j <= newest; j = j + 1u) {
                    ta = max(ta, segment_alpha(panel, tid, j, oldest, newest, q).x);
                }
            }
            if (hv == tid + 1u) {
                // The same particle's head: one line, not two blended.
                ta = max(ta, segment_alpha(panel, tid, newest + 1u, oldest, newest, q).x);
            }
            // Where m trails (or folds of one) overlap, blend m layers of
            // the newest one's alpha, as drawing each of them did.
            let m = clamp(trail_px[cu.size.x * cu.size.y + idx], 1u, 16u);
            ta = 1.0 - pow(1.0 - ta, f32(m));
            rgb = blend(rgb, status_colour(particles[tid].status), ta);
        }
        if (hv != 0u && hv != tid + 1u && hv <= cu.count) {
            let hid = hv - 1u;
            let newest = particles[hid].steps / cu.trail_stride;
            let oldest = newest + 1u - min(newest + 1u, cu.trail_len);
            let ha = segment_alpha(panel, hid, newest + 1u, oldest, newest, q).x;
            rgb = blend(rgb, status_colour(particles[hid].status), ha);
        }
    }
    let dv = dot_px[idx] & ID_MASK;
    if (dv != 0u && dv <= cu.count) {
        let id = dv - 1u;
        let c = slot(panel, id, cu.trail_len + 1u);
        let d = length(q - c.xy);
        let r = cu.radius;
        let cover = clamp(r + 0.5 - d, 0.0, 1.0);
        // A 1.3 px dark rim keeps the point visible on any colour.
        let inner = clamp(r - 1.3 + 0.5 - d, 0.0, 1.0);
        let colour = mix(vec3<f32>(0.05, 0.05, 0.07), status_colour(particles[id].status), inner);
        rgb = blend(rgb, colour, cover);
    }
    return vec4<f32>(rgb, bg.a);
}
