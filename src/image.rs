//! A plain RGBA8 image on the CPU: the read-back target of renders, the canvas
//! of CPU overlays (text, legends), and what PNG/GIF/video writers take.

use crate::error::{Error, Result};
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// Row-major RGBA8, top row first, no padding.
    pub data: Vec<u8>,
}

impl Image {
    pub fn new(width: u32, height: u32, fill: [u8; 4]) -> Self {
        let mut data = Vec::with_capacity(width as usize * height as usize * 4);
        for _ in 0..width as usize * height as usize {
            data.extend_from_slice(&fill);
        }
        Image {
            width,
            height,
            data,
        }
    }

    pub fn get(&self, x: u32, y: u32) -> [u8; 4] {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }

    pub fn put(&mut self, x: u32, y: u32, c: [u8; 4]) {
        if x < self.width && y < self.height {
            let i = (y as usize * self.width as usize + x as usize) * 4;
            self.data[i..i + 4].copy_from_slice(&c);
        }
    }

    /// Blends `c` over the pixel with coverage `a` in [0, 1] (signed coordinates are clipped).
    pub fn blend(&mut self, x: i64, y: i64, c: [u8; 4], a: f32) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let a = (a * c[3] as f32 / 255.0).clamp(0.0, 1.0);
        let i = (y as usize * self.width as usize + x as usize) * 4;
        for (d, &s) in self.data[i..i + 3].iter_mut().zip(&c[..3]) {
            let v = *d as f32;
            *d = (v + (s as f32 - v) * a).round() as u8;
        }
        self.data[i + 3] = self.data[i + 3].max((a * 255.0) as u8);
    }

    pub fn fill_rect(&mut self, x0: i64, y0: i64, w: i64, h: i64, c: [u8; 4]) {
        for y in y0.max(0)..(y0 + h).min(self.height as i64) {
            for x in x0.max(0)..(x0 + w).min(self.width as i64) {
                self.blend(x, y, c, 1.0);
            }
        }
    }

    /// Copies `src` into this image with its top-left corner at (x0, y0).
    pub fn paste(&mut self, src: &Image, x0: u32, y0: u32) {
        for y in 0..src.height.min(self.height.saturating_sub(y0)) {
            let s = (y * src.width) as usize * 4;
            let d = ((y + y0) * self.width + x0) as usize * 4;
            let n = src.width.min(self.width - x0) as usize * 4;
            self.data[d..d + n].copy_from_slice(&src.data[s..s + n]);
        }
    }

    /// PNG bytes.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let mut w = enc
                .write_header()
                .map_err(|e| Error::input(format!("PNG header: {e}")))?;
            w.write_image_data(&self.data)
                .map_err(|e| Error::input(format!("PNG data: {e}")))?;
        }
        Ok(out)
    }

    /// Writes a PNG atomically.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let bytes = self.encode_png()?;
        crate::io::write_bytes_atomic(path, &bytes)
    }

    /// Reads an RGBA or RGB 8-bit PNG.
    pub fn load_png(path: &Path) -> Result<Image> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut dec = png::Decoder::new(std::io::BufReader::new(file));
        dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = dec
            .read_info()
            .map_err(|e| Error::input(format!("{}: not a readable PNG: {e}", path.display())))?;
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader
            .next_frame(&mut buf)
            .map_err(|e| Error::input(format!("{}: not a readable PNG: {e}", path.display())))?;
        let (w, h) = (info.width, info.height);
        let data = match info.color_type {
            png::ColorType::Rgba => buf[..(w * h * 4) as usize].to_vec(),
            png::ColorType::Rgb => buf[..(w * h * 3) as usize]
                .chunks(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            png::ColorType::Grayscale => buf[..(w * h) as usize]
                .iter()
                .flat_map(|&g| [g, g, g, 255])
                .collect(),
            png::ColorType::GrayscaleAlpha => buf[..(w * h * 2) as usize]
                .chunks(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            other => {
                return Err(Error::input(format!(
                    "{}: unsupported PNG colour type {other:?}",
                    path.display()
                )))
            }
        };
        Ok(Image {
            width: w,
            height: h,
            data,
        })
    }
}
