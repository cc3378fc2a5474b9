//! Mouse and keyboard on the scene view: 2D pan and zoom about the cursor,
//! 3D orbit / pan / zoom, click to drop particles, and the keyboard shortcuts.

use super::state::ViewerState;
use gradfield::render::layout::{Layout, PanelKind};
use gradfield::scene::View;
use std::path::PathBuf;

/// Things the app does outside the state (files, quitting).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Screenshot,
    SaveScene(PathBuf),
    Quit,
}

/// The shortcuts, for the help overlay and the panel.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("space", "play / pause"),
    ("s", "single step"),
    ("r", "reset particles"),
    ("1 / 2 / 3", "2D / 3D / split view"),
    ("c", "critical points on/off"),
    ("d", "arrows: ascent / descent"),
    ("p", "screenshot"),
    ("h or ?", "this help"),
    ("q / Esc", "quit"),
    ("drag (2D)", "pan"),
    ("wheel (2D)", "zoom about the cursor"),
    ("drag (3D)", "orbit; right/shift-drag pans"),
    ("wheel (3D)", "zoom"),
    ("click", "drop a particle"),
    ("shift-click", "drop a burst of 64"),
];

/// Where the scene view is on screen: its top-left in egui points, the
/// pixels-per-point, and the renderer's layout of its pixels.
pub struct ViewGeom {
    pub origin: egui::Pos2,
    pub ppp: f32,
    pub layout: Layout,
}

impl ViewGeom {
    /// A screen position (points) in the view's pixels.
    pub fn to_px(&self, p: egui::Pos2) -> [f64; 2] {
        [
            ((p.x - self.origin.x) * self.ppp) as f64,
            ((p.y - self.origin.y) * self.ppp) as f64,
        ]
    }

    /// A view pixel as a screen position (points).
    pub fn to_pos(&self, px: [f64; 2]) -> egui::Pos2 {
        egui::pos2(
            self.origin.x + px[0] as f32 / self.ppp,
            self.origin.y + px[1] as f32 / self.ppp,
        )
    }

    /// The panel under a view pixel.
    pub fn panel_at(&self, px: [f64; 2]) -> Option<usize> {
        self.layout.panels.iter().position(|p| {
            let [x, y, w, h] = p.rect.map(|v| v as f64);
            px[0] >= x && px[0] < x + w && px[1] >= y && px[1] < y + h
        })
    }

    /// The 2D plot rectangle [x, y, w, h] in view pixels.
    pub fn plot(&self) -> Option<[f64; 4]> {
        let i = self.layout.map_panel()?;
        Some(self.layout.panels[i].plot_in_target())
    }

    /// Function coordinates under a view pixel, when it is inside the 2D plot.
    pub fn at(&self, domain: [f64; 4], px: [f64; 2]) -> Option<[f64; 2]> {
        let p = self.plot()?;
        let u = (px[0] - p[0]) / p[2];
        let v = (px[1] - p[1]) / p[3];
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
            return None;
        }
        Some([
            domain[0] + u * (domain[1] - domain[0]),
            domain[3] - v * (domain[3] - domain[2]),
        ])
    }
}

/// Mouse on the scene view.
pub fn scene_input(
    ui: &egui::Ui,
    resp: &egui::Response,
    state: &mut ViewerState,
    view: &ViewGeom,
    _actions: &mut Vec<Action>,
) {
    let (press, shift, scroll) = ui.input(|i| {
        (
            i.pointer.press_origin(),
            i.modifiers.shift,
            i.smooth_scroll_delta.y,
        )
    });
    let kind_at = |pos: egui::Pos2| {
        view.panel_at(view.to_px(pos))
            .map(|i| view.layout.panels[i].kind)
    };
    if resp.dragged() {
        let d = resp.drag_delta() * view.ppp;
        let delta = [d.x as f64, d.y as f64];
        match press.and_then(kind_at) {
            Some(PanelKind::TwoD) => {
                if let Some(plot) = view.plot() {
                    state.pan(plot, delta);
                }
            }
            Some(PanelKind::ThreeD) => {
                if shift || resp.dragged_by(egui::PointerButton::Secondary) {
                    let h = view
                        .layout
                        .panels
                        .iter()
                        .find(|p| p.kind == PanelKind::ThreeD)
                        .map(|p| p.rect[3] as f64)
                        .unwrap_or(1.0);
                    state.pan_3d(delta, h);
                } else {
                    state.orbit(delta);
                }
            }
            None => {}
        }
    }
    if let Some(pos) = resp.hover_pos() {
        if scroll != 0.0 {
            // One wheel notch (≈ 50 points in egui) zooms by about 12 %.
            let factor = (-scroll as f64 * 0.0025).exp();
            match kind_at(pos) {
                Some(PanelKind::TwoD) => {
                    if let Some(plot) = view.plot() {
                        state.zoom_about(plot, view.to_px(pos), factor);
                    }
                }
                Some(PanelKind::ThreeD) => state.dolly(factor),
                None => {}
            }
        }
    }
    if resp.clicked() {
        if let Some(pos) = resp.interact_pointer_pos() {
            if let Some([x, y]) = view.at(state.scene.domain, view.to_px(pos)) {
                state.drop_particles(x, y, shift);
            }
        }
    }
}

/// Keyboard shortcuts (ignored while a text box has the keyboard).
pub fn shortcuts(ctx: &egui::Context, state: &mut ViewerState, actions: &mut Vec<Action>) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    use egui::Key;
    ctx.input(|i| {
        let k = |key| i.key_pressed(key);
        if k(Key::Space) {
            state.playing = !state.playing;
        }
        if k(Key::S) {
            state.playing = false;
            state.step_requested = true;
        }
        if k(Key::R) {
            state.reset_requested = true;
        }
        if k(Key::Num1) {
            state.set_view(View::TwoD);
        }
        if k(Key::Num2) {
            state.set_view(View::ThreeD);
        }
        if k(Key::Num3) {
            state.set_view(View::Split);
        }
        if k(Key::C) {
            state.scene.critical.show = !state.scene.critical.show;
        }
        if k(Key::D) {
            state.toggle_direction();
        }
        if k(Key::P) {
            actions.push(Action::Screenshot);
        }
        if k(Key::H) || k(Key::Questionmark) {
            state.show_help = !state.show_help;
        }
        if k(Key::Q) || k(Key::Escape) {
            if state.show_help && k(Key::Escape) {
                state.show_help = false;
            } else {
                actions.push(Action::Quit);
            }
        }
    });
}
