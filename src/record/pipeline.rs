//! The recording loop: frames are rendered on the calling thread and encoded
//! on a second one, joined by a bounded channel of [`QUEUE`] frames, so that
//! rendering frame k+1 overlaps encoding frame k. An error on either side
//! stops both, and the sink is aborted (no partial output).

use super::{output_bytes, FrameSink, Progress};
use crate::error::{Error, Result};
use crate::image::Image;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::{Duration, Instant};

/// Frames in flight between the renderer and the encoder.
pub const QUEUE: usize = 2;

/// Something that draws frame `index` (0, 1, 2, … in order).
pub trait FrameSource {
    fn render(&mut self, index: u32) -> Result<Image>;
}

/// What a recording did.
#[derive(Clone, Debug)]
pub struct RecordStats {
    pub frames: u32,
    /// Wall time of the whole recording, from the first render to the rename.
    pub seconds: f64,
    /// Frames per second through the whole pipeline (frames / seconds).
    pub fps_render: f64,
    /// Time spent inside `FrameSource::render` and inside `FrameSink::push`
    /// (they overlap; the larger is the bottleneck).
    pub render_seconds: f64,
    pub encode_seconds: f64,
    /// The frame rate the output plays at (see [`FrameSink::fps`]).
    pub fps_output: f64,
    pub bytes_written: u64,
    pub path: PathBuf,
}

enum Msg {
    Frame(Image),
    Finish,
}

/// Records `frames` frames of `source` into `sink`. `cancel` is checked before
/// every frame (the command line sets it from a Ctrl-C handler); when set, the
/// sink is aborted and the error is an `Interrupted` I/O error.
pub fn record(
    source: &mut dyn FrameSource,
    sink: Box<dyn FrameSink>,
    frames: u32,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<RecordStats> {
    let start = Instant::now();
    let path = sink.path().to_path_buf();
    let fps_output = sink.fps();
    if frames == 0 {
        sink.abort();
        return Err(Error::input(format!(
            "{}: --frames must be at least 1",
            path.display()
        )));
    }
    let (tx, rx) = sync_channel::<Msg>(QUEUE);
    let mut render_time = Duration::ZERO;
    let (rendered, encoded) = std::thread::scope(|s| {
        let encoder = std::thread::Builder::new()
            .name("record-encode".into())
            .spawn_scoped(s, || encode(sink, rx))
            .map_err(|e| Error::io(&path, e));
        let encoder = match encoder {
            Ok(h) => h,
            Err(e) => return (Err(e), Err(Error::input("encoder not started"))),
        };
        let rendered = (|| {
            for i in 0..frames {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::io(
                        &path,
                        std::io::Error::new(
                            std::io::ErrorKind::Interrupted,
                            format!("interrupted after {i} of {frames} frames; nothing written"),
                        ),
                    ));
                }
                let t = Instant::now();
                let img = source.render(i)?;
                render_time += t.elapsed();
                if tx.send(Msg::Frame(img)).is_err() {
                    // The encoder stopped; its error is the one to report.
                    return Ok(false);
                }
                progress.inc();
            }
            Ok(tx.send(Msg::Finish).is_ok())
        })();
        // Dropping the sender without Finish tells the encoder to abort.
        drop(tx);
        let encoded = encoder.join().unwrap_or_else(|_| {
            Err(Error::io(
                &path,
                std::io::Error::other("the encoder thread panicked"),
            ))
        });
        (rendered, encoded)
    });
    progress.finish();
    let encode_time = match (rendered, encoded) {
        (Err(e), _) => return Err(e),
        (Ok(_), Err(e)) => return Err(e),
        (Ok(_), Ok(t)) => t,
    };
    let seconds = start.elapsed().as_secs_f64();
    Ok(RecordStats {
        frames,
        seconds,
        fps_render: frames as f64 / seconds.max(1e-9),
        render_seconds: render_time.as_secs_f64(),
        encode_seconds: encode_time.as_secs_f64(),
        fps_output,
        bytes_written: output_bytes(&path),
        path,
    })
}

/// The encoder thread: pushes frames until Finish (then finishes the sink) or
/// until the channel closes early (then aborts it). Returns the time in push.
fn encode(mut sink: Box<dyn FrameSink>, rx: Receiver<Msg>) -> Result<Duration> {
    let mut busy = Duration::ZERO;
    loop {
        match rx.recv() {
            Ok(Msg::Frame(img)) => {
                let t = Instant::now();
                if let Err(e) = sink.push(&img) {
                    sink.abort();
                    return Err(e);
                }
                busy += t.elapsed();
            }
            Ok(Msg::Finish) => {
                let t = Instant::now();
                sink.finish()?;
                return Ok(busy + t.elapsed());
            }
            Err(_) => {
                sink.abort();
                return Ok(busy);
            }
        }
    }
}
