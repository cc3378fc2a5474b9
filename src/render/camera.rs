//! The orbit camera of the 3D view. World space: the domain mapped to
//! [−1, 1] along its longer side (centred), z up, height = zscale × (t − ½)
//! with t the position in the colour range.

use crate::scene::{Projection, Scene};
use glam::{Mat4, Vec3};

/// (view-projection, eye position, world = [centre x, centre y, 1/half-extent, zscale]).
pub fn matrices(scene: &Scene, aspect: f32) -> (Mat4, Vec3, [f32; 4]) {
    let d = scene.domain();
    let [cx, cy] = d.center();
    let half = (d.width().max(d.height()) * 0.5) as f32;
    let inv = 1.0 / half;
    let cam = &scene.camera;
    let world = [cx as f32, cy as f32, inv, cam.zscale as f32];
    let [tx, ty] = cam.target.unwrap_or([cx, cy]);
    let target = Vec3::new((tx - cx) as f32 * inv, (ty - cy) as f32 * inv, 0.0);
    let (az, el) = (
        (cam.azimuth as f32).to_radians(),
        (cam.elevation as f32).to_radians(),
    );
    let dist = cam.distance as f32;
    let eye = target + dist * Vec3::new(el.cos() * az.cos(), el.cos() * az.sin(), el.sin());
    let view = glam::camera::rh::view::look_at_mat4(eye, target, Vec3::Z);
    let aspect = aspect.max(1e-3);
    // The field of view applies to the narrower side, so a tall panel (split view) still fits.
    let mut fov = (cam.fov as f32).to_radians();
    if aspect < 1.0 {
        fov = 2.0 * ((fov * 0.5).tan() / aspect).atan();
    }
    let (near, far) = (0.01 * dist, 4.0 * dist + 4.0);
    let proj = match cam.projection {
        Projection::Perspective => {
            glam::camera::rh::proj::directx::perspective(fov, aspect, near, far)
        }
        Projection::Orthographic => {
            let h = dist * (fov * 0.5).tan();
            glam::camera::rh::proj::directx::orthographic(-h * aspect, h * aspect, -h, h, near, far)
        }
    };
    (proj * view, eye, world)
}
