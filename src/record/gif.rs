//! Animated GIF: one global palette ([`super::palette`]), delay from the frame
//! rate in whole centiseconds, infinite loop, and frame differencing: after the
//! first frame only the bounding rectangle of changed pixels is written, with
//! unchanged pixels inside it set to the reserved transparent index and
//! `DisposalMethod::Keep`, so still regions cost almost nothing.
//!
//! Written to a temporary file beside the target and renamed into place in
//! `finish`; `abort` or a drop removes the temporary file.

use super::palette::{Histogram, Palette, TRANSPARENT};
use super::{check_size, FrameSink, SinkOptions};
use crate::error::{Error, Result};
use crate::image::Image;
use std::borrow::Cow;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub struct GifSink {
    path: PathBuf,
    /// `path` after symbolic links: what the temporary file is renamed to.
    target: PathBuf,
    tmp: PathBuf,
    width: u32,
    height: u32,
    delay_cs: u16,
    opts: SinkOptions,
    /// None until the palette exists (then the header is written).
    encoder: Option<::gif::Encoder<BufWriter<File>>>,
    /// Held back until the palette is built from them.
    pending: Vec<Image>,
    /// The file, until the encoder owns it.
    file: Option<BufWriter<File>>,
    palette: Option<Palette>,
    /// Indices currently on the GIF canvas (what a viewer shows).
    canvas: Vec<u8>,
    indices: Vec<u8>,
    done: bool,
}

/// The GIF delay for a frame rate: 100/fps rounded, at least 2 cs (browsers
/// play delays of 0 or 1 cs at 10 cs).
pub fn delay_cs(fps: f64) -> u16 {
    (100.0 / fps).round().clamp(2.0, u16::MAX as f64) as u16
}

impl GifSink {
    pub fn create(
        path: &Path,
        width: u32,
        height: u32,
        fps: f64,
        opts: &SinkOptions,
    ) -> Result<GifSink> {
        if width > u16::MAX as u32 || height > u16::MAX as u32 {
            return Err(Error::input(format!(
                "{}: a GIF is at most 65535x65535 pixels, not {width}x{height}",
                path.display()
            )));
        }
        let tmp = crate::io::temp_beside(path)?;
        let file = tmp.file;
        Ok(GifSink {
            path: path.to_path_buf(),
            target: tmp.target,
            tmp: tmp.path,
            width,
            height,
            delay_cs: delay_cs(fps),
            opts: SinkOptions {
                palette_frames: opts.palette_frames.max(1),
                ..opts.clone()
            },
            encoder: None,
            pending: Vec::new(),
            file: Some(BufWriter::with_capacity(1 << 20, file)),
            palette: None,
            canvas: Vec::new(),
            indices: Vec::new(),
            done: false,
        })
    }

    fn gif_err(&self, e: ::gif::EncodingError) -> Error {
        match e {
            ::gif::EncodingError::Io(io) => Error::io(&self.path, io),
            other => Error::io(&self.path, std::io::Error::other(other.to_string())),
        }
    }

    /// Builds the palette from the held frames, writes the header and the held frames.
    fn start(&mut self) -> Result<()> {
        let mut h = Histogram::default();
        for f in &self.pending {
            h.add_rgba(&f.data);
        }
        let palette = Palette::from_histogram(&h);
        let file = self
            .file
            .take()
            .expect("the file is kept until the encoder starts");
        let mut enc = ::gif::Encoder::new(
            file,
            self.width as u16,
            self.height as u16,
            &palette.gif_table(),
        )
        .map_err(|e| self.gif_err(e))?;
        enc.set_repeat(::gif::Repeat::Infinite)
            .map_err(|e| self.gif_err(e))?;
        self.encoder = Some(enc);
        self.palette = Some(palette);
        for f in std::mem::take(&mut self.pending) {
            self.write(&f)?;
        }
        Ok(())
    }

    fn write(&mut self, frame: &Image) -> Result<()> {
        let w = self.width as usize;
        let palette = self.palette.as_mut().expect("palette built before writing");
        palette.map_rgba(&frame.data, w, self.opts.dither, &mut self.indices);
        let mut gf = ::gif::Frame {
            delay: self.delay_cs,
            dispose: ::gif::DisposalMethod::Keep,
            ..Default::default()
        };
        if self.canvas.is_empty() {
            gf.width = self.width as u16;
            gf.height = self.height as u16;
            gf.buffer = Cow::Borrowed(&self.indices);
            self.canvas = self.indices.clone();
        } else {
            // Bounding rectangle of changed indices.
            let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
            for (y, (new, old)) in self
                .indices
                .chunks_exact(w)
                .zip(self.canvas.chunks_exact(w))
                .enumerate()
            {
                if new == old {
                    continue;
                }
                let first = new.iter().zip(old).position(|(a, b)| a != b).unwrap_or(0);
                let last = w
                    - 1
                    - new
                        .iter()
                        .zip(old)
                        .rev()
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                x0 = x0.min(first);
                x1 = x1.max(last);
                y0 = y0.min(y);
                y1 = y;
            }
            let mut buf;
            if x0 == usize::MAX {
                // Nothing changed: one transparent pixel keeps the frame's time slot.
                gf.width = 1;
                gf.height = 1;
                buf = vec![TRANSPARENT];
            } else {
                let (rw, rh) = (x1 - x0 + 1, y1 - y0 + 1);
                buf = Vec::with_capacity(rw * rh);
                for y in y0..=y1 {
                    let row = y * w;
                    for x in x0..=x1 {
                        let (n, o) = (self.indices[row + x], self.canvas[row + x]);
                        buf.push(if n == o { TRANSPARENT } else { n });
                    }
                }
                for y in y0..=y1 {
                    let r = y * w + x0..y * w + x1 + 1;
                    self.canvas[r.clone()].copy_from_slice(&self.indices[r]);
                }
                gf.left = x0 as u16;
                gf.top = y0 as u16;
                gf.width = rw as u16;
                gf.height = rh as u16;
            }
            gf.transparent = Some(TRANSPARENT);
            gf.buffer = Cow::Owned(std::mem::take(&mut buf));
        }
        let enc = self.encoder.as_mut().expect("encoder started");
        let r = enc.write_frame(&gf);
        r.map_err(|e| self.gif_err(e))
    }

    fn cleanup(&mut self) {
        self.encoder = None;
        self.file = None;
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl FrameSink for GifSink {
    fn push(&mut self, frame: &Image) -> Result<()> {
        check_size(frame, self.width, self.height, &self.path)?;
        if self.encoder.is_none() {
            self.pending.push(frame.clone());
            if self.pending.len() as u32 >= self.opts.palette_frames {
                self.start()?;
            }
            return Ok(());
        }
        self.write(frame)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let result = (|| {
            if self.encoder.is_none() {
                if self.pending.is_empty() {
                    return Err(Error::input(format!(
                        "{}: no frames to write",
                        self.path.display()
                    )));
                }
                self.start()?;
            }
            let enc = self.encoder.take().expect("encoder started");
            let w = enc.into_inner().map_err(|e| self.gif_err(e))?;
            let file = w
                .into_inner()
                .map_err(|e| Error::io(&self.path, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&self.path, e))?;
            drop(file);
            std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.path, e))
        })();
        if result.is_err() {
            self.cleanup();
        }
        self.done = true;
        result
    }

    fn abort(mut self: Box<Self>) {
        self.cleanup();
        self.done = true;
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn fps(&self) -> f64 {
        100.0 / self.delay_cs as f64
    }
}

impl Drop for GifSink {
    fn drop(&mut self) {
        if !self.done {
            self.cleanup();
        }
    }
}
