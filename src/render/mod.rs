//! Rendering: the 2D map (heatmap + contours), gradient arrows, particles and
//! trails, critical-point markers and the lit 3D surface, drawn offscreen
//! (no window here), read back to an [`Image`], then axes, colour bar and
//! title drawn on the CPU.
//!
//! A frame is a fixed list of passes, per panel:
//! - 3D panel: surface → markers → trails → particles;
//! - 2D panel: map → arrows → markers → trails → particles.
//!
//! Every pass is one struct with `new` (pipeline) and `encode` (draws); the
//! shared per-panel uniform ([`ViewUniform`]) is written by [`Renderer::prepare`].
//! The target format is Rgba8Unorm (not sRGB), so a pixel's bytes are the
//! colormap's bytes.

pub mod arrows;
pub mod camera;
pub mod colormap;
pub mod layers;
pub mod layout;
pub mod map;
pub mod markers;
pub mod overlay;
pub mod particles;
pub mod stats;
pub mod surface;

use crate::analysis::Kind;
use crate::error::{Error, Result};
use crate::gpu::{Context, EngineConfig, ParticleEngine};
use crate::image::Image;
use crate::scene::{Direction, Scene};
use crate::Function;
use bytemuck::{Pod, Zeroable};
use layout::{Layout, PanelKind};
use stats::Stats;
use std::sync::Mutex;

pub use colormap::Colormap;

pub const COMMON_SHADER: &str = include_str!("../../shaders/render_common.wgsl");
/// The offscreen target's format (bytes equal colormap bytes).
pub const TARGET_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
pub const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Per-panel uniform; WGSL twin: `View` in `shaders/render_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct ViewUniform {
    pub view_proj: [[f32; 4]; 4],
    pub panel: [f32; 4],
    pub plot: [f32; 4],
    pub domain: [f32; 4],
    pub world: [f32; 4],
    pub range: [f32; 4],
    pub contour: [f32; 4],
    pub contour_mode: [f32; 4],
    pub eye: [f32; 4],
    pub nonfinite: [f32; 4],
    pub background: [f32; 4],
    pub arrows: [f32; 4],
    /// 1 for a 3D panel, 0 for a 2D one.
    pub three_d: u32,
    /// 1 when colours follow a log scale of f, 0 for linear.
    pub log_scale: u32,
    /// +1 when the arrows point along ∇f (ascent), −1 against it.
    pub arrow_sign: f32,
    /// Particle sprite diameter in pixels.
    pub particle_size: f32,
    pub levels: [[f32; 4]; 16],
}
const _: () = assert!(std::mem::size_of::<ViewUniform>() == 512);
const _: () = assert!(std::mem::offset_of!(ViewUniform, panel) == 64);
const _: () = assert!(std::mem::offset_of!(ViewUniform, three_d) == 240);
const _: () = assert!(std::mem::offset_of!(ViewUniform, levels) == 256);

/// Colour of pixels where f or ∇f is not finite (magenta: never in a colormap).
pub const NONFINITE: [u8; 4] = [255, 0, 255, 255];

fn rgba(c: [u8; 4]) -> [f32; 4] {
    c.map(|v| v as f32 / 255.0)
}

/// Bind group layout of group 0 (view + colormap + the function's tape),
/// shared by every pass.
pub struct Shared {
    pub layout: wgpu::BindGroupLayout,
    pub cmap: wgpu::Buffer,
    /// The function's tape (see [`crate::gpu::expr`]).
    pub tape: wgpu::Buffer,
    /// How this renderer's pipelines evaluate f.
    pub code: crate::gpu::ExprCode,
}

impl Shared {
    fn new(ctx: &Context, cmap: Colormap, func: &Function) -> Shared {
        use wgpu::util::DeviceExt;
        let entry = |binding, min_size| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: wgpu::BufferSize::new(min_size),
            },
            count: None,
        };
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("render::view_layout"),
                entries: &[
                    entry(0, std::mem::size_of::<ViewUniform>() as u64),
                    entry(1, 256 * 16),
                    crate::gpu::expr::tape_entry(wgpu::ShaderStages::VERTEX_FRAGMENT),
                ],
            });
        let table: Vec<[f32; 4]> = cmap.table().iter().map(|&c| rgba(c)).collect();
        let cmap = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("render::colormap"),
                contents: bytemuck::cast_slice(&table),
                usage: wgpu::BufferUsages::UNIFORM
                    | wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST,
            });
        Shared {
            layout,
            cmap,
            tape: crate::gpu::expr::tape_buffer(ctx, func),
            code: ctx.expr_code.for_function(func),
        }
    }
}

/// Builds a render pipeline for one pass: group 0 is the view, `extra` the pass's own groups.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pipeline(
    ctx: &Context,
    label: &str,
    module: &wgpu::ShaderModule,
    shared: &Shared,
    extra: &[&wgpu::BindGroupLayout],
    format: wgpu::TextureFormat,
    blend: bool,
    depth_write: bool,
    depth_compare: wgpu::CompareFunction,
) -> wgpu::RenderPipeline {
    let topology = wgpu::PrimitiveTopology::TriangleList;
    let depth = (depth_write, depth_compare);
    pipeline_topology(
        ctx, label, module, shared, extra, format, blend, depth, topology,
    )
}

/// [`pipeline`] drawing `topology` primitives; `depth` is (write, compare).
#[allow(clippy::too_many_arguments)]
pub(crate) fn pipeline_topology(
    ctx: &Context,
    label: &str,
    module: &wgpu::ShaderModule,
    shared: &Shared,
    extra: &[&wgpu::BindGroupLayout],
    format: wgpu::TextureFormat,
    blend: bool,
    (depth_write, depth_compare): (bool, wgpu::CompareFunction),
    topology: wgpu::PrimitiveTopology,
) -> wgpu::RenderPipeline {
    let mut layouts: Vec<Option<&wgpu::BindGroupLayout>> = vec![Some(&shared.layout)];
    layouts.extend(extra.iter().map(|l| Some(*l)));
    let pl = ctx
        .device
        .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &layouts,
            immediate_size: 0,
        });
    ctx.device
        .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(label),
            layout: Some(&pl),
            vertex: wgpu::VertexState {
                module,
                entry_point: Some("vs"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            fragment: Some(wgpu::FragmentState {
                module,
                entry_point: Some("fs"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: blend.then_some(wgpu::BlendState::ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            primitive: wgpu::PrimitiveState {
                topology,
                ..Default::default()
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(depth_write),
                depth_compare: Some(depth_compare),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: Default::default(),
            multiview_mask: None,
            cache: None,
        })
}

/// Composes the generated function, the common prelude and a pass's WGSL, and compiles it.
pub(crate) fn module(
    ctx: &Context,
    func: &Function,
    label: &str,
    parts: &[&str],
) -> Result<wgpu::ShaderModule> {
    let f = crate::gpu::expr::source(func, ctx.expr_code);
    let mut all: Vec<&str> = vec![&f, COMMON_SHADER];
    all.extend_from_slice(parts);
    ctx.shader(label, &crate::gpu::compose(&all))
}

/// One panel's uniform and bind group.
struct PanelGpu {
    uniform: wgpu::Buffer,
    bind: wgpu::BindGroup,
    /// What `uniform` holds.
    written: Mutex<Option<ViewUniform>>,
}

/// Everything needed to draw one scene: pipelines, the particle engine, uniforms.
pub struct Renderer {
    pub scene: Scene,
    pub func: Function,
    pub stats: Stats,
    format: wgpu::TextureFormat,
    shared: Shared,
    panels: Vec<PanelGpu>,
    map: Option<map::MapPass>,
    arrows: Option<arrows::ArrowsPass>,
    surface: Option<surface::SurfacePass>,
    particles: Option<particles::ParticlesPass>,
    markers: markers::MarkersPass,
    engine: Option<ParticleEngine>,
    steps_done: u32,
    depth: Mutex<Option<(u32, u32, wgpu::TextureView)>>,
    /// The layered frame (cached background + splatted particles); None where
    /// the scene's particles need the vertex path (see [`layers::supports`]).
    layers: Option<layers::LayerPipelines>,
    frame: Mutex<Option<layers::Frame>>,
    /// Bumped by whatever changes the background outside the panel uniforms
    /// (colormap, markers).
    generation: u64,
    /// Per-pass GPU times, when asked for (see [`Renderer::set_timer`]).
    timer: Option<crate::gpu::timer::GpuTimer>,
}

impl Renderer {
    /// Pipelines for `scene`, drawing into Rgba8Unorm targets.
    pub fn new(ctx: &Context, scene: &Scene) -> Result<Renderer> {
        Self::with_format(ctx, scene, TARGET_FORMAT)
    }

    /// Pipelines for `scene`, drawing into targets of `format` (a window's surface format).
    pub fn with_format(
        ctx: &Context,
        scene: &Scene,
        format: wgpu::TextureFormat,
    ) -> Result<Renderer> {
        scene.validate(Some(ctx.limits.max_texture_dimension_2d))?;
        let func = scene.parse_function()?;
        let stats = Stats::compute(&func, scene);
        let shared = Shared::new(ctx, scene.map.colormap, &func);
        let lay = Layout::new(scene, scene.size[0], scene.size[1]);
        let panels = lay
            .panels
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&format!("render::view[{i}]")),
                    size: std::mem::size_of::<ViewUniform>() as u64,
                    // Also storage: the layered frame's splat reads it so (see layers.rs).
                    usage: wgpu::BufferUsages::UNIFORM
                        | wgpu::BufferUsages::STORAGE
                        | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("render::view_bind"),
                    layout: &shared.layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: uniform.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: shared.cmap.as_entire_binding(),
                        },
                        crate::gpu::expr::tape_binding(&shared.tape),
                    ],
                });
                PanelGpu {
                    uniform,
                    bind,
                    written: Mutex::new(None),
                }
            })
            .collect();
        let has2d = lay.panels.iter().any(|p| p.kind == PanelKind::TwoD);
        let has3d = lay.panels.iter().any(|p| p.kind == PanelKind::ThreeD);
        let map = if has2d {
            Some(map::MapPass::new(ctx, &func, &shared, format)?)
        } else {
            None
        };
        let arrows = if has2d && scene.arrows.density > 0 {
            Some(arrows::ArrowsPass::new(ctx, &func, &shared, format)?)
        } else {
            None
        };
        let surface = if has3d {
            Some(surface::SurfacePass::new(
                ctx,
                &func,
                &shared,
                format,
                scene.camera.resolution,
            )?)
        } else {
            None
        };
        let starts: Vec<[f32; 2]> = scene
            .starts()
            .iter()
            .map(|p| [p[0] as f32, p[1] as f32])
            .collect();
        let engine = if starts.is_empty() {
            None
        } else {
            let config = EngineConfig {
                optimizer: scene.optimizer()?,
                stop: scene.stop(),
                iters_per_dispatch: 1,
                trail_len: scene.particles.trail_length,
                trail_stride: scene.particles.trail_stride.max(1),
            };
            Some(ParticleEngine::new(ctx, &func, &starts, config)?)
        };
        let layered = engine
            .as_ref()
            .is_none_or(|e| layers::supports(ctx, e, lay.panels.len()));
        let (particles, layers) = match &engine {
            _ if layered => (None, Some(layers::LayerPipelines::new(ctx, &func, format)?)),
            Some(e) => (
                Some(particles::ParticlesPass::new(
                    ctx, &func, &shared, format, e,
                )?),
                None,
            ),
            None => (None, None),
        };
        let mut markers = markers::MarkersPass::new(ctx, &func, &shared, format)?;
        if scene.critical.show {
            let pts: Vec<(f64, f64, Kind)> = scene
                .critical
                .points
                .iter()
                .map(|m| (m.x, m.y, m.kind))
                .collect();
            markers.set(ctx, &pts);
        }
        Ok(Renderer {
            scene: scene.clone(),
            func,
            stats,
            format,
            shared,
            panels,
            map,
            arrows,
            surface,
            particles,
            markers,
            engine,
            steps_done: 0,
            depth: Mutex::new(None),
            layers,
            frame: Mutex::new(None),
            generation: 0,
            timer: None,
        })
    }

    /// The particle engine (None when the scene has no particles).
    pub fn engine(&self) -> Option<&ParticleEngine> {
        self.engine.as_ref()
    }

    /// Swaps the colormap (same uniform buffer; the next frame uses it).
    pub fn set_colormap(&mut self, ctx: &Context, cmap: Colormap) {
        let table: Vec<[f32; 4]> = cmap.table().iter().map(|&c| rgba(c)).collect();
        ctx.queue
            .write_buffer(&self.shared.cmap, 0, bytemuck::cast_slice(&table));
        self.scene.map.colormap = cmap;
        self.generation += 1;
    }

    /// New optimizer hyper-parameters (same kind) for the steps from now on;
    /// the particles keep their positions and state (see
    /// [`ParticleEngine::set_optimizer`]). Nothing to do without particles.
    pub fn set_optimizer(&mut self, ctx: &Context, opt: &crate::optim::Optimizer) -> Result<()> {
        if let Some(e) = &mut self.engine {
            e.set_optimizer(ctx, opt)?;
        }
        self.scene.particles.lr = Some(opt.lr);
        self.scene.particles.momentum = Some(opt.momentum);
        Ok(())
    }

    /// Draws `scene`, which differs from the current one in its function (and
    /// whatever [`Renderer::scene`] may change freely), without new pipelines:
    /// the interpreted pipelines get the new tape, the particles start afresh,
    /// the cached layers are redrawn. Ok(false), with nothing changed, when
    /// this renderer compiles f into its shaders or the function does not fit
    /// the interpreter: build a new renderer then.
    pub fn set_function(&mut self, ctx: &Context, scene: &Scene) -> Result<bool> {
        let func = scene.parse_function()?;
        let Some(tape) = func.gpu_tape() else {
            return Ok(false);
        };
        if self.shared.code != crate::gpu::ExprCode::Interpreted {
            return Ok(false);
        }
        let starts: Vec<[f32; 2]> = scene
            .starts()
            .iter()
            .map(|p| [p[0] as f32, p[1] as f32])
            .collect();
        let buffers = [
            Some(&self.shared.tape),
            self.layers.as_ref().map(|l| &l.tape),
        ];
        if !buffers
            .iter()
            .flatten()
            .all(|b| tape.bytes().len() as u64 <= b.size())
            || self
                .engine
                .as_ref()
                .is_some_and(|e| e.count() as usize != starts.len())
        {
            return Ok(false);
        }
        if let Some(e) = &mut self.engine {
            if !e.restart(ctx, &tape, &starts) {
                return Ok(false);
            }
        }
        for b in buffers.into_iter().flatten() {
            crate::gpu::expr::write_tape(ctx, b, &tape);
        }
        self.scene = scene.clone();
        self.stats = Stats::compute(&func, scene);
        self.func = func;
        self.steps_done = 0;
        self.generation += 1;
        // The trail layers hold the old function's paths.
        *self.frame.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(true)
    }

    /// How this renderer's pipelines evaluate f (the particle kernel may have
    /// switched to compiled since: see [`ParticleEngine::code`]).
    pub fn expr_code(&self) -> crate::gpu::ExprCode {
        self.shared.code
    }

    /// For a worker thread: builds the particle kernel with f compiled in,
    /// while this renderer keeps stepping with the interpreter (None when there
    /// are no particles or the kernel already is compiled).
    pub fn particle_specializer(&self) -> Option<crate::gpu::particles::Specializer> {
        self.engine.as_ref()?.specializer(&self.func)
    }

    /// Installs a kernel from [`Renderer::particle_specializer`]; the
    /// particles go on from where they are. False when it no longer fits (the
    /// optimizer kind changed meanwhile).
    pub fn install_particles(&mut self, s: crate::gpu::particles::Specialized) -> bool {
        self.engine.as_mut().is_some_and(|e| e.install(s))
    }

    /// Optimizer steps run so far.
    pub fn steps_done(&self) -> u32 {
        self.steps_done
    }

    /// Replaces the critical-point markers (e.g. from `analysis::critical`).
    pub fn set_critical(&mut self, ctx: &Context, points: &[(f64, f64, Kind)]) {
        self.markers.set(ctx, points);
        self.generation += 1;
    }

    /// Runs `steps` optimizer steps of every particle on the GPU (submitted, not waited for).
    pub fn advance(&mut self, ctx: &Context, steps: u32) {
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("render::advance"),
            });
        self.advance_into(&mut enc, steps);
        ctx.queue.submit([enc.finish()]);
    }

    /// Records `steps` optimizer steps of every particle into `enc` (the
    /// frame's own encoder: one submission per frame).
    pub fn advance_into(&mut self, enc: &mut wgpu::CommandEncoder, steps: u32) {
        if let Some(e) = &self.engine {
            if steps > 0 {
                self.mark(enc, "steps");
                e.encode(enc, steps);
                self.steps_done += steps;
            }
        }
    }

    /// The uniform of panel `i` for a target of width × height.
    pub fn view_uniform(&self, lay: &Layout, i: usize) -> ViewUniform {
        let p = &lay.panels[i];
        let s = &self.stats;
        let sc = &self.scene;
        let d = sc.domain();
        let mut levels = [[0f32; 4]; 16];
        for (k, v) in s.levels.iter().take(64).enumerate() {
            levels[k / 4][k % 4] = *v as f32;
        }
        let (view_proj, eye, world) =
            camera::matrices(sc, p.rect[2] as f32 / p.rect[3].max(1) as f32);
        let sign = if sc.arrows.direction == Direction::Ascent {
            1.0
        } else {
            -1.0
        };
        let [nx, ny] = lay.arrow_grid(i, sc.arrows.density);
        ViewUniform {
            view_proj: view_proj.to_cols_array_2d(),
            panel: [
                p.rect[0] as f32,
                p.rect[1] as f32,
                p.rect[2] as f32,
                p.rect[3] as f32,
            ],
            plot: p.plot,
            domain: [d.xmin as f32, d.xmax as f32, d.ymin as f32, d.ymax as f32],
            world,
            range: [s.lo as f32, s.hi as f32, s.fmin as f32, s.eps as f32],
            contour: [
                s.contour_first as f32,
                s.contour_step as f32,
                sc.contours.width,
                if sc.contours.count > 0 || !s.levels.is_empty() {
                    sc.contours.opacity
                } else {
                    0.0
                },
            ],
            contour_mode: [
                s.contour_log as u32 as f32,
                s.contour_count as f32,
                s.levels.len().min(64) as f32,
                sc.map.show as u32 as f32,
            ],
            eye: [eye.x, eye.y, eye.z, 0.0],
            nonfinite: rgba(NONFINITE),
            background: rgba(sc.theme.background()),
            arrows: [nx as f32, ny as f32, s.grad_ref as f32, sc.arrows.scale],
            three_d: (p.kind == PanelKind::ThreeD) as u32,
            log_scale: s.log as u32,
            arrow_sign: sign,
            particle_size: sc.particles.size,
            levels,
        }
    }

    /// Writes the panel uniforms for a target of width × height.
    pub fn prepare(&self, ctx: &Context, width: u32, height: u32) -> Layout {
        let lay = Layout::new(&self.scene, width, height);
        for (i, g) in self.panels.iter().enumerate() {
            let u = self.view_uniform(&lay, i);
            // Only what changed is written: a frame in which only particles
            // move uploads nothing here.
            let mut last = g.written.lock().unwrap_or_else(|e| e.into_inner());
            if last.as_ref() != Some(&u) {
                ctx.queue
                    .write_buffer(&g.uniform, 0, bytemuck::bytes_of(&u));
                *last = Some(u);
            }
        }
        lay
    }

    fn depth_view(&self, ctx: &Context, width: u32, height: u32) -> wgpu::TextureView {
        let mut d = self.depth.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((w, h, v)) = d.as_ref() {
            if *w == width && *h == height {
                return v.clone();
            }
        }
        let tex = layers::target_texture(
            ctx,
            "render::depth",
            DEPTH_FORMAT,
            [width, height],
            wgpu::TextureUsages::RENDER_ATTACHMENT,
        );
        let v = tex.create_view(&Default::default());
        *d = Some((width, height, v.clone()));
        v
    }

    /// Records one frame into `target` (width × height, `format` as given at creation).
    pub fn encode(
        &self,
        ctx: &Context,
        enc: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        width: u32,
        height: u32,
        format: wgpu::TextureFormat,
    ) -> Result<()> {
        if format != self.format {
            return Err(Error::input(format!(
                "renderer was built for {:?} targets, asked to draw into {format:?}",
                self.format
            )));
        }
        let lay = self.prepare(ctx, width, height);
        let Some(pipes) = &self.layers else {
            self.mark(enc, "scene");
            let depth = self.depth_view(ctx, width, height);
            self.draw_panels(enc, target, &depth, &lay, true);
            return Ok(());
        };
        let mut guard = self.frame.lock().unwrap_or_else(|e| e.into_inner());
        if guard
            .as_ref()
            .is_none_or(|f| f.width != width || f.height != height)
        {
            *guard = Some(layers::Frame::new(
                ctx,
                pipes,
                self.engine.as_ref(),
                &self.panels.iter().map(|p| &p.uniform).collect::<Vec<_>>(),
                &self.shared.cmap,
                width,
                height,
            ));
        }
        let frame = guard.as_mut().expect("made above");
        if frame.background_stale(self.background_key(&lay)) {
            self.mark(enc, "background");
            let (bg, depth) = (frame.background_view.clone(), frame.depth_view.clone());
            self.draw_panels(enc, &bg, &depth, &lay, false);
            frame.copy_depth(enc);
        }
        frame.encode(
            ctx,
            pipes,
            enc,
            target,
            &lay,
            self.engine.as_ref(),
            self.steps_done,
            self.scene.particles.size * 0.5,
            self.timer.as_ref(),
        );
        Ok(())
    }

    /// Times this renderer's passes on the GPU from now on (None: stop). The
    /// caller ends each frame with [`GpuTimer::finish`] and reads the spans
    /// after submitting it.
    ///
    /// [`GpuTimer::finish`]: crate::gpu::timer::GpuTimer::finish
    pub fn set_timer(&mut self, timer: Option<crate::gpu::timer::GpuTimer>) {
        self.timer = timer;
    }

    /// The timer set by [`Renderer::set_timer`].
    pub fn timer(&self) -> Option<&crate::gpu::timer::GpuTimer> {
        self.timer.as_ref()
    }

    fn mark(&self, enc: &mut wgpu::CommandEncoder, label: &'static str) {
        if let Some(t) = &self.timer {
            t.mark(enc, label);
        }
    }

    /// What the cached background is drawn from: the target size, the
    /// generation and every panel's uniform.
    fn background_key(&self, lay: &Layout) -> Vec<u8> {
        let mut key = Vec::with_capacity(16 + lay.panels.len() * 512);
        key.extend_from_slice(&lay.width.to_le_bytes());
        key.extend_from_slice(&lay.height.to_le_bytes());
        key.extend_from_slice(&self.generation.to_le_bytes());
        for i in 0..lay.panels.len() {
            key.extend_from_slice(bytemuck::bytes_of(&self.view_uniform(lay, i)));
        }
        key
    }

    /// Records the panels' passes into `target` with `depth` (kept, for the
    /// layered path's depth test): map, arrows, surface and markers, and with
    /// `particles` the vertex path's trails and points.
    fn draw_panels(
        &self,
        enc: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        depth: &wgpu::TextureView,
        lay: &Layout,
        particles: bool,
    ) {
        let bg = rgba(self.scene.theme.background());
        let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("render::frame"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color {
                        r: bg[0] as f64,
                        g: bg[1] as f64,
                        b: bg[2] as f64,
                        a: 1.0,
                    }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: depth,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(1.0),
                    store: if particles {
                        wgpu::StoreOp::Discard
                    } else {
                        wgpu::StoreOp::Store
                    },
                }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        for (i, p) in lay.panels.iter().enumerate() {
            let [x, y, w, h] = p.rect;
            if w == 0 || h == 0 {
                continue;
            }
            let bind = &self.panels[i].bind;
            pass.set_viewport(x as f32, y as f32, w as f32, h as f32, 0.0, 1.0);
            // One group per panel: "panel 0 (ThreeD)" in a frame capture.
            pass.push_debug_group(&format!("panel {i} ({:?})", p.kind));
            match p.kind {
                PanelKind::ThreeD => {
                    pass.set_scissor_rect(x, y, w, h);
                    if let Some(s) = &self.surface {
                        s.encode(&mut pass, bind);
                    }
                }
                PanelKind::TwoD => {
                    // The plot's rectangle, inside the target (a tiny window
                    // can leave no room for the plot beside the margins).
                    let [px, py, pw, ph] = p.plot_px();
                    let (sx, sy) = ((x + px).min(lay.width), (y + py).min(lay.height));
                    let sw = pw.min(w.saturating_sub(px)).min(lay.width - sx);
                    let sh = ph.min(h.saturating_sub(py)).min(lay.height - sy);
                    if sw == 0 || sh == 0 {
                        pass.pop_debug_group();
                        continue;
                    }
                    pass.set_scissor_rect(sx, sy, sw, sh);
                    if let Some(m) = &self.map {
                        m.encode(&mut pass, bind);
                    }
                    if let Some(a) = &self.arrows {
                        let [nx, ny] = lay.arrow_grid(i, self.scene.arrows.density);
                        a.encode(&mut pass, bind, nx * ny);
                    }
                }
            }
            self.markers.encode(&mut pass, bind);
            if particles {
                if let (Some(pp), Some(e)) = (&self.particles, &self.engine) {
                    pp.encode(&mut pass, bind, e);
                }
            }
            pass.pop_debug_group();
        }
    }

    /// Draws one frame offscreen (scene.size), reads it back and adds the CPU overlay.
    pub fn render_image(&self, ctx: &Context) -> Result<Image> {
        let [w, h] = self.scene.size;
        let mut img = self.render_raw(ctx, w, h)?;
        if self.scene.axes {
            let lay = Layout::new(&self.scene, w, h);
            overlay::draw(&mut img, &self.scene, &self.stats, &self.func, &lay);
        }
        Ok(img)
    }

    /// The GPU frame only (no axes or text), width × height.
    pub fn render_raw(&self, ctx: &Context, width: u32, height: u32) -> Result<Image> {
        let tex = layers::target_texture(
            ctx,
            "render::target",
            self.format,
            [width, height],
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        let view = tex.create_view(&Default::default());
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("render::frame"),
            });
        self.encode(ctx, &mut enc, &view, width, height, self.format)?;
        let data =
            crate::gpu::context::read_texture(ctx, enc, &tex, width, height, "render::readback")?;
        Ok(Image {
            width,
            height,
            data,
        })
    }
}

/// new + advance(scene.particles.steps) + render_image.
pub fn render_scene(ctx: &Context, scene: &Scene) -> Result<Image> {
    let mut r = Renderer::new(ctx, scene)?;
    r.advance(ctx, scene.particles.steps);
    r.render_image(ctx)
}

/// Every WGSL source of this module with the name of the pass, for validation tests.
pub fn shader_sources(func: &Function) -> Vec<(&'static str, String)> {
    shader_sources_for(func, crate::gpu::ExprCode::Compiled)
}

/// [`shader_sources`] with f evaluated as `code` says.
pub fn shader_sources_for(
    func: &Function,
    code: crate::gpu::ExprCode,
) -> Vec<(&'static str, String)> {
    let f = crate::gpu::expr::source(func, code);
    let c = COMMON_SHADER;
    vec![
        ("render_map", crate::gpu::compose(&[&f, c, map::SHADER])),
        (
            "render_arrows",
            crate::gpu::compose(&[&f, c, arrows::SHADER]),
        ),
        (
            "render_surface",
            crate::gpu::compose(&[&f, c, surface::SHADER]),
        ),
        (
            "render_particles",
            crate::gpu::compose(&[
                &f,
                c,
                particles::PARTICLE_STATE,
                particles::CHUNK_SHADER,
                particles::SHADER,
            ]),
        ),
        (
            "render_trails",
            crate::gpu::compose(&[
                &f,
                c,
                particles::PARTICLE_STATE,
                particles::CHUNK_SHADER,
                particles::TRAILS_SHADER,
            ]),
        ),
        ("layer_splat", layers::splat_source(func, code)),
        (
            "layer_composite",
            crate::gpu::compose(&[particles::PARTICLE_STATE, layers::COMPOSITE_SHADER]),
        ),
        (
            "render_markers",
            crate::gpu::compose(&[&f, c, markers::SHADER]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_render_shader_validates() {
        for src in [
            "x^2 + y^2",
            "sin(x) * exp(-y^2) / (x - 1)",
            "log(x) + sqrt(y)",
        ] {
            let f = Function::parse(src).unwrap();
            for code in [
                crate::gpu::ExprCode::Compiled,
                crate::gpu::ExprCode::Interpreted,
            ] {
                for (name, wgsl) in shader_sources_for(&f, code) {
                    if let Err(e) = crate::gpu::validate_wgsl(name, &wgsl) {
                        panic!("{name} ({}) for `{src}`: {e}", code.name());
                    }
                }
            }
        }
    }
}
