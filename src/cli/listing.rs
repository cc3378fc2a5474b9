//! `gradfield functions`, `critical` and `info`.

use super::{emit, num, resolve};
use anyhow::Result;
use clap::Args;
use gradfield::analysis::critical::{analyze, Continuum, CriticalOptions, Extremum};
use gradfield::analysis::Kind;
use gradfield::catalog;
use gradfield::gpu::Context;
use gradfield::{Domain, Error};
use serde::Serialize;
use serde_json::json;
use std::fmt::Write;

pub fn functions(as_json: bool) -> Result<()> {
    let all = catalog::all();
    if as_json {
        let list: Vec<_> = all
            .iter()
            .map(|e| {
                let pts = |v: &[catalog::Known]| {
                    v.iter()
                        .map(|k| json!({"x": k.x, "y": k.y, "value": k.value, "kind": k.kind}))
                        .collect::<Vec<_>>()
                };
                json!({
                    "name": e.name,
                    "title": e.title,
                    "formula": e.formula,
                    "domain": [e.domain.xmin, e.domain.xmax, e.domain.ymin, e.domain.ymax],
                    "minima": pts(e.minima),
                    "other_critical_points": pts(e.others),
                    "lr": e.lr,
                    "note": e.note,
                })
            })
            .collect();
        return emit(&(serde_json::to_string_pretty(&json!({ "functions": list }))? + "\n"));
    }
    let mut s = String::new();
    for e in all {
        let d = &e.domain;
        let _ = writeln!(s, "{:<20} {}", e.name, e.title);
        let _ = writeln!(s, "{:<20} f(x, y) = {}", "", e.formula);
        let _ = writeln!(
            s,
            "{:<20} domain [{}, {}] × [{}, {}]; {}",
            "",
            num(d.xmin),
            num(d.xmax),
            num(d.ymin),
            num(d.ymax),
            e.note
        );
        let mins: Vec<String> = e
            .minima
            .iter()
            .map(|m| format!("f({}, {}) = {}", num(m.x), num(m.y), num(m.value)))
            .collect();
        let _ = writeln!(s, "{:<20} minima: {}\n", "", mins.join("; "));
    }
    emit(&s)
}

#[derive(Args, Debug)]
pub struct CriticalArgs {
    /// A built-in name or an expression in x and y.
    #[arg(allow_hyphen_values = true)]
    pub func: String,
    /// XMIN,XMAX,YMIN,YMAX (default: the catalogue's domain, else -5,5,-5,5).
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    /// Newton seeds per side of the seed grid.
    #[arg(long, default_value_t = 96)]
    pub seeds: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct CriticalJson {
    function: String,
    domain: [f64; 4],
    critical_points: Vec<PointJson>,
    /// Curves of non-isolated critical points (a sample of each is in `critical_points`).
    continua: Vec<Continuum>,
    /// Share of the domain where f is flat to rounding (underflowed); nothing is listed there.
    flat_fraction: f64,
    /// The domain's lowest and highest points, edges included.
    extrema: Vec<Extremum>,
}

#[derive(Serialize)]
struct PointJson {
    x: f64,
    y: f64,
    value: f64,
    kind: Kind,
    eigenvalues: [f64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    continuum: Option<usize>,
}

pub fn critical(a: CriticalArgs) -> Result<()> {
    let r = resolve(&a.func)?;
    let domain = match &a.domain {
        Some(d) => Domain::parse(d)?,
        None => r.domain(Domain::new(-5.0, 5.0, -5.0, 5.0)),
    };
    if !(2..=2048).contains(&a.seeds) {
        return Err(Error::input(format!(
            "--seeds {} is out of range: use 2 to 2048 per side",
            a.seeds
        ))
        .into());
    }
    let opts = CriticalOptions {
        seeds: a.seeds,
        ..CriticalOptions::default()
    };
    let rep = analyze(&r.func, &domain, &opts);
    let pts = &rep.points;
    if a.json {
        let j = CriticalJson {
            function: r.formula().to_string(),
            domain: [domain.xmin, domain.xmax, domain.ymin, domain.ymax],
            critical_points: pts
                .iter()
                .map(|p| PointJson {
                    x: p.x,
                    y: p.y,
                    value: p.value,
                    kind: p.kind,
                    eigenvalues: p.eigenvalues,
                    continuum: p.continuum,
                })
                .collect(),
            continua: rep.continua.clone(),
            flat_fraction: rep.flat_fraction,
            extrema: rep.extrema.clone(),
        };
        return emit(&(serde_json::to_string_pretty(&j)? + "\n"));
    }
    let mut s = String::new();
    let isolated = pts.iter().filter(|p| p.continuum.is_none()).count();
    let _ = write!(
        s,
        "f(x, y) = {}    domain {domain}: {isolated} critical point{}",
        r.formula(),
        if isolated == 1 { "" } else { "s" }
    );
    if !rep.continua.is_empty() {
        let _ = write!(
            s,
            " and {} continu{} of critical points",
            rep.continua.len(),
            if rep.continua.len() == 1 { "um" } else { "a" }
        );
    }
    let _ = writeln!(s);
    if rep.flat_fraction > 0.0 {
        let _ = writeln!(
            s,
            "flat: f is constant to rounding (∇f and the Hessian vanish, e.g. an underflowed exp) on {:.1}% of the domain; no critical points are listed there",
            100.0 * rep.flat_fraction
        );
    }
    let _ = writeln!(
        s,
        "{:<11} {:>13} {:>13} {:>14} {:>13} {:>13}",
        "kind", "x", "y", "f", "λ1", "λ2"
    );
    for p in pts.iter().filter(|p| p.continuum.is_none()) {
        let _ = writeln!(
            s,
            "{:<11} {:>13} {:>13} {:>14} {:>13} {:>13}",
            p.kind.as_str(),
            num(p.x),
            num(p.y),
            num(p.value),
            num(p.eigenvalues[0]),
            num(p.eigenvalues[1])
        );
    }
    for c in &rep.continua {
        let what = match c.across {
            Kind::Minimum => "a valley of minima",
            Kind::Maximum => "a ridge of maxima",
            _ => "degenerate both ways",
        };
        let sample: Vec<String> = c
            .sample
            .iter()
            .map(|p| format!("({}, {})", num(p[0]), num(p[1])))
            .collect();
        let _ = writeln!(
            s,
            "continuum {}: f = {}, {what}, {} points found in x ∈ [{}, {}], y ∈ [{}, {}]; e.g. {}",
            c.id,
            num(c.value),
            c.found,
            num(c.bounds[0]),
            num(c.bounds[1]),
            num(c.bounds[2]),
            num(c.bounds[3]),
            sample.join(", ")
        );
    }
    for e in &rep.extrema {
        let at = pts.iter().find(|p| {
            (p.x - e.x).hypot(p.y - e.y) <= 1e-6 * domain.extent() && p.continuum.is_none()
        });
        let note = match (at, e.on_boundary) {
            (Some(p), _) => format!("the {} listed above", p.kind),
            (None, true) => "on the boundary, where ∇f need not vanish".to_string(),
            (None, false) => "not a listed critical point".to_string(),
        };
        let _ = writeln!(
            s,
            "{} of the domain: f({}, {}) = {}    {note}",
            if e.kind == "min" {
                "lowest point"
            } else {
                "highest point"
            },
            num(e.x),
            num(e.y),
            num(e.value)
        );
    }
    emit(&s)
}

pub fn info(as_json: bool) -> Result<()> {
    let ctx = Context::headless_with(super::adapter_choice())?;
    let seen = gradfield::gpu::context::list_adapters(super::adapter_choice());
    let i = &ctx.info;
    let l = &ctx.limits;
    if as_json {
        let adapters: Vec<_> = seen
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "backend": format!("{:?}", a.backend),
                    "device_type": format!("{:?}", a.device_type),
                    "driver": a.driver,
                    "driver_info": a.driver_info,
                    "in_use": same_adapter(a, i),
                })
            })
            .collect();
        let j = json!({
            "adapters": adapters,
            "adapter": i.name,
            "backend": format!("{:?}", i.backend),
            "device_type": format!("{:?}", i.device_type),
            "driver": i.driver,
            "driver_info": i.driver_info,
            "limits": {
                "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
                "max_buffer_size": l.max_buffer_size,
                "max_texture_dimension_2d": l.max_texture_dimension_2d,
                "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
                "max_compute_invocations_per_workgroup": l.max_compute_invocations_per_workgroup,
                "max_compute_workgroup_storage_size": l.max_compute_workgroup_storage_size,
            }
        });
        return emit(&(serde_json::to_string_pretty(&j)? + "\n"));
    }
    let mut s = String::new();
    let _ = writeln!(s, "adapter      {}", i.name);
    let _ = writeln!(s, "backend      {:?}", i.backend);
    let _ = writeln!(s, "device type  {:?}", i.device_type);
    let _ = writeln!(s, "driver       {} {}", i.driver, i.driver_info);
    let mib = |b: u64| format!("{} MiB", b >> 20);
    let _ = writeln!(
        s,
        "storage binding  {} (particle state and trails beyond this are split into chunks)",
        mib(l.max_storage_buffer_binding_size)
    );
    let _ = writeln!(s, "buffer size      {}", mib(l.max_buffer_size));
    let _ = writeln!(
        s,
        "texture size     {} px (renders are capped at the smaller of this and 8192)",
        l.max_texture_dimension_2d
    );
    let _ = writeln!(
        s,
        "workgroups       {} per dimension, {} invocations each",
        l.max_compute_workgroups_per_dimension, l.max_compute_invocations_per_workgroup
    );
    if i.device_type == wgpu::DeviceType::Cpu {
        let _ = writeln!(
            s,
            "note: a software adapter (no GPU found); everything runs, more slowly"
        );
    }
    let _ = writeln!(
        s,
        "\nadapters seen ({}; choose one with --adapter NAME or WGPU_ADAPTER_NAME):",
        seen.len()
    );
    for a in &seen {
        let mark = if same_adapter(a, i) { "*" } else { " " };
        let _ = writeln!(
            s,
            "{mark} {}  {} {}",
            gradfield::gpu::context::describe_info(a),
            a.driver,
            a.driver_info
        );
    }
    emit(&s)
}

/// Whether two descriptions name the same adapter.
fn same_adapter(a: &wgpu::AdapterInfo, b: &wgpu::AdapterInfo) -> bool {
    a.name == b.name && a.backend == b.backend && a.device == b.device && a.vendor == b.vendor
}
