//! render_common: the view uniform and helpers every render pass shares
//! (prepended after the generated `f_grad`). Inputs: `view` (panel, plot
//! rectangle, domain, colour and contour scaling, 3D camera) and `cmap` (the
//! 256-entry colormap, RGBA in [0, 1]). Rust twin: `render::ViewUniform`.

struct View {
    view_proj: mat4x4<f32>,
    /// Panel origin and size in target pixels.
    panel: vec4<f32>,
    /// Plot rectangle inside the panel, in panel pixels (x, y, w, h).
    plot: vec4<f32>,
    /// xmin, xmax, ymin, ymax.
    domain: vec4<f32>,
    /// 3D: centre x, centre y, 1 / half-extent, z scale.
    world: vec4<f32>,
    /// Colour range lo, hi (scaled units), fmin and eps of the log scale.
    range: vec4<f32>,
    /// Contours: first level, step (contour-scaled units), width px, opacity.
    contour: vec4<f32>,
    /// Contours: scale (0 linear, 1 log), level count, explicit level count; w: heatmap shown (1) or background (0).
    contour_mode: vec4<f32>,
    /// Camera position in world units (3D), w unused.
    eye: vec4<f32>,
    nonfinite: vec4<f32>,
    background: vec4<f32>,
    /// Arrows: columns, rows, reference |∇f|, length scale.
    arrows: vec4<f32>,
    /// 1 for a 3D panel, 0 for a 2D one.
    three_d: u32,
    /// 1 when colours follow a log scale of f, 0 for linear.
    log_scale: u32,
    /// +1 when the arrows point along ∇f (ascent), -1 against it.
    arrow_sign: f32,
    /// Particle sprite diameter in pixels.
    particle_size: f32,
    /// Explicit contour levels in contour-scaled units, 4 per entry.
    levels: array<vec4<f32>, 16>,
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<uniform> cmap: array<vec4<f32>, 256>;

fn is_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

/// f in colour-scaled units and d(scaled)/df.
fn scaled(f: f32, log_mode: bool) -> vec2<f32> {
    if (log_mode) {
        let a = max(f - view.range.z, 0.0) + view.range.w;
        return vec2<f32>(log2(a) * 0.30102999566, 0.4342944819 / a);
    }
    return vec2<f32>(f, 1.0);
}

/// Position in [0, 1] of the colour range (unclamped).
fn colour_t(f: f32) -> f32 {
    let s = scaled(f, view.log_scale != 0u).x;
    return (s - view.range.x) / (view.range.y - view.range.x);
}

fn colormap(t: f32) -> vec4<f32> {
    let i = u32(floor(clamp(t, 0.0, 1.0) * 255.0 + 0.5));
    return cmap[min(i, 255u)];
}

/// Coverage in [0, 1] of the nearest contour line, given the contour-scaled
/// value s and its change per pixel ds (> 0).
fn contour_coverage(s: f32, ds: f32) -> f32 {
    let n_explicit = u32(view.contour_mode.z);
    var dist = 1e30;
    if (n_explicit > 0u) {
        for (var i = 0u; i < n_explicit; i = i + 1u) {
            dist = min(dist, abs(s - view.levels[i / 4u][i % 4u]));
        }
    } else {
        let n = view.contour_mode.y;
        if (n < 0.5) {
            return 0.0;
        }
        let k = clamp(round((s - view.contour.x) / view.contour.y), 0.0, n - 1.0);
        dist = abs(s - (view.contour.x + k * view.contour.y));
    }
    let px = dist / max(ds, 1e-30);
    return clamp(0.5 * view.contour.z + 0.5 - px, 0.0, 1.0);
}

/// Contour-scaled value and its derivative.
fn contour_scaled(f: f32) -> vec2<f32> {
    return scaled(f, view.contour_mode.x > 0.5);
}

/// Line colour that stands out on the colormap at t.
fn line_colour(t: f32) -> vec3<f32> {
    var c = colormap(t).rgb;
    if (view.contour_mode.w < 0.5) {
        // No heatmap under the line: contrast with the background.
        c = view.background.rgb;
    }
    let l = dot(c, vec3<f32>(0.2126, 0.7152, 0.0722));
    return select(vec3<f32>(1.0), vec3<f32>(0.0), l > 0.55);
}

/// Panel pixel of a point in function coordinates (2D).
fn to_pixel(p: vec2<f32>) -> vec2<f32> {
    let u = (p.x - view.domain.x) / (view.domain.y - view.domain.x);
    let v = (view.domain.w - p.y) / (view.domain.w - view.domain.z);
    return view.plot.xy + vec2<f32>(u, v) * view.plot.zw;
}

/// Function coordinates of a panel pixel (2D).
fn from_pixel(px: vec2<f32>) -> vec2<f32> {
    let u = (px - view.plot.xy) / view.plot.zw;
    return vec2<f32>(mix(view.domain.x, view.domain.y, u.x), mix(view.domain.w, view.domain.z, u.y));
}

fn pixel_to_clip(px: vec2<f32>) -> vec4<f32> {
    let ndc = vec2<f32>(px.x / view.panel.z * 2.0 - 1.0, 1.0 - px.y / view.panel.w * 2.0);
    return vec4<f32>(ndc, 0.5, 1.0);
}

/// Height of the surface over p (world units), clipped to the colour range.
fn height(f: f32) -> f32 {
    var t = colour_t(f);
    if (!is_finite(t)) {
        t = 0.0;
    }
    return view.world.w * (clamp(t, -0.02, 1.02) - 0.5);
}

fn world_of(p: vec2<f32>, z: f32) -> vec3<f32> {
    return vec3<f32>((p - view.world.xy) * view.world.z, z);
}

/// Clip position of a point in function coordinates: the plot in 2D, on the
/// surface (lifted by `lift` world units) in 3D; outside the clip volume in
/// 3D where f is not finite.
fn project(p: vec2<f32>, lift: f32) -> vec4<f32> {
    if (view.three_d == 0u) {
        return pixel_to_clip(to_pixel(p));
    }
    let f = f_grad(p).x;
    if (!is_finite(f)) {
        // Off the surface (f undefined there): outside the clip volume, so
        // points, trails and arrows there are dropped, not drawn on a floor.
        return vec4<f32>(2.0, 2.0, 2.0, 1.0);
    }
    let z = height(f) + lift;
    return view.view_proj * vec4<f32>(world_of(p, z), 1.0);
}

/// Moves a clip position by `off` panel pixels (screen-space sprites and lines).
fn offset_clip(c: vec4<f32>, off: vec2<f32>) -> vec4<f32> {
    let d = vec2<f32>(off.x / view.panel.z * 2.0, -off.y / view.panel.w * 2.0) * c.w;
    return vec4<f32>(c.xy + d, c.z, c.w);
}

fn clip_to_pixel(c: vec4<f32>) -> vec2<f32> {
    let ndc = c.xy / c.w;
    return vec2<f32>((ndc.x + 1.0) * 0.5 * view.panel.z, (1.0 - ndc.y) * 0.5 * view.panel.w);
}

/// True in 3D for points outside the domain: the surface ends there, so
/// particles and trails that left it are not drawn floating in space.
fn outside_3d(p: vec2<f32>) -> bool {
    if (view.three_d == 0u) {
        return false;
    }
    return p.x < view.domain.x || p.x > view.domain.y || p.y < view.domain.z || p.y > view.domain.w;
}
