//! The egui control panel. It edits the [`ViewerState`] only; the app decides
//! after the frame what the edits cost (see `state::rebuild_kind`).

use super::app::Info;
use super::input::{Action, SCENE_FILE, SHORTCUTS};
use super::recorder::{RecordFormat, RecordInfo};
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
    record_section(ui, state, &info.record, fps, actions);
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
        });
    egui::CollapsingHeader::new("Keys")
        .default_open(false)
        .show(ui, |ui| {
            for (k, what) in SHORTCUTS {
                ui.label(RichText::new(format!("{k:<12} {what}")).monospace().small());
            }
        });
}

const RED: egui::Color32 = egui::Color32::from_rgb(255, 110, 100);

/// Record / stop, the format, and while recording the frame count and time.
fn record_section(
    ui: &mut Ui,
    state: &mut ViewerState,
    rec: &RecordInfo,
    viewer_fps: f64,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        let label = if rec.active.is_some() {
            "■ stop recording (v)"
        } else {
            "● record (v)"
        };
        if ui.button(label).clicked() {
            actions.push(Action::ToggleRecording);
        }
        ui.add_enabled_ui(rec.active.is_none(), |ui| {
            for f in RecordFormat::ALL {
                ui.selectable_value(&mut state.record_format, f, f.name());
            }
        });
    });
    match &rec.active {
        Some(a) => {
            let name = a
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "● REC {} frames · {:.1} s → {name}\n{}×{} px, plays at {} fps ({:.1} s)",
                    a.frames,
                    a.seconds,
                    a.size[0],
                    a.size[1],
                    fmt_fps(a.fps),
                    a.frames as f64 / a.fps
                ))
                .monospace()
                .small()
                .color(RED),
            );
            if a.waited > 0.05 {
                ui.label(
                    RichText::new(format!(
                        "the encoder is slower than the window: waited {:.1} s",
                        a.waited
                    ))
                    .small()
                    .weak(),
                );
            }
        }
        None => {
            let f = state.record_format;
            let plays = f.plays_at(rec.cap);
            let mut note = format!(
                "{} plays at {} fps, the frame-rate cap",
                f.name(),
                fmt_fps(plays)
            );
            if plays != rec.cap {
                note.push_str(&format!(" ({} rounded to whole 1/100 s)", fmt_fps(rec.cap)));
            }
            if viewer_fps > 0.0 && viewer_fps < 0.9 * plays {
                note.push_str(&format!(
                    "; the viewer draws {viewer_fps:.1} fps now, so it plays {:.1}× faster than live",
                    plays / viewer_fps
                ));
            }
            ui.label(RichText::new(note).small().weak());
        }
    }
    match &rec.last {
        Some(Ok(saved)) => {
            ui.label(RichText::new(saved).small());
        }
        Some(Err(e)) => {
            ui.colored_label(RED, RichText::new(e).small());
        }
        None => {}
    }
}

fn fmt_fps(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
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
            record: RecordInfo {
                cap: 60.0,
                ..Default::default()
            },
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

#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::viewer::recorder::Active;
    use gradfield::scene::Scene;

    /// Every text the frame painted, with where it starts (points).
    fn texts(shapes: &[egui::epaint::ClippedShape]) -> Vec<(String, egui::Pos2)> {
        fn walk(s: &egui::Shape, out: &mut Vec<(String, egui::Pos2)>) {
            match s {
                egui::Shape::Text(t) => out.push((t.galley.text().to_string(), t.pos)),
                egui::Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for c in shapes {
            walk(&c.shape, &mut out);
        }
        out
    }

    /// Runs the panel one frame with `events`; returns its texts and actions.
    fn frame(
        ctx: &egui::Context,
        state: &mut ViewerState,
        info: &Info,
        events: Vec<egui::Event>,
    ) -> (Vec<(String, egui::Pos2)>, Vec<Action>) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 720.0),
            )),
            events,
            ..Default::default()
        };
        let mut actions = Vec::new();
        let mut out = ctx.run_ui(input, |ui| {
            egui::Panel::left("controls")
                .default_size(300.0)
                .show(ui, |ui| show(ui, state, info, &mut actions));
        });
        out.textures_delta.clear();
        (texts(&out.shapes), actions)
    }

    fn info(record: RecordInfo, fps: f64) -> Info {
        Info {
            timing: (fps, 1e3 / fps, 5.0),
            steps_done: 0,
            particles: 0,
            adapter: "test".into(),
            status: String::new(),
            view_px: [980, 720],
            record,
        }
    }

    fn find<'a>(t: &'a [(String, egui::Pos2)], what: &str) -> Option<&'a (String, egui::Pos2)> {
        t.iter().find(|(s, _)| s.contains(what))
    }

    #[test]
    fn the_record_button_asks_for_a_recording_and_the_panel_shows_its_progress() {
        let ctx = egui::Context::default();
        let mut state = ViewerState::new(Scene::for_function("himmelblau").unwrap());
        let idle = RecordInfo {
            cap: 60.0,
            ..Default::default()
        };
        // Idle, the viewer at 4 fps: the file's rate is the cap, and it says so.
        let i = info(idle.clone(), 4.0);
        frame(&ctx, &mut state, &i, vec![]);
        let (t, _) = frame(&ctx, &mut state, &i, vec![]);
        let note = &find(&t, "plays at").expect("the rate note").0;
        assert!(
            note.contains("MP4 plays at 60 fps, the frame-rate cap"),
            "{note}"
        );
        assert!(note.contains("15.0× faster than live"), "{note}");
        // Click the record button.
        let at = find(&t, "record (v)").expect("a record button").1 + egui::vec2(4.0, 4.0);
        let button = |pressed| egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        };
        let (_, a) = frame(
            &ctx,
            &mut state,
            &i,
            vec![egui::Event::PointerMoved(at), button(true)],
        );
        assert!(a.is_empty());
        let (_, a) = frame(&ctx, &mut state, &i, vec![button(false)]);
        assert_eq!(a, vec![Action::ToggleRecording]);
        // GIF: the rate rounds to whole centiseconds.
        state.record_format = RecordFormat::Gif;
        let (t, _) = frame(&ctx, &mut state, &i, vec![]);
        let note = &find(&t, "plays at").unwrap().0;
        assert!(note.contains("GIF plays at 50 fps"), "{note}");
        assert!(note.contains("(60 rounded to whole 1/100 s)"), "{note}");
        // Recording: a stop button, the frame count, the time, the file.
        let rec = RecordInfo {
            active: Some(Active {
                path: "viewer-recording-3.gif".into(),
                frames: 42,
                seconds: 7.25,
                size: [980, 720],
                fps: 50.0,
                waited: 0.0,
            }),
            ..idle.clone()
        };
        let (t, _) = frame(&ctx, &mut state, &info(rec, 4.0), vec![]);
        assert!(find(&t, "stop recording (v)").is_some());
        let line = &find(&t, "REC 42 frames").expect("the progress line").0;
        assert!(
            line.contains("7.2 s → viewer-recording-3.gif")
                && line.contains("980×720 px, plays at 50 fps (0.8 s)"),
            "{line}"
        );
        // Stopped: the saved path, or the error, on one line.
        for (last, shown) in [
            (
                Ok("saved viewer-recording-3.gif (42 frames…)".to_string()),
                "saved viewer-recording-3.gif",
            ),
            (
                Err("recording failed: ffmpeg not found".to_string()),
                "ffmpeg not found",
            ),
        ] {
            let rec = RecordInfo {
                last: Some(last),
                ..idle.clone()
            };
            let (t, _) = frame(&ctx, &mut state, &info(rec, 60.0), vec![]);
            let l = &find(&t, shown).expect("the outcome line").0;
            assert!(!l.contains('\n'), "{l}");
        }
    }
}
