//! The 3D surface pass (shaders/render_surface.wgsl): a res × res grid mesh
//! whose vertices the vertex stage lifts to z = h(f(x, y)); depth tested and written.

use super::{module, pipeline, Shared};
use crate::error::Result;
use crate::gpu::Context;
use crate::Function;
use bytemuck::{Pod, Zeroable};

pub const SHADER: &str = include_str!("../../shaders/render_surface.wgsl");

/// WGSL twin: `Mesh` in `shaders/render_surface.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct MeshUniform {
    pub res: u32,
    pub _pad: [u32; 3],
}
const _: () = assert!(std::mem::size_of::<MeshUniform>() == 16);

pub struct SurfacePass {
    pipeline: wgpu::RenderPipeline,
    bind: wgpu::BindGroup,
    res: u32,
}

impl SurfacePass {
    pub fn new(
        ctx: &Context,
        func: &Function,
        shared: &Shared,
        format: wgpu::TextureFormat,
        res: u32,
    ) -> Result<Self> {
        use wgpu::util::DeviceExt;
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("render::surface_layout"),
                entries: &[crate::gpu::sized_entry(
                    0,
                    wgpu::ShaderStages::VERTEX,
                    wgpu::BufferBindingType::Uniform,
                    std::mem::size_of::<MeshUniform>() as u64,
                )],
            });
        let res = res.max(2);
        let buf = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("render::surface_mesh"),
                contents: bytemuck::bytes_of(&MeshUniform { res, _pad: [0; 3] }),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("render::surface_bind"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: buf.as_entire_binding(),
            }],
        });
        let m = module(ctx, func, "render::surface", &[SHADER])?;
        let pipeline = pipeline(
            ctx,
            "render::surface",
            &m,
            shared,
            &[&layout],
            format,
            false,
            true,
            wgpu::CompareFunction::Less,
        );
        Ok(SurfacePass {
            pipeline,
            bind,
            res,
        })
    }

    pub fn encode(&self, pass: &mut wgpu::RenderPass<'_>, view: &wgpu::BindGroup) {
        pass.push_debug_group("surface");
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, view, &[]);
        pass.set_bind_group(1, &self.bind, &[]);
        let n = self.res - 1;
        pass.draw(0..6 * n * n, 0..1);
        pass.pop_debug_group();
    }
}
