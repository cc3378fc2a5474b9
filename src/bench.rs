//! Benchmarks (to be written).
