//! Built-in functions with their domains and known critical points.
//!
//! Every formula is written in gradfield's own expression language (it parses;
//! tests/catalog.rs checks). Coordinates and values are f64 to full precision:
//! where the literature gives a few digits or a closed form, the point was
//! polished by Newton's method on ∇f = 0 in f64
//! ([`crate::analysis::critical::newton_polish`]) and the value is f there.
//! tests/catalog.rs checks at every listed point that the gradient vanishes,
//! that the value matches and that [`crate::analysis::classify`] gives the
//! listed kind; where `finite_critical` is true, that
//! [`crate::analysis::critical::find_critical`] finds exactly the listed set
//! over the default domain.

use crate::analysis::Kind;
use crate::domain::Domain;
use crate::expr::Function;

/// A known critical point: where, how high, and what kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Known {
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub kind: Kind,
}

/// One built-in function.
#[derive(Debug)]
pub struct CatalogEntry {
    /// Lower-case, `_`-separated; what `FUNC` on the command line names.
    pub name: &'static str,
    /// Other names that [`lookup`] accepts (lower-case, `_` for `-`).
    pub aliases: &'static [&'static str],
    pub title: &'static str,
    /// The expression in gradfield's language.
    pub formula: &'static str,
    /// The literature's usual search domain.
    pub domain: Domain,
    /// Known minima (global first), each with its value.
    pub minima: &'static [Known],
    /// Other known critical points: saddles, maxima, degenerate points.
    pub others: &'static [Known],
    /// True when `minima` and `others` together are ALL the critical points in `domain`.
    pub finite_critical: bool,
    /// False when f is not differentiable at a listed point (Ackley's cone at the
    /// origin): gradfield's derivative is NaN there, so `classify` says `undefined`
    /// and `find_critical` cannot see that point.
    pub smooth: bool,
    /// A default learning rate for plain gradient descent (`gd`).
    pub lr: f64,
    /// One line on what the function teaches.
    pub note: &'static str,
}

impl CatalogEntry {
    pub fn function(&self) -> Function {
        Function::parse(self.formula).expect("catalogue formulas parse (tested)")
    }
}

const fn k(x: f64, y: f64, value: f64, kind: Kind) -> Known {
    Known { x, y, value, kind }
}

const MIN: Kind = Kind::Minimum;
const MAX: Kind = Kind::Maximum;
const SADDLE: Kind = Kind::Saddle;

static ALL: &[CatalogEntry] = &[
    CatalogEntry {
        name: "bowl",
        aliases: &["elliptic_bowl"],
        title: "Elliptic bowl",
        formula: "x^2 + 3*y^2",
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        minima: &[k(0.0, 0.0, 0.0, MIN)],
        others: &[],
        finite_critical: true,
        smooth: true,
        lr: 0.1,
        note: "the worked example of \"Gradient as Steepest Ascent Direction\": the gradient (2x, 6y) is steeper along y",
    },
    CatalogEntry {
        name: "paraboloid",
        aliases: &["sphere"],
        title: "Paraboloid",
        formula: "x^2 + y^2",
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        minima: &[k(0.0, 0.0, 0.0, MIN)],
        others: &[],
        finite_critical: true,
        smooth: true,
        lr: 0.1,
        note: "round bowl: every gradient points straight away from the minimum",
    },
    CatalogEntry {
        name: "inverted_paraboloid",
        aliases: &["dome"],
        title: "Inverted paraboloid",
        formula: "-(x^2 + y^2) + 4",
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        minima: &[],
        others: &[k(0.0, 0.0, 4.0, MAX)],
        finite_critical: true,
        smooth: true,
        lr: 0.1,
        note: "a hill with no minimum: descent runs off the edge, ascent climbs to the top",
    },
    CatalogEntry {
        name: "saddle",
        aliases: &["hyperbolic_paraboloid"],
        title: "Saddle",
        formula: "x^2 - y^2",
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        minima: &[],
        others: &[k(0.0, 0.0, 0.0, SADDLE)],
        finite_critical: true,
        smooth: true,
        lr: 0.1,
        note: "∇f = 0 at the origin, yet it is no minimum: descent leaves along ±y",
    },
    CatalogEntry {
        name: "monkey_saddle",
        aliases: &["monkey"],
        title: "Monkey saddle",
        formula: "x^3 - 3*x*y^2",
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        minima: &[],
        others: &[k(0.0, 0.0, 0.0, Kind::Degenerate)],
        finite_critical: true,
        smooth: true,
        lr: 0.05,
        note: "three valleys meet at a degenerate critical point (Hessian zero there)",
    },
    CatalogEntry {
        name: "rosenbrock",
        aliases: &["banana"],
        title: "Rosenbrock's function (a = 1, b = 100)",
        formula: "(1 - x)^2 + 100*(y - x^2)^2",
        domain: Domain::new(-2.0, 2.0, -1.0, 3.0),
        minima: &[k(1.0, 1.0, 0.0, MIN)],
        others: &[],
        finite_critical: true,
        smooth: true,
        lr: 0.001,
        note: "a long curved valley: fast to find, slow to follow (Hessian condition ~2500)",
    },
    CatalogEntry {
        name: "himmelblau",
        aliases: &[],
        title: "Himmelblau's function",
        formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[
            k(3.0, 2.0, 0.0, MIN),
            k(-2.805118086952745, 3.131312518250573, 0.0, MIN),
            k(-3.779310253377747, -3.283185991286169, 0.0, MIN),
            k(3.5844283403304917, -1.8481265269644036, 0.0, MIN),
        ],
        others: &[
            k(3.385154183607021, 0.07385187983774932, 13.311926270405587, SADDLE),
            k(0.08667750455539633, 2.884254701174776, 67.71915008752613, SADDLE),
            k(-3.0730257507643897, -0.08135304428796747, 104.01516291755811, SADDLE),
            k(-0.12796134673068005, -1.9537149802445766, 178.33723920192745, SADDLE),
            k(-0.2708445906673476, -0.9230385564799815, 181.6165215225827, MAX),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.01,
        note: "four minima of equal value, four basins split by four saddles around one hill",
    },
    CatalogEntry {
        name: "beale",
        aliases: &[],
        title: "Beale's function",
        formula: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        domain: Domain::new(-4.5, 4.5, -4.5, 4.5),
        minima: &[k(3.0, 0.5, 0.0, MIN)],
        others: &[
            // ∂f/∂y vanishes on the whole line x = 0; ∂f/∂x only at y = 1 there.
            k(0.0, 1.0, 14.203125, SADDLE),
            k(0.10053793732415828, -2.644513585023126, 9.864512284755559, SADDLE),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.0001,
        note: "flat plateau, sharp ridges near the corners (|∇f| ~ 1e5): gd needs a tiny rate",
    },
    CatalogEntry {
        name: "booth",
        aliases: &[],
        title: "Booth's function",
        formula: "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        minima: &[k(1.0, 3.0, 0.0, MIN)],
        others: &[],
        finite_critical: true,
        smooth: true,
        lr: 0.05,
        note: "a tilted quadratic bowl (Hessian eigenvalues 2 and 18)",
    },
    CatalogEntry {
        name: "matyas",
        aliases: &[],
        title: "Matyas function",
        formula: "0.26*(x^2 + y^2) - 0.48*x*y",
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        minima: &[k(0.0, 0.0, 0.0, MIN)],
        others: &[],
        finite_critical: true,
        smooth: true,
        lr: 0.5,
        note: "a narrow diagonal valley: eigenvalues 0.04 and 0.98, gd zigzags",
    },
    CatalogEntry {
        name: "three_hump_camel",
        aliases: &["camel3", "three_hump", "threehump"],
        title: "Three-hump camel function",
        formula: "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        // y = −x/2 and x (x⁴ − 4.2 x² + 3.5) = 0: x² = 2.1 ± √0.91.
        minima: &[
            k(0.0, 0.0, 0.0, MIN),
            k(-1.747552345830289, 0.8737761729151445, 0.29863844223685965, MIN),
            k(1.747552345830289, -0.8737761729151445, 0.29863844223685965, MIN),
        ],
        others: &[
            k(-1.0705422918236598, 0.5352711459118299, 0.8773615577631402, SADDLE),
            k(1.0705422918236598, -0.5352711459118299, 0.8773615577631402, SADDLE),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.003,
        note: "one global and two local minima, each pair split by a saddle",
    },
    CatalogEntry {
        name: "six_hump_camel",
        aliases: &["camel6", "six_hump", "sixhump"],
        title: "Six-hump camel function",
        formula: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        domain: Domain::new(-3.0, 3.0, -2.0, 2.0),
        minima: &[
            k(0.08984201310031806, -0.7126564030207396, -1.0316284534898774, MIN),
            k(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774, MIN),
            k(-1.7036067149699807, 0.7960835686726251, -0.21546382438371725, MIN),
            k(1.7036067149699807, -0.7960835686726251, -0.21546382438371725, MIN),
            k(-1.6071047529201972, -0.5686514548841315, 2.1042503103112575, MIN),
            k(1.6071047529201972, 0.5686514548841315, 2.1042503103112575, MIN),
        ],
        others: &[
            k(0.0, 0.0, 0.0, SADDLE),
            k(-1.1092053368047865, 0.7682680925095399, 0.5437186009781853, SADDLE),
            k(1.1092053368047865, -0.7682680925095399, 0.5437186009781853, SADDLE),
            k(-1.6380679841897787, -0.22867406904439413, 2.2293571975307143, SADDLE),
            k(1.6380679841897787, 0.22867406904439413, 2.2293571975307143, SADDLE),
            k(-1.296070267167109, -0.6050843880386585, 2.2294708180298595, SADDLE),
            k(1.296070267167109, 0.6050843880386585, 2.2294708180298595, SADDLE),
            k(-1.2302298765166524, -0.16233458445899493, 2.496295351023577, MAX),
            k(1.2302298765166524, 0.16233458445899493, 2.496295351023577, MAX),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.01,
        note: "two global minima, four local ones: 15 critical points in all",
    },
    CatalogEntry {
        name: "goldstein_price",
        aliases: &["goldstein", "goldsteinprice"],
        title: "Goldstein–Price function",
        formula: "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))\
                  *(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        minima: &[
            k(0.0, -1.0, 3.0, MIN),
            k(-0.6, -0.4, 30.0, MIN),
            k(1.8, 0.2, 84.0, MIN),
            k(1.2, 0.8, 840.0, MIN),
        ],
        others: &[
            k(-0.4, -0.6, 35.0, SADDLE),
            k(1.2, -0.2, 99.0, SADDLE),
            k(1.4, 0.6, 980.0, SADDLE),
            k(0.6, 0.4, 990.0, SADDLE),
            k(0.8, 0.2, 1155.0, MAX),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.000003,
        note: "values span 3 to 1e6 over the square: steep walls, four minima",
    },
    CatalogEntry {
        name: "rastrigin",
        aliases: &[],
        title: "Rastrigin function (A = 10)",
        formula: "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        domain: Domain::new(-5.12, 5.12, -5.12, 5.12),
        minima: &[k(0.0, 0.0, 0.0, MIN)],
        others: &[],
        finite_critical: false,
        smooth: true,
        lr: 0.002,
        note: "a bowl under an egg crate: a local minimum near every integer point",
    },
    CatalogEntry {
        name: "ackley",
        aliases: &[],
        title: "Ackley function (a = 20, b = 0.2, c = 2π)",
        formula: "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[k(0.0, 0.0, 0.0, MIN)],
        others: &[],
        finite_critical: false,
        smooth: false,
        lr: 0.01,
        note: "many local minima; the global one is a cone tip (sqrt at 0): ∇f there is NaN, |∇f| → 2√2 nearby",
    },
    CatalogEntry {
        name: "styblinski_tang",
        aliases: &["styblinski", "stybtang"],
        title: "Styblinski–Tang function (2-D)",
        formula: "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        // Each coordinate is a root of 4t³ − 32t + 5 = 0: −2.9035, 0.1567, 2.7468.
        minima: &[
            k(-2.903534027771177, -2.903534027771177, -78.33233140754284, MIN),
            k(-2.903534027771177, 2.746802770990837, -64.19561235905536, MIN),
            k(2.746802770990837, -2.903534027771177, -64.19561235905536, MIN),
            k(2.746802770990837, 2.746802770990837, -50.05889331056789, MIN),
        ],
        others: &[
            k(-2.903534027771177, 0.1567312567803401, -38.97055334471605, SADDLE),
            k(0.1567312567803401, -2.903534027771177, -38.97055334471605, SADDLE),
            k(0.1567312567803401, 2.746802770990837, -24.833834296228588, SADDLE),
            k(2.746802770990837, 0.1567312567803401, -24.833834296228588, SADDLE),
            k(0.1567312567803401, 0.1567312567803401, 0.3912247181107161, MAX),
        ],
        finite_critical: true,
        smooth: true,
        lr: 0.01,
        note: "separable: a 3×3 grid of critical points, four minima of four different depths",
    },
    CatalogEntry {
        name: "mccormick",
        aliases: &[],
        title: "McCormick function",
        formula: "sin(x + y) + (x - y)^2 - 1.5*x + 2.5*y + 1",
        domain: Domain::new(-1.5, 4.0, -3.0, 4.0),
        // x − y = 1 and cos(x + y) = −1/2: x + y = −2π/3, 2π/3, 4π/3.
        minima: &[
            k(-0.5471975511965979, -1.5471975511965979, -1.9132229549810367, MIN),
            k(2.5943951023931957, 1.5943951023931957, 1.2283696986087569, MIN),
        ],
        others: &[k(1.5471975511965976, 0.5471975511965976, 1.9132229549810362, SADDLE)],
        finite_critical: true,
        smooth: true,
        lr: 0.05,
        note: "a sine ripple on a tilted trough: two minima and the saddle between them",
    },
    CatalogEntry {
        name: "levi13",
        aliases: &["levy13", "levi_n13", "levy_n13"],
        title: "Lévi function N.13",
        formula: "sin(3*pi*x)^2 + (x - 1)^2*(1 + sin(3*pi*y)^2) + (y - 1)^2*(1 + sin(2*pi*y)^2)",
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        minima: &[k(1.0, 1.0, 0.0, MIN)],
        others: &[],
        finite_critical: false,
        smooth: true,
        lr: 0.001,
        note: "a rippled trough: local minima in rows, the global one at (1, 1)",
    },
];

/// Every built-in function, in catalogue order.
pub fn all() -> &'static [CatalogEntry] {
    ALL
}

/// The entry named `name` (or one of its aliases); case and `-`/`_` do not matter.
pub fn lookup(name: &str) -> Option<&'static CatalogEntry> {
    let n = name.trim().to_lowercase().replace('-', "_");
    ALL.iter()
        .find(|e| e.name == n || e.aliases.contains(&n.as_str()))
}

/// The built-in name (or alias) closest to a misspelled `name`: within 2 edits
/// (3 for names of 9 letters or more), the nearest first; None if none is that close.
pub fn suggest(name: &str) -> Option<&'static str> {
    let n = name.trim().to_lowercase().replace('-', "_");
    let limit = if n.chars().count() >= 9 { 3 } else { 2 };
    ALL.iter()
        .flat_map(|e| std::iter::once(e.name).chain(e.aliases.iter().copied()))
        .map(|c| (crate::expr::parse::distance(&n, c), c))
        .filter(|&(d, _)| d > 0 && d <= limit && d < n.chars().count())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The names, in catalogue order (aliases left out).
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|e| e.name).collect()
}
