//! The colour range and scaling of a scene, from a CPU sample of f: robust
//! percentiles (non-finite values ignored), the log scale's fmin and ε, the
//! contour levels, and the reference |∇f| that sets arrow lengths.

use crate::scene::{Scale, Scene};
use crate::Function;

/// Side of the CPU sample grid.
pub const SAMPLES: u32 = 128;

/// How values become colours, contour levels and arrow lengths.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Colour scale is log10(max(f − fmin, 0) + eps).
    pub log: bool,
    /// Colour range in scaled units.
    pub lo: f64,
    pub hi: f64,
    pub fmin: f64,
    pub eps: f64,
    /// Contour scale is log (same fmin, eps).
    pub contour_log: bool,
    /// First level and spacing in contour-scaled units, and the count.
    pub contour_first: f64,
    pub contour_step: f64,
    pub contour_count: u32,
    /// Explicit levels in contour-scaled units (override first/step/count).
    pub levels: Vec<f64>,
    /// |∇f| that gets a full-length arrow (95th percentile of the sample).
    pub grad_ref: f64,
    /// Sample points where f or ∇f is finite in f64 but overflows f32 (the
    /// GPU's precision): those pixels show the non-finite colour, so the
    /// caller reports it once (see [`Stats::f32_overflow_warning`]).
    pub f32_overflow: Option<Overflow>,
}

/// Where the f32 evaluation overflows although f64 stays finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overflow {
    /// Sample points affected, out of `SAMPLES²`.
    pub count: u32,
    /// The first such point and its f64 value of f.
    pub x: f64,
    pub y: f64,
    pub value: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl Stats {
    /// Scaled value of f (colour scale when `log` is the colour's, contour scale otherwise).
    pub fn scaled(&self, f: f64, log: bool) -> f64 {
        if log {
            ((f - self.fmin).max(0.0) + self.eps).log10()
        } else {
            f
        }
    }

    /// Inverse of `scaled`.
    pub fn unscaled(&self, s: f64, log: bool) -> f64 {
        if log {
            10f64.powf(s) - self.eps + self.fmin
        } else {
            s
        }
    }

    /// Position of f in the colour range (unclamped).
    pub fn t(&self, f: f64) -> f64 {
        (self.scaled(f, self.log) - self.lo) / (self.hi - self.lo)
    }

    /// Contour levels in f units.
    pub fn contour_levels(&self) -> Vec<f64> {
        if !self.levels.is_empty() {
            return self
                .levels
                .iter()
                .map(|&s| self.unscaled(s, self.contour_log))
                .collect();
        }
        (0..self.contour_count)
            .map(|k| {
                self.unscaled(
                    self.contour_first + k as f64 * self.contour_step,
                    self.contour_log,
                )
            })
            .collect()
    }

    /// One line for the user when the GPU's f32 overflows where f64 does not.
    pub fn f32_overflow_warning(&self) -> Option<String> {
        let o = self.f32_overflow?;
        let share = 100.0 * o.count as f64 / (SAMPLES * SAMPLES) as f64;
        Some(format!(
            "f or its gradient overflows 32-bit floats on {share:.1}% of the domain \
             (first at x={:.6}, y={:.6}, where f = {:.6e} in f64); \
             the GPU draws those points in the non-finite colour and particles there diverge",
            o.x, o.y, o.value
        ))
    }

    pub fn compute(func: &Function, scene: &Scene) -> Stats {
        let d = scene.domain();
        let tape = func.tape_value_grad();
        let (mut fs, mut gs) = (Vec::new(), Vec::new());
        let mut regs = Vec::new();
        let mut out = [0.0f64; 3];
        let (mut regs32, mut out32) = (Vec::new(), [0.0f32; 3]);
        let mut overflow: Option<Overflow> = None;
        for j in 0..SAMPLES {
            for i in 0..SAMPLES {
                let x = d.xmin + d.width() * i as f64 / (SAMPLES - 1) as f64;
                let y = d.ymin + d.height() * j as f64 / (SAMPLES - 1) as f64;
                tape.eval_into::<f64>(x, y, &mut regs, &mut out);
                tape.eval_into::<f32>(x as f32, y as f32, &mut regs32, &mut out32);
                if (0..3).any(|k| out[k].is_finite() && !out32[k].is_finite()) {
                    let o = overflow.get_or_insert(Overflow {
                        count: 0,
                        x,
                        y,
                        value: out[0],
                    });
                    o.count += 1;
                }
                if out[0].is_finite() {
                    fs.push(out[0]);
                }
                let g = out[1].hypot(out[2]);
                if g.is_finite() {
                    gs.push(g);
                }
            }
        }
        fs.sort_by(f64::total_cmp);
        gs.sort_by(f64::total_cmp);
        let [p0, p1] = scene.map.percentiles;
        let (fmin, fhi) = if fs.is_empty() {
            (0.0, 1.0)
        } else {
            (fs[0], percentile(&fs, p1))
        };
        let spread = fhi - fmin;
        let eps = if spread > 0.0 { spread * 1e-6 } else { 1e-6 };
        let mut st = Stats {
            log: scene.map.scale == Scale::Log,
            lo: 0.0,
            hi: 1.0,
            fmin,
            eps,
            contour_log: scene.contours.spacing.unwrap_or(scene.map.scale) == Scale::Log,
            contour_first: 0.0,
            contour_step: 1.0,
            contour_count: scene.contours.count,
            levels: Vec::new(),
            grad_ref: gs
                .get(((gs.len().max(1) - 1) as f64 * 0.95) as usize)
                .copied()
                .unwrap_or(1.0),
            f32_overflow: overflow,
        };
        if !(st.grad_ref > 0.0) {
            st.grad_ref = 1.0;
        }
        let scaler = st.clone();
        let range_in = |log: bool| -> (f64, f64) {
            if let Some([a, b]) = scene.map.range {
                return (scaler.scaled(a, log), scaler.scaled(b, log));
            }
            if fs.is_empty() {
                return (0.0, 1.0);
            }
            let mut s: Vec<f64> = fs.iter().map(|&f| scaler.scaled(f, log)).collect();
            s.sort_by(f64::total_cmp);
            (percentile(&s, p0), percentile(&s, p1))
        };
        let (mut lo, mut hi) = range_in(st.log);
        if scene.map.colormap.is_diverging() && !st.log {
            let c = scene.map.center.unwrap_or(0.0);
            let half = (lo - c).abs().max((hi - c).abs());
            (lo, hi) = (c - half, c + half);
        }
        if !(hi > lo) {
            let m = if lo.is_finite() { lo } else { 0.0 };
            (lo, hi) = (m - 0.5, m + 0.5);
        }
        st.lo = lo;
        st.hi = hi;
        let (clo, chi) = if st.contour_log == st.log {
            (lo, hi)
        } else {
            range_in(st.contour_log)
        };
        let n = scene.contours.count;
        st.contour_step = if chi > clo {
            (chi - clo) / (n + 1) as f64
        } else {
            1.0
        };
        st.contour_first = clo + st.contour_step;
        st.levels = scene
            .contours
            .levels
            .iter()
            .map(|&v| st.scaled(v, st.contour_log))
            .collect();
        st
    }
}
