//! Built-in functions with their domains and known critical points.
//! (Interim table: the full catalogue lands with its tests from the catalog branch.)

use crate::analysis::Kind;
use crate::domain::Domain;
use crate::expr::Function;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Known {
    pub x: f64,
    pub y: f64,
    pub value: f64,
    pub kind: Kind,
}

#[derive(Debug)]
pub struct CatalogEntry {
    pub name: &'static str,
    pub title: &'static str,
    pub formula: &'static str,
    pub domain: Domain,
    pub minima: &'static [Known],
    pub others: &'static [Known],
    pub finite_critical: bool,
    pub lr: f64,
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

static ALL: &[CatalogEntry] = &[
    CatalogEntry {
        name: "bowl",
        title: "Elliptic bowl",
        formula: "x^2 + 3*y^2",
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        minima: &[k(0.0, 0.0, 0.0, Kind::Minimum)],
        others: &[],
        finite_critical: true,
        lr: 0.1,
        note: "the seed's worked example",
    },
    CatalogEntry {
        name: "himmelblau",
        title: "Himmelblau's function",
        formula: "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        minima: &[
            k(3.0, 2.0, 0.0, Kind::Minimum),
            k(-2.805118086952745, 3.131312518250573, 0.0, Kind::Minimum),
            k(-3.779310253377747, -3.283185991286170, 0.0, Kind::Minimum),
            k(3.584428340330492, -1.848126526964404, 0.0, Kind::Minimum),
        ],
        others: &[],
        finite_critical: false,
        lr: 0.01,
        note: "four minima of equal value, four basins",
    },
];

pub fn all() -> &'static [CatalogEntry] {
    ALL
}

pub fn lookup(name: &str) -> Option<&'static CatalogEntry> {
    let n = name.trim().to_lowercase().replace('-', "_");
    ALL.iter().find(|e| e.name == n)
}

pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|e| e.name).collect()
}
