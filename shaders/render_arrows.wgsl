//! render_arrows: the quiver of gradient arrows on a regular grid of the plot.
//! Inputs: `view` (arrows: columns, rows, reference |∇f|, scale; arrow_sign: +1
//! ascent / −1 descent), the generated `f_grad` at each grid point.
//! Output: arrows (shaft + head) coloured by |∇f|, with a dark outline; a
//! tiny or non-finite gradient becomes a dot.
//! Draw: 9 vertices × (2 × columns × rows) instances; the first half are the
//! outlines, the second half the fills (instance order is draw order).

struct ArrowOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) colour: vec4<f32>,
    /// Pixel offset from the dot centre (dots only) and the dot radius; z < 0 for arrows.
    @location(1) dot: vec3<f32>,
}

@vertex
fn vs(@builtin(vertex_index) vi: u32, @builtin(instance_index) ii: u32) -> ArrowOut {
    let nx = u32(view.arrows.x);
    let ny = u32(view.arrows.y);
    let n = nx * ny;
    let outline = ii < n;
    let k = ii % n;
    let ix = k % nx;
    let iy = k / nx;
    let cell = view.plot.z / f32(nx);
    let c = view.plot.xy + vec2<f32>((f32(ix) + 0.5) * cell, (f32(iy) + 0.5) * view.plot.w / f32(ny));
    let p = from_pixel(c);
    let d = f_grad(p);
    let g = d.yz * view.arrow_sign;
    let mag = length(g);
    // Pixel-space direction (y grows downward on screen).
    let dir = normalize(vec2<f32>(g.x, -g.y));
    let rel = clamp(mag / view.arrows.z, 0.0, 1.0);
    let len = min(cell * 0.92 * view.arrows.w * sqrt(rel), cell * 0.98);
    let grow = select(0.0, 1.1, outline);
    var o: ArrowOut;
    let fill = mix(vec3<f32>(0.78, 0.80, 0.86), vec3<f32>(1.0, 1.0, 1.0), rel);
    o.colour = select(vec4<f32>(fill, 1.0), vec4<f32>(0.0, 0.0, 0.0, 0.75), outline);
    o.dot = vec3<f32>(0.0, 0.0, -1.0);
    var px: vec2<f32>;
    if (!(mag > 0.0) || !is_finite(mag) || len < 0.22 * cell) {
        // A dot: a square the fragment stage rounds.
        let r = 2.0 + grow;
        let corners = array<vec2<f32>, 6>(
            vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
            vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0));
        if (vi < 6u) {
            let off = corners[vi] * (r + 1.0);
            px = c + off;
            o.dot = vec3<f32>(off, r);
        } else {
            px = c;
        }
    } else {
        let nrm = vec2<f32>(-dir.y, dir.x);
        let head = clamp(0.4 * len, 4.0, 11.0);
        let shaft_w = 1.0 + grow;
        let tail = c - dir * (0.5 * len) - dir * grow;
        let neck = c + dir * (0.5 * len - head);
        let tip = c + dir * (0.5 * len + grow * 1.6);
        let hw = head * 0.55 + grow * 1.6;
        switch vi {
            case 0u: { px = tail - nrm * shaft_w; }
            case 1u: { px = neck - nrm * shaft_w; }
            case 2u: { px = neck + nrm * shaft_w; }
            case 3u: { px = tail - nrm * shaft_w; }
            case 4u: { px = neck + nrm * shaft_w; }
            case 5u: { px = tail + nrm * shaft_w; }
            case 6u: { px = neck - nrm * hw - dir * grow; }
            case 7u: { px = tip; }
            default: { px = neck + nrm * hw - dir * grow; }
        }
    }
    o.pos = pixel_to_clip(px);
    return o;
}

@fragment
fn fs(in: ArrowOut) -> @location(0) vec4<f32> {
    var a = in.colour.a;
    if (in.dot.z > 0.0) {
        a = a * clamp(in.dot.z + 0.5 - length(in.dot.xy), 0.0, 1.0);
    }
    if (a <= 0.0) {
        discard;
    }
    return vec4<f32>(in.colour.rgb, a);
}
