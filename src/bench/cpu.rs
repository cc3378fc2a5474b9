//! The CPU particle reference used for the benchmark ratios: the same
//! optimizer loop as `optim::iterate` (and `shaders/particles.wgsl`), generic
//! over f32 and f64, run [`LANES`] particles at a time through the block tape
//! and blocks in parallel with rayon. Each block runs all its steps before the
//! next block starts, so its state stays in L1.

use crate::expr::tape::{Block, Real, LANES};
use crate::expr::Function;
use crate::gpu::EngineConfig;
use crate::optim::OptimizerKind;
use rayon::prelude::*;

/// One particle in precision `T`; the CPU twin of `gpu::Particle`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CpuParticle<T> {
    pub pos: [T; 2],
    pub m: [T; 2],
    pub v: [T; 2],
    pub value: T,
    pub grad_norm: T,
    pub steps: u32,
    /// 0 running, 1 converged, 2 diverged (as on the GPU).
    pub status: u32,
}

impl<T: Real> CpuParticle<T> {
    pub fn at(pos: [f32; 2]) -> Self {
        let z = T::from_f64(0.0);
        CpuParticle {
            pos: [T::from_f64(pos[0] as f64), T::from_f64(pos[1] as f64)],
            m: [z; 2],
            v: [z; 2],
            value: T::from_f64(f64::NAN),
            grad_norm: T::from_f64(f64::NAN),
            steps: 0,
            status: 0,
        }
    }
}

/// The hyper-parameters converted to `T` once.
struct Params<T> {
    kind: OptimizerKind,
    lr: T,
    momentum: T,
    beta1: T,
    beta2: T,
    alpha: T,
    eps: T,
    clip: T,
    tol: T,
    bounds: [T; 4],
    max_steps: u32,
}

impl<T: Real> Params<T> {
    fn new(c: &EngineConfig) -> Self {
        let o = &c.optimizer;
        let b = &c.stop.bounds;
        let t = T::from_f64;
        Params {
            kind: o.kind,
            lr: t(o.lr),
            momentum: t(o.momentum),
            beta1: t(o.beta1),
            beta2: t(o.beta2),
            alpha: t(o.alpha),
            eps: t(o.eps),
            clip: t(o.clip),
            tol: t(c.stop.tol),
            bounds: [t(b.xmin), t(b.xmax), t(b.ymin), t(b.ymax)],
            max_steps: c.stop.max_steps,
        }
    }
}

fn finite<T: Real>(x: T) -> bool {
    x.to_f64().is_finite()
}

/// `optim::iterate` for one lane, given f and ∇f at its position. Returns
/// whether an update happened.
#[inline(always)]
fn iterate_lane<T: Real>(p: &Params<T>, st: &mut CpuParticle<T>, value: T, gx: T, gy: T) -> bool {
    let zero = T::from_f64(0.0);
    let one = T::from_f64(1.0);
    let gnorm = gx.length2(gy);
    st.value = value;
    st.grad_norm = gnorm;
    let b = &p.bounds;
    let inside = st.pos[0] >= b[0] && st.pos[0] <= b[1] && st.pos[1] >= b[2] && st.pos[1] <= b[3];
    if !finite(value) || !finite(gnorm) || !inside {
        st.status = 2;
        return false;
    }
    if gnorm < p.tol {
        st.status = 1;
        return false;
    }
    if st.steps >= p.max_steps {
        return false;
    }
    let mut g = [gx, gy];
    if p.clip > zero {
        let c = p.clip / (gnorm + T::from_f64(1e-6));
        if c < one {
            g = [g[0] * c, g[1] * c];
        }
    }
    let t = T::from_f64(st.steps as f64 + 1.0);
    for (k, &gk) in g.iter().enumerate() {
        match p.kind {
            OptimizerKind::Gd => st.pos[k] = st.pos[k] - p.lr * gk,
            OptimizerKind::Ascent => st.pos[k] = st.pos[k] + p.lr * gk,
            OptimizerKind::Normalized => {
                if gnorm > zero {
                    st.pos[k] = st.pos[k] - p.lr * gk / gnorm;
                }
            }
            OptimizerKind::Momentum => {
                st.m[k] = p.momentum * st.m[k] + gk;
                st.pos[k] = st.pos[k] - p.lr * st.m[k];
            }
            OptimizerKind::Nesterov => {
                st.m[k] = p.momentum * st.m[k] + gk;
                st.pos[k] = st.pos[k] - p.lr * (gk + p.momentum * st.m[k]);
            }
            OptimizerKind::Adagrad => {
                st.v[k] = st.v[k] + gk * gk;
                st.pos[k] = st.pos[k] - p.lr * gk / (st.v[k].sqrt() + p.eps);
            }
            OptimizerKind::Rmsprop => {
                st.v[k] = p.alpha * st.v[k] + (one - p.alpha) * gk * gk;
                st.pos[k] = st.pos[k] - p.lr * gk / (st.v[k].sqrt() + p.eps);
            }
            OptimizerKind::Adam => {
                st.m[k] = p.beta1 * st.m[k] + (one - p.beta1) * gk;
                st.v[k] = p.beta2 * st.v[k] + (one - p.beta2) * gk * gk;
                let bc1 = one - p.beta1.powf(t);
                let bc2 = one - p.beta2.powf(t);
                let denom = st.v[k].sqrt() / bc2.sqrt() + p.eps;
                st.pos[k] = st.pos[k] - (p.lr / bc1) * st.m[k] / denom;
            }
        }
    }
    st.steps += 1;
    true
}

/// Runs every particle until it stops or has taken `config.stop.max_steps`
/// updates (the work `ParticleEngine` does for `dispatches_for(max_steps)`).
pub fn run_particles<T: Real>(
    func: &Function,
    config: &EngineConfig,
    state: &mut [CpuParticle<T>],
) {
    let tape = func.tape_value_grad();
    let p = Params::<T>::new(config);
    let zero = T::from_f64(0.0);
    state.par_chunks_mut(LANES).for_each_init(
        || (Vec::new(), [[zero; LANES]; 3]),
        |(regs, res): &mut (Vec<Block<T>>, [Block<T>; 3]), block| {
            let n = block.len();
            let mut xs = [zero; LANES];
            let mut ys = [zero; LANES];
            // max_steps updates plus the evaluation that decides the last position.
            for _ in 0..=p.max_steps {
                for (l, st) in block.iter().enumerate() {
                    xs[l] = st.pos[0];
                    ys[l] = st.pos[1];
                }
                tape.eval_block(&xs[..n], &ys[..n], regs, res);
                let mut any = false;
                for (l, st) in block.iter_mut().enumerate() {
                    if st.status == 0 {
                        any |= iterate_lane(&p, st, res[0][l], res[1][l], res[2][l]);
                    }
                }
                if !any {
                    break;
                }
            }
        },
    );
}
