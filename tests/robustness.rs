//! Bad input of every kind, met where a user meets it (the built binary):
//! the exit code, the words of the one-line message, and no file left
//! behind or overwritten. GPU failures are checked through the library.

mod common;

use gradfield::image::Image;
use gradfield::render::NONFINITE;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gradfield(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gradfield-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `args`, expects exit `code` and a message holding every one of `words`.
fn expect_error(args: &[&str], code: i32, words: &[&str]) -> String {
    let o = gradfield(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
    assert!(e.starts_with("error: "), "{args:?}: {e}");
    for w in words {
        assert!(e.contains(w), "{args:?}: missing '{w}' in: {e}");
    }
    assert!(!e.contains("panicked"), "{e}");
    e
}

/// Names in `dir` other than `keep`: temporary files a run left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn common_expression_mistakes_get_specific_messages_with_a_column() {
    // (expression, words in the message, the column the caret points at)
    let cases = [
        ("sin(x", "unbalanced '('", 4),
        ("(x+y))", "unbalanced ')'", 6),
        ("sinn(x)", "did you mean 'sin'", 1),
        ("z + x", "unknown variable 'z'", 1),
        ("x + * y", "missing operand", 5),
        ("atan2(x)", "takes 2 arguments, got 1", 1),
        ("1.2.3 + x", "malformed number '1.2.3'", 1),
        ("x +", "missing operand", 4),
    ];
    for (src, words, col) in cases {
        let e = expect_error(&["eval", src, "--at", "0,0"], 2, &[words]);
        assert!(e.contains(&format!("column {col}")), "{src}: {e}");
        // The caret picture: the expression, then a caret under the column.
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{src}: {e}");
        assert_eq!(lines[1].trim_start(), src, "{e}");
        let indent = lines[1].len() - src.len();
        assert_eq!(lines[2].find('^'), Some(indent + col - 1), "{src}: {e}");
    }
}

#[test]
fn undefined_regions_get_their_own_colour_and_no_streaks() {
    // sqrt(x) is undefined on the left half of the domain: every pixel of the
    // plot there is the non-finite colour (no arrows, contours or smears), and
    // none on the right half is.
    let dir = tempdir("nonfinite");
    let out = dir.join("sqrt.png");
    let o = gradfield(&[
        "render",
        "sqrt(x) + y",
        "--domain",
        "-1,1,-1,1",
        "--size",
        "400x400",
        "--view",
        "2d",
        "--arrows",
        "20",
        "--contours",
        "12",
        "--particles",
        "0",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = Image::load_png(&out).unwrap();
    let mid = img.height / 2;
    let magenta: Vec<u32> = (0..img.width)
        .filter(|&x| img.get(x, mid) == NONFINITE)
        .collect();
    assert!(
        magenta.len() > 60,
        "too few non-finite pixels on the middle row: {}",
        magenta.len()
    );
    let (a, b) = (magenta[0], *magenta.last().unwrap());
    assert_eq!(
        magenta.len() as u32,
        b - a + 1,
        "the undefined half is one unbroken run"
    );
    // The plot's left half, minus a 2-pixel margin at its edges: all non-finite colour.
    let rows: Vec<u32> = (0..img.height)
        .filter(|&y| img.get((a + b) / 2, y) == NONFINITE)
        .collect();
    let (top, bottom) = (rows[0] + 2, rows.last().unwrap() - 2);
    let mut other = 0;
    for y in top..=bottom {
        for x in a + 2..=b - 2 {
            if img.get(x, y) != NONFINITE {
                other += 1;
            }
        }
    }
    assert_eq!(other, 0, "{other} pixels drawn over the undefined region");
    // Right of it (past the sqrt rim, where arrows and contours are): no non-finite colour.
    let right = (b + 6..img.width)
        .flat_map(|x| (top..=bottom).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get(x, y) == NONFINITE)
        .count();
    assert_eq!(right, 0);
}

#[test]
fn particles_that_reach_undefined_points_are_marked_diverged() {
    // Descent on sqrt(x) from x = 0.5 with lr 0.5: 0.5 → 0.146 → −0.507, where sqrt is undefined.
    let o = gradfield(&[
        "descend", "sqrt(x)", "--from", "0.5,0", "--lr", "0.5", "--steps", "100", "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let t = &v["trajectories"][0];
    assert_eq!(t["status"], "diverged", "{t}");
    assert_eq!(t["steps"], 2, "{t}");
    // A start where f is undefined diverges at once.
    let o = gradfield(&["descend", "ln(x)", "--from", "-1,0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["trajectories"][0]["status"], "diverged");
    assert_eq!(v["trajectories"][0]["steps"], 0);
}

#[test]
fn f32_overflow_where_f64_is_finite_is_reported_once() {
    // exp(x) overflows f32 past x ≈ 88.72; f64 is finite up to 709.
    let dir = tempdir("overflow");
    let out = dir.join("exp.png");
    let o = gradfield(&[
        "render",
        "exp(x)*y",
        "--domain",
        "0,100,-1,1",
        "--size",
        "320x240",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.matches("overflows 32-bit floats").count(), 1, "{e}");
    assert!(e.starts_with("warning: "), "{e}");
    // The first overflowing sample lies past ln(f32::MAX) ≈ 88.72.
    let x: f64 = e
        .split("first at x=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((88.7..90.0).contains(&x), "{e}");
    // Within f32's range: no warning.
    let o = gradfield(&[
        "render",
        "exp(x)*y",
        "--domain",
        "0,10,-1,1",
        "--size",
        "320x240",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn limits_are_checked_before_any_gpu_work_with_the_limit_in_the_message() {
    let dir = tempdir("limits");
    let out = dir.join("x.png");
    let o = out.to_str().unwrap();
    expect_error(
        &["render", "x^2", "--size", "100000x100", "-o", o],
        2,
        &["100000x100", "between 64 and 8192"],
    );
    expect_error(&["render", "x^2", "--size", "0x100", "-o", o], 2, &["size"]);
    expect_error(
        &["render", "x^2", "--particles", "100000000", "-o", o],
        2,
        &["more than 16M"],
    );
    expect_error(
        &[
            "render",
            "x^2",
            "--particles",
            "16000000",
            "--trail",
            "1000",
            "-o",
            o,
        ],
        2,
        &["119.8 GiB", "4 GiB", "fewer particles or shorter trails"],
    );
    expect_error(
        &["render", "x^2", "--steps", "4000000000", "-o", o],
        2,
        &["at most 10000000 steps"],
    );
    for lr in ["0", "-1", "nan", "inf"] {
        expect_error(
            &["render", "x^2", "--lr", lr, "-o", o],
            2,
            &["learning rate", "finite number > 0"],
        );
    }
    expect_error(
        &["render", "x^2", "--contours", "100000", "-o", o],
        2,
        &["at most 256"],
    );
    expect_error(
        &["compare", "x^2", "--starts", "grid:16000x16000"],
        2,
        &["256000000 starts", "16777216"],
    );
    expect_error(
        &["compare", "x^2", "--starts", "random:0"],
        2,
        &["random:0"],
    );
    expect_error(
        &[
            "compare",
            "x^2",
            "--starts",
            "grid:4000x4000",
            "--max-steps",
            "100000000",
        ],
        2,
        &["particle-steps", "10^12"],
    );
    expect_error(&["compare", "x^2", "--tol", "nan"], 2, &["--tol"]);
    expect_error(&["descend", "x^2", "--from", "nan,0"], 2, &["nan"]);
    assert!(
        leftovers(&dir, &[]).is_empty(),
        "{:?}",
        leftovers(&dir, &[])
    );
}

#[test]
fn bad_files_name_the_file_and_line_and_unwritable_outputs_exit_1() {
    let dir = tempdir("files");
    let out = dir.join("x.png");
    let o = out.to_str().unwrap();
    // Missing scene.
    let missing = dir.join("nope.toml");
    expect_error(
        &["render", missing.to_str().unwrap(), "-o", o],
        2,
        &["nope.toml", "cannot read"],
    );
    // Malformed scene: TOML syntax error on line 3.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "function = \"x^2\"\nview = \"2d\"\nsize = [320, \n").unwrap();
    expect_error(
        &["render", bad.to_str().unwrap(), "-o", o],
        2,
        &["bad.toml:"],
    );
    // A scene whose expression does not parse: the file, and the column in the expression.
    std::fs::write(&bad, "function = \"x^2 +\"\n").unwrap();
    expect_error(
        &["render", bad.to_str().unwrap(), "-o", o],
        2,
        &["bad.toml", "missing operand"],
    );
    // Start CSV with a bad line 3.
    let csv = dir.join("starts.csv");
    std::fs::write(&csv, "x,y\n1,2\n3,abc\n").unwrap();
    expect_error(
        &["compare", "x^2", "--starts", csv.to_str().unwrap()],
        2,
        &["starts.csv:3", "3,abc"],
    );
    // An output directory that does not exist, and one that is a file: exit 1.
    expect_error(
        &["render", "x^2", "-o", "/nonexistent-dir/x.png"],
        1,
        &["/nonexistent-dir"],
    );
    std::fs::write(dir.join("file"), "").unwrap();
    let under_file = dir.join("file").join("x.png");
    expect_error(
        &["render", "x^2", "-o", under_file.to_str().unwrap()],
        1,
        &["file"],
    );
    assert!(
        leftovers(&dir, &["bad.toml", "starts.csv", "file"]).is_empty(),
        "{:?}",
        leftovers(&dir, &["bad.toml", "starts.csv", "file"])
    );
}

#[test]
fn a_failing_run_never_overwrites_a_good_file() {
    let dir = tempdir("keep");
    let out = dir.join("good.png");
    let o = gradfield(&[
        "render",
        "x^2",
        "--size",
        "200x150",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&out).unwrap();
    // Fails after the output path was checked (bad expression, bad learning rate).
    expect_error(
        &["render", "x^2 +", "-o", out.to_str().unwrap()],
        2,
        &["missing operand"],
    );
    expect_error(
        &["render", "x^2", "--lr", "-1", "-o", out.to_str().unwrap()],
        2,
        &["learning rate"],
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the good file was changed"
    );
    assert!(
        leftovers(&dir, &["good.png"]).is_empty(),
        "{:?}",
        leftovers(&dir, &["good.png"])
    );
}

#[test]
fn shader_compile_failures_are_errors_with_the_label() {
    let ctx = common::ctx();
    let e = ctx
        .shader("robustness::broken", "fn f( -> f32 { return 1.0; }")
        .expect_err("broken WGSL is an error");
    let msg = e.to_string();
    assert!(msg.contains("robustness::broken"), "{msg}");
    assert!(!msg.contains('\n') || msg.lines().count() < 40, "{msg}");
}

#[test]
fn gpu_validation_errors_become_errors_not_panics() {
    let ctx = common::ctx();
    assert!(ctx.check().is_ok());
    // MAP_READ may only go with COPY_DST: wgpu raises a validation error,
    // which by default panics; the context keeps it and `wait` returns it.
    let _bad = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("robustness::bad-usage"),
        size: 256,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    let e = ctx.wait().expect_err("the validation error is reported");
    let msg = e.to_string();
    assert!(msg.contains(&ctx.info.name), "names the adapter: {msg}");
    assert!(
        msg.contains("robustness::bad-usage") || msg.to_lowercase().contains("usage"),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg}");
}
