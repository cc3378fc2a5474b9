//! Recording (to be written).
