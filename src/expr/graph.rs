//! The expression graph: a hash-consed DAG whose constructors simplify as they
//! build. Every node is unique, so a subexpression that appears in f, ∇f and the
//! Hessian is one node, evaluated once by the tape and emitted once in WGSL.

use std::collections::HashMap;

/// Index of a node in a [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Functions of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func1 {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Ln,
    Log10,
    Log2,
    Sqrt,
    Abs,
    Sign,
}

impl Func1 {
    /// Every function, in a fixed order (the interpreter's opcodes follow it).
    pub const ALL: [Func1; 16] = [
        Func1::Sin,
        Func1::Cos,
        Func1::Tan,
        Func1::Asin,
        Func1::Acos,
        Func1::Atan,
        Func1::Sinh,
        Func1::Cosh,
        Func1::Tanh,
        Func1::Exp,
        Func1::Ln,
        Func1::Log10,
        Func1::Log2,
        Func1::Sqrt,
        Func1::Abs,
        Func1::Sign,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func1::Sin => "sin",
            Func1::Cos => "cos",
            Func1::Tan => "tan",
            Func1::Asin => "asin",
            Func1::Acos => "acos",
            Func1::Atan => "atan",
            Func1::Sinh => "sinh",
            Func1::Cosh => "cosh",
            Func1::Tanh => "tanh",
            Func1::Exp => "exp",
            Func1::Ln => "ln",
            Func1::Log10 => "log10",
            Func1::Log2 => "log2",
            Func1::Sqrt => "sqrt",
            Func1::Abs => "abs",
            Func1::Sign => "sign",
        }
    }

    pub fn apply(self, a: f64) -> f64 {
        match self {
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
            Func1::Sign => sign(a),
        }
    }
}

/// sign with sign(0) = 0 and sign(NaN) = NaN, as in mathematics (and WGSL's `sign`).
pub fn sign(a: f64) -> f64 {
    if a > 0.0 {
        1.0
    } else if a < 0.0 {
        -1.0
    } else {
        a // 0, -0 or NaN
    }
}

/// Functions of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func2 {
    Atan2,
    Min,
    Max,
}

impl Func2 {
    /// Every function, in a fixed order (the interpreter's opcodes follow it).
    pub const ALL: [Func2; 3] = [Func2::Atan2, Func2::Min, Func2::Max];

    pub fn name(self) -> &'static str {
        match self {
            Func2::Atan2 => "atan2",
            Func2::Min => "min",
            Func2::Max => "max",
        }
    }

    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Func2::Atan2 => a.atan2(b),
            // NaN-propagating, unlike f64::min, so that an undefined argument stays visible.
            Func2::Min => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }
            Func2::Max => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            }
        }
    }
}

/// One node. Constants are stored by bit pattern so nodes can be hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Const(u64),
    X,
    Y,
    Add(NodeId, NodeId),
    Sub(NodeId, NodeId),
    Mul(NodeId, NodeId),
    Div(NodeId, NodeId),
    Neg(NodeId),
    /// a^b with a non-constant or non-integer exponent.
    Pow(NodeId, NodeId),
    /// a^n with a small integer exponent: multiplications, defined for negative a.
    PowI(NodeId, i32),
    F1(Func1, NodeId),
    F2(Func2, NodeId, NodeId),
}

impl Node {
    pub fn args(&self) -> ([Option<NodeId>; 2], usize) {
        match *self {
            Node::Const(_) | Node::X | Node::Y => ([None, None], 0),
            Node::Neg(a) | Node::PowI(a, _) | Node::F1(_, a) => ([Some(a), None], 1),
            Node::Add(a, b)
            | Node::Sub(a, b)
            | Node::Mul(a, b)
            | Node::Div(a, b)
            | Node::Pow(a, b)
            | Node::F2(_, a, b) => ([Some(a), Some(b)], 2),
        }
    }
}

/// Largest |n| kept as repeated multiplication; larger integer exponents use `pow`.
pub const MAX_POWI: i32 = 16;

/// The node store. Constructors fold constants and apply the 0/1 identities, and
/// hash-consing gives common-subexpression elimination for free.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn intern(&mut self, n: Node) -> NodeId {
        if let Some(&id) = self.index.get(&n) {
            return id;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(n);
        self.index.insert(n, id);
        id
    }

    pub fn constant(&mut self, v: f64) -> NodeId {
        // One zero: -0 and 0 are the same constant for simplification purposes.
        let v = if v == 0.0 { 0.0 } else { v };
        self.intern(Node::Const(v.to_bits()))
    }

    pub fn x(&mut self) -> NodeId {
        self.intern(Node::X)
    }

    pub fn y(&mut self) -> NodeId {
        self.intern(Node::Y)
    }

    pub fn as_const(&self, id: NodeId) -> Option<f64> {
        match self.node(id) {
            Node::Const(b) => Some(f64::from_bits(b)),
            _ => None,
        }
    }

    /// Splits `c * a` into (c, a); anything else is (1, node).
    fn coeff(&self, id: NodeId) -> (f64, NodeId) {
        match self.node(id) {
            Node::Mul(a, b) => match self.as_const(a) {
                Some(c) => (c, b),
                None => (1.0, id),
            },
            Node::Neg(a) => {
                let (c, r) = self.coeff(a);
                (-c, r)
            }
            _ => (1.0, id),
        }
    }

    pub fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        match (self.as_const(a), self.as_const(b)) {
            (Some(x), Some(y)) => return self.constant(x + y),
            (Some(0.0), _) => return b,
            (_, Some(0.0)) => return a,
            _ => {}
        }
        if let Node::Neg(nb) = self.node(b) {
            return self.sub(a, nb);
        }
        if let Node::Neg(na) = self.node(a) {
            return self.sub(b, na);
        }
        // c1*t + c2*t = (c1+c2)*t
        let (ca, ra) = self.coeff(a);
        let (cb, rb) = self.coeff(b);
        if ra == rb && self.as_const(ra).is_none() {
            let c = self.constant(ca + cb);
            return self.mul(c, ra);
        }
        // Constants last, other operands in id order, so a+b and b+a are one node.
        let (a, b) = if self.as_const(a).is_some() || (self.as_const(b).is_none() && b < a) {
            (b, a)
        } else {
            (a, b)
        };
        self.intern(Node::Add(a, b))
    }

    pub fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if a == b {
            return self.constant(0.0);
        }
        match (self.as_const(a), self.as_const(b)) {
            (Some(x), Some(y)) => return self.constant(x - y),
            (_, Some(0.0)) => return a,
            (Some(0.0), _) => return self.neg(b),
            _ => {}
        }
        if let Node::Neg(nb) = self.node(b) {
            return self.add(a, nb);
        }
        let (ca, ra) = self.coeff(a);
        let (cb, rb) = self.coeff(b);
        if ra == rb && self.as_const(ra).is_none() {
            let c = self.constant(ca - cb);
            return self.mul(c, ra);
        }
        self.intern(Node::Sub(a, b))
    }

    pub fn neg(&mut self, a: NodeId) -> NodeId {
        match self.node(a) {
            Node::Const(b) => self.constant(-f64::from_bits(b)),
            Node::Neg(inner) => inner,
            Node::Sub(p, q) => self.intern(Node::Sub(q, p)),
            Node::Mul(p, q) if self.as_const(p).is_some() => {
                let c = self.constant(-self.as_const(p).unwrap());
                self.mul(c, q)
            }
            _ => self.intern(Node::Neg(a)),
        }
    }

    pub fn mul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        // Constant first.
        let (a, b) = if self.as_const(b).is_some() && self.as_const(a).is_none() {
            (b, a)
        } else {
            (a, b)
        };
        match (self.as_const(a), self.as_const(b)) {
            (Some(x), Some(y)) => return self.constant(x * y),
            (Some(c), _) => {
                if c == 0.0 {
                    return self.constant(0.0);
                }
                if c == 1.0 {
                    return b;
                }
                if c == -1.0 {
                    return self.neg(b);
                }
                match self.node(b) {
                    // c1 * (c2 * t) = (c1 c2) * t
                    Node::Mul(p, q) if self.as_const(p).is_some() => {
                        let k = self.constant(c * self.as_const(p).unwrap());
                        return self.mul(k, q);
                    }
                    Node::Neg(p) => {
                        let k = self.constant(-c);
                        return self.mul(k, p);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if let Node::Neg(p) = self.node(a) {
            let m = self.mul(p, b);
            return self.neg(m);
        }
        if let Node::Neg(q) = self.node(b) {
            let m = self.mul(a, q);
            return self.neg(m);
        }
        // Pull constants out of the right operand: a * (c*t) = c * (a*t).
        if self.as_const(a).is_none() {
            if let Node::Mul(p, q) = self.node(b) {
                if let Some(c) = self.as_const(p) {
                    let inner = self.mul(a, q);
                    let k = self.constant(c);
                    return self.mul(k, inner);
                }
            }
            if let Node::Mul(p, q) = self.node(a) {
                if let Some(c) = self.as_const(p) {
                    let inner = self.mul(q, b);
                    let k = self.constant(c);
                    return self.mul(k, inner);
                }
            }
        }
        // t * t = t^2, t^m * t = t^(m+1), t^m * t^n = t^(m+n)
        let (ba, ea) = self.base_exp(a);
        let (bb, eb) = self.base_exp(b);
        if ba == bb && self.as_const(ba).is_none() {
            return self.powi(ba, ea + eb);
        }
        let (a, b) = if self.as_const(a).is_none() && b < a {
            (b, a)
        } else {
            (a, b)
        };
        self.intern(Node::Mul(a, b))
    }

    fn base_exp(&self, id: NodeId) -> (NodeId, i32) {
        match self.node(id) {
            Node::PowI(b, n) => (b, n),
            _ => (id, 1),
        }
    }

    pub fn div(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if a == b && self.as_const(a).is_none() {
            return self.constant(1.0);
        }
        match (self.as_const(a), self.as_const(b)) {
            (Some(x), Some(y)) => return self.constant(x / y),
            (Some(0.0), _) => return self.constant(0.0),
            (_, Some(1.0)) => return a,
            (_, Some(-1.0)) => return self.neg(a),
            // t / c = (1/c) * t keeps constants on one side, where they fold.
            (_, Some(c)) if c != 0.0 && c.is_finite() => {
                let k = self.constant(1.0 / c);
                return self.mul(k, a);
            }
            _ => {}
        }
        if let Node::Neg(p) = self.node(a) {
            let d = self.div(p, b);
            return self.neg(d);
        }
        // (c * t) / u = c * (t / u)
        if let Node::Mul(p, q) = self.node(a) {
            if let Some(c) = self.as_const(p) {
                let d = self.div(q, b);
                let k = self.constant(c);
                return self.mul(k, d);
            }
        }
        self.intern(Node::Div(a, b))
    }

    pub fn powi(&mut self, a: NodeId, n: i32) -> NodeId {
        if n == 0 {
            return self.constant(1.0);
        }
        if n == 1 {
            return a;
        }
        if let Some(c) = self.as_const(a) {
            return self.constant(c.powi(n));
        }
        if n.abs() > MAX_POWI {
            let e = self.constant(n as f64);
            return self.intern(Node::Pow(a, e));
        }
        match self.node(a) {
            // (t^m)^n = t^(mn): valid for integers whatever the sign of t.
            Node::PowI(b, m) if (m as i64 * n as i64).abs() <= MAX_POWI as i64 => {
                self.powi(b, m * n)
            }
            Node::Neg(b) if n % 2 == 0 => self.powi(b, n),
            _ => self.intern(Node::PowI(a, n)),
        }
    }

    pub fn pow(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let Some(e) = self.as_const(b) {
            if e == 0.0 {
                return self.constant(1.0);
            }
            if e == 1.0 {
                return a;
            }
            if let Some(c) = self.as_const(a) {
                return self.constant(c.powf(e));
            }
            if e.fract() == 0.0 && e.abs() <= MAX_POWI as f64 {
                return self.powi(a, e as i32);
            }
            if e == 0.5 {
                return self.f1(Func1::Sqrt, a);
            }
        }
        if let (Some(x), Some(y)) = (self.as_const(a), self.as_const(b)) {
            return self.constant(x.powf(y));
        }
        self.intern(Node::Pow(a, b))
    }

    pub fn f1(&mut self, f: Func1, a: NodeId) -> NodeId {
        if let Some(c) = self.as_const(a) {
            return self.constant(f.apply(c));
        }
        match (f, self.node(a)) {
            (Func1::Abs, Node::Neg(b)) => self.f1(Func1::Abs, b),
            (Func1::Abs, Node::F1(Func1::Abs, _)) => a,
            (Func1::Ln, Node::F1(Func1::Exp, b)) => b,
            _ => self.intern(Node::F1(f, a)),
        }
    }

    pub fn f2(&mut self, f: Func2, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.as_const(a), self.as_const(b)) {
            return self.constant(f.apply(x, y));
        }
        if a == b && f != Func2::Atan2 {
            return a;
        }
        self.intern(Node::F2(f, a, b))
    }

    /// Nodes reachable from `roots`, each after its arguments (a topological order).
    pub fn topo(&self, roots: &[NodeId]) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut order = Vec::new();
        // Iterative DFS: expressions can be deep (a 10k-term sum), recursion would overflow.
        let mut stack: Vec<(NodeId, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((id, expanded)) = stack.pop() {
            let i = id.0 as usize;
            if expanded {
                if !seen[i] {
                    seen[i] = true;
                    order.push(id);
                }
                continue;
            }
            if seen[i] {
                continue;
            }
            stack.push((id, true));
            let (args, n) = self.node(id).args();
            for a in args[..n].iter().rev().flatten() {
                if !seen[a.0 as usize] {
                    stack.push((*a, false));
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_fold() {
        let mut g = Graph::new();
        let x = g.x();
        let zero = g.constant(0.0);
        let one = g.constant(1.0);
        assert_eq!(g.add(x, zero), x);
        assert_eq!(g.mul(x, one), x);
        assert_eq!(g.sub(x, x), zero);
        assert_eq!(g.div(x, x), one);
        let m = g.mul(x, zero);
        assert_eq!(m, zero);
        let two = g.constant(2.0);
        let three = g.constant(3.0);
        let five = g.add(two, three);
        assert_eq!(g.as_const(five), Some(5.0));
    }

    #[test]
    fn commutative_nodes_are_shared() {
        let mut g = Graph::new();
        let x = g.x();
        let y = g.y();
        assert_eq!(g.add(x, y), g.add(y, x));
        assert_eq!(g.mul(x, y), g.mul(y, x));
        let xx = g.mul(x, x);
        assert_eq!(g.node(xx), Node::PowI(x, 2));
    }

    #[test]
    fn like_terms_collect() {
        let mut g = Graph::new();
        let x = g.x();
        let two = g.constant(2.0);
        let tx = g.mul(two, x);
        let s = g.add(tx, x);
        let three = g.constant(3.0);
        assert_eq!(s, g.mul(three, x));
    }
}
