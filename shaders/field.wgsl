//! field: f, ∇f and |∇f| on a regular grid (one tile of rows).
//! Inputs: `params` (grid origin and step, width, rows in this tile, first row).
//! Outputs: `out[i + row·width] = vec4(f, fx, fy, |∇f|)` for the tile's rows.
//! Dispatch: (ceil(width / 64), rows, 1) workgroups of 64.
//! Prepended at run time: the generated function (`f_grad`, …) and its prelude.

struct FieldParams {
    origin: vec2<f32>,
    step: vec2<f32>,
    width: u32,
    rows: u32,
    row_offset: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: FieldParams;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let r = id.y;
    if (i >= params.width || r >= params.rows) {
        return;
    }
    let p = params.origin + vec2<f32>(f32(i), f32(r + params.row_offset)) * params.step;
    let v = f_grad(p);
    out[i + r * params.width] = vec4<f32>(v.x, v.y, v.z, length(v.yz));
}
