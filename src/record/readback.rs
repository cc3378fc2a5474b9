//! GPU → CPU frame read-back that overlaps with rendering.
//!
//! [`Readback`] is a ring of staging buffers. For every frame the renderer
//! records its passes, then [`Readback::submit`] appends a copy of the target
//! texture into the next free staging buffer, submits, and starts mapping it.
//! The frame is only waited for when the ring is full (or at the end), so the
//! GPU renders frame k+1 (and k+2) while the CPU converts frame k:
//!
//! ```ignore
//! let mut rb = Readback::new(ctx, width, height, 3);
//! for i in 0..frames {
//!     let mut enc = ctx.device.create_command_encoder(&Default::default());
//!     renderer.encode(ctx, &mut enc, ...);            // draws into `texture`
//!     if let Some(img) = rb.submit(ctx, enc, &texture)? { sink(img) }
//! }
//! while let Some(img) = rb.next(ctx)? { sink(img) }
//! ```
//!
//! [`GpuFrames`] wraps that loop into a [`FrameSource`] for [`super::record`].
//! The texture must be `Rgba8Unorm` or `Rgba8UnormSrgb` with `COPY_SRC` usage.

use super::FrameSource;
use crate::error::Result;
use crate::gpu::Context;
use crate::image::Image;
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver};

/// One staging buffer in flight: the submission that fills it and the map result.
struct InFlight {
    slot: usize,
    submission: wgpu::SubmissionIndex,
    mapped: Receiver<std::result::Result<(), wgpu::BufferAsyncError>>,
}

pub struct Readback {
    width: u32,
    height: u32,
    /// Bytes per row in the staging buffers: width·4 rounded up to 256.
    padded_row: u32,
    buffers: Vec<wgpu::Buffer>,
    free: Vec<usize>,
    /// Oldest first.
    in_flight: VecDeque<InFlight>,
}

impl Readback {
    /// A ring of `slots` (at least 1; 2–3 overlap well) staging buffers for
    /// `width`×`height` RGBA8 frames.
    pub fn new(ctx: &Context, width: u32, height: u32, slots: usize) -> Readback {
        let padded_row = (width * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let slots = slots.max(1);
        let buffers = (0..slots)
            .map(|_| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("record::readback"),
                    size: padded_row as u64 * height as u64,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            })
            .collect();
        Readback {
            width,
            height,
            padded_row,
            buffers,
            free: (0..slots).rev().collect(),
            in_flight: VecDeque::new(),
        }
    }

    /// Bytes per row of the staging buffers (a multiple of 256).
    pub fn padded_bytes_per_row(&self) -> u32 {
        self.padded_row
    }

    /// Frames submitted and not yet returned.
    pub fn pending(&self) -> usize {
        self.in_flight.len()
    }

    /// Appends the copy of `texture` to `enc`, submits it and starts mapping.
    /// When the ring was full, first waits for and returns the oldest frame.
    pub fn submit(
        &mut self,
        ctx: &Context,
        mut enc: wgpu::CommandEncoder,
        texture: &wgpu::Texture,
    ) -> Result<Option<Image>> {
        let oldest = if self.free.is_empty() {
            self.next(ctx)?
        } else {
            None
        };
        let slot = self
            .free
            .pop()
            .expect("a slot is free after taking the oldest");
        enc.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.buffers[slot],
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
        let submission = ctx.queue.submit([enc.finish()]);
        let (tx, rx) = channel();
        self.buffers[slot]
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.in_flight.push_back(InFlight {
            slot,
            submission,
            mapped: rx,
        });
        Ok(oldest)
    }

    /// Waits for the oldest frame in flight (only its submission, not later
    /// ones) and returns it without the row padding; None when nothing is in flight.
    pub fn next(&mut self, ctx: &Context) -> Result<Option<Image>> {
        let Some(f) = self.in_flight.pop_front() else {
            return Ok(None);
        };
        // The slot goes back to the ring whatever happens below.
        self.free.push(f.slot);
        let r = match f.mapped.try_recv() {
            Ok(r) => r,
            Err(_) => {
                ctx.wait_for(Some(f.submission), "a frame's read-back")?;
                f.mapped
                    .recv()
                    .map_err(|_| ctx.gpu_error("a frame's read-back callback never ran"))?
            }
        };
        r.map_err(|e| ctx.gpu_error(format!("mapping a frame's read-back buffer failed: {e}")))?;
        let buffer = &self.buffers[f.slot];
        let row = self.width as usize * 4;
        let mut data = Vec::with_capacity(row * self.height as usize);
        {
            let view = buffer.slice(..).get_mapped_range().map_err(|e| {
                ctx.gpu_error(format!("reading a mapped read-back buffer failed: {e}"))
            })?;
            for y in 0..self.height as usize {
                let s = y * self.padded_row as usize;
                data.extend_from_slice(&view[s..s + row]);
            }
        }
        buffer.unmap();
        Ok(Some(Image {
            width: self.width,
            height: self.height,
            data,
        }))
    }
}

/// A [`FrameSource`] over a GPU renderer: `draw(ctx, encoder, index)` records
/// frame `index` into `texture`. Frames are drawn ahead of the one asked for
/// until every staging buffer is in flight, so the GPU renders frames k+1…
/// while frame k is read back and encoded.
pub struct GpuFrames<'a, F> {
    ctx: &'a Context,
    texture: &'a wgpu::Texture,
    readback: Readback,
    draw: F,
    frames: u32,
    /// The next frame index to draw.
    next_draw: u32,
    /// The next frame index to return.
    next_out: u32,
}

impl<'a, F> GpuFrames<'a, F>
where
    F: FnMut(&Context, &mut wgpu::CommandEncoder, u32) -> Result<()>,
{
    /// `frames` frames of `texture` (its full size), `slots` staging buffers.
    pub fn new(
        ctx: &'a Context,
        texture: &'a wgpu::Texture,
        frames: u32,
        slots: usize,
        draw: F,
    ) -> Self {
        let size = texture.size();
        GpuFrames {
            ctx,
            texture,
            readback: Readback::new(ctx, size.width, size.height, slots),
            draw,
            frames,
            next_draw: 0,
            next_out: 0,
        }
    }
}

impl<F> FrameSource for GpuFrames<'_, F>
where
    F: FnMut(&Context, &mut wgpu::CommandEncoder, u32) -> Result<()>,
{
    fn render(&mut self, index: u32) -> Result<Image> {
        if index != self.next_out || index >= self.frames {
            return Err(self.ctx.gpu_error(format!(
                "GpuFrames returns frames 0..{} in order: frame {index} asked for, {} expected",
                self.frames, self.next_out
            )));
        }
        // Fill the ring; submit never blocks while a staging buffer is free.
        while self.next_draw < self.frames && !self.readback.free.is_empty() {
            let mut enc = self
                .ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("record::frame"),
                });
            (self.draw)(self.ctx, &mut enc, self.next_draw)?;
            self.next_draw += 1;
            let early = self.readback.submit(self.ctx, enc, self.texture)?;
            debug_assert!(early.is_none());
        }
        let img = self.readback.next(self.ctx)?.ok_or_else(|| {
            self.ctx
                .gpu_error("no frame came back from the read-back ring")
        })?;
        self.next_out += 1;
        Ok(img)
    }
}
