//! Critical-point search (to be written).
