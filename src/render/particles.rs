//! Particles and trails (shaders/render_particles.wgsl, render_trails.wgsl),
//! drawn straight from the particle engine's chunk buffers: one bind group and
//! one instanced draw per chunk, so millions of particles need no copies.

use super::{module, pipeline, pipeline_topology, Shared};
use crate::error::Result;
use crate::gpu::{Context, ParticleEngine};
use crate::Function;
use bytemuck::{Pod, Zeroable};

pub const PARTICLE_STATE: &str = include_str!("../../shaders/particle_state.wgsl");
pub const CHUNK_SHADER: &str = include_str!("../../shaders/render_chunk.wgsl");
pub const SHADER: &str = include_str!("../../shaders/render_particles.wgsl");
pub const TRAILS_SHADER: &str = include_str!("../../shaders/render_trails.wgsl");

/// Per-chunk uniform; WGSL twin: `Chunk` in `shaders/render_chunk.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ChunkUniform {
    pub count: u32,
    pub trail_len: u32,
    pub trail_stride: u32,
    pub _pad: u32,
}
const _: () = assert!(std::mem::size_of::<ChunkUniform>() == 16);
const _: () = assert!(std::mem::offset_of!(ChunkUniform, trail_stride) == 8);

pub struct ParticlesPass {
    points: wgpu::RenderPipeline,
    trails: Option<wgpu::RenderPipeline>,
    binds: Vec<(u32, wgpu::BindGroup)>,
    trail_len: u32,
}

impl ParticlesPass {
    pub fn new(
        ctx: &Context,
        func: &Function,
        shared: &Shared,
        format: wgpu::TextureFormat,
        engine: &ParticleEngine,
    ) -> Result<Self> {
        use wgpu::util::DeviceExt;
        let entry = |binding, ty, min_size| {
            crate::gpu::sized_entry(binding, wgpu::ShaderStages::VERTEX, ty, min_size)
        };
        let ro = wgpu::BufferBindingType::Storage { read_only: true };
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("render::chunk_layout"),
                entries: &[
                    entry(
                        0,
                        wgpu::BufferBindingType::Uniform,
                        std::mem::size_of::<ChunkUniform>() as u64,
                    ),
                    entry(1, ro, crate::gpu::particles::PARTICLE_BYTES),
                    entry(2, ro, crate::gpu::particles::TRAIL_POINT_BYTES),
                ],
            });
        let cfg = engine.config();
        let trail_len = cfg.trail_len;
        let binds = engine
            .chunks()
            .iter()
            .map(|c| {
                let u = ChunkUniform {
                    count: c.count,
                    trail_len: trail_len.max(1),
                    trail_stride: cfg.trail_stride.max(1),
                    _pad: 0,
                };
                let ubuf = ctx
                    .device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("render::chunk"),
                        contents: bytemuck::bytes_of(&u),
                        usage: wgpu::BufferUsages::UNIFORM,
                    });
                let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("render::chunk_bind"),
                    layout: &layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: ubuf.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: c.particles.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: c.trails.as_entire_binding(),
                        },
                    ],
                });
                (c.count, bind)
            })
            .collect();
        let m = module(
            ctx,
            func,
            "render::particles",
            &[PARTICLE_STATE, CHUNK_SHADER, SHADER],
        )?;
        let points = pipeline(
            ctx,
            "render::particles",
            &m,
            shared,
            &[&layout],
            format,
            true,
            false,
            wgpu::CompareFunction::LessEqual,
        );
        let trails = if trail_len > 0 {
            let m = module(
                ctx,
                func,
                "render::trails",
                &[PARTICLE_STATE, CHUNK_SHADER, TRAILS_SHADER],
            )?;
            Some(pipeline_topology(
                ctx,
                "render::trails",
                &m,
                shared,
                &[&layout],
                format,
                true,
                (false, wgpu::CompareFunction::LessEqual),
                wgpu::PrimitiveTopology::TriangleStrip,
            ))
        } else {
            None
        };
        Ok(ParticlesPass {
            points,
            trails,
            binds,
            trail_len,
        })
    }

    /// Trails of every chunk, then the points of every chunk (points on top).
    pub fn encode(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        view: &wgpu::BindGroup,
        _engine: &ParticleEngine,
    ) {
        if let Some(t) = &self.trails {
            pass.push_debug_group("trails");
            pass.set_pipeline(t);
            pass.set_bind_group(0, view, &[]);
            for (count, bind) in &self.binds {
                pass.set_bind_group(1, bind, &[]);
                // One strip per particle: two vertices per trail point and
                // the current position (see shaders/render_trails.wgsl).
                pass.draw(0..2 * (self.trail_len + 1), 0..*count);
            }
            pass.pop_debug_group();
        }
        pass.push_debug_group("particles");
        pass.set_pipeline(&self.points);
        pass.set_bind_group(0, view, &[]);
        for (count, bind) in &self.binds {
            pass.set_bind_group(1, bind, &[]);
            pass.draw(0..6, 0..*count);
        }
        pass.pop_debug_group();
    }
}
