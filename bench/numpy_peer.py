#!/usr/bin/env python3
"""numpy peer for `gradfield bench`: the same grid and particle cases in numpy
float32, vectorised over all points / particles, printed as JSON on stdout.

    python3 bench/numpy_peer.py [--quick] [--repeats N] [--only "NAME SIZE" ...]

Cases and names match src/bench.rs (the binary embeds this file and runs it):
- field/<fn> WxW: f, fx, fy and |grad f| on a W x W linspace grid (the grid
  coordinates are built before timing; the GPU computes them in the shader).
- particles/<opt>/<fn> 2^k x S: S steps of gd or adam (PyTorch's rules, as in
  src/optim.rs) for 2^k particles on a grid of starts. Like a typical numpy
  script, it has no per-particle stopping tests (gradfield checks divergence and
  convergence every step), so it does slightly less work per step.
Figures are work units per second: median, min, max over the repeats.
"""
import argparse
import json
import platform
import sys
import time

import numpy as np

F32 = np.float32


def rosenbrock_fg(x, y):
    # f = (1-x)^2 + 100 (y-x^2)^2
    a = 1 - x
    d = y - x * x
    f = a * a + F32(100) * d * d
    fx = F32(-2) * a - F32(400) * x * d
    fy = F32(200) * d
    return f, fx, fy


def himmelblau_fg(x, y):
    # f = (x^2+y-11)^2 + (x+y^2-7)^2
    a = x * x + y - F32(11)
    b = x + y * y - F32(7)
    f = a * a + b * b
    fx = F32(4) * x * a + F32(2) * b
    fy = F32(2) * a + F32(4) * y * b
    return f, fx, fy


FUNCS = {
    "rosenbrock": (rosenbrock_fg, (-2.0, 2.0, -1.0, 3.0), 1e-4, 0.01),
    "himmelblau": (himmelblau_fg, (-5.0, 5.0, -5.0, 5.0), 0.005, 0.05),
}


def stats(rates):
    rates = sorted(rates)
    n = len(rates)
    med = rates[n // 2] if n % 2 else 0.5 * (rates[n // 2 - 1] + rates[n // 2])
    return {"median": med, "min": rates[0], "max": rates[-1]}


def timed(repeats, work, fn):
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        rates.append(work / max(time.perf_counter() - t, 1e-9))
    return stats(rates)


def field_case(name, side, repeats):
    fg, (x0, x1, y0, y1), _, _ = FUNCS[name]
    xs = np.linspace(x0, x1, side, dtype=F32)
    ys = np.linspace(y0, y1, side, dtype=F32)
    X, Y = np.meshgrid(xs, ys)

    def run():
        f, fx, fy = fg(X, Y)
        n = np.sqrt(fx * fx + fy * fy)
        return f, fx, fy, n

    run()
    return {"name": f"field/{name}", "size": f"{side}x{side}", **timed(repeats, side * side, run)}


def starts(domain, n):
    x0, x1, y0, y1 = domain
    side = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    i, j = k % side, k // side
    x = (x0 + (x1 - x0) * (i + 0.5 + 0.013) / side).astype(F32)
    y = (y0 + (y1 - y0) * (j + 0.5 + 0.029) / side).astype(F32)
    return x, y


def particle_case(opt, name, log2, steps, repeats):
    fg, domain, lr_gd, lr_adam = FUNCS[name]
    n = 1 << log2
    x_start, y_start = starts(domain, n)

    def gd():
        x, y = x_start.copy(), y_start.copy()
        lr = F32(lr_gd)
        for _ in range(steps):
            _, gx, gy = fg(x, y)
            x -= lr * gx
            y -= lr * gy
        return x, y

    def adam():
        x, y = x_start.copy(), y_start.copy()
        lr, b1, b2, eps = F32(lr_adam), F32(0.9), F32(0.999), F32(1e-8)
        mx, my = np.zeros_like(x), np.zeros_like(y)
        vx, vy = np.zeros_like(x), np.zeros_like(y)
        for t in range(1, steps + 1):
            _, gx, gy = fg(x, y)
            mx = b1 * mx + (1 - b1) * gx
            my = b1 * my + (1 - b1) * gy
            vx = b2 * vx + (1 - b2) * gx * gx
            vy = b2 * vy + (1 - b2) * gy * gy
            bc1 = F32(1 - 0.9**t)
            bc2 = F32(np.sqrt(1 - 0.999**t))
            x -= (lr / bc1) * mx / (np.sqrt(vx) / bc2 + eps)
            y -= (lr / bc1) * my / (np.sqrt(vy) / bc2 + eps)
        return x, y

    run = gd if opt == "gd" else adam
    return {
        "name": f"particles/{opt}/{name}",
        "size": f"2^{log2} x {steps}",
        **timed(repeats, n * steps, run),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", action="append", default=[], help='run only this case ("NAME SIZE"); repeatable')
    a = ap.parse_args()
    reps = max(1, a.repeats)
    if a.quick:
        fields = [("rosenbrock", 256), ("himmelblau", 256)]
        sizes, steps = [12], 20
    else:
        fields = [("rosenbrock", 1024), ("rosenbrock", 2048), ("himmelblau", 2048), ("rosenbrock", 4096)]
        sizes, steps = [16, 20], 100
    wanted = lambda name, size: not a.only or f"{name} {size}" in a.only
    cases = [field_case(n, s, reps) for n, s in fields if wanted(f"field/{n}", f"{s}x{s}")]
    for log2 in sizes:
        for name in ("rosenbrock", "himmelblau"):
            for opt in ("gd", "adam"):
                if wanted(f"particles/{opt}/{name}", f"2^{log2} x {steps}"):
                    cases.append(particle_case(opt, name, log2, steps, reps))
    json.dump({"numpy": np.__version__, "python": platform.python_version(), "cases": cases}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
