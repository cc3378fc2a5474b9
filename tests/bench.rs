//! `bench::run` with the quick options on the adapter present (lavapipe in
//! CI): every case must run and its GPU result must match the f64 CPU
//! reference within the case's bound. Throughput figures are printed, never
//! asserted (they depend on the machine and its load).

mod common;

use gradfield::bench::{self, BenchOptions};

#[test]
fn quick_bench_runs_every_case_and_checks_it() {
    let ctx = common::ctx();
    let opts = BenchOptions {
        quick: true,
        repeats: 1,
    };
    let expected = bench::cases(&opts).len();
    let report = bench::run(&ctx, &opts, &mut |line| eprintln!("{line}")).expect("bench runs");
    eprintln!("{}", bench::format_table(&report));
    assert_eq!(report.cases.len(), expected, "every case reports");
    // 2 field cases + 4 particle cases in quick mode.
    assert_eq!(expected, 6);
    for c in &report.cases {
        eprintln!(
            "{} {}: max_rel_error {:.2e} (bound {:.0e}), compared {}, status mismatches {}",
            c.name,
            c.size,
            c.check.max_rel_error,
            c.check.bound,
            c.check.compared,
            c.check.status_mismatches
        );
        assert!(
            c.check.passed,
            "{} {}: check failed: {:?}",
            c.name, c.size, c.check
        );
        assert!(
            c.check.compared > 0,
            "{} {}: nothing compared",
            c.name,
            c.size
        );
        assert!(c.work > 0.0, "{} {}: no work", c.name, c.size);
        for (what, s) in [
            ("gpu", c.gpu),
            ("cpu f32", c.cpu_f32),
            ("cpu f64", c.cpu_f64),
        ] {
            assert!(
                s.median.is_finite() && s.median > 0.0 && s.min <= s.median && s.median <= s.max,
                "{} {}: {what} figures {s:?}",
                c.name,
                c.size
            );
        }
    }
    // Particle work is the steps actually taken: no particle stops early at these rates.
    for c in report
        .cases
        .iter()
        .filter(|c| c.name.starts_with("particles/"))
    {
        assert_eq!(
            c.work,
            (1u64 << 12) as f64 * 20.0,
            "{}: particle-steps",
            c.name
        );
    }
    // The JSON has the keys the CLI contract names.
    let json = serde_json::to_value(&report).unwrap();
    for k in [
        "name",
        "size",
        "unit",
        "gpu",
        "cpu_f32",
        "cpu_f64",
        "ratio_gpu_vs_cpu_f32",
        "check",
    ] {
        assert!(json["cases"][0].get(k).is_some(), "case JSON lacks {k}");
    }
    assert!(json["adapter"]["name"].is_string() && json["host_cpus"].as_u64().unwrap() >= 1);
    // The peer either ran and gave every case a figure, or says why not.
    if report.numpy_peer.ran {
        assert!(
            report.cases.iter().all(|c| c.numpy_f32.is_some()),
            "numpy peer skipped a case"
        );
    } else {
        assert!(
            report.numpy_peer.note.starts_with("not run: "),
            "{}",
            report.numpy_peer.note
        );
    }
}

/// The full run behind BENCHMARKS.md (minutes; run in release):
/// `cargo test --release --test bench -- --ignored --nocapture`.
/// Prints the table and writes the JSON report to target/bench-report.json.
#[test]
#[ignore]
fn full_bench_report() {
    let ctx = common::ctx();
    let repeats = std::env::var("GRADFIELD_BENCH_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let opts = BenchOptions {
        quick: false,
        repeats,
    };
    let report = bench::run(&ctx, &opts, &mut |line| eprintln!("{line}")).expect("bench runs");
    let table = bench::format_table(&report);
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    gradfield::io::write_bytes_atomic(
        &dir.join("bench-report.json"),
        serde_json::to_string_pretty(&report).unwrap().as_bytes(),
    )
    .unwrap();
    gradfield::io::write_bytes_atomic(&dir.join("bench-report.txt"), table.as_bytes()).unwrap();
    for c in &report.cases {
        assert!(c.check.passed, "{} {}: {:?}", c.name, c.size, c.check);
    }
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
