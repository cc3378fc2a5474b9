//! Symbolic derivatives against central finite differences in f64: for every
//! catalogue function at random points of its domain, and for hundreds of random
//! expressions built from the grammar (sin, cos, tan, exp, ln and sqrt of positive
//! things, tanh, atan, atan2, sinh, cosh, powers with integer, fractional and
//! variable exponents, products, quotients kept away from their poles).
//!
//! ∇f is held against central differences of f; the Hessian against central
//! differences of the symbolic ∇f (so each check is one differencing away from
//! exact). Steps h = 1e-5·(1 + |x|) and h/2, Richardson-extrapolated. Errors are normalised by the size of what
//! is being differenced: for ∂f, 1 + |f| + |∇f| (the rounding error of the
//! difference is ~ε|f|/h); for ∂²f, 1 + |∇f| + max|H|.

use gradfield::catalog;
use gradfield::expr::{Derivs, Function};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// The random cases are the same on every run: a fixed seed, which
/// `GRADFIELD_TEST_SEED=N` replaces (a failure prints the seed it ran with).
fn seed() -> u64 {
    std::env::var("GRADFIELD_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0019)
}

/// A runner drawing from [`seed`] (ChaCha, so the same seed gives the same
/// cases on every platform).
fn runner(config: Config) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed().to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}
use std::cell::{Cell, RefCell};

/// Bounds on the normalised errors. Measured worst over ten runs (each: the
/// catalogue × 200 random points, and 2000 random expressions × 8 points):
/// catalogue gradient 8.3e-10 (Goldstein–Price), Hessian 4.5e-10 (Lévi N.13);
/// random expressions gradient 1.4e-8, Hessian 1.6e-8, and once 3.9e-8 for
/// sin(pi^9 + x), where x ± h is rounded against 3e4 inside the argument. The
/// bounds leave a factor of 25 over the worst; a wrong rule misses by O(1).
const GRAD_BOUND: f64 = 1e-6;
const HESS_BOUND: f64 = 1e-6;
/// Skip a point where central differences at h and h/2 disagree by more than this
/// (relative to the scale): the steps do not resolve f there.
const UNRESOLVED: f64 = 1e-4;

#[derive(Default, Debug)]
struct Worst {
    grad: f64,
    hess: f64,
    grad_at: String,
    hess_at: String,
    checked: usize,
    skipped: usize,
    unresolved: usize,
    /// Points not checked, by reason (each one of [`SKIP_REASONS`]).
    reasons: std::collections::BTreeMap<&'static str, usize>,
}

/// Why a point is not checked. Each reason is counted, and its share of the
/// points tried is bounded (see [`SKIP_BOUNDS`]): a new rule must be added here.
const NOT_FINITE: &str = "f or a derivative not finite at the point";
const TOO_LARGE: &str = "|f| > 1e8 at the point";
const NEIGHBOUR: &str = "f or ∇f not finite or > 1e8 at a difference point";
const DISAGREE: &str = "differences at h and h/2 disagree (f turns faster than h resolves)";
const NOT_CONVERGING: &str = "differences at h, h/2, h/4 do not converge (aliasing)";
const TOO_CURVED: &str = "curvature alone moves f by > 1% over one step";
const SKIP_REASONS: [&str; 6] = [
    NOT_FINITE,
    TOO_LARGE,
    NEIGHBOUR,
    DISAGREE,
    NOT_CONVERGING,
    TOO_CURVED,
];

/// The largest share of the random expressions' points (16,000) each reason
/// may take. Measured with the fixed seed and seeds 1-3, the worst of the
/// four: not finite 0.113%, |f| > 1e8 0.406%, a difference point 0%,
/// disagreeing 0.031%, not converging 0.044%, too curved 0.056%. Each bound
/// is 2.5-5 times that (or 0.2% where none was seen): a rule that starts
/// skipping more than that hides a bug.
const SKIP_BOUNDS: [(&str, f64); 6] = [
    (NOT_FINITE, 0.004),
    (TOO_LARGE, 0.01),
    (NEIGHBOUR, 0.002),
    (DISAGREE, 0.002),
    (NOT_CONVERGING, 0.002),
    (TOO_CURVED, 0.002),
];

impl Worst {
    fn skip(&mut self, why: &'static str) {
        debug_assert!(SKIP_REASONS.contains(&why));
        *self.reasons.entry(why).or_default() += 1;
    }
}

/// Compares the symbolic derivatives of `f` at (x, y) with central differences.
/// Ok(false) when the point is skipped (f or a derivative not finite, |f| > 1e8).
fn check_point(f: &Function, x: f64, y: f64, worst: &mut Worst) -> Result<bool, String> {
    let d = f.derivs(x, y);
    let finite = d.value.is_finite() && d.grad.iter().chain(d.hess.iter()).all(|v| v.is_finite());
    if !finite || d.value.abs() > 1e8 {
        worst.skipped += 1;
        worst.skip(if finite { TOO_LARGE } else { NOT_FINITE });
        return Ok(false);
    }
    let hx = 1e-5 * (1.0 + x.abs());
    let hy = 1e-5 * (1.0 + y.abs());
    // Central differences at h and h/2, combined by Richardson extrapolation
    // (error O(h⁴) instead of O(h²)): plain central differences at h = 1e-5 miss
    // by h²·f‴/6 ~ 3e-4 on oscillating compositions like sin(exp(2.5^x)).
    let mut around = Vec::with_capacity(12);
    for s in [1.0, 0.5, 0.25] {
        around.push(f.derivs(x + s * hx, y));
        around.push(f.derivs(x - s * hx, y));
        around.push(f.derivs(x, y + s * hy));
        around.push(f.derivs(x, y - s * hy));
    }
    if !around.iter().all(|n| {
        n.value.is_finite() && n.grad.iter().all(|v| v.is_finite()) && n.value.abs() <= 1e8
    }) {
        worst.skipped += 1;
        worst.skip(NEIGHBOUR);
        return Ok(false);
    }
    // The extrapolated derivative along `axis` (0 = x, 1 = y) of `what`, and how far
    // the two plain central differences disagree (≈ ¾·h²·f‴, the truncation error).
    let diff = |axis: usize, what: &dyn Fn(&Derivs) -> f64| -> (f64, f64, f64) {
        let h = if axis == 0 { hx } else { hy };
        let (p1, m1) = (&around[2 * axis], &around[2 * axis + 1]);
        let (p2, m2) = (&around[4 + 2 * axis], &around[4 + 2 * axis + 1]);
        let d1 = (what(p1) - what(m1)) / (2.0 * h);
        let d2 = (what(p2) - what(m2)) / h;
        let (p4, m4) = (&around[8 + 2 * axis], &around[8 + 2 * axis + 1]);
        let d4 = (what(p4) - what(m4)) / (0.5 * h);
        ((4.0 * d2 - d1) / 3.0, (d1 - d2).abs(), (d2 - d4).abs())
    };
    let gnorm = d.grad[0].hypot(d.grad[1]);
    let hmax = d.hess.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let gscale = 1.0 + d.value.abs() + gnorm;
    let hscale = 1.0 + gnorm + hmax;
    let fd_grad = [diff(0, &|n| n.value), diff(1, &|n| n.value)];
    // fxx and fxy from ∂/∂x of ∇f, fxy again and fyy from ∂/∂y of ∇f.
    let fd_hess = [
        (diff(0, &|n| n.grad[0]), d.hess[0]),
        (diff(0, &|n| n.grad[1]), d.hess[1]),
        (diff(1, &|n| n.grad[0]), d.hess[1]),
        (diff(1, &|n| n.grad[1]), d.hess[2]),
    ];
    // Unresolved points are skipped: where the differences at h and h/2 disagree by
    // more than 1e-4 of the scale (f turns faster than the steps resolve), or where
    // the differences at h, h/2, h/4 do not converge (the truncation error must
    // shrink ~4× per halving; aliasing on cos(2.35^(e^(3x))), which turns 1e8
    // times per unit, gives unrelated values that can happen to agree).
    let disagree = |(_, e1, _): (f64, f64, f64), scale: f64| e1 > UNRESOLVED * scale;
    let diverge = |(_, e1, e2): (f64, f64, f64), scale: f64| e2 > 0.5 * e1 + 1e-8 * scale;
    // Also unresolved: a step over which the (symbolic) curvature alone moves f by
    // more than 1% of its size. The three differences can then agree by aliasing:
    // (2 + cos(asin(0.9 sin((1.5 + sin x)^(π³)))))^(−1.5) at x = 1.708 has
    // ∂f/∂x = −1.9e11 and |H|·h² ≈ 1e14 on an f of size 0.2, and its differences
    // converged to −1046 (a CI run found it).
    let h2 = hx.max(hy).powi(2);
    let too_curved = hmax * h2 > 1e-2 * (1.0 + d.value.abs());
    let any = |test: &dyn Fn((f64, f64, f64), f64) -> bool| {
        fd_grad.iter().any(|g| test(*g, gscale)) || fd_hess.iter().any(|h| test(h.0, hscale))
    };
    let why = if too_curved {
        Some(TOO_CURVED)
    } else if any(&disagree) {
        Some(DISAGREE)
    } else if any(&diverge) {
        Some(NOT_CONVERGING)
    } else {
        None
    };
    if let Some(why) = why {
        worst.unresolved += 1;
        worst.skip(why);
        return Ok(false);
    }
    let fd_grad = [fd_grad[0].0, fd_grad[1].0];
    let fd_hess = fd_hess.map(|((fd, _, _), sym)| (fd, sym));
    for (k, (sym, fd)) in d.grad.iter().zip(fd_grad).enumerate() {
        let e = (sym - fd).abs() / gscale;
        if e > worst.grad {
            worst.grad = e;
            worst.grad_at = format!("{} at ({x}, {y})", f.source());
        }
        if e > GRAD_BOUND {
            return Err(format!(
                "{} at ({x}, {y}): ∂f[{k}] = {sym} but the difference gives {fd} (error {e:.2e} of {gscale:.3e})",
                f.source()
            ));
        }
    }
    for (k, (fd, sym)) in fd_hess.iter().enumerate() {
        let e = (sym - fd).abs() / hscale;
        if e > worst.hess {
            worst.hess = e;
            worst.hess_at = format!("{} at ({x}, {y})", f.source());
        }
        if e > HESS_BOUND {
            return Err(format!(
                "{} at ({x}, {y}): Hessian entry {k} = {sym} but the difference gives {fd} (error {e:.2e} of {hscale:.3e})",
                f.source()
            ));
        }
    }
    worst.checked += 1;
    Ok(true)
}

/// Random expressions from the grammar, defined wherever they are evaluated
/// except where exp or a power overflows (those points are skipped).
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("pi".to_string()),
        Just("e".to_string()),
        (-3.0f64..3.0).prop_map(|c| format!("{c:.3}")),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        let un = inner.clone();
        let bin = (inner.clone(), inner);
        prop_oneof![
            un.clone().prop_map(|a| format!("sin({a})")),
            un.clone().prop_map(|a| format!("cos({a})")),
            un.clone().prop_map(|a| format!("tan(0.5*sin({a}))")),
            un.clone().prop_map(|a| format!("exp({a})")),
            un.clone().prop_map(|a| format!("ln(1 + ({a})^2)")),
            un.clone().prop_map(|a| format!("ln(2 + sin({a}))")),
            un.clone().prop_map(|a| format!("log10(3 + cos({a}))")),
            un.clone().prop_map(|a| format!("sqrt(1 + ({a})^2)")),
            un.clone().prop_map(|a| format!("sqrt(2 + cos({a}))")),
            un.clone().prop_map(|a| format!("tanh({a})")),
            un.clone().prop_map(|a| format!("atan({a})")),
            un.clone().prop_map(|a| format!("sinh(sin({a}))")),
            un.clone().prop_map(|a| format!("cosh(cos({a}))")),
            un.clone().prop_map(|a| format!("asin(0.9*sin({a}))")),
            un.clone().prop_map(|a| format!("-({a})")),
            un.clone().prop_map(|a| format!("({a})^2")),
            un.clone().prop_map(|a| format!("({a})^3")),
            un.clone().prop_map(|a| format!("(2 + cos({a}))^(-1.5)")),
            un.prop_map(|a| format!("(1 + ({a})^2)^0.5")),
            bin.clone().prop_map(|(a, b)| format!("({a}) + ({b})")),
            bin.clone().prop_map(|(a, b)| format!("({a}) - ({b})")),
            bin.clone().prop_map(|(a, b)| format!("({a}) * ({b})")),
            bin.clone()
                .prop_map(|(a, b)| format!("({a}) / (1 + ({b})^2)")),
            bin.clone()
                .prop_map(|(a, b)| format!("({a}) / (2 + cos({b}))")),
            bin.clone()
                .prop_map(|(a, b)| format!("(1.5 + sin({a}))^({b})")),
            bin.clone()
                .prop_map(|(a, b)| format!("pow(2 + cos({a}), sin({b}))")),
            bin.prop_map(|(a, b)| format!("atan2({a}, 2 + cos({b}))")),
        ]
    })
}

#[test]
fn catalogue_derivatives_match_central_differences() {
    let mut total = Worst::default();
    for e in catalog::all() {
        let mut runner = runner(Config {
            cases: 200,
            ..Config::default()
        });
        let f = e.function();
        let d = e.domain;
        let worst = RefCell::new(Worst::default());
        let points = (0.0f64..1.0, 0.0f64..1.0)
            .prop_map(move |(u, v)| [d.xmin + u * d.width(), d.ymin + v * d.height()]);
        let result = runner.run(&points, |[x, y]| {
            check_point(&f, x, y, &mut worst.borrow_mut())
                .map(|_| ())
                .map_err(TestCaseError::fail)
        });
        if let Err(err) = result {
            panic!("{}: {err} (GRADFIELD_TEST_SEED={})", e.name, seed());
        }
        let worst = worst.into_inner();
        eprintln!(
            "{:<20} grad {:.2e}, hess {:.2e} ({} points, {} skipped)",
            e.name, worst.grad, worst.hess, worst.checked, worst.skipped
        );
        assert_eq!(worst.unresolved + worst.skipped, 0, "{}: {worst:?}", e.name);
        assert!(
            worst.checked >= 190,
            "{}: only {} points checked",
            e.name,
            worst.checked
        );
        if worst.grad > total.grad {
            total.grad = worst.grad;
            total.grad_at = worst.grad_at;
        }
        if worst.hess > total.hess {
            total.hess = worst.hess;
            total.hess_at = worst.hess_at;
        }
    }
    eprintln!(
        "catalogue worst: grad {:.2e} ({}), hess {:.2e} ({})",
        total.grad, total.grad_at, total.hess, total.hess_at
    );
}

#[test]
fn random_expression_derivatives_match_central_differences() {
    let mut runner = runner(Config {
        cases: 2000,
        ..Config::default()
    });
    let worst = RefCell::new(Worst::default());
    let exprs = Cell::new(0usize);
    let strategy = (
        expr(),
        prop::collection::vec((-2.0f64..2.0, -2.0f64..2.0), 8),
    );
    let result = runner.run(&strategy, |(src, points)| {
        let f = Function::parse(&src).map_err(|e| TestCaseError::fail(format!("{src}: {e}")))?;
        exprs.set(exprs.get() + 1);
        for (x, y) in points {
            check_point(&f, x, y, &mut worst.borrow_mut()).map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    let worst = worst.into_inner();
    let exprs = exprs.get();
    eprintln!(
        "random expressions: {exprs} cases, {} points checked, {} skipped, {} unresolved; worst grad {:.2e} ({}), hess {:.2e} ({})",
        worst.checked, worst.skipped, worst.unresolved, worst.grad, worst.grad_at, worst.hess, worst.hess_at
    );
    if let Err(err) = result {
        panic!("{err} (GRADFIELD_TEST_SEED={})", seed());
    }
    // Most points must be checked, not skipped (only overflowing exp/powers skip).
    assert!(
        worst.checked >= 10 * (worst.skipped + worst.unresolved).max(1),
        "{worst:?}"
    );
    // Each reason stays under its measured share of the points tried.
    let tried = worst.checked + worst.skipped + worst.unresolved;
    for (why, n) in &worst.reasons {
        eprintln!(
            "  skipped {n:>5} ({:.3}%): {why}",
            100.0 * *n as f64 / tried as f64
        );
    }
    for (why, bound) in SKIP_BOUNDS {
        let n = worst.reasons.get(why).copied().unwrap_or(0);
        assert!(
            (n as f64) <= bound * tried as f64,
            "{n} of {tried} points skipped for '{why}', over the bound {bound} (GRADFIELD_TEST_SEED={})",
            seed()
        );
    }
}
