//! Issue 16, "answers you can trust at the edges", through the binary: every
//! figure is checked against an independent value written beside it (mpmath
//! at 40 digits unless a literature source is named), with a measured tolerance.

mod common;

use common::{f, gradfield, json};
use serde_json::Value;

fn text(args: &[&str]) -> (String, String) {
    let out = gradfield(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

const HIMMELBLAU: &str = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";
const EASOM: &str = "-cos(x)*cos(y)*exp(-((x - pi)^2 + (y - pi)^2))";
const DROP_WAVE: &str = "-(1 + cos(12*sqrt(x^2 + y^2)))/(0.5*(x^2 + y^2) + 2)";
const CROSS_IN_TRAY: &str =
    "-0.0001*(abs(sin(x)*sin(y)*exp(abs(100 - sqrt(x^2 + y^2)/pi))) + 1)^0.1";
const EGGHOLDER: &str = "-(y + 47)*sin(sqrt(abs(x/2 + y + 47))) - x*sin(sqrt(abs(x - (y + 47))))";

/// Kinds of `critical` sorted, for f scaled by c.
fn critical_kinds(expr: &str, c: &str, domain: &str) -> Vec<(String, i64, i64)> {
    let src = format!("{c}*({expr})");
    let v = json(&["critical", &src, "--domain", domain, "--json"]);
    let mut k: Vec<(String, i64, i64)> = v["critical_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                (f(&p["x"]) * 1e4).round() as i64,
                (f(&p["y"]) * 1e4).round() as i64,
            )
        })
        .collect();
    k.sort();
    k
}

// 1. Scale-free classification.

#[test]
fn a_constant_factor_changes_no_kind_in_critical_and_eval() {
    // 1e-9·((x − 1)² + 2y²): a minimum at (1, 0) with eigenvalues 2e-9, 4e-9 (exact).
    let v = json(&["critical", "1e-9*((x - 1)^2 + 2*y^2)", "--json"]);
    let pts = v["critical_points"].as_array().unwrap();
    assert_eq!(pts.len(), 1, "{v}");
    assert_eq!(pts[0]["kind"], "minimum");
    assert!(close(f(&pts[0]["eigenvalues"][0]), 2e-9, 1e-6));
    assert!(close(f(&pts[0]["eigenvalues"][1]), 4e-9, 1e-6));
    // At (3, 2), ∇f = (4e-9, 8e-9) ≠ 0: regular, with a direction of steepest ascent.
    let e = json(&["eval", "1e-9*((x - 1)^2 + 2*y^2)", "--at", "3,2", "--json"]);
    assert_eq!(e["kind"], "regular");
    assert!(e["steepest_ascent"].is_array());
    let (out, _) = text(&["eval", "1e-9*((x - 1)^2 + 2*y^2)", "--at", "3,2"]);
    assert!(out.contains("kind         = regular"), "{out}");
    assert!(!out.contains("∇f = 0"), "{out}");
    // Himmelblau (4 minima, 4 saddles, 1 maximum) and the monkey saddle
    // (degenerate) scaled by 1e-9, 1 and 1e9: the same points, the same kinds.
    for (expr, dom) in [(HIMMELBLAU, "-5,5,-5,5"), ("x^3 - 3*x*y^2", "-2,2,-2,2")] {
        let base = critical_kinds(expr, "1", dom);
        for c in ["1e-9", "1e9"] {
            assert_eq!(critical_kinds(expr, c, dom), base, "{expr} × {c}");
        }
    }
    for c in ["1e-9", "1", "1e9"] {
        let src = format!("{c}*({HIMMELBLAU})");
        for (at, kind) in [
            ("3,2", "minimum"),
            ("-0.270845,-0.923039", "regular"),
            ("1,1", "regular"),
        ] {
            let e = json(&["eval", &src, "--at", at, "--json"]);
            assert_eq!(e["kind"], kind, "{src} at {at}");
        }
        // The maximum to 16 digits (Newton in f64 from critical's output).
        let crit = json(&["critical", &src, "--json"]);
        let max = crit["critical_points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "maximum")
            .expect("a maximum");
        let at = format!("{},{}", f(&max["x"]), f(&max["y"]));
        assert_eq!(
            json(&["eval", &src, "--at", &at, "--json"])["kind"],
            "maximum"
        );
    }
}

#[test]
fn compare_kinds_do_not_depend_on_a_constant_factor() {
    // gd on c·f with lr/c and tol·c takes the same steps; the kinds must agree.
    let mut seen = Vec::new();
    for (c, lr, tol) in [
        ("1e-9", "1e7", "1e-13"),
        ("1", "0.01", "1e-4"),
        ("1e9", "1e-11", "1e5"),
    ] {
        let src = format!("{c}*({HIMMELBLAU})");
        let dir = std::env::temp_dir().join(format!("gf-edges-scale-{}-{c}", std::process::id()));
        let path = dir.with_extension("json");
        let p = path.to_str().unwrap();
        text(&[
            "compare",
            &src,
            "--cpu",
            "--starts",
            "grid:24x24",
            "--lr",
            lr,
            "--tol",
            tol,
            "--json",
            p,
            "-q",
        ]);
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        let mut kinds: Vec<(String, i64, i64, u64)> = v["optimizers"][0]["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().unwrap().to_string(),
                    (f(&d["x"]) * 1e4).round() as i64,
                    (f(&d["y"]) * 1e4).round() as i64,
                    d["count"].as_u64().unwrap(),
                )
            })
            .collect();
        kinds.sort();
        assert_eq!(
            kinds.iter().filter(|k| k.0 == "minimum").count(),
            4,
            "{c}: {kinds:?}"
        );
        seen.push(kinds);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
}

#[test]
fn easom_and_schaffer_points_with_tiny_eigenvalues_are_minima() {
    // Easom's local minimum (mpmath findroot at 40 digits): (π, 7.957434971435728679),
    // f = -8.7431004519538e-12, eigenvalues 2.62293013559e-11 and 8.37321037838e-10.
    let e = json(&[
        "eval",
        EASOM,
        "--at",
        "3.141592653589793,7.957434971435729",
        "--domain",
        "-100,100,-100,100",
        "--json",
    ]);
    assert_eq!(e["kind"], "minimum", "{e}");
    assert!(
        close(f(&e["eigenvalues"][0]), 2.62293013559e-11, 1e-6),
        "{e}"
    );
    assert!(
        close(f(&e["eigenvalues"][1]), 8.37321037838e-10, 1e-6),
        "{e}"
    );
    // Schaffer N.2, 0.5 + (sin²(x² − y²) − 0.5)/(1 + 0.001(x² + y²))², at
    // (86.451424880594384, 0) (mpmath): eigenvalues 832.66990939 and 6.5738205821e-6.
    let s = "0.5 + (sin(x^2 - y^2)^2 - 0.5)/(1 + 0.001*(x^2 + y^2))^2";
    let e = json(&[
        "eval",
        s,
        "--at",
        "86.45142488059438,0",
        "--domain",
        "-100,100,-100,100",
        "--json",
    ]);
    assert_eq!(e["kind"], "minimum", "{e}");
    assert!(close(f(&e["eigenvalues"][1]), 832.66990939, 1e-8), "{e}");
    // The small one carries the rounding of x² ≈ 7474 (1e-12 absolute): measured 1e-7 relative.
    assert!(close(f(&e["eigenvalues"][0]), 6.5738205821e-6, 1e-5), "{e}");
}

#[test]
fn drop_wave_origin_is_one_minimum_in_critical_and_compare() {
    // Near 0, f ≈ −1 + 36.25 r² (cos 12r ≈ 1 − 72r², 1/(2 + r²/2) ≈ (1 − r²/4)/2):
    // a minimum with both eigenvalues 72.5.
    let v = json(&[
        "critical",
        DROP_WAVE,
        "--domain",
        "-5.12,5.12,-5.12,5.12",
        "--json",
    ]);
    let pts = v["critical_points"].as_array().unwrap();
    let origin: Vec<&Value> = pts
        .iter()
        .filter(|p| f(&p["x"]).hypot(f(&p["y"])) < 1e-3)
        .collect();
    assert_eq!(origin.len(), 1, "{origin:?}");
    assert_eq!(origin[0]["kind"], "minimum");
    for k in 0..2 {
        assert!(
            close(f(&origin[0]["eigenvalues"][k]), 72.5, 1e-4),
            "{:?}",
            origin[0]
        );
    }
    let dir = std::env::temp_dir().join(format!("gf-edges-dw-{}.json", std::process::id()));
    let p = dir.to_str().unwrap();
    text(&[
        "compare",
        DROP_WAVE,
        "--domain",
        "-1,1,-1,1",
        "--starts",
        "grid:16x16",
        "--json",
        p,
        "-q",
    ]);
    let c: Value = serde_json::from_slice(&std::fs::read(&dir).unwrap()).unwrap();
    let _ = std::fs::remove_file(&dir);
    let d: Vec<&Value> = c["optimizers"][0]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| f(&d["x"]).hypot(f(&d["y"])) < 1e-3)
        .collect();
    assert_eq!(d.len(), 1, "{c}");
    assert_eq!(d[0]["kind"], "minimum", "{c}");
    assert!(close(f(&d[0]["value"]), -1.0, 1e-9));
}

// 2. No silent f32 failure.

#[test]
fn cross_in_tray_descend_on_the_gpu_equals_the_cpu_and_warns_once() {
    // f(1, 1) = −2.0342420595 (mpmath; exp(|100 − √2/π|) ≈ 1.7e43 overflows f32).
    let args = [
        "descend",
        CROSS_IN_TRAY,
        "--from",
        "1,1",
        "--steps",
        "200",
        "--json",
    ];
    let out = gradfield(&args);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    assert!(err.contains("f64"), "{err}");
    let gpu: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cpu = json(&[&args[..], &["--cpu"]].concat());
    let (g, c) = (&gpu["trajectories"][0], &cpu["trajectories"][0]);
    assert_ne!(g["status"], "diverged", "{g}");
    assert_eq!(g["status"], c["status"]);
    assert_eq!(g["steps"], c["steps"]);
    assert!(close(f(&g["values"][0]), -2.0342415830, 1e-6), "{g}");
    let (gp, cp) = (
        g["points"].as_array().unwrap(),
        c["points"].as_array().unwrap(),
    );
    assert_eq!(gp.len(), cp.len());
    for (a, b) in gp.iter().zip(cp) {
        for k in 0..2 {
            // The f64 run, printed in f32: rounding only.
            assert!(
                (f(&a[k]) - f(&b[k])).abs() <= 1e-6 * f(&b[k]).abs().max(1.0),
                "{a} {b}"
            );
        }
    }
}

#[test]
fn cross_in_tray_compare_on_the_gpu_finds_the_four_minima_like_the_cpu() {
    // Minima (±1.3494066172, ±1.3494066172), f = −2.0626118708 (mpmath findroot;
    // Jamil & Yang 2013 give ±1.349406685353340, −2.06261218). 100% "diverged" on f32 before.
    let dir = std::env::temp_dir();
    let run = |cpu: bool| -> (Value, String) {
        let path = dir.join(format!("gf-edges-cit-{}-{cpu}.json", std::process::id()));
        let p = path.to_str().unwrap();
        let mut args = vec![
            "compare",
            CROSS_IN_TRAY,
            "--domain",
            "-10,10,-10,10",
            "--starts",
            "grid:16x16",
            "--lr",
            "5",
            "--max-steps",
            "2000",
            "--tol",
            "1e-7",
            "--json",
            p,
            "-q",
        ];
        if cpu {
            args.push("--cpu");
        }
        let (_, err) = text(&args);
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        (v, err)
    };
    let (g, err) = run(false);
    let (c, _) = run(true);
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    let (go, co) = (&g["optimizers"][0], &c["optimizers"][0]);
    assert_eq!(go["diverged"], co["diverged"], "{go}\n{co}");
    assert!(go["f64_reruns"].as_u64().unwrap() > 0);
    let mins = |o: &Value| -> Vec<(i64, i64, u64)> {
        let mut v: Vec<(i64, i64, u64)> = o["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| close(f(&d["value"]), -2.0626118708, 1e-8))
            .map(|d| {
                assert!(close(f(&d["x"]).abs(), 1.3494066172, 1e-8), "{d}");
                (
                    (f(&d["x"]) * 1e6).round() as i64,
                    (f(&d["y"]) * 1e6).round() as i64,
                    d["count"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (gm, cm) = (mins(go), mins(co));
    assert_eq!(gm.len(), 4, "{go}");
    assert_eq!(gm, cm);
}

// 3. Underflow plateaus and continua.

#[test]
fn easom_plateau_is_flat_not_thousands_of_critical_points() {
    let v = json(&["critical", EASOM, "--domain", "-100,100,-100,100", "--json"]);
    let pts = v["critical_points"].as_array().unwrap();
    // f underflows (|f| < 1e-300 beyond r ≈ 26 from (π, π)): measured 0.95 flat.
    let flat = f(&v["flat_fraction"]);
    assert!(flat > 0.9 && flat < 1.0, "{flat}");
    assert!(pts.len() < 100, "{} points", pts.len());
    // Before: 9124 points, 9121 of them degenerate on the plateau. Now every listed
    // point lies within 10 of (π, π); measured: 9, of which 4 degenerate (saddles of
    // cos x cos y at (π/2 + kπ, …) whose curvature, 5e-20, is 1e-15 of f's own).
    let pi = std::f64::consts::PI;
    assert!(
        pts.iter()
            .all(|p| (f(&p["x"]) - pi).hypot(f(&p["y"]) - pi) < 10.0),
        "{pts:?}"
    );
    assert!(pts.iter().filter(|p| p["kind"] == "degenerate").count() <= 4);
    // The global minimum f(π, π) = −1 (Easom 1990) is listed, and is the domain's lowest point.
    let g = &pts[0];
    assert_eq!(g["kind"], "minimum");
    assert!((f(&g["x"]) - std::f64::consts::PI).abs() < 1e-9 && close(f(&g["value"]), -1.0, 1e-12));
    assert!(close(f(&v["extrema"][0]["value"]), -1.0, 1e-12));
    // compare: the plateau starts are flat, not converged (measured 99.6% flat),
    // and the minimum, reached from the one start (3.08, 3.08), shows first.
    let path = std::env::temp_dir().join(format!("gf-edges-easom-{}.json", std::process::id()));
    let p = path.to_str().unwrap();
    let (out, _) = text(&[
        "compare",
        EASOM,
        "--domain",
        "-100,100,-100,100",
        "--starts",
        "grid:65x65",
        "--json",
        p,
        "-q",
    ]);
    let c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let o = &c["optimizers"][0];
    assert!(f(&o["fraction_flat"]) > 0.9, "{o}");
    assert!(f(&o["fraction_converged"]) < 0.1, "{o}");
    assert!(out.contains("flat"), "{out}");
    let first = out
        .lines()
        .skip_while(|l| !l.contains("destinations"))
        .nth(2)
        .expect("a destination row");
    assert!(first.contains("-1.000000e0"), "{out}");
}

#[test]
fn descend_from_an_underflowed_plateau_is_flat_not_converged() {
    // Easom at (50, 50): exp(−2·46.86²) underflows to 0 in f64 and f32 alike.
    for cpu in [true, false] {
        let mut args = vec![
            "descend",
            EASOM,
            "--from",
            "50,50",
            "--from",
            "3,3",
            "--domain",
            "-100,100,-100,100",
            "--json",
        ];
        if cpu {
            args.push("--cpu");
        }
        let v = json(&args);
        assert_eq!(v["trajectories"][0]["status"], "flat", "{v}");
        assert_eq!(v["trajectories"][0]["steps"], 0);
        // A start in the bowl still runs on towards (π, π).
        assert_ne!(v["trajectories"][1]["status"], "flat", "{v}");
    }
}

#[test]
fn drop_wave_rings_are_continua_with_a_sample_not_a_flood() {
    let (out, _) = text(&["critical", DROP_WAVE, "--domain", "-5.12,5.12,-5.12,5.12"]);
    assert!(
        out.lines().count() < 80,
        "{} lines:\n{out}",
        out.lines().count()
    );
    let v = json(&[
        "critical",
        DROP_WAVE,
        "--domain",
        "-5.12,5.12,-5.12,5.12",
        "--json",
    ]);
    let continua = v["continua"].as_array().unwrap();
    // The rings f_r = 0 that fit in the square (r ≤ 5.12√2): 19, measured; every sample
    // point lies on a circle about the origin (radii agree to 1e-6).
    assert!(continua.len() >= 15, "{}", continua.len());
    for c in continua {
        let s = c["sample"].as_array().unwrap();
        assert!(s.len() >= 2 && s.len() <= 5);
        let r: Vec<f64> = s.iter().map(|p| f(&p[0]).hypot(f(&p[1]))).collect();
        assert!(r.iter().all(|q| (q - r[0]).abs() < 1e-6), "{c}");
    }
    // Listed: the origin alone, and at most 5 sample points per continuum.
    let pts = v["critical_points"].as_array().unwrap();
    assert_eq!(
        pts.iter().filter(|p| p.get("continuum").is_none()).count(),
        1
    );
    assert!(pts.len() <= 1 + 5 * continua.len());
}

// 4. Boundaries.

#[test]
fn eggholder_lowest_point_is_on_the_boundary() {
    // Literature (Jamil & Yang 2013; SFU library): f(512, 404.2319) = −959.6407.
    let v = json(&[
        "critical",
        EGGHOLDER,
        "--domain",
        "-512,512,-512,512",
        "--json",
    ]);
    let min = &v["extrema"][0];
    assert_eq!(min["kind"], "min");
    assert_eq!(min["on_boundary"], true);
    assert_eq!(f(&min["x"]), 512.0);
    assert!((f(&min["y"]) - 404.2319).abs() < 1e-4, "{min}");
    assert!((f(&min["value"]) + 959.6407).abs() < 1e-4, "{min}");
    let max = &v["extrema"][1];
    assert_eq!(max["kind"], "max");
    // The highest point: the corner (−512, 512), f = 1049.131623504493 (numpy,
    // the largest of a 4097² grid over the domain).
    assert_eq!((f(&max["x"]), f(&max["y"])), (-512.0, 512.0), "{max}");
    assert!((f(&max["value"]) - 1049.131623504493).abs() < 1e-9, "{max}");
    assert_eq!(max["on_boundary"], true);
    // The interior minimum that `critical` lists, (482.353, 432.879) → −956.918,
    // is not the domain's lowest point, and the text says where that is.
    let (out, _) = text(&["critical", EGGHOLDER, "--domain", "-512,512,-512,512"]);
    assert!(
        out.contains("lowest point of the domain: f(512, 404.232) = -959.641    on the boundary"),
        "{out}"
    );
}

#[test]
fn compare_marks_destinations_outside_the_domain_and_lists_the_lowest_first() {
    let path = std::env::temp_dir().join(format!("gf-edges-out-{}.json", std::process::id()));
    let p = path.to_str().unwrap();
    let (out, _) = text(&[
        "compare",
        "(x - 10)^2 + y^2",
        "--domain",
        "-5,5,-5,5",
        "--cpu",
        "--lr",
        "0.1",
        "--json",
        p,
        "-q",
    ]);
    let c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let d = &c["optimizers"][0]["destinations"][0];
    assert_eq!(d["outside_domain"], true, "{c}");
    assert!(out.contains("outside"), "{out}");
    // Rastrigin: ~100 local minima; the global one (0, 0) → 0 heads the table.
    let (out, _) = text(&[
        "compare",
        "rastrigin",
        "--cpu",
        "--starts",
        "grid:64x64",
        "--json",
        p,
        "-q",
    ]);
    let c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let dests = c["optimizers"][0]["destinations"].as_array().unwrap();
    assert!(dests.len() > 20, "{}", dests.len());
    let lowest = dests
        .iter()
        .map(|d| f(&d["value"]))
        .fold(f64::INFINITY, f64::min);
    let first = out
        .lines()
        .skip_while(|l| !l.contains("destinations"))
        .nth(2)
        .unwrap();
    let v: f64 = first.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert_eq!(v, lowest, "{first}");
}

// 5. Undefined.

#[test]
fn eval_says_undefined_where_f_or_its_gradient_is_not_finite() {
    for (src, at, why) in [
        ("exp(x)", "710,0", "infinite"),
        (DROP_WAVE, "0,0", "NaN"),
        ("(-2)^0.5 + x", "1,1", "NaN"),
    ] {
        let v = json(&["eval", src, "--at", at, "--json"]);
        assert_eq!(v["kind"], "undefined", "{src}: {v}");
        assert!(v["undefined"].as_str().unwrap().contains(why), "{v}");
        let (out, _) = text(&["eval", src, "--at", at]);
        assert!(out.contains("kind         = undefined"), "{out}");
        assert!(
            !out.contains("regular") && !out.contains("(∇f = 0"),
            "{out}"
        );
    }
}

// 6. Precision.

#[test]
fn derivatives_do_not_cancel() {
    // (ln cosh x)'' = sech² x: 6.855633726168028e-15 at 17, 3.502604305078608e-26 at 30
    // (mpmath). Before: 6.772e-15 and 0 (1 − tanh² cancels). Measured error ≤ 4 ulp.
    for (x, want) in [("17", 6.855633726168028e-15), ("30", 3.502604305078608e-26)] {
        let v = json(&["eval", "ln(cosh(x))", "--at", &format!("{x},0"), "--json"]);
        assert!(close(f(&v["hessian"][0][0]), want, 1e-14), "{x}: {v}");
    }
    // asin at x = 0.9999999999 (the f64 nearest): asin' = 70710.67519510883,
    // asin'' = 353553346704731.4 (mpmath at the exact f64 value).
    let v = json(&["eval", "asin(x)", "--at", "0.9999999999,0", "--json"]);
    assert!(close(f(&v["gradient"][0]), 70710.67519510883, 1e-12), "{v}");
    assert!(
        close(f(&v["hessian"][0][0]), 353553346704731.4, 1e-12),
        "{v}"
    );
    let v = json(&["eval", "acos(x)", "--at", "0.9999999999,0", "--json"]);
    assert!(
        close(f(&v["gradient"][0]), -70710.67519510883, 1e-12),
        "{v}"
    );
}

#[test]
fn gpu_adam_follows_the_f64_reference() {
    // Himmelblau from (0, 0), Adam lr 0.01, 50 steps. The f64 reference is
    // torch.optim.Adam's formula (numpy, float64): (0.550814238168073,
    // 0.5251887316430023) at step 50; the same in float32 (as torch runs it) is
    // 8.8e-8 from it. gradfield's GPU was 1.7e-5 from it.
    let args = [
        "descend",
        "himmelblau",
        "--from",
        "0,0",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--steps",
        "50",
        "--tol",
        "0",
        "--json",
    ];
    let cpu = json(&[&args[..], &["--cpu"]].concat());
    let gpu = json(&args);
    let c = &cpu["trajectories"][0]["points"][50];
    let g = &gpu["trajectories"][0]["points"][50];
    assert!((f(&c[0]) - 0.550814238168073).abs() < 1e-13, "{c}");
    assert!((f(&c[1]) - 0.5251887316430023).abs() < 1e-13, "{c}");
    let dev = (f(&g[0]) - f(&c[0])).hypot(f(&g[1]) - f(&c[1]));
    eprintln!("GPU − CPU after 50 Adam steps: {dev:e}");
    assert!(dev < 1e-6, "{dev:e}: {g} vs {c}");
}

// 7. Names.

#[test]
fn a_misspelled_built_in_name_gets_a_suggestion() {
    let out = gradfield(&["eval", "himmelbau", "--at", "1,1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("did you mean 'himmelblau'"), "{err}");
    // An expression with an unknown variable keeps its own message.
    let out = gradfield(&["eval", "x + zz", "--at", "1,1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown variable 'zz'"));
}
