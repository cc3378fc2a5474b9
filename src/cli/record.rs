//! `gradfield record`: the scene of `render`, frame after frame while the
//! particles move, to a GIF, an MP4 (H.264), a WebM (VP9) or a directory of
//! PNG frames.
//!
//! Order of work: flags and scene are checked, then the output is opened (the
//! temporary file beside the target, or the ffmpeg child), and only then is
//! the GPU touched, so a wrong value (exit 2), an unwritable path or a missing
//! ffmpeg (exit 1) fail at once. Ctrl-C sets a flag the frame loop checks:
//! the output is dropped (no partial file) and the exit code is 130.

use super::render::{build_scene, SceneArgs};
use anyhow::Result;
use clap::Args;
use gradfield::record::{self, animate, Format, Progress};
use gradfield::scene::{self, Scene, Sweep, SweepParam};
use gradfield::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// A built-in name, an expression in x and y, or a scene file (.toml, may hold a [record] table).
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// Output: OUT.gif, OUT.mp4 (H.264), OUT.webm (VP9), or DIR/ for PNG frames.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Number of frames (frame 0 is the start state); default: the scene's [record] frames, else 90.
    #[arg(long)]
    pub frames: Option<u32>,
    /// Frames per second of the output; default 30.
    #[arg(long, allow_hyphen_values = true)]
    pub fps: Option<f64>,
    /// Optimizer steps between two frames; default 1.
    #[arg(long)]
    pub steps_per_frame: Option<u32>,
    /// Turn the 3D camera by this many degrees per frame (3d and split views).
    #[arg(long, allow_hyphen_values = true)]
    pub orbit: Option<f64>,
    /// Sweep one parameter over the clip: PARAM:FROM:TO (PARAM: lr, momentum,
    /// azimuth, elevation, distance, zscale); add :log for geometric steps.
    #[arg(long, allow_hyphen_values = true)]
    pub sweep: Option<String>,
    /// MP4/WebM constant quality (-crf; lower is better and larger).
    #[arg(long)]
    pub crf: Option<u32>,
    /// GIF: ordered dithering (smoother gradients, larger files).
    #[arg(long)]
    pub dither: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub scene: SceneArgs,
}

/// Set by the Ctrl-C handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Parses `PARAM:FROM:TO[:log]`.
pub fn parse_sweep(s: &str) -> Result<Sweep, Error> {
    let bad = |why: &str| {
        Error::input(format!(
            "--sweep '{s}': {why}; expected PARAM:FROM:TO[:log], e.g. lr:0.001:0.05 (PARAM: {})",
            SweepParam::NAMES
        ))
    };
    let parts: Vec<&str> = s.split(':').collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(bad("wrong number of fields"));
    }
    let param = SweepParam::parse(parts[0])
        .map_err(|_| bad(&format!("unknown parameter `{}`", parts[0])))?;
    let num = |t: &str| -> Result<f64, Error> {
        let v: f64 = t
            .trim()
            .parse()
            .map_err(|_| bad(&format!("`{t}` is not a number")))?;
        if !v.is_finite() {
            return Err(bad(&format!("`{t}` is not finite")));
        }
        Ok(v)
    };
    let log = match parts.get(3).map(|t| t.trim()) {
        None | Some("linear") => false,
        Some("log") => true,
        Some(other) => return Err(bad(&format!("`{other}` is neither log nor linear"))),
    };
    Ok(Sweep {
        param,
        from: num(parts[1])?,
        to: num(parts[2])?,
        log,
    })
}

/// Checks --size before the scene is built: the limits in the message.
fn check_size(s: &str) -> Result<(), Error> {
    let out_of_range = || {
        Error::input(format!(
            "--size '{s}' is out of range: WxH with each side between 64 and 8192 pixels (e.g. 640x480)"
        ))
    };
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| Error::input(format!("--size '{s}' must be WxH in pixels, e.g. 640x480")))?;
    let side =
        |t: &str| -> Result<u32, Error> { t.trim().parse::<u32>().map_err(|_| out_of_range()) };
    let (w, h) = (side(w)?, side(h)?);
    if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
        return Err(out_of_range());
    }
    Ok(())
}

/// The scene with the record flags applied, checked.
pub fn build(a: &RecordArgs) -> Result<Scene, Error> {
    if let Some(s) = &a.scene.size {
        check_size(s)?;
    }
    // Each flag is checked on its own first, so the message names the flag.
    if let Some(n) = a.frames {
        if !(1..=scene::MAX_FRAMES).contains(&n) {
            return Err(Error::input(format!(
                "--frames {n} is out of range: 1 to {}",
                scene::MAX_FRAMES
            )));
        }
    }
    if let Some(f) = a.fps {
        if !(f.is_finite() && f > 0.0 && f <= scene::MAX_FPS) {
            return Err(Error::input(format!(
                "--fps {f} is out of range: a number > 0 and at most {}",
                scene::MAX_FPS
            )));
        }
    }
    if let Some(k) = a.steps_per_frame {
        if !(1..=scene::MAX_STEPS_PER_FRAME).contains(&k) {
            return Err(Error::input(format!(
                "--steps-per-frame {k} is out of range: 1 to {}",
                scene::MAX_STEPS_PER_FRAME
            )));
        }
    }
    if let Some(o) = a.orbit {
        if !(o.is_finite() && o.abs() <= 360.0) {
            return Err(Error::input(format!(
                "--orbit {o} is out of range: degrees per frame in [-360, 360]"
            )));
        }
    }
    if let Some(n) = a.scene.steps {
        return Err(Error::input(format!(
            "--steps {n}: a recording starts from the start state (frame 0) and runs \
             --steps-per-frame steps between frames; --steps is for render"
        )));
    }
    let sweep = a.sweep.as_deref().map(parse_sweep).transpose()?;
    let mut scene = build_scene(&a.target, &a.scene)?;
    let r = &mut scene.record;
    if let Some(n) = a.frames {
        r.frames = n;
    }
    if let Some(f) = a.fps {
        r.fps = f;
    }
    if let Some(k) = a.steps_per_frame {
        r.steps_per_frame = k;
    }
    if let Some(o) = a.orbit {
        r.orbit = o;
    }
    if sweep.is_some() {
        r.sweep = sweep;
    }
    animate::check(&scene)?;
    Ok(scene)
}

pub fn run(a: RecordArgs) -> Result<()> {
    let scene = build(&a)?;
    let format = Format::from_path(&a.output)?;
    if format != Format::PngSequence {
        super::check_writable(&a.output)?;
    }
    if let Some(c) = a.crf {
        // libx264 takes -crf 0 to 51, libvpx-vp9 0 to 63.
        let max = match format {
            Format::Mp4 => Some((51, "MP4 (H.264)")),
            Format::Webm => Some((63, "WebM (VP9)")),
            _ => Some((63, "an encoder")),
        };
        if let Some((max, what)) = max {
            if c > max {
                return Err(Error::input(format!(
                    "--crf {c} is out of range for {what}: 0 to {max}"
                ))
                .into());
            }
        }
    }
    let opts = record::SinkOptions {
        dither: a.dither,
        crf: a.crf,
        ..animate::default_options(&scene)
    };
    let scene = super::with_critical_points(scene)?;
    let [w, h] = scene.size;
    // The output first (temporary file, or the ffmpeg child): before any GPU work.
    let sink = record::open_sink(&a.output, w, h, scene.record.fps, &opts)?;
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let ctx = match super::gpu() {
        Ok(c) => c,
        Err(e) => {
            sink.abort();
            return Err(e.into());
        }
    };
    let frames = scene.record.frames;
    let progress = Progress::new(frames, a.quiet);
    match record::record_into(&ctx, &scene, sink, progress, &INTERRUPTED) {
        Ok(stats) => {
            if !a.quiet {
                eprintln!(
                    "wrote {} ({} frames, {}×{}, {:.3} MB, plays at {} fps) in {:.1} s: {:.2} frames/s on {}",
                    stats.path.display(),
                    stats.frames,
                    w,
                    h,
                    stats.bytes_written as f64 / 1e6,
                    super::num(stats.fps_output),
                    stats.seconds,
                    stats.fps_render,
                    ctx.describe()
                );
            }
            Ok(())
        }
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::Interrupted => {
            eprintln!(
                "gradfield: {source} ({} left as it was)",
                a.output.display()
            );
            Err(super::Exit(130).into())
        }
        Err(e) => Err(e.into()),
    }
}
