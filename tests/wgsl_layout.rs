//! Every Rust struct that is uploaded to a shader has the same layout as its
//! WGSL twin: the same member names in the same order, at the same byte
//! offsets, and the same size, as naga computes them from the real shader
//! source. (No GPU needed.)

use gradfield::gpu::{field, particles};
use gradfield::render::layers::{CompositeUniform, LayerUniform};
use gradfield::render::{particles::ChunkUniform, surface::MeshUniform, ViewUniform};
use gradfield::Function;
use std::mem::{offset_of, size_of};

/// (member name, offset) of struct `name` in `module`, and its size.
fn wgsl_layout(module: &naga::Module, name: &str) -> (Vec<(String, u32)>, u32) {
    let (_, ty) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no struct {name} in the shader"));
    match &ty.inner {
        naga::TypeInner::Struct { members, span } => (
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
            *span,
        ),
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

macro_rules! rust_layout {
    ($t:ty; $($f:ident),+ $(,)?) => {
        (
            vec![$((stringify!($f).to_string(), offset_of!($t, $f) as u32)),+],
            size_of::<$t>() as u32,
        )
    };
}

fn check(src: &str, wgsl_name: &str, rust: (Vec<(String, u32)>, u32)) {
    let module = gradfield::gpu::validate_wgsl(wgsl_name, src).expect("the shader validates");
    let (members, span) = wgsl_layout(&module, wgsl_name);
    assert_eq!(members, rust.0, "{wgsl_name}: members and offsets");
    assert_eq!(span, rust.1, "{wgsl_name}: size");
}

fn func() -> Function {
    Function::parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2").unwrap()
}

#[test]
fn particle_state_and_step_parameters_match_the_compute_shader() {
    use gradfield::optim::{Optimizer, OptimizerKind, Schedule};
    // The largest variant: newton with a schedule and noise (every part included).
    let opt = Optimizer {
        schedule: Schedule::Exp { gamma: 0.99 },
        noise: 0.1,
        ..Optimizer::new(OptimizerKind::Newton, 1.0)
    };
    let src = particles::shader_source(&func(), &opt, true);
    check(
        &src,
        "Particle",
        rust_layout!(particles::Particle; pos, m, v, value, grad_norm, steps, status),
    );
    check(
        &src,
        "StepParams",
        rust_layout!(particles::StepParams; lr, momentum, beta1, beta2, alpha, eps, clip, tol, bounds, count,
            iters, max_steps, trail_len, trail_stride, groups_x, index_base, noise, sched_a, sched_b,
            sched_n, seed_lo, seed_hi, _pad0, _pad1, _pad2),
    );
}

#[test]
fn field_parameters_match_the_field_shader() {
    let src = gradfield::gpu::compose(&[&func().wgsl(), field::SHADER]);
    check(
        &src,
        "FieldParams",
        rust_layout!(field::FieldParams; origin, step, width, rows, row_offset, _pad),
    );
}

#[test]
fn render_uniforms_match_the_render_shaders() {
    let sources = gradfield::render::shader_sources(&func());
    let find = |name: &str| {
        sources
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no shader {name}"))
            .1
            .clone()
    };
    let view = rust_layout!(ViewUniform; view_proj, panel, plot, domain, world, range, contour, contour_mode,
        eye, nonfinite, background, arrows, three_d, log_scale, arrow_sign, particle_size, levels);
    for (name, src) in &sources {
        // The composite takes no view: it is expression- and panel-independent.
        if src.contains("struct View") {
            check(&find(name), "View", view.clone());
        } else {
            assert_eq!(*name, "layer_composite", "{name} has no View");
        }
    }
    check(
        &find("layer_splat"),
        "Layer",
        rust_layout!(LayerUniform; clip, origin, size, count, trail_len, trail_stride, panel,
            from_sample, epoch, depth_test, radius, depth_row, _pad0, _pad1, _pad2),
    );
    check(
        &find("layer_composite"),
        "Comp",
        rust_layout!(CompositeUniform; clip, size, panels, count, trail_len, trail_stride,
            epoch, radius),
    );
    let particles = find("render_particles");
    check(
        &particles,
        "Chunk",
        rust_layout!(ChunkUniform; count, trail_len, trail_stride, _pad),
    );
    // The render shaders read the engine's particles through their own twin.
    check(
        &particles,
        "Particle",
        rust_layout!(particles::Particle; pos, m, v, value, grad_norm, steps, status),
    );
    let surface = find("render_surface");
    let module = gradfield::gpu::validate_wgsl("surface", &surface).unwrap();
    let (members, span) = wgsl_layout(&module, "Mesh");
    assert_eq!(
        members[0],
        ("res".to_string(), offset_of!(MeshUniform, res) as u32)
    );
    assert_eq!(span, size_of::<MeshUniform>() as u32);
}
