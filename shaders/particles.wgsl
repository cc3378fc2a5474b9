//! particles: `iters` optimizer iterations per particle per dispatch.
//! Inputs: `params` (optimizer hyper-parameters, stopping rule, counts), the
//! generated `f_grad`, and the compile-time `OPTIMIZER` and `TRAILS` constants
//! (prepended by `gpu::particles`). In/out: `particles` (state), `trails` (ring of
//! the last `trail_len` positions, one sample every `trail_stride` steps),
//! `running` (atomic count of particles still running after this dispatch).
//! Dispatch: ceil(count / 64) workgroups of 64, folded into (x, y) when above
//! the per-dimension limit.
//! CPU twin: `optim::iterate` (keep the order of operations the same).

struct Particle {
    pos: vec2<f32>,
    m: vec2<f32>,
    v: vec2<f32>,
    value: f32,
    grad_norm: f32,
    steps: u32,
    status: u32,
}

struct StepParams {
    lr: f32,
    momentum: f32,
    beta1: f32,
    beta2: f32,
    alpha: f32,
    eps: f32,
    clip: f32,
    tol: f32,
    /// (xmin, xmax, ymin, ymax) of the divergence box.
    bounds: vec4<f32>,
    count: u32,
    iters: u32,
    max_steps: u32,
    trail_len: u32,
    trail_stride: u32,
    groups_x: u32,
    _pad0: u32,
    _pad1: u32,
}

const RUNNING: u32 = 0u;
const CONVERGED: u32 = 1u;
const DIVERGED: u32 = 2u;

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read_write> particles: array<Particle>;
@group(0) @binding(2) var<storage, read_write> trails: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> running: atomic<u32>;

var<workgroup> wg_running: atomic<u32>;

/// Finite by bit pattern: `x == x` may be folded away by a fast-math compiler.
fn finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn update(p: ptr<function, Particle>, g: vec2<f32>, gnorm: f32) {
    let t = f32((*p).steps) + 1.0;
    switch OPTIMIZER {
        case 0u: { // gd
            (*p).pos = (*p).pos - params.lr * g;
        }
        case 1u: { // ascent
            (*p).pos = (*p).pos + params.lr * g;
        }
        case 2u: { // normalized
            if (gnorm > 0.0) {
                (*p).pos = (*p).pos - params.lr * g / gnorm;
            }
        }
        case 3u: { // momentum
            (*p).m = params.momentum * (*p).m + g;
            (*p).pos = (*p).pos - params.lr * (*p).m;
        }
        case 4u: { // nesterov
            (*p).m = params.momentum * (*p).m + g;
            (*p).pos = (*p).pos - params.lr * (g + params.momentum * (*p).m);
        }
        case 5u: { // adagrad
            (*p).v = (*p).v + g * g;
            (*p).pos = (*p).pos - params.lr * g / (sqrt((*p).v) + params.eps);
        }
        case 6u: { // rmsprop
            (*p).v = params.alpha * (*p).v + (1.0 - params.alpha) * g * g;
            (*p).pos = (*p).pos - params.lr * g / (sqrt((*p).v) + params.eps);
        }
        default: { // adam
            (*p).m = params.beta1 * (*p).m + (1.0 - params.beta1) * g;
            (*p).v = params.beta2 * (*p).v + (1.0 - params.beta2) * g * g;
            let bc1 = 1.0 - exp2(t * log2(params.beta1));
            let bc2 = 1.0 - exp2(t * log2(params.beta2));
            let denom = sqrt((*p).v) / sqrt(bc2) + params.eps;
            (*p).pos = (*p).pos - (params.lr / bc1) * (*p).m / denom;
        }
    }
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (lid == 0u) {
        atomicStore(&wg_running, 0u);
    }
    workgroupBarrier();
    let i = gid.x + gid.y * params.groups_x * 64u;
    if (i < params.count) {
        var p = particles[i];
        if (p.status == RUNNING) {
            for (var k = 0u; k < params.iters; k++) {
                let fg = f_grad(p.pos);
                var g = fg.yz;
                let gnorm = length(g);
                p.value = fg.x;
                p.grad_norm = gnorm;
                let b = params.bounds;
                let inside = p.pos.x >= b.x && p.pos.x <= b.y && p.pos.y >= b.z && p.pos.y <= b.w;
                if (!finite(fg.x) || !finite(gnorm) || !inside) {
                    p.status = DIVERGED;
                    break;
                }
                if (gnorm < params.tol) {
                    p.status = CONVERGED;
                    break;
                }
                if (p.steps >= params.max_steps) {
                    break;
                }
                if (params.clip > 0.0) {
                    let c = params.clip / (gnorm + 1e-6);
                    if (c < 1.0) {
                        g = g * c;
                    }
                }
                update(&p, g, gnorm);
                p.steps = p.steps + 1u;
                if (TRAILS && p.steps % params.trail_stride == 0u) {
                    trails[i * params.trail_len + (p.steps / params.trail_stride) % params.trail_len] = p.pos;
                }
            }
            particles[i] = p;
        }
        if (p.status == RUNNING) {
            atomicAdd(&wg_running, 1u);
        }
    }
    workgroupBarrier();
    if (lid == 0u) {
        let n = atomicLoad(&wg_running);
        if (n > 0u) {
            atomicAdd(&running, n);
        }
    }
}
