#!/usr/bin/env python3
"""gradfield.Function.grad on 10^6 points beside the same gradient written by
hand in numpy, measured in the same run on the same float64 arrays.

    python bench/python_grad.py [--points N] [--repeats R] [--json]

Per function: the median seconds of R runs of each side (after one warm-up
run; the two sides alternate), the ratio numpy / gradfield (above 1: gradfield is faster) and the
largest relative difference between the two results (both are f64; the
hand-written forms round differently from the library's simplified ones).
Needs the package installed (`pip install ./python`).
"""

import argparse
import json
import os
import statistics
import time

import numpy as np

import gradfield


def rosenbrock(x, y):
    t = y - x**2
    return -2 * (1 - x) - 400 * x * t, 200 * t


def himmelblau(x, y):
    a = x**2 + y - 11
    b = x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def bowl(x, y):
    return 2 * x, 6 * y


def trig(x, y):
    # f = sin(x)·cos(y) + exp(−(x² + y²)/4)
    e = np.exp(-(x**2 + y**2) / 4)
    return np.cos(x) * np.cos(y) - 0.5 * x * e, -np.sin(x) * np.sin(y) - 0.5 * y * e


CASES = [
    ("rosenbrock", "rosenbrock", rosenbrock),
    ("himmelblau", "himmelblau", himmelblau),
    ("x^2 + 3*y^2", "x^2 + 3*y^2", bowl),
    ("sin/cos/exp", "sin(x)*cos(y) + exp(-(x^2 + y^2)/4)", trig),
]


def timed_pair(a, b, repeats):
    """Median seconds of a and of b, run alternately (a shared, busy machine
    drifts; alternating gives both sides the same conditions)."""
    a(), b()  # warm-up: thread pool start, first page faults
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, a.points)
    y = rng.uniform(-2, 2, a.points)
    rows = []
    for label, text, numpy_grad in CASES:
        f = gradfield.Function(text)
        g = f.grad(x, y)
        h = numpy_grad(x, y)
        err = max(
            float(np.max(np.abs(gi - hi) / np.maximum(np.abs(hi), 1e-300 + np.abs(hi).max() * 1e-12)))
            for gi, hi in zip(g, h)
        )
        t_gf, t_np = timed_pair(lambda: f.grad(x, y), lambda: numpy_grad(x, y), a.repeats)
        rows.append(
            {
                "function": label,
                "points": a.points,
                "gradfield_s": t_gf,
                "numpy_s": t_np,
                "ratio_numpy_over_gradfield": t_np / t_gf,
                "max_rel_difference": err,
            }
        )
    if a.json:
        print(json.dumps({"cpus": os.cpu_count(), "numpy": np.__version__, "cases": rows}, indent=2))
        return
    print(f"Function.grad vs hand-written numpy, {a.points} float64 points, median of {a.repeats}, "
          f"{os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"{'function':<14} {'gradfield ms':>13} {'numpy ms':>10} {'numpy/gradfield':>16} {'max rel diff':>13}")
    for r in rows:
        print(f"{r['function']:<14} {1e3 * r['gradfield_s']:>13.2f} {1e3 * r['numpy_s']:>10.2f} "
              f"{r['ratio_numpy_over_gradfield']:>15.2f}x {r['max_rel_difference']:>13.1e}")


if __name__ == "__main__":
    main()
