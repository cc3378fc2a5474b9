//! The viewer in a real window under Xvfb: `gradfield view SCENE
//! --screenshot-after N --exit` must write a screenshot of the scene view that
//! is not blank and matches `gradfield render` of the same scene at the same
//! size, and the scene it saves must make `render` draw the same picture.
//!
//! Needs `xvfb-run` (Debian package xvfb) and a Vulkan adapter (lavapipe:
//! mesa-vulkan-drivers); a missing one fails the test with that message.

use gradfield::image::Image;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_gradfield")
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("viewer")
        .join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the viewer under Xvfb with `args` after `view`.
fn view(args: &[&str]) {
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x720x24", bin(), "view"])
        .args(args);
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run xvfb-run ({e}): install the Debian packages xvfb and xauth")
    });
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gradfield view {args:?} failed:\n{err}"
    );
}

fn render(target: &str, size: [u32; 2], out: &Path) {
    let o = Command::new(bin())
        .args([
            "render",
            target,
            "--size",
            &format!("{}x{}", size[0], size[1]),
            "-o",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// (pixels whose largest channel difference exceeds `threshold`, largest difference).
fn differing(a: &Image, b: &Image, threshold: u8) -> (usize, u8) {
    assert_eq!((a.width, a.height), (b.width, b.height), "sizes differ");
    let mut n = 0;
    let mut worst = 0;
    for (p, q) in a.data.chunks_exact(4).zip(b.data.chunks_exact(4)) {
        let d = p.iter().zip(q).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        worst = worst.max(d);
        if d > threshold {
            n += 1;
        }
    }
    (n, worst)
}

/// Distinct colours in the image (a blank or single-colour frame has 1).
fn colours(img: &Image) -> usize {
    let mut set: Vec<[u8; 4]> = img
        .data
        .chunks_exact(4)
        .step_by(7)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    set.sort_unstable();
    set.dedup();
    set.len()
}

/// Mean absolute difference per channel (R, G, B), in 0..255 units.
fn mean_abs_diff(a: &Image, b: &Image) -> [f64; 3] {
    assert_eq!((a.width, a.height), (b.width, b.height), "sizes differ");
    let mut sum = [0u64; 3];
    for (p, q) in a.data.chunks_exact(4).zip(b.data.chunks_exact(4)) {
        for c in 0..3 {
            sum[c] += p[c].abs_diff(q[c]) as u64;
        }
    }
    let n = (a.width * a.height) as f64;
    sum.map(|s| s as f64 / n)
}

fn compare(name: &str, shot: &Image, reference: &Image, dir: &Path) {
    // A per-pixel threshold of 16/255 on the largest channel difference, and a
    // budget of 0.2 % of the pixels. Measured on lavapipe (1280×720 window,
    // 300-point panel, 980×720 view): himmelblau 0 pixels over the threshold
    // (18 differ by at most a few counts), saddle (split, 3D) 0.
    let (n, worst) = differing(shot, reference, 16);
    // The view's texture plus the CPU overlay is render's own picture: measured
    // mean abs diff per channel 0.0000 (to 4 places) on all three scenes; bound 0.5.
    let mad = mean_abs_diff(shot, reference);
    eprintln!("{name}: mean abs diff per channel {mad:.4?}; bound 0.5");
    assert!(mad.iter().all(|&d| d < 0.5), "{name}: {mad:?}");
    let budget = (shot.width * shot.height) as usize / 500;
    eprintln!(
        "{name}: {n} of {} pixels differ by more than 16 (largest difference {worst}); budget {budget}",
        shot.width * shot.height
    );
    if n > budget {
        shot.save_png(&dir.join("shot-actual.png")).unwrap();
        panic!("{name}: the window's screenshot differs from render in {n} pixels (budget {budget}); see {}", dir.display());
    }
}

fn check_scene(name: &str) {
    let dir = out_dir(name);
    let scene = format!("assets/scenes/{name}.toml");
    let shot_path = dir.join("shot.png");
    let _ = std::fs::remove_file(&shot_path);
    view(&[
        &scene,
        "--paused",
        "--screenshot-after",
        "5",
        "--exit",
        "--screenshot",
        shot_path.to_str().unwrap(),
    ]);
    let shot = Image::load_png(&shot_path).expect("the viewer wrote a screenshot");
    eprintln!("{name}: screenshot {}×{}", shot.width, shot.height);
    assert!(
        shot.width >= 400 && shot.height >= 400,
        "view too small: {}×{}",
        shot.width,
        shot.height
    );
    let n = colours(&shot);
    assert!(n > 200, "{name}: the screenshot looks blank ({n} colours)");
    let ref_path = dir.join("render.png");
    render(&scene, [shot.width, shot.height], &ref_path);
    let reference = Image::load_png(&ref_path).unwrap();
    compare(name, &shot, &reference, &dir);
}

#[test]
fn the_window_shows_what_render_draws_2d() {
    check_scene("himmelblau");
}

#[test]
fn the_window_shows_what_render_draws_split() {
    check_scene("saddle");
}

#[test]
fn a_saved_scene_makes_render_draw_the_window() {
    // Not paused: the particles run 12 frames, then the scene is saved with how far they got.
    let dir = out_dir("saved");
    let shot_path = dir.join("shot.png");
    let toml = dir.join("saved.toml");
    let _ = std::fs::remove_file(&toml);
    view(
        &[
            "rosenbrock-adam.toml",
            "--screenshot-after",
            "12",
            "--exit",
            "--screenshot",
            shot_path.to_str().unwrap(),
            "--save-scene",
            toml.to_str().unwrap(),
        ]
        .map(|a| {
            if a == "rosenbrock-adam.toml" {
                "assets/scenes/rosenbrock-adam.toml"
            } else {
                a
            }
        }),
    );
    let shot = Image::load_png(&shot_path).unwrap();
    let text = std::fs::read_to_string(&toml).expect("the viewer saved the scene");
    let saved = gradfield::scene::Scene::from_toml(&text, "saved.toml").unwrap();
    let file =
        gradfield::scene::Scene::load(Path::new("assets/scenes/rosenbrock-adam.toml")).unwrap();
    assert_eq!(saved.size, [shot.width, shot.height]);
    assert!(
        saved.particles.steps >= file.particles.steps + 12,
        "saved steps {} = the file's {} + at least one per frame",
        saved.particles.steps,
        file.particles.steps
    );
    let ref_path = dir.join("render.png");
    render(toml.to_str().unwrap(), [shot.width, shot.height], &ref_path);
    compare("saved", &shot, &Image::load_png(&ref_path).unwrap(), &dir);
}

#[test]
fn bad_input_is_a_usage_error_before_any_window() {
    for args in [&["x^^2"][..], &["--size", "12x"], &["--fps-cap", "0"]] {
        let o = Command::new(bin()).arg("view").args(args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "view {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn the_window_itself_shows_what_render_draws() {
    // The whole window as the screen shows it (egui drawing the scene texture,
    // and the axes, title and colour bar with egui), panel hidden, hover off
    // (Xvfb's pointer rests in the middle of the window).
    let dir = out_dir("window");
    let shot_path = dir.join("window.png");
    let _ = std::fs::remove_file(&shot_path);
    view(&[
        "assets/scenes/himmelblau.toml",
        "--paused",
        "--no-panel",
        "--hover",
        "off",
        "--screenshot-window",
        "--screenshot-after",
        "5",
        "--exit",
        "--screenshot",
        shot_path.to_str().unwrap(),
    ]);
    let shot = Image::load_png(&shot_path).expect("the viewer wrote a window screenshot");
    assert_eq!((shot.width, shot.height), (1280, 720), "the window's size");
    let n = colours(&shot);
    assert!(n > 200, "the window looks blank ({n} colours)");
    let ref_path = dir.join("render.png");
    render("assets/scenes/himmelblau.toml", [1280, 720], &ref_path);
    let reference = Image::load_png(&ref_path).unwrap();
    let mad = mean_abs_diff(&shot, &reference);
    // Measured on lavapipe: [0.66, 0.70, 0.68] (the text's anti-aliasing:
    // egui's rasteriser against fontdue's). With the hover card and dial
    // left on, 5.0; bound 2.0.
    eprintln!("window vs render: mean abs diff per channel {mad:.3?}; bound 2.0");
    assert!(
        mad.iter().all(|&d| d < 2.0),
        "the window differs from render: {mad:?} (see {})",
        dir.display()
    );
    // The scene itself (not the text) is the same picture: the centre of
    // the map, away from labels, matches within a few counts.
    let (mut worst, mut total) = (0u8, 0usize);
    for y in 200..520 {
        for x in 400..880 {
            let (p, q) = (shot.get(x, y), reference.get(x, y));
            let d = (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap();
            worst = worst.max(d);
            total += 1;
        }
    }
    // Measured 1; bound 8.
    eprintln!("map centre ({total} pixels): largest channel difference {worst}");
    assert!(worst <= 8, "the map's centre differs by {worst}");
}
