//! Recording the scene view while the viewer runs: every frame the window
//! draws is read back (the same pixels as the `p` screenshot) and handed to an
//! encoder thread through a bounded channel of [`QUEUE`] frames; the thread
//! pushes it into a [`FrameSink`] from `gradfield::record` (MP4 through ffmpeg,
//! or GIF). The sinks are atomic: the file appears under its name only when
//! [`Recorder::finish`] succeeds; an error, or dropping a [`Recorder`] without
//! finishing, leaves no partial file.
//!
//! The file plays at the viewer's frame-rate cap (a GIF rounds the frame's
//! delay to whole centiseconds: 60 fps plays at 50). When the viewer draws
//! slower than its cap, the file plays faster than the session was live.
//! When the encoder is slower than the viewer, the channel fills and the
//! viewer waits for it ([`Recorder::waited`] says how long): every frame is
//! kept, none is dropped.

use gradfield::image::Image;
use gradfield::record::{open_sink, FrameSink, SinkOptions};
use gradfield::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Frames in flight between the window and the encoder thread.
pub const QUEUE: usize = 4;

/// GIF palette: built from this many leading frames (held in memory until then).
pub const PALETTE_FRAMES: u32 = 4;

/// The formats the panel and the `v` key offer (`--record` takes any output
/// `gradfield record` takes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecordFormat {
    #[default]
    Mp4,
    Gif,
}

impl RecordFormat {
    pub const ALL: [RecordFormat; 2] = [RecordFormat::Mp4, RecordFormat::Gif];

    pub fn ext(self) -> &'static str {
        match self {
            RecordFormat::Mp4 => "mp4",
            RecordFormat::Gif => "gif",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RecordFormat::Mp4 => "MP4",
            RecordFormat::Gif => "GIF",
        }
    }

    /// The frame rate a file of this format plays at when recorded at `fps`.
    pub fn plays_at(self, fps: f64) -> f64 {
        match self {
            RecordFormat::Mp4 => fps,
            RecordFormat::Gif => 100.0 / gradfield::record::gif::delay_cs(fps) as f64,
        }
    }
}

/// The first `viewer-recording-N.EXT` (N = 1, 2, …) in `dir` that does not exist.
pub fn next_path(dir: &Path, format: RecordFormat) -> PathBuf {
    (1u32..)
        .map(|n| dir.join(format!("viewer-recording-{n}.{}", format.ext())))
        .find(|p| !p.exists())
        .expect("some number is free")
}

/// The frame size a recording of a `view`-sized scene view has: the view's
/// size, less one pixel on an odd side for MP4/WebM (yuv420p needs even sides;
/// the last column or row is dropped).
pub fn frame_size(path: &Path, view: [u32; 2]) -> [u32; 2] {
    let even = matches!(
        gradfield::record::Format::from_path(path),
        Ok(gradfield::record::Format::Mp4 | gradfield::record::Format::Webm)
    );
    if even {
        view.map(|v| (v & !1).max(2))
    } else {
        view
    }
}

enum Msg {
    Frame(Image),
    Finish,
}

/// What a finished recording wrote.
#[derive(Clone, Debug)]
pub struct Finished {
    pub path: PathBuf,
    pub frames: u32,
    pub size: [u32; 2],
    /// The rate the file plays at.
    pub fps: f64,
    /// Wall time from the first frame to the rename.
    pub seconds: f64,
}

impl Finished {
    /// "saved PATH (N frames, W×H, F fps: T s of video, recorded in R s)".
    pub fn describe(&self) -> String {
        format!(
            "saved {} ({} frames, {}×{}, {} fps: {:.1} s of video, recorded in {:.1} s)",
            self.path.display(),
            self.frames,
            self.size[0],
            self.size[1],
            short(self.fps),
            self.frames as f64 / self.fps,
            self.seconds
        )
    }
}

fn short(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A recording in progress.
pub struct Recorder {
    path: PathBuf,
    /// The scene view's size when the recording started (frames of another
    /// size are refused: the app finishes the recording when the view resizes).
    view: [u32; 2],
    size: [u32; 2],
    fps: f64,
    frames: u32,
    started: Instant,
    waited: Duration,
    tx: Option<SyncSender<Msg>>,
    encoder: Option<JoinHandle<Result<()>>>,
}

impl Recorder {
    /// Opens the output (`path`'s extension picks the format) for frames of a
    /// `view`-sized scene view, to play at `fps`, and starts the encoder
    /// thread. `frames`: how many will come, when known (0 otherwise).
    pub fn start(path: &Path, view: [u32; 2], fps: f64, frames: u32) -> Result<Recorder> {
        let size = frame_size(path, view);
        let opts = SinkOptions {
            frames,
            palette_frames: if frames > 0 {
                frames.min(PALETTE_FRAMES)
            } else {
                PALETTE_FRAMES
            },
            ..SinkOptions::default()
        };
        let sink = open_sink(path, size[0], size[1], fps, &opts)?;
        let fps = sink.fps();
        let (tx, rx) = sync_channel(QUEUE);
        let encoder = std::thread::Builder::new()
            .name("viewer-record".into())
            .spawn(move || encode(sink, rx, size))
            .map_err(|e| Error::io(path, e))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            view,
            size,
            fps,
            frames: 0,
            started: Instant::now(),
            waited: Duration::ZERO,
            tx: Some(tx),
            encoder: Some(encoder),
        })
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }
    /// The scene view's size the recording was started for.
    pub fn view(&self) -> [u32; 2] {
        self.view
    }
    /// The frames' size in the file.
    pub fn size(&self) -> [u32; 2] {
        self.size
    }
    /// The rate the file plays at.
    pub fn fps(&self) -> f64 {
        self.fps
    }
    /// Wall time since the start.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Hands one frame (the scene view, `view`-sized) to the encoder. Blocks
    /// only while [`QUEUE`] frames are waiting. An error (the encoder failed,
    /// e.g. ffmpeg died or the disk is full) ends the recording: the output
    /// has been removed, and the recorder must be dropped.
    pub fn push(&mut self, frame: Image) -> Result<()> {
        if [frame.width, frame.height] != self.view {
            return Err(Error::input(format!(
                "{}: a {}×{} frame pushed to a recording of a {}×{} view",
                self.path.display(),
                frame.width,
                frame.height,
                self.view[0],
                self.view[1]
            )));
        }
        let tx = self
            .tx
            .as_ref()
            .expect("a recorder is not used after an error");
        let t = Instant::now();
        let sent = tx.send(Msg::Frame(frame));
        self.waited += t.elapsed();
        match sent {
            Ok(()) => {
                self.frames += 1;
                Ok(())
            }
            // The encoder stopped: its error is the one to report.
            Err(_) => Err(self.join().err().unwrap_or_else(|| {
                Error::io(
                    &self.path,
                    std::io::Error::other("the encoder stopped without an error"),
                )
            })),
        }
    }

    /// True when the encoder thread has stopped early (an error is waiting:
    /// the next [`Recorder::push`] or [`Recorder::finish`] returns it).
    pub fn failed(&self) -> bool {
        self.encoder.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Waits for the encoder to write the queued frames and moves the file
    /// into place.
    pub fn finish(mut self) -> Result<Finished> {
        let seconds = self.started.elapsed().as_secs_f64();
        if let Some(tx) = self.tx.take() {
            // A send error means the encoder already stopped; join() says why.
            let _ = tx.send(Msg::Finish);
        }
        self.join()?;
        Ok(Finished {
            path: self.path.clone(),
            frames: self.frames,
            size: self.size,
            fps: self.fps,
            seconds,
        })
    }

    fn join(&mut self) -> Result<()> {
        self.tx = None;
        match self.encoder.take() {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(Error::io(
                    &self.path,
                    std::io::Error::other("the encoder thread panicked"),
                ))
            }),
            None => Ok(()),
        }
    }
}

impl Drop for Recorder {
    /// Without [`Recorder::finish`], the channel closes without `Finish` and
    /// the encoder aborts the sink (no file is left).
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// The encoder thread: frames (cropped to the sink's size) until Finish, then
/// finish the sink; the channel closing first aborts it.
fn encode(mut sink: Box<dyn FrameSink>, rx: Receiver<Msg>, size: [u32; 2]) -> Result<()> {
    loop {
        match rx.recv() {
            Ok(Msg::Frame(img)) => {
                let img = crop(img, size);
                if let Err(e) = sink.push(&img) {
                    sink.abort();
                    return Err(e);
                }
            }
            Ok(Msg::Finish) => return sink.finish(),
            Err(_) => {
                sink.abort();
                return Ok(());
            }
        }
    }
}

/// The top-left `size` of `img` (no copy when it already has that size).
fn crop(img: Image, [w, h]: [u32; 2]) -> Image {
    if img.width == w && img.height == h {
        return img;
    }
    let mut data = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h as usize {
        let s = y * img.width as usize * 4;
        data.extend_from_slice(&img.data[s..s + w as usize * 4]);
    }
    Image {
        width: w,
        height: h,
        data,
    }
}

/// An error as one line for the panel (ffmpeg's complaint comes on later lines).
pub fn one_line(e: &Error) -> String {
    let s = e.to_string();
    let mut line = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    if line.chars().count() > 220 {
        line = line.chars().take(219).collect::<String>() + "…";
    }
    line
}

/// What the panel shows about recording.
#[derive(Clone, Debug, Default)]
pub struct RecordInfo {
    /// The recording in progress.
    pub active: Option<Active>,
    /// The viewer's frame-rate cap: the rate a new file plays at.
    pub cap: f64,
    /// The last recording's outcome: "saved PATH (…)" or the error, one line.
    pub last: Option<std::result::Result<String, String>>,
}

/// A recording in progress, for the panel.
#[derive(Clone, Debug)]
pub struct Active {
    pub path: PathBuf,
    pub frames: u32,
    pub seconds: f64,
    pub size: [u32; 2],
    pub fps: f64,
    /// Seconds the window waited for the encoder.
    pub waited: f64,
}

impl Recorder {
    pub fn active(&self) -> Active {
        Active {
            path: self.path.clone(),
            frames: self.frames,
            seconds: self.elapsed().as_secs_f64(),
            size: self.size,
            fps: self.fps,
            waited: self.waited.as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "gradfield-viewer-recorder-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Frame `i`: a colour that changes with i, a white square that moves.
    fn frame(i: u32, [w, h]: [u32; 2]) -> Image {
        let mut img = Image::new(w, h, [0, 0, 0, 255]);
        for y in 0..h {
            for x in 0..w {
                let inside = (i * 3..i * 3 + 8).contains(&x) && (4..12).contains(&y);
                let c = if inside {
                    [255, 255, 255, 255]
                } else {
                    [(x * 4) as u8, (y * 4) as u8, (i * 20) as u8, 255]
                };
                img.put(x, y, c);
            }
        }
        img
    }

    #[test]
    fn a_gif_recording_has_every_frame_and_appears_only_when_finished() {
        let d = dir("gif");
        let path = d.join("clip.gif");
        let mut r = Recorder::start(&path, [40, 24], 60.0, 0).unwrap();
        assert_eq!(r.size(), [40, 24]);
        // 60 fps is a 2 cs delay in a GIF: it plays at 50.
        assert_eq!(r.fps(), 50.0);
        assert_eq!(RecordFormat::Gif.plays_at(60.0), 50.0);
        for i in 0..6 {
            r.push(frame(i, [40, 24])).unwrap();
        }
        assert_eq!(r.frames(), 6);
        assert!(!path.exists(), "the file appears only on finish");
        let done = r.finish().unwrap();
        assert_eq!((done.frames, done.size), (6, [40, 24]));
        assert_eq!(done.path, path);
        assert_eq!(entries(&d), vec!["clip.gif"], "no temporary file left");
        let mut opts = ::gif::DecodeOptions::new();
        opts.set_color_output(::gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!((dec.width(), dec.height()), (40, 24));
        let mut n = 0;
        while let Some(f) = dec.read_next_frame().unwrap() {
            assert_eq!(f.delay, 2);
            n += 1;
        }
        assert_eq!(n, 6);
    }

    #[test]
    fn a_dropped_recording_leaves_nothing() {
        let d = dir("drop");
        for name in ["clip.gif", "clip.mp4"] {
            let path = d.join(name);
            let mut r = Recorder::start(&path, [32, 16], 30.0, 0).unwrap();
            for i in 0..5 {
                r.push(frame(i, [32, 16])).unwrap();
            }
            drop(r);
            assert!(entries(&d).is_empty(), "{name}: {:?}", entries(&d));
        }
    }

    #[test]
    fn an_unwritable_path_fails_at_the_start_and_leaves_nothing() {
        let d = dir("unwritable");
        for name in ["clip.gif", "clip.mp4"] {
            let path = d.join("missing").join(name);
            let e = Recorder::start(&path, [32, 16], 30.0, 0)
                .err()
                .expect("no such directory");
            let line = one_line(&e);
            eprintln!("{name}: {line}");
            assert!(line.contains("missing"), "{line}");
            assert!(!line.contains('\n'));
        }
        assert!(entries(&d).is_empty());
    }

    #[test]
    fn a_frame_of_another_size_is_refused() {
        let d = dir("size");
        let mut r = Recorder::start(&d.join("a.gif"), [32, 16], 30.0, 0).unwrap();
        let e = r.push(frame(0, [30, 16])).unwrap_err();
        assert!(e.to_string().contains("30×16"), "{e}");
        assert_eq!(r.frames(), 0);
    }

    #[test]
    fn an_mp4_of_an_odd_view_drops_the_last_column_and_row() {
        let d = dir("odd");
        let path = d.join("odd.mp4");
        assert_eq!(frame_size(&path, [65, 33]), [64, 32]);
        assert_eq!(frame_size(&d.join("odd.gif"), [65, 33]), [65, 33]);
        let mut r = Recorder::start(&path, [65, 33], 24.0, 3).unwrap();
        assert_eq!(r.size(), [64, 32]);
        for i in 0..3 {
            r.push(frame(i, [65, 33])).unwrap();
        }
        let done = r.finish().unwrap();
        assert_eq!(done.fps, 24.0);
        let o = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-count_frames",
                "-show_entries",
                "stream=width,height,nb_read_frames",
                "-of",
                "csv=p=0",
            ])
            .arg(&path)
            .output()
            .expect("ffprobe (Debian: apt-get install ffmpeg)");
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(text.trim(), "64,32,3", "ffprobe: {text}");
        assert_eq!(entries(&d), vec!["odd.mp4"]);
    }

    #[test]
    fn record_paths_count_up_past_existing_files() {
        let d = dir("names");
        let first = next_path(&d, RecordFormat::Mp4);
        assert_eq!(first, d.join("viewer-recording-1.mp4"));
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(
            next_path(&d, RecordFormat::Mp4),
            d.join("viewer-recording-2.mp4")
        );
        assert_eq!(
            next_path(&d, RecordFormat::Gif),
            d.join("viewer-recording-1.gif")
        );
    }

    #[test]
    fn errors_become_one_panel_line() {
        let e = Error::io(
            Path::new("out.mp4"),
            std::io::Error::other(
                "ffmpeg failed: ffmpeg (exit status: 1); ffmpeg said:\nline one\n\nline two",
            ),
        );
        let line = one_line(&e);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("line one · line two"), "{line}");
        let long = Error::input("x".repeat(500));
        assert_eq!(one_line(&long).chars().count(), 220);
    }
}
