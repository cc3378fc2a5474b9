//! Optimizers: what one step does, with the f64 CPU step that is the reference
//! for `shaders/particles.wgsl`. The two are written loop for loop alike; keep
//! them so (`iterate` here, `main` there).
//!
//! Update rules and defaults follow PyTorch's optimizers (g is the gradient after
//! clipping, t the step number from 1):
//!
//! | name | update |
//! |---|---|
//! | `gd` | x ← x − η g |
//! | `ascent` | x ← x + η g |
//! | `normalized` | x ← x − η g/‖g‖ |
//! | `momentum` | v ← μ v + g; x ← x − η v  (μ = 0.9) |
//! | `nesterov` | v ← μ v + g; x ← x − η (g + μ v) |
//! | `adagrad` | s ← s + g²; x ← x − η g/(√s + ε)  (ε = 1e-10) |
//! | `rmsprop` | s ← α s + (1−α) g²; x ← x − η g/(√s + ε)  (α = 0.99, ε = 1e-8) |
//! | `adam` | m ← β₁m + (1−β₁)g; s ← β₂s + (1−β₂)g²; x ← x − (η/(1−β₁ᵗ)) m/(√s/√(1−β₂ᵗ) + ε)  (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) |
//! | `newton` | x ← x − η (H + λI)⁻¹ g, λ ≥ 0 the smallest shift making H + λI positive definite by a margin (η = 1) |
//!
//! With `noise` = σ > 0, N(0, σ²) is added to each gradient component first
//! (stochastic gradients, from the counter-based generator of
//! [`crate::cpu::philox`] keyed by seed, particle index and step). Clipping
//! (`clip` = C > 0) then rescales g by C/(‖g‖ + 1e-6) when that is below 1, as
//! `torch.nn.utils.clip_grad_norm_` does. The learning rate η follows the
//! [`Schedule`], counted per particle in optimizer steps.
//!
//! The step itself lives in [`crate::cpu::particles`] (generic over f32/f64),
//! the CPU twin of `shaders/particles.wgsl`.

use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::expr::Function;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Gd,
    Ascent,
    Normalized,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
    Newton,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 9] = [
        OptimizerKind::Gd,
        OptimizerKind::Ascent,
        OptimizerKind::Normalized,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::Adagrad,
        OptimizerKind::Rmsprop,
        OptimizerKind::Adam,
        OptimizerKind::Newton,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Gd => "gd",
            OptimizerKind::Ascent => "ascent",
            OptimizerKind::Normalized => "normalized",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::Rmsprop => "rmsprop",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Newton => "newton",
        }
    }

    /// The id the WGSL `OPTIMIZER` constant takes.
    pub fn id(self) -> u32 {
        OptimizerKind::ALL.iter().position(|k| *k == self).unwrap() as u32
    }

    pub fn parse(s: &str) -> Result<OptimizerKind> {
        let l = s.trim().to_lowercase();
        let alias = match l.as_str() {
            "sgd" | "descent" => "gd",
            "heavy-ball" | "heavyball" => "momentum",
            other => other,
        };
        OptimizerKind::ALL
            .into_iter()
            .find(|k| k.name() == alias)
            .ok_or_else(|| {
                Error::input(format!(
                    "unknown optimizer '{s}': choose one of {}",
                    OptimizerKind::ALL.map(|k| k.name()).join(", ")
                ))
            })
    }

    /// The default learning rate of this optimizer: the one table every
    /// command and scene uses when no `--lr` / `lr` is given and the function
    /// is not a built-in with its own rate (the catalogue's rate is tuned for
    /// plain descent on that function and wins for every optimizer but
    /// `newton`, whose natural step is η = 1).
    ///
    /// | optimizer | default η |
    /// |---|---|
    /// | gd, ascent, momentum, nesterov | 0.01 |
    /// | normalized, adagrad, rmsprop, adam | 0.05 |
    /// | newton | 1 |
    ///
    /// The adaptive optimizers take steps of about η per coordinate whatever
    /// the gradient's size, so they get the larger rate that scenes have
    /// always used (scene goldens depend on it); `descend` and `compare`
    /// used 0.01 for every optimizer before this table.
    pub fn default_lr(self) -> f64 {
        match self {
            OptimizerKind::Normalized
            | OptimizerKind::Adam
            | OptimizerKind::Rmsprop
            | OptimizerKind::Adagrad => 0.05,
            OptimizerKind::Newton => 1.0,
            OptimizerKind::Gd
            | OptimizerKind::Ascent
            | OptimizerKind::Momentum
            | OptimizerKind::Nesterov => 0.01,
        }
    }

    /// The learning rate to use when none is given: `newton`'s η = 1, else a
    /// built-in function's catalogue rate when there is one, else [`Self::default_lr`].
    pub fn default_lr_for(self, catalogue: Option<f64>) -> f64 {
        match (self, catalogue) {
            (OptimizerKind::Newton, _) => 1.0,
            (_, Some(lr)) => lr,
            (k, None) => k.default_lr(),
        }
    }

    /// PyTorch's default ε for this optimizer.
    pub fn default_eps(self) -> f64 {
        match self {
            OptimizerKind::Adagrad => 1e-10,
            _ => 1e-8,
        }
    }
}

impl std::fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An optimizer with its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Optimizer {
    pub kind: OptimizerKind,
    /// Learning rate η (the step length for `normalized`).
    pub lr: f64,
    /// μ for `momentum` and `nesterov`.
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    /// α, RMSprop's smoothing constant.
    pub alpha: f64,
    pub eps: f64,
    /// Gradient-norm clip C; 0 turns clipping off.
    pub clip: f64,
    /// How η changes with the particle's step count.
    #[serde(default)]
    pub schedule: Schedule,
    /// σ of the N(0, σ²) noise added to each gradient component; 0 turns it off.
    #[serde(default)]
    pub noise: f64,
    /// Seed of the noise streams.
    #[serde(default)]
    pub seed: u64,
}

impl Optimizer {
    pub fn new(kind: OptimizerKind, lr: f64) -> Self {
        Optimizer {
            kind,
            lr,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            alpha: 0.99,
            eps: kind.default_eps(),
            clip: 0.0,
            schedule: Schedule::Constant,
            noise: 0.0,
            seed: 0,
        }
    }

    /// Rejects values no step can use, naming the parameter.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &str, v: f64, ok: bool, why: &str| -> Result<()> {
            if !v.is_finite() || !ok {
                Err(Error::input(format!("{name} = {v} is out of range: {why}")))
            } else {
                Ok(())
            }
        };
        check(
            "learning rate",
            self.lr,
            self.lr > 0.0,
            "it must be a finite number > 0",
        )?;
        check(
            "momentum",
            self.momentum,
            (0.0..1.0).contains(&self.momentum),
            "it must be in [0, 1)",
        )?;
        check(
            "beta1",
            self.beta1,
            (0.0..1.0).contains(&self.beta1),
            "it must be in [0, 1)",
        )?;
        check(
            "beta2",
            self.beta2,
            (0.0..1.0).contains(&self.beta2),
            "it must be in [0, 1)",
        )?;
        check(
            "alpha",
            self.alpha,
            (0.0..1.0).contains(&self.alpha),
            "it must be in [0, 1)",
        )?;
        check("eps", self.eps, self.eps > 0.0, "it must be > 0")?;
        check(
            "clip",
            self.clip,
            self.clip >= 0.0,
            "it must be ≥ 0 (0 turns clipping off)",
        )?;
        check(
            "noise sigma",
            self.noise,
            self.noise >= 0.0,
            "it must be a finite number ≥ 0 (0 turns noise off)",
        )?;
        self.schedule.validate()?;
        Ok(())
    }
}

/// A learning-rate schedule with PyTorch's semantics, counted per particle
/// in optimizer steps: the update that takes a particle from step t to t + 1
/// uses η(t) (t = 0 for its first update), as a loop of `opt.step();
/// sched.step()` does.
///
/// | spec | η(t) | PyTorch |
/// |---|---|---|
/// | `constant` | η | — |
/// | `step:EVERY:GAMMA` | η γ^⌊t/EVERY⌋ | `StepLR(step_size=EVERY, gamma=GAMMA)` |
/// | `exp:GAMMA` | η γ^t | `ExponentialLR(gamma=GAMMA)` |
/// | `cosine:T_MAX[:ETA_MIN]` | η_min + (η − η_min)(1 + cos(π t/T_max))/2 | `CosineAnnealingLR(T_max, eta_min)` (its closed form, which continues periodically past T_max) |
/// | `inv:GAMMA:POWER` | η / (1 + γ t)^p | Caffe's `inv` policy (`LambdaLR(lambda t: (1 + γt)**-p)`) |
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Schedule {
    #[default]
    Constant,
    Step {
        every: u32,
        gamma: f64,
    },
    Exp {
        gamma: f64,
    },
    Cosine {
        t_max: u32,
        eta_min: f64,
    },
    Inv {
        gamma: f64,
        power: f64,
    },
}

impl Schedule {
    /// The id the WGSL `SCHEDULE` constant takes.
    pub fn id(self) -> u32 {
        match self {
            Schedule::Constant => 0,
            Schedule::Step { .. } => 1,
            Schedule::Exp { .. } => 2,
            Schedule::Cosine { .. } => 3,
            Schedule::Inv { .. } => 4,
        }
    }

    /// The shader's (a, b, n) parameters: step (γ, 0, EVERY), exp (γ, 0, 0),
    /// cosine (η_min, 0, T_MAX), inv (γ, p, 0).
    pub fn gpu_params(self) -> (f64, f64, u32) {
        match self {
            Schedule::Constant => (0.0, 0.0, 1),
            Schedule::Step { every, gamma } => (gamma, 0.0, every),
            Schedule::Exp { gamma } => (gamma, 0.0, 1),
            Schedule::Cosine { t_max, eta_min } => (eta_min, 0.0, t_max),
            Schedule::Inv { gamma, power } => (gamma, power, 1),
        }
    }

    /// η(t) for base rate `lr` after `t` updates (PyTorch's closed forms, in f64).
    pub fn lr(self, lr: f64, t: u32) -> f64 {
        let tf = t as f64;
        match self {
            Schedule::Constant => lr,
            Schedule::Step { every, gamma } => lr * gamma.powi((t / every) as i32),
            Schedule::Exp { gamma } => lr * gamma.powf(tf),
            Schedule::Cosine { t_max, eta_min } => {
                eta_min
                    + (lr - eta_min) * (1.0 + (std::f64::consts::PI * tf / t_max as f64).cos())
                        / 2.0
            }
            Schedule::Inv { gamma, power } => lr / (1.0 + gamma * tf).powf(power),
        }
    }

    /// Parses `constant`, `step:EVERY:GAMMA`, `exp:GAMMA`,
    /// `cosine:T_MAX[:ETA_MIN]` or `inv:GAMMA:POWER`.
    pub fn parse(spec: &str) -> Result<Schedule> {
        Schedule::parse_as("schedule", spec)
    }

    /// [`Schedule::parse`] with errors naming where the spec came from (`what`:
    /// `--schedule`, a scene key).
    pub fn parse_as(what: &str, spec: &str) -> Result<Schedule> {
        const FORMS: &str =
            "constant, step:EVERY:GAMMA, exp:GAMMA, cosine:T_MAX[:ETA_MIN] or inv:GAMMA:POWER";
        let s = spec.trim();
        let mut parts = s.split(':');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let args: Vec<&str> = parts.map(str::trim).collect();
        let bad = |why: String| Error::input(format!("{what} '{spec}': {why} (expected {FORMS})"));
        let arity = |lo: usize, hi: usize| -> Result<()> {
            if args.len() < lo || args.len() > hi {
                let want = if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo} or {hi}")
                };
                return Err(bad(format!(
                    "{name} takes {want} number(s) after ':', found {}",
                    args.len()
                )));
            }
            Ok(())
        };
        let num = |i: usize, what: &str| -> Result<f64> {
            let t = args[i];
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(format!("{what} '{t}' is not a finite number")))
        };
        let whole = |i: usize, what: &str| -> Result<u32> {
            let t = args[i];
            t.parse::<u32>()
                .ok()
                .filter(|&v| v >= 1)
                .ok_or_else(|| bad(format!("{what} '{t}' is not a whole number ≥ 1")))
        };
        let sched = match name.as_str() {
            "constant" | "const" => {
                arity(0, 0)?;
                Schedule::Constant
            }
            "step" => {
                arity(2, 2)?;
                Schedule::Step {
                    every: whole(0, "EVERY")?,
                    gamma: num(1, "GAMMA")?,
                }
            }
            "exp" => {
                arity(1, 1)?;
                Schedule::Exp {
                    gamma: num(0, "GAMMA")?,
                }
            }
            "cosine" => {
                arity(1, 2)?;
                Schedule::Cosine {
                    t_max: whole(0, "T_MAX")?,
                    eta_min: if args.len() == 2 {
                        num(1, "ETA_MIN")?
                    } else {
                        0.0
                    },
                }
            }
            "inv" => {
                arity(2, 2)?;
                Schedule::Inv {
                    gamma: num(0, "GAMMA")?,
                    power: num(1, "POWER")?,
                }
            }
            _ => return Err(bad(format!("unknown schedule '{name}'"))),
        };
        sched.validate().map_err(|e| bad(e.to_string()))?;
        Ok(sched)
    }

    /// Rejects parameters no schedule can use, naming them.
    pub fn validate(&self) -> Result<()> {
        let err = |m: String| Err(Error::input(m));
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if every == 0 {
                    return err("step schedule: EVERY must be ≥ 1".into());
                }
                if !(gamma > 0.0 && gamma.is_finite()) {
                    return err(format!(
                        "step schedule: GAMMA = {gamma} must be a finite number > 0"
                    ));
                }
                Ok(())
            }
            Schedule::Exp { gamma } => {
                if !(gamma > 0.0 && gamma.is_finite()) {
                    return err(format!(
                        "exp schedule: GAMMA = {gamma} must be a finite number > 0"
                    ));
                }
                Ok(())
            }
            Schedule::Cosine { t_max, eta_min } => {
                if t_max == 0 {
                    return err("cosine schedule: T_MAX must be ≥ 1".into());
                }
                if !(eta_min >= 0.0 && eta_min.is_finite()) {
                    return err(format!(
                        "cosine schedule: ETA_MIN = {eta_min} must be a finite number ≥ 0"
                    ));
                }
                Ok(())
            }
            Schedule::Inv { gamma, power } => {
                if !(gamma >= 0.0 && gamma.is_finite()) {
                    return err(format!(
                        "inv schedule: GAMMA = {gamma} must be a finite number ≥ 0"
                    ));
                }
                if !(power >= 0.0 && power.is_finite()) {
                    return err(format!(
                        "inv schedule: POWER = {power} must be a finite number ≥ 0"
                    ));
                }
                Ok(())
            }
        }
    }
}

impl std::fmt::Display for Schedule {
    /// The spec [`Schedule::parse`] reads back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Schedule::Constant => write!(f, "constant"),
            Schedule::Step { every, gamma } => write!(f, "step:{every}:{gamma}"),
            Schedule::Exp { gamma } => write!(f, "exp:{gamma}"),
            Schedule::Cosine { t_max, eta_min } => write!(f, "cosine:{t_max}:{eta_min}"),
            Schedule::Inv { gamma, power } => write!(f, "inv:{gamma}:{power}"),
        }
    }
}

impl From<Schedule> for String {
    fn from(s: Schedule) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for Schedule {
    type Error = Error;
    fn try_from(s: String) -> Result<Schedule> {
        Schedule::parse(&s)
    }
}

/// Parses a noise σ given on the command line or in a scene: a finite number ≥ 0.
pub fn parse_noise(what: &str, v: f64) -> Result<f64> {
    if v >= 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(Error::input(format!(
            "{what} {v} is out of range: the noise σ must be a finite number ≥ 0"
        )))
    }
}

/// When a particle stops.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// Converged when ‖∇f‖ < tol at the current position (the step length does not count).
    pub tol: f64,
    /// At most this many updates.
    pub max_steps: u32,
    /// Diverged when a coordinate leaves this box, or f or ∇f is not finite.
    pub bounds: Domain,
}

impl Stop {
    /// Bounds 100 domain sizes beyond the domain on every side.
    pub fn for_domain(domain: &Domain, tol: f64, max_steps: u32) -> Self {
        Stop {
            tol,
            max_steps,
            bounds: domain.expanded(100.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running = 0,
    Converged = 1,
    Diverged = 2,
    /// Stopped because ∇f vanished where f is flat to rounding (an underflowed
    /// plateau, see `analysis::Scale::is_flat`): not a critical point. Set after
    /// the run by `analysis::flat::mark`, never by the step itself.
    Flat = 3,
}

impl Status {
    pub fn from_u32(v: u32) -> Status {
        match v {
            0 => Status::Running,
            1 => Status::Converged,
            3 => Status::Flat,
            _ => Status::Diverged,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Converged => "converged",
            Status::Diverged => "diverged",
            Status::Flat => "flat",
        }
    }
}

/// One particle in f64: the CPU twin of the WGSL `Particle`
/// ([`crate::cpu::particles::Particle`] in f64).
pub type State = crate::cpu::particles::Particle<f64>;

/// The gradient after clipping, PyTorch's way (`gnorm` is ‖g‖).
pub fn clip(opt: &Optimizer, g: [f64; 2], gnorm: f64) -> [f64; 2] {
    crate::cpu::particles::clip(opt.clip, g, gnorm)
}

/// One iteration of the particle loop: evaluate at the current position, stop if
/// diverged, converged or out of steps, else update. Returns false once stopped
/// or out of budget (no update happened). The step itself is
/// [`crate::cpu::particles::iterate`], the CPU twin of `shaders/particles.wgsl`.
pub fn iterate(func: &Function, opt: &Optimizer, stop: &Stop, st: &mut State) -> bool {
    if st.status != Status::Running {
        return false;
    }
    let p = crate::cpu::particles::Params::<f64>::new(opt, stop);
    let (value, g, hess) = if opt.kind == OptimizerKind::Newton {
        let d = func.derivs(st.pos[0], st.pos[1]);
        (d.value, d.grad, d.hess)
    } else {
        let [v, gx, gy] = func.value_grad(st.pos[0], st.pos[1]);
        (v, [gx, gy], [0.0; 3])
    };
    crate::cpu::particles::iterate(&p, st, value, g, hess)
}

/// Runs one particle to its end on the CPU in f64, recording every position.
/// The particle's index (its noise stream) is 0; see [`trajectory_of`].
pub fn trajectory(
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    start: [f64; 2],
) -> (State, Vec<[f64; 2]>) {
    trajectory_of(func, opt, stop, start, 0)
}

/// [`trajectory`] for particle number `index` (the index keys its noise
/// stream, as the particle's place in the GPU engine does).
pub fn trajectory_of(
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    start: [f64; 2],
    index: u32,
) -> (State, Vec<[f64; 2]>) {
    let mut st = State::new(start);
    st.index = index;
    let mut points = vec![start];
    while iterate(func, opt, stop, &mut st) {
        points.push(st.pos);
    }
    (st, points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(n: u32) -> Stop {
        Stop::for_domain(&Domain::new(-5.0, 5.0, -5.0, 5.0), 0.0, n)
    }

    #[test]
    fn seed_gradient_ascent_on_inverted_paraboloid() {
        // The example of "Why Does the Gradient Point Upwards?": f = -(x²+y²) + 4, ascent from (1, 1), lr 0.1, 10 steps.
        // Each step multiplies both coordinates by 1 - 2·0.1 = 0.8.
        let f = Function::parse("-(x^2 + y^2) + 4").unwrap();
        let opt = Optimizer::new(OptimizerKind::Ascent, 0.1);
        let (st, pts) = trajectory(&f, &opt, &stop(10), [1.0, 1.0]);
        let expected = [
            1.0,
            0.8,
            0.64,
            0.512,
            0.4096,
            0.32768,
            0.26214400000000004,
            0.20971520000000005,
            0.16777216000000003,
            0.13421772800000004,
            0.10737418240000003,
        ];
        assert_eq!(pts.len(), 11);
        for (p, e) in pts.iter().zip(expected) {
            // That text's Python computes x + (-2x)·0.1 in the same order: bit-exact.
            assert_eq!(p[0], e);
            assert_eq!(p[1], e);
        }
        assert_eq!(st.steps, 10);
        assert_eq!(st.status, Status::Running);
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        // With bias correction Adam's first step is lr·g/(|g| + ε') ≈ lr·sign(g) per coordinate.
        let f = Function::parse("x^2 + 3*y^2").unwrap();
        let opt = Optimizer::new(OptimizerKind::Adam, 0.01);
        let mut st = State::new([1.0, 2.0]);
        assert!(iterate(&f, &opt, &stop(5), &mut st));
        assert!(
            (st.pos[0] - 0.99).abs() < 1e-9 && (st.pos[1] - 1.99).abs() < 1e-9,
            "{:?}",
            st.pos
        );
    }

    #[test]
    fn stops_on_divergence_and_convergence() {
        let f = Function::parse("x^2 + y^2").unwrap();
        // lr past 2/L (L = 2) diverges.
        let opt = Optimizer::new(OptimizerKind::Gd, 1.1);
        let (st, _) = trajectory(&f, &opt, &stop(10_000), [1.0, 0.5]);
        assert_eq!(st.status, Status::Diverged);
        let opt = Optimizer::new(OptimizerKind::Gd, 0.1);
        let s = Stop {
            tol: 1e-6,
            ..stop(10_000)
        };
        let (st, pts) = trajectory(&f, &opt, &s, [1.0, 0.5]);
        assert_eq!(st.status, Status::Converged);
        // |∇f| = 2·0.8^n·√1.25: 1.14e-6 at n = 65, 9.1e-7 at n = 66, so 66 steps.
        assert_eq!(st.steps, 66);
        assert_eq!(pts.len(), 67);
    }

    #[test]
    fn clipping_rescales_long_gradients() {
        let opt = Optimizer {
            clip: 1.0,
            ..Optimizer::new(OptimizerKind::Gd, 0.1)
        };
        let g = clip(&opt, [3.0, 4.0], 5.0);
        assert!((g[0].hypot(g[1]) - 1.0).abs() < 1e-6);
        assert_eq!(clip(&opt, [0.3, 0.4], 0.5), [0.3, 0.4]);
    }

    #[test]
    fn schedules_parse_print_and_round_trip() {
        for (spec, want) in [
            ("constant", Schedule::Constant),
            (
                "step:10:0.5",
                Schedule::Step {
                    every: 10,
                    gamma: 0.5,
                },
            ),
            ("exp:0.97", Schedule::Exp { gamma: 0.97 }),
            (
                "cosine:40",
                Schedule::Cosine {
                    t_max: 40,
                    eta_min: 0.0,
                },
            ),
            (
                "cosine:40:0.01",
                Schedule::Cosine {
                    t_max: 40,
                    eta_min: 0.01,
                },
            ),
            (
                "inv:0.1:0.75",
                Schedule::Inv {
                    gamma: 0.1,
                    power: 0.75,
                },
            ),
        ] {
            let s = Schedule::parse(spec).unwrap();
            assert_eq!(s, want, "{spec}");
            assert_eq!(Schedule::parse(&s.to_string()).unwrap(), s);
        }
        for bad in [
            "",
            "warmup",
            "step:10",
            "step:0:0.5",
            "step:1.5:0.5",
            "exp:0",
            "exp:inf",
            "cosine:0",
            "cosine:5:-1",
            "inv:1",
            "inv:-1:1",
            "constant:1",
        ] {
            let e = Schedule::parse(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("schedule '{bad}'")), "{bad}: {e}");
        }
    }

    #[test]
    fn scheduled_rates_at_known_steps() {
        let lr = 0.1;
        assert_eq!(
            Schedule::Step {
                every: 3,
                gamma: 0.5
            }
            .lr(lr, 2),
            0.1
        );
        assert_eq!(
            Schedule::Step {
                every: 3,
                gamma: 0.5
            }
            .lr(lr, 3),
            0.05
        );
        assert_eq!(
            Schedule::Step {
                every: 3,
                gamma: 0.5
            }
            .lr(lr, 6),
            0.025
        );
        assert_eq!(Schedule::Exp { gamma: 0.5 }.lr(lr, 2), 0.025);
        let c = Schedule::Cosine {
            t_max: 10,
            eta_min: 0.02,
        };
        assert_eq!(c.lr(lr, 0), 0.1);
        assert!((c.lr(lr, 10) - 0.02).abs() < 1e-17);
        assert!((c.lr(lr, 5) - 0.06).abs() < 1e-16);
        assert!((c.lr(lr, 20) - 0.1).abs() < 1e-16, "periodic past T_max");
        assert!(
            (Schedule::Inv {
                gamma: 1.0,
                power: 2.0
            }
            .lr(lr, 1)
                - 0.025)
                .abs()
                < 1e-17
        );
    }

    #[test]
    fn one_table_of_default_learning_rates() {
        assert_eq!(OptimizerKind::Gd.default_lr(), 0.01);
        assert_eq!(OptimizerKind::Adam.default_lr(), 0.05);
        assert_eq!(OptimizerKind::Newton.default_lr_for(Some(0.001)), 1.0);
        assert_eq!(OptimizerKind::Adam.default_lr_for(Some(0.001)), 0.001);
        assert_eq!(OptimizerKind::Rmsprop.default_lr_for(None), 0.05);
    }

    #[test]
    fn newton_step_on_a_quadratic_lands_on_its_minimum() {
        // f = x² + xy + 2y², H = [[2, 1], [1, 4]], minimum at 0.
        let f = Function::parse("x^2 + x*y + 2*y^2").unwrap();
        let opt = Optimizer::new(OptimizerKind::Newton, 1.0);
        let mut st = State::new([3.0, -2.0]);
        assert!(iterate(&f, &opt, &stop(5), &mut st));
        assert!(
            st.pos[0].abs() < 1e-15 && st.pos[1].abs() < 1e-15,
            "{:?}",
            st.pos
        );
        // At a saddle the shift makes the step go downhill along the unstable axis.
        let f = Function::parse("x^2 - y^2").unwrap();
        let mut st = State::new([0.5, 0.1]);
        assert!(iterate(
            &f,
            &Optimizer::new(OptimizerKind::Newton, 0.01),
            &stop(5),
            &mut st
        ));
        assert!(
            st.pos[0] < 0.5 && st.pos[0] > 0.0 && st.pos[1] > 0.1,
            "{:?}",
            st.pos
        );
    }
}
