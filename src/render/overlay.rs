//! Axes, tick labels, colour bar and title, drawn on the CPU after read-back
//! with `gradfield::text` into the margins the layout left for them.

use super::layout::{Layout, PanelKind};
use super::stats::Stats;
use crate::image::Image;
use crate::scene::Scene;
use crate::Function;

/// About `n` round numbers covering [lo, hi] (1, 2, 5 × 10^k steps).
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(hi > lo) || !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| k as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// Short label: plain decimals for moderate values, exponent form otherwise.
pub fn label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    // Three significant digits, without trailing zeros.
    let digits = (3 - 1 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn hline(img: &mut Image, x0: f64, x1: f64, y: f64, c: [u8; 4]) {
    for x in x0.round() as i64..=x1.round() as i64 {
        img.blend(x, y.round() as i64, c, 1.0);
    }
}

fn vline(img: &mut Image, x: f64, y0: f64, y1: f64, c: [u8; 4]) {
    for y in y0.round() as i64..=y1.round() as i64 {
        img.blend(x.round() as i64, y, c, 1.0);
    }
}

/// Draws everything the CPU adds to a frame.
/// Labels on up to `MAX_LABELS` contour levels of the 2D panels: each at a
/// crossing of its level found on a coarse CPU grid, as far as possible from
/// the labels already placed and from the plot's edges, on a small backing
/// box in the theme's background so it reads over the map.
const MAX_LABELS: usize = 8;

fn contour_labels(img: &mut Image, scene: &Scene, stats: &Stats, func: &Function, plot: [f64; 4]) {
    let levels = stats.contour_levels();
    if levels.is_empty() {
        return;
    }
    let [px, py, pw, ph] = plot;
    let d = scene.domain();
    // f on a grid of cells about 8 pixels wide.
    let (nx, ny) = (
        ((pw / 8.0) as usize).clamp(8, 256),
        ((ph / 8.0) as usize).clamp(8, 256),
    );
    let tape = func.tape_value();
    let (mut regs, mut out) = (Vec::new(), [0.0f64; 1]);
    let mut grid = vec![0.0; (nx + 1) * (ny + 1)];
    for j in 0..=ny {
        for i in 0..=nx {
            let x = d.xmin + d.width() * i as f64 / nx as f64;
            let y = d.ymax - d.height() * j as f64 / ny as f64;
            tape.eval_into::<f64>(x, y, &mut regs, &mut out);
            grid[j * (nx + 1) + i] = out[0];
        }
    }
    let at = |i: usize, j: usize| grid[j * (nx + 1) + i];
    let stride = levels.len().div_ceil(MAX_LABELS).max(1);
    let fs = (img.height as f64 / 60.0).clamp(9.0, 14.0) as f32;
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let bg = scene.theme.background();
    let fg = scene.theme.foreground();
    for &level in levels.iter().skip(stride / 2).step_by(stride) {
        // Candidate: the centre of each cell whose horizontal edge the level crosses.
        let mut best: Option<(f64, f64, f64)> = None;
        for j in 1..ny {
            for i in 0..nx {
                let (a, b) = (at(i, j), at(i + 1, j));
                if !(a.is_finite() && b.is_finite()) || (a - level) * (b - level) > 0.0 || a == b {
                    continue;
                }
                let t = (level - a) / (b - a);
                let x = px + (i as f64 + t) / nx as f64 * pw;
                let y = py + j as f64 / ny as f64 * ph;
                let edge = (x - px).min(px + pw - x).min(y - py).min(py + ph - y);
                if edge < 3.0 * fs as f64 {
                    continue;
                }
                let near = placed
                    .iter()
                    .map(|&(u, v)| (u - x).hypot(v - y))
                    .fold(f64::INFINITY, f64::min);
                let score = near.min(4.0 * edge);
                if best.is_none_or(|b| score > b.2) {
                    best = Some((x, y, score));
                }
            }
        }
        let Some((x, y, score)) = best else { continue };
        if score < 4.0 * fs as f64 {
            continue;
        }
        let text = label(level);
        let (w, h) = crate::text::measure(&text, fs);
        let (x0, y0) = ((x - w as f64 / 2.0) as i64, (y - h as f64 / 2.0) as i64);
        for yy in y0 - 1..y0 + h as i64 + 1 {
            for xx in x0 - 2..x0 + w as i64 + 2 {
                img.blend(xx, yy, bg, 0.75);
            }
        }
        crate::text::draw(img, x0, y0, fs, fg, &text);
        placed.push((x, y));
    }
}

pub fn draw(img: &mut Image, scene: &Scene, stats: &Stats, func: &Function, lay: &Layout) {
    let fg = scene.theme.foreground();
    let mut dim = fg;
    dim[3] = 150;
    let fs = lay.font as f64;
    // Title.
    let title = scene
        .title
        .clone()
        .unwrap_or_else(|| format!("f(x, y) = {}", scene.function));
    let ts = (fs * 1.25) as f32;
    let (tw, _) = crate::text::measure(&title, ts);
    let tx = (lay.width as i64 - tw as i64) / 2;
    crate::text::draw(img, tx.max(4), (fs * 0.6) as i64, ts, fg, &title);
    let d = scene.domain();
    for p in &lay.panels {
        if p.kind != PanelKind::TwoD {
            continue;
        }
        let [x, y, w, h] = p.plot_in_target();
        if scene.contours.labels {
            contour_labels(img, scene, stats, func, [x, y, w, h]);
        }
        // Frame.
        hline(img, x - 1.0, x + w, y - 1.0, dim);
        hline(img, x - 1.0, x + w, y + h, dim);
        vline(img, x - 1.0, y - 1.0, y + h, dim);
        vline(img, x + w, y - 1.0, y + h, dim);
        let tick = fs * 0.4;
        for v in nice_ticks(d.xmin, d.xmax, ((w / (fs * 6.0)) as usize).clamp(2, 10)) {
            let px = x + (v - d.xmin) / d.width() * w;
            vline(img, px, y + h, y + h + tick, fg);
            let s = label(v);
            let (lw, _) = crate::text::measure(&s, fs as f32);
            crate::text::draw(
                img,
                (px - lw as f64 / 2.0) as i64,
                (y + h + tick + 2.0) as i64,
                fs as f32,
                fg,
                &s,
            );
        }
        for v in nice_ticks(d.ymin, d.ymax, ((h / (fs * 4.0)) as usize).clamp(2, 10)) {
            let py = y + (d.ymax - v) / d.height() * h;
            hline(img, x - 1.0 - tick, x - 1.0, py, fg);
            let s = label(v);
            let (lw, lh) = crate::text::measure(&s, fs as f32);
            crate::text::draw(
                img,
                (x - tick - 4.0 - lw as f64) as i64,
                (py - lh as f64 / 2.0) as i64,
                fs as f32,
                fg,
                &s,
            );
        }
        let (xw, _) = crate::text::measure("x", fs as f32);
        crate::text::draw(
            img,
            (x + w / 2.0 - xw as f64 / 2.0) as i64,
            (y + h + fs * 1.7) as i64,
            fs as f32,
            dim,
            "x",
        );
        crate::text::draw(
            img,
            (x - fs * 4.2).max(2.0) as i64,
            (y + h / 2.0 - fs / 2.0) as i64,
            fs as f32,
            dim,
            "y",
        );
    }
    // Colour bar: the colormap from lo (bottom) to hi (top), labelled in f units.
    if let Some([cx, cy, cw, ch]) = lay.colourbar {
        let table = scene.map.colormap.table();
        for row in 0..ch.round() as i64 {
            let t = 1.0 - row as f64 / (ch - 1.0).max(1.0);
            let c = table[((t * 255.0).round() as usize).min(255)];
            for col in 0..cw.round() as i64 {
                img.put((cx as i64 + col) as u32, (cy as i64 + row) as u32, c);
            }
        }
        hline(img, cx - 1.0, cx + cw, cy - 1.0, dim);
        hline(img, cx - 1.0, cx + cw, cy + ch, dim);
        vline(img, cx - 1.0, cy - 1.0, cy + ch, dim);
        vline(img, cx + cw, cy - 1.0, cy + ch, dim);
        let ticks: Vec<(f64, f64)> = if stats.log {
            // Decades of f − fmin, labelled as f (the tiny ε is left out of the label).
            let (a, b) = (stats.lo.ceil() as i64, stats.hi.floor() as i64);
            let stride = ((b - a) / 6 + 1).max(1);
            (a..=b)
                .step_by(stride as usize)
                .map(|k| (k as f64, stats.fmin + 10f64.powi(k as i32)))
                .collect()
        } else {
            nice_ticks(stats.lo, stats.hi, ((ch / (fs * 3.0)) as usize).clamp(2, 8))
                .into_iter()
                .map(|v| (v, v))
                .collect()
        };
        for (s, v) in ticks {
            let t = (s - stats.lo) / (stats.hi - stats.lo);
            let py = cy + (1.0 - t) * ch;
            hline(img, cx + cw, cx + cw + fs * 0.35, py, fg);
            let lbl = label(v);
            let (_, lh) = crate::text::measure(&lbl, (fs * 0.9) as f32);
            crate::text::draw(
                img,
                (cx + cw + fs * 0.5) as i64,
                (py - lh as f64 / 2.0) as i64,
                (fs * 0.9) as f32,
                fg,
                &lbl,
            );
        }
        let cap = if stats.log { "f (log)" } else { "f" };
        crate::text::draw(
            img,
            cx as i64,
            (cy - fs * 1.5) as i64,
            (fs * 0.9) as f32,
            dim,
            cap,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(
            nice_ticks(-3.0, 3.0, 6),
            vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(label(0.25), "0.25");
        assert_eq!(label(2.0), "2");
        assert_eq!(label(250000.0), "2.5e5");
        assert_eq!(label(1000.0021), "1000");
        assert_eq!(label(0.012345), "0.0123");
    }
}
