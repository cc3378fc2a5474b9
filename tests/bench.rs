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
