//! `gradfield view`: the native viewer. A winit window, a wgpu surface, an egui
//! control panel on the left and the scene (drawn by `gradfield::render` into
//! an offscreen texture that egui shows) in the rest. The library stays
//! windowless: everything that links winit or egui lives here, in the binary.
//!
//! - [`state`]: the scene and the pure rules of change (zoom, pan, expression edits,
//!   what needs a rebuild), unit-tested without a window.
//! - [`app`]: the winit application: surface, frame pacing, renderer rebuilds, screenshots.
//! - [`panel`]: the egui control panel.
//! - [`input`]: mouse and keyboard on the scene view.
//! - [`dial`]: the hover lesson as numbers: the directional derivative over every direction.
//! - [`overlay`]: axes, colour bar, hover dial and help painted by egui over the scene.
//! - [`recorder`]: recording the scene view to MP4 or GIF on an encoder thread.

//!
//! Everything but the flags needs the cargo feature `viewer` (on by default).

#[cfg(feature = "viewer")]
pub mod app;
#[cfg(feature = "viewer")]
pub mod blit;
#[cfg(feature = "viewer")]
pub mod dial;
#[cfg(feature = "viewer")]
pub mod input;
#[cfg(feature = "viewer")]
pub mod overlay;
#[cfg(feature = "viewer")]
pub mod panel;
#[cfg(feature = "viewer")]
pub mod recorder;
#[cfg(feature = "viewer")]
pub mod state;

use anyhow::Result;
use clap::Args;
#[cfg(feature = "viewer")]
use gradfield::scene::Scene;
use std::path::PathBuf;

/// `gradfield view [FUNC|SCENE]`.
#[derive(Args, Debug, Clone)]
#[cfg_attr(not(feature = "viewer"), allow(dead_code))]
pub struct ViewArgs {
    /// A built-in name, an expression in x and y, or a scene file (.toml);
    /// default: Himmelblau's four basins, split view, particles with trails.
    #[arg(allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Take a screenshot of the scene view after this many frames.
    #[arg(long)]
    pub screenshot_after: Option<u64>,
    /// Where screenshots go (the `p` key and --screenshot-after).
    #[arg(long, default_value = "viewer-screenshot.png")]
    pub screenshot: PathBuf,
    /// Also save the scene (as `render` would reproduce it) with the --screenshot-after screenshot.
    #[arg(long)]
    pub save_scene: Option<PathBuf>,
    /// Quit after the --screenshot-after screenshot and the --record-frames
    /// recording (when both are asked for, after both).
    #[arg(long)]
    pub exit: bool,
    /// Record the scene view from the first frame into OUT.mp4 or OUT.gif (or
    /// any output `gradfield record` takes), until --record-frames, the `v`
    /// key, the panel's stop button or closing the window. The file plays at
    /// --fps-cap. A failure (ffmpeg missing, unwritable path) is an error.
    #[arg(long, value_name = "OUT")]
    pub record: Option<PathBuf>,
    /// Finish the --record recording after this many frames.
    #[arg(long, value_name = "N", requires = "record")]
    pub record_frames: Option<u32>,
    /// Start paused (the particles stay where the scene's `steps` put them, as in `render`).
    #[arg(long)]
    pub paused: bool,
    /// Frame-rate cap.
    #[arg(long, default_value_t = 60.0)]
    pub fps_cap: f64,
    /// Window size WxH in logical pixels.
    #[arg(long, default_value = "1280x720")]
    pub size: String,
    /// Width of the control panel in logical pixels (0 hides it).
    #[arg(long, default_value_t = 300.0)]
    pub panel_width: f32,
    /// Hide the control panel (the same as --panel-width 0).
    #[arg(long)]
    pub no_panel: bool,
    /// The --screenshot-after screenshot is of the whole window (panel,
    /// hover card, help) as the screen shows it, not of the scene view alone.
    #[arg(long)]
    pub screenshot_window: bool,
    /// Show the hover lesson at X,Y (function coordinates) as if the mouse were
    /// there; `off` shows none wherever the mouse is (for screenshots).
    #[arg(long, allow_hyphen_values = true, value_name = "X,Y|off")]
    pub hover: Option<String>,
    /// Open with the help overlay shown.
    #[arg(long)]
    pub show_help: bool,
    /// Run N frames that exercise everything a long session does (particles
    /// and trails, resizing the window every 20 frames, a new function every
    /// 25, a recording from the viewer over frames 30 to 70), print the
    /// resident memory every N/10 frames and at the end, then quit. Memory
    /// must stay flat (issue 21); tests/soak.rs holds it to a bound.
    #[arg(long, value_name = "N")]
    pub soak: Option<u64>,
}

/// The opening scene: a built-in name, an expression or a file, else the default.
#[cfg(feature = "viewer")]
pub fn initial_scene(target: Option<&str>) -> Result<Scene, gradfield::Error> {
    match target {
        Some(t) => {
            let path = std::path::Path::new(t);
            if t.ends_with(".toml") || (path.is_file() && !t.contains(['(', '^', '*'])) {
                Scene::load(path)
            } else {
                Scene::for_function(t)
            }
        }
        None => gradfield::presets::default_view(),
    }
}

/// A build without the cargo feature `viewer` has no window: `view` is the
/// user's error (exit 2), saying how to get one.
#[cfg(not(feature = "viewer"))]
pub fn run(_args: ViewArgs) -> Result<()> {
    Err(gradfield::Error::input(
        "this gradfield was built without the viewer (cargo feature `viewer`): \
         rebuild with default features to use `gradfield view`",
    )
    .into())
}

/// Opens the window and runs until it is closed (or --exit after the screenshot).
#[cfg(feature = "viewer")]
pub fn run(args: ViewArgs) -> Result<()> {
    let size = parse_size(&args.size)?;
    if !(args.fps_cap > 0.0 && args.fps_cap <= 1000.0) {
        return Err(gradfield::Error::input(format!(
            "--fps-cap {} must be in (0, 1000]",
            args.fps_cap
        ))
        .into());
    }
    if let Some(h) = args.hover.as_deref().filter(|h| *h != "off") {
        gradfield::domain::parse_point(h, "--hover")?;
    }
    if let Some(out) = &args.record {
        gradfield::record::Format::from_path(out)?;
    }
    if args.soak == Some(0) {
        return Err(gradfield::Error::input("--soak 0: give at least one frame").into());
    }
    if args.record_frames == Some(0) {
        return Err(gradfield::Error::input("--record-frames must be at least 1").into());
    }
    let scene = initial_scene(args.target.as_deref())?;
    scene.optimizer()?;
    app::run(args, scene, size)
}

/// Parses "WxH".
#[cfg(feature = "viewer")]
pub fn parse_size(s: &str) -> Result<[u32; 2], gradfield::Error> {
    let bad = || gradfield::Error::input(format!("--size '{s}' must be WxH, e.g. 1280x720"));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(64..=8192).contains(&w) || !(64..=8192).contains(&h) {
        return Err(gradfield::Error::input(format!(
            "--size '{s}': each side must be between 64 and 8192"
        )));
    }
    Ok([w, h])
}
