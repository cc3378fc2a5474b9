//! The gradient-arrow pass (shaders/render_arrows.wgsl): geometry computed in
//! the vertex stage from `f_grad` at each grid point, so nothing is uploaded.

use super::{module, pipeline, Shared};
use crate::error::Result;
use crate::gpu::Context;
use crate::Function;

pub const SHADER: &str = include_str!("../../shaders/render_arrows.wgsl");

pub struct ArrowsPass {
    pipeline: wgpu::RenderPipeline,
}

impl ArrowsPass {
    pub fn new(
        ctx: &Context,
        func: &Function,
        shared: &Shared,
        format: wgpu::TextureFormat,
    ) -> Result<Self> {
        let m = module(ctx, func, "render::arrows", &[SHADER])?;
        let pipeline = pipeline(
            ctx,
            "render::arrows",
            &m,
            shared,
            &[],
            format,
            true,
            false,
            wgpu::CompareFunction::Always,
        );
        Ok(ArrowsPass { pipeline })
    }

    /// Draws `count` arrows (outlines first, then fills).
    pub fn encode(&self, pass: &mut wgpu::RenderPass<'_>, view: &wgpu::BindGroup, count: u32) {
        if count == 0 {
            return;
        }
        pass.push_debug_group("arrows");
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, view, &[]);
        pass.draw(0..9, 0..2 * count);
        pass.pop_debug_group();
    }
}
