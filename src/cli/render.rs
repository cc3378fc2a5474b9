//! `gradfield render`: one frame, headless, to PNG. Also the scene flags that
//! `record` shares.

use anyhow::Result;
use clap::Args;
use gradfield::render::colormap::Colormap;
use gradfield::scene::{Direction, Projection, Scale, Scene, Theme, View};
use gradfield::{Domain, Error};
use std::path::{Path, PathBuf};

/// Flags that override fields of a scene (a scene file or the defaults for FUNC).
#[derive(Args, Debug, Clone, Default)]
pub struct SceneArgs {
    /// View: 2d, 3d or split (3D beside 2D).
    #[arg(long)]
    pub view: Option<String>,
    /// Image size WxH in pixels.
    #[arg(long)]
    pub size: Option<String>,
    /// light or dark.
    #[arg(long)]
    pub theme: Option<String>,
    /// The domain XMIN,XMAX,YMIN,YMAX.
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    /// Colormap: viridis, magma, inferno, cividis, turbo, coolwarm.
    #[arg(long)]
    pub colormap: Option<String>,
    /// Log colour scale (for Rosenbrock-like ranges).
    #[arg(long)]
    pub log: bool,
    /// Number of contour levels (0: none).
    #[arg(long)]
    pub contours: Option<u32>,
    /// Write the value on a few contour lines
    #[arg(long)]
    pub contour_labels: bool,
    /// Arrows across the width (0: none).
    #[arg(long)]
    pub arrows: Option<u32>,
    /// Draw arrows along −∇f (where descent goes) instead of +∇f.
    #[arg(long)]
    pub descent_arrows: bool,
    /// Number of particles (0: none).
    #[arg(long)]
    pub particles: Option<u32>,
    /// Optimizer of the particles.
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Learning rate of the particles.
    #[arg(long, allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// Optimizer steps before the frame.
    #[arg(long)]
    pub steps: Option<u32>,
    /// Trail samples per particle (0: none).
    #[arg(long)]
    pub trail: Option<u32>,
    /// 3D camera azimuth in degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub azimuth: Option<f64>,
    /// 3D camera elevation in degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub elevation: Option<f64>,
    /// Orthographic 3D projection.
    #[arg(long)]
    pub ortho: bool,
    /// Mark the critical points (found by `critical`) on the map.
    #[arg(long)]
    pub critical: bool,
    /// Title above the plot.
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A built-in name, an expression in x and y, or a scene file (.toml).
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// Output PNG (- for standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scene: SceneArgs,
}

/// Parses "WxH".
pub fn parse_size(s: &str) -> Result<[u32; 2], Error> {
    let bad = || Error::input(format!("--size '{s}' must be WxH in pixels, e.g. 1280x720"));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(Error::input(format!("--size '{s}' has a zero side")));
    }
    Ok([w, h])
}

/// The scene for TARGET (a .toml file or FUNC) with the flags applied.
pub fn build_scene(target: &str, a: &SceneArgs) -> Result<Scene, Error> {
    let path = Path::new(target);
    let mut scene =
        if target.ends_with(".toml") || (path.is_file() && !target.contains(['(', '^', '*'])) {
            Scene::load(path)?
        } else {
            Scene::for_function(target)?
        };
    if let Some(v) = &a.view {
        scene.view = View::parse(v)?;
    }
    if let Some(s) = &a.size {
        scene.size = parse_size(s)?;
    }
    if let Some(t) = &a.theme {
        scene.theme = Theme::parse(t)?;
    }
    if let Some(d) = &a.domain {
        let d = Domain::parse(d)?;
        scene.domain = [d.xmin, d.xmax, d.ymin, d.ymax];
    }
    if let Some(c) = &a.colormap {
        scene.map.colormap = Colormap::parse(c)?;
    }
    if a.log {
        scene.map.scale = Scale::Log;
    }
    if a.contour_labels {
        scene.contours.labels = true;
    }
    if let Some(n) = a.contours {
        scene.contours.count = n;
    }
    if let Some(n) = a.arrows {
        scene.arrows.density = n;
    }
    if a.descent_arrows {
        scene.arrows.direction = Direction::Descent;
    }
    if let Some(n) = a.particles {
        scene.particles.count = n;
    }
    if let Some(o) = &a.optimizer {
        scene.particles.optimizer = o.clone();
        if a.lr.is_none() {
            // The catalogue's lr is tuned for gd; other optimizers take their own default.
            scene.particles.lr = None;
        }
    }
    if let Some(lr) = a.lr {
        scene.particles.lr = Some(lr);
    }
    if let Some(n) = a.steps {
        scene.particles.steps = n;
    }
    if let Some(n) = a.trail {
        scene.particles.trail_length = n;
    }
    if let Some(v) = a.azimuth {
        scene.camera.azimuth = v;
    }
    if let Some(v) = a.elevation {
        scene.camera.elevation = v;
    }
    if a.ortho {
        scene.camera.projection = Projection::Orthographic;
    }
    if a.critical {
        scene.critical.show = true;
    }
    if let Some(t) = &a.title {
        scene.title = Some(t.clone());
    }
    scene.validate(None)?;
    scene.optimizer()?;
    Ok(scene)
}

pub fn run(a: RenderArgs) -> Result<()> {
    let scene = build_scene(&a.target, &a.scene)?;
    // A file is named *.png; standard output (-), a device or a FIFO may be named anything.
    let file = !matches!(
        gradfield::io::resolve_output(&a.output),
        Ok(gradfield::io::Target::Stdout | gradfield::io::Target::Direct(_))
    );
    if file
        && a.output
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_lowercase())
            != Some("png".into())
    {
        return Err(Error::input(format!(
            "-o {}: render writes a PNG; name the file *.png",
            a.output.display()
        ))
        .into());
    }
    super::check_writable(&a.output)?;
    let ctx = super::gpu()?;
    let scene = super::with_critical_points(scene)?;
    scene.validate(Some(ctx.limits.max_texture_dimension_2d))?;
    let t = std::time::Instant::now();
    let mut r = gradfield::render::Renderer::new(&ctx, &scene)?;
    if let Some(w) = r.stats.f32_overflow_warning() {
        eprintln!("warning: {w}");
    }
    r.advance(&ctx, scene.particles.steps);
    let img = r.render_image(&ctx)?;
    img.save_png(&a.output)?;
    eprintln!(
        "wrote {} ({}×{}, {} in {:.2} s on {})",
        a.output.display(),
        img.width,
        img.height,
        scene.view.name(),
        t.elapsed().as_secs_f64(),
        ctx.describe()
    );
    Ok(())
}
