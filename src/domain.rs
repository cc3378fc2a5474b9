//! Rectangles in function coordinates and regular grids over them.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// An axis-aligned rectangle [xmin, xmax] × [ymin, ymax].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub xmin: f64,
    pub xmax: f64,
    pub ymin: f64,
    pub ymax: f64,
}

impl Domain {
    pub const fn new(xmin: f64, xmax: f64, ymin: f64, ymax: f64) -> Self {
        Domain {
            xmin,
            xmax,
            ymin,
            ymax,
        }
    }

    /// Checks that the rectangle is finite and not empty.
    pub fn validate(&self) -> Result<()> {
        let all = [self.xmin, self.xmax, self.ymin, self.ymax];
        if all.iter().any(|v| !v.is_finite()) {
            return Err(Error::input(format!(
                "domain {self} has a non-finite bound"
            )));
        }
        if self.xmin >= self.xmax || self.ymin >= self.ymax {
            return Err(Error::input(format!(
                "domain {self} is empty: it needs XMIN < XMAX and YMIN < YMAX"
            )));
        }
        Ok(())
    }

    /// Parses "XMIN,XMAX,YMIN,YMAX".
    pub fn parse(s: &str) -> Result<Domain> {
        let v = parse_floats(s, 4, "domain", "XMIN,XMAX,YMIN,YMAX")?;
        let d = Domain::new(v[0], v[1], v[2], v[3]);
        d.validate()?;
        Ok(d)
    }

    pub fn width(&self) -> f64 {
        self.xmax - self.xmin
    }

    pub fn height(&self) -> f64 {
        self.ymax - self.ymin
    }

    /// The larger side: the length scale of the domain.
    pub fn extent(&self) -> f64 {
        self.width().max(self.height())
    }

    pub fn center(&self) -> [f64; 2] {
        [0.5 * (self.xmin + self.xmax), 0.5 * (self.ymin + self.ymax)]
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.xmin && x <= self.xmax && y >= self.ymin && y <= self.ymax
    }

    /// The domain grown by `factor` times its size on every side.
    pub fn expanded(&self, factor: f64) -> Domain {
        let (w, h) = (self.width() * factor, self.height() * factor);
        Domain::new(self.xmin - w, self.xmax + w, self.ymin - h, self.ymax + h)
    }
}

impl std::fmt::Display for Domain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}, {}] × [{}, {}]",
            self.xmin, self.xmax, self.ymin, self.ymax
        )
    }
}

/// Parses exactly `n` comma-separated finite numbers, naming `what` in errors.
pub fn parse_floats(s: &str, n: usize, what: &str, shape: &str) -> Result<Vec<f64>> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != n {
        return Err(Error::input(format!(
            "{what} '{s}' must be {shape} ({n} comma-separated numbers), found {}",
            parts.len()
        )));
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match p.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(Error::input(format!(
                "{what} '{s}': value {} ('{p}') is not finite",
                i + 1
            ))),
            Err(_) => Err(Error::input(format!(
                "{what} '{s}': value {} ('{p}') is not a number",
                i + 1
            ))),
        })
        .collect()
}

/// Parses "X,Y".
pub fn parse_point(s: &str, what: &str) -> Result<[f64; 2]> {
    let v = parse_floats(s, 2, what, "X,Y")?;
    Ok([v[0], v[1]])
}

/// A W×H lattice over a domain including its edges: x_i = xmin + i·(xmax−xmin)/(W−1)
/// (like numpy's linspace), row 0 at ymin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub domain: Domain,
    pub width: u32,
    pub height: u32,
}

impl Grid {
    pub fn new(domain: Domain, width: u32, height: u32) -> Self {
        Grid {
            domain,
            width,
            height,
        }
    }

    pub fn step(&self) -> [f64; 2] {
        [
            self.domain.width() / (self.width.max(2) - 1) as f64,
            self.domain.height() / (self.height.max(2) - 1) as f64,
        ]
    }

    /// The f32 coordinates the GPU uses for node (i, j): origin + index·step in f32,
    /// so that the CPU reference can evaluate at exactly the same points.
    pub fn point_f32(&self, i: u32, j: u32) -> [f32; 2] {
        let s = self.step();
        [
            self.domain.xmin as f32 + i as f32 * s[0] as f32,
            self.domain.ymin as f32 + j as f32 * s[1] as f32,
        ]
    }

    pub fn len(&self) -> usize {
        self.width as usize * self.height as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
