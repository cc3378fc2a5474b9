//! The basin map: one panel per optimizer, side by side. Every start cell (grid
//! starts) or start dot (random / CSV starts) is coloured by the destination
//! its run reached, darker the more steps it took; diverged and still-running
//! runs have their own colours. Contour lines of f lie over it, destinations are
//! marked and labelled with their id, and a legend under each panel gives the
//! fractions. Drawn on the CPU into an [`Image`].

use super::compare::{CompareReport, OptimizerReport, StartResult};
use super::Kind;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::image::Image;
use crate::optim::Status;
use crate::text;
use rayon::prelude::*;
use std::path::Path;

/// Destination colours by id (a categorical palette without red and grey,
/// which mean diverged and running); ids past its end get golden-angle hues.
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [148, 103, 189],
    [23, 190, 207],
    [188, 189, 34],
    [227, 119, 194],
    [174, 199, 232],
    [255, 187, 120],
    [152, 223, 138],
];
pub const DIVERGED: [u8; 3] = [110, 14, 26];
pub const RUNNING: [u8; 3] = [150, 150, 150];
/// Opacity of the black contour lines over the cells.
pub const CONTOUR_ALPHA: f32 = 0.3;
/// How much the slowest converged runs are darkened.
pub const SHADE: f64 = 0.5;
/// How much the fastest converged runs are lightened toward white.
pub const LIGHT: f64 = 0.45;
const BACKGROUND: [u8; 4] = [255, 255, 255, 255];
const INK: [u8; 4] = [30, 30, 30, 255];
const MAP_BACKGROUND: [u8; 3] = [236, 236, 236];

/// The colour of destination `id`.
pub fn destination_color(id: usize) -> [u8; 3] {
    if id < PALETTE.len() {
        return PALETTE[id];
    }
    let h = ((id - PALETTE.len()) as f64 * 0.618_033_988_75 + 0.13).fract();
    hsv(h, 0.55, 0.9)
}

fn hsv(h: f64, s: f64, v: f64) -> [u8; 3] {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    let (r, g, b) = match i as i32 % 6 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [
        (r * 255.0).round() as u8,
        (g * 255.0).round() as u8,
        (b * 255.0).round() as u8,
    ]
}

/// The colour of one run. With `steps` = [lo, hi] (the fewest and most steps
/// of any converged run in the picture) and t = ln((1 + s)/(1 + lo)) /
/// ln((1 + hi)/(1 + lo)), its destination's colour goes from a light tint
/// (t = 0, [`LIGHT`] of the way to white) to a dark shade (t = 1, darkened by
/// [`SHADE`]): fewer steps, brighter.
pub fn run_color(r: &StartResult, steps: [u32; 2]) -> [u8; 3] {
    match r.status {
        Status::Diverged => DIVERGED,
        Status::Running | Status::Flat => RUNNING,
        Status::Converged => {
            let base = destination_color(r.destination.max(0) as usize);
            let [lo, hi] = [1.0 + steps[0] as f64, 1.0 + steps[1] as f64];
            let t = if hi > lo {
                ((1.0 + r.steps as f64) / lo).ln() / (hi / lo).ln()
            } else {
                0.0
            };
            let t = t.clamp(0.0, 1.0);
            base.map(|c| {
                let c = c as f64;
                let light = c + (255.0 - c) * LIGHT;
                let dark = c * (1.0 - SHADE);
                (light + (dark - light) * t).round() as u8
            })
        }
    }
}

/// How the picture is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BasinOptions {
    /// The longer side of each panel's map, in pixels.
    pub map_size: u32,
    /// Number of contour levels (0: none).
    pub contours: u32,
}

impl Default for BasinOptions {
    fn default() -> Self {
        BasinOptions {
            map_size: 480,
            contours: 10,
        }
    }
}

/// Where things are in the picture.
#[derive(Clone, Debug, PartialEq)]
pub struct BasinLayout {
    pub domain: Domain,
    pub map_w: u32,
    pub map_h: u32,
    /// Top-left corner of each panel's map.
    pub maps: Vec<(u32, u32)>,
    /// The fewest and most steps of any converged run: the ends of the shading (see [`run_color`]).
    pub steps: [u32; 2],
}

impl BasinLayout {
    /// The pixel of point (x, y) in panel `panel` (None outside the map).
    pub fn pixel_of(&self, panel: usize, x: f64, y: f64) -> Option<(u32, u32)> {
        let d = &self.domain;
        let u = (x - d.xmin) / d.width();
        let v = (d.ymax - y) / d.height();
        if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
            return None;
        }
        let (x0, y0) = self.maps[panel];
        Some((
            x0 + (u * self.map_w as f64) as u32,
            y0 + (v * self.map_h as f64) as u32,
        ))
    }

    /// The centre in function coordinates of map pixel (px, py).
    fn point_of(&self, px: u32, py: u32) -> [f64; 2] {
        let d = &self.domain;
        [
            d.xmin + (px as f64 + 0.5) / self.map_w as f64 * d.width(),
            d.ymax - (py as f64 + 0.5) / self.map_h as f64 * d.height(),
        ]
    }
}

const MARGIN: u32 = 18;
const HEADER: u32 = 30;
const TITLE: u32 = 44;
const LEGEND_ROW: u32 = 19;
const LEGEND_MAX: usize = 10;

/// Draws the basin map. `grid` is (w, h) when `starts` are the cell centres of
/// a w × h grid over the report's domain (`Starts::Grid`); otherwise each start
/// is a dot.
pub fn basin_map(
    report: &CompareReport,
    func: &Function,
    starts: &[[f64; 2]],
    grid: Option<(u32, u32)>,
    opts: &BasinOptions,
) -> Result<(Image, BasinLayout)> {
    if starts.len() != report.starts {
        return Err(Error::input(format!(
            "{} starts given for a report of {}",
            starts.len(),
            report.starts
        )));
    }
    if let Some((w, h)) = grid {
        if w as usize * h as usize != starts.len() {
            return Err(Error::input(format!(
                "a {w}x{h} grid is not {} starts",
                starts.len()
            )));
        }
    }
    if opts.map_size < 16 || opts.map_size > 8192 {
        return Err(Error::input(format!(
            "basin map size {} is out of range 16..=8192",
            opts.map_size
        )));
    }
    let domain = report.domain();
    let (map_w, map_h) = if domain.width() >= domain.height() {
        let h = (opts.map_size as f64 * domain.height() / domain.width())
            .round()
            .max(16.0) as u32;
        (opts.map_size, h)
    } else {
        let w = (opts.map_size as f64 * domain.width() / domain.height())
            .round()
            .max(16.0) as u32;
        (w, opts.map_size)
    };
    let n_panels = report.optimizers.len() as u32;
    let legend_rows = report
        .optimizers
        .iter()
        .map(|o| legend(o).len())
        .max()
        .unwrap_or(0) as u32;
    let panel_w = map_w + 2 * MARGIN;
    let head = format!(
        "f = {}   ·   {} starts   ·   ≤ {} steps, tol {}",
        report.function, report.starts, report.max_steps, report.tol
    );
    let width = (panel_w * n_panels).max(text::measure(&head, 15.0).0 + 2 * MARGIN);
    let height = HEADER + TITLE + map_h + 26 + legend_rows * LEGEND_ROW + 8 + LEGEND_ROW + MARGIN;
    let mut img = Image::new(width, height, BACKGROUND);
    let mut steps = [u32::MAX, 0];
    for o in &report.optimizers {
        for r in o.results.iter().filter(|r| r.status == Status::Converged) {
            steps = [steps[0].min(r.steps), steps[1].max(r.steps)];
        }
    }
    if steps[0] > steps[1] {
        steps = [0, 0];
    }
    let layout = BasinLayout {
        domain,
        map_w,
        map_h,
        maps: (0..n_panels)
            .map(|k| (k * panel_w + MARGIN, HEADER + TITLE))
            .collect(),
        steps,
    };

    // Header: the function and the run.
    text::draw(&mut img, MARGIN as i64, 8, 15.0, INK, &head);

    let levels = contour_levels(func, &layout, opts.contours);
    for (k, o) in report.optimizers.iter().enumerate() {
        let (x0, y0) = layout.maps[k];
        let mut map = Image::new(
            map_w,
            map_h,
            [MAP_BACKGROUND[0], MAP_BACKGROUND[1], MAP_BACKGROUND[2], 255],
        );
        match grid {
            Some((gw, gh)) => {
                for py in 0..map_h {
                    let v = 1.0 - (py as f64 + 0.5) / map_h as f64;
                    let j = ((v * gh as f64) as u32).min(gh - 1);
                    for px in 0..map_w {
                        let u = (px as f64 + 0.5) / map_w as f64;
                        let i = ((u * gw as f64) as u32).min(gw - 1);
                        let c = run_color(&o.results[(j * gw + i) as usize], steps);
                        map.put(px, py, [c[0], c[1], c[2], 255]);
                    }
                }
            }
            None => {
                let r: i64 = match starts.len() {
                    0..=2_000 => 3,
                    2_001..=30_000 => 2,
                    _ => 1,
                };
                let sub = BasinLayout {
                    maps: vec![(0, 0)],
                    ..layout.clone()
                };
                for (s, res) in starts.iter().zip(&o.results) {
                    if let Some((px, py)) = sub.pixel_of(0, s[0], s[1]) {
                        let c = run_color(res, steps);
                        dot(&mut map, px as i64, py as i64, r, [c[0], c[1], c[2], 255]);
                    }
                }
            }
        }
        if let Some((lv, idx)) = &levels {
            draw_contours(&mut map, idx, lv.len());
        }
        img.paste(&map, x0, y0);
        frame(&mut img, x0, y0, map_w, map_h);
        draw_title(&mut img, o, k as u32 * panel_w + MARGIN, HEADER);
        draw_markers(&mut img, &layout, k, o);
        draw_axes(&mut img, &layout, k);
        draw_legend(&mut img, o, report.starts, x0, y0 + map_h + 26);
    }
    if report.optimizers.iter().any(|o| o.converged > 0) {
        let y = (HEADER + TITLE + map_h + 26 + legend_rows * LEGEND_ROW + 8) as i64;
        draw_shade_key(&mut img, MARGIN as i64, y, steps);
    }
    Ok((img, layout))
}

/// Draws the basin map and saves it as a PNG (atomically).
pub fn write_basin_map(
    path: &Path,
    report: &CompareReport,
    func: &Function,
    starts: &[[f64; 2]],
    grid: Option<(u32, u32)>,
    opts: &BasinOptions,
) -> Result<()> {
    let (img, _) = basin_map(report, func, starts, grid, opts)?;
    img.save_png(path)
}

/// Contour levels at evenly spaced quantiles of f over the map (so steep and
/// flat functions both get readable spacing), and each map pixel's level index.
fn contour_levels(func: &Function, layout: &BasinLayout, n: u32) -> Option<(Vec<f64>, Vec<u16>)> {
    if n == 0 {
        return None;
    }
    let tape = func.tape_value();
    let values: Vec<f64> = (0..layout.map_h)
        .into_par_iter()
        .flat_map_iter(|py| {
            let mut regs = Vec::new();
            (0..layout.map_w)
                .map(|px| {
                    let p = layout.point_of(px, py);
                    let mut out = [0.0];
                    tape.eval_into(p[0], p[1], &mut regs, &mut out);
                    out[0]
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.len() < 2 {
        return None;
    }
    sorted.sort_unstable_by(f64::total_cmp);
    let mut levels: Vec<f64> = (1..=n)
        .map(|k| sorted[(k as usize * (sorted.len() - 1)) / (n as usize + 1)])
        .collect();
    levels.dedup();
    let idx = values
        .iter()
        .map(|v| {
            if v.is_finite() {
                levels.partition_point(|l| l <= v) as u16
            } else {
                u16::MAX
            }
        })
        .collect();
    Some((levels, idx))
}

fn draw_contours(map: &mut Image, idx: &[u16], _n: usize) {
    let (w, h) = (map.width as usize, map.height as usize);
    for y in 0..h {
        for x in 0..w {
            let a = idx[y * w + x];
            let right = x + 1 < w && idx[y * w + x + 1] != a;
            let down = y + 1 < h && idx[(y + 1) * w + x] != a;
            if right || down {
                map.blend(x as i64, y as i64, [0, 0, 0, 255], CONTOUR_ALPHA);
            }
        }
    }
}

fn dot(img: &mut Image, cx: i64, cy: i64, r: i64, c: [u8; 4]) {
    for dy in -r..=r {
        for dx in -r..=r {
            let d2 = (dx * dx + dy * dy) as f64;
            let rr = r as f64 + 0.5;
            if d2 <= rr * rr {
                let a = (rr - d2.sqrt()).clamp(0.0, 1.0) as f32;
                img.blend(cx + dx, cy + dy, c, a.max(0.6));
            }
        }
    }
}

fn ring(img: &mut Image, cx: f64, cy: f64, r: f64, width: f64, c: [u8; 4]) {
    let e = (r + width + 1.0).ceil() as i64;
    for dy in -e..=e {
        for dx in -e..=e {
            let (px, py) = (cx.floor() as i64 + dx, cy.floor() as i64 + dy);
            let d = ((px as f64 + 0.5 - cx).powi(2) + (py as f64 + 0.5 - cy).powi(2)).sqrt();
            let cover = (0.5 * width + 0.5 - (d - r).abs()).clamp(0.0, 1.0) as f32;
            if cover > 0.0 {
                img.blend(px, py, c, cover);
            }
        }
    }
}

/// An × of half-size `r` and line width `width` centred on (cx, cy).
fn cross(img: &mut Image, cx: f64, cy: f64, r: f64, width: f64, c: [u8; 4]) {
    let e = (r + width).ceil() as i64;
    for dy in -e..=e {
        for dx in -e..=e {
            let (px, py) = (cx.floor() as i64 + dx, cy.floor() as i64 + dy);
            let (u, v) = (px as f64 + 0.5 - cx, py as f64 + 0.5 - cy);
            if u.abs().max(v.abs()) > r {
                continue;
            }
            let d = (u - v).abs().min((u + v).abs()) / std::f64::consts::SQRT_2;
            let cover = (0.5 * width + 0.5 - d).clamp(0.0, 1.0) as f32;
            if cover > 0.0 {
                img.blend(px, py, c, cover);
            }
        }
    }
}

/// The key to the shading: destination 0's colour from the fewest to the most steps.
fn draw_shade_key(img: &mut Image, x: i64, y: i64, steps: [u32; 2]) {
    let label = "lighter = fewer steps to converge:";
    text::draw(img, x, y, 13.0, INK, label);
    let lo = steps[0].to_string();
    let bx = x + text::measure(label, 13.0).0 as i64 + 10;
    text::draw(img, bx, y, 13.0, INK, &lo);
    let bx = bx + text::measure(&lo, 13.0).0 as i64 + 6;
    let bw = 160i64;
    let (l, h) = (1.0 + steps[0] as f64, 1.0 + steps[1] as f64);
    for i in 0..bw {
        let t = i as f64 / (bw - 1) as f64;
        let s = (l * (h / l).powf(t) - 1.0).round() as u32;
        let r = StartResult {
            end: [0.0; 2],
            value: 0.0,
            steps: s,
            status: Status::Converged,
            destination: 0,
        };
        let c = run_color(&r, steps);
        img.fill_rect(bx + i, y + 3, 1, 11, [c[0], c[1], c[2], 255]);
    }
    text::draw(
        img,
        bx + bw + 6,
        y,
        13.0,
        INK,
        &format!("{} steps (log scale)", steps[1]),
    );
}

fn frame(img: &mut Image, x0: u32, y0: u32, w: u32, h: u32) {
    let c = [90, 90, 90, 255];
    img.fill_rect(x0 as i64 - 1, y0 as i64 - 1, w as i64 + 2, 1, c);
    img.fill_rect(x0 as i64 - 1, (y0 + h) as i64, w as i64 + 2, 1, c);
    img.fill_rect(x0 as i64 - 1, y0 as i64 - 1, 1, h as i64 + 2, c);
    img.fill_rect((x0 + w) as i64, y0 as i64 - 1, 1, h as i64 + 2, c);
}

fn pct(f: f64) -> String {
    let p = 100.0 * f;
    if p > 0.0 && p < 0.1 {
        "<0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

fn draw_title(img: &mut Image, o: &OptimizerReport, x: u32, y: u32) {
    let title = format!("{}  (lr {})", o.optimizer, o.lr);
    text::draw(img, x as i64, y as i64 + 2, 20.0, INK, &title);
    let mut sub = format!("converged {}", pct(o.fraction_converged));
    if o.diverged > 0 {
        sub += &format!(" · diverged {}", pct(o.fraction_diverged));
    }
    if o.running > 0 {
        sub += &format!(" · running {}", pct(o.fraction_running));
    }
    if o.flat > 0 {
        sub += &format!(" · flat {}", pct(o.fraction_flat));
    }
    if let Some(s) = o.steps {
        sub += &format!(" · steps mean {:.1}, p90 {}", s.mean, s.p90);
    }
    text::draw(img, x as i64, y as i64 + 25, 13.0, [90, 90, 90, 255], &sub);
}

fn draw_markers(img: &mut Image, layout: &BasinLayout, panel: usize, o: &OptimizerReport) {
    for d in o.destinations.iter().take(LEGEND_MAX) {
        let Some(_) = layout.pixel_of(panel, d.x, d.y) else {
            continue;
        };
        // Sub-pixel centre.
        let (x0, y0) = layout.maps[panel];
        let dm = &layout.domain;
        let cx = x0 as f64 + (d.x - dm.xmin) / dm.width() * layout.map_w as f64;
        let cy = y0 as f64 + (dm.ymax - d.y) / dm.height() * layout.map_h as f64;
        if d.kind == Kind::Saddle {
            cross(img, cx, cy, 7.0, 4.0, [0, 0, 0, 255]);
            cross(img, cx, cy, 6.5, 2.0, [255, 255, 255, 255]);
        } else {
            ring(img, cx, cy, 6.5, 4.0, [0, 0, 0, 255]);
            ring(img, cx, cy, 6.5, 2.0, [255, 255, 255, 255]);
        }
        let c = destination_color(d.id);
        dot(
            img,
            cx.floor() as i64,
            cy.floor() as i64,
            2,
            [c[0], c[1], c[2], 255],
        );
        let label = d.id.to_string();
        let (tw, th) = text::measure(&label, 15.0);
        // Label to the right, or to the left near the right edge.
        let right_room = (x0 + layout.map_w) as f64 - (cx + 11.0);
        let lx = if right_room > tw as f64 + 4.0 {
            cx + 11.0
        } else {
            cx - 11.0 - tw as f64
        } as i64;
        let ly = (cy - th as f64 / 2.0 - 1.0) as i64;
        img.fill_rect(
            lx - 3,
            ly - 1,
            tw as i64 + 6,
            th as i64 + 3,
            [255, 255, 255, 200],
        );
        text::draw(img, lx, ly, 15.0, INK, &label);
    }
}

fn draw_axes(img: &mut Image, layout: &BasinLayout, panel: usize) {
    let (x0, y0) = layout.maps[panel];
    let d = &layout.domain;
    let c = [110, 110, 110, 255];
    let y = (y0 + layout.map_h + 4) as i64;
    let s = format!(
        "x ∈ [{}, {}],  y ∈ [{}, {}]",
        d.xmin, d.xmax, d.ymin, d.ymax
    );
    let (w, _) = text::measure(&s, 12.0);
    text::draw(
        img,
        (x0 + layout.map_w / 2) as i64 - w as i64 / 2,
        y,
        12.0,
        c,
        &s,
    );
}

/// Legend rows: colour, text.
fn legend(o: &OptimizerReport) -> Vec<([u8; 3], String)> {
    let mut rows: Vec<([u8; 3], String)> = o
        .destinations
        .iter()
        .take(LEGEND_MAX)
        .map(|d| {
            (
                destination_color(d.id),
                format!(
                    "{}  {} ({}, {})  f = {}   {}",
                    d.id,
                    d.kind,
                    short(d.x),
                    short(d.y),
                    short(d.value),
                    pct(d.fraction)
                ),
            )
        })
        .collect();
    if o.destinations.len() > LEGEND_MAX {
        let rest = &o.destinations[LEGEND_MAX..];
        let f: f64 = rest.iter().map(|d| d.fraction).sum();
        rows.push((
            [200, 200, 200],
            format!("{} more destinations   {}", rest.len(), pct(f)),
        ));
    }
    rows.push((DIVERGED, format!("diverged   {}", pct(o.fraction_diverged))));
    rows.push((
        RUNNING,
        if o.flat > 0 {
            format!(
                "still running   {} · flat   {}",
                pct(o.fraction_running),
                pct(o.fraction_flat)
            )
        } else {
            format!("still running   {}", pct(o.fraction_running))
        },
    ));
    rows
}

/// A coordinate or value for the legend: 3 decimals, tiny values as 0.
fn short(v: f64) -> String {
    if v.abs() < 5e-4 {
        "0".to_string()
    } else if v.abs() >= 1e4 {
        format!("{v:.3e}")
    } else {
        format!("{v:.3}")
    }
}

fn draw_legend(img: &mut Image, o: &OptimizerReport, _n: usize, x: u32, y: u32) {
    for (i, (c, s)) in legend(o).iter().enumerate() {
        let ry = y as i64 + i as i64 * LEGEND_ROW as i64;
        img.fill_rect(x as i64, ry + 2, 13, 13, [60, 60, 60, 255]);
        img.fill_rect(x as i64 + 1, ry + 3, 11, 11, [c[0], c[1], c[2], 255]);
        text::draw(img, x as i64 + 20, ry, 13.0, INK, s);
    }
}
