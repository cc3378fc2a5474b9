//! Device creation: the best adapter there is, falling back to a software one
//! (Mesa's lavapipe), with the limits raised to what the adapter allows.

use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A device and queue with a description of the adapter behind them.
pub struct Context {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    /// How new pipelines evaluate f (see [`crate::gpu::expr`]); the binary
    /// sets it per command.
    pub expr_code: crate::gpu::ExprCode,
    /// The first error wgpu raised outside an error scope, or the reason the
    /// device was lost. wgpu's default is to panic; we keep the message and
    /// [`Context::wait`] returns it as an error instead.
    failure: Arc<Mutex<Option<String>>>,
}

/// The longest a wait for submitted work may take before it is an error: a
/// lost or hung device must not hang the program. Generous, because the
/// software adapter (lavapipe) takes seconds for one large frame or batch.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Which adapter to use. The library never reads the environment: the binary
/// fills this from `--adapter` and the usual wgpu variables (`WGPU_BACKEND`,
/// `WGPU_POWER_PREF`, `WGPU_ADAPTER_NAME`); [`AdapterChoice::default`] is
/// every backend, the high-performance adapter, any name.
#[derive(Clone, Debug)]
pub struct AdapterChoice {
    /// The backends to look at.
    pub backends: wgpu::Backends,
    /// The adapter to prefer when no name is given.
    pub power: wgpu::PowerPreference,
    /// Use the first adapter whose name contains this (case-insensitive).
    pub name: Option<String>,
    /// Where `name` came from, for the error when nothing matches
    /// (e.g. `--adapter` or `WGPU_ADAPTER_NAME`).
    pub name_source: String,
}

impl Default for AdapterChoice {
    fn default() -> Self {
        AdapterChoice {
            backends: wgpu::Backends::all(),
            power: wgpu::PowerPreference::HighPerformance,
            name: None,
            name_source: "--adapter".into(),
        }
    }
}

impl AdapterChoice {
    /// A new instance on the chosen backends, without a display.
    pub fn instance(&self) -> wgpu::Instance {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = self.backends;
        wgpu::Instance::new(desc)
    }

    /// The adapter for this choice on `instance` (able to present to
    /// `surface` when given): the first whose name matches, else the one
    /// wgpu prefers for `power`, else a software one. A name that matches
    /// nothing is the user's error, naming every adapter there is.
    pub fn adapter(
        &self,
        instance: &wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<wgpu::Adapter> {
        let all = pollster::block_on(instance.enumerate_adapters(self.backends));
        for a in &all {
            log::debug!("adapter seen: {}", describe_info(&a.get_info()));
        }
        if let Some(want) = self.name.as_deref() {
            let lower = want.to_lowercase();
            let usable = |a: &&wgpu::Adapter| surface.is_none_or(|s| a.is_surface_supported(s));
            return match all
                .iter()
                .filter(usable)
                .find(|a| a.get_info().name.to_lowercase().contains(&lower))
            {
                Some(a) => Ok(a.clone()),
                None if all.is_empty() => Err(Error::NoAdapter),
                None => {
                    let names: Vec<String> = all
                        .iter()
                        .filter(usable)
                        .map(|a| describe_info(&a.get_info()))
                        .collect();
                    Err(Error::input(format!(
                        "{} '{want}' matches no adapter; available: {}",
                        self.name_source,
                        if names.is_empty() {
                            "none that can show the window".to_string()
                        } else {
                            names.join("; ")
                        }
                    )))
                }
            };
        }
        let request = |fallback: bool| {
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: self.power,
                force_fallback_adapter: fallback,
                compatible_surface: surface,
                apply_limit_buckets: false,
            }))
        };
        request(false)
            .or_else(|_| request(true))
            .map_err(|_| Error::NoAdapter)
    }
}

/// Every adapter `choice`'s backends offer, in wgpu's order.
pub fn list_adapters(choice: &AdapterChoice) -> Vec<wgpu::AdapterInfo> {
    let instance = choice.instance();
    pollster::block_on(instance.enumerate_adapters(choice.backends))
        .iter()
        .map(|a| a.get_info())
        .collect()
}

/// "name (backend, device type)".
pub fn describe_info(info: &wgpu::AdapterInfo) -> String {
    format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type)
}

impl Context {
    /// A headless device on the best adapter, or on a software adapter when no GPU exists.
    pub fn headless() -> Result<Context> {
        Self::headless_with(&AdapterChoice::default())
    }

    /// A headless device on the adapter `choice` picks.
    pub fn headless_with(choice: &AdapterChoice) -> Result<Context> {
        Self::with_instance(choice.instance(), None, choice)
    }

    /// A device that can present to `surface` (the viewer), on `instance`.
    pub fn with_instance(
        instance: wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
        choice: &AdapterChoice,
    ) -> Result<Context> {
        let adapter = choice.adapter(&instance, surface)?;
        let info = adapter.get_info();
        log::debug!("using {}", describe_info(&info));
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("gradfield"),
            // Timestamps where the adapter has them: per-pass GPU times
            // (gpu::timer) for the viewer's panel and `bench --case frame`.
            required_features: adapter.features()
                & (wgpu::Features::TIMESTAMP_QUERY
                    | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS),
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| Error::Gpu {
            adapter: info.name.clone(),
            message: format!("could not create a device: {e}"),
        })?;
        let failure: Arc<Mutex<Option<String>>> = Arc::default();
        let slot = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            log::debug!("wgpu error: {e}");
            let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
            s.get_or_insert_with(|| one_line(&e.to_string()));
        }));
        let slot = failure.clone();
        device.set_device_lost_callback(move |reason, msg| {
            // Dropping the device at exit also "loses" it; that is no failure.
            if reason != wgpu::DeviceLostReason::Destroyed {
                let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
                s.get_or_insert_with(|| {
                    format!("the device was lost ({reason:?}): {}", one_line(&msg))
                });
            }
        });
        Ok(Context {
            expr_code: crate::gpu::expr::default_code(),
            failure,
            instance,
            adapter,
            device,
            queue,
            info,
            limits,
        })
    }

    /// "name (backend, device type)".
    pub fn describe(&self) -> String {
        describe_info(&self.info)
    }

    /// Largest storage buffer one binding may hold, in bytes.
    pub fn max_binding_bytes(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    /// Waits for all submitted work; a lost device or an error wgpu raised
    /// meanwhile becomes an error with the adapter's name, and so does work
    /// that has not finished within [`WAIT_TIMEOUT`].
    pub fn wait(&self) -> Result<()> {
        self.wait_for(None, "the device's work")?;
        self.check()
    }

    /// Waits (at most [`WAIT_TIMEOUT`]) for `submission`, or for the latest
    /// submission when None; `what` names the work in the error.
    pub fn wait_for(&self, submission: Option<wgpu::SubmissionIndex>, what: &str) -> Result<()> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: submission,
                timeout: Some(WAIT_TIMEOUT),
            })
            .map(|_| ())
            .map_err(|e| self.gpu_error(poll_failure(&e, what, WAIT_TIMEOUT)))
    }

    /// The first GPU error raised since the device was made (validation,
    /// out of memory, device lost), as an error; Ok when there was none.
    pub fn check(&self) -> Result<()> {
        let s = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match &*s {
            Some(msg) => Err(self.gpu_error(msg.clone())),
            None => Ok(()),
        }
    }

    pub fn gpu_error(&self, message: impl Into<String>) -> Error {
        Error::Gpu {
            adapter: self.info.name.clone(),
            message: message.into(),
        }
    }

    /// Creates a shader module, turning a validation failure into an error
    /// instead of wgpu's default panic.
    pub fn shader(&self, label: &str, source: &str) -> Result<wgpu::ShaderModule> {
        crate::gpu::validate_wgsl(label, source)?;
        let t = std::time::Instant::now();
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(self.gpu_error(format!("shader {label} failed to compile: {e}")));
        }
        log::debug!(
            "shader {label}: {} bytes of WGSL compiled in {:.1} ms",
            source.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
        Ok(module)
    }

    /// Copies `size` bytes of `src` back to the CPU (blocking).
    pub fn read_buffer(&self, src: &wgpu::Buffer, offset: u64, size: u64) -> Result<Vec<u8>> {
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback::staging"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        enc.copy_buffer_to_buffer(src, offset, &staging, 0, size);
        self.queue.submit([enc.finish()]);
        map_read(self, &staging, size)
    }
}

/// The message for a wait that failed.
fn poll_failure(e: &wgpu::PollError, what: &str, timeout: Duration) -> String {
    match e {
        wgpu::PollError::Timeout => format!(
            "waiting for {what} timed out after {} s: the device is hung or lost",
            timeout.as_secs()
        ),
        e => format!("waiting for {what} failed: {}", one_line(&e.to_string())),
    }
}

/// wgpu's error texts span lines; gradfield's errors are one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Copies a 4-byte-per-texel `width` × `height` texture back to the CPU,
/// recording the copy into `enc` after whatever it already holds, submitting
/// it, and returning the rows tightly packed (the copy's 256-byte row padding removed).
pub fn read_texture(
    ctx: &Context,
    mut enc: wgpu::CommandEncoder,
    tex: &wgpu::Texture,
    width: u32,
    height: u32,
    label: &str,
) -> Result<Vec<u8>> {
    let row = width as u64 * 4;
    let align = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as u64;
    let padded = row.div_ceil(align) * align;
    let size = padded * height as u64;
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    enc.copy_texture_to_buffer(
        tex.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &staging,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded as u32),
                rows_per_image: Some(height),
            },
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    ctx.queue.submit([enc.finish()]);
    let bytes = map_read(ctx, &staging, size)?;
    let mut data = Vec::with_capacity((row * height as u64) as usize);
    for y in 0..height as u64 {
        let s = (y * padded) as usize;
        data.extend_from_slice(&bytes[s..s + row as usize]);
    }
    Ok(data)
}

/// Maps a MAP_READ buffer and copies its first `size` bytes out.
pub fn map_read(ctx: &Context, staging: &wgpu::Buffer, size: u64) -> Result<Vec<u8>> {
    let slice = staging.slice(..size);
    let (tx, rx) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    ctx.wait()?;
    rx.recv()
        .map_err(|_| ctx.gpu_error("readback callback never ran"))?
        .map_err(|e| ctx.gpu_error(format!("mapping a readback buffer failed: {e}")))?;
    let data = slice
        .get_mapped_range()
        .map_err(|e| ctx.gpu_error(format!("reading a mapped buffer failed: {e}")))?
        .to_vec();
    staging.unmap();
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timed_out_wait_says_so_in_one_line() {
        let m = poll_failure(
            &wgpu::PollError::Timeout,
            "a frame's read-back",
            Duration::from_secs(60),
        );
        assert_eq!(
            m,
            "waiting for a frame's read-back timed out after 60 s: the device is hung or lost"
        );
        let m = poll_failure(
            &wgpu::PollError::WrongSubmissionIndex(7, 3),
            "the device's work",
            WAIT_TIMEOUT,
        );
        assert!(
            m.starts_with("waiting for the device's work failed: "),
            "{m}"
        );
        assert!(m.contains('7') && !m.contains('\n'), "{m}");
    }
}
