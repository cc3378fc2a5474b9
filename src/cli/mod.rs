//! Command-line definitions (clap derive; the doc comments are the help text)
//! and the dispatch to the library. Raw arguments become validated values
//! before any GPU work starts.

mod bench;
mod compare;
mod descend;
mod eval;
mod listing;
mod record;
mod render;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use gradfield::gpu::{AdapterChoice, Context};
use gradfield::optim::{Optimizer, OptimizerKind, Schedule};
use gradfield::Error;
use std::io::Write;

/// gradfield: the gradient field of any f(x, y) — surface, contours, arrows and
/// millions of descent particles, with exact derivatives, on the GPU.
#[derive(Parser, Debug)]
#[command(name = "gradfield", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Use the GPU adapter whose name contains NAME (case-insensitive; `gradfield info`
    /// lists them); default: $WGPU_ADAPTER_NAME, else the high-performance one
    /// ($WGPU_POWER_PREF=low|high, on the backends $WGPU_BACKEND names).
    #[arg(long, global = true, value_name = "NAME")]
    pub adapter: Option<String>,
    /// How shaders evaluate f: `compiled` (the default) splices the
    /// expression into each shader (fastest per evaluation; a new expression
    /// costs its pipelines' compilation, about a second on a software
    /// adapter); `interpreted` uses one shader for every expression, reading
    /// the expression from a buffer (no compilation per expression, far slower
    /// per evaluation on lavapipe; `record` and `view` then compile the
    /// particle kernel on a worker thread and switch to it).
    #[arg(long, global = true, value_enum, default_value_t = Shaders::Compiled)]
    pub shaders: Shaders,
}

/// `--shaders`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shaders {
    Compiled,
    Interpreted,
}

impl Shaders {
    fn code(self) -> gradfield::gpu::ExprCode {
        match self {
            Shaders::Compiled => gradfield::gpu::ExprCode::Compiled,
            Shaders::Interpreted => gradfield::gpu::ExprCode::Interpreted,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in functions with their formulas, domains and known minima.
    Functions {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Value, gradient, Hessian and steepest-ascent direction of FUNC at a point.
    Eval(eval::EvalArgs),
    /// Trajectories of one or more particles following an optimizer (on the GPU unless --cpu).
    Descend(descend::DescendArgs),
    /// Find and classify every critical point of FUNC in a domain.
    Critical(listing::CriticalArgs),
    /// Render one frame headless to a PNG: 2D map, 3D surface or both.
    Render(render::RenderArgs),
    /// Run many starts with one or more optimizers to the end: destinations, speed, failures, basin map.
    Compare(compare::CompareArgs),
    /// Record an animation headless: the scene of `render` frame after frame to GIF, MP4, WebM or PNG frames.
    Record(record::RecordArgs),
    /// The native viewer: a window with the live scene and a control panel.
    View(crate::viewer::ViewArgs),
    /// Throughput of the GPU passes beside a multi-threaded CPU reference and numpy, checked against the CPU.
    Bench(bench::BenchArgs),
    /// Describe the GPU adapter gradfield uses and the limits that matter.
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `gradfield completions bash > /etc/bash_completion.d/gradfield`.
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `gradfield man > gradfield.1; man ./gradfield.1`.
    Man,
}

/// The adapter choice of this run, from --adapter and the environment (set once by [`run`]).
static ADAPTER: std::sync::OnceLock<AdapterChoice> = std::sync::OnceLock::new();

/// The adapter choice of this run (the default before [`run`] sets it).
pub fn adapter_choice() -> &'static AdapterChoice {
    ADAPTER.get_or_init(AdapterChoice::default)
}

/// A headless device on the adapter this run chose.
pub fn gpu() -> Result<Context, Error> {
    Context::headless_with(adapter_choice())
}

/// `--adapter` over `WGPU_ADAPTER_NAME`, with `WGPU_BACKEND` and `WGPU_POWER_PREF`
/// (read here, in the binary: the library takes the result). A variable set
/// to something wgpu does not understand is the user's error.
fn choose_adapter(flag: Option<String>) -> Result<AdapterChoice, Error> {
    let mut c = AdapterChoice::default();
    if let Some(raw) = std::env::var_os("WGPU_BACKEND") {
        let b = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::empty());
        if b.is_empty() {
            return Err(Error::input(format!(
                "WGPU_BACKEND={} names no backend: use a comma list of vulkan, gl, metal, dx12",
                raw.to_string_lossy()
            )));
        }
        c.backends = b;
    }
    if let Some(raw) = std::env::var_os("WGPU_POWER_PREF") {
        c.power = wgpu::PowerPreference::from_env().ok_or_else(|| {
            Error::input(format!(
                "WGPU_POWER_PREF={} is not low, high or none",
                raw.to_string_lossy()
            ))
        })?;
    }
    match flag {
        Some(n) => c.name = Some(n),
        None => {
            if let Some(n) = std::env::var("WGPU_ADAPTER_NAME")
                .ok()
                .filter(|n| !n.is_empty())
            {
                c.name = Some(n);
                c.name_source = "WGPU_ADAPTER_NAME".into();
            }
        }
    }
    log::debug!("adapter choice: {c:?}");
    Ok(c)
}

pub fn run(cli: Cli) -> Result<()> {
    let _ = ADAPTER.set(choose_adapter(cli.adapter)?);
    gradfield::gpu::expr::set_default(cli.shaders.code());
    gradfield::gpu::expr::set_specialize(cli.shaders == Shaders::Interpreted);
    match cli.command {
        Command::Functions { json } => listing::functions(json),
        Command::Eval(a) => eval::run(a),
        Command::Descend(a) => descend::run(a),
        Command::Critical(a) => listing::critical(a),
        Command::Render(a) => render::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Record(a) => record::run(a),
        Command::View(a) => crate::viewer::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Info { json } => listing::info(json),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "gradfield", &mut out);
            emit(&String::from_utf8_lossy(&out))
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            emit(&String::from_utf8_lossy(&out))
        }
    }
}

/// Ends the program with this exit code, the message already printed (main
/// returns it, so that what main holds is cleaned up, unlike `process::exit`).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// Looks FUNC (a built-in name or an expression) up: the library's lookup,
/// shared with the Python package.
pub use gradfield::api::resolve;

/// Optimizer hyper-parameters shared by every command that runs particles.
#[derive(Args, Debug, Clone)]
pub struct OptimizerArgs {
    /// Optimizer: gd, ascent, normalized, momentum, nesterov, adagrad, rmsprop, adam, newton.
    #[arg(long, default_value = "gd")]
    pub optimizer: String,
    /// Learning rate η (the step length for `normalized`); default: 1 for newton, else the
    /// catalogue's value for a built-in function, else 0.05 for normalized, adagrad, rmsprop
    /// and adam and 0.01 for the others.
    #[arg(long, allow_hyphen_values = true)]
    pub lr: Option<f64>,
    /// μ for momentum and nesterov.
    #[arg(long, default_value_t = 0.9, allow_hyphen_values = true)]
    pub momentum: f64,
    /// β₁ for adam.
    #[arg(long, default_value_t = 0.9, allow_hyphen_values = true)]
    pub beta1: f64,
    /// β₂ for adam.
    #[arg(long, default_value_t = 0.999, allow_hyphen_values = true)]
    pub beta2: f64,
    /// α for rmsprop.
    #[arg(long, default_value_t = 0.99, allow_hyphen_values = true)]
    pub alpha: f64,
    /// ε for adagrad (default 1e-10), rmsprop and adam (default 1e-8).
    #[arg(long, allow_hyphen_values = true)]
    pub eps: Option<f64>,
    /// Rescale gradients whose norm exceeds C to norm C before the optimizer sees them.
    #[arg(long, allow_hyphen_values = true)]
    pub clip: Option<f64>,
    /// Learning-rate schedule, counted per particle in steps (PyTorch's): constant,
    /// step:EVERY:GAMMA, exp:GAMMA, cosine:T_MAX[:ETA_MIN] or inv:GAMMA:POWER.
    #[arg(long, default_value = "constant")]
    pub schedule: String,
    /// Add N(0, SIGMA²) to each gradient component at every step (before clipping).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub noise: f64,
    /// Seed of the noise (with the particle's index and step it fixes every draw).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl OptimizerArgs {
    /// The optimizer for `kind`, with the shared hyper-parameters, validated;
    /// `catalogue_lr` is a built-in function's rate (see `OptimizerKind::default_lr_for`).
    pub fn build(
        &self,
        kind: OptimizerKind,
        catalogue_lr: Option<f64>,
    ) -> Result<Optimizer, Error> {
        let schedule = Schedule::parse_as("--schedule", &self.schedule)?;
        let noise = gradfield::optim::parse_noise("--noise", self.noise)?;
        let default_lr = kind.default_lr_for(catalogue_lr);
        let opt = Optimizer {
            schedule,
            noise,
            seed: self.seed,
            momentum: self.momentum,
            beta1: self.beta1,
            beta2: self.beta2,
            alpha: self.alpha,
            eps: self.eps.unwrap_or(kind.default_eps()),
            clip: self.clip.unwrap_or(0.0),
            ..Optimizer::new(kind, self.lr.unwrap_or(default_lr))
        };
        if self.clip.is_some_and(|c| !(c > 0.0 && c.is_finite())) {
            return Err(Error::input(format!(
                "--clip {} is out of range: it must be a finite number > 0",
                self.clip.unwrap()
            )));
        }
        opt.validate()?;
        Ok(opt)
    }

    /// Every optimizer named in `--optimizer a,b,…`.
    pub fn kinds(&self) -> Result<Vec<OptimizerKind>, Error> {
        self.optimizer
            .split(',')
            .map(OptimizerKind::parse)
            .collect()
    }
}

/// Writes command output to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// A number for tables: up to 6 significant digits, no trailing noise.
pub fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.5e}");
    }
    let s = format!(
        "{v:.*}",
        (5 - a.log10().floor() as i32).clamp(0, 12) as usize
    );
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Fills the scene's critical-point markers (when shown and not listed) from
/// the critical-point search over its domain.
pub fn with_critical_points(
    mut scene: gradfield::scene::Scene,
) -> Result<gradfield::scene::Scene, Error> {
    if scene.critical.show && scene.critical.points.is_empty() {
        let f = scene.parse_function()?;
        let pts = gradfield::analysis::critical::find_critical(
            &f,
            &scene.domain(),
            &gradfield::analysis::critical::CriticalOptions::default(),
        );
        scene.critical.points = pts
            .iter()
            .map(|p| gradfield::scene::Marker {
                x: p.x,
                y: p.y,
                kind: p.kind,
            })
            .collect();
    }
    Ok(scene)
}

/// Fails early (before any GPU work) when an output cannot be written: its
/// directory does not exist (exit 1), or it names a directory (exit 2).
pub fn check_writable(path: &std::path::Path) -> Result<(), Error> {
    gradfield::io::resolve_output(path).map(|_| ())
}
