//! Issue 18's optimizer math through the binary: learning-rate schedules
//! (PyTorch's closed forms, step by step), stochastic gradients (a
//! counter-based generator drawing the same numbers on the GPU and the f64
//! CPU twin; reproducible by seed; N(0, σ²) by its moments), Newton's method,
//! and the errors for bad input. Every GPU case runs on whatever adapter is
//! present (lavapipe in CI), never skipped.

mod common;

use common::{f, gradfield, json};
use serde_json::Value;

/// The points of trajectory `k` of a `descend --json` answer.
fn points(v: &Value, k: usize) -> Vec<[f64; 2]> {
    v["trajectories"][k]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [f(&p[0]), f(&p[1])])
        .collect()
}

/// The steps of a path: p[t+1] − p[t].
fn steps(p: &[[f64; 2]]) -> Vec<[f64; 2]> {
    p.windows(2)
        .map(|w| [w[1][0] - w[0][0], w[1][1] - w[0][1]])
        .collect()
}

/// PyTorch's schedules in closed form (torch.optim.lr_scheduler; torch is not
/// needed to state them): η(t) for the update after t updates, base rate `lr`.
fn pytorch_lr(spec: &str, lr: f64, t: u32) -> f64 {
    let tf = t as f64;
    let pi = std::f64::consts::PI;
    match spec {
        "constant" => lr,
        // StepLR(step_size=10, gamma=0.5): lr·γ^⌊t/step_size⌋
        "step:10:0.5" => lr * 0.5f64.powi((t / 10) as i32),
        // ExponentialLR(gamma=0.97): lr·γ^t
        "exp:0.97" => lr * 0.97f64.powf(tf),
        // CosineAnnealingLR(T_max=40, eta_min=0): η_min + (lr − η_min)(1 + cos(π t/T_max))/2,
        // past T_max as well (the closed form is periodic with period 2·T_max).
        "cosine:40" => 0.5 * lr * (1.0 + (pi * tf / 40.0).cos()),
        "cosine:40:0.01" => 0.01 + (lr - 0.01) * (1.0 + (pi * tf / 40.0).cos()) / 2.0,
        // LambdaLR(lambda t: (1 + γt)^−p) with γ = 0.1, p = 0.75 (Caffe's "inv").
        "inv:0.1:0.75" => lr * (1.0 + 0.1 * tf).powf(-0.75),
        _ => unreachable!("{spec}"),
    }
}

const SCHEDULES: [&str; 6] = [
    "constant",
    "step:10:0.5",
    "exp:0.97",
    "cosine:40",
    "cosine:40:0.01",
    "inv:0.1:0.75",
];

#[test]
fn schedules_follow_pytorchs_formulas_step_by_step() {
    // f = x has ∇f = (1, 0) everywhere, so gd's step t is exactly −η(t) in x.
    // 100 steps cover several StepLR drops and the cosine's second half-period.
    // Measured worst |η_run(t) − η_torch(t)|: f64 4.4e-16 (the rounding of
    // differences of positions up to |x| = 10); GPU f32 1.0e-6 (f32 positions,
    // ulp(10) = 9.5e-7; exp2/log2/cos in f32 add ≤ 4e-7). Bounds: 1e-13 and 3e-6.
    for cpu in [true, false] {
        for spec in SCHEDULES {
            let mut args = vec![
                "descend",
                "x",
                "--from",
                "0,0",
                "--lr",
                "0.1",
                "--steps",
                "100",
                "--tol",
                "0",
                "--schedule",
                spec,
                "--json",
            ];
            if cpu {
                args.push("--cpu");
            }
            let v = json(&args);
            assert_eq!(v["schedule"].as_str().unwrap(), spec_canonical(spec));
            let p = points(&v, 0);
            assert_eq!(p.len(), 101, "{spec}");
            let bound = if cpu { 1e-13 } else { 3e-6 };
            let mut worst = 0.0f64;
            for (t, d) in steps(&p).iter().enumerate() {
                let want = pytorch_lr(spec, 0.1, t as u32);
                let got = -d[0];
                let e = (got - want).abs();
                worst = worst.max(e);
                assert!(
                    e <= bound,
                    "{spec} ({}): step {t}: η = {got}, PyTorch's formula {want}",
                    if cpu { "cpu" } else { "gpu" }
                );
                assert_eq!(d[1], 0.0);
            }
            eprintln!(
                "{spec:<16} {}: worst |η − η_torch| {worst:.2e}",
                if cpu { "cpu" } else { "gpu" }
            );
        }
    }
}

/// The spec as the JSON reports it (`Schedule`'s Display).
fn spec_canonical(spec: &str) -> &str {
    match spec {
        "cosine:40" => "cosine:40:0",
        s => s,
    }
}

#[test]
fn the_same_seed_repeats_a_noisy_run_and_another_seed_does_not() {
    let run = |seed: &str, cpu: bool| {
        let mut args = vec![
            "descend",
            "x^2 + 3*y^2",
            "--from",
            "1,1",
            "--from",
            "-2,0.5",
            "--steps",
            "50",
            "--noise",
            "0.5",
            "--seed",
            seed,
            "--json",
        ];
        if cpu {
            args.push("--cpu");
        }
        let v = json(&args);
        assert_eq!(f(&v["noise"]), 0.5);
        assert_eq!(v["seed"].as_u64().unwrap(), seed.parse::<u64>().unwrap());
        (points(&v, 0), points(&v, 1))
    };
    for cpu in [true, false] {
        let a = run("3", cpu);
        assert_eq!(a, run("3", cpu), "same seed, same run (cpu {cpu})");
        let b = run("4", cpu);
        assert_ne!(a.0, b.0, "another seed, another run (cpu {cpu})");
        assert_ne!(a.1, b.1);
        // Particles are independent: the two starts do not take the same noise.
        let (s0, s1) = (steps(&a.0), steps(&a.1));
        assert_ne!(s0[0], s1[0]);
    }
}

#[test]
fn gpu_and_cpu_draw_the_same_noise() {
    // f = 0 has ∇f = 0: with gd at η = 1 each step is exactly −σ z(seed, particle, t).
    // Four particles, 300 steps each: 2400 draws compared one by one.
    // Measured worst |z_gpu − z_cpu| (σ = 1): 3.8e-6 on lavapipe (f32 Box–Muller
    // and f32 positions up to |x| ≈ 50, ulp 3.8e-6). Bound 1e-5.
    let args = |cpu: bool| {
        let mut a = vec![
            "descend",
            "0*x + 0*y",
            "--from",
            "0,0",
            "--from",
            "1,1",
            "--from",
            "-1,2",
            "--from",
            "2,-2",
            "--steps",
            "300",
            "--tol",
            "0",
            "--lr",
            "1",
            "--noise",
            "1",
            "--seed",
            "12345678901",
            "--json",
        ];
        if cpu {
            a.push("--cpu");
        }
        json(&a)
    };
    let (g, c) = (args(false), args(true));
    let mut worst = 0.0f64;
    for k in 0..4 {
        let (sg, sc) = (steps(&points(&g, k)), steps(&points(&c, k)));
        assert_eq!(sg.len(), 300);
        assert_eq!(sc.len(), 300);
        for (t, (a, b)) in sg.iter().zip(&sc).enumerate() {
            for (x, y) in a.iter().zip(b) {
                let e = (x - y).abs();
                worst = worst.max(e);
                assert!(e < 1e-5, "particle {k} step {t}: gpu {a:?} cpu {b:?}");
            }
        }
    }
    eprintln!("worst |z_gpu − z_cpu| = {worst:.2e}");
}

#[test]
fn a_million_draws_have_mean_zero_and_variance_sigma_squared() {
    // 1000 particles × 500 steps × 2 components = 10^6 draws of σ z, on the GPU
    // and on the CPU; mean and variance within 4 standard errors
    // (σ/√n and σ²√(2/(n − 1)) for normal draws).
    let sigma = 2.0f64;
    let mut starts = Vec::new();
    for i in 0..1000 {
        starts.push(format!(
            "{},{}",
            (i % 40) as f64 * 0.1,
            (i / 40) as f64 * 0.1
        ));
    }
    for cpu in [false, true] {
        let mut args = vec![
            "descend",
            "0*x + 0*y",
            "--steps",
            "500",
            "--tol",
            "0",
            "--lr",
            "1",
            "--noise",
            "2",
            "--seed",
            "99",
            "--domain",
            "-5,5,-5,5",
            "--json",
        ];
        for s in &starts {
            args.push("--from");
            args.push(s);
        }
        if cpu {
            args.push("--cpu");
        }
        let v = json(&args);
        let mut draws = Vec::with_capacity(1_000_000);
        for k in 0..starts.len() {
            for d in steps(&points(&v, k)) {
                // The step is −σ z: its sign does not matter for the moments.
                draws.push(-d[0]);
                draws.push(-d[1]);
            }
        }
        assert_eq!(draws.len(), 1_000_000);
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let var = draws.iter().map(|z| (z - mean) * (z - mean)).sum::<f64>() / (n - 1.0);
        let se_mean = sigma / n.sqrt();
        let se_var = sigma * sigma * (2.0 / (n - 1.0)).sqrt();
        eprintln!(
            "{}: mean {mean:.5} (se {se_mean:.5}), variance {var:.5} (σ² = 4, se {se_var:.5})",
            if cpu { "cpu" } else { "gpu" }
        );
        assert!(mean.abs() < 4.0 * se_mean, "mean {mean}");
        assert!((var - sigma * sigma).abs() < 4.0 * se_var, "variance {var}");
    }
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    // f = 3(x−1)² + 2(x−1)(y+2) + 5(y+2)²: H = [[6, 2], [2, 10]] positive
    // definite, minimum (1, −2). One Newton step with η = 1 (newton's default)
    // lands on it: f64 to rounding, GPU f32 within 1e-6 (measured 0 for both).
    let q = "3*(x-1)^2 + 2*(x-1)*(y+2) + 5*(y+2)^2";
    for (cpu, bound) in [(true, 1e-12), (false, 1e-6)] {
        let mut args = vec![
            "descend",
            q,
            "--optimizer",
            "newton",
            "--from",
            "4,3",
            "--steps",
            "1",
            "--tol",
            "0",
            "--json",
        ];
        if cpu {
            args.push("--cpu");
        }
        let v = json(&args);
        assert_eq!(f(&v["lr"]), 1.0, "newton's default η is 1");
        let p = points(&v, 0);
        assert_eq!(p.len(), 2);
        let e = (p[1][0] - 1.0).hypot(p[1][1] + 2.0);
        eprintln!("newton's one step (cpu {cpu}): error {e:.2e}");
        assert!(
            e < bound,
            "cpu {cpu}: after one step {:?}, error {e:e}",
            p[1]
        );
    }
}

#[test]
fn newton_converges_on_rosenbrock_from_the_classic_start() {
    // (−1.2, 1) is the textbook start; gd with η = 1e-3 is still far from (1, 1)
    // after 100 steps, newton converges (‖∇f‖ < 1e-8) in a handful.
    for cpu in [true, false] {
        let mut args = vec![
            "descend",
            "rosenbrock",
            "--optimizer",
            "newton",
            "--from=-1.2,1",
            "--steps",
            "100",
            "--tol",
            "1e-3",
            "--json",
        ];
        if cpu {
            args.push("--cpu");
        }
        let v = json(&args);
        // The catalogue's rate is for gd: newton keeps η = 1.
        assert_eq!(f(&v["lr"]), 1.0);
        let t = &v["trajectories"][0];
        assert_eq!(t["status"], "converged", "cpu {cpu}: {t}");
        let n = t["steps"].as_u64().unwrap();
        assert!(n <= 20, "cpu {cpu}: {n} steps");
        let p = points(&v, 0);
        let end = p[p.len() - 1];
        assert!(
            (end[0] - 1.0).hypot(end[1] - 1.0) < 1e-3,
            "cpu {cpu}: ends at {end:?}"
        );
        eprintln!("newton on rosenbrock (cpu {cpu}): converged in {n} steps at {end:?}");
    }
    let v = json(&[
        "descend",
        "rosenbrock",
        "--from=-1.2,1",
        "--steps",
        "100",
        "--tol",
        "1e-3",
        "--cpu",
        "--json",
    ]);
    assert_eq!(v["trajectories"][0]["status"], "running");
}

#[test]
fn schedules_noise_and_newton_agree_between_gpu_and_cpu() {
    // The kernel and its CPU twin take the same path with every new part on:
    // a schedule, noise and newton. Measured worst position difference on
    // lavapipe (relative to max(10, |position|)): 7.1e-8 (adam, exp schedule,
    // noise), 5.8e-8 (momentum, cosine, noise); bound 5e-5 as the particle tests use.
    for extra in [
        vec![
            "--optimizer",
            "adam",
            "--lr",
            "0.05",
            "--schedule",
            "exp:0.99",
            "--noise",
            "0.3",
        ],
        vec![
            "--optimizer",
            "momentum",
            "--schedule",
            "cosine:30:0.001",
            "--noise",
            "1",
        ],
        // Newton from starts where H is positive definite: where it is not, the
        // shifted system has condition number ~1/NEWTON_MARGIN = 1000 and f32
        // steps differ from f64 ones by ~1e-4 (measured 3.6e-5 relative from (−2, 2.5)).
        vec![
            "--optimizer",
            "newton",
            "--lr",
            "0.5",
            "--schedule",
            "step:5:0.8",
            "--noise",
            "0.2",
        ],
    ] {
        let newton = extra[1] == "newton";
        let (s0, s1) = if newton {
            ("3.5,2.5", "--from=-3.5,-3.5")
        } else {
            ("1,1", "--from=-2,2.5")
        };
        let mut base = vec![
            "descend",
            "himmelblau",
            "--from",
            s0,
            s1,
            "--steps",
            "60",
            "--seed",
            "5",
            "--json",
        ];
        base.extend(extra.iter().copied());
        let g = json(&base);
        base.push("--cpu");
        let c = json(&base);
        let mut worst = 0.0f64;
        for k in 0..2 {
            let (pg, pc) = (points(&g, k), points(&c, k));
            assert_eq!(pg.len(), pc.len(), "{extra:?}");
            for (a, b) in pg.iter().zip(&pc) {
                let scale = 10f64.max(b[0].hypot(b[1]));
                let e = (a[0] - b[0]).hypot(a[1] - b[1]) / scale;
                worst = worst.max(e);
                assert!(e < 5e-5, "{extra:?}: gpu {a:?} cpu {b:?}");
            }
        }
        eprintln!("{extra:?}: worst relative position difference {worst:.2e}");
    }
}

#[test]
fn compare_reports_schedule_noise_and_seed() {
    let v = json(&[
        "compare",
        "himmelblau",
        "--starts",
        "grid:8x8",
        "--optimizer",
        "gd,newton",
        "--schedule",
        "inv:0.01:0.5",
        "--noise",
        "0.1",
        "--seed",
        "7",
        "--max-steps",
        "200",
        "--cpu",
        "--json",
        "-",
        "-q",
    ]);
    for o in v["optimizers"].as_array().unwrap() {
        assert_eq!(o["schedule"], "inv:0.01:0.5");
        assert_eq!(f(&o["noise"]), 0.1);
        assert_eq!(o["seed"].as_u64(), Some(7));
    }
    assert_eq!(f(&v["optimizers"][1]["lr"]), 1.0);
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let out = gradfield(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: '{n}' not in: {err}");
    }
}

#[test]
fn bad_schedules_and_noise_exit_2_saying_what_and_where() {
    for cmd in ["descend", "compare"] {
        let base: Vec<&str> = if cmd == "descend" {
            vec!["descend", "x^2+y^2", "--from", "1,1", "--cpu"]
        } else {
            vec!["compare", "x^2+y^2", "--starts", "grid:2x2", "--cpu"]
        };
        let with = |extra: &[&'static str]| {
            let mut a = base.clone();
            a.extend_from_slice(extra);
            a
        };
        fails_with(
            &with(&["--schedule", "warmup:10"]),
            &["--schedule 'warmup:10'", "unknown schedule 'warmup'"],
        );
        fails_with(
            &with(&["--schedule", "step:0:0.5"]),
            &["--schedule 'step:0:0.5'", "EVERY '0'"],
        );
        fails_with(&with(&["--schedule", "exp:fast"]), &["GAMMA 'fast'"]);
        fails_with(&with(&["--schedule", "exp:-0.5"]), &["GAMMA = -0.5"]);
        fails_with(&with(&["--schedule", "cosine"]), &["cosine takes 1 or 2"]);
        fails_with(&with(&["--schedule", "cosine:10:nan"]), &["ETA_MIN 'nan'"]);
        fails_with(&with(&["--schedule", "inv:0.1"]), &["inv takes 2"]);
        fails_with(&with(&["--noise", "-1"]), &["--noise -1", "≥ 0"]);
        fails_with(&with(&["--noise", "NaN"]), &["--noise NaN"]);
        fails_with(&with(&["--noise", "inf"]), &["--noise inf"]);
    }
    // A scene names the key.
    let dir = std::env::temp_dir().join(format!("gradfield-optim-extra-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scene = dir.join("bad.toml");
    std::fs::write(
        &scene,
        "function = \"x^2 + y^2\"\n[particles]\nschedule = \"exp:2:3\"\n",
    )
    .unwrap();
    let out_png = dir.join("out.png");
    fails_with(
        &[
            "render",
            scene.to_str().unwrap(),
            "-o",
            out_png.to_str().unwrap(),
        ],
        &["particles.schedule 'exp:2:3'", "exp takes 1"],
    );
    assert!(!out_png.exists(), "no half-written file");
    std::fs::remove_dir_all(&dir).ok();
}
