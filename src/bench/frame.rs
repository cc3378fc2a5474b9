//! `bench --case frame`: where a frame's time goes, per scene, and how long
//! a never-seen expression waits for its first frame.
//!
//! A frame here is what the viewer and `record` do per frame without the
//! window or the encoder: the particle steps, the cached background when it
//! is stale, the splat and the composition into a 1280×720 target, submitted
//! and waited for. Per-pass times come from GPU timestamps written between
//! the passes where the adapter has them (lavapipe does), else only the
//! frame's wall time is given.
//!
//! The new-expression case times whole processes side by side: `gradfield
//! render EXPR` (interpreted, the default; and `--shaders compiled`) against
//! matplotlib's contourf + quiver of the same function
//! (`bench/matplotlib_first_frame.py`), each with an expression no run has
//! seen (a fresh constant), so no shader cache helps.

use super::Timing;
use crate::error::Result;
use crate::gpu::timer::GpuTimer;
use crate::gpu::{Context, ExprCode};
use crate::render::{Renderer, TARGET_FORMAT};
use crate::scene::{Scene, View};
use serde::Serialize;
use std::time::Instant;

/// The matplotlib peer of the new-expression case, as shipped in `bench/`.
pub const FIRST_FRAME_PEER: &str = include_str!("../../bench/matplotlib_first_frame.py");

/// One scene's frames.
#[derive(Clone, Debug, Serialize)]
pub struct FrameCase {
    pub name: String,
    pub size: String,
    /// Seconds per frame (wall clock, submit to done).
    pub frame: Timing,
    pub fps: f64,
    /// Median milliseconds per pass over the timed frames (GPU timestamps),
    /// in the order they run; empty without timestamps.
    pub passes: Vec<(String, f64)>,
    pub notes: Vec<String>,
}

/// The new-expression case: whole processes, seconds.
#[derive(Clone, Debug, Serialize)]
pub struct FirstFrame {
    pub expression: String,
    pub interpreted: Timing,
    pub compiled: Timing,
    /// None when python3 with matplotlib is missing (see `note`).
    pub matplotlib: Option<Timing>,
    /// matplotlib / interpreted.
    pub ratio_vs_matplotlib: Option<f64>,
    /// In the viewer: a new function in place (the interpreter's tape
    /// replaced) to its first frame, seconds.
    pub in_place: Timing,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FrameReport {
    pub adapter: String,
    pub timestamps: bool,
    pub cases: Vec<FrameCase>,
    pub first_frame: Option<FirstFrame>,
}

/// The scenes of the frame cases (name, scene, steps per frame).
pub fn scenes(quick: bool) -> Result<Vec<(String, Scene, u32)>> {
    let (w, h) = if quick { (320, 180) } else { (1280, 720) };
    let mut out = Vec::new();
    let mut s = crate::presets::default_view()?;
    s.size = [w, h];
    out.push(("frame/default-view".to_string(), s.clone(), 1));
    let mut t = Scene::for_function("himmelblau")?;
    t.view = View::TwoD;
    t.size = [w, h];
    t.particles.count = if quick { 4096 } else { 65536 };
    t.particles.trail_length = 16;
    t.particles.trail_stride = 2;
    t.particles.tol = 0.0;
    out.push((
        format!("frame/trails-{}x16", t.particles.count),
        t.clone(),
        1,
    ));
    let mut d = Scene::for_function("himmelblau")?;
    d.view = View::ThreeD;
    d.size = [w, h];
    out.push(("frame/3d".to_string(), d, 1));
    Ok(out)
}

/// Times `frames` frames of `scene` (after 3 untimed ones).
pub fn frame_case(
    ctx: &Context,
    name: &str,
    scene: &Scene,
    steps: u32,
    frames: u32,
) -> Result<FrameCase> {
    let mut r = Renderer::new(ctx, scene)?;
    let timestamps = GpuTimer::new(ctx).is_some();
    r.set_timer(GpuTimer::new(ctx));
    let [w, h] = scene.size;
    let tex = crate::render::layers::target_texture(
        ctx,
        "bench::frame",
        TARGET_FORMAT,
        [w, h],
        wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
    );
    let view = tex.create_view(&Default::default());
    let mut secs = Vec::new();
    let mut spans: Vec<Vec<(&'static str, f64)>> = Vec::new();
    for i in 0..frames + 3 {
        let t = Instant::now();
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("bench::frame"),
            });
        r.advance_into(&mut enc, steps);
        r.encode(ctx, &mut enc, &view, w, h, TARGET_FORMAT)?;
        if let Some(timer) = r.timer() {
            timer.finish(&mut enc);
        }
        let sub = ctx.queue.submit([enc.finish()]);
        ctx.wait_for(Some(sub), "a frame")?;
        let s = t.elapsed().as_secs_f64();
        let frame_spans = match r.timer() {
            Some(timer) => timer.read(ctx)?,
            None => Vec::new(),
        };
        if i >= 3 {
            secs.push(s);
            spans.push(frame_spans);
        }
    }
    let frame = Timing::of(1.0, secs);
    let mut passes: Vec<(String, f64)> = Vec::new();
    // The passes that ran in every frame (the background only when stale: the
    // first frame draws it; a frame in which only particles move does not).
    if let Some(first) = spans.first() {
        for (k, (label, _)) in first.iter().enumerate() {
            let mut v: Vec<f64> = spans
                .iter()
                .filter_map(|f| f.get(k).filter(|s| s.0 == *label).map(|s| s.1))
                .collect();
            v.sort_by(|a, b| a.total_cmp(b));
            if !v.is_empty() {
                passes.push((label.to_string(), v[v.len() / 2]));
            }
        }
    }
    let mut notes = Vec::new();
    if !timestamps {
        notes.push("no per-pass times: the adapter lacks timestamp queries in encoders".into());
    }
    let particles = r.engine().map_or(0, |e| e.count());
    Ok(FrameCase {
        name: name.to_string(),
        size: format!(
            "{w}x{h}, {particles} particles, {}-point trails",
            scene.particles.trail_length
        ),
        fps: 1.0 / frame.median_s,
        frame,
        passes,
        notes,
    })
}

/// A never-seen expression: a fixed shape with a constant from the clock.
fn fresh_expression() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let c = 1.0 + (nanos % 1_000_000) as f64 * 1e-7;
    format!("sin({c}*x) * cos(y) + 0.1*(x^2 + y^2)")
}

fn time_process(cmd: &mut std::process::Command) -> Result<f64> {
    let t = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| crate::Error::Input(format!("cannot run {cmd:?}: {e}")))?;
    if !out.status.success() {
        return Err(crate::Error::Input(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(t.elapsed().as_secs_f64())
}

/// The new-expression case (see the module's text).
pub fn first_frame(repeats: u32, size: [u32; 2]) -> Result<FirstFrame> {
    let exe = std::env::current_exe().map_err(|e| crate::Error::Input(e.to_string()))?;
    let dir = std::env::temp_dir().join(format!("gradfield-first-frame-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    let peer = dir.join("matplotlib_first_frame.py");
    std::fs::write(&peer, FIRST_FRAME_PEER).map_err(|e| crate::Error::io(&peer, e))?;
    let size_arg = format!("{}x{}", size[0], size[1]);
    let (mut interp, mut compiled, mut mpl, mut in_place) = (vec![], vec![], vec![], vec![]);
    let mut note = String::new();
    let mut expression = String::new();
    // In place: a renderer already up (interpreting), a new function's tape
    // each repeat, one frame.
    let mut scene = Scene::for_function("himmelblau")?;
    scene.view = View::TwoD;
    scene.size = size;
    let mut c = Context::headless()?;
    c.expr_code = ExprCode::Interpreted;
    let mut r = Renderer::new(&c, &scene)?;
    let tex = crate::render::layers::target_texture(
        &c,
        "bench::first",
        TARGET_FORMAT,
        size,
        wgpu::TextureUsages::RENDER_ATTACHMENT,
    );
    let view = tex.create_view(&Default::default());
    let draw = |r: &Renderer| -> Result<()> {
        let mut enc = c.device.create_command_encoder(&Default::default());
        r.encode(&c, &mut enc, &view, size[0], size[1], TARGET_FORMAT)?;
        let sub = c.queue.submit([enc.finish()]);
        c.wait_for(Some(sub), "a frame")
    };
    draw(&r)?;
    for _ in 0..repeats {
        for (code, out) in [("interpreted", &mut interp), ("compiled", &mut compiled)] {
            expression = fresh_expression();
            let png = dir.join(format!("{code}.png"));
            out.push(time_process(
                std::process::Command::new(&exe)
                    .args(["render", &expression, "--view", "2d", "--size", &size_arg])
                    .args(["--shaders", code, "-o"])
                    .arg(&png),
            )?);
        }
        expression = fresh_expression();
        let png = dir.join("matplotlib.png");
        match time_process(
            std::process::Command::new("python3")
                .arg(&peer)
                .arg(&expression)
                .arg(&size_arg)
                .arg(&png),
        ) {
            Ok(s) => mpl.push(s),
            Err(e) => note = format!("matplotlib not run: {e}"),
        }
        let t = Instant::now();
        scene.function = fresh_expression();
        if !r.set_function(&c, &scene)? {
            return Err(c.gpu_error("the interpreter did not take the new function in place"));
        }
        draw(&r)?;
        in_place.push(t.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let interpreted = Timing::of(1.0, interp);
    let matplotlib = (!mpl.is_empty()).then(|| Timing::of(1.0, mpl));
    Ok(FirstFrame {
        expression,
        ratio_vs_matplotlib: matplotlib.map(|m| m.median_s / interpreted.median_s),
        interpreted,
        compiled: Timing::of(1.0, compiled),
        matplotlib,
        in_place: Timing::of(1.0, in_place),
        note,
    })
}

/// Every frame case (those `only` selects; empty: all) and the new-expression case.
pub fn run(
    ctx: &Context,
    quick: bool,
    repeats: u32,
    only: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<FrameReport> {
    let frames = if quick { 3 } else { 10 * repeats.max(1) };
    let chosen = |name: &str| only.is_empty() || only.iter().any(|p| super::selects(p, name, ""));
    let mut cases = Vec::new();
    for (name, scene, steps) in scenes(quick)? {
        if chosen(&name) {
            progress(&format!("{name} ..."));
            cases.push(frame_case(ctx, &name, &scene, steps, frames)?);
        }
    }
    let first = if chosen("frame/new-expression") {
        progress("frame/new-expression ...");
        let size = if quick { [320, 180] } else { [1280, 720] };
        Some(first_frame(repeats.clamp(1, 5), size)?)
    } else {
        None
    };
    Ok(FrameReport {
        adapter: ctx.describe(),
        timestamps: GpuTimer::new(ctx).is_some(),
        cases,
        first_frame: first,
    })
}

/// The report as a Markdown table.
pub fn format_table(r: &FrameReport) -> String {
    use std::fmt::Write;
    let mut s = format!("adapter: {}\n\n", r.adapter);
    s.push_str("| case | size | frame (median [min–max]) | fps | per pass (GPU, median ms) |\n");
    s.push_str("|---|---|---|---|---|\n");
    for c in &r.cases {
        let passes: Vec<String> = c
            .passes
            .iter()
            .map(|(n, ms)| format!("{n} {ms:.1}"))
            .collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {:.1} ms [{:.1}–{:.1}] | {:.1} | {} |",
            c.name,
            c.size,
            c.frame.median_s * 1e3,
            c.frame.min_s * 1e3,
            c.frame.max_s * 1e3,
            c.fps,
            if passes.is_empty() {
                c.notes.join("; ")
            } else {
                passes.join(", ")
            }
        );
    }
    if let Some(f) = &r.first_frame {
        let t = |t: &Timing| format!("{:.2} s [{:.2}–{:.2}]", t.median_s, t.min_s, t.max_s);
        let _ = writeln!(
            s,
            "\nnew expression, first frame as a whole process (`{}`):\n\
             - gradfield render (interpreted): {}\n\
             - gradfield render --shaders compiled: {}\n\
             - matplotlib contourf + quiver: {}\n\
             - ratio matplotlib / gradfield: {}\n\
             - in the viewer (new function in place to its first frame): {:.1} ms",
            f.expression,
            t(&f.interpreted),
            t(&f.compiled),
            f.matplotlib
                .as_ref()
                .map(t)
                .unwrap_or_else(|| f.note.clone()),
            f.ratio_vs_matplotlib
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_else(|| "-".into()),
            f.in_place.median_s * 1e3,
        );
    }
    s
}
