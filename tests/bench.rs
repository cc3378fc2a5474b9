//! `gradfield bench --quick --json` through the built binary on the adapter
//! present (lavapipe in CI): every case must run, report well-formed figures,
//! and have checked its GPU result against the CPU reference. Throughput
//! figures are printed, never asserted (they depend on the machine and its load).

mod common;

use serde_json::Value;
use std::process::Command;

fn gradfield(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args(args)
        .output()
        .expect("the gradfield binary starts")
}

/// A timing object: positive, finite, ordered, and rate = work / median.
fn timing(c: &Value, key: &str, work: f64) -> Option<f64> {
    let t = &c[key];
    if t.is_null() {
        return None;
    }
    let name = format!("{} {} {key}", c["name"], c["size"]);
    let f = |k: &str| {
        t[k].as_f64()
            .unwrap_or_else(|| panic!("{name}: {k} is not a number: {t}"))
    };
    let (med, min, max, rate) = (f("median_s"), f("min_s"), f("max_s"), f("rate"));
    for v in [med, min, max, rate] {
        assert!(v.is_finite() && v > 0.0, "{name}: {t}");
    }
    assert!(min <= med && med <= max, "{name}: min ≤ median ≤ max: {t}");
    assert!(
        (rate - work / med).abs() <= 1e-9 * rate,
        "{name}: rate {rate} ≠ work {work} / median {med}"
    );
    assert!(t["runs"].as_u64().unwrap() >= 1, "{name}: runs");
    Some(med)
}

#[test]
fn quick_bench_json_runs_every_case_and_checks_it() {
    // The adapter must exist (a clear failure naming the driver package, never a skip).
    drop(common::ctx());
    let out = gradfield(&["bench", "--quick", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success(), "bench --quick failed: {stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(r["adapter"]["name"].is_string(), "adapter name");
    assert!(r["adapter"]["backend"].is_string(), "adapter backend");
    assert!(r["host_cpus"].as_u64().unwrap() >= 1);
    assert_eq!(r["quick"], Value::Bool(true));
    assert_eq!(r["repeats"].as_u64(), Some(1));
    let cases = r["cases"].as_array().expect("cases");
    let names: Vec<String> = cases
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "field/rosenbrock",
        "field/himmelblau",
        "particles/gd/rosenbrock",
        "particles/adam/rosenbrock",
        "particles/gd/himmelblau",
        "particles/adam/himmelblau",
        "critical/himmelblau",
        "compare/gd/himmelblau",
        "render/2d",
        "render/3d",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "no case {want} in {names:?}"
        );
    }
    for c in cases {
        let name = format!("{} {}", c["name"].as_str().unwrap(), c["size"]);
        for k in [
            "name",
            "size",
            "unit",
            "work",
            "gpu",
            "gpu_with_readback",
            "cpu_f32",
            "cpu_f64",
            "ratio_vs_cpu_f32",
            "ratio_vs_cpu_f64",
            "numpy_f32",
            "notes",
            "check",
        ] {
            assert!(c.get(k).is_some(), "{name}: no key {k}");
        }
        let work = c["work"].as_f64().unwrap();
        assert!(work.is_finite() && work > 0.0, "{name}: work {work}");
        let gpu = timing(c, "gpu", work);
        timing(c, "gpu_with_readback", work);
        timing(c, "numpy_f32", work);
        let cpu32 = timing(c, "cpu_f32", work);
        let cpu64 = timing(c, "cpu_f64", work);
        // Every ratio is cpu time / gpu time of this record; null where either is missing.
        for (key, cpu) in [("ratio_vs_cpu_f32", cpu32), ("ratio_vs_cpu_f64", cpu64)] {
            match (cpu, gpu) {
                (Some(cpu), Some(gpu)) => {
                    let r = c[key].as_f64().unwrap_or_else(|| panic!("{name}: {key}"));
                    assert!(
                        (r - cpu / gpu).abs() <= 1e-12 * r,
                        "{name}: {key} {r} ≠ {cpu} / {gpu}"
                    );
                }
                _ => assert!(c[key].is_null(), "{name}: {key} without both figures"),
            }
        }
        let n = c["name"].as_str().unwrap();
        let notes = c["notes"].to_string();
        if n.starts_with("field/") || n.starts_with("particles/") {
            assert!(
                gpu.is_some() && cpu32.is_some() && cpu64.is_some(),
                "{name}"
            );
        } else if n.starts_with("render/") || n.starts_with("record/") {
            assert!(
                gpu.is_some() && cpu32.is_none() && cpu64.is_none(),
                "{name}"
            );
            assert!(notes.contains("no CPU renderer"), "{name}: {notes}");
        } else if n.starts_with("critical/") {
            assert!(cpu64.is_some(), "{name}");
            if gpu.is_none() {
                assert!(notes.contains("no GPU path"), "{name}: {notes}");
            }
        } else if n.starts_with("compare/") {
            assert!(gpu.is_some() && cpu64.is_some(), "{name}");
            assert!(notes.contains("EXTRAPOLATED"), "{name}: {notes}");
        }
        // The GPU result was checked against the reference, and the error is reported.
        let ck = &c["check"];
        let err = ck["max_rel_error"].as_f64().expect("max_rel_error");
        let bound = ck["bound"].as_f64().expect("bound");
        eprintln!(
            "{name}: error {err:.2e} (bound {bound:.0e}), compared {}, outliers {}, status mismatches {}",
            ck["compared"], ck["outliers"], ck["status_mismatches"]
        );
        assert_eq!(
            ck["passed"],
            Value::Bool(true),
            "{name}: check failed: {ck}"
        );
        assert!(err.is_finite() && err >= 0.0 && err < bound, "{name}: {ck}");
        assert!(
            ck["compared"].as_u64().unwrap() > 0,
            "{name}: nothing compared"
        );
        assert!(!ck["what"].as_str().unwrap().is_empty(), "{name}: what");
    }
    // Particle work is the steps actually taken: no particle stops early at these rates.
    for c in cases
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("particles/"))
    {
        assert_eq!(
            c["work"].as_f64(),
            Some((1u64 << 12) as f64 * 20.0),
            "{}",
            c["name"]
        );
    }
    // The peer ran (CI installs python3-numpy: `.ci/setup`) and gave every
    // field and particle case a figure. "not run" is a failure here.
    assert_eq!(
        r["numpy_peer"]["ran"],
        Value::Bool(true),
        "the numpy peer did not run (install python3-numpy): {}",
        r["numpy_peer"]
    );
    for c in cases.iter().filter(|c| {
        let n = c["name"].as_str().unwrap();
        n.starts_with("field/") || n.starts_with("particles/")
    }) {
        assert!(
            !c["numpy_f32"].is_null(),
            "numpy peer skipped {}",
            c["name"]
        );
    }
}

#[test]
fn bench_case_selects_and_table_prints() {
    drop(common::ctx());
    let out = gradfield(&["bench", "--quick", "--case", "critical", "-q"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.starts_with("critical/") || l.starts_with("field/") || l.starts_with("particles/")
        })
        .collect();
    assert_eq!(rows.len(), 1, "only the critical case ran: {stdout}");
    assert!(rows[0].contains(" ok "), "{}", rows[0]);
    assert!(stdout.contains("adapter: "), "{stdout}");
    assert!(
        stdout.contains("numpy peer: not run: no field or particle case selected"),
        "{stdout}"
    );
}

#[test]
fn bench_unknown_case_is_wrong_input() {
    let out = gradfield(&["bench", "--quick", "--case", "nosuch"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--case 'nosuch' selects no case")
            && stderr.contains("particles/gd/rosenbrock"),
        "{stderr}"
    );
    let out = gradfield(&["bench", "--repeats", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn case_patterns() {
    use gradfield::bench::selects;
    assert!(selects("field", "field/rosenbrock", "1024x1024"));
    assert!(selects(
        "particles/gd",
        "particles/gd/rosenbrock",
        "2^20 x 100"
    ));
    assert!(selects(
        "particles/gd/",
        "particles/gd/rosenbrock",
        "2^20 x 100"
    ));
    assert!(!selects(
        "particles/g",
        "particles/gd/rosenbrock",
        "2^20 x 100"
    ));
    assert!(!selects(
        "particles/adam",
        "particles/gd/rosenbrock",
        "2^20 x 100"
    ));
    assert!(selects(
        "field/rosenbrock 2048x2048",
        "field/rosenbrock",
        "2048x2048"
    ));
    assert!(!selects(
        "field/rosenbrock 2048x2048",
        "field/rosenbrock",
        "4096x4096"
    ));
    assert!(!selects("", "field/rosenbrock", "4096x4096"));
}

/// The particle kernel's interleaving (4 particles per invocation) keeps trails
/// and the running count right, also for a count that is not a multiple of 4.
/// Trail positions against the f64 reference: measured worst 1.7e-8 of the
/// domain extent (bowl, gd, lavapipe); bound 1e-4.
#[test]
fn interleaved_kernel_keeps_trails_and_running_count() {
    use gradfield::gpu::particles::trail_of;
    use gradfield::gpu::{EngineConfig, ParticleEngine};
    use gradfield::optim::{self, Optimizer, OptimizerKind, Status, Stop};
    use gradfield::{Domain, Function};
    let ctx = common::ctx();
    let f = Function::parse("x^2 + 3*y^2").unwrap();
    let d = Domain::new(-3.0, 3.0, -3.0, 3.0);
    // Starts far from and near the minimum: some converge within the budget, some not.
    let starts: Vec<[f32; 2]> = vec![
        [2.5, -2.0],
        [0.01, 0.01],
        [-1.5, 2.9],
        [0.002, -0.001],
        [2.9, 2.9],
        [-0.5, 0.25],
        [1.0, -1.0],
    ];
    let (len, stride, steps) = (8u32, 3u32, 40u32);
    let opt = Optimizer::new(OptimizerKind::Gd, 0.05);
    let stop = Stop::for_domain(&d, 0.05, steps);
    let config = EngineConfig {
        optimizer: opt,
        stop,
        iters_per_dispatch: 7,
        trail_len: len,
        trail_stride: stride,
    };
    let engine = ParticleEngine::new(&ctx, &f, &starts, config).unwrap();
    engine.step(&ctx, engine.dispatches_for(steps));
    let gpu = engine.read(&ctx).unwrap();
    let trails = engine.read_trails(&ctx).unwrap();
    let running = engine.running(&ctx).unwrap();
    let mut expect_running = 0;
    let mut worst = 0.0f64;
    for (i, s) in starts.iter().enumerate() {
        let (st, pts) = optim::trajectory(&f, &opt, &stop, [s[0] as f64, s[1] as f64]);
        let g = &gpu[i];
        assert_eq!(g.status(), st.status, "particle {i}");
        assert_eq!(g.steps, st.steps, "particle {i}");
        if st.status == Status::Running {
            expect_running += 1;
        }
        let t = trail_of(&trails, g, i, len, stride);
        let newest = (g.steps / stride) as usize;
        assert_eq!(
            t.len(),
            (newest + 1).min(len as usize),
            "particle {i} trail length"
        );
        for (k, p) in t.iter().enumerate() {
            let m = newest + 1 - t.len() + k;
            let r = pts[m * stride as usize];
            let e = (p[0] as f64 - r[0]).hypot(p[1] as f64 - r[1]) / d.extent();
            worst = worst.max(e);
            assert!(
                e < 1e-4,
                "particle {i} trail entry {k} (step {}): gpu {p:?} cpu {r:?}",
                m * stride as usize
            );
        }
    }
    eprintln!("worst trail error {worst:.2e}, running {running}");
    assert!(
        expect_running > 0 && expect_running < starts.len() as u32,
        "the case mixes stopped and running particles"
    );
    assert_eq!(running, expect_running);
}
