mod common;
use gradfield::bench::grid_starts;
use gradfield::gpu::field::FieldPass;
use gradfield::gpu::{EngineConfig, Particle, ParticleEngine};
use gradfield::optim::{Optimizer, OptimizerKind, Stop};
use gradfield::{Domain, Function, Grid};
use std::time::Instant;

fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let r = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = r.split(' ').collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
fn med(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "{:.3} G [{:.3}-{:.3}]",
        v[v.len() / 2] / 1e9,
        v[0] / 1e9,
        v[v.len() - 1] / 1e9
    )
}

#[test]
#[ignore]
fn explore() {
    let ctx = common::ctx();
    let which = std::env::var("EXP").unwrap_or("p".into());
    if which.contains('p') {
        let d = Domain::new(-2.0, 2.0, -1.0, 3.0);
        let f = Function::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let n: u32 = std::env::var("N")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1 << 20);
        let starts = grid_starts(&d, n);
        let init: Vec<Particle> = starts.iter().map(|&p| Particle::at(p)).collect();
        let kinds: Vec<OptimizerKind> = if std::env::var("ADAM").is_ok() {
            vec![OptimizerKind::Gd, OptimizerKind::Adam]
        } else {
            vec![OptimizerKind::Gd]
        };
        let itl: Vec<u32> = std::env::var("ITERS")
            .unwrap_or("101".into())
            .split(',')
            .map(|s| s.parse().unwrap())
            .collect();
        for kind in kinds {
            for iters in itl.clone() {
                let cfg = EngineConfig {
                    optimizer: Optimizer::new(
                        kind,
                        if kind == OptimizerKind::Gd {
                            1e-4
                        } else {
                            0.01
                        },
                    ),
                    stop: Stop::for_domain(&d, 0.0, 100),
                    iters_per_dispatch: iters,
                    trail_len: 0,
                    trail_stride: 1,
                };
                let e = ParticleEngine::new(&ctx, &f, &starts, cfg).unwrap();
                let disp = e.dispatches_for(100);
                let mut r = vec![];
                let mut cpu = 0.0;
                for _ in 0..4 {
                    e.write(&ctx, &init).unwrap();
                    ctx.wait().unwrap();
                    let c0 = cpu_s();
                    let t = Instant::now();
                    e.step(&ctx, disp);
                    ctx.wait().unwrap();
                    cpu += cpu_s() - c0;
                    r.push(n as f64 * 100.0 / t.elapsed().as_secs_f64());
                }
                eprintln!(
                    "particles {kind} n={n} iters/dispatch={iters}: {}  => {:.3} G per cpu-second",
                    med(r),
                    4.0 * n as f64 * 100.0 / cpu / 1e9
                );
            }
        }
    }
    if which.contains('f') {
        let f = Function::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let pass = FieldPass::new(&ctx, &f).unwrap();
        for side in [1024u32, 2048, 4096] {
            let g = Grid::new(Domain::new(-2.0, 2.0, -1.0, 3.0), side, side);
            let t = pass.target(&ctx, &g).unwrap();
            pass.run_into(&ctx, &t, false).unwrap();
            let mut r = vec![];
            let c0 = cpu_s();
            let w0 = Instant::now();
            for _ in 0..5 {
                let t0 = Instant::now();
                pass.run_into(&ctx, &t, false).unwrap();
                r.push(g.len() as f64 / t0.elapsed().as_secs_f64());
            }
            let (c, w) = (cpu_s() - c0, w0.elapsed().as_secs_f64());
            eprintln!(
                "field {side}: {}  cpu-time {:.2}s wall {:.2}s => {:.3} G points per cpu-second",
                med(r),
                c,
                w,
                5.0 * g.len() as f64 / c / 1e9
            );
        }
    }
}
#[test]
#[ignore]
fn show_wgsl() {
    let f = Function::parse(&std::env::var("F").unwrap()).unwrap();
    let w = f.wgsl();
    let i = w.find("fn f_grad(").unwrap();
    eprintln!("{}", &w[i..i + w[i..].find("\n}").unwrap()]);
}
