//! The particle step on the CPU, generic over f32 and f64: the CPU twin of
//! `shaders/particles.wgsl` (keep the order of operations the same: `iterate`
//! and `update` here, `iterate` and `update` there). The f64 instance is the
//! reference (`optim::iterate`, the analysis, `descend --cpu`, `compare
//! --cpu`); [`run_particles`] runs [`LANES`] particles at a time through the
//! block tape, blocks in parallel with rayon, for the benchmark's CPU column.
//!
//! The learning-rate schedule and the noise are computed in f64 and rounded to
//! `T` (the GPU computes them in f32; the benchmark runs neither).

use super::philox;
use crate::expr::tape::{Block, Real, LANES};
use crate::expr::Function;
use crate::gpu::EngineConfig;
use crate::optim::{Optimizer, OptimizerKind, Schedule, Status, Stop};
use rayon::prelude::*;

/// Newton's shift margin: λ makes the smallest eigenvalue of H + λI at least
/// this fraction of H's spectral radius (or 1 when H = 0). WGSL twin: `NEWTON_MARGIN`.
pub const NEWTON_MARGIN: f64 = 1e-3;

/// One particle in precision `T`; WGSL twin: `Particle`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Particle<T> {
    pub pos: [T; 2],
    /// Velocity (momentum, nesterov) or first moment (adam).
    pub m: [T; 2],
    /// Second moment (adam, rmsprop) or sum of squares (adagrad).
    pub v: [T; 2],
    /// f at the last evaluated position.
    pub value: T,
    /// ‖∇f‖ at the last evaluated position.
    pub grad_norm: T,
    /// Updates applied.
    pub steps: u32,
    pub status: Status,
    /// The particle's number, which keys its noise stream (on the GPU: its
    /// place in the engine).
    pub index: u32,
}

impl<T: Real> Particle<T> {
    pub fn new(pos: [T; 2]) -> Self {
        let z = T::from_f64(0.0);
        Particle {
            pos,
            m: [z; 2],
            v: [z; 2],
            value: T::from_f64(f64::NAN),
            grad_norm: T::from_f64(f64::NAN),
            steps: 0,
            status: Status::Running,
            index: 0,
        }
    }

    /// A particle at an f32 start (as the GPU holds it).
    pub fn at(pos: [f32; 2]) -> Self {
        Self::new([T::from_f64(pos[0] as f64), T::from_f64(pos[1] as f64)])
    }
}

/// The hyper-parameters and stopping rule converted to `T` once; WGSL twin: `StepParams`.
#[derive(Clone, Copy, Debug)]
pub struct Params<T> {
    pub kind: OptimizerKind,
    /// The base learning rate, before the schedule.
    pub lr: f64,
    pub schedule: Schedule,
    pub momentum: T,
    pub beta1: T,
    pub beta2: T,
    pub alpha: T,
    pub eps: T,
    pub clip: T,
    pub noise: f64,
    pub seed: u64,
    pub tol: T,
    pub bounds: [T; 4],
    pub max_steps: u32,
}

impl<T: Real> Params<T> {
    pub fn new(o: &Optimizer, stop: &Stop) -> Self {
        let b = &stop.bounds;
        let t = T::from_f64;
        Params {
            kind: o.kind,
            lr: o.lr,
            schedule: o.schedule,
            momentum: t(o.momentum),
            beta1: t(o.beta1),
            beta2: t(o.beta2),
            alpha: t(o.alpha),
            eps: t(o.eps),
            clip: t(o.clip),
            noise: o.noise,
            seed: o.seed,
            tol: t(stop.tol),
            bounds: [t(b.xmin), t(b.xmax), t(b.ymin), t(b.ymax)],
            max_steps: stop.max_steps,
        }
    }
}

fn finite<T: Real>(x: T) -> bool {
    x.to_f64().is_finite()
}

/// The gradient after clipping, PyTorch's way: rescaled by C/(‖g‖ + 1e-6)
/// when that is below 1 (`clip` = C > 0; 0 turns it off).
#[inline(always)]
pub fn clip<T: Real>(clip: T, g: [T; 2], gnorm: T) -> [T; 2] {
    if clip > T::from_f64(0.0) {
        let c = clip / (gnorm + T::from_f64(1e-6));
        if c < T::from_f64(1.0) {
            return [g[0] * c, g[1] * c];
        }
    }
    g
}

/// The update itself with learning rate `lr` (already scheduled), gradient `g`
/// (noisy and clipped), `gnorm` = ‖g‖ before clipping and the Hessian
/// `hess` = (fxx, fxy, fyy) (read by `newton` only). WGSL twin: `update`.
// One index over position, moments and gradient mirrors the WGSL's vec2 arithmetic.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
pub fn update<T: Real>(
    p: &Params<T>,
    st: &mut Particle<T>,
    lr: T,
    g: [T; 2],
    gnorm: T,
    hess: [T; 3],
) {
    let zero = T::from_f64(0.0);
    let one = T::from_f64(1.0);
    if p.kind == OptimizerKind::Newton {
        let d = newton_direction(g, hess);
        st.pos = [st.pos[0] - lr * d[0], st.pos[1] - lr * d[1]];
        return;
    }
    let t = T::from_f64(st.steps as f64 + 1.0);
    for k in 0..2 {
        let gk = g[k];
        match p.kind {
            OptimizerKind::Gd => st.pos[k] = st.pos[k] - lr * gk,
            OptimizerKind::Ascent => st.pos[k] = st.pos[k] + lr * gk,
            OptimizerKind::Normalized => {
                if gnorm > zero {
                    st.pos[k] = st.pos[k] - lr * gk / gnorm;
                }
            }
            OptimizerKind::Momentum => {
                st.m[k] = p.momentum * st.m[k] + gk;
                st.pos[k] = st.pos[k] - lr * st.m[k];
            }
            OptimizerKind::Nesterov => {
                st.m[k] = p.momentum * st.m[k] + gk;
                st.pos[k] = st.pos[k] - lr * (gk + p.momentum * st.m[k]);
            }
            OptimizerKind::Adagrad => {
                st.v[k] = st.v[k] + gk * gk;
                st.pos[k] = st.pos[k] - lr * gk / (st.v[k].sqrt() + p.eps);
            }
            OptimizerKind::Rmsprop => {
                st.v[k] = p.alpha * st.v[k] + (one - p.alpha) * gk * gk;
                st.pos[k] = st.pos[k] - lr * gk / (st.v[k].sqrt() + p.eps);
            }
            OptimizerKind::Adam => {
                st.m[k] = p.beta1 * st.m[k] + (one - p.beta1) * gk;
                st.v[k] = p.beta2 * st.v[k] + (one - p.beta2) * gk * gk;
                let bc1 = one - p.beta1.powf(t);
                let bc2 = one - p.beta2.powf(t);
                let denom = st.v[k].sqrt() / bc2.sqrt() + p.eps;
                st.pos[k] = st.pos[k] - (lr / bc1) * st.m[k] / denom;
            }
            OptimizerKind::Newton => unreachable!("handled above"),
        }
    }
}

/// (H + λI)⁻¹ g for the symmetric 2×2 H = [[a, b], [b, c]] with λ ≥ 0 the
/// smallest shift that makes the smallest eigenvalue at least
/// [`NEWTON_MARGIN`]·ρ(H) (Levenberg–Marquardt style; λ = 0 where H is
/// already that positive definite, so a positive definite quadratic is solved
/// in one step). WGSL twin: `newton_direction`.
#[inline(always)]
pub fn newton_direction<T: Real>(g: [T; 2], hess: [T; 3]) -> [T; 2] {
    let zero = T::from_f64(0.0);
    let half = T::from_f64(0.5);
    let [a, b, c] = hess;
    let mid = half * (a + c);
    let rad = (half * (a - c)).length2(b);
    let lmin = mid - rad;
    let abs_mid = if mid < zero { -mid } else { mid };
    let rho = abs_mid + rad;
    let margin = if rho > zero {
        T::from_f64(NEWTON_MARGIN) * rho
    } else {
        T::from_f64(1.0)
    };
    let d = margin - lmin;
    let shift = if d > zero { d } else { zero };
    let a = a + shift;
    let c = c + shift;
    let det = a * c - b * b;
    [(c * g[0] - b * g[1]) / det, (a * g[1] - b * g[0]) / det]
}

/// One iteration for one particle given f, ∇f and (for `newton`) the Hessian
/// at its position: stop if diverged, converged or out of steps, else update.
/// Returns whether an update happened. WGSL twin: `iterate` (the same
/// decisions in the same order, written there without branches).
#[inline(always)]
pub fn iterate<T: Real>(
    p: &Params<T>,
    st: &mut Particle<T>,
    value: T,
    grad: [T; 2],
    hess: [T; 3],
) -> bool {
    if st.status != Status::Running {
        return false;
    }
    let gnorm = grad[0].length2(grad[1]);
    st.value = value;
    st.grad_norm = gnorm;
    let b = &p.bounds;
    let inside = st.pos[0] >= b[0] && st.pos[0] <= b[1] && st.pos[1] >= b[2] && st.pos[1] <= b[3];
    if !finite(value) || !finite(gnorm) || !inside {
        st.status = Status::Diverged;
        return false;
    }
    if gnorm < p.tol {
        st.status = Status::Converged;
        return false;
    }
    if st.steps >= p.max_steps {
        return false;
    }
    // Stochastic gradient: the convergence test above saw the exact ‖∇f‖.
    let (g, gn) = if p.noise > 0.0 {
        let z = philox::gauss2(p.seed, st.index, st.steps);
        let s = T::from_f64(p.noise);
        let g = [
            grad[0] + s * T::from_f64(z[0]),
            grad[1] + s * T::from_f64(z[1]),
        ];
        (g, g[0].length2(g[1]))
    } else {
        (grad, gnorm)
    };
    let g = clip(p.clip, g, gn);
    let lr = T::from_f64(p.schedule.lr(p.lr, st.steps));
    update(p, st, lr, g, gn, hess);
    st.steps += 1;
    true
}

/// Runs every particle until it stops or has taken `config.stop.max_steps`
/// updates (the work `ParticleEngine` does for `dispatches_for(max_steps)`).
/// Particle i of `state` draws noise stream i. Each block runs all its steps
/// before the next block starts, so its state stays in L1.
pub fn run_particles<T: Real>(func: &Function, config: &EngineConfig, state: &mut [Particle<T>]) {
    let tape = func.tape_value_grad();
    let p = Params::<T>::new(&config.optimizer, &config.stop);
    let zero = T::from_f64(0.0);
    let newton = p.kind == OptimizerKind::Newton;
    state.par_chunks_mut(LANES).enumerate().for_each_init(
        || (Vec::new(), [[zero; LANES]; 3]),
        |(regs, res): &mut (Vec<Block<T>>, [Block<T>; 3]), (chunk, block)| {
            let n = block.len();
            for (l, st) in block.iter_mut().enumerate() {
                st.index = (chunk * LANES + l) as u32;
            }
            let mut xs = [zero; LANES];
            let mut ys = [zero; LANES];
            // max_steps updates plus the evaluation that decides the last position.
            for _ in 0..=p.max_steps {
                let mut any = false;
                if newton {
                    // The block tape carries f and ∇f only: the Hessian comes from the f64 tape.
                    for st in block.iter_mut() {
                        if st.status == Status::Running {
                            let d = func.derivs(st.pos[0].to_f64(), st.pos[1].to_f64());
                            let t = T::from_f64;
                            any |= iterate(
                                &p,
                                st,
                                t(d.value),
                                [t(d.grad[0]), t(d.grad[1])],
                                [t(d.hess[0]), t(d.hess[1]), t(d.hess[2])],
                            );
                        }
                    }
                } else {
                    for (l, st) in block.iter().enumerate() {
                        xs[l] = st.pos[0];
                        ys[l] = st.pos[1];
                    }
                    tape.eval_block(&xs[..n], &ys[..n], regs, res);
                    for (l, st) in block.iter_mut().enumerate() {
                        if st.status == Status::Running {
                            any |= iterate(&p, st, res[0][l], [res[1][l], res[2][l]], [zero; 3]);
                        }
                    }
                }
                if !any {
                    break;
                }
            }
        },
    );
}
