//! viewer_blit: the scene texture onto the window, texel for texel. The
//! viewport is the scene's rectangle (the same size as the texture), so
//! nearest sampling at pixel centres copies each texel unchanged. No
//! uniforms: nothing for the driver to specialise per frame.

@group(0) @binding(0) var scene: texture_2d<f32>;
@group(0) @binding(1) var nearest: sampler;

struct Out {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs(@builtin(vertex_index) vi: u32) -> Out {
    let uv = vec2<f32>(f32((vi << 1u) & 2u), f32(vi & 2u));
    var o: Out;
    o.pos = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    o.uv = uv;
    return o;
}

@fragment
fn fs(in: Out) -> @location(0) vec4<f32> {
    return vec4<f32>(textureSample(scene, nearest, in.uv).rgb, 1.0);
}
