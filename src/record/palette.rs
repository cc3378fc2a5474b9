//! Colour quantisation for GIF: one global palette built by median cut over a
//! 5-bit-per-channel histogram (each bin keeps the exact mean of its colours),
//! refined by a few weighted k-means passes; pixels are mapped through a
//! lazily filled 64×64×64 cache of nearest palette entries.
//!
//! Rendered frames are mostly a smooth colormap plus a few particle and
//! contour colours, which a single global palette from the first frame covers
//! well; colours that appear later map to their nearest entry.

/// Entries usable for colours; index [`TRANSPARENT`] is reserved.
pub const COLORS: usize = 255;
/// The palette index that frame differencing uses for "unchanged".
pub const TRANSPARENT: u8 = 255;

const BIN_BITS: u32 = 5;
const BINS: usize = 1 << (3 * BIN_BITS);
const CACHE_BITS: u32 = 6;
const CACHE: usize = 1 << (3 * CACHE_BITS);
const EMPTY: u8 = 255;

/// A histogram of RGB colours (alpha ignored).
pub struct Histogram {
    /// Per bin: pixel count and sums of r, g, b.
    bins: Vec<[u64; 4]>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            bins: vec![[0; 4]; BINS],
        }
    }
}

impl Histogram {
    /// Adds every pixel of an RGBA8 buffer.
    pub fn add_rgba(&mut self, rgba: &[u8]) {
        for p in rgba.chunks_exact(4) {
            let k = bin_of(p[0], p[1], p[2], BIN_BITS);
            let b = &mut self.bins[k];
            b[0] += 1;
            b[1] += p[0] as u64;
            b[2] += p[1] as u64;
            b[3] += p[2] as u64;
        }
    }
}

fn bin_of(r: u8, g: u8, b: u8, bits: u32) -> usize {
    let s = 8 - bits;
    ((r as usize >> s) << (2 * bits)) | ((g as usize >> s) << bits) | (b as usize >> s)
}

/// One occupied histogram bin: mean colour and weight.
#[derive(Clone, Copy)]
struct Bin {
    c: [f32; 3],
    w: f32,
}

/// A palette of up to [`COLORS`] entries with a nearest-colour cache.
pub struct Palette {
    /// RGB entries (≤ 255).
    pub colors: Vec<[u8; 3]>,
    cache: Vec<u8>,
}

impl Palette {
    /// Median cut (splitting the box with the largest squared error at the
    /// weighted mean of its widest axis) then 4 weighted k-means passes.
    pub fn from_histogram(h: &Histogram) -> Palette {
        let bins: Vec<Bin> = h
            .bins
            .iter()
            .filter(|b| b[0] > 0)
            .map(|b| {
                let n = b[0] as f32;
                Bin {
                    c: [b[1] as f32 / n, b[2] as f32 / n, b[3] as f32 / n],
                    w: n,
                }
            })
            .collect();
        if bins.is_empty() {
            return Palette::new(vec![[0, 0, 0]]);
        }
        let mut boxes: Vec<Vec<Bin>> = vec![bins.clone()];
        while boxes.len() < COLORS {
            let (best, err) = boxes
                .iter()
                .enumerate()
                .map(|(i, b)| (i, sse(b)))
                .fold((0, -1.0f64), |a, x| if x.1 > a.1 { x } else { a });
            if err <= 0.0 || boxes[best].len() < 2 {
                break;
            }
            let b = boxes.swap_remove(best);
            let (lo, hi) = split(b);
            boxes.push(lo);
            boxes.push(hi);
        }
        let mut centers: Vec<[f32; 3]> = boxes.iter().map(|b| mean(b)).collect();
        for _ in 0..4 {
            let mut acc = vec![[0f64; 4]; centers.len()];
            for b in &bins {
                let k = nearest_f(&centers, b.c);
                let w = b.w as f64;
                acc[k][0] += w;
                for c in 0..3 {
                    acc[k][c + 1] += w * b.c[c] as f64;
                }
            }
            for (c, a) in centers.iter_mut().zip(&acc) {
                if a[0] > 0.0 {
                    *c = [
                        (a[1] / a[0]) as f32,
                        (a[2] / a[0]) as f32,
                        (a[3] / a[0]) as f32,
                    ];
                }
            }
        }
        let mut colors: Vec<[u8; 3]> = centers
            .iter()
            .map(|c| c.map(|v| v.round().clamp(0.0, 255.0) as u8))
            .collect();
        colors.sort_unstable();
        colors.dedup();
        Palette::new(colors)
    }

    /// A palette of the given colours (at most [`COLORS`]).
    pub fn new(mut colors: Vec<[u8; 3]>) -> Palette {
        colors.truncate(COLORS);
        Palette {
            colors,
            cache: vec![EMPTY; CACHE],
        }
    }

    /// The 256 × RGB table for the GIF header; entries past the colours
    /// (and the reserved transparent one) are black.
    pub fn gif_table(&self) -> Vec<u8> {
        let mut t = vec![0u8; 256 * 3];
        for (i, c) in self.colors.iter().enumerate() {
            t[i * 3..i * 3 + 3].copy_from_slice(c);
        }
        t
    }

    /// The index of the entry nearest to (r, g, b) (through the 6-bit cache:
    /// the answer for the centre of the colour's cell).
    #[inline]
    pub fn index(&mut self, r: u8, g: u8, b: u8) -> u8 {
        let k = bin_of(r, g, b, CACHE_BITS);
        let v = self.cache[k];
        if v != EMPTY {
            return v;
        }
        let s = 8 - CACHE_BITS;
        let half = 1u32 << (s - 1);
        let centre = [
            (((r as u32) >> s << s) + half) as f32,
            (((g as u32) >> s << s) + half) as f32,
            (((b as u32) >> s << s) + half) as f32,
        ];
        let i = nearest_u8(&self.colors, centre) as u8;
        self.cache[k] = i;
        i
    }

    /// Maps an RGBA8 buffer to indices; `dither` adds a 4×4 ordered (Bayer)
    /// offset of ±1/2 of a typical palette step before the lookup.
    pub fn map_rgba(&mut self, rgba: &[u8], width: usize, dither: bool, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(rgba.len() / 4);
        const BAYER: [[i16; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];
        for (i, p) in rgba.chunks_exact(4).enumerate() {
            if dither {
                let (x, y) = (i % width, i / width);
                // Offsets in [-8, 7]: about half a palette step for 255 colours spread over RGB.
                let d = BAYER[y & 3][x & 3] - 8;
                let f = |v: u8| (v as i16 + d).clamp(0, 255) as u8;
                out.push(self.index(f(p[0]), f(p[1]), f(p[2])));
            } else {
                out.push(self.index(p[0], p[1], p[2]));
            }
        }
    }
}

fn mean(b: &[Bin]) -> [f32; 3] {
    let mut a = [0f64; 4];
    for x in b {
        a[0] += x.w as f64;
        for c in 0..3 {
            a[c + 1] += x.w as f64 * x.c[c] as f64;
        }
    }
    [
        (a[1] / a[0]) as f32,
        (a[2] / a[0]) as f32,
        (a[3] / a[0]) as f32,
    ]
}

/// Weighted squared error of a box around its mean.
fn sse(b: &[Bin]) -> f64 {
    if b.len() < 2 {
        return 0.0;
    }
    let m = mean(b);
    b.iter()
        .map(|x| {
            let d: f32 = (0..3).map(|c| (x.c[c] - m[c]).powi(2)).sum();
            x.w as f64 * d as f64
        })
        .sum()
}

/// Splits along the axis of widest weighted spread, at the weighted median.
fn split(mut b: Vec<Bin>) -> (Vec<Bin>, Vec<Bin>) {
    let m = mean(&b);
    let axis = (0..3)
        .map(|c| {
            (
                c,
                b.iter()
                    .map(|x| x.w as f64 * ((x.c[c] - m[c]) as f64).powi(2))
                    .sum::<f64>(),
            )
        })
        .fold((0, -1.0), |a, x| if x.1 > a.1 { x } else { a })
        .0;
    b.sort_by(|p, q| p.c[axis].total_cmp(&q.c[axis]));
    let total: f64 = b.iter().map(|x| x.w as f64).sum();
    let mut acc = 0.0;
    let mut cut = 1;
    for (i, x) in b.iter().enumerate() {
        acc += x.w as f64;
        if acc >= total / 2.0 {
            cut = i + 1;
            break;
        }
    }
    let cut = cut.clamp(1, b.len() - 1);
    let hi = b.split_off(cut);
    (b, hi)
}

fn nearest_f(centers: &[[f32; 3]], c: [f32; 3]) -> usize {
    let mut best = (0, f32::INFINITY);
    for (i, p) in centers.iter().enumerate() {
        let d = (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

fn nearest_u8(colors: &[[u8; 3]], c: [f32; 3]) -> usize {
    let mut best = (0, f32::INFINITY);
    for (i, p) in colors.iter().enumerate() {
        let d = (p[0] as f32 - c[0]).powi(2)
            + (p[1] as f32 - c[1]).powi(2)
            + (p[2] as f32 - c[2]).powi(2);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_colours_are_kept_exactly() {
        let cols = [[10u8, 20, 30, 255], [200, 100, 50, 255], [0, 255, 0, 255]];
        let rgba: Vec<u8> = (0..300).flat_map(|i| cols[i % 3]).collect();
        let mut h = Histogram::default();
        h.add_rgba(&rgba);
        let mut p = Palette::from_histogram(&h);
        assert_eq!(p.colors.len(), 3);
        for c in cols {
            let i = p.index(c[0], c[1], c[2]) as usize;
            assert_eq!(p.colors[i], [c[0], c[1], c[2]]);
        }
    }

    #[test]
    fn a_gradient_is_mapped_closely() {
        // A 256×256 image with r = x, g = y, b = 128: 65,536 colours into 255.
        let rgba: Vec<u8> = (0..256 * 256)
            .flat_map(|i| [(i % 256) as u8, (i / 256) as u8, 128, 255])
            .collect();
        let mut h = Histogram::default();
        h.add_rgba(&rgba);
        let mut p = Palette::from_histogram(&h);
        let mut worst = 0i32;
        for px in rgba.chunks(4) {
            let i = p.index(px[0], px[1], px[2]) as usize;
            let c = p.colors[i];
            for k in 0..3 {
                worst = worst.max((c[k] as i32 - px[k] as i32).abs());
            }
        }
        eprintln!(
            "palette of {} colours, worst channel error {worst}",
            p.colors.len()
        );
        // Measured 13 (a 16×16 grid of cells over a 256×256 square gives ±8, plus the cache cell).
        assert!(worst <= 16, "worst channel error {worst}");
    }
}
