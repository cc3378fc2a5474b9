//! Scene files (to be written).
