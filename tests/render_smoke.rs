mod common;
use gradfield::scene::{Scene, View};

#[test]
fn smoke() {
    let ctx = common::ctx();
    let mut s = Scene::for_function("(x^2 + y - 11)^2 + (x + y^2 - 7)^2").unwrap();
    s.domain = [-5.0, 5.0, -5.0, 5.0];
    s.map.scale = gradfield::scene::Scale::Log;
    s.particles.count = 100;
    s.particles.lr = Some(0.005);
    s.particles.steps = 40;
    for v in [View::TwoD, View::ThreeD, View::Split] {
        s.view = v;
        let t = std::time::Instant::now();
        let img = gradfield::render::render_scene(&ctx, &s).unwrap();
        eprintln!("{v:?} {:?}", t.elapsed());
        img.save_png(std::path::Path::new(&format!("target/smoke-{v:?}.png")))
            .unwrap();
    }
}
