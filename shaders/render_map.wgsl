//! render_map: the 2D heatmap and contour lines, per pixel. Inputs: `view`,
//! `cmap`, the generated `f_grad` (one call per pixel). Output: colour of each
//! pixel of the plot rectangle (pixels outside it are discarded).
//! Draw: one full-panel triangle (3 vertices).

struct MapOut {
    @builtin(position) pos: vec4<f32>,
}

@vertex
fn vs(@builtin(vertex_index) i: u32) -> MapOut {
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    var o: MapOut;
    o.pos = vec4<f32>(uv * 2.0 - 1.0, 0.5, 1.0);
    return o;
}

@fragment
fn fs(in: MapOut) -> @location(0) vec4<f32> {
    let local = in.pos.xy - view.panel.xy;
    let u = (local - view.plot.xy) / view.plot.zw;
    if (u.x < 0.0 || u.y < 0.0 || u.x > 1.0 || u.y > 1.0) {
        discard;
    }
    let p = from_pixel(local);
    let d = f_grad(p);
    if (!is_finite(d.x) || !is_finite(d.y) || !is_finite(d.z)) {
        return view.nonfinite;
    }
    let t = colour_t(d.x);
    var col = view.background.rgb;
    if (view.contour_mode.w > 0.5) {
        col = colormap(t).rgb;
    }
    // |∇f| in f units per pixel: the plot keeps the domain's aspect, so one scale.
    let per_px = (view.domain.y - view.domain.x) / view.plot.z;
    let cs = contour_scaled(d.x);
    let ds = cs.y * length(d.yz) * per_px;
    let a = contour_coverage(cs.x, ds) * view.contour.w;
    col = mix(col, line_colour(t), a);
    return vec4<f32>(col, 1.0);
}
