#!/usr/bin/env python3
"""Peer of `gradfield record` for the frame-pipeline figures (issue 14): the
same flow animation drawn the way a matplotlib user would, with FuncAnimation
and PillowWriter.

Scene (as gradfield's `record himmelblau --size 1280x720 --view 2d
--particles N --trail 16 --frames F`): Himmelblau's function on [-5, 5]^2,
filled contours (viridis) with contour lines, a quiver of grad f, N particles
on a random start grid doing gradient descent (lr 0.01, 1 step per frame) with
their last 16 trail samples (stride 2) drawn as fading line segments, and the
particles as dots. Prints one line: frames, seconds, fps.

Usage: python3 bench/matplotlib_flow.py [N] [FRAMES] [OUT.gif]
"""
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402


def f(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def grad(x, y):
    a = x * x + y - 11
    b = x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 65536
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    out = sys.argv[3] if len(sys.argv) > 3 else "/tmp/matplotlib_flow.gif"
    trail, stride, lr = 16, 2, 0.01
    t0 = time.perf_counter()
    rng = np.random.default_rng(7)
    p = rng.uniform(-5, 5, size=(n, 2)).astype(np.float32)
    ring = np.repeat(p[:, None, :], trail, axis=1)
    fig, ax = plt.subplots(figsize=(12.8, 7.2), dpi=100)
    xs = np.linspace(-5, 5, 400)
    X, Y = np.meshgrid(xs, xs)
    ax.contourf(X, Y, f(X, Y), levels=40, cmap="viridis")
    ax.contour(X, Y, f(X, Y), levels=12, colors="white", linewidths=0.6)
    q = np.linspace(-5, 5, 18)
    QX, QY = np.meshgrid(q, q)
    gx, gy = grad(QX, QY)
    ax.quiver(QX, QY, gx, gy, color="white")
    ax.set_xlim(-5, 5)
    ax.set_ylim(-5, 5)
    ax.set_aspect("equal")
    ax.set_title("Himmelblau's function")
    lines = LineCollection([], linewidths=1.0)
    ax.add_collection(lines)
    dots = ax.scatter(p[:, 0], p[:, 1], s=4, c="white", edgecolors="black", linewidths=0.3)
    step = [0]

    def update(_):
        for _ in range(1):
            gx, gy = grad(p[:, 0], p[:, 1])
            p[:, 0] -= lr * gx
            p[:, 1] -= lr * gy
            step[0] += 1
            if step[0] % stride == 0:
                ring[:, (step[0] // stride) % trail] = p
        newest = (step[0] // stride) % trail
        order = (np.arange(trail) + newest + 1) % trail
        pts = ring[:, order, :]
        segs = np.stack([pts[:, :-1], pts[:, 1:]], axis=2).reshape(-1, 2, 2)
        alpha = np.tile(0.2 + 0.75 * np.arange(trail - 1) / trail, n)
        colours = np.ones((len(segs), 4))
        colours[:, 3] = alpha
        lines.set_segments(segs)
        lines.set_color(colours)
        dots.set_offsets(p)
        return lines, dots

    anim = FuncAnimation(fig, update, frames=frames, blit=False)
    anim.save(out, writer=PillowWriter(fps=30))
    dt = time.perf_counter() - t0
    print(f"matplotlib: {frames} frames in {dt:.2f} s = {frames / dt:.3f} fps")


if __name__ == "__main__":
    main()
