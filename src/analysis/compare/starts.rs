//! Where the runs start: the `--starts` spec (a grid, seeded random points,
//! or a CSV file of points).

use crate::domain::Domain;
use crate::error::{Error, Result};
use std::path::Path;

/// Where the runs start.
#[derive(Clone, Debug, PartialEq)]
pub enum Starts {
    /// Cell centres of a w × h grid over the domain, row-major from ymin.
    Grid { w: u32, h: u32 },
    /// `n` points uniform over the domain from a seeded PRNG (splitmix64).
    Random { n: u32, seed: u64 },
    /// Points given by the user (a CSV file of x,y).
    Points(Vec<[f64; 2]>),
}

/// The seed `random:N` uses when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// At most this many starts (4096²): each start holds 40 bytes of GPU state
/// and a per-optimizer result row on the CPU, so 16M starts already take
/// gigabytes; more would run out of memory rather than fail cleanly.
pub const MAX_STARTS: u64 = 1 << 24;

impl Starts {
    /// Parses `grid:WxH`, `random:N`, `random:N:SEED`, or a path to a CSV file
    /// with `x,y` per line (an optional header line, `#` comments, blank lines).
    pub fn parse(spec: &str) -> Result<Starts> {
        let s = spec.trim();
        let bad = |why: &str| {
            Error::input(format!(
                "--starts '{spec}': {why} (expected grid:WxH, random:N[:SEED] or a CSV file of x,y)"
            ))
        };
        if let Some(rest) = s.strip_prefix("grid:") {
            let (w, h) = rest
                .split_once(['x', 'X'])
                .ok_or_else(|| bad("the grid needs WxH"))?;
            let w: u32 = w
                .trim()
                .parse()
                .map_err(|_| bad("W is not a whole number"))?;
            let h: u32 = h
                .trim()
                .parse()
                .map_err(|_| bad("H is not a whole number"))?;
            if w == 0 || h == 0 {
                return Err(bad("the grid needs at least 1x1"));
            }
            if w as u64 * h as u64 > MAX_STARTS {
                return Err(bad(&format!(
                    "{} starts are more than {MAX_STARTS} (4096x4096), the most whose state and results fit in memory",
                    w as u64 * h as u64
                )));
            }
            return Ok(Starts::Grid { w, h });
        }
        if let Some(rest) = s.strip_prefix("random:") {
            let mut it = rest.split(':');
            let n: u32 = it
                .next()
                .unwrap_or("")
                .trim()
                .parse()
                .map_err(|_| bad("N is not a whole number"))?;
            if n == 0 || n as u64 > MAX_STARTS {
                return Err(bad(&format!("N must be in 1..={MAX_STARTS}")));
            }
            let seed = match it.next() {
                Some(t) => t
                    .trim()
                    .parse()
                    .map_err(|_| bad("SEED is not a whole number ≥ 0"))?,
                None => DEFAULT_SEED,
            };
            if it.next().is_some() {
                return Err(bad("too many ':' parts"));
            }
            return Ok(Starts::Random { n, seed });
        }
        let path = Path::new(s);
        if !path.is_file() {
            return Err(bad("no such file"));
        }
        Ok(Starts::Points(crate::csvio::read_points(path, MAX_STARTS)?))
    }

    /// The start points in the domain, in run order.
    pub fn points(&self, domain: &Domain) -> Vec<[f64; 2]> {
        match self {
            Starts::Grid { w, h } => {
                let (w, h) = (*w as usize, *h as usize);
                let dx = domain.width() / w as f64;
                let dy = domain.height() / h as f64;
                let mut out = Vec::with_capacity(w * h);
                for j in 0..h {
                    let y = domain.ymin + (j as f64 + 0.5) * dy;
                    for i in 0..w {
                        out.push([domain.xmin + (i as f64 + 0.5) * dx, y]);
                    }
                }
                out
            }
            Starts::Random { n, seed } => {
                let mut rng = SplitMix64(*seed);
                (0..*n)
                    .map(|_| {
                        [
                            domain.xmin + rng.unit() * domain.width(),
                            domain.ymin + rng.unit() * domain.height(),
                        ]
                    })
                    .collect()
            }
            Starts::Points(p) => p.clone(),
        }
    }

    /// (w, h) for a grid.
    pub fn grid(&self) -> Option<(u32, u32)> {
        match self {
            Starts::Grid { w, h } => Some((*w, *h)),
            _ => None,
        }
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough to place starts.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}
