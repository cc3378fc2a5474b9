//! layer_splat: particles and trails rasterised by a compute pass into
//! per-pixel id buffers that `layer_composite` turns into colour. One
//! invocation per particle and panel. Inputs (all in group 0: one bind group
//! per dispatch): `view` (the panel), `lu` (this panel's layer uniform), the engine's `particles` and trail ring.
//! Outputs:
//! - `proj`: the screen position (target pixels), clip depth and drawability
//!   of every trail sample and of the current position, per panel, so the
//!   composite needs no projection (and no f) of its own;
//! - `trail_px`: persistent; per pixel the newest trail segment over it
//!   (and, after width × height entries, how many segments pass through the
//!   pixel: the composite blends that many, as overlapping trails did),
//!   packed as (recency << 21) | (particle + 1). Only segments newer than
//!   `lu.from_sample` are written: a frame costs O(particles), not
//!   O(particles × trail length). The whole layer is rebuilt (cleared, then
//!   `from_sample` = 0) when the view moves, so trails stay right under pan,
//!   zoom and orbit;
//! - `head_px`, `dot_px`: cleared every frame; the segment from the newest
//!   sample to the current position, and the particle's disc (packed as
//!   (coverage × 255) << 21 | (particle + 1): the most covering disc wins).
//! Rust twin of `Layer`: `render::layers::LayerUniform`.

struct Layer {
    /// Clip rectangle in target pixels: x0, y0, x1, y1 (exclusive).
    clip: vec4<u32>,
    /// Panel origin in target pixels.
    origin: vec2<u32>,
    /// Target width, height.
    size: vec2<u32>,
    count: u32,
    trail_len: u32,
    trail_stride: u32,
    /// Which panel (slot in `proj`).
    panel: u32,
    /// Trail samples with index <= from_sample (and >= 1) are already in
    /// trail_px; u32 max: none is (rebuild).
    from_sample: u32,
    /// Recency origin: recency = sample - epoch, clamped to 0..2047.
    epoch: u32,
    /// 1: test depth against the background's (3D panels).
    depth_test: u32,
    /// Particle radius in pixels.
    radius: f32,
    /// Floats per row of `bg_depth`.
    depth_row: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(2) var<storage, read> lu: Layer;
@group(0) @binding(3) var<storage, read> particles: array<Particle>;
@group(0) @binding(4) var<storage, read> trails: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> proj: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> trail_px: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> head_px: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> dot_px: array<atomic<u32>>;
/// The background's depth, copied out of its depth texture row by row
/// (`lu.depth_row` floats per row) whenever the background is redrawn.
@group(0) @binding(9) var<storage, read> bg_depth: array<f32>;

const NONE: u32 = 0xffffffffu;
/// Side of the composite's tiles in pixels: every pixel written also marks
/// its tile, after the pixels (trail_px: after the ids and the counts;
/// head_px: after the heads, for heads and discs alike), so the composite
/// runs its per-pixel work only on tiles with something in them. Twin:
/// `render::layers::TILE` (and `TILE` in layer_composite.wgsl).
const TILE: u32 = 16u;
/// Half width of a trail line plus its half-pixel antialiasing fringe.
const TRAIL_REACH: f32 = 1.5;
/// Longest segment rasterised, in pixels (a bound on one invocation's work).
const MAX_SEGMENT_PX: f32 = 4096.0;

/// Target pixel, clip depth, 1 (drawable) or 0 (not finite, off the surface,
/// outside the domain in 3D) of a point in function coordinates.
fn screen(p: vec2<f32>, lift: f32) -> vec4<f32> {
    if (!is_finite(p.x) || !is_finite(p.y) || outside_3d(p)) {
        return vec4<f32>(0.0, 0.0, 0.0, 0.0);
    }
    let c = project(p, lift);
    if (c.w <= 0.0 || (c.x == 2.0 && c.y == 2.0 && c.z == 2.0 && c.w == 1.0)) {
        return vec4<f32>(0.0, 0.0, 0.0, 0.0);
    }
    let px = clip_to_pixel(c) + vec2<f32>(lu.origin);
    return vec4<f32>(px, c.z / c.w, 1.0);
}

/// Slot `slot` of particle ii in `proj`: 0..len the trail ring, len the
/// current position as trails lift it, len + 1 as points lift it.
fn proj_index(ii: u32, slot: u32) -> u32 {
    return (lu.panel * lu.count + ii) * (lu.trail_len + 2u) + slot;
}

/// Distance from q to the segment a–b.
fn seg_dist(q: vec2<f32>, a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    let d = b - a;
    let l2 = dot(d, d);
    let t = select(0.0, clamp(dot(q - a, d) / l2, 0.0, 1.0), l2 > 1e-12);
    return vec2<f32>(length(q - (a + d * t)), t);
}

/// Whether pixel `px` (target) may take a fragment at clip depth z.
fn visible(px: vec2<i32>, z: f32) -> bool {
    if (px.x < i32(lu.clip.x) || px.y < i32(lu.clip.y) || px.x >= i32(lu.clip.z) || px.y >= i32(lu.clip.w)) {
        return false;
    }
    if (lu.depth_test == 1u) {
        return z <= bg_depth[u32(px.y) * lu.depth_row + u32(px.x)];
    }
    return true;
}

fn pixel_index(px: vec2<i32>) -> u32 {
    return u32(px.y) * lu.size.x + u32(px.x);
}

/// The tile flag of pixel px: its index after the `skip` per-pixel entries.
fn tile_flag(px: vec2<i32>, skip: u32) -> u32 {
    let tiles_x = (lu.size.x + TILE - 1u) / TILE;
    return skip * lu.size.x * lu.size.y + (u32(px.y) / TILE) * tiles_x + u32(px.x) / TILE;
}

/// Writes `value` (atomicMax) into every pixel within TRAIL_REACH of a–b.
/// `head` picks the per-frame head buffer instead of the persistent one.
fn splat_segment(a: vec4<f32>, b: vec4<f32>, value: u32, head: bool) {
    if (a.w < 0.5 || b.w < 0.5) {
        return;
    }
    let d = b.xy - a.xy;
    let major = max(abs(d.x), abs(d.y));
    if (major > MAX_SEGMENT_PX) {
        return;
    }
    let n = u32(ceil(major)) + 1u;
    let along_x = abs(d.x) >= abs(d.y);
    for (var i = 0u; i <= n; i = i + 1u) {
        let t = f32(i) / f32(n);
        let c = a.xy + d * t;
        let z = mix(a.z, b.z, t);
        for (var k = -2; k <= 2; k = k + 1) {
            var px = vec2<i32>(floor(c));
            if (along_x) {
                px.y = px.y + k;
            } else {
                px.x = px.x + k;
            }
            let q = vec2<f32>(px) + vec2<f32>(0.5);
            if (seg_dist(q, a.xy, b.xy).x >= TRAIL_REACH || !visible(px, z)) {
                continue;
            }
            if (head) {
                atomicMax(&head_px[pixel_index(px)], value);
                atomicStore(&head_px[tile_flag(px, 1u)], 1u);
            } else {
                atomicMax(&trail_px[pixel_index(px)], value);
                atomicStore(&trail_px[tile_flag(px, 2u)], 1u);
            }
            // Counted once per segment: by the sample nearest along it.
            if (!head && i == u32(round(clamp(dot(q - a.xy, d) / max(dot(d, d), 1e-12), 0.0, 1.0) * f32(n)))) {
                atomicAdd(&trail_px[lu.size.x * lu.size.y + pixel_index(px)], 1u);
            }
        }
    }
}

@compute @workgroup_size(64)
fn splat(@builtin(global_invocation_id) gid: vec3<u32>) {
    let ii = gid.x;
    if (ii >= lu.count) {
        return;
    }
    let p = particles[ii];
    let tag = ii + 1u;
    let here = screen(p.pos, 0.008);
    if (lu.trail_len > 0u) {
        let len = lu.trail_len;
        let newest = p.steps / lu.trail_stride;
        let n = min(newest + 1u, len);
        let oldest = newest + 1u - n;
        var first = oldest;
        if (lu.from_sample != NONE) {
            first = max(oldest, lu.from_sample + 1u);
        }
        // Project the samples not projected yet, then splat their segments.
        for (var j = first; j <= newest; j = j + 1u) {
            proj[proj_index(ii, j % len)] = screen(trails[ii * len + j % len], 0.008);
        }
        proj[proj_index(ii, len)] = here;
        for (var j = max(first, oldest + 1u); j <= newest; j = j + 1u) {
            let recency = min(max(i32(j) - i32(lu.epoch), 0), 2047);
            let value = (u32(recency) << 21u) | tag;
            splat_segment(proj[proj_index(ii, (j - 1u) % len)], proj[proj_index(ii, j % len)], value, false);
        }
        splat_segment(proj[proj_index(ii, newest % len)], here, tag, true);
    }
    // The disc (points are lifted a little more than trails in 3D).
    let c = screen(p.pos, 0.012);
    proj[proj_index(ii, lu.trail_len + 1u)] = c;
    if (c.w < 0.5) {
        return;
    }
    let r = lu.radius;
    let reach = i32(ceil(min(r + 1.0, 64.0)));
    let centre = vec2<i32>(floor(c.xy));
    // Every pixel whose centre lies within r + 0.5 of c is in the square
    // centre ± reach; rows and each row's pixels are cut to that circle
    // (with 0.01 px of slack for rounding: the distance test below decides),
    // which halves the pixels visited for the default 7 px points.
    let outer = r + 0.5;
    let slack = outer + 0.01;
    let box_lo = max(centre - vec2<i32>(reach), vec2<i32>(0));
    let box_hi = min(centre + vec2<i32>(reach), vec2<i32>(lu.size) - vec2<i32>(1));
    if (any(box_lo > box_hi)) {
        return;
    }
    let row_lo = max(box_lo.y, i32(ceil(c.y - 0.5 - slack)));
    let row_hi = min(box_hi.y, i32(floor(c.y - 0.5 + slack)));
    for (var py = row_lo; py <= row_hi; py = py + 1) {
        let h = abs(f32(py) + 0.5 - c.y);
        let w = sqrt(max(slack * slack - h * h, 0.0));
        let lo = max(box_lo.x, i32(ceil(c.x - 0.5 - w)));
        let hi = min(box_hi.x, i32(floor(c.x - 0.5 + w)));
        for (var px_x = lo; px_x <= hi; px_x = px_x + 1) {
            let px = vec2<i32>(px_x, py);
            let q = vec2<f32>(px) + vec2<f32>(0.5);
            let d = length(q - c.xy);
            if (d >= outer || !visible(px, c.z)) {
                continue;
            }
            // The disc covering the pixel most wins (ties: the later
            // particle, drawn on top as instance order draws it).
            let cover = u32(clamp(r + 0.5 - d, 0.0, 1.0) * 255.0);
            atomicMax(&dot_px[pixel_index(px)], (cover << 21u) | tag);
        }
    }
    // The tiles the square touches (one or two each way at the default size).
    for (var ty = u32(box_lo.y) / TILE; ty <= u32(box_hi.y) / TILE; ty = ty + 1u) {
        for (var tx = u32(box_lo.x) / TILE; tx <= u32(box_hi.x) / TILE; tx = tx + 1u) {
            atomicStore(&head_px[tile_flag(vec2<i32>(vec2<u32>(tx, ty) * TILE), 1u)], 1u);
        }
    }
}
