//! The particle engine: optimizer steps for up to millions of particles on the
//! GPU, with per-particle state, stopping, trails and a GPU-side count of the
//! particles still running. State larger than one storage binding is split
//! into chunks, each with its own buffers and bind group.

use super::Context;
use crate::error::{Error, Result};
use crate::expr::Function;
use crate::optim::{Optimizer, Status, Stop};
use bytemuck::{Pod, Zeroable};

/// One particle; WGSL twin: `Particle` in `shaders/particles.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Particle {
    pub pos: [f32; 2],
    /// Velocity (momentum, nesterov) or first moment (adam).
    pub m: [f32; 2],
    /// Second moment (adam, rmsprop) or sum of squares (adagrad).
    pub v: [f32; 2],
    pub value: f32,
    pub grad_norm: f32,
    pub steps: u32,
    pub status: u32,
}
const _: () = assert!(std::mem::size_of::<Particle>() == 40);
const _: () = assert!(std::mem::offset_of!(Particle, value) == 24);
const _: () = assert!(std::mem::offset_of!(Particle, status) == 36);

impl Particle {
    pub fn at(pos: [f32; 2]) -> Self {
        Particle {
            pos,
            value: f32::NAN,
            grad_norm: f32::NAN,
            ..Default::default()
        }
    }

    pub fn status(&self) -> Status {
        Status::from_u32(self.status)
    }
}

/// Uniforms; WGSL twin: `StepParams` in `shaders/particles.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct StepParams {
    pub lr: f32,
    pub momentum: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub alpha: f32,
    pub eps: f32,
    pub clip: f32,
    pub tol: f32,
    /// (xmin, xmax, ymin, ymax)
    pub bounds: [f32; 4],
    pub count: u32,
    pub iters: u32,
    pub max_steps: u32,
    pub trail_len: u32,
    pub trail_stride: u32,
    pub groups_x: u32,
    /// The engine index of the chunk's first particle (keys the noise streams).
    pub index_base: u32,
    /// σ of the gradient noise.
    pub noise: f32,
    /// Schedule parameters (`Schedule::gpu_params`).
    pub sched_a: f32,
    pub sched_b: f32,
    pub sched_n: u32,
    /// The noise seed's low and high 32 bits.
    pub seed_lo: u32,
    pub seed_hi: u32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}
const _: () = assert!(std::mem::size_of::<StepParams>() == 112);
const _: () = assert!(std::mem::offset_of!(StepParams, bounds) == 32);
const _: () = assert!(std::mem::offset_of!(StepParams, count) == 48);

pub const SHADER: &str = include_str!("../../shaders/particles.wgsl");
/// Philox4x32-10 and Box–Muller (CPU twin: `cpu::philox`).
pub const PHILOX: &str = include_str!("../../shaders/philox.wgsl");
pub const WORKGROUP: u32 = 256;
/// Particles each invocation steps, interleaved (see `iterate` in the shader;
/// the shader's `main` is written out for this many).
pub const PER_INVOCATION: u32 = 4;
pub const PARTICLE_BYTES: u64 = std::mem::size_of::<Particle>() as u64;
pub const TRAIL_POINT_BYTES: u64 = 8;

/// How the engine runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    pub optimizer: Optimizer,
    pub stop: Stop,
    /// Optimizer iterations per particle in one dispatch (a dispatch costs ~ms on
    /// lavapipe, and loading and storing the state ~70 ns a particle, so many
    /// iterations per dispatch pay). The kernel has no early exit inside a
    /// dispatch: a particle that stops mid-dispatch idles (unchanged) through
    /// the rest of it, so very large values waste work when most particles stop early.
    pub iters_per_dispatch: u32,
    /// Positions kept per particle in the trail ring; 0 turns trails off.
    pub trail_len: u32,
    /// One trail sample every this many steps.
    pub trail_stride: u32,
}

/// The module for one optimizer: what is fixed per run (the optimizer, the
/// schedule's form, whether there is noise, trails) is compile-time constants,
/// so the kernel carries only the code its run takes; `derivs` reads the
/// Hessian only for newton.
pub fn shader_source(func: &Function, opt: &Optimizer, trails: bool) -> String {
    shader_source_for(func, super::ExprCode::Compiled, opt, trails)
}

/// [`shader_source`] with f evaluated as `code` says.
pub fn shader_source_for(
    func: &Function,
    code: super::ExprCode,
    opt: &Optimizer,
    trails: bool,
) -> String {
    let noise = opt.noise > 0.0;
    let newton = opt.kind == crate::optim::OptimizerKind::Newton;
    let derivs = if newton {
        "fn derivs(p: vec2<f32>) -> FDerivs {\n    return f_grad_hess(p);\n}\n"
    } else {
        "fn derivs(p: vec2<f32>) -> FDerivs {\n    let v = f_grad(p);\n    return FDerivs(v.x, v.yz, vec3<f32>(0.0));\n}\n"
    };
    let consts = format!(
        "const OPTIMIZER: u32 = {}u;\nconst SCHEDULE: u32 = {}u;\nconst NOISE: bool = {noise};\nconst TRAILS: bool = {trails};\n{derivs}",
        opt.kind.id(),
        opt.schedule.id()
    );
    // WGSL needs `gauss2` declared even where `if (NOISE)` is false; uncalled, it compiles to nothing.
    super::compose(&[&super::expr::source(func, code), &consts, PHILOX, SHADER])
}

/// The inputs of a compiled step pipeline, owned so that a worker thread can
/// build it while the interpreted pipeline keeps running.
pub struct Specializer {
    func: Function,
    config: EngineConfig,
    layout: wgpu::PipelineLayout,
}

impl Specializer {
    /// Compiles the pipeline (seconds of LLVM on lavapipe): for
    /// [`ParticleEngine::install`]. It uses the engine's layout, so the
    /// particles, trails and bind groups stay as they are.
    pub fn build(self, ctx: &Context) -> Result<Specialized> {
        let code = super::ExprCode::Compiled;
        ParticleEngine::pipeline(ctx, &self.func, &self.config, &self.layout, code).map(|p| {
            Specialized {
                pipeline: p,
                optimizer: self.config.optimizer.kind,
            }
        })
    }
}

/// A compiled step pipeline waiting to replace an interpreted one.
pub struct Specialized {
    pipeline: wgpu::ComputePipeline,
    optimizer: crate::optim::OptimizerKind,
}

/// A slice of the particles that fits one storage binding.
pub struct Chunk {
    /// First particle of this chunk in the engine's order.
    pub offset: u32,
    pub count: u32,
    pub particles: wgpu::Buffer,
    /// `trail_len` positions per particle (a 1-element dummy when trails are off).
    pub trails: wgpu::Buffer,
    params: wgpu::Buffer,
    bind: wgpu::BindGroup,
    groups: (u32, u32),
}

pub struct ParticleEngine {
    pipeline: wgpu::ComputePipeline,
    pipeline_layout: wgpu::PipelineLayout,
    /// How `pipeline` evaluates f.
    code: super::ExprCode,
    /// The interpreted kernel, kept for [`ParticleEngine::restart`] after a
    /// compiled one replaced it (None when the engine started compiled).
    interp: Option<wgpu::ComputePipeline>,
    pub layout: wgpu::BindGroupLayout,
    /// The function's tape (see [`super::expr`]), bound whichever way f is evaluated.
    tape: wgpu::Buffer,
    chunks: Vec<Chunk>,
    running: wgpu::Buffer,
    config: EngineConfig,
    count: u32,
}

const STORAGE_RW: wgpu::BufferBindingType = wgpu::BufferBindingType::Storage { read_only: false };

impl ParticleEngine {
    /// Particles per chunk such that state and trails each fit one binding.
    pub fn chunk_capacity(ctx: &Context, config: &EngineConfig) -> u32 {
        let max = ctx.max_binding_bytes();
        let mut cap = max / PARTICLE_BYTES;
        if config.trail_len > 0 {
            cap = cap.min(max / (config.trail_len as u64 * TRAIL_POINT_BYTES));
        }
        // Dispatch folding covers 65535² workgroups; stay well inside u32 indices too.
        cap.min(1 << 30) as u32
    }

    pub fn new(
        ctx: &Context,
        func: &Function,
        starts: &[[f32; 2]],
        config: EngineConfig,
    ) -> Result<Self> {
        config.optimizer.validate()?;
        if config.iters_per_dispatch == 0 {
            return Err(Error::input("iterations per dispatch must be at least 1"));
        }
        if config.trail_len > 0 && config.trail_stride == 0 {
            return Err(Error::input("trail stride must be at least 1"));
        }
        if starts.is_empty() {
            return Err(Error::input("no particles to run: give at least one start"));
        }
        let count = u32::try_from(starts.len())
            .map_err(|_| Error::input(format!("{} particles are more than 2^32", starts.len())))?;
        let code = ctx.expr_code.for_function(func);
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("particles::layout"),
                entries: &[
                    crate::gpu::sized_entry(
                        0,
                        wgpu::ShaderStages::COMPUTE,
                        wgpu::BufferBindingType::Uniform,
                        std::mem::size_of::<StepParams>() as u64,
                    ),
                    super::sized_entry(1, wgpu::ShaderStages::COMPUTE, STORAGE_RW, PARTICLE_BYTES),
                    super::sized_entry(
                        2,
                        wgpu::ShaderStages::COMPUTE,
                        STORAGE_RW,
                        TRAIL_POINT_BYTES,
                    ),
                    // The running count: atomic<u32>.
                    super::sized_entry(3, wgpu::ShaderStages::COMPUTE, STORAGE_RW, 4),
                    super::expr::tape_entry(wgpu::ShaderStages::COMPUTE),
                ],
            });
        let pl = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("particles::pipeline_layout"),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = Self::pipeline(ctx, func, &config, &pl, code)?;
        let tape = super::expr::tape_buffer(ctx, func);
        let running = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("particles::running"),
            size: 4,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let cap = Self::chunk_capacity(ctx, &config);
        let mut chunks = Vec::new();
        let mut offset = 0u32;
        while offset < count {
            let n = cap.min(count - offset);
            chunks.push(Self::make_chunk(
                ctx,
                &layout,
                &running,
                &tape,
                &config,
                offset,
                &starts[offset as usize..(offset + n) as usize],
            ));
            offset += n;
        }
        Ok(ParticleEngine {
            interp: (code == super::ExprCode::Interpreted).then(|| pipeline.clone()),
            pipeline,
            pipeline_layout: pl,
            code,
            layout,
            tape,
            chunks,
            running,
            config,
            count,
        })
    }

    fn make_chunk(
        ctx: &Context,
        layout: &wgpu::BindGroupLayout,
        running: &wgpu::Buffer,
        tape: &wgpu::Buffer,
        config: &EngineConfig,
        offset: u32,
        starts: &[[f32; 2]],
    ) -> Chunk {
        use wgpu::util::DeviceExt;
        let count = starts.len() as u32;
        let state: Vec<Particle> = starts.iter().map(|&p| Particle::at(p)).collect();
        let particles = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("particles::state"),
                contents: bytemuck::cast_slice(&state),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            });
        let trails = if config.trail_len > 0 {
            let t = initial_trails(starts, config.trail_len);
            ctx.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("particles::trails"),
                    contents: bytemuck::cast_slice(&t),
                    usage: wgpu::BufferUsages::STORAGE
                        | wgpu::BufferUsages::COPY_SRC
                        | wgpu::BufferUsages::COPY_DST,
                })
        } else {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("particles::trails(off)"),
                size: TRAIL_POINT_BYTES,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        };
        let groups_total = count.div_ceil(WORKGROUP * PER_INVOCATION);
        let max = ctx.limits.max_compute_workgroups_per_dimension;
        let groups = if groups_total <= max {
            (groups_total, 1)
        } else {
            (max, groups_total.div_ceil(max))
        };
        let o = &config.optimizer;
        let b = &config.stop.bounds;
        let (sched_a, sched_b, sched_n) = o.schedule.gpu_params();
        let p = StepParams {
            lr: o.lr as f32,
            momentum: o.momentum as f32,
            beta1: o.beta1 as f32,
            beta2: o.beta2 as f32,
            alpha: o.alpha as f32,
            eps: o.eps as f32,
            clip: o.clip as f32,
            tol: config.stop.tol as f32,
            bounds: [b.xmin as f32, b.xmax as f32, b.ymin as f32, b.ymax as f32],
            count,
            iters: config.iters_per_dispatch,
            max_steps: config.stop.max_steps,
            trail_len: config.trail_len.max(1),
            trail_stride: config.trail_stride.max(1),
            groups_x: groups.0,
            index_base: offset,
            noise: o.noise as f32,
            sched_a: sched_a as f32,
            sched_b: sched_b as f32,
            sched_n,
            seed_lo: crate::cpu::philox::key(o.seed)[0],
            seed_hi: crate::cpu::philox::key(o.seed)[1],
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
        };
        let params = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("particles::params"),
                contents: bytemuck::bytes_of(&p),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("particles::bind"),
            layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: particles.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: trails.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: running.as_entire_binding(),
                },
                super::expr::tape_binding(tape),
            ],
        });
        Chunk {
            offset,
            count,
            particles,
            trails,
            params,
            bind,
            groups,
        }
    }

    /// The step pipeline for `config` evaluating f as `code`: the LLVM
    /// compilation happens here (seconds on lavapipe for a compiled kernel).
    fn pipeline(
        ctx: &Context,
        func: &Function,
        config: &EngineConfig,
        layout: &wgpu::PipelineLayout,
        code: super::ExprCode,
    ) -> Result<wgpu::ComputePipeline> {
        let trails = config.trail_len > 0;
        let src = shader_source_for(func, code, &config.optimizer, trails);
        super::validate_wgsl(func.source(), &src)?;
        let module = ctx.shader("particles", &src)?;
        Ok(ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("particles::step"),
                layout: Some(layout),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            }))
    }

    /// How the step pipeline evaluates f now.
    pub fn code(&self) -> super::ExprCode {
        self.code
    }

    /// What a worker thread needs to build the step pipeline with f compiled
    /// in (see [`Specializer::build`]); None when it already is compiled.
    pub fn specializer(&self, func: &Function) -> Option<Specializer> {
        (self.code != super::ExprCode::Compiled).then(|| Specializer {
            func: func.clone(),
            config: self.config,
            layout: self.pipeline_layout.clone(),
        })
    }

    /// Replaces the step pipeline with a compiled one from
    /// [`ParticleEngine::specialize`]; false (and nothing changes) when it was
    /// built for another optimizer kind than the engine runs now.
    pub fn install(&mut self, s: Specialized) -> bool {
        if s.optimizer != self.config.optimizer.kind {
            return false;
        }
        self.pipeline = s.pipeline;
        self.code = super::ExprCode::Compiled;
        true
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Replaces the optimizer's hyper-parameters (lr, momentum, betas, alpha,
    /// eps, clip, the schedule's numbers, σ, seed) for the dispatches submitted
    /// from now on; the particles keep their state. The kind, the schedule's
    /// form and whether there is noise are compiled into the shader and cannot change.
    pub fn set_optimizer(&mut self, ctx: &Context, opt: &Optimizer) -> Result<()> {
        let old = &self.config.optimizer;
        if opt.kind != old.kind {
            return Err(Error::input(format!(
                "the particle engine runs {}, it cannot switch to {}",
                old.kind.name(),
                opt.kind.name()
            )));
        }
        if opt.schedule.id() != old.schedule.id() || (opt.noise > 0.0) != (old.noise > 0.0) {
            return Err(Error::input(format!(
                "the particle engine was built for schedule {} and noise {}; it cannot switch to schedule {} and noise {} (build a new engine)",
                old.schedule, old.noise, opt.schedule, opt.noise
            )));
        }
        opt.validate()?;
        let head: [f32; 7] = [
            opt.lr as f32,
            opt.momentum as f32,
            opt.beta1 as f32,
            opt.beta2 as f32,
            opt.alpha as f32,
            opt.eps as f32,
            opt.clip as f32,
        ];
        // StepParams starts with these seven f32 in this order.
        const _: () = assert!(std::mem::offset_of!(StepParams, clip) == 24);
        let (a, b, n) = opt.schedule.gpu_params();
        let [s0, s1] = crate::cpu::philox::key(opt.seed);
        let tail: [u32; 6] = [
            (opt.noise as f32).to_bits(),
            (a as f32).to_bits(),
            (b as f32).to_bits(),
            n,
            s0,
            s1,
        ];
        const _: () = assert!(std::mem::offset_of!(StepParams, noise) == 76);
        const _: () = assert!(std::mem::offset_of!(StepParams, seed_lo) == 92);
        for c in &self.chunks {
            ctx.queue
                .write_buffer(&c.params, 0, bytemuck::cast_slice(&head));
            ctx.queue
                .write_buffer(&c.params, 76, bytemuck::cast_slice(&tail));
        }
        self.config.optimizer = *opt;
        Ok(())
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// Records `dispatches` dispatches (each `iters_per_dispatch` iterations) of
    /// every chunk; the running counter holds the count after the last one.
    pub fn encode(&self, enc: &mut wgpu::CommandEncoder, dispatches: u32) {
        for d in 0..dispatches {
            if d + 1 == dispatches {
                enc.clear_buffer(&self.running, 0, None);
            }
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("particles::pass"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            for c in &self.chunks {
                pass.set_bind_group(0, &c.bind, &[]);
                pass.dispatch_workgroups(c.groups.0, c.groups.1, 1);
            }
        }
    }

    /// Submits `dispatches` dispatches without waiting.
    pub fn step(&self, ctx: &Context, dispatches: u32) {
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("particles::step"),
            });
        self.encode(&mut enc, dispatches);
        ctx.queue.submit([enc.finish()]);
    }

    /// Dispatches needed for `steps` updates plus the final evaluation that
    /// decides convergence at the last position.
    pub fn dispatches_for(&self, steps: u32) -> u32 {
        (steps as u64 + 1).div_ceil(self.config.iters_per_dispatch as u64) as u32
    }

    /// Particles still running after the last submitted dispatch (reads 4 bytes).
    pub fn running(&self, ctx: &Context) -> Result<u32> {
        let b = ctx.read_buffer(&self.running, 0, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Runs until every particle has stopped or `max_steps` is spent, in batches
    /// of `batch` dispatches, reading only the running count between batches.
    /// `progress(dispatches_done, dispatches_total, running)` is called after each batch.
    pub fn run_to_end(
        &self,
        ctx: &Context,
        batch: u32,
        mut progress: impl FnMut(u32, u32, u32),
    ) -> Result<u32> {
        let total = self.dispatches_for(self.config.stop.max_steps);
        let mut done = 0;
        let mut running = self.count;
        while done < total && running > 0 {
            let n = batch.max(1).min(total - done);
            self.step(ctx, n);
            done += n;
            running = self.running(ctx)?;
            progress(done, total, running);
        }
        Ok(running)
    }

    /// Reads back every particle's state, in start order.
    pub fn read(&self, ctx: &Context) -> Result<Vec<Particle>> {
        let mut out = Vec::with_capacity(self.count as usize);
        for c in &self.chunks {
            let bytes = ctx.read_buffer(&c.particles, 0, c.count as u64 * PARTICLE_BYTES)?;
            out.extend_from_slice(bytemuck::cast_slice(&bytes));
        }
        Ok(out)
    }

    /// Reads back the trail rings: `trail_len` slots per particle, in start order.
    /// Slot (s / stride) % len holds the position after step s.
    pub fn read_trails(&self, ctx: &Context) -> Result<Vec<[f32; 2]>> {
        if self.config.trail_len == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for c in &self.chunks {
            let bytes = ctx.read_buffer(
                &c.trails,
                0,
                c.count as u64 * self.config.trail_len as u64 * TRAIL_POINT_BYTES,
            )?;
            out.extend_from_slice(bytemuck::cast_slice::<u8, [f32; 2]>(&bytes));
        }
        Ok(out)
    }

    /// Replaces every particle's state (same count), e.g. to reset.
    pub fn write(&self, ctx: &Context, state: &[Particle]) -> Result<()> {
        if state.len() != self.count as usize {
            return Err(Error::input(format!(
                "state has {} particles, the engine {}",
                state.len(),
                self.count
            )));
        }
        for c in &self.chunks {
            let s = &state[c.offset as usize..(c.offset + c.count) as usize];
            ctx.queue
                .write_buffer(&c.particles, 0, bytemuck::cast_slice(s));
        }
        Ok(())
    }

    /// Starts every particle afresh from `starts` (one per particle) on a new
    /// function: `tape` replaces the engine's tape and the interpreted kernel
    /// comes back. False (and nothing changes) when the engine does not
    /// interpret or the tape does not fit its buffer: build a new engine then.
    pub fn restart(
        &mut self,
        ctx: &Context,
        tape: &crate::expr::interp::GpuTape,
        starts: &[[f32; 2]],
    ) -> bool {
        let Some(interp) = self.interp.clone() else {
            return false;
        };
        if starts.len() != self.count as usize || !super::expr::write_tape(ctx, &self.tape, tape) {
            return false;
        }
        for c in &self.chunks {
            let s = &starts[c.offset as usize..(c.offset + c.count) as usize];
            let state: Vec<Particle> = s.iter().map(|&p| Particle::at(p)).collect();
            ctx.queue
                .write_buffer(&c.particles, 0, bytemuck::cast_slice(&state));
            if self.config.trail_len > 0 {
                let t = initial_trails(s, self.config.trail_len);
                ctx.queue
                    .write_buffer(&c.trails, 0, bytemuck::cast_slice(&t));
            }
        }
        self.pipeline = interp;
        self.code = super::ExprCode::Interpreted;
        true
    }
}

/// The trail ring of particles starting at `starts`: every one of the `len`
/// slots at the start position, so a young trail has no stray segments.
fn initial_trails(starts: &[[f32; 2]], len: u32) -> Vec<[f32; 2]> {
    let mut t = Vec::with_capacity(starts.len() * len as usize);
    for p in starts {
        t.extend(std::iter::repeat_n(*p, len as usize));
    }
    t
}

/// Ordered trail positions of particle `i` (oldest first, ending at its newest
/// sample) from a `read_trails` result.
pub fn trail_of(
    trails: &[[f32; 2]],
    particle: &Particle,
    i: usize,
    len: u32,
    stride: u32,
) -> Vec<[f32; 2]> {
    let len = len as usize;
    let newest = (particle.steps / stride.max(1)) as usize;
    let n = (newest + 1).min(len);
    let ring = &trails[i * len..(i + 1) * len];
    (0..n)
        .map(|k| ring[(newest + len - (n - 1 - k)) % len])
        .collect()
}
