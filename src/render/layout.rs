//! Where things go in the image: panels (2D map, 3D view), the plot rectangle
//! inside a 2D panel (keeping the domain's aspect, so ∇f looks perpendicular
//! to the contours), and margins for the CPU overlay (title, ticks, colour bar).

use crate::scene::{Scene, View};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelKind {
    TwoD,
    ThreeD,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelLayout {
    pub kind: PanelKind,
    /// x, y, width, height in target pixels.
    pub rect: [u32; 4],
    /// Plot rectangle inside the panel, in panel pixels (2D; the whole panel in 3D).
    pub plot: [f32; 4],
}

impl PanelLayout {
    /// The plot rectangle in whole panel pixels (for scissors).
    pub fn plot_px(&self) -> [u32; 4] {
        let [x, y, w, h] = self.plot;
        [
            x.floor() as u32,
            y.floor() as u32,
            w.ceil() as u32 + 1,
            h.ceil() as u32 + 1,
        ]
    }

    /// Plot rectangle in target pixels as f64 (x, y, w, h).
    pub fn plot_in_target(&self) -> [f64; 4] {
        [
            self.rect[0] as f64 + self.plot[0] as f64,
            self.rect[1] as f64 + self.plot[1] as f64,
            self.plot[2] as f64,
            self.plot[3] as f64,
        ]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    /// Text size in pixels for ticks and labels.
    pub font: f32,
    pub panels: Vec<PanelLayout>,
    /// Colour bar x, y, width, height in target pixels.
    pub colourbar: Option<[f64; 4]>,
}

impl Layout {
    pub fn new(scene: &Scene, width: u32, height: u32) -> Layout {
        let axes = scene.axes;
        let font = (height.min(width) as f32 / 48.0).clamp(10.0, 22.0);
        let (title, left, bottom, right) = if axes {
            (font * 2.6, font * 4.6, font * 3.2, font * 6.6)
        } else {
            (8.0, 8.0, 8.0, 8.0)
        };
        let top = if axes { title } else { 8.0 };
        let (w, h) = (width as f32, height as f32);
        let d = scene.domain();
        let aspect = (d.width() / d.height()) as f32;
        let fit2d = |pw: f32, ph: f32, right: f32| -> [f32; 4] {
            // Plot area inside the panel after margins, then the domain's aspect.
            let aw = (pw - left - right).max(8.0);
            let ah = (ph - top - bottom).max(8.0);
            let (mut cw, mut ch) = (aw, aw / aspect);
            if ch > ah {
                ch = ah;
                cw = ah * aspect;
            }
            [left + (aw - cw) * 0.5, top + (ah - ch) * 0.5, cw, ch]
        };
        let mut panels = Vec::new();
        let cb = |x_right: f32, y: f32, hh: f32| -> [f64; 4] {
            [
                (x_right + font * 1.2) as f64,
                y as f64,
                (font * 1.1) as f64,
                hh as f64,
            ]
        };
        let mut colourbar = match scene.view {
            View::TwoD => {
                let plot = fit2d(w, h, right);
                panels.push(PanelLayout {
                    kind: PanelKind::TwoD,
                    rect: [0, 0, width, height],
                    plot,
                });
                // Room above the bar for its caption, below the title.
                let cap = font * 1.6;
                Some(cb(plot[0] + plot[2], plot[1] + cap, plot[3] - cap))
            }
            View::ThreeD => {
                let pw = (w - right).max(8.0);
                let ph = (h - top).max(8.0);
                panels.push(PanelLayout {
                    kind: PanelKind::ThreeD,
                    rect: [0, top as u32, pw as u32, ph as u32],
                    plot: [0.0, 0.0, pw, ph],
                });
                Some(cb(pw - font, top + ph * 0.15, ph * 0.7))
            }
            View::Split => {
                let half = (width / 2).max(1);
                let ph = (h - top).max(8.0);
                panels.push(PanelLayout {
                    kind: PanelKind::ThreeD,
                    rect: [0, top as u32, half, ph as u32],
                    plot: [0.0, 0.0, half as f32, ph],
                });
                let plot = fit2d((width - half) as f32, h, right);
                panels.push(PanelLayout {
                    kind: PanelKind::TwoD,
                    rect: [half, 0, width - half, height],
                    plot,
                });
                Some(cb(half as f32 + plot[0] + plot[2], plot[1], plot[3]))
            }
        };
        if !axes {
            colourbar = None;
        }
        Layout {
            width,
            height,
            font,
            panels,
            colourbar,
        }
    }

    /// Arrow columns and rows for panel `i` (rows follow the plot's aspect).
    pub fn arrow_grid(&self, i: usize, density: u32) -> [u32; 2] {
        let p = &self.panels[i];
        if density == 0 || p.kind != PanelKind::TwoD {
            return [0, 0];
        }
        let ny = ((density as f32 * p.plot[3] / p.plot[2]).round() as u32).max(1);
        [density, ny]
    }

    /// Centre (target pixels, f64) of arrow (ix, iy) of panel `i`.
    pub fn arrow_centre(&self, i: usize, density: u32, ix: u32, iy: u32) -> [f64; 2] {
        let [nx, ny] = self.arrow_grid(i, density);
        let p = self.panels[i].plot_in_target();
        [
            p[0] + (ix as f64 + 0.5) * p[2] / nx as f64,
            p[1] + (iy as f64 + 0.5) * p[3] / ny as f64,
        ]
    }

    /// The first 2D panel's index.
    pub fn map_panel(&self) -> Option<usize> {
        self.panels.iter().position(|p| p.kind == PanelKind::TwoD)
    }

    /// Target pixel (continuous) of a point in function coordinates on the 2D panel.
    pub fn to_pixel(&self, scene: &Scene, x: f64, y: f64) -> Option<[f64; 2]> {
        let i = self.map_panel()?;
        let p = self.panels[i].plot_in_target();
        let d = scene.domain();
        Some([
            p[0] + (x - d.xmin) / d.width() * p[2],
            p[1] + (d.ymax - y) / d.height() * p[3],
        ])
    }

    /// Function coordinates of the centre of target pixel (px, py) on the 2D panel.
    pub fn from_pixel(&self, scene: &Scene, px: u32, py: u32) -> Option<[f64; 2]> {
        let i = self.map_panel()?;
        let p = self.panels[i].plot_in_target();
        let d = scene.domain();
        let u = (px as f64 + 0.5 - p[0]) / p[2];
        let v = (py as f64 + 0.5 - p[1]) / p[3];
        Some([d.xmin + u * d.width(), d.ymax - v * d.height()])
    }
}
