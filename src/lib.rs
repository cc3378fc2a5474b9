//! gradfield: the gradient field of any f(x, y), exact derivatives, GPU particles.

// `!(a > b)` is how this crate says "not greater, or NaN": the checks are
// written to reject NaN, which `a <= b` would let through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
pub mod analysis;
pub mod api;
pub mod bench;
pub mod catalog;
pub mod domain;
pub mod error;
pub mod expr;
pub mod gpu;
pub mod image;
pub mod io;
pub mod optim;
pub mod record;
pub mod render;
pub mod scene;
pub mod text;

pub use domain::{Domain, Grid};
pub use error::{Error, Result};
pub use expr::Function;
