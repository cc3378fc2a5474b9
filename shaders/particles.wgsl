//! particles: `iters` optimizer iterations per particle per dispatch.
//! Inputs: `params` (optimizer hyper-parameters, schedule, noise, stopping
//! rule, counts), the generated `f_grad` (`f_grad_hess` for newton) behind
//! `derivs`, and the compile-time `OPTIMIZER`, `SCHEDULE`, `NOISE` and
//! `TRAILS` constants (prepended by `gpu::particles`, with `gauss2` from
//! `philox.wgsl` when NOISE is on): gd with a constant schedule and no noise
//! compiles to the same loop as before schedules and noise existed. In/out: `particles` (state), `trails` (ring of
//! the last `trail_len` positions, one sample every `trail_stride` steps),
//! `running` (atomic count of particles still running after this dispatch).
//! Dispatch: ceil(count / (256·PER_INVOCATION)) workgroups of 256, each
//! invocation stepping PER_INVOCATION = 4 consecutive particles; folded into
//! (x, y) when above the per-dimension limit.
//! CPU twin: `src/cpu/particles.rs` (keep the order of operations the same).

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
    /// The engine index of this chunk's first particle (keys the noise streams).
    index_base: u32,
    /// σ of the gradient noise.
    noise: f32,
    /// Schedule parameters: step (γ, -, EVERY), exp (γ, -, -), cosine (η_min, -, T_MAX), inv (γ, p, -).
    sched_a: f32,
    sched_b: f32,
    sched_n: u32,
    /// The noise seed's low and high words.
    seed_lo: u32,
    seed_hi: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
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

/// ln(b) for Adam's β in [0, 1) without log's rounding near 1: 2·atanh(s)
/// with s = (b − 1)/(b + 1) (b − 1 is exact), by its series to s¹⁷ (|s| ≤ 1/3).
fn ln_beta(b: f32) -> f32 {
    if (b < 0.5) {
        return log(b);
    }
    let s = (b - 1.0) / (b + 1.0);
    let s2 = s * s;
    var acc = 1.0 / 17.0;
    acc = acc * s2 + 1.0 / 15.0;
    acc = acc * s2 + 1.0 / 13.0;
    acc = acc * s2 + 1.0 / 11.0;
    acc = acc * s2 + 1.0 / 9.0;
    acc = acc * s2 + 1.0 / 7.0;
    acc = acc * s2 + 1.0 / 5.0;
    acc = acc * s2 + 1.0 / 3.0;
    acc = acc * s2 + 1.0;
    return 2.0 * s * acc;
}

/// 1 − exp(z) for z ≤ 0 (Adam's bias correction 1 − βᵗ = −expm1(t ln β))
/// without cancellation: −z·(1 + z/2! + … + z⁸/9!) for |z| < 1/2.
fn one_minus_exp(z: f32) -> f32 {
    if (z < -0.5) {
        return 1.0 - exp(z);
    }
    var acc = 1.0 / 362880.0;
    acc = acc * z + 1.0 / 40320.0;
    acc = acc * z + 1.0 / 5040.0;
    acc = acc * z + 1.0 / 720.0;
    acc = acc * z + 1.0 / 120.0;
    acc = acc * z + 1.0 / 24.0;
    acc = acc * z + 1.0 / 6.0;
    acc = acc * z + 1.0 / 2.0;
    acc = acc * z + 1.0;
    return -z * acc;
}

/// η after `steps` updates (the schedule's closed forms; `Schedule::lr` of the CPU twin).
fn lr_at(steps: u32) -> f32 {
    var lr = params.lr; // constant
    switch SCHEDULE {
        case 1u: { // step: η γ^⌊t/EVERY⌋
            lr = params.lr * exp2(f32(steps / params.sched_n) * log2(params.sched_a));
        }
        case 2u: { // exp: η γ^t
            lr = params.lr * exp2(f32(steps) * log2(params.sched_a));
        }
        case 3u: { // cosine: η_min + (η − η_min)(1 + cos(π t/T_max))/2, t reduced mod 2 T_max first
            let t = f32(steps % (2u * params.sched_n));
            lr = params.sched_a + (params.lr - params.sched_a) * 0.5
                * (1.0 + cos(3.141592653589793 * t / f32(params.sched_n)));
        }
        case 4u: { // inv: η (1 + γ t)^−p
            lr = params.lr * exp2(-params.sched_b * log2(1.0 + params.sched_a * f32(steps)));
        }
        default: {}
    }
    return lr;
}

/// Newton's shift margin: `NEWTON_MARGIN` of the CPU twin.
const NEWTON_MARGIN: f32 = 1e-3;

/// (H + λI)⁻¹ g with the smallest λ ≥ 0 that makes H + λI positive definite
/// by NEWTON_MARGIN·ρ(H) (`newton_direction` of the CPU twin).
fn newton_direction(g: vec2<f32>, h: vec3<f32>) -> vec2<f32> {
    let mid = 0.5 * (h.x + h.z);
    let rad = length(vec2<f32>(0.5 * (h.x - h.z), h.y));
    let lmin = mid - rad;
    let rho = abs(mid) + rad;
    let margin = select(1.0, NEWTON_MARGIN * rho, rho > 0.0);
    let shift = max(margin - lmin, 0.0);
    let a = h.x + shift;
    let c = h.z + shift;
    let det = a * c - h.y * h.y;
    return vec2<f32>(c * g.x - h.y * g.y, a * g.y - h.y * g.x) / det;
}

fn update(p: ptr<function, Particle>, lr: f32, g: vec2<f32>, gnorm: f32, hess: vec3<f32>) {
    let t = f32((*p).steps) + 1.0;
    switch OPTIMIZER {
        case 0u: { // gd
            (*p).pos = (*p).pos - lr * g;
        }
        case 1u: { // ascent
            (*p).pos = (*p).pos + lr * g;
        }
        case 2u: { // normalized
            if (gnorm > 0.0) {
                (*p).pos = (*p).pos - lr * g / gnorm;
            }
        }
        case 3u: { // momentum
            (*p).m = params.momentum * (*p).m + g;
            (*p).pos = (*p).pos - lr * (*p).m;
        }
        case 4u: { // nesterov
            (*p).m = params.momentum * (*p).m + g;
            (*p).pos = (*p).pos - lr * (g + params.momentum * (*p).m);
        }
        case 5u: { // adagrad
            (*p).v = (*p).v + g * g;
            (*p).pos = (*p).pos - lr * g / (sqrt((*p).v) + params.eps);
        }
        case 6u: { // rmsprop
            (*p).v = params.alpha * (*p).v + (1.0 - params.alpha) * g * g;
            (*p).pos = (*p).pos - lr * g / (sqrt((*p).v) + params.eps);
        }
        case 7u: { // adam
            (*p).m = params.beta1 * (*p).m + (1.0 - params.beta1) * g;
            (*p).v = params.beta2 * (*p).v + (1.0 - params.beta2) * g * g;
            let bc1 = one_minus_exp(t * ln_beta(params.beta1));
            let bc2 = one_minus_exp(t * ln_beta(params.beta2));
            let denom = sqrt((*p).v) / sqrt(bc2) + params.eps;
            (*p).pos = (*p).pos - (lr / bc1) * (*p).m / denom;
        }
        default: { // newton
            (*p).pos = (*p).pos - lr * newton_direction(g, hess);
        }
    }
}

/// One iteration for one particle, without branches (`&` and `|`, not `&&`
/// and `||`: WGSL's short-circuit operators become control flow, which costs
/// ~1.3× here on lavapipe): every quantity is
/// computed and `select` keeps it only where the particle is still moving, so
/// the PER_INVOCATION particles of an invocation form independent dependency
/// chains the compiler can interleave (one particle's step is a serial chain of
/// ~10 dependent operations; alone it leaves the FPU idle). Same decisions, in
/// the same order, as the branchy loop of `optim::iterate`.
fn iterate(p_in: Particle, i: u32) -> Particle {
    var p = p_in;
    let running = p.status == RUNNING;
    let fd = derivs(p.pos);
    let gnorm = length(fd.grad);
    p.value = select(p.value, fd.value, running);
    p.grad_norm = select(p.grad_norm, gnorm, running);
    let b = params.bounds;
    let inside = (p.pos.x >= b.x) & (p.pos.x <= b.y) & (p.pos.y >= b.z) & (p.pos.y <= b.w);
    let diverged = !finite(fd.value) | !finite(gnorm) | !inside;
    let converged = !diverged & (gnorm < params.tol);
    p.status = select(p.status, select(CONVERGED, DIVERGED, diverged), running & (diverged | converged));
    let moves = running & !diverged & !converged & (p.steps < params.max_steps);
    // Stochastic gradient (after the convergence test, which sees the exact ‖∇f‖).
    var g = fd.grad;
    var gn = gnorm;
    if (NOISE) {
        g = g + params.noise * gauss2(vec2<u32>(params.seed_lo, params.seed_hi), params.index_base + i, p.steps);
        gn = length(g);
    }
    if (params.clip > 0.0) {
        let c = params.clip / (gn + 1e-6);
        g = select(g, g * c, c < 1.0);
    }
    var q = p;
    update(&q, lr_at(p.steps), g, gn, fd.hess);
    p.pos = select(p.pos, q.pos, moves);
    p.m = select(p.m, q.m, moves);
    p.v = select(p.v, q.v, moves);
    p.steps = p.steps + select(0u, 1u, moves);
    if (TRAILS & moves & (p.steps % params.trail_stride == 0u)) {
        trails[i * params.trail_len + (p.steps / params.trail_stride) % params.trail_len] = p.pos;
    }
    return p;
}

/// Whether `iterate` can still change the particle (it stays put once stopped or out of steps).
fn live(p: Particle) -> bool {
    return (p.status == RUNNING) & (p.steps < params.max_steps);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (lid == 0u) {
        atomicStore(&wg_running, 0u);
    }
    workgroupBarrier();
    // PER_INVOCATION (4) consecutive particles; indices past the end load a
    // copy of the last particle and are never stored.
    let base = (gid.x + gid.y * params.groups_x * 256u) * 4u;
    if (base < params.count) {
        let last = params.count - 1u;
        let i0 = base;
        let i1 = min(base + 1u, last);
        let i2 = min(base + 2u, last);
        let i3 = min(base + 3u, last);
        var p0 = particles[i0];
        var p1 = particles[i1];
        var p2 = particles[i2];
        var p3 = particles[i3];
        // A stopped particle is not stored again (its state cannot change).
        let w0 = p0.status == RUNNING;
        let w1 = p1.status == RUNNING && base + 1u <= last;
        let w2 = p2.status == RUNNING && base + 2u <= last;
        let w3 = p3.status == RUNNING && base + 3u <= last;
        // No early exit inside the loop: a data-dependent break costs more on
        // lavapipe than the iterations it saves (BENCHMARKS.md). A stopped or
        // out-of-steps particle is left unchanged by `iterate`, so running on
        // is harmless; an invocation with nothing left to move does one
        // evaluation (the final one at the last position) and stops.
        if (live(p0) || live(p1) || live(p2) || live(p3)) {
            for (var k = 0u; k < params.iters; k++) {
                p0 = iterate(p0, i0);
                p1 = iterate(p1, i1);
                p2 = iterate(p2, i2);
                p3 = iterate(p3, i3);
            }
        } else {
            p0 = iterate(p0, i0);
            p1 = iterate(p1, i1);
            p2 = iterate(p2, i2);
            p3 = iterate(p3, i3);
        }
        var n = 0u;
        if (w0) {
            particles[i0] = p0;
            n += select(0u, 1u, p0.status == RUNNING);
        }
        if (w1) {
            particles[i1] = p1;
            n += select(0u, 1u, p1.status == RUNNING);
        }
        if (w2) {
            particles[i2] = p2;
            n += select(0u, 1u, p2.status == RUNNING);
        }
        if (w3) {
            particles[i3] = p3;
            n += select(0u, 1u, p3.status == RUNNING);
        }
        if (n > 0u) {
            atomicAdd(&wg_running, n);
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
