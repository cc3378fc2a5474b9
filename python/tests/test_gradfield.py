"""The Python package against the command line's JSON, closed forms and the
seed texts' worked examples."""

import math
from pathlib import Path

import numpy as np
import pytest

import gradfield
from gradfield import Function


# -- Function: values and derivatives -----------------------------------------


def test_seed_bowl_closed_form_broadcasts_like_numpy():
    # "Gradient as Steepest Ascent Direction": f = x² + 3y², ∇f(1, 2) = (2, 12), H = diag(2, 6).
    f = Function("x^2 + 3*y^2")
    assert str(f) == "x^2 + 3*y^2" and f.expr == "x^2 + 3*y^2" and f.name is None
    assert f.grad(1, 2) == (2.0, 12.0)
    assert f.hessian(1, 2) == (2.0, 0.0, 6.0)
    assert f.value(1, 2) == 13.0 and isinstance(f.value(1, 2), float)
    # Broadcasting: a column of x against a row of y gives the outer grid.
    x = np.linspace(-2, 2, 5)[:, None]
    y = np.linspace(-1, 1, 7)[None, :]
    v = f.value(x, y)
    gx, gy = f.grad(x, y)
    assert v.shape == gx.shape == gy.shape == (5, 7)
    # Exact arithmetic of the same operations: x*x + 3*(y*y), 2x and 6y are
    # exact or correctly rounded alike in f64, so equality holds (measured: 0 ulp).
    np.testing.assert_array_equal(v, x * x + 3 * (y * y))
    np.testing.assert_array_equal(gx, np.broadcast_to(2 * x, (5, 7)))
    np.testing.assert_array_equal(gy, np.broadcast_to(6 * y, (5, 7)))
    # A scalar against an array, and non-contiguous input.
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    np.testing.assert_array_equal(f.value(a, 0.5), a * a + 0.75)


def test_rosenbrock_against_closed_form():
    f = Function("rosenbrock")
    assert f.name == "rosenbrock"
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 10_000)
    y = rng.uniform(-1, 3, 10_000)
    gx, gy = f.grad(x, y)
    hxx, hxy, hyy = f.hessian(x, y)
    # The library simplifies its symbolic derivatives; the hand-written forms
    # round differently. Largest relative difference measured over these
    # points: ~3e-15 (gradient) and ~2e-15 (Hessian); 1e-12 leaves room.
    np.testing.assert_allclose(gx, -2 * (1 - x) - 400 * x * (y - x**2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, 200 * (y - x**2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hxx, 2 - 400 * (y - x**2) + 800 * x**2, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(hxy, -400 * x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hyy, np.full_like(x, 200.0))
    np.testing.assert_allclose(f.value(x, y), (1 - x) ** 2 + 100 * (y - x**2) ** 2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "expr,at",
    [
        ("himmelblau", (-0.27, -0.92)),
        ("sin(x)*cos(y) + x^3/(1+y^2) - atan2(y, x)", (0.7, -1.3)),
        ("x^2 + 3*y^2", (1, 2)),
    ],
)
def test_value_grad_hessian_equal_eval_json(cli, expr, at):
    f = Function(expr)
    j = cli("eval", expr, "--at", f"{at[0]},{at[1]}", "--json", json_out=True)
    # The same tape, the same operations: bit for bit (JSON round-trips f64).
    assert f.value(*at) == j["value"]
    assert list(f.grad(*at)) == j["gradient"]
    hxx, hxy, hyy = f.hessian(*at)
    assert [[hxx, hxy], [hxy, hyy]] == j["hessian"]
    assert j["function"] == f.expr


def test_domain_and_critical_match_cli(cli):
    f = Function("himmelblau")
    j = cli("critical", "himmelblau", "--json", json_out=True)
    assert list(f.domain) == j["domain"]
    pts = f.critical()
    assert pts == j["critical_points"]
    assert {p["kind"] for p in pts} == {"minimum", "maximum", "saddle"}
    assert sum(p["kind"] == "minimum" for p in pts) == 4
    # Another domain, as --domain gives it.
    j2 = cli("critical", "x^2 - y^2", "--domain", "-1,1,-2,2", "--json", json_out=True)
    assert Function("x^2 - y^2").critical(domain=(-1, 1, -2, 2)) == j2["critical_points"]
    assert set(j2["critical_points"][0]) == {"x", "y", "value", "kind", "eigenvalues"}


# -- descend --------------------------------------------------------------------

# "Why Does the Gradient Point Upwards?": gradient ascent on f = -(x² + y²) + 4
# from (1, 1), lr 0.1, 10 steps; the text prints every point (x_k = 0.8^k).
SEED_ASCENT = [1, 0.8, 0.64, 0.512, 0.4096, 0.32768, 0.26214400000000004,
               0.20971520000000005, 0.16777216000000003, 0.13421772800000004,
               0.10737418240000003]


def test_descend_seed_ascent_cpu_reproduces_the_text():
    r = gradfield.descend("-(x^2 + y^2) + 4", [[1.0, 1.0]], optimizer="ascent", lr=0.1,
                          steps=10, tol=0, device="cpu")
    assert r["points"].shape == (1, 11, 2) and r["values"].shape == (1, 11)
    assert list(r["status"]) == ["running"] and list(r["steps"]) == [10]
    # The text's own arithmetic (x + lr·(−2x)) in f64; the library's update
    # rounds the same way here (measured: identical to the last bit, 0 ulp).
    np.testing.assert_array_equal(r["points"][0, :, 0], SEED_ASCENT)
    np.testing.assert_array_equal(r["points"][0, :, 1], SEED_ASCENT)
    np.testing.assert_allclose(r["points"][0, :, 0], 0.8 ** np.arange(11), rtol=1e-15)
    np.testing.assert_allclose(r["values"][0], 4 - 2 * 0.8 ** (2 * np.arange(11)), rtol=1e-15)


def test_descend_seed_ascent_gpu_and_cli(cli):
    starts = np.array([[1.0, 1.0], [-2.0, 0.5]])
    r = gradfield.descend("-(x^2 + y^2) + 4", starts, optimizer="ascent", lr=0.1, steps=10, tol=0)
    assert r["device"].startswith("gpu")
    # f32 on the GPU: 0.8^k to f32 rounding (measured max relative error 2.4e-7).
    k = np.arange(11)
    np.testing.assert_allclose(r["points"][0, :, 0], 0.8**k, rtol=1e-6)
    np.testing.assert_allclose(r["points"][1, :, 0], -2 * 0.8**k, rtol=1e-6)
    np.testing.assert_allclose(r["points"][1, :, 1], 0.5 * 0.8**k, rtol=1e-6)
    j = cli("descend", "-(x^2 + y^2) + 4", "--from", "1,1", "--from", "-2,0.5",
            "--optimizer", "ascent", "--lr", "0.1", "--steps", "10", "--tol", "0", "--json",
            json_out=True)
    for t, tr in enumerate(j["trajectories"]):
        # The same GPU run: the command prints the f32 values (shortest form), which
        # read back as f32 are exactly the f32 values the package widened to f64.
        assert r["points"].dtype == np.float64
        np.testing.assert_array_equal(r["points"][t].astype(np.float32), np.array(tr["points"], dtype=np.float32))
        np.testing.assert_array_equal(r["values"][t].astype(np.float32), np.array(tr["values"], dtype=np.float32))
        np.testing.assert_array_equal(r["points"][t], r["points"][t].astype(np.float32).astype(np.float64))
        assert r["status"][t] == tr["status"] and r["steps"][t] == tr["steps"]


def test_descend_stops_early_and_pads_with_the_last_point():
    # Descent on the bowl with tol 1e-3 converges before 200 steps; later rows repeat the end.
    r = gradfield.descend("x^2 + y^2", [[8.0, 8.0]], lr=0.1, steps=200, tol=1e-3, device="cpu")
    n = int(r["steps"][0])
    assert r["status"][0] == "converged" and 0 < n < 200
    assert r["points"].shape == (1, 201, 2)
    np.testing.assert_array_equal(r["points"][0, n:], np.broadcast_to(r["points"][0, n], (201 - n, 2)))
    g = math.hypot(*Function("x^2 + y^2").grad(*r["points"][0, n]))
    assert g < 1e-3


# -- compare ---------------------------------------------------------------------

HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]


def _minima_found(dests):
    found = []
    for m in HIMMELBLAU_MINIMA:
        hit = [d for d in dests if d["kind"] == "minimum" and math.hypot(d["x"] - m[0], d["y"] - m[1]) < 1e-5]
        assert len(hit) == 1, (m, dests)
        found.append(hit[0])
    return found


def test_compare_himmelblau_finds_its_four_minima(cli):
    r = gradfield.compare("himmelblau", "grid:16x16", optimizers=["gd", "adam"], max_steps=2000)
    assert set(r) == {"gd", "adam"}
    j = cli("compare", "himmelblau", "--starts", "grid:16x16", "--optimizer", "gd,adam",
            "--max-steps", "2000", "--json", "-", "-q", json_out=True)
    for o, name in zip(j["optimizers"], ["gd", "adam"]):
        res = r[name]
        assert res["end"].shape == (256, 2)
        for k in ("value", "status", "steps", "destination"):
            assert res[k].shape == (256,)
        # The same GPU runs and the same clustering as the command.
        assert res["destinations"] == o["destinations"]
        assert res["converged"] == o["converged"]
        found = _minima_found(res["destinations"])
        # Every start that converged went to one of them, as its destination id says.
        conv = res["status"] == "converged"
        assert np.all(res["destination"][conv] >= 0) and np.all(res["destination"][~conv] == -1)
        counts = np.bincount(res["destination"][conv])
        for d in res["destinations"]:
            assert counts[d["id"]] == d["count"]
        # Polished minima: f = 0 to rounding (measured |f| < 1e-20).
        assert all(abs(d["value"]) < 1e-12 for d in found)
    # The CPU (f64) reference finds the same four.
    c = gradfield.compare("himmelblau", "grid:16x16", optimizers="gd", max_steps=2000, device="cpu")
    _minima_found(c["gd"]["destinations"])


# -- render and record ---------------------------------------------------------


def test_render_matches_the_command_line(cli, tmp_path):
    opts = dict(view="split", size=(320, 200), particles=64, steps=30, contours=8)
    img = gradfield.render("himmelblau", **opts)
    assert isinstance(img, gradfield.Image)
    assert img.shape == (200, 320, 4) and img.dtype == np.uint8
    out = tmp_path / "h.png"
    cli("render", "himmelblau", "--view", "split", "--size", "320x200", "--particles", "64",
        "--steps", "30", "--contours", "8", "-o", out)
    png = img._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    again = tmp_path / "again.png"
    again.write_bytes(png)
    ref = _load_png(out)
    # The same renderer on the same adapter: identical pixels (measured: 0 differ).
    np.testing.assert_array_equal(np.asarray(img), ref)
    np.testing.assert_array_equal(_load_png(again), ref)
    # Not a blank frame: the heatmap spans many colours.
    assert len(np.unique(ref.reshape(-1, 4), axis=0)) > 500


def test_render_scene_file_and_scene_keys(cli, scenes, tmp_path):
    scene = scenes / "gradient-upwards-descent.toml"
    img = gradfield.render(scene, size=(400, 200), camera={"azimuth": -30.0})
    out = tmp_path / "s.png"
    cli("render", scene, "--size", "400x200", "--azimuth", "-30", "-o", out)
    np.testing.assert_array_equal(np.asarray(img), _load_png(out))
    toml = gradfield.scene_toml(scene, size=(400, 200))
    assert "size = [\n    400,\n    200,\n]" in toml or "size = [400, 200]" in toml


def test_record_writes_png_frames(tmp_path):
    out = tmp_path / "frames"
    st = gradfield.record("x^2 + y^2", str(out) + "/", frames=3, size=(96, 64), particles=4)
    assert st["frames"] == 3
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 and all(f.endswith(".png") for f in files)
    first = _load_png(out / files[0])
    assert first.shape == (64, 96, 4)


def _load_png(path):
    """RGBA8 PNG → (H, W, 4) with the standard library (zlib) only."""
    import struct
    import zlib

    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 6, "RGBA8 expected"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * 4
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for r in range(h):
        ft = raw[r * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=r * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        if ft == 0:
            cur = line
        elif ft == 2:
            cur = (line + prev) & 255
        else:
            for i in range(stride):
                a = cur[i - 4] if i >= 4 else 0
                b = prev[i]
                c = prev[i - 4] if i >= 4 else 0
                if ft == 1:
                    p = a
                elif ft == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (line[i] + p) & 255
        out[r] = cur
        prev = cur
    return out.reshape(h, w, 4)


# -- errors ----------------------------------------------------------------------


def test_bad_expression_raises_value_error_with_the_column(cli):
    with pytest.raises(ValueError) as e:
        Function("x^2 + * y")
    p = cli("eval", "x^2 + * y", "--at", "0,0", check=False)
    assert p.returncode == 2
    # The command's one line, without its "error: " prefix and caret picture.
    assert str(e.value) in p.stderr
    assert "column 7" in str(e.value) and e.value.column == 7


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="did you mean 'himmelblau'"):
        Function("himmelblu")
    with pytest.raises(ValueError, match="unknown optimizer|optimizer"):
        gradfield.descend("x^2", [[1, 1]], optimizer="sgd-ish", device="cpu")
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        gradfield.descend("x^2", np.zeros((3, 3)), device="cpu")
    with pytest.raises(ValueError, match="tol"):
        gradfield.compare("x^2 + y^2", [[1, 1]], tol=-1, device="cpu")
    with pytest.raises(ValueError, match="device"):
        gradfield.descend("x^2", [[1, 1]], device="tpu")
    with pytest.raises(ValueError, match="size 10x10 is out of range"):
        gradfield.render("x^2", size=(10, 10))
    with pytest.raises(ValueError, match="unknown field `bogus`"):
        gradfield.render("x^2", bogus=1)
    with pytest.raises(ValueError, match="x and y do not broadcast"):
        Function("x").value(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="unexpected keyword"):
        gradfield.descend("x^2", [[1, 1]], device="cpu", mommentum=0.5)


def test_io_failure_is_runtime_error(tmp_path):
    with pytest.raises(RuntimeError):
        gradfield.Image(np.zeros((64, 64, 4), dtype=np.uint8).shape, dtype=np.uint8).save(
            tmp_path / "no-such-dir" / "x.png"
        )


def test_functions_pickle_for_workers():
    import pickle

    f = pickle.loads(pickle.dumps(Function("himmelblau")))
    assert f.name == "himmelblau" and f.value(3, 2) == 0.0
