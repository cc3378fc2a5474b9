//! The function language: parse, symbolic derivatives, simplification, f64
//! evaluation and WGSL generation. Pure CPU, no wgpu.
//!
//! One expression graph per function is the single source of truth: the f64
//! tape (the reference) and the WGSL code (the GPU) are both generated from it.

pub mod diff;
pub mod graph;
pub mod interp;
pub mod parse;
pub mod tape;
pub mod wgsl;

pub use graph::{Func1, Func2, Graph, Node, NodeId};
pub use parse::ParseError;
pub use tape::{Real, Tape};

use diff::Var;
use std::fmt::Write;

/// f with its gradient and Hessian at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Derivs {
    pub value: f64,
    pub grad: [f64; 2],
    /// (fxx, fxy, fyy)
    pub hess: [f64; 3],
}

/// A parsed function of x and y with its exact first and second derivatives.
#[derive(Clone, Debug)]
pub struct Function {
    source: String,
    graph: Graph,
    roots: wgsl::Roots,
    tape_f: Tape,
    tape_fg: Tape,
    tape_all: Tape,
}

impl Function {
    /// Parses an expression in x and y and differentiates it twice.
    pub fn parse(src: &str) -> Result<Function, ParseError> {
        let mut g = Graph::new();
        let f = parse::parse_into(src, &mut g)?;
        let gx = diff::derivative(&mut g, f, Var::X);
        let gy = diff::derivative(&mut g, f, Var::Y);
        let hxx = diff::derivative(&mut g, gx, Var::X);
        let hxy = diff::derivative(&mut g, gx, Var::Y);
        let hyy = diff::derivative(&mut g, gy, Var::Y);
        let roots = wgsl::Roots {
            f,
            gx,
            gy,
            hxx,
            hxy,
            hyy,
        };
        Ok(Function {
            source: src.to_string(),
            tape_f: Tape::new(&g, &[f]),
            tape_fg: Tape::new(&g, &[f, gx, gy]),
            tape_all: Tape::new(&g, &[f, gx, gy, hxx, hxy, hyy]),
            graph: g,
            roots,
        })
    }

    /// The text this function was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn roots(&self) -> wgsl::Roots {
        self.roots
    }

    pub fn value(&self, x: f64, y: f64) -> f64 {
        let mut out = [0.0];
        self.tape_f.eval_into(x, y, &mut Vec::new(), &mut out);
        out[0]
    }

    pub fn grad(&self, x: f64, y: f64) -> [f64; 2] {
        let v = self.value_grad(x, y);
        [v[1], v[2]]
    }

    /// (f, fx, fy).
    pub fn value_grad(&self, x: f64, y: f64) -> [f64; 3] {
        let mut out = [0.0; 3];
        self.tape_fg.eval_into(x, y, &mut Vec::new(), &mut out);
        out
    }

    pub fn derivs(&self, x: f64, y: f64) -> Derivs {
        let mut out = [0.0; 6];
        self.tape_all.eval_into(x, y, &mut Vec::new(), &mut out);
        Derivs {
            value: out[0],
            grad: [out[1], out[2]],
            hess: [out[3], out[4], out[5]],
        }
    }

    /// The tape computing (f, fx, fy), for hot loops that keep their own scratch.
    pub fn tape_value_grad(&self) -> &Tape {
        &self.tape_fg
    }

    /// The tape computing f only.
    pub fn tape_value(&self) -> &Tape {
        &self.tape_f
    }

    /// The tape computing (f, fx, fy, fxx, fxy, fyy).
    pub fn tape_all(&self) -> &Tape {
        &self.tape_all
    }

    /// The function encoded for the GPU interpreter ([`interp`]); None when it
    /// needs more registers than the interpreter has.
    pub fn gpu_tape(&self) -> Option<interp::GpuTape> {
        interp::GpuTape::new(&self.graph, &self.roots)
    }

    /// WGSL defining `f`, `grad_f`, `hess_f`, `f_grad` and `f_grad_hess`.
    pub fn wgsl(&self) -> String {
        wgsl::generate(&self.graph, &self.roots)
    }

    /// Human-readable formulas: the simplified f, ∂f/∂x, ∂f/∂y (None when too large to print).
    pub fn formula(&self, which: Which) -> Option<String> {
        let id = match which {
            Which::F => self.roots.f,
            Which::Dx => self.roots.gx,
            Which::Dy => self.roots.gy,
            Which::Dxx => self.roots.hxx,
            Which::Dxy => self.roots.hxy,
            Which::Dyy => self.roots.hyy,
        };
        display(&self.graph, id, 400)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    F,
    Dx,
    Dy,
    Dxx,
    Dxy,
    Dyy,
}

fn prec(n: Node) -> u8 {
    match n {
        Node::Add(..) | Node::Sub(..) => 1,
        Node::Mul(..) | Node::Div(..) => 2,
        Node::Neg(..) => 3,
        Node::Pow(..) | Node::PowI(..) => 4,
        Node::Const(b) if f64::from_bits(b) < 0.0 => 3,
        _ => 5,
    }
}

/// Prints the tree below `id` (shared nodes repeated), or None past `budget` characters.
pub fn display(g: &Graph, id: NodeId, budget: usize) -> Option<String> {
    fn go(g: &Graph, id: NodeId, out: &mut String, budget: usize, depth: usize) -> Option<()> {
        if out.len() > budget || depth > 64 {
            return None;
        }
        let node = g.node(id);
        let p = prec(node);
        let sub = |a: NodeId, min: u8, out: &mut String| -> Option<()> {
            let paren = prec(g.node(a)) < min;
            if paren {
                out.push('(');
            }
            go(g, a, out, budget, depth + 1)?;
            if paren {
                out.push(')');
            }
            Some(())
        };
        match node {
            Node::Const(b) => {
                let v = f64::from_bits(b);
                let _ = write!(out, "{}", fmt_num(v));
            }
            Node::X => out.push('x'),
            Node::Y => out.push('y'),
            Node::Add(a, b) => {
                sub(a, p, out)?;
                out.push_str(" + ");
                sub(b, p, out)?;
            }
            Node::Sub(a, b) => {
                sub(a, p, out)?;
                out.push_str(" - ");
                sub(b, p + 1, out)?;
            }
            Node::Mul(a, b) => {
                sub(a, p, out)?;
                out.push('*');
                sub(b, p, out)?;
            }
            Node::Div(a, b) => {
                sub(a, p, out)?;
                out.push('/');
                sub(b, p + 1, out)?;
            }
            Node::Neg(a) => {
                out.push('-');
                sub(a, p, out)?;
            }
            Node::Pow(a, b) => {
                sub(a, p + 1, out)?;
                out.push('^');
                sub(b, p, out)?;
            }
            Node::PowI(a, n) => {
                sub(a, p + 1, out)?;
                if n < 0 {
                    let _ = write!(out, "^({n})");
                } else {
                    let _ = write!(out, "^{n}");
                }
            }
            Node::F1(f, a) => {
                let _ = write!(out, "{}(", f.name());
                go(g, a, out, budget, depth + 1)?;
                out.push(')');
            }
            Node::F2(f, a, b) => {
                let _ = write!(out, "{}(", f.name());
                go(g, a, out, budget, depth + 1)?;
                out.push_str(", ");
                go(g, b, out, budget, depth + 1)?;
                out.push(')');
            }
        }
        Some(())
    }
    let mut s = String::new();
    go(g, id, &mut s, budget, 0)?;
    Some(s)
}

/// Shortest round-trip decimal for a number in formulas and tables.
pub fn fmt_num(v: f64) -> String {
    if v == std::f64::consts::PI {
        return "pi".into();
    }
    if v == std::f64::consts::E {
        return "e".into();
    }
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_bowl_gradient() {
        // The worked example of "Gradient as Steepest Ascent Direction": f = x² + 3y², ∇f(1, 2) = (2, 12).
        let f = Function::parse("x^2 + 3*y^2").unwrap();
        assert_eq!(f.grad(1.0, 2.0), [2.0, 12.0]);
        let d = f.derivs(1.0, 2.0);
        assert_eq!(d.hess, [2.0, 0.0, 6.0]);
        assert_eq!(f.formula(Which::Dx).unwrap(), "2*x");
        assert_eq!(f.formula(Which::Dy).unwrap(), "6*y");
    }

    #[test]
    fn precedence_and_unary_minus() {
        let f = Function::parse("-x^2").unwrap();
        assert_eq!(f.value(3.0, 0.0), -9.0);
        let f = Function::parse("2^3^2").unwrap();
        assert_eq!(f.value(0.0, 0.0), 512.0);
        let f = Function::parse("2^-1").unwrap();
        assert_eq!(f.value(0.0, 0.0), 0.5);
        let f = Function::parse("x**2 - y").unwrap();
        assert_eq!(f.value(3.0, 1.0), 8.0);
        let f = Function::parse("10 - 4 - 3").unwrap();
        assert_eq!(f.value(0.0, 0.0), 3.0);
        let f = Function::parse("8 / 4 / 2").unwrap();
        assert_eq!(f.value(0.0, 0.0), 1.0);
    }

    #[test]
    fn undefined_points_are_nan_or_inf() {
        let f = Function::parse("ln(x) + sqrt(y) + 1/x").unwrap();
        assert!(f.value(-1.0, 1.0).is_nan());
        let g = f.grad(0.0, 0.0);
        assert!(!g[0].is_finite() && !g[1].is_finite());
        let f = Function::parse("abs(x) + min(x, y) + max(x, y) + sign(y)").unwrap();
        // d/dx at x>0, x<y: 1 (abs) + 1 (min picks x) + 0 (max picks y) = 2
        assert_eq!(f.grad(1.0, 2.0), [2.0, 1.0]);
    }

    #[test]
    fn wgsl_powers_are_products() {
        let f = Function::parse("(x - 1)^2 + y^3").unwrap();
        let w = f.wgsl();
        assert!(!w.contains("gf_pow(t"), "{w}");
        assert!(w.contains("fn f(p: vec2<f32>) -> f32"));
    }
}
