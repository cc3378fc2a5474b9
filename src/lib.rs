//! gradfield: the gradient field of any f(x, y), exact derivatives, GPU particles.

// `!(a > b)` is how this crate says "not greater, or NaN": the checks are
// written to reject NaN, which `a <= b` would let through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
pub mod analysis;
/// What the command line does around the library, without clap or printing:
/// the entry points of the Python package (python/).
pub mod api;
/// The harness behind `gradfield bench` (GPU passes beside the CPU
/// reference and numpy). Not part of the library's API: the binary, the
/// tests and the benches use it, and it changes with them.
#[doc(hidden)]
pub mod bench;
pub mod catalog;
pub mod cpu;
pub mod csvio;
pub mod domain;
pub mod error;
pub mod expr;
pub mod gpu;
pub mod image;
pub mod io;
pub mod optim;
pub mod presets;
pub mod record;
pub mod render;
pub mod scene;
pub mod text;

pub use domain::{Domain, Grid};
pub use error::{Error, Result};
pub use expr::Function;
