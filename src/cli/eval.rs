//! `gradfield eval`: value and derivatives at a point, explained.

use super::{emit, num, resolve};
use anyhow::Result;
use clap::Args;
use gradfield::analysis::{self, Kind, Scale};
use gradfield::domain::parse_point;
use gradfield::expr::Which;
use gradfield::Domain;
use gradfield::Error;
use serde::Serialize;
use std::fmt::Write;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A built-in name (see `gradfield functions`) or an expression in x and y.
    #[arg(allow_hyphen_values = true)]
    pub func: String,
    /// The point, as X,Y (negative values are fine: --at -3,-2).
    #[arg(long, allow_hyphen_values = true)]
    pub at: String,
    /// A direction DX,DY for the directional derivative (normalised first).
    #[arg(long, allow_hyphen_values = true)]
    pub direction: Option<String>,
    /// The domain XMIN,XMAX,YMIN,YMAX whose scale `kind` is judged in (default:
    /// the catalogue's, else -5,5,-5,5, widened to hold the point).
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct EvalJson {
    function: String,
    point: [f64; 2],
    value: f64,
    gradient: [f64; 2],
    gradient_norm: f64,
    hessian: [[f64; 2]; 2],
    eigenvalues: [f64; 2],
    steepest_ascent: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    directional_derivative: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    angle_degrees: Option<f64>,
    kind: Kind,
    /// Why `kind` is `undefined` (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    undefined: Option<&'static str>,
}

pub fn run(a: EvalArgs) -> Result<()> {
    let r = resolve(&a.func)?;
    let [x, y] = parse_point(&a.at, "--at")?;
    let dir = match &a.direction {
        Some(s) => {
            let d = parse_point(s, "--direction")?;
            let n = d[0].hypot(d[1]);
            if n == 0.0 {
                return Err(Error::input(format!(
                    "--direction {s} is the zero vector: it has no direction"
                ))
                .into());
            }
            Some([d[0] / n, d[1] / n])
        }
        None => None,
    };
    let d = r.func.derivs(x, y);
    let g = d.grad;
    let gn = g[0].hypot(g[1]);
    // The function's scales over its domain (the catalogue's, else [-5, 5]²),
    // widened to hold the point: the classifier judges in those units.
    let mut domain = match &a.domain {
        Some(d) => Domain::parse(d)?,
        None => r.domain(Domain::new(-5.0, 5.0, -5.0, 5.0)),
    };
    if a.domain.is_none() {
        domain.xmin = domain.xmin.min(x);
        domain.xmax = domain.xmax.max(x);
        domain.ymin = domain.ymin.min(y);
        domain.ymax = domain.ymax.max(y);
    }
    let scale = Scale::of(&r.func, &domain);
    let verdict = analysis::judge(&d, &scale);
    let kind = verdict.kind;
    // The steepest-ascent direction exists exactly where the classifier says
    // ∇f ≠ 0: a critical kind (∇f = 0 at the function's scale, even if the
    // rounded gradient is not exactly zero) has none.
    let critical = matches!(
        kind,
        Kind::Minimum | Kind::Maximum | Kind::Saddle | Kind::Degenerate
    );
    let ascent = (!critical && gn > 0.0 && gn.is_finite()).then(|| [g[0] / gn, g[1] / gn]);
    let dd = dir.map(|u| g[0] * u[0] + g[1] * u[1]);
    let angle = match (dir, ascent) {
        (Some(u), Some(s)) => Some(
            (u[0] * s[0] + u[1] * s[1])
                .clamp(-1.0, 1.0)
                .acos()
                .to_degrees(),
        ),
        _ => None,
    };
    let [fxx, fxy, fyy] = d.hess;
    let eig = analysis::eigenvalues(d.hess);
    if a.json {
        let j = EvalJson {
            function: r.formula().to_string(),
            point: [x, y],
            value: d.value,
            gradient: g,
            gradient_norm: gn,
            hessian: [[fxx, fxy], [fxy, fyy]],
            eigenvalues: eig,
            steepest_ascent: ascent,
            direction: dir,
            directional_derivative: dd,
            angle_degrees: angle,
            kind,
            undefined: verdict.undefined,
        };
        return emit(&(serde_json::to_string_pretty(&j)? + "\n"));
    }
    let mut s = String::new();
    let name = r.entry.map(|e| format!("{} ", e.title)).unwrap_or_default();
    let _ = writeln!(s, "{name}f(x, y) = {}", r.formula());
    let _ = writeln!(s, "at (x, y) = ({}, {})", num(x), num(y));
    let _ = writeln!(s, "  f            = {}", num(d.value));
    let fx = r.func.formula(Which::Dx).unwrap_or_else(|| "…".into());
    let fy = r.func.formula(Which::Dy).unwrap_or_else(|| "…".into());
    let _ = writeln!(
        s,
        "  ∇f           = ({}, {})    with ∂f/∂x = {fx}, ∂f/∂y = {fy}",
        num(g[0]),
        num(g[1])
    );
    let _ = writeln!(
        s,
        "  |∇f|         = {}    the fastest rate of increase of f at this point",
        num(gn)
    );
    match ascent {
        Some(u) => {
            let _ = writeln!(
                s,
                "  steepest ascent u* = ∇f/|∇f| = ({}, {}); steepest descent is −u*",
                num(u[0]),
                num(u[1])
            );
        }
        None if gn == 0.0 => {
            let _ = writeln!(
                s,
                "  steepest ascent: none (∇f = 0, every direction is level to first order)"
            );
        }
        None if critical => {
            let _ = writeln!(
                s,
                "  steepest ascent: none (∇f = 0 at this function's scale: a {kind}, \
                 the residual |∇f| is rounding)"
            );
        }
        None => {
            let _ = writeln!(s, "  steepest ascent: undefined (∇f is not finite here)");
        }
    }
    let _ = writeln!(
        s,
        "  Hessian      = [[{}, {}], [{}, {}]]    eigenvalues {}, {}",
        num(fxx),
        num(fxy),
        num(fxy),
        num(fyy),
        num(eig[0]),
        num(eig[1])
    );
    let why = verdict.why(&scale);
    let _ = writeln!(s, "  kind         = {kind} ({why})");
    if let (Some(u), Some(dd)) = (dir, dd) {
        let _ = writeln!(
            s,
            "direction u = ({}, {}) (normalised)",
            num(u[0]),
            num(u[1])
        );
        let _ = writeln!(
            s,
            "  D_u f = ∇f·u = {}    (its maximum over all u is |∇f| = {}, along u*)",
            num(dd),
            num(gn)
        );
        if let Some(t) = angle {
            let _ = writeln!(
                s,
                "  angle between u and ∇f = {}°: D_u f = |∇f| cos θ = {} × {}",
                num(t),
                num(gn),
                num(t.to_radians().cos())
            );
        }
    }
    emit(&s)
}
