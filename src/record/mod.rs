//! Recording: frames from a [`FrameSource`] to a GIF, an MP4/WebM (through an
//! ffmpeg child process) or a PNG sequence, through a [`FrameSink`].
//!
//! The pieces, in the order a frame travels:
//! - [`readback::Readback`]: a ring of GPU staging buffers, so the renderer can
//!   copy frame k into one while frame k+1 renders ([`readback::GpuFrames`]
//!   turns that into a [`FrameSource`]).
//! - [`record`]: renders on the calling thread and encodes on another, joined
//!   by a bounded channel, so rendering frame k+1 overlaps encoding frame k.
//! - The sinks ([`open_sink`] picks one from the output path). Every sink is
//!   atomic: it writes under a temporary name beside the target and renames
//!   into place only in [`FrameSink::finish`]; [`FrameSink::abort`] (and a
//!   dropped sink) removes the temporary output, so an error or Ctrl-C never
//!   leaves a partial file behind.

pub mod animate;
pub mod bench;
pub mod ffmpeg;
pub mod gif;
pub mod palette;
pub mod pipeline;
pub mod pngseq;
pub mod progress;
pub mod readback;

pub use animate::{record_into, record_scene};
pub use bench::{bench_record, bench_record_stats};
pub use pipeline::{record, FrameSource, RecordStats};
pub use progress::Progress;
pub use readback::{GpuFrames, Readback};

use crate::error::{Error, Result};
use crate::image::Image;
use std::path::{Path, PathBuf};

/// Where frames go. Frames arrive in order with the size given to [`open_sink`].
pub trait FrameSink: Send {
    /// Encodes one frame.
    fn push(&mut self, frame: &Image) -> Result<()>;
    /// Completes the output and moves it into place.
    fn finish(self: Box<Self>) -> Result<()>;
    /// Drops everything written so far; the target is left as it was.
    fn abort(self: Box<Self>);
    /// The final output path (a file, or the directory of a PNG sequence).
    fn path(&self) -> &Path;
    /// The frame rate the output will actually play at (a GIF's delay is in
    /// whole centiseconds, so 30 fps plays at 100/3 ≈ 33.3).
    fn fps(&self) -> f64;
}

/// Knobs of the sinks; `Default` gives what the command line uses.
#[derive(Clone, Debug)]
pub struct SinkOptions {
    /// Frames expected (0 when unknown): sets the digits of a PNG sequence's names.
    pub frames: u32,
    /// GIF: ordered (4×4 Bayer) dithering; off by default (it costs size).
    pub dither: bool,
    /// GIF: how many leading frames the global palette is built from (≥ 1).
    /// Those frames are held in memory until the palette exists.
    pub palette_frames: u32,
    /// MP4/WebM: the encoder's constant-quality value (`-crf`); None = the
    /// format's default here (H.264 18, VP9 32).
    pub crf: Option<u32>,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            frames: 0,
            dither: false,
            palette_frames: 1,
            crf: None,
        }
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Gif,
    Mp4,
    Webm,
    PngSequence,
}

impl Format {
    /// The format a path asks for: a directory (a trailing `/` or an existing
    /// directory) is a PNG sequence, otherwise the extension decides.
    pub fn from_path(path: &Path) -> Result<Format> {
        let s = path.to_string_lossy();
        if s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir() {
            return Ok(Format::PngSequence);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("gif") => Ok(Format::Gif),
            Some("mp4") => Ok(Format::Mp4),
            Some("webm") => Ok(Format::Webm),
            other => Err(Error::input(format!(
                "{}: unknown output format{}; use OUT.gif, OUT.mp4 (H.264), OUT.webm (VP9) \
                 or a directory ending in / for a PNG sequence",
                path.display(),
                other.map(|e| format!(" `.{e}`")).unwrap_or_default()
            ))),
        }
    }
}

/// Opens the sink that `path` asks for (see [`Format::from_path`]).
pub fn open_sink(
    path: &Path,
    width: u32,
    height: u32,
    fps: f64,
    opts: &SinkOptions,
) -> Result<Box<dyn FrameSink>> {
    if width == 0 || height == 0 {
        return Err(Error::input(format!(
            "frame size {width}x{height}: both must be at least 1"
        )));
    }
    if !(fps.is_finite() && fps > 0.0 && fps <= 1000.0) {
        return Err(Error::input(format!(
            "--fps {fps}: must be a number in (0, 1000]"
        )));
    }
    Ok(match Format::from_path(path)? {
        Format::Gif => Box::new(gif::GifSink::create(path, width, height, fps, opts)?),
        Format::Mp4 => Box::new(ffmpeg::FfmpegSink::create(
            path,
            ffmpeg::Codec::H264,
            width,
            height,
            fps,
            opts,
        )?),
        Format::Webm => Box::new(ffmpeg::FfmpegSink::create(
            path,
            ffmpeg::Codec::Vp9,
            width,
            height,
            fps,
            opts,
        )?),
        Format::PngSequence => {
            Box::new(pngseq::PngSeqSink::create(path, width, height, fps, opts)?)
        }
    })
}

/// Checks a pushed frame against the size the sink was opened with.
pub(crate) fn check_size(frame: &Image, width: u32, height: u32, path: &Path) -> Result<()> {
    if frame.width != width
        || frame.height != height
        || frame.data.len() != (width * height * 4) as usize
    {
        return Err(Error::input(format!(
            "{}: frame of {}x{} pushed to a {width}x{height} recording",
            path.display(),
            frame.width,
            frame.height
        )));
    }
    Ok(())
}

/// `path` without a trailing separator (so it can be renamed / have a temp sibling).
pub(crate) fn strip_slash(path: &Path) -> PathBuf {
    let s = path.to_string_lossy();
    let t = s.trim_end_matches(['/', std::path::MAIN_SEPARATOR]);
    if t.is_empty() {
        path.to_path_buf()
    } else {
        PathBuf::from(t)
    }
}

/// Total size in bytes of a file, or of the files directly inside a directory.
pub fn output_bytes(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}
