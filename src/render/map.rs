//! The 2D heatmap + contour pass (shaders/render_map.wgsl).

use super::{module, pipeline, Shared};
use crate::error::Result;
use crate::gpu::Context;
use crate::Function;

pub const SHADER: &str = include_str!("../../shaders/render_map.wgsl");

pub struct MapPass {
    pipeline: wgpu::RenderPipeline,
}

impl MapPass {
    pub fn new(
        ctx: &Context,
        func: &Function,
        shared: &Shared,
        format: wgpu::TextureFormat,
    ) -> Result<Self> {
        let m = module(ctx, func, "render::map", &[SHADER])?;
        let pipeline = pipeline(
            ctx,
            "render::map",
            &m,
            shared,
            &[],
            format,
            false,
            false,
            wgpu::CompareFunction::Always,
        );
        Ok(MapPass { pipeline })
    }

    pub fn encode(&self, pass: &mut wgpu::RenderPass<'_>, view: &wgpu::BindGroup) {
        pass.push_debug_group("map");
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, view, &[]);
        pass.draw(0..3, 0..1);
        pass.pop_debug_group();
    }
}
