//! The layered frame: what changes rarely is drawn once into a cached
//! background (map, arrows, 3D surface, markers, with its depth), what moves
//! every frame is rasterised by a compute pass (shaders/layer_splat.wgsl) into
//! per-pixel particle-id buffers, and the composite
//! (shaders/layer_composite.wgsl) puts them together: the background copied
//! into the whole target, then the per-pixel particle work (colour, fade,
//! coverage) only on the 16 × 16 tiles the splat marked.
//!
//! A frame in which only particles move costs one splat dispatch per panel
//! (each particle projects its newest trail sample and writes its newest
//! segment, its head and its disc: O(particles), not O(particles × trail
//! length)) and the composition, whose cost follows the area the particles
//! cover: a software rasteriser runs every branch of a fragment shader on
//! every pixel, so a full-target particle pass cost the same ~40 ms at 1280×720
//! with 64 particles as with 65,536. The background is redrawn, and the
//! persistent trail layer rebuilt from the engine's ring of past positions in
//! function space, only when what they depend on changes: the panel uniforms
//! (view, domain, camera, colours), the target size or the renderer's
//! generation (colormap, markers, optimizer).
//!
//! The vertex path (render/particles.rs) stays for scenes this one cannot
//! take: more than one engine chunk or more particles than the 21-bit ids hold.

use super::layout::{Layout, PanelKind};
use super::DEPTH_FORMAT;
use crate::error::Result;
use crate::gpu::{Context, ParticleEngine};
use crate::Function;
use bytemuck::{Pod, Zeroable};

pub const SPLAT_SHADER: &str = include_str!("../../shaders/layer_splat.wgsl");
pub const COMPOSITE_SHADER: &str = include_str!("../../shaders/layer_composite.wgsl");

/// Side of the composite's tiles in pixels (`TILE` in both layer shaders).
/// The splat marks the tile of every pixel it writes; the composite draws the
/// background everywhere and its per-pixel particle work as one quad per
/// marked tile. 16 px: a vertex costs ~250 ns on lavapipe's one vertex thread,
/// so 3,600 tiles at 1280×720 cost ~3.6 ms at most, and finer tiles spend
/// more in vertices than they save in fragments.
pub const TILE: u32 = 16;

/// Tiles covering a width × height target.
pub fn tiles(width: u32, height: u32) -> u32 {
    width.div_ceil(TILE) * height.div_ceil(TILE)
}

/// Particle ids are stored + 1 in 21 bits (0 is "none").
pub const MAX_PARTICLES: u32 = (1 << 21) - 2;
/// The recency field of a trail pixel holds 11 bits.
const MAX_RECENCY: u32 = 2047;
/// `from_sample` meaning "nothing is in the trail layer yet".
const NONE: u32 = u32::MAX;
const PROJ_BYTES: u64 = 16;

/// Per-panel splat uniform; WGSL twin: `Layer` in shaders/layer_splat.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct LayerUniform {
    pub clip: [u32; 4],
    pub origin: [u32; 2],
    pub size: [u32; 2],
    pub count: u32,
    pub trail_len: u32,
    pub trail_stride: u32,
    pub panel: u32,
    pub from_sample: u32,
    pub epoch: u32,
    pub depth_test: u32,
    pub radius: f32,
    pub depth_row: u32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}
const _: () = assert!(std::mem::size_of::<LayerUniform>() == 80);

/// Composite uniform; WGSL twin: `Comp` in shaders/layer_composite.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct CompositeUniform {
    pub clip: [[u32; 4]; 2],
    pub size: [u32; 2],
    pub panels: u32,
    pub count: u32,
    pub trail_len: u32,
    pub trail_stride: u32,
    pub epoch: u32,
    pub radius: f32,
}
const _: () = assert!(std::mem::size_of::<CompositeUniform>() == 64);

/// Pipelines of the layered frame, built once per renderer.
pub struct LayerPipelines {
    splat: wgpu::ComputePipeline,
    splat_layout: wgpu::BindGroupLayout,
    composite: wgpu::RenderPipeline,
    composite_background: wgpu::RenderPipeline,
    composite_layout: wgpu::BindGroupLayout,
    format: wgpu::TextureFormat,
    /// The function's tape for the splat (see [`crate::gpu::expr`]).
    pub(crate) tape: wgpu::Buffer,
}

/// The splat shader for `func`: the generated f, the render prelude with the
/// view and colormap as read-only storage, not uniforms (lavapipe, Mesa 22.3,
/// inlines uniform values that steer a compute shader's control flow into a
/// new shader variant each frame and never frees the old one: ~0.9 MB per
/// frame for this shader, issue 21; the same grew the vertex path's particle
/// passes by 0.3 MB per frame), the particle state and the splat.
pub fn splat_source(func: &Function, code: crate::gpu::ExprCode) -> String {
    let common = super::COMMON_SHADER
        .replace("var<uniform> view: View;", "var<storage, read> view: View;")
        .replace(
            "var<uniform> cmap: array<vec4<f32>, 256>;",
            "var<storage, read> cmap: array<vec4<f32>, 256>;",
        );
    crate::gpu::compose(&[
        &crate::gpu::expr::source(func, code),
        &common,
        super::particles::PARTICLE_STATE,
        SPLAT_SHADER,
    ])
}

/// Whether the layered path can draw `engine`'s particles in `panels` panels.
pub fn supports(ctx: &Context, engine: &ParticleEngine, panels: usize) -> bool {
    let cfg = engine.config();
    let proj = panels as u64 * engine.count() as u64 * (cfg.trail_len as u64 + 2) * PROJ_BYTES;
    engine.chunks().len() == 1
        && engine.count() <= MAX_PARTICLES
        && proj <= ctx.max_binding_bytes()
        && panels <= 2
}

fn storage(binding: u32, vis: wgpu::ShaderStages, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: vis,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn uniform(binding: u32, vis: wgpu::ShaderStages, size: u64) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: vis,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: wgpu::BufferSize::new(size),
        },
        count: None,
    }
}

impl LayerPipelines {
    pub fn new(
        ctx: &Context,
        func: &Function,
        format: wgpu::TextureFormat,
    ) -> Result<LayerPipelines> {
        let cs = wgpu::ShaderStages::COMPUTE;
        let splat_layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("layers::splat_layout"),
                entries: &[
                    storage(0, cs, true),
                    storage(1, cs, true),
                    storage(2, cs, true),
                    storage(3, cs, true),
                    storage(4, cs, true),
                    storage(5, cs, false),
                    storage(6, cs, false),
                    storage(7, cs, false),
                    storage(8, cs, false),
                    storage(9, cs, true),
                    crate::gpu::expr::tape_entry(cs),
                ],
            });
        let src = splat_source(func, ctx.expr_code);
        let m = ctx.shader("layers::splat", &src)?;
        let pl = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("layers::splat"),
                // One group per dispatch: the panel's view and colormap
                // (the same buffers as the render passes' group 0) and the layer.
                bind_group_layouts: &[Some(&splat_layout)],
                immediate_size: 0,
            });
        let splat = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("layers::splat"),
                layout: Some(&pl),
                module: &m,
                entry_point: Some("splat"),
                compilation_options: Default::default(),
                cache: None,
            });
        let fs = wgpu::ShaderStages::FRAGMENT;
        let vfs = wgpu::ShaderStages::VERTEX_FRAGMENT;
        let composite_layout =
            ctx.device
                .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("layers::composite_layout"),
                    entries: &[
                        uniform(0, vfs, std::mem::size_of::<CompositeUniform>() as u64),
                        wgpu::BindGroupLayoutEntry {
                            binding: 1,
                            visibility: fs,
                            ty: wgpu::BindingType::Texture {
                                sample_type: wgpu::TextureSampleType::Float { filterable: false },
                                view_dimension: wgpu::TextureViewDimension::D2,
                                multisampled: false,
                            },
                            count: None,
                        },
                        storage(2, fs, true),
                        storage(3, fs, true),
                        storage(4, vfs, true),
                        storage(5, vfs, true),
                        storage(6, fs, true),
                    ],
                });
        // The composite does not depend on the function: no per-expression compile.
        let src = crate::gpu::compose(&[super::particles::PARTICLE_STATE, COMPOSITE_SHADER]);
        let cm = ctx.shader("layers::composite", &src)?;
        let pl = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("layers::composite"),
                bind_group_layouts: &[Some(&composite_layout)],
                immediate_size: 0,
            });
        let pipeline = |label, vs, fs, topology| {
            ctx.device
                .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some(label),
                    layout: Some(&pl),
                    vertex: wgpu::VertexState {
                        module: &cm,
                        entry_point: Some(vs),
                        compilation_options: Default::default(),
                        buffers: &[],
                    },
                    fragment: Some(wgpu::FragmentState {
                        module: &cm,
                        entry_point: Some(fs),
                        compilation_options: Default::default(),
                        targets: &[Some(wgpu::ColorTargetState {
                            format,
                            blend: None,
                            write_mask: wgpu::ColorWrites::ALL,
                        })],
                    }),
                    primitive: wgpu::PrimitiveState {
                        topology,
                        ..Default::default()
                    },
                    depth_stencil: None,
                    multisample: Default::default(),
                    multiview_mask: None,
                    cache: None,
                })
        };
        let composite = pipeline(
            "layers::composite",
            "vs_tile",
            "fs",
            wgpu::PrimitiveTopology::TriangleStrip,
        );
        let composite_background = pipeline(
            "layers::composite_background",
            "vs",
            "fs_background",
            wgpu::PrimitiveTopology::TriangleList,
        );
        Ok(LayerPipelines {
            splat,
            splat_layout,
            composite,
            composite_background,
            composite_layout,
            format,
            tape: crate::gpu::expr::tape_buffer(ctx, func),
        })
    }
}

/// What the trail layer holds.
#[derive(Clone, Copy, Debug, Default)]
struct TrailState {
    /// Samples up to this one are splatted; None: the layer is empty.
    last: Option<u32>,
    epoch: u32,
}

/// Per-target-size resources and the cache keys of what they hold.
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub background_view: wgpu::TextureView,
    pub depth_view: wgpu::TextureView,
    depth: wgpu::Texture,
    depth_copy: wgpu::Buffer,
    depth_row: u32,
    trail_px: wgpu::Buffer,
    head_px: wgpu::Buffer,
    dot_px: wgpu::Buffer,
    layer_uniforms: Vec<wgpu::Buffer>,
    splat_binds: Vec<wgpu::BindGroup>,
    composite_uniform: wgpu::Buffer,
    composite_bind: wgpu::BindGroup,
    /// What the background was drawn from; None: not drawn yet.
    background_key: Option<Vec<u8>>,
    trail: TrailState,
}

/// A width × height 2D texture of `format` (one mip, one sample).
pub(crate) fn target_texture(
    ctx: &Context,
    label: &str,
    format: wgpu::TextureFormat,
    [width, height]: [u32; 2],
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

fn buf(b: &wgpu::Buffer, binding: u32) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: b.as_entire_binding(),
    }
}

fn pixel_buffer(ctx: &Context, label: &str, pixels: u64) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: (pixels * 4).max(4),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

impl Frame {
    /// Resources for a width × height target drawing `engine`'s particles.
    pub fn new(
        ctx: &Context,
        pipes: &LayerPipelines,
        engine: Option<&ParticleEngine>,
        views: &[&wgpu::Buffer],
        cmap: &wgpu::Buffer,
        width: u32,
        height: u32,
    ) -> Frame {
        let panels = views.len();
        let size = [width, height];
        let background = target_texture(
            ctx,
            "layers::background",
            pipes.format,
            size,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        );
        let depth = target_texture(
            ctx,
            "layers::depth",
            DEPTH_FORMAT,
            size,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        );
        let background_view = background.create_view(&Default::default());
        let depth_view = depth.create_view(&Default::default());
        let pixels = width as u64 * height as u64;
        let depth_row = width.next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT / 4);
        let depth_copy = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("layers::depth_copy"),
            size: depth_row as u64 * height as u64 * 4,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        // Winners, then per-pixel counts of the segments through each pixel,
        // then one flag per tile (heads and discs share head_px's flags).
        let tiles = tiles(width, height) as u64;
        let trail_px = pixel_buffer(ctx, "layers::trail_px", 2 * pixels + tiles);
        let head_px = pixel_buffer(ctx, "layers::head_px", pixels + tiles);
        let dot_px = pixel_buffer(ctx, "layers::dot_px", pixels);
        let (count, slots) = engine
            .map(|e| (e.count() as u64, e.config().trail_len as u64 + 2))
            .unwrap_or((0, 2));
        let proj = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("layers::proj"),
            size: (panels as u64 * count * slots * PROJ_BYTES).max(PROJ_BYTES),
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        // No engine: a one-particle-sized dummy so the bind groups are complete.
        let dummy = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("layers::no_particles"),
            size: crate::gpu::particles::PARTICLE_BYTES,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let (particles, trails) = match engine.and_then(|e| e.chunks().first()) {
            Some(c) => (&c.particles, &c.trails),
            None => (&dummy, &dummy),
        };
        let layer_uniforms: Vec<wgpu::Buffer> = (0..panels)
            .map(|i| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&format!("layers::layer[{i}]")),
                    size: std::mem::size_of::<LayerUniform>() as u64,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            })
            .collect();
        let splat_binds = layer_uniforms
            .iter()
            .zip(views)
            .map(|(u, v)| {
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("layers::splat_bind"),
                    layout: &pipes.splat_layout,
                    entries: &[
                        buf(v, 0),
                        buf(cmap, 1),
                        buf(u, 2),
                        buf(particles, 3),
                        buf(trails, 4),
                        buf(&proj, 5),
                        buf(&trail_px, 6),
                        buf(&head_px, 7),
                        buf(&dot_px, 8),
                        buf(&depth_copy, 9),
                        crate::gpu::expr::tape_binding(&pipes.tape),
                    ],
                })
            })
            .collect();
        let composite_uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("layers::composite"),
            size: std::mem::size_of::<CompositeUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let composite_bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("layers::composite_bind"),
            layout: &pipes.composite_layout,
            entries: &[
                buf(&composite_uniform, 0),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&background_view),
                },
                buf(particles, 2),
                buf(&proj, 3),
                buf(&trail_px, 4),
                buf(&head_px, 5),
                buf(&dot_px, 6),
            ],
        });
        Frame {
            width,
            height,
            background_view,
            depth_view,
            depth,
            depth_copy,
            depth_row,
            trail_px,
            head_px,
            dot_px,
            layer_uniforms,
            splat_binds,
            composite_uniform,
            composite_bind,
            background_key: None,
            trail: TrailState::default(),
        }
    }

    /// Whether the background must be redrawn for `key`; remembers `key`.
    pub fn background_stale(&mut self, key: Vec<u8>) -> bool {
        if self.background_key.as_ref() == Some(&key) {
            return false;
        }
        self.background_key = Some(key);
        self.trail.last = None;
        true
    }

    /// Copies the background's depth where the splat reads it; call after
    /// drawing the background.
    pub fn copy_depth(&self, enc: &mut wgpu::CommandEncoder) {
        enc.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.depth,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::DepthOnly,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.depth_copy,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.depth_row * 4),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
    }

    /// Records the splat of the particles' newest segments, heads and discs
    /// (rebuilding the trail layer first when it is stale) and the composition
    /// of the frame into `target`.
    #[allow(clippy::too_many_arguments)]
    pub fn encode(
        &mut self,
        ctx: &Context,
        pipes: &LayerPipelines,
        enc: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        lay: &Layout,
        engine: Option<&ParticleEngine>,
        steps_done: u32,
        radius: f32,
        timer: Option<&crate::gpu::timer::GpuTimer>,
    ) {
        let mark = |enc: &mut wgpu::CommandEncoder, label| {
            if let Some(t) = timer {
                t.mark(enc, label);
            }
        };
        mark(enc, "splat");
        let (count, len, stride) = engine
            .map(|e| {
                let c = e.config();
                (e.count(), c.trail_len, c.trail_stride.max(1))
            })
            .unwrap_or((0, 0, 1));
        let newest = steps_done / stride;
        // The trail layer: rebuilt when empty, when the recency field would
        // overflow, and every 2 × trail length samples (so trails of
        // particles that stopped, hidden under newer ones that have since
        // faded, come back).
        let from = match self.trail.last {
            Some(last)
                if last <= newest
                    && newest - self.trail.epoch < MAX_RECENCY
                    && newest - self.trail.epoch <= 2 * len + 8 =>
            {
                last
            }
            _ => {
                enc.clear_buffer(&self.trail_px, 0, None);
                self.trail.epoch = newest.saturating_sub(len);
                NONE
            }
        };
        self.trail.last = Some(newest);
        enc.clear_buffer(&self.head_px, 0, None);
        enc.clear_buffer(&self.dot_px, 0, None);
        let size = [self.width, self.height];
        let clips: Vec<[u32; 4]> = lay
            .panels
            .iter()
            .map(|p| {
                let [x, y, w, h] = p.rect;
                let [x0, y0, x1, y1] = match p.kind {
                    PanelKind::ThreeD => [x, y, x + w, y + h],
                    PanelKind::TwoD => {
                        let [px, py, pw, ph] = p.plot_px();
                        [
                            x + px,
                            y + py,
                            x + px + pw.min(w.saturating_sub(px)),
                            y + py + ph.min(h.saturating_sub(py)),
                        ]
                    }
                };
                let (x1, y1) = (x1.min(self.width), y1.min(self.height));
                [x0.min(x1), y0.min(y1), x1, y1]
            })
            .collect();
        if count > 0 {
            for (i, p) in lay.panels.iter().enumerate() {
                let u = LayerUniform {
                    clip: clips[i],
                    origin: [p.rect[0], p.rect[1]],
                    size,
                    count,
                    trail_len: len,
                    trail_stride: stride,
                    panel: i as u32,
                    from_sample: from,
                    epoch: self.trail.epoch,
                    depth_test: (p.kind == PanelKind::ThreeD) as u32,
                    radius,
                    depth_row: self.depth_row,
                    _pad0: 0,
                    _pad1: 0,
                    _pad2: 0,
                };
                ctx.queue
                    .write_buffer(&self.layer_uniforms[i], 0, bytemuck::bytes_of(&u));
            }
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("layers::splat"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipes.splat);
            for (i, p) in lay.panels.iter().enumerate() {
                if p.rect[2] == 0 || p.rect[3] == 0 {
                    continue;
                }
                pass.set_bind_group(0, &self.splat_binds[i], &[]);
                pass.dispatch_workgroups(count.div_ceil(64), 1, 1);
            }
        }
        let mut clip = [[0u32; 4]; 2];
        for (c, k) in clip.iter_mut().zip(&clips) {
            *c = *k;
        }
        let cu = CompositeUniform {
            clip,
            size,
            panels: if count > 0 { clips.len() as u32 } else { 0 },
            count,
            trail_len: len,
            trail_stride: stride,
            epoch: self.trail.epoch,
            radius,
        };
        ctx.queue
            .write_buffer(&self.composite_uniform, 0, bytemuck::bytes_of(&cu));
        mark(enc, "composite");
        let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("layers::composite"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, &self.composite_bind, &[]);
        pass.set_pipeline(&pipes.composite_background);
        pass.draw(0..3, 0..1);
        if cu.panels > 0 {
            pass.set_pipeline(&pipes.composite);
            pass.draw(0..4, 0..tiles(self.width, self.height));
        }
    }
}
