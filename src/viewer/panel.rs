//! The egui control panel. It edits the [`ViewerState`] only; the app decides
//! after the frame what the edits cost (see `state::rebuild_kind`).

use super::app::Info;
use super::input::{Action, SCENE_FILE, SHORTCUTS};
use super::state::ViewerState;
use egui::{ComboBox, DragValue, RichText, Slider, SliderClamping, Ui};
use gradfield::optim::OptimizerKind;
use gradfield::render::Colormap;
use gradfield::scene::{Direction, Scale, Start, View};
use std::path::PathBuf;

/// Draws the panel; file actions go to `actions`.
pub fn show(ui: &mut Ui, state: &mut ViewerState, info: &Info, actions: &mut Vec<Action>) {
    let (fps, interval, work) = info.timing;
    ui.heading("gradfield");
    ui.label(
        RichText::new(format!(
            "{fps:.1} fps · {interval:.1} ms/frame · {work:.1} ms work\n{} particles · step {} · {}×{} px",
            info.particles, info.steps_done, info.view_px[0], info.view_px[1]
        ))
        .monospace()
        .small(),
    );
    ui.label(RichText::new(&info.adapter).small().weak());
    if !info.status.is_empty() {
        ui.label(RichText::new(&info.status).small());
    }
    ui.separator();

    ui.horizontal(|ui| {
        if ui
            .button(if state.playing { "pause" } else { "play" })
            .clicked()
        {
            state.playing = !state.playing;
        }
        if ui.button("step").clicked() {
            state.playing = false;
            state.step_requested = true;
        }
        if ui.button("reset").clicked() {
            state.reset_requested = true;
        }
    });
    ui.add(
        slider(&mut state.steps_per_frame, 1..=200)
            .logarithmic(true)
            .text("steps / frame"),
    );
    ui.separator();

    egui::CollapsingHeader::new("Function")
        .default_open(true)
        .show(ui, |ui| {
            let current = gradfield::catalog::lookup(&state.scene.function).map(|e| e.name);
            ComboBox::from_label("preset")
                .selected_text(current.unwrap_or("(expression)"))
                .show_ui(ui, |ui| {
                    for e in gradfield::catalog::all() {
                        if ui
                            .selectable_label(current == Some(e.name), e.name)
                            .on_hover_text(e.formula)
                            .clicked()
                        {
                            state.set_preset(e.name);
                        }
                    }
                });
            let mut text = state.expr_text.clone();
            let resp = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .hint_text("f(x, y)")
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Monospace),
            );
            if resp.changed() {
                state.set_expression(&text);
            }
            match &state.expr_error {
                Some(e) => {
                    ui.colored_label(
                        egui::Color32::from_rgb(255, 110, 100),
                        format!("{e}\n(still showing {})", state.scene.function),
                    );
                }
                None => {
                    if let Some(e) = gradfield::catalog::lookup(&state.scene.function) {
                        ui.label(RichText::new(e.formula).small().monospace());
                    }
                }
            }
            ui.label("domain");
            let d = &mut state.scene.domain;
            let w = (d[1] - d[0]).abs().max(1e-9);
            let h = (d[3] - d[2]).abs().max(1e-9);
            ui.horizontal(|ui| {
                ui.add(DragValue::new(&mut d[0]).speed(w * 0.005).prefix("x "));
                ui.add(DragValue::new(&mut d[1]).speed(w * 0.005));
            });
            ui.horizontal(|ui| {
                ui.add(DragValue::new(&mut d[2]).speed(h * 0.005).prefix("y "));
                ui.add(DragValue::new(&mut d[3]).speed(h * 0.005));
            });
            if !(d[0] < d[1] && d[2] < d[3]) {
                // Keep the domain valid while dragging the ends past each other.
                if d[0] >= d[1] {
                    d[1] = d[0] + w.max(1e-6);
                }
                if d[2] >= d[3] {
                    d[3] = d[2] + h.max(1e-6);
                }
            }
        });

    egui::CollapsingHeader::new("View")
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                for (v, name) in [
                    (View::TwoD, "2D"),
                    (View::ThreeD, "3D"),
                    (View::Split, "split"),
                ] {
                    if ui.selectable_label(state.scene.view == v, name).clicked() {
                        state.set_view(v);
                    }
                }
            });
            ComboBox::from_label("colormap")
                .selected_text(state.scene.map.colormap.name())
                .show_ui(ui, |ui| {
                    for c in Colormap::ALL {
                        ui.selectable_value(&mut state.scene.map.colormap, c, c.name());
                    }
                });
            let mut log = state.scene.map.scale == Scale::Log;
            if ui.checkbox(&mut log, "log colour scale").changed() {
                state.scene.map.scale = if log { Scale::Log } else { Scale::Linear };
            }
            ui.add(slider(&mut state.scene.contours.count, 0..=64).text("contours"));
            ui.add(slider(&mut state.scene.arrows.density, 0..=60).text("arrows"));
            ui.add(slider(&mut state.scene.arrows.scale, 0.1..=4.0).text("arrow scale"));
            let mut descent = state.scene.arrows.direction == Direction::Descent;
            if ui
                .checkbox(&mut descent, "arrows along −∇f (descent)")
                .changed()
            {
                state.toggle_direction();
            }
            ui.checkbox(&mut state.scene.critical.show, "critical points");
            ui.add(slider(&mut state.scene.camera.zscale, 0.1..=2.0).text("3D height"));
            ui.checkbox(&mut state.show_help, "help overlay (F1)");
        });

    egui::CollapsingHeader::new("Particles")
        .default_open(true)
        .show(ui, |ui| {
            let p = &mut state.scene.particles;
            if p.start == Start::Points {
                ui.label(format!(
                    "{} particles from the scene's points",
                    p.points.len()
                ));
            } else {
                ui.add(
                    slider(&mut p.count, 0..=1_048_576)
                        .logarithmic(true)
                        .text("count"),
                );
            }
            ComboBox::from_label("start")
                .selected_text(match p.start {
                    Start::Grid => "grid",
                    Start::Random => "random",
                    Start::Points => "points",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut p.start, Start::Grid, "grid");
                    ui.selectable_value(&mut p.start, Start::Random, "random");
                });
            if p.start == Start::Random {
                ui.add(DragValue::new(&mut p.seed).prefix("seed "));
            }
            ui.add(slider(&mut p.trail_length, 0..=128).text("trail length"));
            ui.add(slider(&mut p.trail_stride, 1..=16).text("trail stride"));
            ui.add(slider(&mut p.size, 1.0..=16.0).text("size px"));
            if !state.dropped.is_empty() {
                ui.horizontal(|ui| {
                    ui.label(format!("{} dropped", state.dropped.len()));
                    if ui.small_button("clear").clicked() {
                        state.dropped.clear();
                    }
                });
            }
        });

    egui::CollapsingHeader::new("Optimizer")
        .default_open(true)
        .show(ui, |ui| {
            let p = &mut state.scene.particles;
            let kind = OptimizerKind::parse(&p.optimizer).ok();
            ComboBox::from_label("optimizer")
                .selected_text(p.optimizer.clone())
                .show_ui(ui, |ui| {
                    for k in OptimizerKind::ALL {
                        if ui.selectable_label(kind == Some(k), k.name()).clicked()
                            && kind != Some(k)
                        {
                            p.optimizer = k.name().to_string();
                            // The catalogue's lr is tuned for gd; others take their own default.
                            p.lr = None;
                        }
                    }
                });
            let mut lr = p.lr.unwrap_or_else(|| state_lr_default(&p.optimizer));
            if ui
                .add(
                    slider(&mut lr, 1e-5..=1.0)
                        .logarithmic(true)
                        .text("learning rate"),
                )
                .changed()
            {
                p.lr = Some(lr);
            }
            match kind {
                Some(OptimizerKind::Momentum | OptimizerKind::Nesterov) => {
                    opt_slider(ui, &mut p.momentum, 0.9, 0.0..=0.999, "momentum μ");
                }
                Some(OptimizerKind::Adam) => {
                    opt_slider(ui, &mut p.beta1, 0.9, 0.0..=0.999, "β₁");
                    opt_slider(ui, &mut p.beta2, 0.999, 0.0..=0.9999, "β₂");
                }
                Some(OptimizerKind::Rmsprop) => {
                    opt_slider(ui, &mut p.alpha, 0.99, 0.0..=0.999, "α");
                }
                _ => {}
            }
            let mut clip = p.clip > 0.0;
            ui.horizontal(|ui| {
                if ui.checkbox(&mut clip, "clip |∇f| at").changed() {
                    p.clip = if clip { 10.0 } else { 0.0 };
                }
                if clip {
                    ui.add(DragValue::new(&mut p.clip).range(1e-3..=1e6).speed(0.1));
                }
            });
        });

    egui::CollapsingHeader::new("Files")
        .default_open(false)
        .show(ui, |ui| {
            if ui.button("screenshot of the view (p)").clicked() {
                actions.push(Action::Screenshot);
            }
            if ui.button("screenshot of the window (shift-p)").clicked() {
                actions.push(Action::WindowScreenshot);
            }
            if ui
                .button(format!("save scene as {SCENE_FILE} (w)"))
                .clicked()
            {
                actions.push(Action::SaveScene(PathBuf::from(SCENE_FILE)));
            }
            ui.label(
                RichText::new("recording: use `gradfield record` on a saved scene")
                    .small()
                    .weak(),
            );
        });
    egui::CollapsingHeader::new("Keys")
        .default_open(false)
        .show(ui, |ui| {
            for (k, what) in SHORTCUTS {
                ui.label(RichText::new(format!("{k:<12} {what}")).monospace().small());
            }
        });
}

fn state_lr_default(optimizer: &str) -> f64 {
    let mut s = gradfield::scene::Scene::default();
    s.particles.optimizer = optimizer.to_string();
    s.optimizer().map(|o| o.lr).unwrap_or(0.01)
}

fn opt_slider(
    ui: &mut Ui,
    v: &mut Option<f64>,
    default: f64,
    range: std::ops::RangeInclusive<f64>,
    name: &str,
) {
    let mut x = v.unwrap_or(default);
    if ui.add(slider(&mut x, range).text(name)).changed() {
        *v = Some(x);
    }
}

/// A slider that never rewrites a value it merely shows: a scene may hold a
/// value beyond the slider's range (a file's `trail_length = 150`), and showing
/// the panel must not change the scene (that would rebuild the renderer and
/// restart the particles). Only the user's own edits are kept in range.
fn slider<'a, N: egui::emath::Numeric>(
    v: &'a mut N,
    range: std::ops::RangeInclusive<N>,
) -> Slider<'a> {
    Slider::new(v, range).clamping(SliderClamping::Edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradfield::scene::Scene;

    fn info() -> Info {
        Info {
            timing: (60.0, 16.7, 5.0),
            steps_done: 0,
            particles: 0,
            adapter: "test".into(),
            status: String::new(),
            view_px: [980, 720],
        }
    }

    /// Runs the panel for a few frames with no input; returns what it asked for.
    fn show_idle(state: &mut ViewerState) -> Vec<Action> {
        let ctx = egui::Context::default();
        let mut actions = Vec::new();
        for _ in 0..3 {
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(1280.0, 720.0),
                )),
                ..Default::default()
            };
            let mut out = ctx.run_ui(input, |ui| {
                egui::Panel::left("controls").show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .show(ui, |ui| show(ui, state, &info(), &mut actions));
                });
            });
            out.textures_delta.clear();
        }
        actions
    }

    #[test]
    fn showing_the_panel_changes_no_shipped_scene() {
        // A slider that clamped what it shows would rewrite e.g. rosenbrock-adam's
        // trail_length = 150 to 128 and restart the particles on the first frame.
        let mut n = 0;
        for entry in std::fs::read_dir("assets/scenes").unwrap() {
            let path = entry.unwrap().path();
            let scene = Scene::load(&path).unwrap();
            let mut state = ViewerState::new(scene.clone());
            let actions = show_idle(&mut state);
            assert_eq!(
                state.scene,
                scene,
                "{} changed by the panel",
                path.display()
            );
            assert!(actions.is_empty() && !state.reset_requested && !state.step_requested);
            n += 1;
        }
        assert!(n >= 5, "{n} scenes");
        let mut state = ViewerState::new(super::super::initial_scene(None).unwrap());
        let before = state.scene.clone();
        show_idle(&mut state);
        assert_eq!(state.scene, before);
    }
}
