//! Compiled CPU evaluation: the DAG flattened to a register tape, evaluated in
//! f64 (the reference) or f32 (the CPU twin of the GPU's precision).
//!
//! Register `i` holds the value of instruction `i`; arguments always refer to
//! earlier registers, so one forward sweep evaluates f and all its derivatives
//! with every shared subexpression computed once.

use super::graph::{Func1, Func2, Graph, Node, NodeId};
use std::collections::HashMap;

/// Floating-point types the tape evaluates in.
pub trait Real:
    Copy
    + Send
    + Sync
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
    + 'static
{
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn powi(self, n: i32) -> Self;
    fn powf(self, e: Self) -> Self;
    fn f1(self, f: Func1) -> Self;
    fn f2(self, f: Func2, b: Self) -> Self;
    fn sqrt(self) -> Self;
    /// The Euclidean norm ‖(self, b)‖: `hypot` in f64 (the reference),
    /// √(a²+b²) in f32 as WGSL's `length`.
    fn norm(self, b: Self) -> Self;
    /// The old name of [`Real::norm`], kept while src/bench/cpu.rs still
    /// calls it (that file is being folded into the generic optimizer).
    fn length2(self, b: Self) -> Self {
        self.norm(b)
    }
}

impl Real for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn powf(self, e: Self) -> Self {
        f64::powf(self, e)
    }
    fn f1(self, f: Func1) -> Self {
        f.apply(self)
    }
    fn f2(self, f: Func2, b: Self) -> Self {
        f.apply(self, b)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn norm(self, b: Self) -> Self {
        self.hypot(b)
    }
}

impl Real for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn powi(self, n: i32) -> Self {
        f32::powi(self, n)
    }
    fn powf(self, e: Self) -> Self {
        f32::powf(self, e)
    }
    fn f1(self, f: Func1) -> Self {
        let a = self;
        match f {
            Func1::Sin => a.sin(),
            Func1::Cos => a.cos(),
            Func1::Tan => a.tan(),
            Func1::Asin => a.asin(),
            Func1::Acos => a.acos(),
            Func1::Atan => a.atan(),
            Func1::Sinh => a.sinh(),
            Func1::Cosh => a.cosh(),
            Func1::Tanh => a.tanh(),
            Func1::Exp => a.exp(),
            Func1::Ln => a.ln(),
            Func1::Log10 => a.log10(),
            Func1::Log2 => a.log2(),
            Func1::Sqrt => a.sqrt(),
            Func1::Abs => a.abs(),
            Func1::Sign => super::graph::sign(a as f64) as f32,
        }
    }
    fn f2(self, f: Func2, b: Self) -> Self {
        f.apply(self as f64, b as f64) as f32
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    fn norm(self, b: Self) -> Self {
        (self * self + b * b).sqrt()
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Const(f64),
    X,
    Y,
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    Neg(u32),
    Pow(u32, u32),
    PowI(u32, i32),
    F1(Func1, u32),
    F2(Func2, u32, u32),
}

/// Points per block in [`Tape::eval_block`]: one instruction is applied to this
/// many points before the next, so the dispatch on the opcode is paid once per
/// block and the inner loop over lanes vectorises (8 f32 per AVX2 register).
pub const LANES: usize = 64;

/// One register of a block evaluation: the value of an instruction at `LANES` points.
pub type Block<T> = [T; LANES];

/// A flat program computing several roots of a graph at once.
#[derive(Clone, Debug)]
pub struct Tape {
    ops: Vec<Op>,
    outputs: Vec<u32>,
}

impl Tape {
    pub fn new(g: &Graph, roots: &[NodeId]) -> Self {
        let order = g.topo(roots);
        let mut reg: HashMap<NodeId, u32> = HashMap::with_capacity(order.len());
        let mut ops = Vec::with_capacity(order.len());
        for id in order {
            let r = |n: NodeId| reg[&n];
            let op = match g.node(id) {
                Node::Const(b) => Op::Const(f64::from_bits(b)),
                Node::X => Op::X,
                Node::Y => Op::Y,
                Node::Add(a, b) => Op::Add(r(a), r(b)),
                Node::Sub(a, b) => Op::Sub(r(a), r(b)),
                Node::Mul(a, b) => Op::Mul(r(a), r(b)),
                Node::Div(a, b) => Op::Div(r(a), r(b)),
                Node::Neg(a) => Op::Neg(r(a)),
                Node::Pow(a, b) => Op::Pow(r(a), r(b)),
                Node::PowI(a, n) => Op::PowI(r(a), n),
                Node::F1(f, a) => Op::F1(f, r(a)),
                Node::F2(f, a, b) => Op::F2(f, r(a), r(b)),
            };
            reg.insert(id, ops.len() as u32);
            ops.push(op);
        }
        let outputs = roots.iter().map(|r| reg[r]).collect();
        Tape { ops, outputs }
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Evaluates at (x, y) into `out` (one value per root), using `regs` as scratch.
    #[inline]
    pub fn eval_into<T: Real>(&self, x: T, y: T, regs: &mut Vec<T>, out: &mut [T]) {
        regs.clear();
        regs.reserve(self.ops.len());
        for op in &self.ops {
            let v = match *op {
                Op::Const(c) => T::from_f64(c),
                Op::X => x,
                Op::Y => y,
                Op::Add(a, b) => regs[a as usize] + regs[b as usize],
                Op::Sub(a, b) => regs[a as usize] - regs[b as usize],
                Op::Mul(a, b) => regs[a as usize] * regs[b as usize],
                Op::Div(a, b) => regs[a as usize] / regs[b as usize],
                Op::Neg(a) => -regs[a as usize],
                Op::Pow(a, b) => regs[a as usize].powf(regs[b as usize]),
                Op::PowI(a, n) => regs[a as usize].powi(n),
                Op::F1(f, a) => regs[a as usize].f1(f),
                Op::F2(f, a, b) => regs[a as usize].f2(f, regs[b as usize]),
            };
            regs.push(v);
        }
        for (o, &r) in out.iter_mut().zip(&self.outputs) {
            *o = regs[r as usize];
        }
    }

    /// Number of outputs (roots).
    pub fn outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Evaluates at up to [`LANES`] points at once (structure of arrays): lane `l`
    /// of `out[k]` receives root `k` at `(x[l], y[l])`. Lanes past `x.len()` are
    /// computed on copies of the first point and hold no meaning. `regs` is
    /// scratch, reused across calls. Same operations in the same order as
    /// [`Tape::eval_into`], so results are bit-identical to it.
    #[inline]
    pub fn eval_block<T: Real>(
        &self,
        x: &[T],
        y: &[T],
        regs: &mut Vec<Block<T>>,
        out: &mut [Block<T>],
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                unsafe { self.eval_block_avx2(x, y, regs, out) };
                return;
            }
        }
        self.eval_block_generic(x, y, regs, out)
    }

    /// The same code compiled with AVX2 enabled (a plain build targets SSE2 only),
    /// chosen at run time, so the CPU reference is a fair one without `-C target-cpu`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn eval_block_avx2<T: Real>(
        &self,
        x: &[T],
        y: &[T],
        regs: &mut Vec<Block<T>>,
        out: &mut [Block<T>],
    ) {
        self.eval_block_generic(x, y, regs, out)
    }

    #[inline(always)]
    fn eval_block_generic<T: Real>(
        &self,
        x: &[T],
        y: &[T],
        regs: &mut Vec<Block<T>>,
        out: &mut [Block<T>],
    ) {
        let n = x.len().min(LANES);
        assert!(
            n > 0 && y.len() >= n,
            "eval_block needs 1..=LANES points with as many y as x"
        );
        let zero = T::from_f64(0.0);
        if regs.len() != self.ops.len() {
            regs.clear();
            regs.resize(self.ops.len(), [zero; LANES]);
        }
        let mut xb = [x[0]; LANES];
        let mut yb = [y[0]; LANES];
        xb[..n].copy_from_slice(&x[..n]);
        yb[..n].copy_from_slice(&y[..n]);
        for (i, op) in self.ops.iter().enumerate() {
            let (done, rest) = regs.split_at_mut(i);
            let d = &mut rest[0];
            macro_rules! lanes2 {
                ($a:expr, $b:expr, |$u:ident, $v:ident| $e:expr) => {{
                    let (ra, rb) = (&done[$a as usize], &done[$b as usize]);
                    for l in 0..LANES {
                        let ($u, $v) = (ra[l], rb[l]);
                        d[l] = $e;
                    }
                }};
            }
            macro_rules! lanes1 {
                ($a:expr, |$u:ident| $e:expr) => {{
                    let ra = &done[$a as usize];
                    for l in 0..LANES {
                        let $u = ra[l];
                        d[l] = $e;
                    }
                }};
            }
            match *op {
                Op::Const(c) => *d = [T::from_f64(c); LANES],
                Op::X => *d = xb,
                Op::Y => *d = yb,
                Op::Add(a, b) => lanes2!(a, b, |u, v| u + v),
                Op::Sub(a, b) => lanes2!(a, b, |u, v| u - v),
                Op::Mul(a, b) => lanes2!(a, b, |u, v| u * v),
                Op::Div(a, b) => lanes2!(a, b, |u, v| u / v),
                Op::Neg(a) => lanes1!(a, |u| -u),
                Op::Pow(a, b) => lanes2!(a, b, |u, v| u.powf(v)),
                // Squares and cubes are the common case: multiplied out so the lane
                // loop vectorises (powi computes x·x and x·x·x for these, bit for bit).
                Op::PowI(a, 2) => lanes1!(a, |u| u * u),
                Op::PowI(a, 3) => lanes1!(a, |u| u * u * u),
                Op::PowI(a, n) => lanes1!(a, |u| u.powi(n)),
                Op::F1(f, a) => lanes1!(a, |u| u.f1(f)),
                Op::F2(f, a, b) => lanes2!(a, b, |u, v| u.f2(f, v)),
            }
        }
        for (o, &r) in out.iter_mut().zip(&self.outputs) {
            *o = regs[r as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Function;

    /// The block evaluation does the same operations in the same order as the
    /// per-point one, so the two agree bit for bit (NaN with NaN), in f32 and f64,
    /// for full and partial blocks.
    #[test]
    fn block_matches_per_point_bit_for_bit() {
        for src in [
            "(1-x)^2 + 100*(y-x^2)^2",
            "sin(x)*cos(y) + x^3/(1+y^2) - atan2(y, x)",
            "sqrt(x^2 + y^2) + exp(-x) * ln(y + 3) + x^5 + abs(x)^1.5",
        ] {
            let f = Function::parse(src).unwrap();
            let tape = f.tape_value_grad();
            for n in [1, 17, LANES] {
                let xs: Vec<f64> = (0..n).map(|i| -2.0 + 0.07 * i as f64).collect();
                let ys: Vec<f64> = (0..n).map(|i| -1.5 + 0.05 * i as f64).collect();
                let mut regs = Vec::new();
                let mut out = [[0.0f64; LANES]; 3];
                tape.eval_block(&xs, &ys, &mut regs, &mut out);
                let x32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
                let y32: Vec<f32> = ys.iter().map(|&v| v as f32).collect();
                let mut regs32 = Vec::new();
                let mut out32 = [[0.0f32; LANES]; 3];
                tape.eval_block(&x32, &y32, &mut regs32, &mut out32);
                for l in 0..n {
                    let mut one = [0.0f64; 3];
                    tape.eval_into(xs[l], ys[l], &mut Vec::new(), &mut one);
                    let mut one32 = [0.0f32; 3];
                    tape.eval_into(x32[l], y32[l], &mut Vec::new(), &mut one32);
                    for k in 0..3 {
                        assert_eq!(
                            out[k][l].to_bits(),
                            one[k].to_bits(),
                            "{src} f64 lane {l} root {k}"
                        );
                        assert_eq!(
                            out32[k][l].to_bits(),
                            one32[k].to_bits(),
                            "{src} f32 lane {l} root {k}"
                        );
                    }
                }
            }
        }
    }
}
