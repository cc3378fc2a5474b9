//! Scenes that more than one part of gradfield starts from.

use crate::error::Result;
use crate::scene::{Scale, Scene, Start, View};

/// What `gradfield view` shows without a target: Himmelblau in the split
/// view, 2048 particles from random starts with 32-point trails, at 1280×720
/// (also `bench --case frame/default-view`).
pub fn default_view() -> Result<Scene> {
    let mut s = Scene::for_function("himmelblau")?;
    s.view = View::Split;
    s.size = [1280, 720];
    s.map.scale = Scale::Log;
    s.contours.count = 14;
    s.particles.count = 2048;
    s.particles.start = Start::Random;
    s.particles.seed = 7;
    s.particles.clip = 20.0;
    s.particles.trail_length = 32;
    s.particles.trail_stride = 2;
    s.particles.size = 3.0;
    // The split view's 3D half is taller than wide: step back so the
    // surface's corners stay in it.
    s.camera.distance = 5.8;
    s.particles.steps = 0;
    s.critical.show = true;
    Ok(s)
}
