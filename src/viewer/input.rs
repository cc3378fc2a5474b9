//! Mouse and keyboard on the scene view: 2D pan and zoom about the cursor,
//! 3D orbit / pan / zoom, click to drop particles, and the keyboard shortcuts.

use super::state::ViewerState;
use gradfield::render::layout::{Layout, PanelKind};
use gradfield::scene::View;
use std::path::PathBuf;

/// Things the app does outside the state (files, quitting).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The scene view as `render` draws it.
    Screenshot,
    /// The whole window as the screen shows it (panel, hover card, help).
    WindowScreenshot,
    SaveScene(PathBuf),
    Quit,
}

/// Where the `w` key and the panel's button save the scene.
pub const SCENE_FILE: &str = "viewer-scene.toml";

/// The shortcuts, for the help overlay and the panel.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("space", "play / pause"),
    ("s", "single step"),
    ("r", "reset particles"),
    ("1 / 2 / 3", "2D / 3D / split view"),
    ("c", "critical points on/off"),
    ("d", "arrows: ascent / descent"),
    ("p", "screenshot of the view"),
    ("shift-p", "screenshot of the window"),
    ("w", "save the scene (viewer-scene.toml)"),
    ("F1, h or ?", "this help"),
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
            click(state, view, pos, shift);
        }
    }
}

/// A click at `pos` (screen points): drops a particle (a burst with shift)
/// where the 2D map shows that point; elsewhere it does nothing. Returns the
/// function coordinates it dropped at.
pub fn click(
    state: &mut ViewerState,
    view: &ViewGeom,
    pos: egui::Pos2,
    shift: bool,
) -> Option<[f64; 2]> {
    let [x, y] = view.at(state.scene.domain, view.to_px(pos))?;
    state.drop_particles(x, y, shift);
    Some([x, y])
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
            actions.push(if i.modifiers.shift {
                Action::WindowScreenshot
            } else {
                Action::Screenshot
            });
        }
        if k(Key::W) {
            actions.push(Action::SaveScene(PathBuf::from(SCENE_FILE)));
        }
        if k(Key::F1) || k(Key::H) || k(Key::Questionmark) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use gradfield::scene::{Direction, Scene};

    /// Presses `key` (with `modifiers`) in a fresh frame and runs the shortcuts.
    fn press(
        ctx: &egui::Context,
        state: &mut ViewerState,
        key: egui::Key,
        modifiers: egui::Modifiers,
    ) -> Vec<Action> {
        let mut input = egui::RawInput::default();
        input.events.push(egui::Event::ModifiersChanged(modifiers));
        for pressed in [true, false] {
            input.events.push(egui::Event::Key {
                key,
                physical_key: None,
                pressed,
                repeat: false,
                modifiers,
            });
        }
        let mut actions = Vec::new();
        let mut out = ctx.run_ui(input, |ui| shortcuts(ui.ctx(), state, &mut actions));
        out.textures_delta.clear();
        actions
    }

    #[test]
    fn keyboard_shortcuts_change_the_state_or_ask_for_actions() {
        use egui::{Key, Modifiers};
        let ctx = egui::Context::default();
        let none = Modifiers::NONE;
        let mut s = ViewerState::new(Scene::for_function("himmelblau").unwrap());
        assert!(s.playing);
        press(&ctx, &mut s, Key::Space, none);
        assert!(!s.playing, "space pauses");
        press(&ctx, &mut s, Key::Space, none);
        assert!(s.playing, "space plays");
        press(&ctx, &mut s, Key::S, none);
        assert!(!s.playing && s.step_requested, "s steps once, paused");
        press(&ctx, &mut s, Key::R, none);
        assert!(s.reset_requested);
        for (k, v) in [
            (Key::Num2, View::ThreeD),
            (Key::Num3, View::Split),
            (Key::Num1, View::TwoD),
        ] {
            press(&ctx, &mut s, k, none);
            assert_eq!(s.scene.view, v);
        }
        let shown = s.scene.critical.show;
        press(&ctx, &mut s, Key::C, none);
        assert_eq!(s.scene.critical.show, !shown);
        let dir = s.scene.arrows.direction;
        press(&ctx, &mut s, Key::D, none);
        assert_ne!(s.scene.arrows.direction, dir);
        press(&ctx, &mut s, Key::D, none);
        assert_eq!(s.scene.arrows.direction, dir);
        assert_eq!(dir, Direction::Ascent);
        press(&ctx, &mut s, Key::F1, none);
        assert!(s.show_help, "F1 shows the help");
        assert!(
            press(&ctx, &mut s, Key::Escape, none).is_empty(),
            "Esc closes the help first"
        );
        assert!(!s.show_help);
        press(&ctx, &mut s, Key::H, none);
        assert!(s.show_help, "h shows the help");
        assert_eq!(press(&ctx, &mut s, Key::P, none), vec![Action::Screenshot]);
        assert_eq!(
            press(&ctx, &mut s, Key::P, Modifiers::SHIFT),
            vec![Action::WindowScreenshot]
        );
        assert_eq!(
            press(&ctx, &mut s, Key::W, none),
            vec![Action::SaveScene(PathBuf::from(SCENE_FILE))]
        );
        assert_eq!(press(&ctx, &mut s, Key::Q, none), vec![Action::Quit]);
    }

    fn geom(scene: &Scene, origin: egui::Pos2, ppp: f32, px: [u32; 2]) -> ViewGeom {
        ViewGeom {
            origin,
            ppp,
            layout: Layout::new(scene, px[0], px[1]),
        }
    }

    #[test]
    fn a_click_drops_a_particle_where_the_map_shows_that_point() {
        for (view, ppp) in [(View::TwoD, 1.0), (View::Split, 2.0)] {
            let mut scene = Scene::for_function("x^2 + 3*y^2").unwrap();
            scene.domain = [-4.0, 2.0, -1.0, 3.0];
            scene.view = view;
            let mut state = ViewerState::new(scene.clone());
            // The view starts 300 points right of the window's edge (the panel).
            let g = geom(&scene, egui::pos2(300.0, 0.0), ppp, [1960, 1440]);
            // Where the renderer draws (1.5, -0.5), in view pixels, then in screen points.
            let target = [1.5, -0.5];
            let px = g.layout.to_pixel(&scene, target[0], target[1]).unwrap();
            let pos = g.to_pos(px);
            let at = click(&mut state, &g, pos, false).expect("inside the map");
            let err = (at[0] - target[0]).abs().max((at[1] - target[1]).abs());
            eprintln!("{view:?} ppp {ppp}: dropped at {at:?}, error {err:e}");
            // Measured ≤ 1.2e-6 (f32 screen points); bound: a hundredth of a pixel (≈ 7e-5).
            let pixel = 6.0 / g.plot().unwrap()[2];
            assert!(err < pixel * 0.01, "{at:?} vs {target:?}");
            assert_eq!(state.dropped, vec![at]);
            let starts = state.render_scene().starts();
            assert_eq!(*starts.last().unwrap(), at);
            assert_eq!(starts.len(), scene.starts().len() + 1);
            // Shift-click: a burst of 64 around the point.
            click(&mut state, &g, pos, true).unwrap();
            assert_eq!(state.dropped.len(), 65);
            let r = state.dropped[1..]
                .iter()
                .map(|p| (p[0] - at[0]).hypot(p[1] - at[1]))
                .fold(0.0, f64::max);
            assert!(r > 0.0 && r <= 0.03 * 4.0 + 1e-12, "burst radius {r}");
            // Outside the map (the title strip above it): nothing is dropped.
            let above = g.to_pos([px[0], 1.0]);
            assert!(click(&mut state, &g, above, false).is_none());
            assert_eq!(state.dropped.len(), 65);
        }
    }
}
