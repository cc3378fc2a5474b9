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
//!
//! Clipping (`clip` = C > 0) first rescales g by C/(‖g‖ + 1e-6) when that is
//! below 1, as `torch.nn.utils.clip_grad_norm_` does.

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
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 8] = [
        OptimizerKind::Gd,
        OptimizerKind::Ascent,
        OptimizerKind::Normalized,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::Adagrad,
        OptimizerKind::Rmsprop,
        OptimizerKind::Adam,
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
        Ok(())
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

/// One particle in f64: the CPU twin of the WGSL `Particle`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    pub pos: [f64; 2],
    /// Velocity (momentum, nesterov) or first moment (adam).
    pub m: [f64; 2],
    /// Second moment (adam, rmsprop) or sum of squares (adagrad).
    pub v: [f64; 2],
    /// f at the last evaluated position.
    pub value: f64,
    /// ‖∇f‖ at the last evaluated position.
    pub grad_norm: f64,
    /// Updates applied.
    pub steps: u32,
    pub status: Status,
}

impl State {
    pub fn new(pos: [f64; 2]) -> Self {
        State {
            pos,
            m: [0.0; 2],
            v: [0.0; 2],
            value: f64::NAN,
            grad_norm: f64::NAN,
            steps: 0,
            status: Status::Running,
        }
    }
}

/// The step itself, shared by the CPU reference and the WGSL (same order of operations).
// One index over position, moments and gradient mirrors the WGSL's vec2 arithmetic.
#[allow(clippy::needless_range_loop)]
pub fn update(opt: &Optimizer, st: &mut State, g: [f64; 2], gnorm: f64) {
    let t = st.steps as f64 + 1.0;
    for k in 0..2 {
        let gk = g[k];
        match opt.kind {
            OptimizerKind::Gd => st.pos[k] -= opt.lr * gk,
            OptimizerKind::Ascent => st.pos[k] += opt.lr * gk,
            OptimizerKind::Normalized => {
                if gnorm > 0.0 {
                    st.pos[k] -= opt.lr * gk / gnorm;
                }
            }
            OptimizerKind::Momentum => {
                st.m[k] = opt.momentum * st.m[k] + gk;
                st.pos[k] -= opt.lr * st.m[k];
            }
            OptimizerKind::Nesterov => {
                st.m[k] = opt.momentum * st.m[k] + gk;
                st.pos[k] -= opt.lr * (gk + opt.momentum * st.m[k]);
            }
            OptimizerKind::Adagrad => {
                st.v[k] += gk * gk;
                st.pos[k] -= opt.lr * gk / (st.v[k].sqrt() + opt.eps);
            }
            OptimizerKind::Rmsprop => {
                st.v[k] = opt.alpha * st.v[k] + (1.0 - opt.alpha) * gk * gk;
                st.pos[k] -= opt.lr * gk / (st.v[k].sqrt() + opt.eps);
            }
            OptimizerKind::Adam => {
                st.m[k] = opt.beta1 * st.m[k] + (1.0 - opt.beta1) * gk;
                st.v[k] = opt.beta2 * st.v[k] + (1.0 - opt.beta2) * gk * gk;
                let bc1 = 1.0 - opt.beta1.powf(t);
                let bc2 = 1.0 - opt.beta2.powf(t);
                let denom = st.v[k].sqrt() / bc2.sqrt() + opt.eps;
                st.pos[k] -= (opt.lr / bc1) * st.m[k] / denom;
            }
        }
    }
}

/// The gradient after clipping, PyTorch's way.
pub fn clip(opt: &Optimizer, g: [f64; 2], gnorm: f64) -> [f64; 2] {
    if opt.clip > 0.0 {
        let c = opt.clip / (gnorm + 1e-6);
        if c < 1.0 {
            return [g[0] * c, g[1] * c];
        }
    }
    g
}

/// One iteration of the particle loop: evaluate at the current position, stop if
/// diverged, converged or out of steps, else update. Returns false once stopped
/// or out of budget (no update happened).
pub fn iterate(func: &Function, opt: &Optimizer, stop: &Stop, st: &mut State) -> bool {
    if st.status != Status::Running {
        return false;
    }
    let [value, gx, gy] = func.value_grad(st.pos[0], st.pos[1]);
    let gnorm = gx.hypot(gy);
    st.value = value;
    st.grad_norm = gnorm;
    let b = &stop.bounds;
    let inside =
        st.pos[0] >= b.xmin && st.pos[0] <= b.xmax && st.pos[1] >= b.ymin && st.pos[1] <= b.ymax;
    if !value.is_finite() || !gnorm.is_finite() || !inside {
        st.status = Status::Diverged;
        return false;
    }
    if gnorm < stop.tol {
        st.status = Status::Converged;
        return false;
    }
    if st.steps >= stop.max_steps {
        return false;
    }
    let g = clip(opt, [gx, gy], gnorm);
    update(opt, st, g, gnorm);
    st.steps += 1;
    true
}

/// Runs one particle to its end on the CPU in f64, recording every position.
pub fn trajectory(
    func: &Function,
    opt: &Optimizer,
    stop: &Stop,
    start: [f64; 2],
) -> (State, Vec<[f64; 2]>) {
    let mut st = State::new(start);
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
}
