//! Scene files: one TOML file describes everything a view needs. Every field
//! has a default, so `Scene::for_function("x^2+y^2")` is a complete scene and a
//! file only says what differs. Unknown keys are errors (typos are caught), and
//! a bad file is reported as `file:line:column: key: message`.

use crate::analysis::Kind;
use crate::error::{Error, Result};
use crate::optim::{Optimizer, OptimizerKind, Schedule, Stop};
use crate::render::colormap::Colormap;
use crate::{Domain, Function};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which picture: the 2D map, the 3D surface, or both side by side (3D left).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum View {
    #[default]
    #[serde(rename = "2d")]
    TwoD,
    #[serde(rename = "3d")]
    ThreeD,
    #[serde(rename = "split")]
    Split,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::TwoD => "2d",
            View::ThreeD => "3d",
            View::Split => "split",
        }
    }

    pub fn parse(s: &str) -> Result<View> {
        match s.trim().to_ascii_lowercase().as_str() {
            "2d" => Ok(View::TwoD),
            "3d" => Ok(View::ThreeD),
            "split" => Ok(View::Split),
            _ => Err(Error::input(format!(
                "unknown view `{s}`: expected 2d, 3d or split"
            ))),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

impl Theme {
    pub fn parse(s: &str) -> Result<Theme> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dark" => Ok(Theme::Dark),
            "light" => Ok(Theme::Light),
            _ => Err(Error::input(format!(
                "unknown theme `{s}`: expected light or dark"
            ))),
        }
    }
    pub fn background(self) -> [u8; 4] {
        match self {
            Theme::Dark => [22, 24, 29, 255],
            Theme::Light => [250, 250, 248, 255],
        }
    }
    pub fn foreground(self) -> [u8; 4] {
        match self {
            Theme::Dark => [225, 228, 232, 255],
            Theme::Light => [30, 32, 36, 255],
        }
    }
}

/// How values map to colours (and, by default, how contour levels are spaced).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    #[default]
    Linear,
    /// log10(f − fmin + ε): for Rosenbrock-like ranges.
    Log,
}

/// The heatmap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapConfig {
    /// Draw the heatmap (false: background colour under contours and arrows).
    pub show: bool,
    pub colormap: Colormap,
    pub scale: Scale,
    /// Colour range [lo, hi] in f units; default: percentiles of f over a 128×128 sample grid.
    pub range: Option<[f64; 2]>,
    /// Percentiles used for the automatic range.
    pub percentiles: [f64; 2],
    /// Value at the middle of a diverging colormap (default 0); the range is made symmetric about it.
    pub center: Option<f64>,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            show: true,
            colormap: Colormap::Viridis,
            scale: Scale::Linear,
            range: None,
            percentiles: [1.0, 99.0],
            center: None,
        }
    }
}

/// Contour lines, drawn per pixel at constant width.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContourConfig {
    /// Number of levels between the ends of the colour range; 0 turns them off.
    pub count: u32,
    /// Spacing of the levels; default: the map's scale.
    pub spacing: Option<Scale>,
    /// Explicit levels in f units (override count and spacing).
    pub levels: Vec<f64>,
    /// Line width in pixels.
    pub width: f32,
    /// Line opacity in [0, 1].
    pub opacity: f32,
    /// Write the value on a few levels (2D panels).
    pub labels: bool,
}

impl Default for ContourConfig {
    fn default() -> Self {
        ContourConfig {
            count: 12,
            spacing: None,
            levels: Vec::new(),
            width: 1.2,
            opacity: 0.55,
            labels: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Along +∇f, the direction of steepest ascent.
    #[default]
    Ascent,
    /// Along −∇f, where gradient descent goes.
    Descent,
}

/// The quiver of gradient arrows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArrowConfig {
    /// Arrows across the plot's width (rows follow the aspect); 0 turns them off.
    pub density: u32,
    /// Length multiplier (1: the longest arrow nearly fills its cell).
    pub scale: f32,
    pub direction: Direction,
}

impl Default for ArrowConfig {
    fn default() -> Self {
        ArrowConfig {
            density: 18,
            scale: 1.0,
            direction: Direction::Ascent,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// A near-square grid over the domain (inset by half a cell).
    #[default]
    Grid,
    /// Uniform random over the domain, from `seed`.
    Random,
    /// Exactly `points`.
    Points,
}

/// Descent particles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParticleConfig {
    /// Number of particles (ignored for `start = "points"`); 0 turns them off.
    pub count: u32,
    pub start: Start,
    pub seed: u64,
    pub points: Vec<[f64; 2]>,
    /// Optimizer name: gd, ascent, normalized, momentum, nesterov, adagrad, rmsprop, adam, newton.
    pub optimizer: String,
    /// Learning rate; default per optimizer (`OptimizerKind::default_lr`: 0.01;
    /// normalized, adam, rmsprop, adagrad 0.05; newton 1).
    pub lr: Option<f64>,
    /// Learning-rate schedule (`Schedule::parse`): constant, step:EVERY:GAMMA,
    /// exp:GAMMA, cosine:T_MAX[:ETA_MIN] or inv:GAMMA:POWER.
    pub schedule: String,
    pub momentum: Option<f64>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub alpha: Option<f64>,
    pub eps: Option<f64>,
    /// Gradient-norm clip (0: off).
    pub clip: f64,
    /// Converged when ‖∇f‖ < tol.
    pub tol: f64,
    /// Optimizer steps run before the frame is drawn.
    pub steps: u32,
    /// Upper bound on steps per particle (default: unlimited).
    pub max_steps: Option<u32>,
    /// Trail samples per particle (0: no trails).
    pub trail_length: u32,
    /// One trail sample every this many steps.
    pub trail_stride: u32,
    /// Point diameter in pixels.
    pub size: f32,
}

impl Default for ParticleConfig {
    fn default() -> Self {
        ParticleConfig {
            count: 64,
            start: Start::Grid,
            seed: 1,
            points: Vec::new(),
            optimizer: "gd".into(),
            lr: None,
            schedule: "constant".into(),
            momentum: None,
            beta1: None,
            beta2: None,
            alpha: None,
            eps: None,
            clip: 0.0,
            tol: 1e-4,
            steps: 60,
            max_steps: None,
            trail_length: 32,
            trail_stride: 2,
            size: 7.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Projection {
    #[default]
    Perspective,
    Orthographic,
}

/// The 3D orbit camera and surface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraConfig {
    /// Degrees around the vertical axis, from +x toward +y.
    pub azimuth: f64,
    /// Degrees above the xy plane.
    pub elevation: f64,
    /// Distance from the target, in units of the half-extent of the domain.
    pub distance: f64,
    /// Point looked at, in function coordinates (x, y); default the domain's centre.
    pub target: Option<[f64; 2]>,
    pub projection: Projection,
    /// Vertical field of view in degrees (perspective).
    pub fov: f64,
    /// Height of the surface relative to the domain's half-extent.
    pub zscale: f64,
    /// Grid points per side of the surface mesh.
    pub resolution: u32,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            azimuth: -60.0,
            elevation: 32.0,
            distance: 5.0,
            target: None,
            projection: Projection::Perspective,
            fov: 32.0,
            zscale: 0.8,
            resolution: 192,
        }
    }
}

/// A critical point to mark.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CriticalConfig {
    pub show: bool,
    /// The points (the CLI fills them from `analysis::critical`; a file may list them).
    pub points: Vec<Marker>,
}

impl Default for CriticalConfig {
    fn default() -> Self {
        CriticalConfig {
            show: true,
            points: Vec::new(),
        }
    }
}

/// What a [`Sweep`] varies from frame to frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepParam {
    /// The optimizer's learning rate (for the steps that lead to each frame).
    Lr,
    /// The optimizer's momentum μ (momentum, nesterov).
    Momentum,
    /// 3D camera azimuth in degrees.
    Azimuth,
    /// 3D camera elevation in degrees.
    Elevation,
    /// 3D camera distance.
    Distance,
    /// 3D surface height scale.
    Zscale,
}

impl SweepParam {
    pub const NAMES: &'static str = "lr, momentum, azimuth, elevation, distance, zscale";

    pub fn name(self) -> &'static str {
        match self {
            SweepParam::Lr => "lr",
            SweepParam::Momentum => "momentum",
            SweepParam::Azimuth => "azimuth",
            SweepParam::Elevation => "elevation",
            SweepParam::Distance => "distance",
            SweepParam::Zscale => "zscale",
        }
    }

    pub fn parse(s: &str) -> Result<SweepParam> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lr" | "learning-rate" | "learning_rate" => Ok(SweepParam::Lr),
            "momentum" => Ok(SweepParam::Momentum),
            "azimuth" => Ok(SweepParam::Azimuth),
            "elevation" => Ok(SweepParam::Elevation),
            "distance" => Ok(SweepParam::Distance),
            "zscale" => Ok(SweepParam::Zscale),
            _ => Err(Error::input(format!(
                "unknown sweep parameter `{s}`: expected one of {}",
                SweepParam::NAMES
            ))),
        }
    }

    /// True for the parameters that only change the 3D view.
    pub fn is_camera(self) -> bool {
        !matches!(self, SweepParam::Lr | SweepParam::Momentum)
    }
}

/// One parameter moved from `from` (frame 0) to `to` (the last frame).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    pub param: SweepParam,
    pub from: f64,
    pub to: f64,
    /// Geometric steps (from and to of one sign, non-zero) instead of linear ones.
    #[serde(default)]
    pub log: bool,
}

impl Sweep {
    /// The value at frame `i` of `frames`.
    pub fn value(&self, i: u32, frames: u32) -> f64 {
        let t = if frames > 1 {
            i as f64 / (frames - 1) as f64
        } else {
            0.0
        };
        if self.log {
            self.from * (self.to / self.from).powf(t)
        } else {
            self.from + (self.to - self.from) * t
        }
    }
}

/// Most frames one recording may have.
pub const MAX_FRAMES: u32 = 100_000;
/// Highest frame rate of a recording.
pub const MAX_FPS: f64 = 240.0;
/// Most optimizer steps between two frames.
pub const MAX_STEPS_PER_FRAME: u32 = 100_000;

/// The `[record]` table: how `gradfield record` animates the scene. Frame 0
/// is the start state (what `render` draws with `particles.steps = 0`); every
/// later frame runs `steps_per_frame` more optimizer steps, turns the 3D
/// camera by `orbit` degrees and moves the swept parameter along.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordConfig {
    pub frames: u32,
    /// Frames per second of the output.
    pub fps: f64,
    pub steps_per_frame: u32,
    /// 3D camera azimuth change per frame, in degrees (3d and split views).
    pub orbit: f64,
    pub sweep: Option<Sweep>,
}

impl Default for RecordConfig {
    fn default() -> Self {
        RecordConfig {
            frames: 90,
            fps: 30.0,
            steps_per_frame: 1,
            orbit: 0.0,
            sweep: None,
        }
    }
}

impl RecordConfig {
    /// Checks the numbers (each message names the limit).
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_FRAMES).contains(&self.frames) {
            return Err(Error::input(format!(
                "frames {} is out of range: a recording has 1 to {MAX_FRAMES} frames",
                self.frames
            )));
        }
        if !(self.fps.is_finite() && self.fps > 0.0 && self.fps <= MAX_FPS) {
            return Err(Error::input(format!(
                "fps {} is out of range: it must be a number > 0 and at most {MAX_FPS}",
                self.fps
            )));
        }
        if !(1..=MAX_STEPS_PER_FRAME).contains(&self.steps_per_frame) {
            return Err(Error::input(format!(
                "steps per frame {} is out of range: it must be 1 to {MAX_STEPS_PER_FRAME}",
                self.steps_per_frame
            )));
        }
        if !(self.orbit.is_finite() && self.orbit.abs() <= 360.0) {
            return Err(Error::input(format!(
                "orbit {} is out of range: degrees per frame in [-360, 360]",
                self.orbit
            )));
        }
        if let Some(s) = &self.sweep {
            let name = s.param.name();
            if !(s.from.is_finite() && s.to.is_finite()) {
                return Err(Error::input(format!(
                    "sweep of {name} from {} to {}: both ends must be finite",
                    s.from, s.to
                )));
            }
            if s.log && s.from * s.to <= 0.0 {
                return Err(Error::input(format!(
                    "sweep of {name} from {} to {} with log steps: both ends must be non-zero and of one sign",
                    s.from, s.to
                )));
            }
        }
        Ok(())
    }
}

/// Everything one frame needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scene {
    /// An expression in x and y (or, once the catalog lands, a built-in name).
    pub function: String,
    /// Title drawn above the plot; default `f(x, y) = <function>`.
    pub title: Option<String>,
    /// [xmin, xmax, ymin, ymax].
    pub domain: [f64; 4],
    pub view: View,
    /// Image size [width, height] in pixels.
    pub size: [u32; 2],
    pub theme: Theme,
    /// Axes, ticks, colour bar and title (CPU overlay after read-back).
    pub axes: bool,
    pub map: MapConfig,
    pub contours: ContourConfig,
    pub arrows: ArrowConfig,
    pub particles: ParticleConfig,
    pub camera: CameraConfig,
    pub critical: CriticalConfig,
    /// How `gradfield record` animates the scene.
    pub record: RecordConfig,
}

impl Default for Scene {
    fn default() -> Self {
        Scene {
            function: "x^2 + y^2".into(),
            title: None,
            domain: [-3.0, 3.0, -3.0, 3.0],
            view: View::TwoD,
            size: [960, 720],
            theme: Theme::Dark,
            axes: true,
            map: MapConfig::default(),
            contours: ContourConfig::default(),
            arrows: ArrowConfig::default(),
            particles: ParticleConfig::default(),
            camera: CameraConfig::default(),
            critical: CriticalConfig::default(),
            record: RecordConfig::default(),
        }
    }
}

/// 1-based line and column of byte `offset` in `text`.
/// Bytes of GPU state per particle (`gpu::particles::Particle`).
const PARTICLE_BYTES: u64 = 40;
/// Particle state plus trails may take at most this much GPU memory.
pub const MAX_PARTICLE_MEMORY: u64 = 4 << 30;
/// Optimizer steps before one frame, at most.
pub const MAX_STEPS: u32 = 10_000_000;
/// Particles × steps before one frame, at most (≈10 minutes on lavapipe).
pub const MAX_PARTICLE_STEPS: u64 = 1_000_000_000_000;

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The key a TOML error points at: the span's text if it is a bare key, else
/// the key on the span's line (`key = value`), with its `[table]`.
fn key_at(text: &str, span: std::ops::Range<usize>) -> String {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    let line = &text[line_start..line_end];
    let key = match line.split_once('=') {
        Some((k, _)) => k.trim().to_string(),
        None => text[start..span.end.min(text.len()).max(start)]
            .trim()
            .to_string(),
    };
    let table = text[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(|c| c == '[' || c == ']').to_string())
    });
    match table {
        Some(t) if !key.starts_with('[') && !key.is_empty() => format!("{t}.{key}"),
        _ => key,
    }
}

impl Scene {
    /// Parses TOML text; `name` is used in messages (a file name).
    pub fn from_toml(text: &str, name: &str) -> Result<Scene> {
        let scene: Scene = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_string();
            match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    let key = key_at(text, span);
                    if key.is_empty() {
                        Error::input(format!("{name}:{line}:{col}: {msg}"))
                    } else {
                        Error::input(format!("{name}:{line}:{col}: key `{key}`: {msg}"))
                    }
                }
                None => Error::input(format!("{name}: {msg}")),
            }
        })?;
        scene
            .validate(None)
            .map_err(|e| Error::input(format!("{name}: {e}")))?;
        Ok(scene)
    }

    /// Reads and checks a scene file.
    pub fn load(path: &Path) -> Result<Scene> {
        // A scene the user named but that cannot be read is wrong input (exit 2), like a bad one.
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!(
                "{}: cannot read the scene file: {e}",
                path.display()
            ))
        })?;
        Scene::from_toml(&text, &path.display().to_string())
    }

    /// A scene with defaults for a built-in name (its domain, learning rate and
    /// title) or a plain expression.
    pub fn for_function(text: &str) -> Result<Scene> {
        if let Some(e) = crate::catalog::lookup(text) {
            let d = e.domain;
            let mut scene = Scene {
                function: e.name.to_string(),
                title: Some(format!("{}: f(x, y) = {}", e.title, e.formula)),
                domain: [d.xmin, d.xmax, d.ymin, d.ymax],
                ..Scene::default()
            };
            scene.particles.lr = Some(e.lr);
            return Ok(scene);
        }
        Function::parse(text)?;
        Ok(Scene {
            function: text.to_string(),
            ..Scene::default()
        })
    }

    /// TOML text of this scene (every field).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self)
            .map_err(|e| Error::input(format!("scene cannot be written as TOML: {e}")))
    }

    pub fn domain(&self) -> Domain {
        let [a, b, c, d] = self.domain;
        Domain::new(a, b, c, d)
    }

    /// The scene's function: a built-in name or an expression.
    pub fn parse_function(&self) -> Result<Function> {
        if let Some(e) = crate::catalog::lookup(&self.function) {
            return Ok(e.function());
        }
        Ok(Function::parse(&self.function)?)
    }

    /// The optimizer with the scene's parameters (defaults per kind).
    pub fn optimizer(&self) -> Result<Optimizer> {
        let p = &self.particles;
        let kind = OptimizerKind::parse(&p.optimizer)?;
        let mut o = Optimizer::new(kind, p.lr.unwrap_or(kind.default_lr()));
        o.schedule = Schedule::parse_as("particles.schedule", &p.schedule)?;
        if let Some(v) = p.momentum {
            o.momentum = v;
        }
        if let Some(v) = p.beta1 {
            o.beta1 = v;
        }
        if let Some(v) = p.beta2 {
            o.beta2 = v;
        }
        if let Some(v) = p.alpha {
            o.alpha = v;
        }
        if let Some(v) = p.eps {
            o.eps = v;
        }
        o.clip = p.clip;
        o.validate()?;
        Ok(o)
    }

    pub fn stop(&self) -> Stop {
        Stop::for_domain(
            &self.domain(),
            self.particles.tol,
            self.particles.max_steps.unwrap_or(u32::MAX),
        )
    }

    /// Start positions as the scene describes them.
    pub fn starts(&self) -> Vec<[f64; 2]> {
        let p = &self.particles;
        let d = self.domain();
        match p.start {
            Start::Points => p.points.clone(),
            _ if p.count == 0 => Vec::new(),
            Start::Grid => {
                let aspect = d.width() / d.height();
                let nx = ((p.count as f64 * aspect).sqrt().round() as u32).clamp(1, p.count);
                let ny = p.count.div_ceil(nx);
                let mut out = Vec::with_capacity(p.count as usize);
                'rows: for j in 0..ny {
                    for i in 0..nx {
                        if out.len() == p.count as usize {
                            break 'rows;
                        }
                        out.push([
                            d.xmin + (i as f64 + 0.5) / nx as f64 * d.width(),
                            d.ymin + (j as f64 + 0.5) / ny as f64 * d.height(),
                        ]);
                    }
                }
                out
            }
            Start::Random => {
                // splitmix64: deterministic for a seed on every platform.
                let mut s = p.seed;
                let mut next = || {
                    s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = s;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
                };
                (0..p.count)
                    .map(|_| [d.xmin + next() * d.width(), d.ymin + next() * d.height()])
                    .collect()
            }
        }
    }

    /// Checks what a render needs before any GPU work: sizes within
    /// `max_texture` (the adapter's max 2D texture dimension; 8192 when None),
    /// a valid domain, function and optimizer, sane numbers.
    pub fn validate(&self, max_texture: Option<u32>) -> Result<()> {
        let max = max_texture.unwrap_or(8192).min(8192);
        let [w, h] = self.size;
        if w < 64 || h < 64 || w > max || h > max {
            return Err(Error::input(format!(
                "size {w}x{h} is out of range: each side must be between 64 and {max} pixels"
            )));
        }
        self.domain().validate()?;
        self.parse_function()?;
        self.optimizer()?;
        let m = &self.map;
        if let Some([lo, hi]) = m.range {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::input(format!(
                    "map.range [{lo}, {hi}] must be finite with lo < hi"
                )));
            }
        }
        let [p0, p1] = m.percentiles;
        if !((0.0..100.0).contains(&p0) && p0 < p1 && p1 <= 100.0) {
            return Err(Error::input(format!(
                "map.percentiles [{p0}, {p1}] must satisfy 0 <= lo < hi <= 100"
            )));
        }
        let c = &self.contours;
        if c.count > 256 || !(c.width > 0.0 && c.width <= 16.0) || !(0.0..=1.0).contains(&c.opacity)
        {
            return Err(Error::input(
                "contours: count must be at most 256, width in (0, 16] pixels, opacity in [0, 1]",
            ));
        }
        if c.levels.len() > 64 || c.levels.iter().any(|v| !v.is_finite()) {
            return Err(Error::input("contours.levels: at most 64 finite values"));
        }
        let a = &self.arrows;
        if a.density > 200 || !(a.scale > 0.0 && a.scale <= 10.0) {
            return Err(Error::input(
                "arrows: density must be at most 200 and scale in (0, 10]",
            ));
        }
        let p = &self.particles;
        if p.count > 16_000_000 {
            return Err(Error::input(format!(
                "particles.count {} is more than 16M",
                p.count
            )));
        }
        if p.start == Start::Points && p.points.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::input("particles.points must be finite"));
        }
        if p.trail_length > 1024 || (p.trail_length > 0 && p.trail_stride == 0) {
            return Err(Error::input(
                "particles: trail_length at most 1024 and trail_stride at least 1",
            ));
        }
        let count = if p.start == Start::Points {
            p.points.len() as u64
        } else {
            p.count as u64
        };
        let bytes = count * (PARTICLE_BYTES + 8 * p.trail_length as u64);
        if bytes > MAX_PARTICLE_MEMORY {
            return Err(Error::input(format!(
                "particles: {count} particles with {}-point trails need {:.1} GiB of GPU state, \
                 more than the {} GiB gradfield allows: use fewer particles or shorter trails",
                p.trail_length,
                bytes as f64 / (1u64 << 30) as f64,
                MAX_PARTICLE_MEMORY >> 30
            )));
        }
        if p.steps > MAX_STEPS || count * p.steps as u64 > MAX_PARTICLE_STEPS {
            return Err(Error::input(format!(
                "particles: {} steps for {count} particles is too much work for one frame \
                 (at most {MAX_STEPS} steps and 10^12 particle-steps, about ten minutes on a software adapter)",
                p.steps
            )));
        }
        if !(p.size > 0.0 && p.size <= 64.0 && p.tol >= 0.0) {
            return Err(Error::input(
                "particles: size in (0, 64] pixels and tol >= 0",
            ));
        }
        self.validate_camera()?;
        let cam = &self.camera;
        if !(2..=1024).contains(&cam.resolution) {
            return Err(Error::input(format!(
                "camera.resolution {} must be in [2, 1024]",
                cam.resolution
            )));
        }
        self.validate_record(count)
    }

    /// The `[record]` table against the rest of the scene: a swept value must
    /// be valid at both ends, one frame's steps within the work limit.
    fn validate_record(&self, particles: u64) -> Result<()> {
        let r = &self.record;
        r.validate()
            .map_err(|e| Error::input(format!("record: {e}")))?;
        if particles * r.steps_per_frame as u64 > MAX_PARTICLE_STEPS {
            return Err(Error::input(format!(
                "record: {} steps per frame for {particles} particles is too much work for one frame \
                 (at most 10^12 particle-steps)",
                r.steps_per_frame
            )));
        }
        let Some(s) = &r.sweep else { return Ok(()) };
        for v in [s.from, s.to] {
            let mut t = self.clone();
            t.record.sweep = None;
            match s.param {
                SweepParam::Lr => t.particles.lr = Some(v),
                SweepParam::Momentum => t.particles.momentum = Some(v),
                SweepParam::Azimuth => t.camera.azimuth = v,
                SweepParam::Elevation => t.camera.elevation = v,
                SweepParam::Distance => t.camera.distance = v,
                SweepParam::Zscale => t.camera.zscale = v,
            }
            let check = if s.param.is_camera() {
                t.validate_camera()
            } else {
                t.optimizer().map(|_| ())
            };
            check.map_err(|e| {
                Error::input(format!("record.sweep of {} to {v}: {e}", s.param.name()))
            })?;
        }
        Ok(())
    }

    fn validate_camera(&self) -> Result<()> {
        let cam = &self.camera;
        let finite = [
            cam.azimuth,
            cam.elevation,
            cam.distance,
            cam.fov,
            cam.zscale,
        ]
        .iter()
        .all(|v| v.is_finite());
        if !finite
            || cam.distance <= 0.0
            || !(1.0..=150.0).contains(&cam.fov)
            || !(-89.9..=89.9).contains(&cam.elevation)
        {
            return Err(Error::input(
                "camera: finite values, distance > 0, fov in [1, 150] degrees, elevation in [-89.9, 89.9] degrees",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_a_valid_scene_and_round_trip() {
        let s = Scene::for_function("x^2 - y^2").unwrap();
        s.validate(None).unwrap();
        let back = Scene::from_toml(&s.to_toml().unwrap(), "t").unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_typo_names_file_line_and_key() {
        let text = "function = \"x^2\"\n[arrows]\ndensity = 10\nscael = 2\n";
        let e = Scene::from_toml(text, "s.toml").unwrap_err().to_string();
        assert!(e.starts_with("s.toml:4:1: key `arrows.scael`"), "{e}");
        let e = Scene::from_toml("size = [10, \"a\"]\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml:1:") && e.contains("size"), "{e}");
        let e = Scene::from_toml("size = [10, 10]\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("size 10x10"), "{e}");
    }

    #[test]
    fn record_table_defaults_parses_and_is_checked() {
        // A file without [record] gets the defaults.
        let s = Scene::from_toml("function = \"x^2\"\n", "s.toml").unwrap();
        assert_eq!(s.record, RecordConfig::default());
        let text = "function = \"x^2\"\n[record]\nframes = 12\nfps = 8.0\nsteps_per_frame = 3\n\
                    sweep = { param = \"lr\", from = 0.001, to = 0.1, log = true }\n";
        let s = Scene::from_toml(text, "s.toml").unwrap();
        assert_eq!(
            (s.record.frames, s.record.fps, s.record.steps_per_frame),
            (12, 8.0, 3)
        );
        let sw = s.record.sweep.clone().unwrap();
        assert_eq!(sw.param, SweepParam::Lr);
        assert!((sw.value(0, 12) - 0.001).abs() < 1e-15 && (sw.value(11, 12) - 0.1).abs() < 1e-12);
        let back = Scene::from_toml(&s.to_toml().unwrap(), "t").unwrap();
        assert_eq!(back, s);
        for (bad, says) in [
            ("frames = 0", "1 to 100000"),
            ("fps = 0.0", "at most 240"),
            ("steps_per_frame = 0", "1 to 100000"),
            ("orbit = 400.0", "[-360, 360]"),
            (
                "sweep = { param = \"lr\", from = 0.0, to = 0.1 }",
                "learning rate",
            ),
            (
                "sweep = { param = \"elevation\", from = 0.0, to = 95.0 }",
                "elevation in [-89.9, 89.9]",
            ),
            (
                "sweep = { param = \"lr\", from = -0.1, to = 0.1, log = true }",
                "one sign",
            ),
        ] {
            let e = Scene::from_toml(&format!("[record]\n{bad}\n"), "s.toml").unwrap_err();
            let m = e.to_string();
            assert!(
                e.is_user_error() && m.starts_with("s.toml: ") && m.contains(says),
                "{bad}: {m}"
            );
        }
        let e = Scene::from_toml(
            "[record]\nsweep = { param = \"speed\", from = 1.0, to = 2.0 }\n",
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("s.toml:2:"), "{e}");
    }

    #[test]
    fn grid_starts_fill_the_domain() {
        let mut s = Scene::default();
        s.particles.count = 12;
        let st = s.starts();
        assert_eq!(st.len(), 12);
        assert!(st.iter().all(|p| s.domain().contains(p[0], p[1])));
        s.particles.start = Start::Random;
        let a = s.starts();
        assert_eq!(a, s.starts());
        assert!(a.iter().all(|p| s.domain().contains(p[0], p[1])));
    }
}
