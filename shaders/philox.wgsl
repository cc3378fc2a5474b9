//! Philox4x32-10 and Box–Muller normals. CPU twin: `src/cpu/philox.rs` (same
//! constants, rounds and bit manipulation; Box–Muller here in f32).
//! Composed before `particles.wgsl`, which calls `gauss2` only when NOISE is on.

/// (hi, lo) of the 64-bit product a·b, from 16-bit halves (WGSL has no 64-bit integers).
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox4x32_10(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = ctr;
    var k = key;
    for (var r = 0u; r < 10u; r++) {
        if (r > 0u) {
            k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        let x0 = philox_mulhilo(0xD2511F53u, c.x);
        let x1 = philox_mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(x1.x ^ c.y ^ k.x, x1.y, x0.x ^ c.w ^ k.y, x0.y);
    }
    return c;
}

/// Two N(0, 1) numbers for particle `index` at step `step` with key `key`
/// (the seed's low and high words): `philox::gauss2` of the CPU twin.
fn gauss2(key: vec2<u32>, index: u32, step: u32) -> vec2<f32> {
    let w = philox4x32_10(vec4<u32>(step, index, 0u, 0u), key);
    let u1 = (f32(w.x >> 8u) + 1.0) * (1.0 / 16777216.0);
    let u2 = f32(w.y >> 8u) * (1.0 / 16777216.0);
    let r = sqrt(-2.0 * log(u1));
    let th = 6.283185307179586 * u2;
    return r * vec2<f32>(cos(th), sin(th));
}
