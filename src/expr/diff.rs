//! Symbolic differentiation on the graph.
//!
//! Derivatives are built in topological order with a memo table, so the work is
//! linear in the size of the DAG and there is no recursion (a deep input cannot
//! overflow the stack). The simplifying constructors of [`Graph`] keep the result
//! small; where a rule can reuse the node itself (d exp u = exp u · du,
//! d(a/b) = (da − (a/b)·db)/b) it does, so the generated code shares the
//! subexpression with f. Rules are written not to cancel: d tanh u = du/cosh² u
//! (not 1 − tanh² u), d ln(cosh u) = tanh u · du, d asin u = du/√((1 − u)(1 + u)).

use super::graph::{Func1, Func2, Graph, Node, NodeId};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    X,
    Y,
}

/// ∂root/∂var, added to `g`.
pub fn derivative(g: &mut Graph, root: NodeId, var: Var) -> NodeId {
    let order = g.topo(&[root]);
    let mut d: HashMap<NodeId, NodeId> = HashMap::with_capacity(order.len());
    for id in order {
        let node = g.node(id);
        let dn = match node {
            Node::Const(_) => g.constant(0.0),
            Node::X => g.constant(if var == Var::X { 1.0 } else { 0.0 }),
            Node::Y => g.constant(if var == Var::Y { 1.0 } else { 0.0 }),
            Node::Add(a, b) => g.add(d[&a], d[&b]),
            Node::Sub(a, b) => g.sub(d[&a], d[&b]),
            Node::Neg(a) => g.neg(d[&a]),
            Node::Mul(a, b) => {
                let l = g.mul(d[&a], b);
                let r = g.mul(a, d[&b]);
                g.add(l, r)
            }
            Node::Div(a, b) => {
                // (da − (a/b)·db) / b, reusing the quotient node.
                let t = g.mul(id, d[&b]);
                let num = g.sub(d[&a], t);
                g.div(num, b)
            }
            Node::PowI(a, n) => {
                let p = g.powi(a, n - 1);
                let c = g.constant(n as f64);
                let cp = g.mul(c, p);
                g.mul(cp, d[&a])
            }
            Node::Pow(a, b) => {
                let (da, db) = (d[&a], d[&b]);
                if let Some(c) = g.as_const(b) {
                    let cm1 = g.constant(c - 1.0);
                    let p = g.pow(a, cm1);
                    let k = g.constant(c);
                    let kp = g.mul(k, p);
                    g.mul(kp, da)
                } else {
                    // d a^b = a^b (db ln a + b da / a)
                    let ln_a = g.f1(Func1::Ln, a);
                    let t1 = g.mul(db, ln_a);
                    let bda = g.mul(b, da);
                    let t2 = g.div(bda, a);
                    let s = g.add(t1, t2);
                    g.mul(id, s)
                }
            }
            Node::F1(Func1::Ln, a) if matches!(g.node(a), Node::F1(Func1::Cosh, _)) => {
                // d ln(cosh u) = tanh(u)·du, not sinh(u)/cosh(u)·du: the quotient's
                // own derivative, 1 − sinh²/cosh², cancels to nothing for large u.
                let Node::F1(_, u) = g.node(a) else {
                    unreachable!()
                };
                let t = g.f1(Func1::Tanh, u);
                g.mul(t, d[&u])
            }
            Node::F1(f, a) => {
                let da = d[&a];
                let outer = match f {
                    Func1::Sin => g.f1(Func1::Cos, a),
                    Func1::Cos => {
                        let s = g.f1(Func1::Sin, a);
                        g.neg(s)
                    }
                    Func1::Tan => {
                        let t2 = g.powi(id, 2);
                        let one = g.constant(1.0);
                        g.add(one, t2)
                    }
                    Func1::Asin | Func1::Acos => {
                        // √((1 − u)(1 + u)), not √(1 − u²): exact near u = ±1.
                        let one = g.constant(1.0);
                        let m = g.sub(one, a);
                        let p = g.add(one, a);
                        let r = g.mul(m, p);
                        let s = g.f1(Func1::Sqrt, r);
                        let inv = g.div(one, s);
                        if f == Func1::Acos {
                            g.neg(inv)
                        } else {
                            inv
                        }
                    }
                    Func1::Atan => {
                        let a2 = g.powi(a, 2);
                        let one = g.constant(1.0);
                        let r = g.add(one, a2);
                        g.div(one, r)
                    }
                    Func1::Sinh => g.f1(Func1::Cosh, a),
                    Func1::Cosh => g.f1(Func1::Sinh, a),
                    Func1::Tanh => {
                        // 1/cosh²(u), not 1 − tanh²(u), which cancels for |u| ≳ 10
                        // (ln(cosh x)'' at x = 30 would be 0 instead of 3.5e-26).
                        let c = g.f1(Func1::Cosh, a);
                        let c2 = g.powi(c, 2);
                        let one = g.constant(1.0);
                        g.div(one, c2)
                    }
                    Func1::Exp => id,
                    Func1::Ln | Func1::Log10 | Func1::Log2 => {
                        let k = match f {
                            Func1::Ln => 1.0,
                            Func1::Log10 => std::f64::consts::LN_10,
                            _ => std::f64::consts::LN_2,
                        };
                        let kc = g.constant(k);
                        let den = g.mul(kc, a);
                        let one = g.constant(1.0);
                        g.div(one, den)
                    }
                    Func1::Sqrt => {
                        let two = g.constant(2.0);
                        let den = g.mul(two, id);
                        let one = g.constant(1.0);
                        g.div(one, den)
                    }
                    Func1::Abs => g.f1(Func1::Sign, a),
                    Func1::Sign => g.constant(0.0),
                };
                g.mul(outer, da)
            }
            Node::F2(f, a, b) => {
                let (da, db) = (d[&a], d[&b]);
                match f {
                    Func2::Atan2 => {
                        // atan2(a, b): (b da − a db) / (a² + b²)
                        let t1 = g.mul(b, da);
                        let t2 = g.mul(a, db);
                        let num = g.sub(t1, t2);
                        let a2 = g.powi(a, 2);
                        let b2 = g.powi(b, 2);
                        let den = g.add(a2, b2);
                        g.div(num, den)
                    }
                    Func2::Min | Func2::Max => {
                        // The derivative of the selected argument; the average at a tie
                        // (a subgradient): ((da + db) + s (da − db)) / 2, s = ±sign(b − a).
                        let diff = if f == Func2::Min {
                            g.sub(b, a)
                        } else {
                            g.sub(a, b)
                        };
                        let s = g.f1(Func1::Sign, diff);
                        let sum = g.add(da, db);
                        let dd = g.sub(da, db);
                        let sd = g.mul(s, dd);
                        let tot = g.add(sum, sd);
                        let half = g.constant(0.5);
                        g.mul(half, tot)
                    }
                }
            }
        };
        d.insert(id, dn);
    }
    d[&root]
}
