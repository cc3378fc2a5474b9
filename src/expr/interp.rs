//! The expression interpreter for the GPU: one WGSL module for every function.
//!
//! [`super::wgsl::generate`] splices a function into the WGSL source, so every new
//! expression is a new shader module, and on lavapipe each module costs about a
//! second of LLVM before the first frame. The interpreter defines the same five
//! functions (`f`, `grad_f`, `hess_f`, `f_grad`, `f_grad_hess`) over a register
//! tape read from a storage buffer, so its modules do not depend on the
//! expression: they are built once per process (and cached by the driver across
//! processes where it can), and a new expression costs one buffer upload.
//!
//! The tape is the expression graph below the six roots (f, fx, fy, fxx, fxy,
//! fyy) in topological order, with f's instructions first, then the gradient's,
//! then the Hessian's, so `f` alone runs a prefix. Registers are reused once a
//! value is dead (linear scan), which keeps the private register file small.
//! Each instruction applies the same WGSL formula as the compiled function
//! ([`super::wgsl::func1`], `gf_pow`, the same order of squarings for integer
//! powers), so both paths agree to f32 rounding (tests/interp.rs measures it).
//!
//! Cost: on lavapipe the interpreter is far slower per evaluation than the
//! compiled code (the field pass on Himmelblau, 2048²: 6.4 s against 0.19 s
//! under load; named registers read through `select` trees instead of the
//! array: 5.9 s; with the opcode switch replaced by one addition, still
//! 2.1 s: the loop, the tape loads and the register file, not the switch,
//! cost most), so gradfield compiles by default and interprets only on
//! request (`--shaders interpreted`).
//!
//! Word layout (`array<vec4<u32>>`): `[0]` = instruction counts for f, for
//! (f, ∇f) and for all; `[1]` = registers of f, fx, fy; `[2]` = registers of
//! fxx, fxy, fyy; then one `(opcode, dst, a, b)` per instruction, where `b`
//! holds the f32 bits of a constant or the i32 exponent of an integer power.

use super::graph::{Func1, Func2, Graph, Node, NodeId};
use super::wgsl::{func1, func2, Roots, PRELUDE};
use std::collections::HashMap;
use std::fmt::Write;

/// Size of the interpreter's private register file. A tape needing more
/// registers (after reuse) runs only as a compiled shader.
pub const MAX_REGISTERS: u32 = 64;

/// Words before the first instruction.
const HEADER: u32 = 3;

const OP_CONST: u32 = 0;
const OP_X: u32 = 1;
const OP_Y: u32 = 2;
const OP_ADD: u32 = 3;
const OP_SUB: u32 = 4;
const OP_MUL: u32 = 5;
const OP_DIV: u32 = 6;
const OP_NEG: u32 = 7;
const OP_POW: u32 = 8;
const OP_POWI: u32 = 9;
/// `OP_F1 + i` applies `Func1::ALL[i]`.
const OP_F1: u32 = 16;
/// `OP_F2 + i` applies `Func2::ALL[i]`.
const OP_F2: u32 = 48;

/// A function encoded for the interpreter.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuTape {
    /// The storage buffer's contents.
    pub words: Vec<[u32; 4]>,
    /// Registers the tape uses (≤ [`MAX_REGISTERS`]).
    pub registers: u32,
}

impl GpuTape {
    /// Encodes the graph below `r`; None when it needs more than
    /// [`MAX_REGISTERS`] live values at once.
    pub fn new(g: &Graph, r: &Roots) -> Option<GpuTape> {
        let roots = [r.f, r.gx, r.gy, r.hxx, r.hxy, r.hyy];
        let order = g.topo(&roots);
        let pos: HashMap<NodeId, usize> = order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        // Last instruction reading each node; roots are read after the end.
        let mut last = vec![0usize; order.len()];
        for (i, &id) in order.iter().enumerate() {
            let (args, n) = g.node(id).args();
            for a in args[..n].iter().flatten() {
                last[pos[a]] = i;
            }
        }
        for root in roots {
            last[pos[&root]] = usize::MAX;
        }
        let mut reg: Vec<u32> = vec![0; order.len()];
        let mut free: Vec<u32> = Vec::new();
        let mut used = 0u32;
        let mut words = vec![[0u32; 4]; HEADER as usize];
        for (i, &id) in order.iter().enumerate() {
            let node = g.node(id);
            let (args, n) = node.args();
            let src: Vec<u32> = args[..n].iter().flatten().map(|a| reg[pos[a]]).collect();
            // Arguments dying here give their registers back before the result
            // takes one: the shader reads both arguments before it writes.
            for a in args[..n].iter().flatten() {
                if last[pos[a]] == i && !free.contains(&reg[pos[a]]) {
                    free.push(reg[pos[a]]);
                }
            }
            let dst = match free.pop() {
                Some(d) => d,
                None => {
                    used += 1;
                    used - 1
                }
            };
            if used > MAX_REGISTERS {
                return None;
            }
            reg[i] = dst;
            let a = src.first().copied().unwrap_or(0);
            let b = src.get(1).copied().unwrap_or(0);
            let (op, b) = match node {
                Node::Const(bits) => (OP_CONST, (f64::from_bits(bits) as f32).to_bits()),
                Node::X => (OP_X, 0),
                Node::Y => (OP_Y, 0),
                Node::Add(..) => (OP_ADD, b),
                Node::Sub(..) => (OP_SUB, b),
                Node::Mul(..) => (OP_MUL, b),
                Node::Div(..) => (OP_DIV, b),
                Node::Neg(_) => (OP_NEG, 0),
                Node::Pow(..) => (OP_POW, b),
                Node::PowI(_, k) => (OP_POWI, k as u32),
                Node::F1(f, _) => (OP_F1 + index1(f), 0),
                Node::F2(f, ..) => (OP_F2 + index2(f), b),
            };
            words.push([op, dst, a, b]);
        }
        let count = |n: NodeId| pos[&n] as u32 + 1;
        let n_f = count(r.f);
        let n_fg = n_f.max(count(r.gx)).max(count(r.gy));
        let n_all = order.len() as u32;
        let rg = |n: NodeId| reg[pos[&n]];
        words[0] = [n_f, n_fg, n_all, 0];
        words[1] = [rg(r.f), rg(r.gx), rg(r.gy), 0];
        words[2] = [rg(r.hxx), rg(r.hxy), rg(r.hyy), 0];
        Some(GpuTape {
            words,
            registers: used.max(1),
        })
    }

    /// The buffer's bytes.
    pub fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.words)
    }
}

fn index1(f: Func1) -> u32 {
    Func1::ALL.iter().position(|&g| g == f).expect("in ALL") as u32
}

fn index2(f: Func2) -> u32 {
    Func2::ALL.iter().position(|&g| g == f).expect("in ALL") as u32
}

/// WGSL defining the five functions of [`super::wgsl::generate`] by
/// interpreting the tape bound at `@group(group) @binding(binding)`.
pub fn source(group: u32, binding: u32) -> String {
    let mut cases = String::new();
    let mut case = |op: u32, expr: &str| {
        let _ = writeln!(cases, "            case {op}u: {{ v = {expr}; }}");
    };
    case(OP_CONST, "bitcast<f32>(w.w)");
    case(OP_X, "p.x");
    case(OP_Y, "p.y");
    case(OP_ADD, "a + gf_r[w.w]");
    case(OP_SUB, "a - gf_r[w.w]");
    case(OP_MUL, "a * gf_r[w.w]");
    case(OP_DIV, "a / gf_r[w.w]");
    case(OP_NEG, "-a");
    case(OP_POW, "gf_pow(a, gf_r[w.w])");
    case(OP_POWI, "gf_powi(a, bitcast<i32>(w.w))");
    for (i, f) in Func1::ALL.iter().enumerate() {
        case(OP_F1 + i as u32, &func1(*f, "a"));
    }
    for (i, f) in Func2::ALL.iter().enumerate() {
        case(OP_F2 + i as u32, &func2(*f, "a", "gf_r[w.w]"));
    }
    format!(
        r#"{PRELUDE}
@group({group}) @binding({binding}) var<storage, read> gf_tape: array<vec4<u32>>;
var<private> gf_r: array<f32, {MAX_REGISTERS}>;

/// a^k with the squarings and products in the order the compiled code uses.
fn gf_powi(a: f32, k: i32) -> f32 {{
    var n = u32(abs(k));
    var base = a;
    var acc = 1.0;
    var have = false;
    loop {{
        if ((n & 1u) == 1u) {{
            acc = select(base, acc * base, have);
            have = true;
        }}
        n = n >> 1u;
        if (n == 0u) {{ break; }}
        base = base * base;
    }}
    return select(acc, 1.0 / acc, k < 0);
}}

/// Runs the first `n` instructions at p.
fn gf_exec(p: vec2<f32>, n: u32) {{
    for (var i = {HEADER}u; i < n + {HEADER}u; i = i + 1u) {{
        let w = gf_tape[i];
        let a = gf_r[w.z];
        var v: f32;
        switch w.x {{
{cases}            default: {{ v = gf_nan(); }}
        }}
        gf_r[w.y] = v;
    }}
}}

fn f(p: vec2<f32>) -> f32 {{
    gf_exec(p, gf_tape[0].x);
    return gf_r[gf_tape[1].x];
}}
fn grad_f(p: vec2<f32>) -> vec2<f32> {{
    gf_exec(p, gf_tape[0].y);
    let o = gf_tape[1];
    return vec2<f32>(gf_r[o.y], gf_r[o.z]);
}}
fn hess_f(p: vec2<f32>) -> vec3<f32> {{
    gf_exec(p, gf_tape[0].z);
    let h = gf_tape[2];
    return vec3<f32>(gf_r[h.x], gf_r[h.y], gf_r[h.z]);
}}
fn f_grad(p: vec2<f32>) -> vec3<f32> {{
    gf_exec(p, gf_tape[0].y);
    let o = gf_tape[1];
    return vec3<f32>(gf_r[o.x], gf_r[o.y], gf_r[o.z]);
}}
fn f_grad_hess(p: vec2<f32>) -> FDerivs {{
    gf_exec(p, gf_tape[0].z);
    let o = gf_tape[1];
    let h = gf_tape[2];
    return FDerivs(gf_r[o.x], vec2<f32>(gf_r[o.y], gf_r[o.z]), vec3<f32>(gf_r[h.x], gf_r[h.y], gf_r[h.z]));
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Function;

    /// Runs the tape on the CPU exactly as the WGSL does (f32, same formulas
    /// for the arithmetic; functions through f32's own), to check the encoding.
    fn run(t: &GpuTape, x: f32, y: f32, n: u32) -> Vec<f32> {
        let mut r = vec![f32::NAN; MAX_REGISTERS as usize];
        for w in &t.words[HEADER as usize..(HEADER + n) as usize] {
            let a = r[w[2] as usize];
            let b = || r[w[3] as usize];
            let v = match w[0] {
                OP_CONST => f32::from_bits(w[3]),
                OP_X => x,
                OP_Y => y,
                OP_ADD => a + b(),
                OP_SUB => a - b(),
                OP_MUL => a * b(),
                OP_DIV => a / b(),
                OP_NEG => -a,
                OP_POW => a.powf(b()),
                OP_POWI => a.powi(w[3] as i32),
                op if (OP_F1..OP_F2).contains(&op) => {
                    crate::expr::Real::f1(a, Func1::ALL[(op - OP_F1) as usize])
                }
                op => crate::expr::Real::f2(a, Func2::ALL[(op - OP_F2) as usize], b()),
            };
            r[w[1] as usize] = v;
        }
        r
    }

    #[test]
    fn tape_matches_the_reference_and_reuses_registers() {
        for src in [
            "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            "(1 - x)^2 + 100*(y - x^2)^2",
            "sin(x) * cos(y) + exp(-(x^2 + y^2)) + atan2(y, x) + max(x, y) + abs(x)^0.5",
        ] {
            let f = Function::parse(src).unwrap();
            let t = f.gpu_tape().expect("fits");
            let n_all = t.words[0][2];
            assert!(
                t.registers < n_all,
                "{src}: {} registers for {n_all} instructions",
                t.registers
            );
            for &(x, y) in &[(0.3f32, -1.7f32), (2.5, 1.25), (-3.0, 0.5)] {
                let d = f.derivs(x as f64, y as f64);
                let r = run(&t, x, y, n_all);
                let want = [
                    d.value, d.grad[0], d.grad[1], d.hess[0], d.hess[1], d.hess[2],
                ];
                let got = [
                    r[t.words[1][0] as usize],
                    r[t.words[1][1] as usize],
                    r[t.words[1][2] as usize],
                    r[t.words[2][0] as usize],
                    r[t.words[2][1] as usize],
                    r[t.words[2][2] as usize],
                ];
                for (g, w) in got.iter().zip(want) {
                    // f32 evaluation of f64 formulas: relative 1e-5 of the magnitude
                    // (largest seen 2.4e-7 on these points).
                    let tol = 1e-5 * w.abs().max(1.0);
                    assert!(
                        (*g as f64 - w).abs() <= tol,
                        "{src} at ({x},{y}): {g} vs {w}"
                    );
                }
                // f alone runs a prefix and gets the same value.
                let r = run(&t, x, y, t.words[0][0]);
                assert_eq!(r[t.words[1][0] as usize], got[0]);
            }
        }
    }

    #[test]
    fn every_catalog_function_fits_the_interpreter() {
        for e in crate::catalog::all() {
            let t = e.function().gpu_tape();
            assert!(
                t.is_some(),
                "{} needs more than {MAX_REGISTERS} registers",
                e.name
            );
        }
    }

    #[test]
    fn interpreter_source_is_valid_wgsl() {
        let src = crate::gpu::compose(&[
            &source(1, 0),
            "@compute @workgroup_size(1) fn main() { let d = f_grad_hess(vec2<f32>(1.0, 2.0)); let v = f(vec2<f32>(0.0)) + grad_f(vec2<f32>(0.0)).x + hess_f(vec2<f32>(0.0)).y + f_grad(vec2<f32>(0.0)).z + d.value; }",
        ]);
        crate::gpu::validate_wgsl("interp", &src).unwrap();
    }
}
