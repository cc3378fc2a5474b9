//! What egui paints over the scene view: axes, title and colour bar (the
//! window's counterpart of `render::overlay`, which draws on the CPU image),
//! the hover lesson (∇f and the directional-derivative dial) and the help card.

use super::dial;
use super::input::{ViewGeom, SHORTCUTS};
use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke};
use gradfield::render::layout::PanelKind;
use gradfield::render::overlay::{label, nice_ticks};
use gradfield::render::stats::Stats;
use gradfield::scene::Scene;
use gradfield::Function;

/// The font family (DejaVu Sans, registered by the app) of the scene's axes
/// and title, the font `render` draws them with.
pub const SCENE_FONT: &str = "dejavu";

fn scene_font(points: f32) -> FontId {
    FontId::new(points, egui::FontFamily::Name(SCENE_FONT.into()))
}

fn c32(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

/// Axes with ticks on the 2D plot, axis names, the title, and the colour bar
/// with its ticks: the same marks, at the same places, as `render::overlay::draw`
/// puts on the CPU image.
pub fn axes(p: &Painter, view: &ViewGeom, scene: &Scene, stats: &Stats) {
    if !scene.axes {
        return;
    }
    let lay = &view.layout;
    let fg = c32(scene.theme.foreground());
    let dim = fg.gamma_multiply(150.0 / 255.0);
    let fs = lay.font as f64;
    let pt = |px: f64| (px as f32 / view.ppp).max(6.0);
    let font = scene_font(pt(fs));
    let small = scene_font(pt(fs * 0.9));
    let title = scene
        .title
        .clone()
        .unwrap_or_else(|| format!("f(x, y) = {}", scene.function));
    p.text(
        view.to_pos([lay.width as f64 / 2.0, fs * 0.6]),
        Align2::CENTER_TOP,
        title,
        scene_font(pt(fs * 1.25)),
        fg,
    );
    let d = scene.domain();
    let line = |a: [f64; 2], b: [f64; 2], c: Color32| {
        p.line_segment([view.to_pos(a), view.to_pos(b)], Stroke::new(1.0, c));
    };
    for panel in &lay.panels {
        if panel.kind != PanelKind::TwoD {
            continue;
        }
        let [x, y, w, h] = panel.plot_in_target();
        let r = Rect::from_min_max(view.to_pos([x, y]), view.to_pos([x + w, y + h]));
        p.rect_stroke(r, 0.0, Stroke::new(1.0, dim), egui::StrokeKind::Outside);
        let tick = fs * 0.4;
        for v in nice_ticks(d.xmin, d.xmax, ((w / (fs * 6.0)) as usize).clamp(2, 10)) {
            let px = x + (v - d.xmin) / d.width() * w;
            line([px, y + h], [px, y + h + tick], fg);
            p.text(
                view.to_pos([px, y + h + tick + 2.0]),
                Align2::CENTER_TOP,
                label(v),
                font.clone(),
                fg,
            );
        }
        for v in nice_ticks(d.ymin, d.ymax, ((h / (fs * 4.0)) as usize).clamp(2, 10)) {
            let py = y + (d.ymax - v) / d.height() * h;
            line([x - 1.0 - tick, py], [x - 1.0, py], fg);
            p.text(
                view.to_pos([x - tick - 4.0, py]),
                Align2::RIGHT_CENTER,
                label(v),
                font.clone(),
                fg,
            );
        }
        p.text(
            view.to_pos([x + w / 2.0, y + h + fs * 1.7]),
            Align2::CENTER_TOP,
            "x",
            font.clone(),
            dim,
        );
        p.text(
            view.to_pos([(x - fs * 4.2).max(2.0), y + h / 2.0]),
            Align2::LEFT_CENTER,
            "y",
            font.clone(),
            dim,
        );
    }
    if let Some([x, y, w, h]) = lay.colourbar {
        // One band per pixel row, as `render` fills it.
        let n = h.round().max(2.0) as usize;
        for k in 0..n {
            let t0 = k as f64 / n as f64;
            let t1 = (k + 1) as f64 / n as f64;
            let r = Rect::from_min_max(
                view.to_pos([x, y + (1.0 - t1) * h]),
                view.to_pos([x + w, y + (1.0 - t0) * h + 0.5]),
            );
            p.rect_filled(r, 0.0, c32(scene.map.colormap.at((t0 + t1) * 0.5)));
        }
        let r = Rect::from_min_max(view.to_pos([x, y]), view.to_pos([x + w, y + h]));
        p.rect_stroke(r, 0.0, Stroke::new(1.0, dim), egui::StrokeKind::Outside);
        for (s, v) in colourbar_ticks(stats, h, fs) {
            let t = (s - stats.lo) / (stats.hi - stats.lo);
            let py = y + (1.0 - t) * h;
            line([x + w, py], [x + w + fs * 0.35, py], fg);
            p.text(
                view.to_pos([x + w + fs * 0.5, py]),
                Align2::LEFT_CENTER,
                label(v),
                small.clone(),
                fg,
            );
        }
        let cap = if stats.log { "f (log)" } else { "f" };
        p.text(
            view.to_pos([x, y - fs * 1.5]),
            Align2::LEFT_TOP,
            cap,
            small,
            dim,
        );
    }
}

/// The colour bar's ticks as (scaled value, f): decades of f − fmin on a log
/// scale, round numbers on a linear one (as `render::overlay::draw` chooses them).
fn colourbar_ticks(stats: &Stats, h: f64, fs: f64) -> Vec<(f64, f64)> {
    if stats.log {
        let (a, b) = (stats.lo.ceil() as i64, stats.hi.floor() as i64);
        let stride = ((b - a) / 6 + 1).max(1);
        (a..=b)
            .step_by(stride as usize)
            .map(|k| (k as f64, stats.fmin + 10f64.powi(k as i32)))
            .collect()
    } else {
        nice_ticks(stats.lo, stats.hi, ((h / (fs * 3.0)) as usize).clamp(2, 8))
            .into_iter()
            .map(|v| (v, v))
            .collect()
    }
}

fn arrow(p: &Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    let v = to - from;
    let len = v.length();
    if len < 1.0 {
        return;
    }
    let dir = v / len;
    let n = egui::vec2(-dir.y, dir.x);
    let head = (len * 0.25).min(10.0);
    p.line_segment([from, to - dir * head * 0.5], stroke);
    p.add(Shape::convex_polygon(
        vec![
            to,
            to - dir * head + n * head * 0.45,
            to - dir * head - n * head * 0.45,
        ],
        stroke.color,
        Stroke::NONE,
    ));
}

/// Hovering the 2D map: x, y, f, ∇f, |∇f| in a card beside the point, ∇f
/// drawn at the point, and the dial of D_u f = ∇f·u over every direction u:
/// in polar form r(u) = |D_u f| it is two discs through the point, the warm
/// one (ascent) reaching farthest, |∇f|, exactly along ∇f, the cool one
/// (descent) opposite, and the two touch along the contour, where D_u f = 0.
pub fn hover(p: &Painter, view: &ViewGeom, scene: &Scene, func: &Function, pos: Pos2) {
    let px = view.to_px(pos);
    let Some(i) = view.panel_at(px) else { return };
    if view.layout.panels[i].kind != PanelKind::TwoD {
        return;
    }
    let Some([x, y]) = view.at(scene.domain, px) else {
        return;
    };
    let [f, fx, fy] = func.value_grad(x, y);
    let g = [fx, fy];
    let norm = fx.hypot(fy);
    let r = 56.0_f32;
    let view_rect = Rect::from_min_size(
        view.origin,
        egui::vec2(
            view.layout.width as f32 / view.ppp,
            view.layout.height as f32 / view.ppp,
        ),
    );
    let card = format!(
        "x = {}\ny = {}\nf = {}\n∇f = ({}, {})\n|∇f| = {}\n\nD_u f = ∇f·u, for every direction u:\n  largest, {}, along ∇f (warm)\n  zero along the contour (line)\n  −|∇f| against ∇f (cool)",
        label(x),
        label(y),
        label(f),
        label(fx),
        label(fy),
        label(norm),
        label(norm)
    );
    card_at(p, view_rect, pos, r + 48.0, fx < 0.0, card);

    p.circle_filled(pos, r + 6.0, Color32::from_black_alpha(110));
    p.circle_stroke(pos, r, Stroke::new(1.0, Color32::from_white_alpha(60)));
    let Some((angle, _)) = dial::steepest(g) else {
        p.text(
            pos + egui::vec2(0.0, r + 10.0),
            Align2::CENTER_TOP,
            "∇f = 0: a critical point, D_u f = 0 for every u",
            FontId::proportional(13.0),
            Color32::WHITE,
        );
        p.circle_filled(pos, 3.0, Color32::WHITE);
        return;
    };
    // Screen y points down: a function-space angle θ is (cos θ, −sin θ) on
    // screen (the plot keeps the domain's aspect, so angles are true).
    let dir = |t: f64| egui::vec2(t.cos() as f32, -(t.sin() as f32));
    let warm = Color32::from_rgb(255, 170, 60);
    let cool = Color32::from_rgb(90, 170, 255);
    for (lobe, c) in dial::lobes(g, 48).into_iter().zip([warm, cool]) {
        let pts: Vec<Pos2> = lobe
            .iter()
            .map(|&(t, d)| pos + dir(t) * r * (d.abs() / norm) as f32)
            .collect();
        p.add(Shape::convex_polygon(
            pts.clone(),
            c.gamma_multiply(0.3),
            Stroke::NONE,
        ));
        p.add(Shape::closed_line(pts, Stroke::new(1.5, c)));
    }
    // The contour's tangent: the directions where D_u f = 0.
    if let Some([a, b]) = dial::tangent(g) {
        p.line_segment(
            [pos + dir(a) * (r + 6.0), pos + dir(b) * (r + 6.0)],
            Stroke::new(1.5, Color32::from_gray(235)),
        );
    }
    arrow(
        p,
        pos,
        pos + dir(angle) * r,
        Stroke::new(2.5, Color32::WHITE),
    );
    p.circle_filled(pos, 2.5, Color32::WHITE);
    p.text(
        pos + dir(angle) * (r + 16.0),
        Align2::CENTER_CENTER,
        "∇f",
        FontId::proportional(15.0),
        Color32::WHITE,
    );
}

/// The hover card beside the dial (on the side ∇f does not point to), kept inside the view.
/// `gap` from the point, on the right when `right` and it fits, else on the left.
fn card_at(p: &Painter, view: Rect, pos: Pos2, gap: f32, right: bool, text: String) {
    let galley = p.layout_no_wrap(text, FontId::monospace(12.0), Color32::WHITE);
    let size = galley.size();
    // Vertically centred on the point, clamped into the view.
    let fits_right = pos.x + gap + size.x + 8.0 <= view.max.x;
    let fits_left = pos.x - gap - size.x >= view.min.x + 8.0;
    let x = if (right && fits_right) || !fits_left {
        pos.x + gap
    } else {
        pos.x - gap - size.x
    };
    let mut at = egui::pos2(x, pos.y - size.y / 2.0);
    at.x = at.x.clamp(
        view.min.x + 8.0,
        (view.max.x - size.x - 8.0).max(view.min.x + 8.0),
    );
    at.y = at.y.clamp(
        view.min.y + 8.0,
        (view.max.y - size.y - 8.0).max(view.min.y + 8.0),
    );
    p.rect_filled(
        Rect::from_min_size(at, size).expand(6.0),
        4.0,
        Color32::from_black_alpha(190),
    );
    p.galley(at, galley, Color32::WHITE);
}

/// The keyboard and mouse card.
pub fn help(p: &Painter, view: Rect) {
    let font = FontId::monospace(13.0);
    let mut text = String::from("gradfield view — keys and mouse\n\n");
    for (k, what) in SHORTCUTS {
        text.push_str(&format!("{k:<12} {what}\n"));
    }
    let galley = p.layout_no_wrap(text, font, Color32::WHITE);
    let at = view.center() - galley.size() / 2.0;
    p.rect_filled(
        Rect::from_min_size(at, galley.size()).expand(12.0),
        6.0,
        Color32::from_black_alpha(210),
    );
    p.galley(at, galley, Color32::WHITE);
}
