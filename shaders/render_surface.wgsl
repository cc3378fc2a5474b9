//! render_surface: the lit 3D surface z = f(x, y) on a res × res grid mesh,
//! built in the vertex stage from the generated `f_grad` (height clipped to
//! the colour range, so huge values stay in the box), coloured by the
//! colormap with per-pixel contour lines of constant screen width; pixels
//! where f is not finite are discarded (a hole, not a plane).
//! Inputs: `view`, `cmap`, `mesh.res`. Draw: 6 × (res − 1)² vertices.

/// Rust twin: `render::surface::MeshUniform`.
struct Mesh {
    res: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(1) @binding(0) var<uniform> mesh: Mesh;

struct SurfOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) p: vec2<f32>,
    @location(1) world: vec3<f32>,
}

@vertex
fn vs(@builtin(vertex_index) vi: u32) -> SurfOut {
    let quad = vi / 6u;
    let corner = vi % 6u;
    let n = mesh.res - 1u;
    let qi = quad % n;
    let qj = quad / n;
    let di = array<u32, 6>(0u, 1u, 1u, 0u, 1u, 0u);
    let dj = array<u32, 6>(0u, 0u, 1u, 0u, 1u, 1u);
    let i = qi + di[corner];
    let j = qj + dj[corner];
    let u = vec2<f32>(f32(i), f32(j)) / f32(n);
    let p = vec2<f32>(mix(view.domain.x, view.domain.y, u.x), mix(view.domain.z, view.domain.w, u.y));
    let w = world_of(p, height(f_grad(p).x));
    var o: SurfOut;
    o.pos = view.view_proj * vec4<f32>(w, 1.0);
    o.p = p;
    o.world = w;
    return o;
}

@fragment
fn fs(in: SurfOut) -> @location(0) vec4<f32> {
    let d = f_grad(in.p);
    let t = colour_t(d.x);
    let cs = contour_scaled(d.x);
    // Screen-space change of the contour variable, for constant-width lines:
    // the chain rule through the exact gradient and the interpolated p
    // (d cs / d screen = cs' · ∇f · dp/d screen), not fwidth(cs.x): lavapipe
    // leaves helper invocations out of the interpreter's loop (see
    // src/expr/interp.rs), so a derivative of f itself would read garbage
    // from the 2×2 quad's helper lanes.
    let px = dpdx(in.p);
    let py = dpdy(in.p);
    let ds = abs(cs.y) * (abs(dot(d.yz, px)) + abs(dot(d.yz, py)));
    // No surface where f is undefined: those cells are left out of the mesh
    // (the 2D map paints them in the non-finite colour instead).
    if (!is_finite(d.x)) {
        discard;
    }
    // Normal of the height field z = h(f(x, y)); flat where the height is clipped.
    let sc = scaled(d.x, view.log_scale != 0u);
    var slope = view.world.w / (view.range.y - view.range.x) * sc.y / view.world.z;
    if (t < -0.02 || t > 1.02) {
        slope = 0.0;
    }
    // An infinite derivative (the rim of sqrt) gets a vertical normal's limit.
    var g = vec2<f32>(d.y, d.z);
    if (!is_finite(g.x) || !is_finite(g.y)) {
        g = vec2<f32>(0.0);
        slope = 0.0;
    }
    var nrm = normalize(vec3<f32>(-g.x * slope, -g.y * slope, 1.0));
    let to_eye = normalize(view.eye.xyz - in.world);
    if (dot(nrm, to_eye) < 0.0) {
        nrm = -nrm;
    }
    let light = normalize(vec3<f32>(-0.4, -0.6, 1.0) + 0.5 * to_eye);
    let diffuse = max(dot(nrm, light), 0.0);
    let h = normalize(light + to_eye);
    let spec = pow(max(dot(nrm, h), 0.0), 48.0) * 0.18;
    var col = colormap(t).rgb * (0.38 + 0.68 * diffuse) + vec3<f32>(spec);
    let a = contour_coverage(cs.x, max(ds, 1e-30)) * view.contour.w;
    col = mix(col, line_colour(t), a);
    return vec4<f32>(clamp(col, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
}
