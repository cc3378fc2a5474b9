//! How a pipeline gets the expression: compiled into its WGSL, or interpreted
//! from a tape in a storage buffer (see [`crate::expr::interp`]).
//!
//! Every pipeline that evaluates f declares the tape at
//! `@group(0) @binding(TAPE_BINDING)` in its layout and bind group whichever
//! way it evaluates f (a compiled shader simply does not read it), so a
//! compiled pipeline can replace an interpreted one under the same bind group:
//! a new expression is drawn at once by the interpreter, and the specialised
//! pipeline takes over when a worker thread has compiled it.

use crate::expr::interp::GpuTape;
use crate::expr::Function;
use crate::gpu::Context;

/// The binding of the tape in group 0 of every expression pipeline; high so
/// that it never meets a pass's own bindings.
pub const TAPE_BINDING: u32 = 15;

/// How f is evaluated in a pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExprCode {
    /// The expression spliced into the WGSL: fastest per evaluation, but each
    /// new expression is a new module (about a second of LLVM on lavapipe).
    Compiled,
    /// One module for every expression, reading the tape: no compilation per
    /// expression, slower per evaluation.
    Interpreted,
}

impl ExprCode {
    pub fn name(self) -> &'static str {
        match self {
            ExprCode::Compiled => "compiled",
            ExprCode::Interpreted => "interpreted",
        }
    }

    /// `self`, or Compiled where the function does not fit the interpreter.
    pub fn for_function(self, func: &Function) -> ExprCode {
        match self {
            ExprCode::Interpreted if func.gpu_tape().is_none() => ExprCode::Compiled,
            c => c,
        }
    }
}

/// The code new contexts start with ([`Context::expr_code`]): the binary sets
/// it per command before it makes a context.
static DEFAULT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Sets the code contexts made from now on start with.
pub fn set_default(code: ExprCode) {
    DEFAULT.store(code as u8, std::sync::atomic::Ordering::Relaxed);
}

/// The code contexts start with (Compiled unless [`set_default`] said otherwise).
pub fn default_code() -> ExprCode {
    match DEFAULT.load(std::sync::atomic::Ordering::Relaxed) {
        0 => ExprCode::Compiled,
        _ => ExprCode::Interpreted,
    }
}

static SPECIALIZE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Lets long-running interpreted work (record, the viewer) replace its
/// particle kernel with a compiled one built on a worker thread.
pub fn set_specialize(on: bool) {
    SPECIALIZE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// See [`set_specialize`].
pub fn specialize() -> bool {
    SPECIALIZE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The WGSL defining f and its derivatives for `code`.
pub fn source(func: &Function, code: ExprCode) -> String {
    match code.for_function(func) {
        ExprCode::Compiled => func.wgsl(),
        ExprCode::Interpreted => crate::expr::interp::source(0, TAPE_BINDING),
    }
}

/// The layout entry for the tape.
pub fn tape_entry(visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    super::buffer_entry(
        TAPE_BINDING,
        visibility,
        wgpu::BufferBindingType::Storage { read_only: true },
    )
}

/// Bytes a tape buffer holds at least, so that a new function of up to 4096
/// instructions (f with its derivatives) replaces the old one in place.
pub const TAPE_CAPACITY: u64 = 4096 * 16;

/// The function's tape in a storage buffer of at least [`TAPE_CAPACITY`]
/// bytes (a header of zeros where the function does not fit the interpreter:
/// its pipelines are compiled and never read it).
pub fn tape_buffer(ctx: &Context, func: &Function) -> wgpu::Buffer {
    let words = func
        .gpu_tape()
        .map(|t| t.words)
        .unwrap_or_else(|| vec![[0u32; 4]; 3]);
    let bytes: &[u8] = bytemuck::cast_slice(&words);
    let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("expr::tape"),
        size: (bytes.len() as u64).max(TAPE_CAPACITY),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    ctx.queue.write_buffer(&buffer, 0, bytes);
    buffer
}

/// Writes `tape` into `buffer` for the pipelines that interpret it; false
/// (and nothing written) when it does not fit the buffer.
pub fn write_tape(ctx: &Context, buffer: &wgpu::Buffer, tape: &GpuTape) -> bool {
    if tape.bytes().len() as u64 > buffer.size() {
        return false;
    }
    ctx.queue.write_buffer(buffer, 0, tape.bytes());
    true
}

/// The bind group entry for the tape.
pub fn tape_binding(buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding: TAPE_BINDING,
        resource: buffer.as_entire_binding(),
    }
}
