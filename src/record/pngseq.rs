//! A PNG sequence: `DIR/frame_00000.png`, `frame_00001.png`, … (zero-padded
//! to the digits of the frame count, at least 5).
//!
//! Atomicity: the frames are written into a temporary directory beside the
//! target (`.DIR.RANDOM.partial`). `finish` renames that directory into place when
//! the target does not exist or is empty; when the target already holds files,
//! it removes the old `frame_*.png` files there and moves the new frames in one
//! by one (other files are left alone). `abort` or a drop removes the
//! temporary directory, so an interrupted run leaves the target untouched.

use super::{check_size, strip_slash, FrameSink, SinkOptions};
use crate::error::{Error, Result};
use crate::image::Image;
use std::path::{Path, PathBuf};

pub struct PngSeqSink {
    dir: PathBuf,
    tmp: PathBuf,
    width: u32,
    height: u32,
    fps: f64,
    digits: usize,
    count: u32,
    done: bool,
}

/// The file name of frame `i` with `digits` digits.
pub fn frame_name(i: u32, digits: usize) -> String {
    format!("frame_{i:0digits$}.png")
}

fn digits_for(frames: u32) -> usize {
    frames.saturating_sub(1).to_string().len().max(5)
}

impl PngSeqSink {
    pub fn create(
        path: &Path,
        width: u32,
        height: u32,
        fps: f64,
        opts: &SinkOptions,
    ) -> Result<PngSeqSink> {
        let dir = strip_slash(path);
        // A link to a directory: the frames go into the directory it names; the link stays.
        let dir = if dir.is_symlink() {
            crate::io::follow_links(&dir)?
        } else {
            dir
        };
        if dir.exists() && !dir.is_dir() {
            return Err(Error::input(format!(
                "{}: exists and is not a directory (a PNG sequence goes into a directory)",
                dir.display()
            )));
        }
        let tmp = crate::io::temp_dir_beside(&dir)?;
        Ok(PngSeqSink {
            dir,
            tmp,
            width,
            height,
            fps,
            digits: digits_for(opts.frames),
            count: 0,
            done: false,
        })
    }

    fn install(&mut self) -> Result<()> {
        let io = |e| Error::io(&self.dir, e);
        // More frames than announced: widen every name so they still sort.
        let digits = self.digits.max(digits_for(self.count));
        if digits != self.digits {
            for i in 0..self.count {
                std::fs::rename(
                    self.tmp.join(frame_name(i, self.digits)),
                    self.tmp.join(frame_name(i, digits)),
                )
                .map_err(io)?;
            }
        }
        let empty = match std::fs::read_dir(&self.dir) {
            Ok(mut rd) => rd.next().is_none(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(io(e)),
        };
        if empty {
            // rename(2) replaces an empty directory.
            return std::fs::rename(&self.tmp, &self.dir).map_err(io);
        }
        for entry in std::fs::read_dir(&self.dir).map_err(io)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("frame_") && name.ends_with(".png") {
                std::fs::remove_file(entry.path()).map_err(io)?;
            }
        }
        for i in 0..self.count {
            let n = frame_name(i, digits);
            std::fs::rename(self.tmp.join(&n), self.dir.join(&n)).map_err(io)?;
        }
        std::fs::remove_dir(&self.tmp).map_err(io)
    }
}

impl FrameSink for PngSeqSink {
    fn push(&mut self, frame: &Image) -> Result<()> {
        check_size(frame, self.width, self.height, &self.dir)?;
        let name = self.tmp.join(frame_name(self.count, self.digits));
        let bytes = frame.encode_png()?;
        std::fs::write(&name, bytes).map_err(|e| Error::io(&self.dir, e))?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        if self.count == 0 {
            return Err(Error::input(format!(
                "{}: no frames to write",
                self.dir.display()
            )));
        }
        let r = self.install();
        self.done = r.is_ok();
        r
    }

    fn abort(self: Box<Self>) {}

    fn path(&self) -> &Path {
        &self.dir
    }

    fn fps(&self) -> f64 {
        self.fps
    }
}

impl Drop for PngSeqSink {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
