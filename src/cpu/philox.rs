//! Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as
//! easy as 1, 2, 3", SC 2011) and the Box–Muller normals drawn from it.
//! WGSL twin: `shaders/philox.wgsl` (same constants, same rounds, same bit
//! manipulation; the GPU does the Box–Muller transform in f32, this file in f64).
//!
//! A counter-based generator: the numbers are a pure function of (counter,
//! key), so a particle's noise at a step needs no state, the GPU and the CPU
//! draw the same numbers, and particles are independent. The particle loop uses
//! counter = (step, particle index, 0, 0) and key = the seed's two 32-bit halves.

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// (hi, lo) of the 64-bit product.
#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32 with 10 rounds.
pub fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = ctr;
    let mut k = key;
    for r in 0..10 {
        if r > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// The key for a seed: its low and high 32 bits.
pub fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// Two independent N(0, 1) numbers for particle `index` at step `step`:
/// Box–Muller on the first two words, u₁ = (w₀ >> 8 + 1)/2²⁴ ∈ (0, 1] (never
/// 0, so ln u₁ is finite), u₂ = (w₁ >> 8)/2²⁴ ∈ [0, 1); z = √(−2 ln u₁)·(cos 2πu₂, sin 2πu₂).
pub fn gauss2(seed: u64, index: u32, step: u32) -> [f64; 2] {
    let w = philox4x32_10([step, index, 0, 0], key(seed));
    let u1 = ((w[0] >> 8) as f64 + 1.0) * (1.0 / 16_777_216.0);
    let u2 = (w[1] >> 8) as f64 * (1.0 / 16_777_216.0);
    let r = (-2.0 * u1.ln()).sqrt();
    let th = std::f64::consts::TAU * u2;
    [r * th.cos(), r * th.sin()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_of_random123() {
        // Random123's kat_vectors for philox4x32 with 10 rounds (counter, key → output).
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn normals_are_finite_and_depend_on_every_key_part() {
        let a = gauss2(7, 3, 11);
        assert!(a.iter().all(|v| v.is_finite()));
        assert_ne!(a, gauss2(8, 3, 11));
        assert_ne!(a, gauss2(7, 4, 11));
        assert_ne!(a, gauss2(7, 3, 12));
        assert_ne!(a, gauss2(7 | (1 << 40), 3, 11));
        assert_eq!(a, gauss2(7, 3, 11));
    }
}
