//! WGSL generation from the graph.
//!
//! Each emitted function evaluates the DAG below its roots in topological order,
//! one `let` per interior node, so a subexpression shared by f and its
//! derivatives is computed once in `f_grad` and `f_grad_hess`. Small integer
//! powers become multiplications, because WGSL's `pow` is undefined for a
//! negative base (x^2 at x = −1 must be 1, not NaN).

use super::graph::{Func1, Func2, Graph, Node, NodeId};
use std::collections::HashMap;
use std::fmt::Write;

/// Helpers every generated function may call. `gf_pow` follows IEEE `pow`
/// (what the f64 reference computes) for the cases WGSL leaves undefined.
pub const PRELUDE: &str = r#"
fn gf_inf() -> f32 { return bitcast<f32>(0x7f800000u); }
fn gf_nan() -> f32 { return bitcast<f32>(0x7fc00000u); }
fn gf_pow(a: f32, b: f32) -> f32 {
    if (b == 0.0) { return 1.0; }
    if (a == 0.0) { return select(gf_inf(), 0.0, b > 0.0); }
    if (a > 0.0) { return exp2(b * log2(a)); }
    if (a < 0.0 && b == floor(b)) {
        let r = exp2(b * log2(-a));
        return select(r, -r, fract(b * 0.5) != 0.0);
    }
    return gf_nan();
}
fn gf_sign(a: f32) -> f32 {
    if (a > 0.0) { return 1.0; }
    if (a < 0.0) { return -1.0; }
    return a;
}
fn gf_min(a: f32, b: f32) -> f32 {
    if (a != a || b != b) { return gf_nan(); }
    return min(a, b);
}
fn gf_max(a: f32, b: f32) -> f32 {
    if (a != a || b != b) { return gf_nan(); }
    return max(a, b);
}
struct FDerivs {
    value: f32,
    grad: vec2<f32>,
    /// (fxx, fxy, fyy)
    hess: vec3<f32>,
}
"#;

/// A WGSL literal for an f32 value, valid for any f64 input.
pub fn literal(v: f64) -> String {
    let f = v as f32;
    if f.is_nan() {
        "gf_nan()".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "gf_inf()".into()
        } else {
            "(-gf_inf())".into()
        }
    } else {
        let s = format!("{f:?}");
        if f < 0.0 {
            format!("({s})")
        } else {
            s
        }
    }
}

/// WGSL for a one-argument function applied to the expression `a`; shared by
/// the compiled functions and the interpreter (src/expr/interp.rs) so both
/// evaluate the same formulas.
pub fn func1(f: Func1, a: &str) -> String {
    match f {
        Func1::Ln => format!("log({a})"),
        Func1::Log10 => format!("log({a}) * 0.4342944819032518"),
        Func1::Sign => format!("gf_sign({a})"),
        _ => format!("{}({a})", f.name()),
    }
}

/// WGSL for a two-argument function of `a` and `b` (see [`func1`]).
pub fn func2(f: Func2, a: &str, b: &str) -> String {
    match f {
        Func2::Atan2 => format!("atan2({a}, {b})"),
        Func2::Min => format!("gf_min({a}, {b})"),
        Func2::Max => format!("gf_max({a}, {b})"),
    }
}

struct Emitter<'a> {
    g: &'a Graph,
    names: HashMap<NodeId, String>,
    body: String,
}

impl Emitter<'_> {
    fn name(&self, id: NodeId) -> String {
        match self.g.node(id) {
            Node::Const(b) => literal(f64::from_bits(b)),
            Node::X => "p.x".into(),
            Node::Y => "p.y".into(),
            _ => self.names[&id].clone(),
        }
    }

    fn emit(&mut self, roots: &[NodeId]) {
        for id in self.g.topo(roots) {
            let node = self.g.node(id);
            if matches!(node, Node::Const(_) | Node::X | Node::Y) {
                continue;
            }
            let t = format!("t{}", self.names.len());
            let n = |e: &Self, a: NodeId| e.name(a);
            let rhs = match node {
                Node::Add(a, b) => format!("{} + {}", n(self, a), n(self, b)),
                Node::Sub(a, b) => format!("{} - {}", n(self, a), n(self, b)),
                Node::Mul(a, b) => format!("{} * {}", n(self, a), n(self, b)),
                Node::Div(a, b) => format!("{} / {}", n(self, a), n(self, b)),
                Node::Neg(a) => format!("-{}", n(self, a)),
                Node::Pow(a, b) => format!("gf_pow({}, {})", n(self, a), n(self, b)),
                Node::PowI(a, k) => self.powi(&t, &n(self, a), k),
                Node::F1(f, a) => func1(f, &n(self, a)),
                Node::F2(f, a, b) => func2(f, &n(self, a), &n(self, b)),
                Node::Const(_) | Node::X | Node::Y => unreachable!(),
            };
            let _ = writeln!(self.body, "    let {t} = {rhs};");
            self.names.insert(id, t);
        }
    }

    /// a^k by repeated squaring into helper lets named after `t`.
    fn powi(&mut self, t: &str, a: &str, k: i32) -> String {
        let mut n = k.unsigned_abs();
        let mut base = a.to_string();
        let mut acc: Option<String> = None;
        let mut i = 0;
        loop {
            if n & 1 == 1 {
                acc = Some(match acc {
                    None => base.clone(),
                    Some(s) => {
                        let name = format!("{t}_m{i}");
                        let _ = writeln!(self.body, "    let {name} = {s} * {base};");
                        name
                    }
                });
            }
            n >>= 1;
            if n == 0 {
                break;
            }
            let sq = format!("{t}_s{i}");
            let _ = writeln!(self.body, "    let {sq} = {base} * {base};");
            base = sq;
            i += 1;
        }
        let v = acc.expect("exponent is non-zero");
        if k < 0 {
            format!("1.0 / {v}")
        } else {
            v
        }
    }
}

fn function(
    g: &Graph,
    name: &str,
    ret: &str,
    roots: &[NodeId],
    build: impl Fn(&[String]) -> String,
) -> String {
    let mut e = Emitter {
        g,
        names: HashMap::new(),
        body: String::new(),
    };
    e.emit(roots);
    let vals: Vec<String> = roots.iter().map(|&r| e.name(r)).collect();
    format!(
        "fn {name}(p: vec2<f32>) -> {ret} {{\n{}    return {};\n}}\n",
        e.body,
        build(&vals)
    )
}

/// The roots of one function: f, fx, fy, fxx, fxy, fyy.
#[derive(Clone, Copy, Debug)]
pub struct Roots {
    pub f: NodeId,
    pub gx: NodeId,
    pub gy: NodeId,
    pub hxx: NodeId,
    pub hxy: NodeId,
    pub hyy: NodeId,
}

/// `fn f`, `fn grad_f`, `fn hess_f`, `fn f_grad` (f, fx, fy) and `fn f_grad_hess`,
/// preceded by [`PRELUDE`].
pub fn generate(g: &Graph, r: &Roots) -> String {
    let mut s = String::from(PRELUDE);
    s.push_str(&function(g, "f", "f32", &[r.f], |v| v[0].clone()));
    s.push_str(&function(g, "grad_f", "vec2<f32>", &[r.gx, r.gy], |v| {
        format!("vec2<f32>({}, {})", v[0], v[1])
    }));
    s.push_str(&function(
        g,
        "hess_f",
        "vec3<f32>",
        &[r.hxx, r.hxy, r.hyy],
        |v| format!("vec3<f32>({}, {}, {})", v[0], v[1], v[2]),
    ));
    s.push_str(&function(
        g,
        "f_grad",
        "vec3<f32>",
        &[r.f, r.gx, r.gy],
        |v| format!("vec3<f32>({}, {}, {})", v[0], v[1], v[2]),
    ));
    s.push_str(&function(
        g,
        "f_grad_hess",
        "FDerivs",
        &[r.f, r.gx, r.gy, r.hxx, r.hxy, r.hyy],
        |v| {
            format!(
                "FDerivs({}, vec2<f32>({}, {}), vec3<f32>({}, {}, {}))",
                v[0], v[1], v[2], v[3], v[4], v[5]
            )
        },
    ));
    s
}
