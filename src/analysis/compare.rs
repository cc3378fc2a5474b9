//! Many-start comparison (to be written).
