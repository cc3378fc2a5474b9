//! Rendering (to be written).
