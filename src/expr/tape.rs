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
}
