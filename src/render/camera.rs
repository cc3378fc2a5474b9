//! The orbit camera of the 3D view. World space: the domain mapped to
//! [−1, 1] along its longer side (centred), z up, height = zscale × (t − ½)
//! with t the position in the colour range.

use crate::scene::{Projection, Scene};
use glam::{Mat4, Vec3};

/// Distance at which [`fit`] frames the surface; a camera nearer than this
/// shows it larger (zoom), farther smaller.
const FIT_DISTANCE: f32 = 5.0;
/// Share of the panel's half-size the framed surface box may fill.
const FIT_MARGIN: f32 = 0.94;

/// (view-projection, eye position, world = [centre x, centre y, 1/half-extent, zscale]).
///
/// The projection is followed by a screen-space scale and shift that frame
/// the surface's bounding box in the panel (computed for the camera looking at
/// the domain's centre from [`FIT_DISTANCE`]), so any azimuth, elevation or
/// panel shape shows the whole surface as large as it fits; the camera's
/// distance and target then zoom and pan from there.
pub fn matrices(scene: &Scene, aspect: f32) -> (Mat4, Vec3, [f32; 4]) {
    let d = scene.domain();
    let [cx, cy] = d.center();
    let half = (d.width().max(d.height()) * 0.5) as f32;
    let inv = 1.0 / half;
    let cam = &scene.camera;
    let world = [cx as f32, cy as f32, inv, cam.zscale as f32];
    let [tx, ty] = cam.target.unwrap_or([cx, cy]);
    let target = Vec3::new((tx - cx) as f32 * inv, (ty - cy) as f32 * inv, 0.0);
    let aspect = aspect.max(1e-3);
    let (proj_view, eye) = look(scene, aspect, target, cam.distance as f32);
    // The box the surface lives in: the domain in world units, heights up to
    // zscale × (±0.52) (the colour range plus the clip margin).
    let (wx, wy) = (d.width() as f32 * 0.5 * inv, d.height() as f32 * 0.5 * inv);
    let wz = cam.zscale as f32 * 0.52;
    let (fit_pv, _) = look(scene, aspect, Vec3::ZERO, FIT_DISTANCE);
    let (mut lo, mut hi) = (glam::Vec2::splat(f32::MAX), glam::Vec2::splat(f32::MIN));
    for k in 0..8 {
        let corner = Vec3::new(
            if k & 1 == 0 { -wx } else { wx },
            if k & 2 == 0 { -wy } else { wy },
            if k & 4 == 0 { -wz } else { wz },
        );
        let c = fit_pv * corner.extend(1.0);
        if c.w <= 1e-6 {
            // A corner behind the fitting camera: leave the projection as it is.
            return (proj_view, eye, world);
        }
        let n = glam::Vec2::new(c.x / c.w, c.y / c.w);
        lo = lo.min(n);
        hi = hi.max(n);
    }
    let centre = (lo + hi) * 0.5;
    let extent = ((hi - lo) * 0.5).max_element().max(1e-6);
    let scale = FIT_MARGIN / extent;
    // NDC' = scale · (NDC − centre): in clip space x' = scale·(x − centre·w).
    let fit = Mat4::from_cols(
        glam::Vec4::new(scale, 0.0, 0.0, 0.0),
        glam::Vec4::new(0.0, scale, 0.0, 0.0),
        glam::Vec4::new(0.0, 0.0, 1.0, 0.0),
        glam::Vec4::new(-scale * centre.x, -scale * centre.y, 0.0, 1.0),
    );
    (fit * proj_view, eye, world)
}

/// Projection × view of the orbit camera at `dist` from `target`, and the eye.
fn look(scene: &Scene, aspect: f32, target: Vec3, dist: f32) -> (Mat4, Vec3) {
    let cam = &scene.camera;
    let (az, el) = (
        (cam.azimuth as f32).to_radians(),
        (cam.elevation as f32).to_radians(),
    );
    let eye = target + dist * Vec3::new(el.cos() * az.cos(), el.cos() * az.sin(), el.sin());
    let view = glam::camera::rh::view::look_at_mat4(eye, target, Vec3::Z);
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
    (proj * view, eye)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every corner of the surface's box lands inside the panel, and the box
    /// fills it along one axis (to within the margin), for any camera and panel shape.
    #[test]
    fn the_surface_box_is_framed_for_any_camera_and_panel() {
        let mut scene = Scene::for_function("x^2 - y^2").unwrap();
        scene.domain = [-3.0, 5.0, -1.0, 2.0];
        for az in [-60.0, 0.0, 45.0, 135.0, 250.0] {
            for el in [5.0, 32.0, 80.0] {
                for aspect in [0.6f32, 1.0, 1.8] {
                    for ortho in [false, true] {
                        scene.camera.azimuth = az;
                        scene.camera.elevation = el;
                        scene.camera.projection = if ortho {
                            Projection::Orthographic
                        } else {
                            Projection::Perspective
                        };
                        let (pv, _, w) = matrices(&scene, aspect);
                        let (wx, wy, wz) = (4.0 * w[2], 1.5 * w[2], w[3] * 0.52);
                        let mut far = 0.0f32;
                        for k in 0..8 {
                            let p = Vec3::new(
                                if k & 1 == 0 { -wx } else { wx },
                                if k & 2 == 0 { -wy } else { wy },
                                if k & 4 == 0 { -wz } else { wz },
                            );
                            let c = pv * p.extend(1.0);
                            let n = glam::Vec2::new(c.x / c.w, c.y / c.w);
                            far = far.max(n.abs().max_element());
                        }
                        assert!(
                            (FIT_MARGIN - 1e-3..=FIT_MARGIN + 1e-3).contains(&far),
                            "az {az} el {el} aspect {aspect} ortho {ortho}: box reaches {far}"
                        );
                    }
                }
            }
        }
    }
}
