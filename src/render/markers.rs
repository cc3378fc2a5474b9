//! Critical-point markers (shaders/render_markers.wgsl).

use super::{module, pipeline, Shared};
use crate::analysis::Kind;
use crate::error::Result;
use crate::gpu::Context;
use crate::Function;

pub const SHADER: &str = include_str!("../../shaders/render_markers.wgsl");
/// Most markers drawn.
pub const MAX_MARKERS: usize = 1024;

/// Kind id as the shader reads it (1 minimum, 2 maximum, 3 saddle, 4 other).
pub fn kind_id(k: Kind) -> f32 {
    match k {
        Kind::Minimum => 1.0,
        Kind::Maximum => 2.0,
        Kind::Saddle => 3.0,
        _ => 4.0,
    }
}

pub struct MarkersPass {
    pipeline: wgpu::RenderPipeline,
    buffer: wgpu::Buffer,
    bind: wgpu::BindGroup,
    count: u32,
}

impl MarkersPass {
    pub fn new(
        ctx: &Context,
        func: &Function,
        shared: &Shared,
        format: wgpu::TextureFormat,
    ) -> Result<Self> {
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("render::markers_layout"),
                entries: &[crate::gpu::sized_entry(
                    0,
                    wgpu::ShaderStages::VERTEX,
                    wgpu::BufferBindingType::Storage { read_only: true },
                    16, // one marker: vec4<f32>
                )],
            });
        let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("render::markers"),
            size: (MAX_MARKERS * 16) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("render::markers_bind"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: buffer.as_entire_binding(),
            }],
        });
        let m = module(ctx, func, "render::markers", &[SHADER])?;
        let pipeline = pipeline(
            ctx,
            "render::markers",
            &m,
            shared,
            &[&layout],
            format,
            true,
            false,
            wgpu::CompareFunction::LessEqual,
        );
        Ok(MarkersPass {
            pipeline,
            buffer,
            bind,
            count: 0,
        })
    }

    /// Replaces the markers (at most MAX_MARKERS; non-finite points are dropped).
    pub fn set(&mut self, ctx: &Context, points: &[(f64, f64, Kind)]) {
        let data: Vec<[f32; 4]> = points
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .take(MAX_MARKERS)
            .map(|&(x, y, k)| [x as f32, y as f32, kind_id(k), 0.0])
            .collect();
        if !data.is_empty() {
            ctx.queue
                .write_buffer(&self.buffer, 0, bytemuck::cast_slice(&data));
        }
        self.count = data.len() as u32;
    }

    pub fn encode(&self, pass: &mut wgpu::RenderPass<'_>, view: &wgpu::BindGroup) {
        if self.count == 0 {
            return;
        }
        pass.push_debug_group("markers");
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, view, &[]);
        pass.set_bind_group(1, &self.bind, &[]);
        pass.draw(0..6, 0..self.count);
        pass.pop_debug_group();
    }
}
