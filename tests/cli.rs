//! The command line, run as a user runs it: the built binary, its output, its exit codes.

mod common;

use common::{f, gradfield, json};
use serde_json::Value;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn eval_reproduces_the_steepest_ascent_bowl_example() {
    // "Gradient as Steepest Ascent Direction": f = x² + 3y², ∇f(1, 2) = (2, 12).
    let v = json(&["eval", "x^2 + 3*y^2", "--at", "1,2", "--json"]);
    assert_eq!(f(&v["value"]), 13.0);
    assert_eq!(v["gradient"][0].as_f64(), Some(2.0));
    assert_eq!(v["gradient"][1].as_f64(), Some(12.0));
    assert!((f(&v["gradient_norm"]) - 148f64.sqrt()).abs() < 1e-12);
    assert_eq!(v["hessian"], serde_json::json!([[2.0, 0.0], [0.0, 6.0]]));
    let u = &v["steepest_ascent"];
    assert!(
        (f(&u[0]) - 2.0 / 148f64.sqrt()).abs() < 1e-12
            && (f(&u[1]) - 12.0 / 148f64.sqrt()).abs() < 1e-12
    );
    assert_eq!(v["kind"], "regular");
}

#[test]
fn eval_directional_derivative_is_grad_dot_unit_direction() {
    // "Gradient as Steepest Ascent Direction", exercise 3: f = x² − xy + y² at (1, 1): ∇f = (1, 1); along (1, 0): D = 1.
    let v = json(&[
        "eval",
        "x^2 - x*y + y^2",
        "--at",
        "1,1",
        "--direction",
        "1,0",
        "--json",
    ]);
    assert_eq!(v["gradient"], serde_json::json!([1.0, 1.0]));
    assert_eq!(f(&v["directional_derivative"]), 1.0);
    // The direction is normalised first: (3, 0) gives the same.
    let w = json(&[
        "eval",
        "x^2 - x*y + y^2",
        "--at",
        "1,1",
        "--direction",
        "3,0",
        "--json",
    ]);
    assert_eq!(f(&w["directional_derivative"]), 1.0);
    assert!((f(&w["angle_degrees"]) - 45.0).abs() < 1e-9);
}

#[test]
fn eval_classifies_critical_points_and_accepts_negative_points() {
    let v = json(&["eval", "x^2 - y^2", "--at", "0,0", "--json"]);
    assert_eq!(v["kind"], "saddle");
    assert!(v["steepest_ascent"].is_null());
    let v = json(&["eval", "-(x^2 + y^2) + 4", "--at", "-0,-0", "--json"]);
    assert_eq!(v["kind"], "maximum");
    let v = json(&[
        "eval",
        "himmelblau",
        "--at",
        "-2.805118086952745,3.131312518250573",
        "--json",
    ]);
    assert_eq!(v["kind"], "minimum");
    assert!(f(&v["value"]).abs() < 1e-12);
    // ∇f here is rounding residue, not a direction: no steepest ascent, in
    // JSON or in the text.
    assert!(v["steepest_ascent"].is_null(), "{}", v["steepest_ascent"]);
    let o = gradfield(&[
        "eval",
        "himmelblau",
        "--at",
        "-2.805118086952745,3.131312518250573",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("steepest ascent: none"), "{text}");
}

#[test]
fn steepest_ascent_is_null_exactly_when_kind_is_critical() {
    for (func, at) in [
        ("himmelblau", "-2.805118086952745,3.131312518250573"),
        ("himmelblau", "3,2"),
        ("himmelblau", "1,1"),
        ("x^2 - y^2", "0,0"),
        ("x^2 - y^2", "1e-9,0"),
        ("rosenbrock", "1,1"),
        ("rosenbrock", "0.5,0.5"),
        ("x^2 + 3*y^2", "1,2"),
    ] {
        let v = json(&["eval", func, "--at", at, "--json"]);
        let regular = v["kind"] == "regular";
        assert_eq!(
            v["steepest_ascent"].is_null(),
            !regular,
            "{func} at {at}: kind {} steepest_ascent {}",
            v["kind"],
            v["steepest_ascent"]
        );
    }
}

#[test]
fn bad_expressions_exit_2_with_column_and_caret() {
    let o = gradfield(&["eval", "x + sinn(y)", "--at", "0,0"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines[0].starts_with("error: unknown function 'sinn'"),
        "{e}"
    );
    assert!(lines[0].contains("column 5"), "{e}");
    assert_eq!(lines[1], "  x + sinn(y)");
    assert_eq!(lines[2], "      ^");
    let o = gradfield(&["eval", "(x + 1", "--at", "0,0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unbalanced '('"));
}

#[test]
fn malformed_points_exit_2_with_one_line() {
    for (args, words) in [
        (vec!["eval", "x", "--at", "1"], "must be X,Y"),
        (vec!["eval", "x", "--at", "1,abc"], "'abc') is not a number"),
        (
            vec!["eval", "x", "--at", "0,0", "--direction", "0,0"],
            "zero vector",
        ),
        (
            vec!["descend", "x^2", "--from", "1,1", "--lr", "-1"],
            "learning rate = -1 is out of range",
        ),
        (
            vec!["descend", "x^2", "--from", "1,1", "--lr", "nan"],
            "learning rate = NaN is out of range",
        ),
        (
            vec!["descend", "x^2", "--from", "1,1", "--optimizer", "adamw"],
            "unknown optimizer 'adamw'",
        ),
    ] {
        let o = gradfield(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{args:?}: one line expected, got {e}");
        assert!(
            e.starts_with("error: ") && e.contains(words),
            "{args:?}: {e}"
        );
    }
}

/// "Why Does the Gradient Point Upwards?" (2024): the gradient ascent on f = −(x² + y²) + 4 from (1, 1), lr 0.1, 10 steps.
const SEED_ASCENT: [f64; 11] = [
    1.0,
    0.8,
    0.64,
    0.512,
    0.4096,
    0.32768,
    0.26214400000000004,
    0.20971520000000005,
    0.16777216000000003,
    0.13421772800000004,
    0.10737418240000003,
];

#[test]
fn descend_cpu_reproduces_the_upwards_ascent_exactly() {
    let args = [
        "descend",
        "-(x^2 + y^2) + 4",
        "--from",
        "1,1",
        "--optimizer",
        "ascent",
        "--lr",
        "0.1",
        "--steps",
        "10",
        "--cpu",
        "--json",
    ];
    let v = json(&args);
    let t = &v["trajectories"][0];
    assert_eq!(t["start"], serde_json::json!([1.0, 1.0]));
    assert_eq!(t["steps"], 10);
    assert_eq!(t["status"], "running");
    let pts = t["points"].as_array().unwrap();
    assert_eq!(pts.len(), 11);
    for (p, e) in pts.iter().zip(SEED_ASCENT) {
        assert_eq!(f(&p[0]), e);
        assert_eq!(f(&p[1]), e);
    }
    assert_eq!(t["values"].as_array().unwrap().len(), 11);
}

#[test]
fn descend_gpu_matches_the_upwards_ascent_in_f32() {
    let args = [
        "descend",
        "-(x^2 + y^2) + 4",
        "--from",
        "1,1",
        "--optimizer",
        "ascent",
        "--lr",
        "0.1",
        "--steps",
        "10",
        "--json",
    ];
    let v = json(&args);
    let pts = v["trajectories"][0]["points"].as_array().unwrap().clone();
    assert_eq!(pts.len(), 11);
    for (p, e) in pts.iter().zip(SEED_ASCENT) {
        // f32 arithmetic: each step rounds once to f32 (relative 6e-8); after
        // 10 steps the measured worst relative error is 1.2e-7.
        assert!((f(&p[0]) - e).abs() <= 3e-7 * e, "{p} vs {e}");
    }
}

#[test]
fn descend_several_starts_with_negative_coordinates_and_csv() {
    let out = gradfield(&[
        "descend",
        "x^2 + y^2",
        "--from",
        "-1.5,2",
        "--from",
        "3,-0.5",
        "--lr",
        "0.25",
        "--steps",
        "5",
        "--csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "trajectory,step,x,y,value");
    assert_eq!(rows.len(), 1 + 2 * 6);
    // lr 0.25 halves the point every step: after 5 steps (-1.5, 2)/32.
    let last: Vec<f64> = rows[6].split(',').map(|c| c.parse().unwrap()).collect();
    assert_eq!(&last[..4], &[0.0, 5.0, -1.5 / 32.0, 2.0 / 32.0]);
}

#[test]
fn descend_reports_convergence_and_divergence() {
    let v = json(&[
        "descend",
        "x^2 + y^2",
        "--from",
        "1,0.5",
        "--lr",
        "0.1",
        "--steps",
        "500",
        "--json",
    ]);
    let t = &v["trajectories"][0];
    assert_eq!(t["status"], "converged");
    // |∇f| = 2·0.8^n·√1.25 < 1e-6 first at n = 66 (see optim tests).
    assert_eq!(t["steps"], 66);
    let v = json(&[
        "descend",
        "x^2 + y^2",
        "--from",
        "1,0.5",
        "--lr",
        "1.1",
        "--steps",
        "500",
        "--json",
    ]);
    assert_eq!(v["trajectories"][0]["status"], "diverged");
}

#[test]
fn critical_finds_himmelblaus_nine_points() {
    let v = json(&["critical", "himmelblau", "--json"]);
    let pts = v["critical_points"].as_array().unwrap();
    let count = |k: &str| pts.iter().filter(|p| p["kind"] == k).count();
    assert_eq!(
        (count("minimum"), count("saddle"), count("maximum")),
        (4, 4, 1),
        "{v}"
    );
    for p in pts {
        assert_eq!(p["eigenvalues"].as_array().unwrap().len(), 2);
        for key in ["x", "y", "value"] {
            assert!(p[key].is_number(), "{p}");
        }
    }
}

#[test]
fn render_writes_a_png_of_the_asked_size() {
    let dir_guard = tempdir("render");
    let dir = dir_guard.path();
    let out = dir.join("bowl.png");
    let o = gradfield(&[
        "render",
        "x^2 + 3*y^2",
        "-o",
        out.to_str().unwrap(),
        "--size",
        "320x200",
        "--view",
        "2d",
        "--particles",
        "16",
        "--steps",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = gradfield::image::Image::load_png(&out).unwrap();
    assert_eq!((img.width, img.height), (320, 200));
    // Where the picture's places are: the same scene's layout in the library.
    let mut s = gradfield::scene::Scene::for_function("x^2 + 3*y^2").unwrap();
    s.size = [320, 200];
    s.view = gradfield::scene::View::TwoD;
    let lay = gradfield::render::layout::Layout::new(&s, 320, 200);
    let table = s.map.colormap.table();
    let d = s.domain();
    let at = |x: f64, y: f64| {
        let [px, py] = lay.to_pixel(&s, x, y).unwrap();
        (px.floor() as u32, py.floor() as u32)
    };
    // The colormap's low end is drawn around the minimum (0, 0) and nowhere
    // else: every pixel of exactly that colour lies near the minimum's pixel.
    // (The colour bar beside the plot holds every colour: not searched.)
    let (mx, my) = at(0.0, 0.0);
    let [px, py, pw, ph] = lay.panels[0].plot_in_target();
    let (x0, y0) = (px.ceil() as u32, py.ceil() as u32);
    let (x1, y1) = ((px + pw).floor() as u32, (py + ph).floor() as u32);
    let low: Vec<(u32, u32)> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get(x, y) == table[0])
        .collect();
    let far = low
        .iter()
        .map(|&(x, y)| (x as f64 - mx as f64).hypot(y as f64 - my as f64))
        .fold(0.0f64, f64::max);
    eprintln!(
        "{} pixels of the lowest colour, the farthest {far:.1} px from the minimum",
        low.len()
    );
    // Measured on lavapipe: 12 pixels (the minimum's marker covers the
    // rest of the low ellipse), the farthest 10.3 px away; the ellipse's
    // half-width is ~12 px here.
    assert!(low.len() >= 6, "{} pixels of the lowest colour", low.len());
    assert!(
        far <= 16.0,
        "a lowest-colour pixel {far:.1} px from the minimum"
    );
    // The domain's corners are f's largest values there: the high end.
    let inset = 0.01 * d.width();
    let corners = [
        (d.xmin + inset, d.ymin + inset),
        (d.xmax - inset, d.ymin + inset),
        (d.xmin + inset, d.ymax - inset),
        (d.xmax - inset, d.ymax - inset),
    ];
    let high = corners
        .iter()
        .filter(|&&(x, y)| {
            let (px, py) = at(x, y);
            img.get(px, py) == table[255]
        })
        .count();
    assert!(
        high >= 3,
        "{high} of 4 corners have the colormap's high end"
    );
    // Outside the plot: the theme's background.
    assert_eq!(img.get(0, 0), s.theme.background());
}

#[test]
fn render_errors_name_the_file_and_exit_codes_differ() {
    let dir_guard = tempdir("render-errors");
    let dir = dir_guard.path();
    let scene = dir.join("bad.toml");
    std::fs::write(&scene, "function = \"x^2\"\nview = \"4d\"\n").unwrap();
    let out = dir.join("x.png");
    let o = gradfield(&[
        "render",
        scene.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("bad.toml:2") && e.contains("view"), "{e}");
    assert!(!out.exists());
    // A directory that does not exist: an I/O failure, exit 1, before any GPU work.
    let o = gradfield(&["render", "x^2", "-o", "/nonexistent-dir/x.png"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent-dir"), "{}", stderr(&o));
}

#[test]
fn compare_on_the_paraboloid_sends_every_start_to_the_origin() {
    let dir_guard = tempdir("compare");
    let dir = dir_guard.path();
    let j = dir.join("r.json");
    let o = gradfield(&[
        "compare",
        "x^2 + y^2",
        "--starts",
        "grid:16x16",
        "--optimizer",
        "gd,adam",
        "--lr",
        "0.1",
        "--max-steps",
        "3000",
        "--json",
        j.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    for opt in v["optimizers"].as_array().unwrap() {
        assert_eq!(opt["converged"], 256, "{opt}");
        let d = &opt["destinations"][0];
        assert_eq!(d["kind"], "minimum");
        assert!(f(&d["x"]).abs() < 1e-9 && f(&d["y"]).abs() < 1e-9, "{d}");
        assert_eq!(f(&d["fraction"]), 1.0);
    }
}

/// A fresh directory, removed (with what the test left in it) when dropped.
fn tempdir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gradfield-cli-{name}-"))
        .tempdir()
        .unwrap()
}

#[test]
fn descend_cpu_reproduces_the_upwards_3d_descent_exactly() {
    // "Why Does the Gradient Point Upwards?", `gradient_descent3d(8, 8, 0.1, 20)` on f = x² + y² with
    // grad = (2x, 2y) and `x -= learning_rate * grad[0]`: the same float
    // operations, so the same bits.
    let v = json(&[
        "descend",
        "x^2 + y^2",
        "--from",
        "8,8",
        "--lr",
        "0.1",
        "--steps",
        "20",
        "--tol",
        "0",
        "--cpu",
        "--json",
    ]);
    let pts = v["trajectories"][0]["points"].as_array().unwrap();
    assert_eq!(pts.len(), 21);
    let (mut x, mut y) = (8.0f64, 8.0f64);
    for (k, p) in pts.iter().enumerate() {
        assert_eq!((f(&p[0]), f(&p[1])), (x, y), "step {k}");
        let g = [2.0 * x, 2.0 * y];
        x -= 0.1 * g[0];
        y -= 0.1 * g[1];
    }
    // The path shrinks by 0.8 a step: 8 · 0.8^20 ≈ 0.0922.
    assert!((f(&pts[20][0]) - 8.0 * 0.8f64.powi(20)).abs() < 1e-12);
}

#[test]
fn crf_out_of_range_for_the_codec_exits_2_up_front() {
    let dir_guard = tempdir("crf");
    let dir = dir_guard.path();
    // libx264 takes 0 to 51: 52 is refused for MP4 before ffmpeg starts.
    for (ext, crf) in [("mp4", "52"), ("mp4", "63"), ("webm", "64")] {
        let out = dir.join(format!("a.{ext}"));
        let o = gradfield(&[
            "record",
            "himmelblau",
            "-o",
            out.to_str().unwrap(),
            "--crf",
            crf,
        ]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{ext} --crf {crf}: {}",
            stderr(&o)
        );
        let e = stderr(&o);
        assert!(e.contains("--crf"), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(!out.exists());
    }
}

#[test]
fn an_unreadable_starts_file_exits_2() {
    let dir_guard = tempdir("starts");
    let dir = dir_guard.path();
    let missing = dir.join("no-such-starts.csv");
    let o = gradfield(&[
        "compare",
        "himmelblau",
        "--starts",
        missing.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no-such-starts.csv"), "{}", stderr(&o));
}

#[test]
fn usage_errors_are_one_line_plus_a_hint_and_exit_2() {
    for args in [
        &["eval", "x", "--bogus"][..],
        &["no-such-command"][..],
        &["eval"][..],
        &["eval", "x", "--at"][..],
    ] {
        let o = gradfield(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = stderr(&o);
        let lines: Vec<&str> = e.lines().collect();
        assert!(lines.len() <= 2, "{args:?}: {e}");
        assert!(lines[0].starts_with("error: "), "{args:?}: {e}");
        assert!(!lines[0].ends_with(':'), "{args:?}: {e}");
        assert!(lines.last().unwrap().contains("--help"), "{args:?}: {e}");
    }
    for flag in ["--help", "--version"] {
        let o = gradfield(&[flag]);
        assert_eq!(o.status.code(), Some(0), "{flag}");
        assert!(!o.stdout.is_empty(), "{flag}");
    }
    let o = gradfield(&["eval", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--at"));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = gradfield(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(s.contains("gradfield"), "{shell}");
        assert!(s.contains("compare") && s.contains("--at"), "{shell}");
    }
    let o = gradfield(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}
