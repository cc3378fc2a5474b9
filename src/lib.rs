//! gradfield: the gradient field of any f(x, y), exact derivatives, GPU particles.
pub mod expr;
