//! The winit application: window, surface, frame pacing, and the frame itself
//! (egui panel → state changes → renderer rebuild or uniform update → particle
//! steps → scene into an offscreen texture → egui onto the surface).
//!
//! The scene is drawn into its own Rgba8Unorm texture the size of the view in
//! physical pixels, shown by egui as an image; a screenshot reads that texture
//! back, so it is exactly what the window shows (plus the CPU axes that
//! `render` draws, where the window draws them with egui). A recording
//! ([`super::recorder`]) takes the same pixels every frame, after the frame's
//! GPU work, and hands them to its encoder thread.

use super::blit::Blit;
use super::input::Action;
use super::recorder::{self, RecordInfo, Recorder};
use super::state::{rebuild_kind, Rebuild, ViewerState};
use super::{input, overlay, panel, ViewArgs};
use anyhow::{Context as _, Result};
use gradfield::analysis::critical::{find_critical, CriticalOptions};
use gradfield::gpu::Context;
use gradfield::image::Image;
use gradfield::render::layout::Layout;
use gradfield::render::stats::Stats;
use gradfield::render::{Renderer, TARGET_FORMAT};
use gradfield::scene::{Marker, Scene};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

/// The font the CPU overlay uses, as egui's fallback.
const DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

pub fn run(args: ViewArgs, scene: Scene, size: [u32; 2]) -> Result<()> {
    let event_loop = EventLoop::new().context(
        "cannot open a window: no display (set DISPLAY or WAYLAND_DISPLAY, or run under xvfb-run)",
    )?;
    let mut app = App::new(args, scene, size);
    event_loop.run_app(&mut app)?;
    if let Some(e) = app.error.take() {
        // Dropping the recorder aborts it: no partial file.
        drop(app.recorder.take());
        return Err(e);
    }
    // The window closed (or q) while recording: the file is finished, not lost.
    if let Some(r) = app.recorder.take() {
        let done = r.finish()?;
        eprintln!("{}", done.describe());
    }
    Ok(())
}

/// The offscreen texture the scene is drawn into (screenshots and
/// recordings read it back) and its blit onto the window.
struct SceneTarget {
    tex: wgpu::Texture,
    view: wgpu::TextureView,
    blit: wgpu::BindGroup,
    size: [u32; 2],
    /// Top-left corner in window pixels.
    origin: [u32; 2],
}

/// What the egui pass of a frame leaves for the rest of it.
struct UiFrame {
    output: egui::FullOutput,
    actions: Vec<Action>,
    /// The scene view's rectangle, in points.
    view_rect: egui::Rect,
    /// egui textures to free once the frame is drawn.
    to_free: Vec<egui::TextureId>,
}

/// A window screenshot drawn this frame, to read back once the GPU is done.
struct WindowCapture {
    path: PathBuf,
    tex: wgpu::Texture,
    size: [u32; 2],
}

/// The surface's next texture (and whether it is suboptimal), or None when
/// there is none this frame: an outdated surface is reconfigured, a lost one
/// made anew.
fn acquire_frame(g: &mut Gfx) -> Result<Option<(wgpu::SurfaceTexture, bool)>> {
    Ok(match g.surface.get_current_texture() {
        wgpu::CurrentSurfaceTexture::Success(t) => Some((t, false)),
        wgpu::CurrentSurfaceTexture::Suboptimal(t) => Some((t, true)),
        wgpu::CurrentSurfaceTexture::Outdated => {
            g.surface.configure(&g.ctx.device, &g.config);
            None
        }
        wgpu::CurrentSurfaceTexture::Lost => {
            g.surface = g
                .ctx
                .instance
                .create_surface(g.window.clone())
                .context("recreating the lost surface")?;
            g.surface.configure(&g.ctx.device, &g.config);
            None
        }
        wgpu::CurrentSurfaceTexture::Timeout
        | wgpu::CurrentSurfaceTexture::Occluded
        | wgpu::CurrentSurfaceTexture::Validation => None,
    })
}

fn scene_texture(ctx: &Context, size: [u32; 2]) -> (wgpu::Texture, wgpu::TextureView) {
    let tex = ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("viewer::scene"),
        size: wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TARGET_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = tex.create_view(&Default::default());
    (tex, view)
}

/// Everything that exists once the window does.
struct Gfx {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    ctx: Arc<Context>,
    egui_ctx: egui::Context,
    egui_state: egui_winit::State,
    egui_rend: egui_wgpu::Renderer,
    target: SceneTarget,
    blit: Blit,
    renderer: Renderer,
}

/// Frame-time statistics for the panel's readout.
#[derive(Default, Clone)]
pub struct Timing {
    /// Seconds between the last frames (the real frame rate).
    intervals: VecDeque<f64>,
    /// Seconds of work per frame (UI, encode, GPU wait).
    work: VecDeque<f64>,
}

impl Timing {
    fn push(q: &mut VecDeque<f64>, v: f64) {
        if q.len() == 120 {
            q.pop_front();
        }
        q.push_back(v);
    }
    fn mean(q: &VecDeque<f64>) -> f64 {
        if q.is_empty() {
            0.0
        } else {
            q.iter().sum::<f64>() / q.len() as f64
        }
    }
    /// (frames per second, frame interval ms, work ms), over the last 120 frames.
    pub fn summary(&self) -> (f64, f64, f64) {
        let i = Self::mean(&self.intervals);
        let fps = if i > 0.0 { 1.0 / i } else { 0.0 };
        (fps, i * 1e3, Self::mean(&self.work) * 1e3)
    }
}

/// What the panel shows besides the state.
pub struct Info {
    pub timing: (f64, f64, f64),
    pub steps_done: u32,
    pub particles: u32,
    pub adapter: String,
    pub status: String,
    pub view_px: [u32; 2],
    pub record: RecordInfo,
}

pub struct App {
    args: ViewArgs,
    state: ViewerState,
    window_size: [u32; 2],
    gfx: Option<Gfx>,
    error: Option<anyhow::Error>,
    frames: u64,
    period: Duration,
    next_frame: Instant,
    /// Input arrived since the last frame.
    dirty: bool,
    /// The last frame left work that needs another (particles moving, a
    /// recording, a pending screenshot or critical-point search).
    busy: bool,
    /// When egui asked to be drawn again (animations, tooltips).
    repaint_at: Option<Instant>,
    last_frame: Option<Instant>,
    timing: Timing,
    status: String,
    /// The scene and dropped count last applied to the renderer (cheap change detection).
    applied: (Scene, usize),
    /// Domain the critical points were searched in, and when the domain last changed.
    critical_domain: [f64; 4],
    domain_changed: Instant,
    /// --hover, parsed: the point the hover lesson shows when the mouse is elsewhere.
    hover_at: Option<[f64; 2]>,
    /// Where this frame's window screenshot goes, if one was asked for.
    window_shot: Option<PathBuf>,
    /// The recording in progress.
    recorder: Option<Recorder>,
    /// A recording to start this frame (once the view's size is known), and
    /// whether it is --record's (whose failures end the viewer with an error).
    record_pending: Option<(PathBuf, bool)>,
    /// The recording in progress is --record's.
    recording_flag: bool,
    /// --record-frames has been reached and its file finished.
    record_flag_done: bool,
    /// The last recording's outcome for the panel.
    record_last: Option<std::result::Result<String, String>>,
    /// The compiled particle kernel a worker thread is building for the
    /// renderer of this generation (see `Renderer::particle_specializer`).
    kernel: Option<KernelJob>,
    /// Bumped with each new function or renderer.
    renderer_gen: u64,
    /// The renderer generation whose kernel was built (or failed).
    kernel_tried: Option<u64>,
    /// A new renderer being built (see `App::finish_build`).
    build: Option<BuildJob>,
}

/// A renderer being built on a worker thread, and the state it was asked for.
struct BuildJob {
    started: Instant,
    applied: (Scene, usize),
    rx: std::sync::mpsc::Receiver<gradfield::Result<Renderer>>,
}

/// A compiled particle kernel being built on a worker thread.
struct KernelJob {
    started: Instant,
    rx: std::sync::mpsc::Receiver<gradfield::Result<gradfield::gpu::particles::Specialized>>,
}

impl App {
    fn new(args: ViewArgs, scene: Scene, window_size: [u32; 2]) -> App {
        let mut state = ViewerState::new(scene.clone());
        state.playing = !args.paused;
        state.show_help = args.show_help;
        let hover_at = match args.hover.as_deref() {
            Some("off") => Some([f64::NAN; 2]),
            Some(h) => gradfield::domain::parse_point(h, "--hover").ok(),
            None => None,
        };
        App {
            hover_at,
            window_shot: None,
            recorder: None,
            record_pending: args.record.clone().map(|p| (p, true)),
            recording_flag: false,
            record_flag_done: false,
            record_last: None,
            period: Duration::from_secs_f64(1.0 / args.fps_cap),
            args,
            applied: (scene, 0),
            state,
            window_size,
            gfx: None,
            error: None,
            frames: 0,
            next_frame: Instant::now(),
            dirty: true,
            busy: true,
            repaint_at: None,
            last_frame: None,
            timing: Timing::default(),
            status: String::new(),
            critical_domain: [f64::NAN; 4],
            domain_changed: Instant::now(),
            kernel: None,
            renderer_gen: 0,
            kernel_tried: None,
            build: None,
        }
    }

    fn init(&mut self, event_loop: &ActiveEventLoop) -> Result<Gfx> {
        let [w, h] = self.window_size;
        let attrs = Window::default_attributes()
            .with_title("gradfield")
            .with_inner_size(winit::dpi::LogicalSize::new(w as f64, h as f64));
        let window = Arc::new(
            event_loop
                .create_window(attrs)
                .context("creating the window")?,
        );
        let choice = crate::cli::adapter_choice();
        let mut desc = wgpu::InstanceDescriptor::new_with_display_handle(Box::new(
            event_loop.owned_display_handle(),
        ));
        desc.backends = choice.backends;
        let instance = wgpu::Instance::new(desc);
        let surface = instance
            .create_surface(window.clone())
            .context("creating a wgpu surface for the window")?;
        let ctx = Context::with_instance(instance, Some(&surface), choice)?;
        let caps = surface.get_capabilities(&ctx.adapter);
        // A non-sRGB format: the colormap bytes and egui's colours land unchanged.
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| !f.is_srgb())
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| {
                anyhow::anyhow!("the surface supports no format on {}", ctx.describe())
            })?;
        // We pace frames ourselves; prefer a present mode that does not block.
        let present_mode = [wgpu::PresentMode::Mailbox, wgpu::PresentMode::Immediate]
            .into_iter()
            .find(|m| caps.present_modes.contains(m))
            .unwrap_or(wgpu::PresentMode::Fifo);
        let size = window.inner_size();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps.alpha_modes[0],
            view_formats: vec![],
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        surface.configure(&ctx.device, &config);
        let egui_ctx = egui::Context::default();
        egui_ctx.set_visuals(egui::Visuals::dark());
        // egui's fonts lack ∇ and other maths glyphs; the renderer's DejaVu Sans has them.
        // The scene's axes and title use DejaVu Sans alone, as `render` does.
        for family in [
            egui::FontFamily::Proportional,
            egui::FontFamily::Monospace,
            egui::FontFamily::Name(overlay::SCENE_FONT.into()),
        ] {
            egui_ctx.add_font(egui::epaint::text::FontInsert {
                name: format!("dejavu-{family:?}"),
                data: egui::FontData::from_static(DEJAVU),
                families: vec![egui::epaint::text::InsertFontFamily {
                    family,
                    priority: egui::epaint::text::FontPriority::Lowest,
                }],
            });
        }
        let egui_state = egui_winit::State::new(
            egui_ctx.clone(),
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            Some(ctx.limits.max_texture_dimension_2d as usize),
        );
        let egui_rend =
            egui_wgpu::Renderer::new(&ctx.device, format, egui_wgpu::RendererOptions::default());
        let blit = Blit::new(&ctx, format)?;
        let tsize = [size.width.max(64), size.height.max(64)];
        let (tex, view) = scene_texture(&ctx, tsize);
        let target = SceneTarget {
            blit: blit.bind(&ctx, &view),
            tex,
            view,
            size: tsize,
            origin: [0, 0],
        };
        self.find_critical_points();
        let scene = self.state.render_scene();
        let mut renderer = Renderer::with_format(&ctx, &scene, TARGET_FORMAT)?;
        // The opening picture equals `render`: the scene's steps are run first.
        renderer.advance(&ctx, scene.particles.steps);
        self.applied = (self.state.scene.clone(), self.state.dropped.len());
        eprintln!(
            "gradfield view on {} ({format:?}, {present_mode:?})",
            ctx.describe()
        );
        Ok(Gfx {
            window,
            surface,
            config,
            ctx: Arc::new(ctx),
            egui_ctx,
            egui_state,
            egui_rend,
            target,
            blit,
            renderer,
        })
    }

    /// Fills the critical-point markers from the search over the current domain.
    fn find_critical_points(&mut self) {
        let s = &mut self.state.scene;
        if !s.critical.show {
            return;
        }
        if s.critical.points.is_empty() || self.critical_domain != s.domain {
            if let Ok(f) = s.parse_function() {
                let pts = find_critical(&f, &s.domain(), &CriticalOptions::default());
                s.critical.points = pts
                    .iter()
                    .map(|p| Marker {
                        x: p.x,
                        y: p.y,
                        kind: p.kind,
                    })
                    .collect();
            }
            self.critical_domain = s.domain;
        }
    }

    /// Brings the renderer up to date with the state: nothing, a uniform
    /// update, or a new renderer.
    fn apply(&mut self) {
        self.finish_build();
        let Some(g) = self.gfx.as_mut() else { return };
        let reset = std::mem::take(&mut self.state.reset_requested);
        if !reset
            && self.applied.0 == self.state.scene
            && self.applied.1 == self.state.dropped.len()
        {
            return;
        }
        if self.applied.0.domain != self.state.scene.domain {
            self.domain_changed = Instant::now();
        }
        let mut wanted = self.state.render_scene();
        wanted.size = g.renderer.scene.size;
        let kind = if reset {
            Rebuild::Full
        } else {
            rebuild_kind(&g.renderer.scene, &wanted)
        };
        match kind {
            Rebuild::None => {}
            Rebuild::Cheap => {
                let old = g.renderer.scene.clone();
                if old.map.colormap != wanted.map.colormap {
                    g.renderer.set_colormap(&g.ctx, wanted.map.colormap);
                }
                if old.critical != wanted.critical {
                    let pts: Vec<_> = if wanted.critical.show {
                        wanted
                            .critical
                            .points
                            .iter()
                            .map(|m| (m.x, m.y, m.kind))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    g.renderer.set_critical(&g.ctx, &pts);
                }
                let restat = old.domain != wanted.domain
                    || old.map != wanted.map
                    || old.contours != wanted.contours;
                g.renderer.scene = wanted;
                if restat {
                    g.renderer.stats = Stats::compute(&g.renderer.func, &g.renderer.scene);
                }
            }
            Rebuild::Function | Rebuild::Full => {
                let t = Instant::now();
                let in_place = match kind {
                    Rebuild::Function => g.renderer.set_function(&g.ctx, &wanted),
                    _ => Ok(false),
                };
                match in_place {
                    Ok(true) => {
                        self.status =
                            format!("new function in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
                        self.renderer_gen += 1;
                        self.kernel = None;
                        self.build = None;
                    }
                    // New pipelines: built on a worker thread while this
                    // renderer keeps drawing (typing an expression must not
                    // freeze the window for the shaders' compilation).
                    Ok(false) => {
                        let (tx, rx) = std::sync::mpsc::channel();
                        let ctx = g.ctx.clone();
                        let w = wanted.clone();
                        std::thread::spawn(move || {
                            let _ = tx.send(Renderer::with_format(&ctx, &w, TARGET_FORMAT));
                        });
                        self.status = "building the new scene…".into();
                        self.build = Some(BuildJob {
                            started: t,
                            applied: (self.state.scene.clone(), self.state.dropped.len()),
                            rx,
                        });
                    }
                    Err(e) => self.status = format!("cannot draw this: {e}"),
                }
            }
        }
        self.applied = (self.state.scene.clone(), self.state.dropped.len());
        self.specialize();
    }

    /// Installs the renderer a worker thread has built, once it is there.
    /// What changed meanwhile is applied on top by the next `apply`.
    fn finish_build(&mut self) {
        let Some(g) = self.gfx.as_mut() else { return };
        let Some(job) = &self.build else { return };
        let result = match job.rx.try_recv() {
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err(g
                .ctx
                .gpu_error("the scene builder thread ended without a result")),
            Ok(r) => r,
        };
        let job = self.build.take().expect("checked above");
        match result {
            Ok(r) => {
                g.renderer = r;
                self.status = format!(
                    "rebuilt in {:.0} ms",
                    job.started.elapsed().as_secs_f64() * 1e3
                );
                self.renderer_gen += 1;
                self.kernel = None;
                self.applied = job.applied;
            }
            Err(e) => self.status = format!("cannot draw this: {e}"),
        }
    }

    /// Starts building the compiled particle kernel for the current renderer
    /// on a worker thread (the interpreter draws meanwhile), and installs it
    /// once it is there. Does nothing with `--shaders interpreted/compiled`.
    fn specialize(&mut self) {
        let Some(g) = self.gfx.as_mut() else { return };
        if let Some(job) = &self.kernel {
            let result = match job.rx.try_recv() {
                Err(std::sync::mpsc::TryRecvError::Empty) => return,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
                Ok(r) => Some(r),
            };
            let ms = job.started.elapsed().as_secs_f64() * 1e3;
            self.kernel = None;
            self.kernel_tried = Some(self.renderer_gen);
            match result {
                Some(Ok(k)) => {
                    let installed = g.renderer.install_particles(k);
                    if installed {
                        self.status = format!("particles compiled in {ms:.0} ms");
                    }
                }
                Some(Err(e)) => self.status = format!("compiling the particles failed: {e}"),
                None => {}
            }
            return;
        }
        if self.kernel_tried == Some(self.renderer_gen) {
            return;
        }
        if !gradfield::gpu::expr::specialize() {
            return;
        }
        let Some(spec) = g.renderer.particle_specializer() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let ctx = g.ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(spec.build(&ctx));
        });
        self.kernel = Some(KernelJob {
            started: Instant::now(),
            rx,
        });
    }

    /// One frame, in its steps: the panel and input (egui), their actions,
    /// the renderer brought up to date, the scene texture fitted to the
    /// view, the particles moved, everything drawn and presented, and the
    /// frame's bookkeeping (timing, recording, --screenshot-after, --exit).
    fn frame(&mut self, event_loop: &ActiveEventLoop) -> Result<()> {
        let t0 = Instant::now();
        let Some(g) = self.gfx.as_mut() else {
            return Ok(());
        };
        let size = g.window.inner_size();
        if size.width == 0 || size.height == 0 {
            // Minimised: nothing to draw, and the particles wait.
            return Ok(());
        }
        self.dirty = false;
        let ui = self.run_ui();
        self.handle_actions(ui.actions, event_loop)?;
        self.refresh_critical_points();
        self.apply();
        if self.args.screenshot_window && self.args.screenshot_after == Some(self.frames + 1) {
            self.window_shot = Some(self.args.screenshot.clone());
        }
        self.fit_target(ui.view_rect, ui.output.pixels_per_point);
        let view_size = self.gfx.as_ref().expect("window exists").target.size;
        self.start_or_end_recording(view_size)?;
        self.advance_particles();
        let capture = self.draw_and_present(ui.output, &ui.to_free)?;
        if let Some(capture) = capture {
            self.save_window_capture(capture)?;
        }
        self.end_frame(t0, event_loop)
    }

    /// The egui pass: the control panel, the scene view's input and overlays.
    /// Texture updates are applied; those to free come back with the output.
    fn run_ui(&mut self) -> UiFrame {
        let g = self.gfx.as_mut().expect("window exists");
        let raw = g.egui_state.take_egui_input(&g.window);
        let mut actions = Vec::new();
        let info = Info {
            timing: self.timing.summary(),
            steps_done: g.renderer.steps_done(),
            particles: g.renderer.engine().map(|e| e.count()).unwrap_or(0),
            adapter: g.ctx.describe(),
            status: self.status.clone(),
            view_px: g.target.size,
            record: RecordInfo {
                active: self.recorder.as_ref().map(|r| r.active()),
                cap: self.args.fps_cap,
                last: self.record_last.clone(),
            },
        };
        let recording = self
            .recorder
            .as_ref()
            .map(|r| (r.frames(), r.elapsed().as_secs_f64()));
        let mut view_rect = egui::Rect::NOTHING;
        let state = &mut self.state;
        let renderer = &g.renderer;
        let panel_width = if self.args.no_panel {
            0.0
        } else {
            self.args.panel_width
        };
        let hover_at = self.hover_at;
        let mut out = g.egui_ctx.run_ui(raw, |ui| {
            if panel_width > 0.0 {
                egui::Panel::left("controls")
                    .default_size(panel_width)
                    .resizable(true)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical().show(ui, |ui| {
                            panel::show(ui, state, &info, &mut actions);
                        });
                    });
            }
            // No fill and no image: the scene is blitted into the window
            // before egui draws (see viewer/blit.rs).
            egui::CentralPanel::default()
                .frame(egui::Frame::NONE)
                .show(ui, |ui| {
                    let rect = ui.max_rect();
                    view_rect = rect;
                    let resp = ui.allocate_rect(rect, egui::Sense::click_and_drag());
                    let ppp = ui.ctx().pixels_per_point();
                    let px = [
                        (rect.width() * ppp).round().max(1.0) as u32,
                        (rect.height() * ppp).round().max(1.0) as u32,
                    ];
                    let lay = Layout::new(&state.scene, px[0], px[1]);
                    let view = input::ViewGeom {
                        origin: rect.min,
                        ppp,
                        layout: lay,
                    };
                    input::scene_input(ui, &resp, state, &view, &mut actions);
                    overlay::axes(ui.painter(), &view, &state.scene, &renderer.stats);
                    // --hover X,Y stands in for the mouse; --hover off (NaN) hides the lesson.
                    let forced = hover_at.map(|[x, y]| {
                        view.layout
                            .to_pixel(&state.scene, x, y)
                            .filter(|_| x.is_finite())
                            .map(|px| view.to_pos(px))
                    });
                    if let Some(p) = forced.unwrap_or(resp.hover_pos()) {
                        overlay::hover(ui.painter(), &view, &state.scene, &renderer.func, p);
                    }
                    if state.show_help {
                        overlay::help(ui.painter(), rect);
                    }
                    if let Some((frames, seconds)) = recording {
                        overlay::recording(ui.painter(), rect, frames, seconds);
                    }
                });
            input::shortcuts(ui.ctx(), state, &mut actions);
        });
        self.repaint_at = out
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .and_then(|v| Instant::now().checked_add(v.repaint_delay));
        g.egui_state
            .handle_platform_output(&g.window, std::mem::take(&mut out.platform_output));
        // Applied now, freed after painting; the delta itself must end empty.
        #[allow(clippy::iter_over_hash_type)]
        for (id, deltas) in out.textures_delta.set.drain() {
            for delta in &deltas {
                g.egui_rend
                    .update_texture(&g.ctx.device, &g.ctx.queue, id, delta);
            }
        }
        let to_free: Vec<egui::TextureId> = out.textures_delta.free.drain().collect();
        UiFrame {
            output: out,
            actions,
            view_rect,
            to_free,
        }
    }

    /// What the panel, the keys and the mouse asked for this frame.
    fn handle_actions(&mut self, actions: Vec<Action>, event_loop: &ActiveEventLoop) -> Result<()> {
        for a in actions {
            match a {
                Action::Screenshot => {
                    let path = self.args.screenshot.clone();
                    self.status = match self.screenshot(&path) {
                        Ok(()) => format!("saved {}", path.display()),
                        Err(e) => format!("screenshot failed: {e}"),
                    };
                }
                Action::WindowScreenshot => {
                    self.window_shot = Some(window_shot_path(&self.args.screenshot));
                }
                Action::SaveScene(path) => {
                    self.status = match self.save_scene(&path) {
                        Ok(()) => format!("saved {}", path.display()),
                        Err(e) => format!("saving failed: {e}"),
                    };
                }
                Action::ToggleRecording => {
                    if self.recorder.is_some() {
                        self.stop_recording(None)?;
                    } else {
                        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                        let path = recorder::next_path(&dir, self.state.record_format);
                        self.record_pending = Some((path, false));
                    }
                }
                Action::Quit => event_loop.exit(),
            }
        }
        Ok(())
    }

    /// Critical points: searched again once the domain has settled.
    fn refresh_critical_points(&mut self) {
        if self.state.scene.critical.show
            && (self.state.scene.critical.points.is_empty()
                || (self.critical_domain != self.state.scene.domain
                    && self.domain_changed.elapsed() > Duration::from_millis(300)))
        {
            self.find_critical_points();
        }
    }

    /// The scene texture made the size of the view (`view_rect`, in points
    /// at `ppp` pixels per point), kept inside the window.
    fn fit_target(&mut self, view_rect: egui::Rect, ppp: f32) {
        let g = self.gfx.as_mut().expect("window exists");
        let origin = [
            ((view_rect.min.x * ppp).round().max(0.0) as u32).min(g.config.width - 1),
            ((view_rect.min.y * ppp).round().max(0.0) as u32).min(g.config.height - 1),
        ];
        let want = [
            ((view_rect.width() * ppp).round() as u32).clamp(1, g.config.width - origin[0]),
            ((view_rect.height() * ppp).round() as u32).clamp(1, g.config.height - origin[1]),
        ];
        if view_rect.is_positive() && want != g.target.size {
            let (tex, view) = scene_texture(&g.ctx, want);
            g.target = SceneTarget {
                blit: g.blit.bind(&g.ctx, &view),
                tex,
                view,
                size: want,
                origin,
            };
        }
        g.target.origin = origin;
        g.renderer.scene.size = g.target.size;
    }

    /// The particles' steps for this frame: the panel's rate while playing,
    /// one when a single step was asked for.
    fn advance_particles(&mut self) {
        let g = self.gfx.as_mut().expect("window exists");
        if self.state.playing {
            g.renderer.advance(&g.ctx, self.state.steps_per_frame);
        } else if std::mem::take(&mut self.state.step_requested) {
            g.renderer.advance(&g.ctx, 1);
        }
    }

    /// Encodes the scene into its texture and the window (scene blit and
    /// egui) onto the surface, submits, presents, and waits for the GPU.
    /// Returns the window screenshot to save, when one was asked for.
    fn draw_and_present(
        &mut self,
        out: egui::FullOutput,
        to_free: &[egui::TextureId],
    ) -> Result<Option<WindowCapture>> {
        let window_shot = self.window_shot.take();
        let g = self.gfx.as_mut().expect("window exists");
        let ppp = out.pixels_per_point;
        let mut enc = g
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("viewer::frame"),
            });
        let [tw, th] = g.target.size;
        enc.push_debug_group("scene");
        g.renderer
            .encode(&g.ctx, &mut enc, &g.target.view, tw, th, TARGET_FORMAT)?;
        enc.pop_debug_group();

        let jobs = g.egui_ctx.tessellate(out.shapes, ppp);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [g.config.width, g.config.height],
            pixels_per_point: ppp,
        };
        let extra =
            g.egui_rend
                .update_buffers(&g.ctx.device, &g.ctx.queue, &mut enc, &jobs, &screen);
        let frame = acquire_frame(g)?;
        let window = [g.config.width, g.config.height];
        if let Some((frame, _)) = &frame {
            let view = frame.texture.create_view(&Default::default());
            draw_window(&mut enc, &view, "viewer::egui", g, &jobs, &screen, window);
        }
        // A window screenshot: the window drawn once more, into a texture we can read.
        let capture = window_shot.map(|path| {
            let tex = window_texture(&g.ctx, g.config.format, window);
            let view = tex.create_view(&Default::default());
            draw_window(
                &mut enc,
                &view,
                "viewer::window-screenshot",
                g,
                &jobs,
                &screen,
                window,
            );
            WindowCapture {
                path,
                tex,
                size: window,
            }
        });
        g.ctx.queue.submit(extra.into_iter().chain([enc.finish()]));
        if let Some((frame, suboptimal)) = frame {
            g.window.pre_present_notify();
            g.ctx.queue.present(frame);
            if suboptimal {
                g.surface.configure(&g.ctx.device, &g.config);
            }
        }
        for id in to_free {
            g.egui_rend.free_texture(id);
        }
        // Lavapipe runs the GPU work on the CPU: wait, so frames never queue up
        // behind a slow GPU and the readout is the true cost of a frame.
        g.ctx.wait()?;
        Ok(capture)
    }

    /// Reads the window screenshot back and saves it; a failure is the
    /// panel's status, or the error that ends --screenshot-after's run.
    fn save_window_capture(&mut self, capture: WindowCapture) -> Result<()> {
        let g = self.gfx.as_ref().expect("window exists");
        let bgra = matches!(
            g.config.format,
            wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
        );
        let path = capture.path;
        let result = read_texture(&g.ctx, &capture.tex, capture.size, bgra).and_then(|img| {
            img.save_png(&path)?;
            Ok(())
        });
        self.status = match &result {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => format!("window screenshot failed: {e}"),
        };
        if self.args.screenshot_after == Some(self.frames + 1) {
            result?;
        }
        Ok(())
    }

    /// After the frame: timing, the recording's frame, --soak's schedule,
    /// whether another frame is needed, --screenshot-after and --exit.
    fn end_frame(&mut self, t0: Instant, event_loop: &ActiveEventLoop) -> Result<()> {
        let now = Instant::now();
        Timing::push(&mut self.timing.work, (now - t0).as_secs_f64());
        if let Some(last) = self.last_frame {
            Timing::push(&mut self.timing.intervals, (now - last).as_secs_f64());
        }
        self.last_frame = Some(now);
        self.frames += 1;
        self.record_frame()?;
        if let Some(n) = self.args.soak {
            self.soak_step(event_loop, n)?;
        }
        // Idle (paused, no input, nothing pending): no more frames until an
        // event or egui asks for one.
        self.busy = self.state.playing
            || self.build.is_some()
            || self.kernel.is_some()
            || self.state.step_requested
            || self.state.reset_requested
            || self.recorder.is_some()
            || self.record_pending.is_some()
            || self.window_shot.is_some()
            || self.args.screenshot_after.is_some_and(|n| self.frames < n)
            || (self.args.exit && self.args.record_frames.is_some())
            || self.args.soak.is_some()
            || (self.state.scene.critical.show && self.critical_domain != self.state.scene.domain);
        if self.args.screenshot_after == Some(self.frames) {
            let path = self.args.screenshot.clone();
            if !self.args.screenshot_window {
                self.screenshot(&path)?;
            }
            let (fps, interval, work) = self.timing.summary();
            eprintln!(
                "wrote {} after {} frames ({fps:.1} fps, {interval:.1} ms/frame, {work:.1} ms work)",
                path.display(),
                self.frames
            );
            if let Some(p) = self.args.save_scene.clone() {
                self.save_scene(&p)?;
                eprintln!("wrote {}", p.display());
            }
        }
        // --exit: once the screenshot and the --record-frames recording (those asked for) are done.
        let shot_done = self.args.screenshot_after.is_none_or(|n| self.frames >= n);
        let record_done = self.args.record_frames.is_none() || self.record_flag_done;
        let asked = self.args.screenshot_after.is_some() || self.args.record_frames.is_some();
        if self.args.exit && asked && shot_done && record_done {
            event_loop.exit();
        }
        Ok(())
    }

    /// One frame of `--soak N`: the session's moves on a schedule, and the
    /// resident memory (current and peak, from /proc) every N/10 frames.
    fn soak_step(&mut self, event_loop: &ActiveEventLoop, n: u64) -> Result<()> {
        const PRESETS: [&str; 4] = ["himmelblau", "rosenbrock", "six_hump_camel", "rastrigin"];
        let k = self.frames;
        if k % 20 == 0 {
            let g = self.gfx.as_ref().expect("window exists");
            let [w, h] = self.window_size;
            let (w, h) = if (k / 20) % 2 == 1 {
                (w * 3 / 4, h * 3 / 4)
            } else {
                (w, h)
            };
            let _ = g
                .window
                .request_inner_size(winit::dpi::LogicalSize::new(w as f64, h as f64));
        }
        if k % 25 == 0 {
            self.state
                .set_preset(PRESETS[(k / 25) as usize % PRESETS.len()]);
        }
        // The same recording whatever N: frames 30 to 70.
        if k == 30 && self.recorder.is_none() {
            let dir = std::env::temp_dir();
            let path = dir.join(format!("gradfield-soak-{}.gif", std::process::id()));
            self.record_pending = Some((path, false));
        }
        if k == 70 {
            if let Some(r) = self.recorder.take() {
                let done = r.finish()?;
                let _ = std::fs::remove_file(&done.path);
            }
        }
        if k % (n / 10).max(1) == 0 || k >= n {
            let (rss, peak) = resident_mb();
            eprintln!("soak frame {k}: resident {rss:.1} MB, peak {peak:.1} MB");
        }
        if k >= n {
            if let Some(r) = self.recorder.take() {
                let done = r.finish()?;
                let _ = std::fs::remove_file(&done.path);
            }
            event_loop.exit();
        }
        Ok(())
    }

    /// Before drawing: ends a recording whose view changed size (its frames
    /// must all have one size), and starts the pending one at the view's size.
    fn start_or_end_recording(&mut self, view: [u32; 2]) -> Result<()> {
        if let Some(r) = &self.recorder {
            if r.view() != view {
                let old = r.view();
                if self.recording_flag && self.args.record_frames.is_some() {
                    anyhow::bail!(
                        "--record: the view changed size from {}×{} to {}×{} after {} of {} frames",
                        old[0],
                        old[1],
                        view[0],
                        view[1],
                        r.frames(),
                        self.args.record_frames.unwrap_or(0)
                    );
                }
                let why = format!(
                    "the view changed size ({}×{} → {}×{}), so the recording ended",
                    old[0], old[1], view[0], view[1]
                );
                self.stop_recording(Some(why))?;
            }
        }
        if let Some((path, flag)) = self.record_pending.take() {
            let frames = if flag {
                self.args.record_frames.unwrap_or(0)
            } else {
                0
            };
            match Recorder::start(&path, view, self.args.fps_cap, frames) {
                Ok(r) => {
                    eprintln!(
                        "recording {} ({}×{} at {} fps)",
                        path.display(),
                        r.size()[0],
                        r.size()[1],
                        r.fps()
                    );
                    self.record_last = None;
                    self.recorder = Some(r);
                    self.recording_flag = flag;
                }
                Err(e) if flag => return Err(e.into()),
                Err(e) => self.record_failed(&e),
            }
        }
        Ok(())
    }

    /// After drawing: hands the scene view to the recorder; finishes
    /// --record's file at --record-frames.
    fn record_frame(&mut self) -> Result<()> {
        let Some(r) = self.recorder.as_mut() else {
            return Ok(());
        };
        if r.failed() {
            // The encoder stopped on its own (ffmpeg died): finishing reports why.
            return self.stop_recording(None);
        }
        let g = self.gfx.as_ref().context("no window yet")?;
        let pushed = r.push(view_image(g)?);
        if let Err(e) = pushed {
            self.recorder = None;
            if self.recording_flag {
                return Err(e.into());
            }
            self.record_failed(&e);
            return Ok(());
        }
        if self.recording_flag
            && self
                .args
                .record_frames
                .is_some_and(|n| self.recorder.as_ref().is_some_and(|r| r.frames() >= n))
        {
            let done = self.recorder.take().expect("recording").finish()?;
            eprintln!("{}", done.describe());
            self.record_last = Some(Ok(done.describe()));
            self.record_flag_done = true;
        }
        Ok(())
    }

    /// Finishes the recording in progress; `why` prefixes the panel's line.
    /// An error is shown in the panel (or, for --record, ends the viewer).
    fn stop_recording(&mut self, why: Option<String>) -> Result<()> {
        let Some(r) = self.recorder.take() else {
            return Ok(());
        };
        match r.finish() {
            Ok(done) => {
                eprintln!("{}", done.describe());
                let line = match why {
                    Some(w) => format!("{w}: {}", done.describe()),
                    None => done.describe(),
                };
                self.status = String::new();
                self.record_last = Some(Ok(line));
                if self.recording_flag {
                    self.record_flag_done = true;
                }
            }
            Err(e) if self.recording_flag => return Err(e.into()),
            Err(e) => self.record_failed(&e),
        }
        Ok(())
    }

    fn record_failed(&mut self, e: &gradfield::Error) {
        eprintln!("recording failed: {e}");
        self.record_last = Some(Err(format!("recording failed: {}", recorder::one_line(e))));
    }

    /// The scene view as a PNG: the texture the window shows, read back, with
    /// the axes, colour bar and title `render` draws.
    fn screenshot(&self, path: &Path) -> Result<()> {
        let g = self.gfx.as_ref().context("no window yet")?;
        view_image(g)?.save_png(path)?;
        Ok(())
    }

    /// The current state as a scene file that `gradfield render` reproduces.
    fn save_scene(&self, path: &Path) -> Result<()> {
        let g = self.gfx.as_ref().context("no window yet")?;
        let mut s = self.state.scene_to_save(g.target.size);
        // `render` runs `steps` before drawing: record how far the particles got.
        s.particles.steps = g.renderer.steps_done();
        let text = s.to_toml()?;
        gradfield::io::write_bytes_atomic(path, text.as_bytes())?;
        Ok(())
    }
}

/// The scene view as `render` draws it: the texture the window shows, read
/// back, with the axes, colour bar and title on the CPU. Screenshots and
/// recordings both take their pixels from here.
fn view_image(g: &Gfx) -> Result<Image> {
    let mut img = read_texture(&g.ctx, &g.target.tex, g.target.size, false)?;
    let s = &g.renderer.scene;
    if s.axes {
        let lay = Layout::new(s, img.width, img.height);
        gradfield::render::overlay::draw(&mut img, s, &g.renderer.stats, &g.renderer.func, &lay);
    }
    Ok(img)
}

/// Resident and peak resident memory of this process in MB (Linux /proc;
/// NaN elsewhere).
fn resident_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `viewer-screenshot.png` → `viewer-screenshot-window.png`.
fn window_shot_path(view_shot: &Path) -> PathBuf {
    let stem = view_shot
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "viewer-screenshot".into());
    view_shot.with_file_name(format!("{stem}-window.png"))
}

/// A texture the window's format and size that egui can draw into and we can read.
fn window_texture(ctx: &Context, format: wgpu::TextureFormat, size: [u32; 2]) -> wgpu::Texture {
    ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("viewer::window-screenshot"),
        size: wgpu::Extent3d {
            width: size[0],
            height: size[1],
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    })
}

/// Draws the window into `view`: the scene blitted into its rectangle on
/// the window's background, then the tessellated egui `jobs` on top.
fn draw_window(
    enc: &mut wgpu::CommandEncoder,
    view: &wgpu::TextureView,
    label: &str,
    g: &Gfx,
    jobs: &[egui::ClippedPrimitive],
    screen: &egui_wgpu::ScreenDescriptor,
    window: [u32; 2],
) {
    let t = &g.target;
    g.blit.encode(enc, view, &t.blit, t.origin, t.size, window);
    let mut pass = enc
        .begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(label),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        })
        .forget_lifetime();
    g.egui_rend.render(&mut pass, jobs, screen);
}

/// Reads an 8-bit RGBA (or, with `bgra`, BGRA) texture back into an [`Image`].
fn read_texture(
    ctx: &Context,
    tex: &wgpu::Texture,
    [width, height]: [u32; 2],
    bgra: bool,
) -> Result<Image> {
    let enc = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("viewer::screenshot"),
        });
    let mut data =
        gradfield::gpu::context::read_texture(ctx, enc, tex, width, height, "viewer::screenshot")?;
    if bgra {
        for px in data.chunks_exact_mut(4) {
            px.swap(0, 2);
        }
    }
    // The window is opaque whatever the alpha the swapchain format carries.
    for px in data.chunks_exact_mut(4) {
        px[3] = 255;
    }
    Ok(Image {
        width,
        height,
        data,
    })
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.gfx.is_some() {
            return;
        }
        match self.init(event_loop) {
            Ok(g) => {
                g.window.request_redraw();
                self.gfx = Some(g);
            }
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some(g) = self.gfx.as_mut() else { return };
        if !matches!(event, WindowEvent::RedrawRequested) {
            let _ = g.egui_state.on_window_event(&g.window, &event);
            // Any input may change the picture (the hover lesson follows the
            // mouse even where egui has nothing to redraw).
            self.dirty = true;
        }
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            // A size of 0 (minimised) keeps the old configuration; frames skip drawing.
            WindowEvent::Resized(size) if size.width > 0 && size.height > 0 => {
                g.config.width = size.width;
                g.config.height = size.height;
                g.surface.configure(&g.ctx.device, &g.config);
            }
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.frame(event_loop) {
                    self.error = Some(e);
                    event_loop.exit();
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let Some(g) = self.gfx.as_ref() else { return };
        let now = Instant::now();
        let wanted = self.dirty || self.busy || self.repaint_at.is_some_and(|t| t <= now);
        if !wanted {
            // Sleep until the next event, or until egui's own repaint time.
            event_loop.set_control_flow(match self.repaint_at {
                Some(t) => ControlFlow::WaitUntil(t.max(self.next_frame)),
                None => ControlFlow::Wait,
            });
            return;
        }
        if now >= self.next_frame {
            g.window.request_redraw();
            // Never try to catch up on missed frames: the next one is a period from now.
            self.next_frame = (self.next_frame + self.period).max(now);
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.next_frame));
    }
}
