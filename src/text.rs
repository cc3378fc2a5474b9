//! Text on CPU images with the shipped DejaVu Sans (assets/fonts, Bitstream Vera
//! licence): tick labels, colour-bar values, titles, legends.

use crate::image::Image;
use std::sync::OnceLock;

const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

fn font() -> &'static fontdue::Font {
    static FONT: OnceLock<fontdue::Font> = OnceLock::new();
    FONT.get_or_init(|| {
        fontdue::Font::from_bytes(FONT_BYTES, fontdue::FontSettings::default())
            .expect("the shipped DejaVu Sans parses (tested)")
    })
}

/// Width and height in pixels of `s` at `size` px.
pub fn measure(s: &str, size: f32) -> (u32, u32) {
    let f = font();
    let w: f32 = s.chars().map(|c| f.metrics(c, size).advance_width).sum();
    let lm = f.horizontal_line_metrics(size);
    let h = lm.map(|m| m.ascent - m.descent).unwrap_or(size);
    (w.ceil() as u32, h.ceil() as u32)
}

/// Draws `s` with its top-left corner at (x, y).
pub fn draw(img: &mut Image, x: i64, y: i64, size: f32, color: [u8; 4], s: &str) {
    let f = font();
    let ascent = f
        .horizontal_line_metrics(size)
        .map(|m| m.ascent)
        .unwrap_or(size);
    let baseline = y as f32 + ascent;
    let mut pen = x as f32;
    for c in s.chars() {
        let (m, bitmap) = f.rasterize(c, size);
        let gx = pen.round() as i64 + m.xmin as i64;
        let gy = (baseline - m.height as f32 - m.ymin as f32).round() as i64;
        for row in 0..m.height {
            for col in 0..m.width {
                let a = bitmap[row * m.width + col];
                if a > 0 {
                    img.blend(gx + col as i64, gy + row as i64, color, a as f32 / 255.0);
                }
            }
        }
        pen += m.advance_width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_visible_glyphs_inside_the_measured_box() {
        let mut img = Image::new(120, 40, [0, 0, 0, 255]);
        let (w, h) = measure("x = 1.5", 16.0);
        assert!(w > 30 && w < 80 && h > 10 && h < 25, "{w}×{h}");
        draw(&mut img, 10, 10, 16.0, [255, 255, 255, 255], "x = 1.5");
        let mut lit = 0;
        for y in 0..40 {
            for x in 0..120 {
                if img.get(x, y)[0] > 128 {
                    lit += 1;
                    assert!(
                        (9..=10 + w + 1).contains(&x) && (9..=10 + h + 1).contains(&y),
                        "pixel ({x},{y}) outside"
                    );
                }
            }
        }
        assert!(lit > 40, "only {lit} lit pixels");
    }
}
