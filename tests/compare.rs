//! Many-start comparison on lavapipe, held against known answers and the CPU f64 reference.

mod common;

use gradfield::analysis::compare::{self, CompareReport, Starts};
use gradfield::analysis::Kind;
use gradfield::optim::{Optimizer, OptimizerKind, Status, Stop};
use gradfield::{Domain, Function};

const HIMMELBLAU: &str = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";

fn gd(lr: f64) -> Optimizer {
    Optimizer::new(OptimizerKind::Gd, lr)
}

fn gpu(
    src: &str,
    domain: Domain,
    starts: &[[f64; 2]],
    opts: &[Optimizer],
    stop: Stop,
) -> CompareReport {
    let ctx = common::ctx();
    let f = Function::parse(src).unwrap();
    compare::run(&ctx, &f, &domain, starts, opts, &stop, &mut |_| {}).unwrap()
}

#[test]
fn starts_parse_and_place() {
    let d = Domain::new(-1.0, 3.0, 0.0, 2.0);
    assert_eq!(
        Starts::parse("grid:4x2").unwrap(),
        Starts::Grid { w: 4, h: 2 }
    );
    let g = Starts::parse("grid:4x2").unwrap().points(&d);
    // Cell centres, row-major from ymin.
    assert_eq!(g[0], [-0.5, 0.5]);
    assert_eq!(g[3], [2.5, 0.5]);
    assert_eq!(g[4], [-0.5, 1.5]);
    assert_eq!(g.len(), 8);
    assert_eq!(
        Starts::parse("random:100").unwrap(),
        Starts::Random { n: 100, seed: 1 }
    );
    let r = Starts::parse("random:1000:7").unwrap().points(&d);
    assert_eq!(
        r,
        Starts::Random { n: 1000, seed: 7 }.points(&d),
        "deterministic"
    );
    assert_ne!(r, Starts::Random { n: 1000, seed: 8 }.points(&d));
    assert!(r.iter().all(|p| d.contains(p[0], p[1])));
    // Uniform: each quarter of the x range holds about a quarter (binomial sd ≈ 14).
    for q in 0..4 {
        let lo = -1.0 + q as f64;
        let n = r.iter().filter(|p| p[0] >= lo && p[0] < lo + 1.0).count();
        assert!((200..300).contains(&n), "quarter {q}: {n}");
    }
    for bad in [
        "grid:0x3",
        "grid:4",
        "grid:axb",
        "random:",
        "random:-3",
        "random:5:x",
        "nope.csv",
    ] {
        let e = Starts::parse(bad).unwrap_err();
        assert!(e.is_user_error(), "{bad}: {e}");
    }

    let dir = std::env::temp_dir().join(format!("gradfield-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = dir.join("ok.csv");
    std::fs::write(&ok, "x,y\n1,2\n\n# a comment\n-3.5, 4e-1\n").unwrap();
    assert_eq!(
        Starts::parse(ok.to_str().unwrap()).unwrap(),
        Starts::Points(vec![[1.0, 2.0], [-3.5, 0.4]])
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "x,y\n1,2\n3,oops\n").unwrap();
    let e = Starts::parse(bad.to_str().unwrap()).unwrap_err();
    assert!(e.is_user_error());
    let msg = e.to_string();
    assert!(msg.contains("bad.csv:3"), "names file and line: {msg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn paraboloid_every_start_goes_to_the_origin() {
    let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
    let starts = Starts::Grid { w: 16, h: 16 }.points(&d);
    let rep = gpu(
        "x^2 + y^2",
        d,
        &starts,
        &[gd(0.1)],
        Stop::for_domain(&d, 1e-4, 500),
    );
    let o = &rep.optimizers[0];
    eprintln!("{}", compare::format_table(&rep));
    assert_eq!(o.converged, 256);
    assert_eq!(o.destinations.len(), 1);
    let dest = &o.destinations[0];
    assert_eq!(dest.kind, Kind::Minimum);
    assert_eq!(dest.fraction, 1.0);
    assert_eq!(dest.count, 256);
    // Polished by Newton: exactly the origin up to rounding.
    assert!(
        dest.x.abs() < 1e-12 && dest.y.abs() < 1e-12,
        "({}, {})",
        dest.x,
        dest.y
    );
    assert!(o.results.iter().all(|r| r.destination == 0));
    let st = o.steps.unwrap();
    // |∇f| = 2·0.8^n·|p| < 1e-4; the corner cells have |p| = 1.875·√2, so
    // n > ln(1e-4/(2·1.875·√2))/ln(0.8) = 48.75: 49 steps, the most of any start.
    assert_eq!(st.max, 49.0, "{st:?}");
    assert!(st.mean > 40.0 && st.median <= 49.0, "{st:?}");
}

#[test]
fn saddle_axis_converges_and_the_rest_diverges() {
    let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
    // 9 starts on the x-axis (y = 0 exactly) and 16 off it.
    let mut starts: Vec<[f64; 2]> = (0..9).map(|i| [-2.0 + 0.5 * i as f64, 0.0]).collect();
    for i in 0..16 {
        starts.push([-1.9 + 0.25 * i as f64, if i % 2 == 0 { 0.3 } else { -0.05 }]);
    }
    let rep = gpu(
        "x^2 - y^2",
        d,
        &starts,
        &[gd(0.1)],
        Stop::for_domain(&d, 1e-4, 2000),
    );
    let o = &rep.optimizers[0];
    eprintln!("{}", compare::format_table(&rep));
    for (s, r) in starts.iter().zip(&o.results) {
        if s[1] == 0.0 {
            assert_eq!(r.status, Status::Converged, "{s:?}");
            assert_eq!(r.destination, 0);
        } else {
            assert_eq!(r.status, Status::Diverged, "{s:?}");
            assert_eq!(r.destination, -1);
        }
    }
    assert_eq!((o.converged, o.diverged, o.running), (9, 16, 0));
    assert_eq!(o.destinations.len(), 1);
    let dest = &o.destinations[0];
    assert_eq!(dest.kind, Kind::Saddle);
    assert!(dest.x.abs() < 1e-12 && dest.y.abs() < 1e-12);
    assert_eq!(dest.fraction, 9.0 / 25.0);
}

#[test]
fn gd_past_two_over_l_diverges() {
    // x² + y²: L = 2, so gd is stable for lr < 1 and diverges past it.
    let d = Domain::new(-1.0, 1.0, -1.0, 1.0);
    let starts = Starts::Random { n: 500, seed: 3 }.points(&d);
    let stop = Stop::for_domain(&d, 1e-4, 2000);
    let rep = gpu("x^2 + y^2", d, &starts, &[gd(1.05), gd(0.95)], stop);
    let (hi, lo) = (&rep.optimizers[0], &rep.optimizers[1]);
    eprintln!("{}", compare::format_table(&rep));
    assert_eq!((hi.diverged, hi.converged), (500, 0));
    assert!(hi.steps.is_none());
    assert_eq!((lo.converged, lo.diverged), (500, 0));
    assert_eq!(lo.destinations.len(), 1);
    assert_eq!(lo.destinations[0].kind, Kind::Minimum);
    // JSON: null steps for the diverging one, numbers for the other.
    let v: serde_json::Value = serde_json::from_str(&rep.to_json()).unwrap();
    assert!(v["optimizers"][0]["steps"].is_null());
    assert_eq!(v["optimizers"][0]["fraction_diverged"], 1.0);
    assert_eq!(v["optimizers"][1]["destinations"][0]["kind"], "minimum");
    assert_eq!(v["starts"], 500);
    // The contract's keys, exactly (with issue 16's additions: flat, fraction_flat,
    // f64_reruns, outside_domain; issue 18's: schedule, noise, seed).
    let keys = |x: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = x.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "domain",
            "function",
            "max_steps",
            "optimizers",
            "starts",
            "tol"
        ]
    );
    assert_eq!(v["domain"], serde_json::json!([-1.0, 1.0, -1.0, 1.0]));
    assert_eq!(
        keys(&v["optimizers"][1]),
        [
            "converged",
            "destinations",
            "diverged",
            "f64_reruns",
            "flat",
            "fraction_converged",
            "fraction_diverged",
            "fraction_flat",
            "fraction_running",
            "lr",
            "noise",
            "optimizer",
            "running",
            "schedule",
            "seed",
            "steps"
        ]
    );
    assert_eq!(
        keys(&v["optimizers"][1]["steps"]),
        ["max", "mean", "median", "p90"]
    );
    assert_eq!(
        keys(&v["optimizers"][1]["destinations"][0]),
        [
            "count",
            "fraction",
            "id",
            "kind",
            "mean_steps",
            "outside_domain",
            "value",
            "x",
            "y"
        ]
    );
}

#[test]
fn budget_spent_counts_as_running() {
    let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
    let starts = Starts::Grid { w: 8, h: 8 }.points(&d);
    // lr 1e-3 on x²+y² needs ~ thousands of steps: 50 leave every run going.
    let ctx = common::ctx();
    let f = Function::parse("x^2 + y^2").unwrap();
    let mut events = Vec::new();
    let opts = [gd(1e-3), gd(0.1)];
    let stop = Stop::for_domain(&d, 1e-4, 50);
    let rep = compare::run(&ctx, &f, &d, &starts, &opts, &stop, &mut |e| events.push(e)).unwrap();
    // Progress: per optimizer, from all running to the report's count, steps never past the budget.
    for k in 0..2 {
        let ev: Vec<_> = events.iter().filter(|e| e.optimizer == k).collect();
        assert!(ev.len() >= 2);
        assert_eq!((ev[0].running, ev[0].steps), (64, 0));
        assert!(ev
            .windows(2)
            .all(|w| w[1].steps >= w[0].steps && w[1].running <= w[0].running));
        let last = ev.last().unwrap();
        assert_eq!(last.running as u64, rep.optimizers[k].running);
        assert!(last.steps <= 50 && last.optimizers == 2 && last.count == 64);
    }
    // gd(0.1) converges within the 50 steps: the corner cells (|p| = 1.75·√2) need
    // n > ln(1e-4/(2·1.75·√2))/ln(0.8) = 48.4, so 49.
    assert_eq!(rep.optimizers[1].converged, 64);
    assert_eq!(rep.optimizers[1].steps.unwrap().max, 49.0);
    let o = &rep.optimizers[0];
    assert_eq!((o.running, o.converged, o.diverged), (64, 0, 0));
    assert!(o
        .results
        .iter()
        .all(|r| r.steps == 50 && r.destination == -1));
}

fn himmelblau() -> (Function, Domain, Vec<[f64; 2]>, Stop) {
    let d = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let starts = Starts::Grid { w: 32, h: 32 }.points(&d);
    (
        Function::parse(HIMMELBLAU).unwrap(),
        d,
        starts,
        Stop::for_domain(&d, 1e-4, 2000),
    )
}

#[test]
fn himmelblau_gpu_agrees_with_cpu_f64() {
    let ctx = common::ctx();
    let (f, d, starts, stop) = himmelblau();
    let opts = [gd(0.01)];
    let g = compare::run(&ctx, &f, &d, &starts, &opts, &stop, &mut |_| {}).unwrap();
    let c = compare::run_cpu(&f, &d, &starts, &opts, &stop).unwrap();
    eprintln!(
        "GPU:\n{}\nCPU:\n{}",
        compare::format_table(&g),
        compare::format_table(&c)
    );
    let (go, co) = (&g.optimizers[0], &c.optimizers[0]);
    // Four minima, each reached; they match the known ones.
    for o in [go, co] {
        assert_eq!(o.destinations.len(), 4, "{:?}", o.destinations);
        assert!(o
            .destinations
            .iter()
            .all(|d| d.kind == Kind::Minimum && d.value.abs() < 1e-20));
        assert_eq!(o.converged, 1024);
    }
    assert!(go
        .destinations
        .iter()
        .any(|d| (d.x - 3.0).abs() < 1e-12 && (d.y - 2.0).abs() < 1e-12));
    // Destination ids of the two runs may differ: compare by location.
    let loc = |rep: &CompareReport, id: i32| -> Option<[f64; 2]> {
        (id >= 0).then(|| {
            let d = &rep.all_destinations[id as usize];
            [d.x, d.y]
        })
    };
    let same = |a: Option<[f64; 2]>, b: Option<[f64; 2]>| match (a, b) {
        (Some(a), Some(b)) => (a[0] - b[0]).hypot(a[1] - b[1]) < 1e-9,
        (None, None) => true,
        _ => false,
    };
    let mut disagree = Vec::new();
    for i in 0..starts.len() {
        let (a, b) = (
            loc(&g, go.results[i].destination),
            loc(&c, co.results[i].destination),
        );
        if !same(a, b) {
            disagree.push(i);
        }
    }
    let agree = 1.0 - disagree.len() as f64 / starts.len() as f64;
    eprintln!(
        "agreement {:.4} ({} of {} disagree: {disagree:?})",
        agree,
        disagree.len(),
        starts.len()
    );
    assert!(agree >= 0.99, "{agree}");
    // Each disagreeing start lies on a basin boundary of the CPU reference:
    // one of its 4 grid neighbours has another CPU destination.
    for &i in &disagree {
        let (x, y) = (i % 32, i / 32);
        let me = co.results[i].destination;
        let mut nb = Vec::new();
        if x > 0 {
            nb.push(i - 1);
        }
        if x < 31 {
            nb.push(i + 1);
        }
        if y > 0 {
            nb.push(i - 32);
        }
        if y < 31 {
            nb.push(i + 32);
        }
        assert!(
            nb.iter().any(|&j| co.results[j].destination != me),
            "start {i} {:?} disagrees but is inside a CPU basin",
            starts[i]
        );
    }
    // Steps agree closely where destinations do (f32 vs f64 paths): each
    // start's step count within STEP_SLACK of the reference's, plus
    // STEP_SLACK_REL of it.
    const STEP_SLACK: i64 = 2;
    const STEP_SLACK_REL: f64 = 0.02;
    let mut worst = 0i64;
    let mut off = Vec::new();
    for i in 0..starts.len() {
        if !disagree.contains(&i) {
            let (gs, cs) = (go.results[i].steps as i64, co.results[i].steps as i64);
            let diff = (gs - cs).abs();
            worst = worst.max(diff);
            if diff > STEP_SLACK + (STEP_SLACK_REL * cs as f64) as i64 {
                off.push((i, gs, cs));
            }
        }
    }
    eprintln!("worst step-count difference where destinations agree: {worst}");
    assert!(
        off.is_empty(),
        "step counts differ beyond {STEP_SLACK} + {STEP_SLACK_REL}×steps (start, gpu, cpu): {off:?}"
    );
}

#[test]
fn csv_rows_match_the_report() {
    let ctx = common::ctx();
    let (f, d, _, stop) = himmelblau();
    let starts = Starts::Random { n: 200, seed: 5 }.points(&d);
    let opts = [gd(0.01), Optimizer::new(OptimizerKind::Adam, 0.1)];
    let rep = compare::run(&ctx, &f, &d, &starts, &opts, &stop, &mut |_| {}).unwrap();
    let path = std::env::temp_dir().join(format!("gradfield-compare-{}.csv", std::process::id()));
    compare::write_csv(&path, &rep, &starts).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 400);
    for (k, o) in rep.optimizers.iter().enumerate() {
        for (i, r) in o.results.iter().enumerate() {
            let row = &rows[k * 200 + i];
            assert_eq!(row[0].parse::<f64>().unwrap(), starts[i][0]);
            assert_eq!(row[2], o.optimizer);
            assert_eq!(row[3].parse::<f64>().unwrap(), r.end[0]);
            assert_eq!(row[6], r.status.as_str());
            assert_eq!(row[8].parse::<i32>().unwrap(), r.destination);
        }
        let n: u64 = o.destinations.iter().map(|d| d.count).sum();
        assert_eq!(n, o.converged);
        let sum = o.fraction_converged + o.fraction_diverged + o.fraction_running;
        assert!((sum - 1.0).abs() < 1e-12);
    }
}

#[test]
fn basin_map_colours_agree_with_the_csv() {
    use gradfield::analysis::basins::{self, BasinOptions};
    let ctx = common::ctx();
    let (f, d, starts, stop) = himmelblau();
    let opts = [gd(0.01), Optimizer::new(OptimizerKind::Adam, 0.3)];
    let rep = compare::run(&ctx, &f, &d, &starts, &opts, &stop, &mut |_| {}).unwrap();
    let dir = std::env::temp_dir().join(format!("gradfield-basins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, png) = (dir.join("runs.csv"), dir.join("basins.png"));
    compare::write_csv(&csv, &rep, &starts).unwrap();
    let bo = BasinOptions::default();
    basins::write_basin_map(&png, &rep, &f, &starts, Some((32, 32)), &bo).unwrap();
    let (_, layout) = basins::basin_map(&rep, &f, &starts, Some((32, 32)), &bo).unwrap();
    if let Ok(keep) = std::env::var("GRADFIELD_KEEP_BASINS") {
        std::fs::copy(&png, keep).unwrap();
    }
    let img = gradfield::image::Image::load_png(&png).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::remove_dir_all(&dir).ok();

    let mut checked = 0;
    let mut on_contour = 0;
    for (row, line) in text.lines().skip(1).enumerate() {
        // Every 7th row: 2 × 1024 / 7 ≈ 290 cells, both panels.
        if row % 7 != 0 {
            continue;
        }
        let c: Vec<&str> = line.split(',').collect();
        let (sx, sy): (f64, f64) = (c[0].parse().unwrap(), c[1].parse().unwrap());
        let panel = if c[2] == "gd" { 0 } else { 1 };
        let status = match c[6] {
            "converged" => Status::Converged,
            "diverged" => Status::Diverged,
            _ => Status::Running,
        };
        let r = compare::StartResult {
            end: [0.0; 2],
            value: 0.0,
            steps: c[7].parse().unwrap(),
            status,
            destination: c[8].parse().unwrap(),
        };
        // Stay clear of the destination markers and labels (within 24 px of one).
        let near_marker = rep.all_destinations.iter().any(|dd| {
            let (a, b) = layout.pixel_of(panel, dd.x, dd.y).unwrap();
            let (p, q) = layout.pixel_of(panel, sx, sy).unwrap();
            (a as f64 - p as f64).hypot(b as f64 - q as f64) < 30.0
        });
        if near_marker {
            continue;
        }
        let (px, py) = layout.pixel_of(panel, sx, sy).unwrap();
        let want = basins::run_color(&r, layout.steps);
        let got = img.get(px, py);
        // A contour line darkens the cell by CONTOUR_ALPHA toward black (±1 for rounding).
        let dark = want.map(|v| (v as f32 * (1.0 - basins::CONTOUR_ALPHA)).round() as u8);
        let close = |a: [u8; 3]| (0..3).all(|k| (a[k] as i32 - got[k] as i32).abs() <= 1);
        if got[..3] == want {
            checked += 1;
        } else if close(dark) {
            on_contour += 1;
        } else {
            panic!(
                "start ({sx}, {sy}) panel {panel}: pixel {got:?}, CSV says {want:?} (dest {})",
                r.destination
            );
        }
    }
    eprintln!("{checked} exact, {on_contour} under a contour line");
    assert!(checked > 120, "{checked}");
    // Distinct destinations have distinct colours, and the picture uses them.
    let cols: Vec<[u8; 3]> = (0..4).map(basins::destination_color).collect();
    for i in 0..4 {
        for j in 0..i {
            assert_ne!(cols[i], cols[j]);
        }
    }
}

/// 1M starts × 1000 steps on lavapipe, beside the CPU f64 reference on a sample
/// (extrapolated). Slow: `cargo test --test compare -- --ignored --nocapture million`.
#[test]
#[ignore]
fn million_starts_thousand_steps() {
    use std::time::Instant;
    let ctx = common::ctx();
    let (f, d, _, _) = himmelblau();
    let starts = Starts::Grid { w: 1024, h: 1024 }.points(&d);
    let opts = [gd(0.01)];
    for tol in [0.0, 1e-4] {
        let stop = Stop::for_domain(&d, tol, 1000);
        let t = Instant::now();
        let mut batches = 0;
        let rep = compare::run(&ctx, &f, &d, &starts, &opts, &stop, &mut |_| batches += 1).unwrap();
        let gpu_s = t.elapsed().as_secs_f64();
        let o = &rep.optimizers[0];
        let sample: Vec<[f64; 2]> = starts.iter().step_by(256).copied().collect();
        let t = Instant::now();
        let c = compare::run_cpu(&f, &d, &sample, &opts, &stop).unwrap();
        let cpu_s = t.elapsed().as_secs_f64();
        let cpu_full = cpu_s * starts.len() as f64 / sample.len() as f64;
        eprintln!(
            "tol {tol}: GPU 1M starts {gpu_s:.1} s ({batches} progress events; converged {}, running {}, {} destinations); \
             CPU f64 {} starts {cpu_s:.2} s → 1M ≈ {cpu_full:.1} s (converged {})",
            o.converged,
            o.running,
            o.destinations.len(),
            sample.len(),
            c.optimizers[0].converged
        );
        if tol > 0.0 {
            assert_eq!(o.converged, starts.len() as u64);
            assert_eq!(o.destinations.len(), 4);
            let dir =
                std::env::temp_dir().join(format!("gradfield-million-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let t = Instant::now();
            compare::write_csv(&dir.join("runs.csv"), &rep, &starts).unwrap();
            let csv_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let grid = Some((1024, 1024));
            gradfield::analysis::basins::write_basin_map(
                &dir.join("b.png"),
                &rep,
                &f,
                &starts,
                grid,
                &Default::default(),
            )
            .unwrap();
            eprintln!(
                "CSV {csv_s:.1} s, basin map {:.2} s",
                t.elapsed().as_secs_f64()
            );
            std::fs::remove_dir_all(&dir).ok();
        } else {
            assert_eq!(o.running, starts.len() as u64);
        }
    }
}

/// Where GPU (f32) and CPU (f64) may disagree: the 32×32 grid above has no
/// disagreement at all, so this places starts right across a basin boundary
/// (found by bisection in f64) and shows that disagreements happen only there.
#[test]
fn disagreements_lie_on_basin_boundaries() {
    let ctx = common::ctx();
    let (f, d, starts, stop) = himmelblau();
    let opts = [gd(0.01)];
    let c = compare::run_cpu(&f, &d, &starts, &opts, &stop).unwrap();
    let dest_at = |p: [f64; 2]| -> [i64; 2] {
        let r = compare::run_cpu(&f, &d, &[p], &opts, &stop).unwrap();
        let o = &r.optimizers[0];
        assert_eq!(o.converged, 1);
        let dd = &o.destinations[0];
        [(dd.x * 1e6).round() as i64, (dd.y * 1e6).round() as i64]
    };
    // Two horizontally adjacent starts in different CPU basins.
    let res = &c.optimizers[0].results;
    let i = (0..starts.len() - 1)
        .find(|&i| i % 32 != 31 && res[i].destination != res[i + 1].destination)
        .unwrap();
    let (mut a, mut b) = (starts[i], starts[i + 1]);
    let (da, db) = (dest_at(a), dest_at(b));
    for _ in 0..40 {
        let m = [0.5 * (a[0] + b[0]), a[1]];
        if dest_at(m) == da {
            a = m;
        } else {
            b = m;
        }
    }
    let x_b = 0.5 * (a[0] + b[0]);
    eprintln!("boundary at ({x_b}, {}) between {da:?} and {db:?}", a[1]);
    // 201 starts 5e-9 apart across it (f32's spacing near x = 0.074 is 7.5e-9). With 1e-6
    // or 1e-7 apart no start disagreed; at 5e-9 two do, both 1e-8 from the boundary.
    let spacing = 5e-9;
    let line: Vec<[f64; 2]> = (-100..=100)
        .map(|k| [x_b + k as f64 * spacing, a[1]])
        .collect();
    let g = compare::run(&ctx, &f, &d, &line, &opts, &stop, &mut |_| {}).unwrap();
    let cl = compare::run_cpu(&f, &d, &line, &opts, &stop).unwrap();
    let key = |rep: &CompareReport, id: i32| {
        let dd = &rep.all_destinations[id as usize];
        [(dd.x * 1e6).round() as i64, (dd.y * 1e6).round() as i64]
    };
    let mut worst = 0.0f64;
    let mut n = 0;
    let mut gpu_sides = std::collections::HashSet::new();
    for (k, p) in line.iter().enumerate() {
        let gk = key(&g, g.optimizers[0].results[k].destination);
        let ck = key(&cl, cl.optimizers[0].results[k].destination);
        gpu_sides.insert(gk);
        if gk != ck {
            n += 1;
            worst = worst.max((p[0] - x_b).abs());
        }
    }
    eprintln!(
        "{n} of {} starts across the boundary disagree; farthest from it: {worst:e}",
        line.len()
    );
    // The GPU sees the boundary too: both basins appear along the line.
    assert_eq!(gpu_sides.len(), 2, "{gpu_sides:?}");
    // Measured: the farthest disagreeing start is 1.0e-8 from the f64 boundary (about one f32
    // ulp of the start's x). Bound 5e-8 = 10 of the 100 line steps on each side.
    assert!(
        worst <= 5e-8,
        "a start {worst:e} from the boundary disagrees"
    );
}

#[test]
fn degenerate_minimum_and_maximum_are_found_and_classified() {
    let d = Domain::new(-1.0, 1.0, -1.0, 1.0);
    let starts = Starts::Grid { w: 32, h: 32 }.points(&d);
    // x⁴ + y⁴: gd stops on a ring |x| ≲ (tol/4)^⅓ ≈ 0.06 around the origin, far wider than
    // the clustering radius (2e-3); Newton (linear here) takes every cluster to the origin.
    let rep = gpu(
        "x^4 + y^4",
        d,
        &starts,
        &[gd(0.1)],
        Stop::for_domain(&d, 1e-3, 5000),
    );
    let o = &rep.optimizers[0];
    eprintln!("{}", compare::format_table(&rep));
    assert_eq!(o.converged, 1024);
    assert_eq!(o.destinations.len(), 1, "{:?}", o.destinations);
    let dest = &o.destinations[0];
    assert_eq!(dest.kind, Kind::Degenerate);
    // Measured: |x|, |y| ≈ 1e-12 (the Newton step criterion).
    assert!(
        dest.x.abs() < 1e-9 && dest.y.abs() < 1e-9,
        "({}, {})",
        dest.x,
        dest.y
    );
    // Ascent on an inverted paraboloid: a maximum.
    let asc = Optimizer::new(OptimizerKind::Ascent, 0.1);
    let rep = gpu(
        "-(x^2 + y^2)",
        d,
        &starts,
        &[asc],
        Stop::for_domain(&d, 1e-4, 500),
    );
    let o = &rep.optimizers[0];
    assert_eq!(o.converged, 1024);
    assert_eq!(o.destinations.len(), 1);
    assert_eq!(o.destinations[0].kind, Kind::Maximum);
}

#[test]
fn step_statistics() {
    let s = compare::step_stats(vec![5, 1, 3, 2, 4, 10, 6, 7, 9, 8]).unwrap();
    assert_eq!((s.mean, s.median, s.p90, s.max), (5.5, 5.5, 9.0, 10.0));
    let s = compare::step_stats(vec![7]).unwrap();
    assert_eq!((s.mean, s.median, s.p90, s.max), (7.0, 7.0, 7.0, 7.0));
    assert!(compare::step_stats(vec![]).is_none());
}
