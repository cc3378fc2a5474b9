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

fn c32(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

/// Axes with ticks on the 2D plot, the title, and the colour bar.
pub fn axes(p: &Painter, view: &ViewGeom, scene: &Scene, stats: &Stats) {
    if !scene.axes {
        return;
    }
    let lay = &view.layout;
    let fg = c32(scene.theme.foreground());
    let font = FontId::proportional((lay.font / view.ppp).max(9.0));
    let title = scene
        .title
        .clone()
        .unwrap_or_else(|| format!("f(x, y) = {}", scene.function));
    p.text(
        view.to_pos([lay.width as f64 / 2.0, lay.font as f64 * 0.6]),
        Align2::CENTER_TOP,
        title,
        FontId::proportional((lay.font * 1.25 / view.ppp).max(10.0)),
        fg,
    );
    let d = scene.domain();
    for panel in &lay.panels {
        if panel.kind != PanelKind::TwoD {
            continue;
        }
        let [x, y, w, h] = panel.plot_in_target();
        let r = Rect::from_min_max(view.to_pos([x, y]), view.to_pos([x + w, y + h]));
        p.rect_stroke(r, 0.0, Stroke::new(1.0, fg.gamma_multiply(0.6)), egui::StrokeKind::Outside);
        let fs = lay.font as f64;
        let tick = 4.0;
        for v in nice_ticks(d.xmin, d.xmax, ((w / (fs * 6.0)) as usize).clamp(2, 10)) {
            let px = view.to_pos([x + (v - d.xmin) / d.width() * w, y + h]);
            p.line_segment([px, px + egui::vec2(0.0, tick)], Stroke::new(1.0, fg));
            p.text(px + egui::vec2(0.0, tick + 1.0), Align2::CENTER_TOP, label(v), font.clone(), fg);
        }
        for v in nice_ticks(d.ymin, d.ymax, ((h / (fs * 4.0)) as usize).clamp(2, 10)) {
            let py = view.to_pos([x, y + (d.ymax - v) / d.height() * h]);
            p.line_segment([py, py - egui::vec2(tick, 0.0)], Stroke::new(1.0, fg));
            p.text(py - egui::vec2(tick + 2.0, 0.0), Align2::RIGHT_CENTER, label(v), font.clone(), fg);
        }
    }
    if let Some([x, y, w, h]) = lay.colourbar {
        let n = 64;
        for k in 0..n {
            let t0 = k as f64 / n as f64;
            let t1 = (k + 1) as f64 / n as f64;
            let r = Rect::from_min_max(
                view.to_pos([x, y + (1.0 - t1) * h]),
                view.to_pos([x + w, y + (1.0 - t0) * h + 0.5]),
            );
            p.rect_filled(r, 0.0, c32(scene.map.colormap.at((t0 + t1) * 0.5)));
        }
        for (t, v) in [(0.0, stats.lo), (0.5, (stats.lo + stats.hi) * 0.5), (1.0, stats.hi)] {
            let pos = view.to_pos([x + w + 4.0, y + (1.0 - t) * h]);
            p.text(pos, Align2::LEFT_CENTER, label(stats.unscaled(v, stats.log)), font.clone(), fg);
        }
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
        vec![to, to - dir * head + n * head * 0.45, to - dir * head - n * head * 0.45],
        stroke.color,
        Stroke::NONE,
    ));
}

/// Hovering the 2D map: x, y, f, ∇f, |∇f| in a card, ∇f drawn at the point,
/// and the dial of D_u f = ∇f·u over every direction u.
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
    let text = format!(
        "x = {}\ny = {}\nf = {}\n∇f = ({}, {})\n|∇f| = {}",
        label(x),
        label(y),
        label(f),
        label(fx),
        label(fy),
        label(norm)
    );
    let card = format!(
        "{text}\nD_u f = ∇f·u: largest ({}) along ∇f,\nzero along the contour",
        label(norm)
    );
    let font = FontId::monospace(12.0);
    let anchor = view.origin + egui::vec2(12.0, 12.0);
    let galley = p.layout_no_wrap(card, font, Color32::WHITE);
    let bg = Rect::from_min_size(anchor, galley.size()).expand(6.0);
    p.rect_filled(bg, 4.0, Color32::from_black_alpha(170));
    p.galley(anchor, galley, Color32::WHITE);

    let r = 48.0_f32;
    p.circle_filled(pos, r + 4.0, Color32::from_black_alpha(90));
    p.circle_stroke(pos, r, Stroke::new(1.0, Color32::from_white_alpha(70)));
    let Some((angle, _)) = dial::steepest(g) else {
        p.text(pos + egui::vec2(0.0, r + 8.0), Align2::CENTER_TOP, "∇f = 0: a critical point", FontId::proportional(12.0), Color32::WHITE);
        return;
    };
    // Screen y points down: a function-space angle θ is (cos θ, −sin θ) on screen
    // (the plot keeps the domain's aspect, so angles are true).
    let dir = |t: f64| egui::vec2(t.cos() as f32, -(t.sin() as f32));
    // Contour tangent: D_u f = 0.
    if let Some([a, b]) = dial::tangent(g) {
        p.line_segment([pos + dir(a) * (r + 6.0), pos + dir(b) * (r + 6.0)], Stroke::new(1.0, Color32::from_gray(200)));
    }
    // The dial: radius ∝ |D_u f| / |∇f|, warm where positive (ascent), blue where negative.
    let samples = dial::directional(g, 96);
    let mut pos_pts = Vec::new();
    let mut neg_pts = Vec::new();
    for &(t, d) in &samples {
        let rr = r * (d.abs() / norm) as f32;
        let q = pos + dir(t) * rr;
        if d >= 0.0 {
            pos_pts.push(q);
        } else {
            neg_pts.push(q);
        }
    }
    let warm = Color32::from_rgb(255, 170, 60);
    let cool = Color32::from_rgb(90, 160, 255);
    for (pts, c) in [(pos_pts, warm), (neg_pts, cool)] {
        if pts.len() > 1 {
            let mut closed = pts;
            closed.push(pos);
            p.add(Shape::convex_polygon(closed.clone(), c.gamma_multiply(0.25), Stroke::NONE));
            p.add(Shape::closed_line(closed, Stroke::new(1.5, c)));
        }
    }
    // Spokes: D_u f for a few directions, as the seed's table lists them.
    for k in 0..8 {
        let t = angle + k as f64 * std::f64::consts::FRAC_PI_4;
        let d = g[0] * t.cos() + g[1] * t.sin();
        let q = pos + dir(t) * r * (d.max(0.0) / norm) as f32;
        p.circle_filled(q, 2.0, Color32::WHITE);
    }
    arrow(p, pos, pos + dir(angle) * r, Stroke::new(2.5, Color32::WHITE));
    p.text(
        pos + dir(angle) * (r + 10.0),
        Align2::CENTER_CENTER,
        "∇f",
        FontId::proportional(13.0),
        Color32::WHITE,
    );
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
    p.rect_filled(Rect::from_min_size(at, galley.size()).expand(12.0), 6.0, Color32::from_black_alpha(210));
    p.galley(at, galley, Color32::WHITE);
}
