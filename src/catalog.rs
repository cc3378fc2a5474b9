//! Built-in functions (to be written).
