//! The built-in catalogue held against its own claims, on the CPU in f64:
//! formulas parse and names resolve; every listed point is critical, has the
//! listed value and kind; `find_critical` finds exactly the listed set where the
//! list claims to be complete; and, independently of Newton's method, the
//! winding number of ∇f around the cells of a grid over the domain is nonzero
//! exactly in the cells that hold a listed point (and equals its index).

use gradfield::analysis::critical::{find_critical, CriticalOptions};
use gradfield::analysis::{classify, Kind, Scale};
use gradfield::catalog::{self, CatalogEntry, Known};
use gradfield::{Domain, Function};
use std::collections::HashSet;
use std::f64::consts::{PI, TAU};

/// The median finite |∇f| over a 33×33 grid of the domain: the function's gradient scale.
fn grad_scale(f: &Function, d: &Domain) -> f64 {
    let n = 33;
    let mut v: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = ((k % n) as f64, (k / n) as f64);
            let g = f.grad(
                d.xmin + d.width() * i / (n - 1) as f64,
                d.ymin + d.height() * j / (n - 1) as f64,
            );
            g[0].hypot(g[1])
        })
        .filter(|g| g.is_finite())
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn all_points(e: &CatalogEntry) -> Vec<Known> {
    e.minima.iter().chain(e.others.iter()).copied().collect()
}

fn differentiable_at(f: &Function, p: &Known) -> bool {
    let d = f.derivs(p.x, p.y);
    d.value.is_finite() && d.grad.iter().chain(d.hess.iter()).all(|v| v.is_finite())
}

#[test]
fn formulas_parse_and_every_name_and_alias_resolves() {
    let all = catalog::all();
    assert!(all.len() >= 18, "only {} entries", all.len());
    let mut seen = HashSet::new();
    for e in all {
        let f = Function::parse(e.formula)
            .unwrap_or_else(|err| panic!("{}: {}\n{}", e.name, err, err.caret()));
        assert_eq!(e.function().source(), e.formula);
        assert!(f.value(0.25, -0.125).is_finite(), "{}", e.name);
        for n in std::iter::once(&e.name).chain(e.aliases.iter()) {
            assert!(
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !n.starts_with(|c: char| c.is_ascii_digit()),
                "{n:?}: names are lower-case [a-z0-9_]"
            );
            assert!(seen.insert(*n), "{n:?} is used twice");
            // Not an expression in x and y by accident (`lookup` runs before parsing).
            assert!(
                Function::parse(n).is_err(),
                "{n:?} also parses as an expression"
            );
            for spelling in [
                n.to_string(),
                n.replace('_', "-"),
                n.to_uppercase(),
                format!("  {n} "),
            ] {
                let got = catalog::lookup(&spelling)
                    .unwrap_or_else(|| panic!("lookup({spelling:?}) is None"));
                assert!(
                    std::ptr::eq(got, e),
                    "lookup({spelling:?}) gives {}",
                    got.name
                );
            }
        }
        assert!(
            !e.title.is_empty() && !e.note.is_empty() && !e.note.contains('\n'),
            "{}",
            e.name
        );
        assert!(e.domain.validate().is_ok(), "{}", e.name);
        assert!(e.lr.is_finite() && e.lr > 0.0, "{}", e.name);
        assert!(
            e.minima.iter().all(|m| m.kind == Kind::Minimum),
            "{}: minima are minima",
            e.name
        );
        assert!(
            e.others
                .iter()
                .all(|m| m.kind != Kind::Minimum && m.kind != Kind::Regular),
            "{}",
            e.name
        );
        assert!(
            !e.minima.is_empty() || !e.others.is_empty(),
            "{}: no known points",
            e.name
        );
        if let Some(first) = e.minima.first() {
            assert!(
                e.minima.iter().all(|m| first.value <= m.value),
                "{}: the global minimum comes first",
                e.name
            );
        }
        for p in all_points(e) {
            assert!(
                e.domain.contains(p.x, p.y),
                "{}: {p:?} outside the domain",
                e.name
            );
        }
    }
    assert_eq!(
        catalog::names(),
        all.iter().map(|e| e.name).collect::<Vec<_>>()
    );
    for (spelling, name) in [
        ("goldstein-price", "goldstein_price"),
        ("Goldstein-Price", "goldstein_price"),
        ("levy13", "levi13"),
        ("camel3", "three_hump_camel"),
        ("three-hump-camel", "three_hump_camel"),
        ("camel6", "six_hump_camel"),
        ("sixhump", "six_hump_camel"),
        ("styblinski-tang", "styblinski_tang"),
        ("monkey-saddle", "monkey_saddle"),
    ] {
        assert_eq!(
            catalog::lookup(spelling).map(|e| e.name),
            Some(name),
            "{spelling}"
        );
    }
    for missing in ["", "x^2", "nope", "levy", "camel"] {
        assert!(catalog::lookup(missing).is_none(), "{missing:?}");
    }
}

#[test]
fn listed_points_are_critical_with_their_values_and_kinds() {
    // Gradient bound: |∇f| ≤ 1e-8 · (1 + |f| + S), S = the median |∇f| over the
    // domain. Measured worst ratio |∇f| / (1 + |f| + S): 1.4e-16 (Himmelblau), the
    // rounding of the f64 coordinates, far inside 1e-8.
    // Values: measured worst |f − listed| / max(1, |listed|): 5.1e-15 (Goldstein–Price
    // at its exact rational points), bound 1e-9.
    const GRAD_BOUND: f64 = 1e-8;
    let mut worst_grad = (0.0f64, "");
    let mut worst_value = (0.0f64, "");
    let mut cone_points = 0;
    for e in catalog::all() {
        let f = e.function();
        let scale = grad_scale(&f, &e.domain);
        let mut any_kink = false;
        for p in all_points(e) {
            let d = f.derivs(p.x, p.y);
            let verr = (d.value - p.value).abs() / p.value.abs().max(1.0);
            eprintln!(
                "{:<20} ({:>10.6}, {:>10.6}) {:<10} f {:<12.6e} |∇f| {:.1e} value err {:.1e}",
                e.name,
                p.x,
                p.y,
                p.kind.as_str(),
                d.value,
                d.grad[0].hypot(d.grad[1]),
                verr
            );
            assert!(
                verr <= 1e-9,
                "{} at ({}, {}): f = {}, listed {}",
                e.name,
                p.x,
                p.y,
                d.value,
                p.value
            );
            if verr > worst_value.0 {
                worst_value = (verr, e.name);
            }
            if !differentiable_at(&f, &p) {
                // Ackley's origin: a cone tip. gradfield's derivative is NaN there
                // (1/(2·sqrt(0)) · 0), so classify says undefined; the entry must say so.
                assert!(
                    !e.smooth,
                    "{}: derivative undefined at {p:?} but the entry claims smooth",
                    e.name
                );
                assert!(
                    d.grad[0].is_nan() && d.grad[1].is_nan(),
                    "{}: {:?}",
                    e.name,
                    d.grad
                );
                assert_eq!(classify(&d, &Scale::of(&f, &e.domain)), Kind::Undefined);
                assert_eq!(
                    p.kind,
                    Kind::Minimum,
                    "only a cone-tip minimum is listed without a derivative"
                );
                // A strict minimum all the same: every nearby point is higher.
                for r in [1e-9, 1e-6, 1e-3, 0.1] {
                    for t in 0..16 {
                        let a = TAU * t as f64 / 16.0 + 0.1;
                        let v = f.value(p.x + r * a.cos(), p.y + r * a.sin());
                        assert!(
                            v > p.value,
                            "{}: f = {v} at distance {r} below the minimum {}",
                            e.name,
                            p.value
                        );
                    }
                }
                any_kink = true;
                cone_points += 1;
                continue;
            }
            let gn = d.grad[0].hypot(d.grad[1]);
            let denom = 1.0 + d.value.abs() + scale;
            let ratio = gn / denom;
            if ratio > worst_grad.0 {
                worst_grad = (ratio, e.name);
            }
            assert!(
                ratio <= GRAD_BOUND,
                "{} at ({}, {}): |∇f| = {gn:e}, scale {scale}",
                e.name,
                p.x,
                p.y
            );
            let kind = classify(&d, &Scale::of(&f, &e.domain));
            assert_eq!(
                kind, p.kind,
                "{} at ({}, {}): hessian {:?}",
                e.name, p.x, p.y, d.hess
            );
        }
        assert_eq!(
            any_kink, !e.smooth,
            "{}: `smooth` must say whether a listed point lacks a derivative",
            e.name
        );
    }
    eprintln!(
        "worst |∇f|/(1+|f|+S) = {:.2e} ({}); bound {GRAD_BOUND:e}",
        worst_grad.0, worst_grad.1
    );
    eprintln!(
        "worst value error = {:.2e} ({}); bound 1e-9",
        worst_value.0, worst_value.1
    );
    assert_eq!(
        cone_points, 1,
        "Ackley's origin is the one listed point without a derivative"
    );
}

#[test]
fn find_critical_finds_exactly_the_listed_points() {
    let opts = CriticalOptions::default();
    for e in catalog::all() {
        let f = e.function();
        let t = std::time::Instant::now();
        let found = find_critical(&f, &e.domain, &opts);
        eprintln!(
            "{:<20} find_critical: {} points in {:.2?}",
            e.name,
            found.len(),
            t.elapsed()
        );
        let listed: Vec<Known> = all_points(e)
            .into_iter()
            .filter(|p| differentiable_at(&f, p))
            .collect();
        for p in &listed {
            let near: Vec<_> = found
                .iter()
                .filter(|q| (q.x - p.x).hypot(q.y - p.y) <= 1e-6)
                .collect();
            assert_eq!(
                near.len(),
                1,
                "{}: {p:?} found {} times in {found:?}",
                e.name,
                near.len()
            );
            assert_eq!(
                near[0].kind, p.kind,
                "{}: {p:?} classified {:?}",
                e.name, near[0]
            );
        }
        if e.finite_critical {
            assert_eq!(
                found.len(),
                listed.len(),
                "{}: find_critical found {} points, the catalogue lists {}: {found:#?}",
                e.name,
                found.len(),
                listed.len()
            );
        }
        for p in all_points(e).iter().filter(|p| !differentiable_at(&f, p)) {
            // The note says so: a cone tip is invisible to Newton on ∇f = 0.
            assert!(
                found.iter().all(|q| (q.x - p.x).hypot(q.y - p.y) > 1e-6),
                "{}",
                e.name
            );
        }
    }
}

/// The winding number of ∇f along the segment a → b, in radians, sampled
/// adaptively so that no step turns by more than π/4. None when ∇f (nearly)
/// vanishes on the segment.
fn turning(f: &Function, a: [f64; 2], b: [f64; 2], floor: f64) -> Option<f64> {
    let angle = |p: [f64; 2]| -> Option<f64> {
        let g = f.grad(p[0], p[1]);
        let n = g[0].hypot(g[1]);
        (n.is_finite() && n > floor).then(|| g[1].atan2(g[0]))
    };
    fn wrap(d: f64) -> f64 {
        (d + PI).rem_euclid(TAU) - PI
    }
    let mut total = 0.0;
    // A stack of (t0, t1, angle at t0, angle at t1), depth-limited.
    let lerp = |t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    let mut stack = vec![(0.0, 1.0, angle(a)?, angle(b)?, 0u32)];
    while let Some((t0, t1, a0, a1, depth)) = stack.pop() {
        let d = wrap(a1 - a0);
        if d.abs() <= PI / 4.0 {
            total += d;
            continue;
        }
        if depth > 40 {
            return None;
        }
        let tm = 0.5 * (t0 + t1);
        let am = angle(lerp(tm))?;
        // Push the second half first so the first half is summed first (order does not matter for the sum).
        stack.push((tm, t1, am, a1, depth + 1));
        stack.push((t0, tm, a0, am, depth + 1));
    }
    Some(total)
}

/// Poincaré–Hopf index of each isolated non-degenerate critical point.
fn index(kind: Kind) -> Option<i64> {
    match kind {
        Kind::Minimum | Kind::Maximum => Some(1),
        Kind::Saddle => Some(-1),
        _ => None,
    }
}

#[test]
fn winding_numbers_confirm_the_critical_sets() {
    // Independent of Newton: split the domain into N×N cells (N odd and prime so that
    // no symmetric or rational critical point lands on a cell edge) and count the
    // turns of ∇f around each cell. A cell holding one critical point of kind
    // minimum/maximum turns +1, saddle −1; a cell with none turns 0. Where the list
    // is complete, the nonzero cells must be exactly the cells of the listed points.
    // (A minimum and a saddle closer than one cell would cancel; cells are
    // domain/61, about 0.07–0.33 wide.)
    const N: usize = 61;
    for e in catalog::all().iter().filter(|e| e.finite_critical) {
        let f = e.function();
        let d = e.domain;
        let floor = 1e-12 * (1.0 + grad_scale(&f, &d));
        let xs: Vec<f64> = (0..=N)
            .map(|i| d.xmin + d.width() * i as f64 / N as f64)
            .collect();
        let ys: Vec<f64> = (0..=N)
            .map(|j| d.ymin + d.height() * j as f64 / N as f64)
            .collect();
        let listed = all_points(e);
        let cell_of = |p: &Known| {
            let i = (((p.x - d.xmin) / d.width() * N as f64) as usize).min(N - 1);
            let j = (((p.y - d.ymin) / d.height() * N as f64) as usize).min(N - 1);
            (i, j)
        };
        let mut nonzero = 0;
        for j in 0..N {
            for i in 0..N {
                let c = [
                    [xs[i], ys[j]],
                    [xs[i + 1], ys[j]],
                    [xs[i + 1], ys[j + 1]],
                    [xs[i], ys[j + 1]],
                ];
                let mut total = 0.0;
                for k in 0..4 {
                    total += turning(&f, c[k], c[(k + 1) % 4], floor).unwrap_or_else(|| {
                        panic!("{}: ∇f vanishes on the edge of cell ({i}, {j})", e.name)
                    });
                }
                let w = (total / TAU).round() as i64;
                assert!((total / TAU - w as f64).abs() < 1e-6, "{}: {total}", e.name);
                let here: Vec<&Known> = listed.iter().filter(|p| cell_of(p) == (i, j)).collect();
                if here.iter().any(|p| index(p.kind).is_none()) {
                    // The monkey saddle's degenerate origin turns −2 (∇f = 3·conj(z)²).
                    assert_eq!(w, -2, "{}: cell ({i}, {j})", e.name);
                    nonzero += 1;
                    continue;
                }
                let expected: i64 = here.iter().filter_map(|p| index(p.kind)).sum();
                if w != 0 {
                    nonzero += 1;
                }
                {
                    assert_eq!(
                        w,
                        expected,
                        "{}: ∇f turns {w} times around cell ({i}, {j}) = [{}, {}]×[{}, {}], listed there: {here:?}",
                        e.name,
                        xs[i],
                        xs[i + 1],
                        ys[j],
                        ys[j + 1]
                    );
                }
            }
        }
        eprintln!(
            "{:<20} {nonzero} cells of {} with a nonzero winding number",
            e.name,
            N * N
        );
    }
}

#[test]
fn winding_numbers_around_the_listed_points_of_open_lists() {
    // Where the list is not complete (Rastrigin, Lévi N.13: a critical point every
    // sixth of a unit), a small square around each listed point: ∇f turns by the
    // point's index around it. Ackley's cone tip turns +1 too (∇f points outwards).
    for e in catalog::all().iter().filter(|e| !e.finite_critical) {
        let f = e.function();
        let floor = 1e-12 * (1.0 + grad_scale(&f, &e.domain));
        let r = 1e-3 * e.domain.extent();
        for p in all_points(e) {
            let c = [
                [p.x - r, p.y - r],
                [p.x + r, p.y - r],
                [p.x + r, p.y + r],
                [p.x - r, p.y + r],
            ];
            let total: f64 = (0..4)
                .map(|k| {
                    turning(&f, c[k], c[(k + 1) % 4], floor).expect("∇f vanishes near the point")
                })
                .sum();
            eprintln!(
                "{:<20} ({}, {}): ∇f turns {:.6} times",
                e.name,
                p.x,
                p.y,
                total / TAU
            );
            assert!(
                (total / TAU - index(p.kind).unwrap() as f64).abs() < 1e-6,
                "{}: {p:?}",
                e.name
            );
        }
    }
}
