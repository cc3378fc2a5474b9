//! Where a frame's GPU time goes: timestamps written between the frame's
//! passes (`write_timestamp` in the command encoder), read back after the
//! frame, as milliseconds per named span.
//!
//! Needs the adapter's TIMESTAMP_QUERY and TIMESTAMP_QUERY_INSIDE_ENCODERS
//! features ([`Context`] asks for them where they exist); without them
//! [`GpuTimer::new`] is None and callers time whole frames on the CPU.

use super::Context;
use crate::error::Result;
use std::sync::Mutex;

/// Timestamps per frame at most.
const SLOTS: u32 = 32;

/// Timestamp queries for one frame at a time.
pub struct GpuTimer {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    /// Labels of the spans started so far this frame, by slot.
    marks: Mutex<Vec<&'static str>>,
    /// Nanoseconds per timestamp tick.
    period: f64,
}

/// Milliseconds per span of one frame, in the order they ran.
pub type Spans = Vec<(&'static str, f64)>;

impl GpuTimer {
    /// None when the adapter cannot write timestamps inside an encoder.
    pub fn new(ctx: &Context) -> Option<GpuTimer> {
        let need =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        if !ctx.device.features().contains(need) {
            return None;
        }
        let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("timer::queries"),
            ty: wgpu::QueryType::Timestamp,
            count: SLOTS,
        });
        let resolve = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timer::resolve"),
            size: SLOTS as u64 * 8,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Some(GpuTimer {
            set,
            resolve,
            marks: Mutex::new(Vec::new()),
            period: ctx.queue.get_timestamp_period() as f64,
        })
    }

    /// Ends the previous span (if any) and starts `label` here in `enc`.
    pub fn mark(&self, enc: &mut wgpu::CommandEncoder, label: &'static str) {
        let mut m = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        if (m.len() as u32) < SLOTS {
            enc.write_timestamp(&self.set, m.len() as u32);
            m.push(label);
        }
    }

    /// Ends the frame's last span and copies the timestamps out; call once
    /// per frame after the last pass, then [`GpuTimer::read`] after submitting.
    pub fn finish(&self, enc: &mut wgpu::CommandEncoder) {
        self.mark(enc, "");
        let n = self.marks.lock().unwrap_or_else(|e| e.into_inner()).len() as u32;
        enc.resolve_query_set(&self.set, 0..n, &self.resolve, 0);
    }

    /// The spans of the frame [`GpuTimer::finish`] closed (blocking read);
    /// starts the next frame.
    pub fn read(&self, ctx: &Context) -> Result<Spans> {
        let marks = std::mem::take(&mut *self.marks.lock().unwrap_or_else(|e| e.into_inner()));
        if marks.len() < 2 {
            return Ok(Vec::new());
        }
        let bytes = ctx.read_buffer(&self.resolve, 0, marks.len() as u64 * 8)?;
        let ticks: &[u64] = bytemuck::cast_slice(&bytes);
        Ok(marks
            .windows(2)
            .zip(ticks.windows(2))
            .map(|(m, t)| (m[0], t[1].saturating_sub(t[0]) as f64 * self.period * 1e-6))
            .collect())
    }
}
