//! A scene as a [`FrameSource`]: the renderer draws frame after frame into one
//! offscreen target, the [`GpuFrames`] ring reads them back in overlap, and
//! the CPU overlay (axes, colour bar, title) is added as in `render`.
//!
//! Frame 0 is the start state and equals `render` of the same scene with
//! `particles.steps = 0` pixel for pixel (the same passes into a target of the
//! same format, the same overlay). Before frame i > 0 the animation
//! ([`Animation::apply`]) sets the swept parameter to its value for frame i
//! and the camera's azimuth to `start + orbit·i`, then `steps_per_frame`
//! optimizer steps run.

use super::{
    open_sink, record, FrameSink, FrameSource, GpuFrames, Progress, RecordStats, SinkOptions,
};
use crate::error::{Error, Result};
use crate::gpu::Context;
use crate::image::Image;
use crate::render::layout::Layout;
use crate::render::stats::Stats;
use crate::render::{overlay, Renderer, TARGET_FORMAT};
use crate::scene::{RecordConfig, Scene, SweepParam};
use crate::Function;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Staging buffers in the read-back ring: frame k is read back while k+1 and
/// k+2 render.
pub const SLOTS: usize = 3;

/// What changes from frame to frame besides the particles.
#[derive(Clone, Debug)]
pub struct Animation {
    pub record: RecordConfig,
    /// The scene's azimuth (frame 0 without an azimuth sweep).
    azimuth: f64,
}

impl Animation {
    pub fn new(scene: &Scene) -> Animation {
        Animation {
            record: scene.record.clone(),
            azimuth: scene.camera.azimuth,
        }
    }

    /// The swept parameter's value at frame `i` (None without a sweep).
    pub fn sweep_value(&self, i: u32) -> Option<f64> {
        self.record
            .sweep
            .as_ref()
            .map(|s| s.value(i, self.record.frames))
    }

    fn set_camera(&self, s: &mut Scene, i: u32) {
        let mut az = self.azimuth;
        if let (Some(sw), Some(v)) = (&self.record.sweep, self.sweep_value(i)) {
            match sw.param {
                SweepParam::Azimuth => az = v,
                SweepParam::Elevation => s.camera.elevation = v,
                SweepParam::Distance => s.camera.distance = v,
                SweepParam::Zscale => s.camera.zscale = v,
                SweepParam::Lr | SweepParam::Momentum => {}
            }
        }
        // az + 0·orbit is az exactly: frame 0 keeps the scene's camera.
        s.camera.azimuth = az + self.record.orbit * i as f64;
    }

    /// Prepares `renderer` for frame `i`: camera, and the optimizer for the
    /// steps that lead to frame i.
    pub fn apply(&self, renderer: &mut Renderer, ctx: &Context, i: u32) -> Result<()> {
        let mut s = renderer.scene.clone();
        self.set_camera(&mut s, i);
        renderer.scene.camera = s.camera;
        if let (Some(sw), Some(v)) = (&self.record.sweep, self.sweep_value(i)) {
            if !sw.param.is_camera() {
                let mut opt = renderer.scene.optimizer()?;
                match sw.param {
                    SweepParam::Lr => opt.lr = v,
                    _ => opt.momentum = v,
                }
                renderer.set_optimizer(ctx, &opt)?;
            }
        }
        Ok(())
    }

    /// The caption for a sweep ("lr = 0.0123"), None without one.
    pub fn caption(&self, i: u32) -> Option<String> {
        let sw = self.record.sweep.as_ref()?;
        let v = self.sweep_value(i)?;
        Some(format!("{} = {}", sw.param.name(), short(v)))
    }
}

/// Four significant digits, no trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let digits = (3 - a.log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The CPU part of a frame: `render`'s overlay plus the sweep caption (bottom left).
struct Overlay {
    scene: Scene,
    stats: Stats,
    func: Function,
    layout: Layout,
}

impl Overlay {
    fn draw(&self, img: &mut Image, caption: Option<String>) {
        if self.scene.axes {
            overlay::draw(img, &self.scene, &self.stats, &self.func, &self.layout);
        }
        if let Some(text) = caption {
            let fs = self.layout.font;
            let (w, h) = crate::text::measure(&text, fs);
            // Bottom left: below the y axis's ticks, left of the x axis's labels.
            let (x, y) = (6i64, self.layout.height as i64 - h as i64 - 5);
            let bg = self.scene.theme.background();
            for yy in y - 2..y + h as i64 + 2 {
                for xx in x - 3..x + w as i64 + 3 {
                    img.blend(xx, yy, bg, 0.8);
                }
            }
            crate::text::draw(img, x, y, fs, self.scene.theme.foreground(), &text);
        }
    }
}

/// GPU frames with the overlay on top.
struct SceneFrames<'a, F> {
    gpu: GpuFrames<'a, F>,
    overlay: Overlay,
    anim: Animation,
}

impl<F> FrameSource for SceneFrames<'_, F>
where
    F: FnMut(&Context, &mut wgpu::CommandEncoder, u32) -> Result<()>,
{
    fn render(&mut self, index: u32) -> Result<Image> {
        let mut img = self.gpu.render(index)?;
        self.overlay.draw(&mut img, self.anim.caption(index));
        Ok(img)
    }
}

/// Records `scene` (its `[record]` table says how) into `sink`, which must
/// have been opened for `scene.size`. `cancel` is checked before every frame.
pub fn record_into(
    ctx: &Context,
    scene: &Scene,
    sink: Box<dyn FrameSink>,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<RecordStats> {
    if let Err(e) = scene.validate(Some(ctx.limits.max_texture_dimension_2d)) {
        sink.abort();
        return Err(e);
    }
    let anim = Animation::new(scene);
    let mut renderer = match Renderer::new(ctx, scene) {
        Ok(r) => r,
        Err(e) => {
            sink.abort();
            return Err(e);
        }
    };
    let [w, h] = scene.size;
    let overlay = Overlay {
        scene: scene.clone(),
        stats: renderer.stats.clone(),
        func: renderer.func.clone(),
        layout: Layout::new(scene, w, h),
    };
    let texture = ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("record::target"),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TARGET_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = texture.create_view(&Default::default());
    let frames = scene.record.frames;
    let steps = scene.record.steps_per_frame;
    let draw_anim = anim.clone();
    let count = renderer.engine().map_or(0, |e| e.count()) as u64;
    let work = count * steps as u64 * frames.saturating_sub(1) as u64;
    let specializer = (crate::gpu::expr::specialize() && work >= SPECIALIZE_WORK)
        .then(|| renderer.particle_specializer())
        .flatten();
    std::thread::scope(|scope| {
        // The compiled kernel builds while frame 0 (which takes no step) is
        // drawn with the interpreter, and every step of frame 1 on runs
        // compiled: the recording is the same whatever the timing.
        let mut pending = specializer.map(|s| scope.spawn(move || s.build(ctx)));
        let gpu = GpuFrames::new(ctx, &texture, frames, SLOTS, |ctx, enc, i| {
            draw_anim.apply(&mut renderer, ctx, i)?;
            if i > 0 {
                if let Some(h) = pending.take() {
                    let kernel = h.join().map_err(|_| Error::Gpu {
                        adapter: ctx.info.name.clone(),
                        message: "the kernel compiler thread panicked".into(),
                    })??;
                    renderer.install_particles(kernel);
                }
                renderer.advance_into(enc, steps);
            }
            renderer.encode(ctx, enc, &view, w, h, TARGET_FORMAT)
        });
        let mut src = SceneFrames { gpu, overlay, anim };
        record(&mut src, sink, frames, progress, cancel)
    })
}

/// Particle-steps a recording takes before it compiles its particle kernel
/// (with `--shaders interpreted`): below, the interpreter finishes about as
/// soon as the compiler would (a second of LLVM on lavapipe, where the
/// interpreter runs some 10^6–10^7 particle-steps a second).
pub const SPECIALIZE_WORK: u64 = 1 << 22;

/// Opens the sink `out` asks for and records `scene` into it.
pub fn record_scene(
    ctx: &Context,
    scene: &Scene,
    out: &Path,
    opts: &SinkOptions,
    progress: Progress,
    cancel: &AtomicBool,
) -> Result<RecordStats> {
    scene.validate(Some(ctx.limits.max_texture_dimension_2d))?;
    let sink = open_sink(out, scene.size[0], scene.size[1], scene.record.fps, opts)?;
    record_into(ctx, scene, sink, progress, cancel)
}

/// The sink options a recording of `scene` uses by default: the PNG names
/// sized for its frame count, the GIF palette from its first frames.
pub fn default_options(scene: &Scene) -> SinkOptions {
    SinkOptions {
        frames: scene.record.frames,
        palette_frames: scene.record.frames.clamp(1, 4),
        ..SinkOptions::default()
    }
}

/// Checks that a scene can be recorded before any GPU work (numbers in range,
/// sizes the format can take); errors are input errors (exit 2).
pub fn check(scene: &Scene) -> Result<()> {
    scene.validate(None)?;
    if scene.record.orbit != 0.0 && scene.view == crate::scene::View::TwoD {
        return Err(Error::input(format!(
            "record.orbit {} turns the 3D camera, but the view is 2d: use --view 3d or split",
            scene.record.orbit
        )));
    }
    if let Some(sw) = scene.record.sweep.as_ref().filter(|s| s.param.is_camera()) {
        if scene.view == crate::scene::View::TwoD {
            return Err(Error::input(format!(
                "record.sweep of {} moves the 3D camera, but the view is 2d: use --view 3d or split",
                sw.param.name()
            )));
        }
    }
    Ok(())
}
