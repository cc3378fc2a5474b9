#!/usr/bin/env python3
"""Peer of `gradfield render EXPR --view 2d` for the new-expression figure
(issue 14, `bench --case frame/new-expression`): the first picture of a
function a matplotlib user has just typed: filled contours with contour lines
(contourf + contour, viridis, 20 levels), a colour bar, and a quiver of the
gradient (numpy's np.gradient on the grid, 24 x 24 arrows), on [-5, 5]^2,
saved as a PNG of the given size at 100 dpi. Timed as a whole process
(python's start and the imports included, as gradfield's process start is).

Usage: python3 bench/matplotlib_first_frame.py EXPR WxH OUT.png
EXPR uses x, y, ^, sin, cos, exp, sqrt, log, abs (gradfield's syntax).
"""
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def to_numpy(expr):
    expr = expr.replace("^", "**")
    return re.sub(r"\b(sin|cos|tan|exp|sqrt|log|abs|tanh|atan)\(", r"np.\1(", expr)


def main():
    expr, size, out = sys.argv[1], sys.argv[2], sys.argv[3]
    w, h = (int(v) for v in size.split("x"))
    code = to_numpy(expr)
    n = 400
    xs = np.linspace(-5, 5, n)
    x, y = np.meshgrid(xs, xs)
    z = eval(code, {"np": np, "x": x, "y": y})
    gy, gx = np.gradient(z, xs, xs)
    fig, ax = plt.subplots(figsize=(w / 100, h / 100), dpi=100)
    cf = ax.contourf(x, y, z, levels=20, cmap="viridis")
    ax.contour(x, y, z, levels=20, colors="k", linewidths=0.5)
    fig.colorbar(cf, ax=ax)
    k = n // 24
    ax.quiver(x[::k, ::k], y[::k, ::k], -gx[::k, ::k], -gy[::k, ::k], color="w")
    ax.set_title(f"f(x, y) = {expr}")
    ax.set_aspect("equal")
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main()
