//! The expression parser under random input: it never panics, never overflows
//! the stack, and every error names a column inside the input (or one past its
//! end, for "missing operand at end of input"). Generated WGSL for every
//! accepted expression validates with naga.

use gradfield::expr::Function;
use proptest::prelude::*;

fn check_error_column(src: &str) {
    match Function::parse(src) {
        Ok(f) => {
            // Whatever parses evaluates without panicking and yields valid WGSL.
            let _ = f.derivs(0.3, -0.7);
            let src_wgsl =
                gradfield::gpu::compose(&[&f.wgsl(), include_str!("../shaders/field.wgsl")]);
            if let Err(e) = gradfield::gpu::validate_wgsl(src, &src_wgsl) {
                panic!("generated WGSL for {src:?} does not validate: {e}");
            }
        }
        Err(e) => {
            let n = src.chars().count();
            assert!(
                e.column >= 1 && e.column <= n + 1,
                "{src:?}: column {} outside 1..={}",
                e.column,
                n + 1
            );
            assert!(!e.message.is_empty());
            // The caret picture is well-formed: two lines, the caret last.
            let c = e.caret();
            assert_eq!(c.lines().count(), 2, "{c}");
            assert!(c.ends_with('^'));
        }
    }
}

/// Tokens that make near-valid expressions.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "x", "y", "1", "2.5", "1e-3", "pi", "e", "+", "-", "*", "/", "^", "**", "(", ")", ",",
        "sin(", "cos(", "atan2(", "min(", "max(", "pow(", "ln(", "sqrt(", "abs(", "sign(", " ",
        "foo", "1.2.3", "2x", "@", ".",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        check_error_column(&s);
    }

    #[test]
    fn near_valid_expressions_never_panic(tokens in prop::collection::vec(token(), 0..24)) {
        check_error_column(&tokens.concat());
    }
}

#[test]
fn huge_and_deep_inputs_are_errors_or_values_not_crashes() {
    // 100k characters of nesting: an error at the first level past the limit.
    let deep = "(".repeat(50_000) + "x" + &")".repeat(50_000);
    let e = Function::parse(&deep).unwrap_err();
    assert!(e.message.contains("nested deeper than"), "{}", e.message);
    assert!(e.column <= 202, "column {}", e.column);
    // A long flat sum is fine (no recursion over its length) and simplifies.
    let long = vec!["x"; 30_000].join(" + ");
    let f = Function::parse(&long).unwrap();
    assert_eq!(f.value(2.0, 0.0), 60_000.0);
    assert_eq!(f.grad(2.0, 0.0), [30_000.0, 0.0]);
    // A long sum of distinct terms: derivatives are built without recursion too.
    let terms: Vec<String> = (0..5_000).map(|i| format!("sin({i}*x + y)")).collect();
    let f = Function::parse(&terms.join(" + ")).unwrap();
    assert!(f.value(0.1, 0.2).is_finite());
    // A chain of unary minus and of powers stops at the limit.
    assert!(Function::parse(&("-".repeat(10_000) + "x")).is_err());
    assert!(Function::parse(&vec!["x"; 10_000].join("^")).is_err());
}
