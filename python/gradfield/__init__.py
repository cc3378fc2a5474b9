"""gradfield from Python: the gradient field of any f(x, y) with exact
derivatives, optimizer runs on the GPU, and the renderer, over numpy arrays.

Everything is computed by the Rust library that the ``gradfield`` command line
is built on (the native module ``gradfield._gradfield``); this file only turns
arguments and results into numpy arrays and dictionaries.

Errors: wrong input raises ``ValueError`` with the command line's one-line
message (a parse error also carries ``.column``); GPU and I/O failures raise
``RuntimeError``. The GIL is released while the library works.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _gradfield

__all__ = [
    "Function",
    "Image",
    "descend",
    "compare",
    "render",
    "record",
    "scene_toml",
    "starts",
    "adapter",
    "names",
]

__version__ = "0.1.0"

#: Status names by code, as the library numbers them.
STATUS = np.array(list(_gradfield.STATUS))

#: Optimizer hyper-parameters and their command-line defaults.
HYPER_DEFAULTS = {
    "momentum": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "alpha": 0.99,
    "eps": None,
    "clip": None,
}


def _as_float_pair(x: Any, y: Any) -> Tuple[np.ndarray, np.ndarray, Tuple[int, ...]]:
    """x and y as 1-D contiguous float64 of one length, and the broadcast shape."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        try:
            x, y = np.broadcast_arrays(x, y)
        except ValueError as e:
            raise ValueError(f"x and y do not broadcast: {e}") from None
    shape = x.shape
    return np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(y).reshape(-1), shape


def _shaped(a: np.ndarray, shape: Tuple[int, ...]) -> Any:
    a = a.reshape(shape)
    return a[()] if shape == () else a


class Function:
    """A function of x and y: a built-in name (``"himmelblau"``, see
    :func:`names`) or an expression (``"x^2 + 3*y^2"``).

    ``value``, ``grad`` and ``hessian`` take x and y that broadcast like numpy
    arrays (scalars give scalars) and evaluate the exact symbolic derivatives
    in float64 on the CPU, in parallel.
    """

    __slots__ = ("_f",)

    def __init__(self, expr_or_name: Union[str, "Function"]):
        if isinstance(expr_or_name, Function):
            self._f = expr_or_name._f
            return
        if not isinstance(expr_or_name, str):
            raise TypeError(
                f"Function takes a name or an expression (str), not {type(expr_or_name).__name__}"
            )
        self._f = _gradfield._Function(expr_or_name)

    # -- what it is ---------------------------------------------------------
    @property
    def expr(self) -> str:
        """The expression (for a built-in, its formula)."""
        return self._f.expr

    @property
    def name(self) -> Optional[str]:
        """The built-in's name, or None for an expression."""
        return self._f.name

    @property
    def title(self) -> Optional[str]:
        return self._f.title

    @property
    def text(self) -> str:
        """What it was made from (the name or the expression)."""
        return self._f.text

    @property
    def domain(self) -> Tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax): the catalogue's domain, else (-5, 5, -5, 5)."""
        return self._f.domain

    @property
    def default_lr(self) -> float:
        """The learning rate descend and compare use when none is given."""
        return self._f.default_lr

    def __str__(self) -> str:
        return self.expr

    def __repr__(self) -> str:
        return f"gradfield.Function({self.text!r})"

    def __reduce__(self):
        return (Function, (self.text,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Function) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("gradfield.Function", self.text))

    # -- numbers ------------------------------------------------------------
    def value(self, x: Any, y: Any) -> Any:
        """f(x, y)."""
        xs, ys, shape = _as_float_pair(x, y)
        (v,) = self._f._eval(0, xs, ys)
        return _shaped(v, shape)

    __call__ = value

    def grad(self, x: Any, y: Any) -> Tuple[Any, Any]:
        """(∂f/∂x, ∂f/∂y)."""
        xs, ys, shape = _as_float_pair(x, y)
        gx, gy = self._f._eval(1, xs, ys)
        return _shaped(gx, shape), _shaped(gy, shape)

    def hessian(self, x: Any, y: Any) -> Tuple[Any, Any, Any]:
        """(∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²)."""
        xs, ys, shape = _as_float_pair(x, y)
        a, b, c = self._f._eval(2, xs, ys)
        return _shaped(a, shape), _shaped(b, shape), _shaped(c, shape)

    def critical(self, domain: Optional[Sequence[float]] = None, seeds: int = 96) -> List[Dict[str, Any]]:
        """Every critical point in ``domain`` (default: :attr:`domain`), as
        ``gradfield critical --json`` lists them: dicts with x, y, value, kind,
        eigenvalues (and continuum for points of a curve of critical points)."""
        return self.critical_report(domain, seeds)["critical_points"]

    def critical_report(self, domain: Optional[Sequence[float]] = None, seeds: int = 96) -> Dict[str, Any]:
        """The whole ``critical --json`` report (points, continua, flat fraction, extrema)."""
        return json.loads(self._f._critical(_domain(domain), int(seeds)))


def _func(f: Union[str, Function]) -> Function:
    return f if isinstance(f, Function) else Function(f)


def _domain(d: Optional[Sequence[float]]) -> Optional[Tuple[float, float, float, float]]:
    if d is None:
        return None
    if isinstance(d, str):
        parts = d.split(",")
    else:
        parts = list(d)
    if len(parts) != 4:
        raise ValueError(f"domain {d!r} must be (xmin, xmax, ymin, ymax)")
    try:
        a, b, c, e = (float(v) for v in parts)
    except (TypeError, ValueError):
        raise ValueError(f"domain {d!r} must be four numbers (xmin, xmax, ymin, ymax)") from None
    return (a, b, c, e)


def _hyper(hyper: Dict[str, Any], what: str) -> Dict[str, Any]:
    unknown = sorted(set(hyper) - set(HYPER_DEFAULTS))
    if unknown:
        raise TypeError(
            f"{what}() got unexpected keyword argument(s) {', '.join(unknown)}; "
            f"optimizer parameters are {', '.join(HYPER_DEFAULTS)}"
        )
    out = dict(HYPER_DEFAULTS)
    for k, v in hyper.items():
        out[k] = None if v is None else float(v)
    if out["momentum"] is None or out["beta1"] is None or out["beta2"] is None or out["alpha"] is None:
        raise ValueError("momentum, beta1, beta2 and alpha must be numbers")
    return out


def starts(spec: str, domain: Sequence[float]) -> np.ndarray:
    """Start points as ``compare --starts`` makes them: ``grid:WxH``,
    ``random:N[:SEED]`` or a CSV file of x,y rows, over ``domain``; (N, 2)."""
    d = _domain(domain)
    return _gradfield._starts(spec, d)


def _starts_array(s: Any, f: Function, domain: Optional[Sequence[float]]) -> np.ndarray:
    if isinstance(s, str):
        return starts(s, domain if domain is not None else f.domain)
    a = np.asarray(s, dtype=np.float64)
    if a.ndim == 1 and a.shape[0] == 2:
        a = a.reshape(1, 2)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"starts must be an (N, 2) array of (x, y), got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError("no starts: give at least one (x, y)")
    return np.ascontiguousarray(a)


def _device(device: str) -> str:
    if device not in ("gpu", "cpu"):
        raise ValueError(f"device {device!r} is unknown: use \"gpu\" (f32) or \"cpu\" (f64)")
    return device


def _count(v: Any, what: str) -> int:
    if isinstance(v, bool) or int(v) != v or v < 0 or v > 2**32 - 1:
        raise ValueError(f"{what} {v!r} must be a whole number ≥ 0")
    return int(v)


def descend(
    f: Union[str, Function],
    starts: Any,
    optimizer: str = "gd",
    lr: Optional[float] = None,
    steps: int = 100,
    tol: float = 1e-6,
    device: str = "gpu",
    domain: Optional[Sequence[float]] = None,
    **hyper: Any,
) -> Dict[str, Any]:
    """Trajectories from each start, like ``gradfield descend``.

    ``starts`` is (N, 2). ``lr`` defaults to the catalogue's value for a
    built-in, else 0.01; ``hyper`` takes momentum, beta1, beta2, alpha, eps
    and clip. ``device="gpu"`` runs in f32 on the GPU (a software one if
    there is no other), ``"cpu"`` in f64.

    Returns a dict: ``points`` (N, steps + 1, 2), ``values`` (N, steps + 1),
    ``status`` (N,) strings (converged, diverged, running, flat), ``steps``
    (N,) steps taken; a run that stopped early keeps its last point in the
    rows after it. Also ``optimizer``, ``lr``, ``device`` and ``f64_reruns``.
    """
    f = _func(f)
    s = _starts_array(starts, f, domain)
    h = _hyper(hyper, "descend")
    out = _gradfield._descend(
        f._f, s, str(optimizer), None if lr is None else float(lr), _count(steps, "steps"),
        float(tol), _device(device), _domain(domain),
        h["momentum"], h["beta1"], h["beta2"], h["alpha"], h["eps"], h["clip"],
    )
    out["status"] = STATUS[out["status"]]
    out["starts"] = s
    return out


class CompareResult(dict):
    """``compare``'s result: per optimizer name a dict (see :func:`compare`);
    ``.report`` is the whole ``compare --json`` report, ``.starts`` the starts."""

    report: Dict[str, Any]
    starts: np.ndarray

    def __reduce__(self):
        return (_rebuild_compare, (dict(self), self.report, self.starts))


def _rebuild_compare(d, report, s):
    r = CompareResult(d)
    r.report = report
    r.starts = s
    return r


def _compare_result(text: str, per: List[Dict[str, Any]], s: np.ndarray) -> CompareResult:
    report = json.loads(text)
    out = CompareResult()
    for o, arrays in zip(report["optimizers"], per):
        d = dict(arrays)
        d["status"] = STATUS[d["status"]]
        d["destinations"] = o["destinations"]
        d["lr"] = o["lr"]
        for k in ("converged", "diverged", "running", "flat", "f64_reruns"):
            d[k] = o[k]
        d["step_stats"] = o["steps"]
        out[o["optimizer"]] = d
    out.report = report
    out.starts = s
    return out


def _optimizer_list(optimizers: Union[str, Iterable[str]]) -> List[str]:
    names = optimizers.split(",") if isinstance(optimizers, str) else [str(o) for o in optimizers]
    seen = set()
    for n in names:
        if n in seen:
            raise ValueError(f"optimizer '{n}' is listed twice")
        seen.add(n)
    return names


def compare(
    f: Union[str, Function],
    starts: Any,
    optimizers: Union[str, Iterable[str]] = ("gd", "adam"),
    max_steps: int = 1000,
    tol: float = 1e-4,
    device: str = "gpu",
    domain: Optional[Sequence[float]] = None,
    lr: Optional[float] = None,
    **hyper: Any,
) -> CompareResult:
    """Every optimizer from every start to the end, like ``gradfield compare``.

    ``starts`` is (N, 2) or a spec string (``"grid:64x64"``, ``"random:1000:7"``).
    Returns per optimizer name a dict with per-start arrays ``end`` (N, 2),
    ``value``, ``status``, ``steps``, ``destination`` (the destination id,
    -1 unless converged) and the report's ``destinations`` (the list of
    ``compare --json``: id, x, y, value, kind, count, fraction, mean_steps,
    outside_domain), ``converged``, ``diverged``, ``running``, ``flat``,
    ``step_stats``, ``lr`` and ``f64_reruns``.
    """
    f = _func(f)
    s = _starts_array(starts, f, domain)
    h = _hyper(hyper, "compare")
    text, per = _gradfield._compare(
        f._f, s, _optimizer_list(optimizers), None if lr is None else float(lr),
        _count(max_steps, "max_steps"), float(tol), _device(device), _domain(domain),
        h["momentum"], h["beta1"], h["beta2"], h["alpha"], h["eps"], h["clip"],
    )
    return _compare_result(text, per, s)


# -- render and record ------------------------------------------------------

#: Shorthand options (the command line's scene flags) and the scene keys they set.
_FLAG_KEYS = {
    "colormap": ("map", "colormap"),
    "contours": ("contours", "count"),
    "contour_labels": ("contours", "labels"),
    "arrows": ("arrows", "density"),
    "optimizer": ("particles", "optimizer"),
    "lr": ("particles", "lr"),
    "steps": ("particles", "steps"),
    "trail": ("particles", "trail_length"),
    "azimuth": ("camera", "azimuth"),
    "elevation": ("camera", "elevation"),
}


def _size(v: Any) -> List[int]:
    if isinstance(v, str):
        parts = v.lower().split("x")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            return [int(parts[0]), int(parts[1])]
        raise ValueError(f"size '{v}' must be WxH in pixels, e.g. 1280x720")
    w, h = v
    return [int(w), int(h)]


def _overrides(options: Dict[str, Any]) -> Dict[str, Any]:
    """Keyword options as scene keys: the command line's flags (``particles=500``,
    ``view="split"``, ``log=True``, ...) and scene keys as in a scene file,
    tables as dicts (``camera={"zscale": 0.5}``)."""
    out: Dict[str, Any] = {}

    def put(table: str, key: str, value: Any) -> None:
        t = out.setdefault(table, {})
        if not isinstance(t, dict):
            raise ValueError(f"scene key `{table}` is a table")
        t[key] = value

    for k, v in options.items():
        if k == "size":
            out["size"] = _size(v)
        elif k == "domain":
            out["domain"] = list(_domain(v))
        elif k == "particles" and not isinstance(v, dict):
            put("particles", "count", v)
        elif k == "critical" and not isinstance(v, dict):
            put("critical", "show", bool(v))
        elif k == "log":
            if v:
                put("map", "scale", "log")
        elif k == "descent_arrows":
            if v:
                put("arrows", "direction", "descent")
        elif k == "ortho":
            if v:
                put("camera", "projection", "orthographic")
        elif k in _FLAG_KEYS:
            table, key = _FLAG_KEYS[k]
            put(table, key, v)
        elif isinstance(v, dict):
            for kk, vv in v.items():
                put(k, kk, vv)
        else:
            out[k] = v
    # As on the command line: a new optimizer without a learning rate takes its own default.
    if "optimizer" in options and "lr" not in options:
        out["particles"].setdefault("lr", None)
    return out


def _target(target: Any) -> str:
    if isinstance(target, Function):
        return target.text
    if isinstance(target, os.PathLike):
        return os.fspath(target)
    if isinstance(target, str):
        return target
    raise TypeError(f"target must be a Function, a name, an expression or a scene path, not {type(target).__name__}")


def scene_toml(target: Any, **options: Any) -> str:
    """The scene that ``render(target, **options)`` draws, as scene-file TOML."""
    return _gradfield._scene_toml(_target(target), json.dumps(_overrides(options)))


class Image(np.ndarray):
    """An (H, W, 4) uint8 RGBA frame; shows itself in Jupyter (``_repr_png_``)."""

    warning: Optional[str] = None

    def _repr_png_(self) -> Optional[bytes]:
        if self.ndim != 3 or self.shape[2] != 4 or self.dtype != np.uint8:
            return None
        h, w = self.shape[:2]
        return bytes(_gradfield._png(np.ascontiguousarray(self).reshape(-1), w, h))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the frame as a PNG file (atomically, like ``render -o``)."""
        h, w = self.shape[:2]
        _gradfield._save_png(np.ascontiguousarray(self, dtype=np.uint8).reshape(-1), w, h, os.fspath(path))


def render(target: Any, **options: Any) -> Image:
    """One frame like ``gradfield render``: ``target`` is a Function, a
    built-in name, an expression or a scene file (.toml); ``options`` are the
    scene's keys and the command line's flags (``view="split"``,
    ``particles=500``, ``size=(640, 480)``, ``steps=50``, ``critical=True``,
    ``camera={"zscale": 0.5}``). Returns an (H, W, 4) uint8 :class:`Image`."""
    arr, warning = _gradfield._render(_target(target), json.dumps(_overrides(options)))
    img = arr.view(Image)
    img.warning = warning
    return img


def record(
    target: Any,
    path: Union[str, os.PathLike],
    frames: Optional[int] = None,
    fps: Optional[float] = None,
    steps_per_frame: Optional[int] = None,
    orbit: Optional[float] = None,
    sweep: Optional[Union[str, Dict[str, Any]]] = None,
    dither: bool = False,
    crf: Optional[int] = None,
    **options: Any,
) -> Dict[str, Any]:
    """An animation like ``gradfield record``: OUT.gif, OUT.mp4, OUT.webm or
    DIR/ (PNG frames). ``sweep`` is ``"lr:0.001:0.05[:log]"`` or a dict of
    the scene's ``[record.sweep]``; ``options`` as for :func:`render`.
    Returns frames, seconds, bytes and fps (the rate the output plays at)."""
    rec: Dict[str, Any] = {}
    if "steps" in options:
        raise ValueError(
            "steps: a recording starts from the start state (frame 0) and runs "
            "steps_per_frame steps between frames; steps is for render"
        )
    for k, v in (("frames", frames), ("fps", fps), ("steps_per_frame", steps_per_frame), ("orbit", orbit)):
        if v is not None:
            rec[k] = v
    if sweep is not None:
        if isinstance(sweep, str):
            parts = sweep.split(":")
            if len(parts) not in (3, 4):
                raise ValueError(f"sweep '{sweep}': expected PARAM:FROM:TO[:log], e.g. lr:0.001:0.05")
            try:
                lo, hi = float(parts[1]), float(parts[2])
            except ValueError:
                raise ValueError(f"sweep '{sweep}': FROM and TO must be numbers") from None
            sweep = {"param": parts[0], "from": lo, "to": hi, "log": len(parts) == 4 and parts[3] == "log"}
        rec["sweep"] = sweep
    if crf is not None:
        ext = os.fspath(path).lower().rsplit(".", 1)[-1]
        top = {"mp4": 51, "webm": 63}.get(ext, 63)
        if isinstance(crf, bool) or int(crf) != crf or not 0 <= crf <= top:
            raise ValueError(f"crf {crf} is out of range for .{ext}: 0 to {top}")
    over = _overrides(options)
    if rec:
        over.setdefault("record", {}).update(rec)
    n, secs, nbytes, fps_out = _gradfield._record(
        _target(target), os.fspath(path), json.dumps(over), bool(dither), None if crf is None else int(crf)
    )
    return {"frames": n, "seconds": secs, "bytes": nbytes, "fps": fps_out, "path": os.fspath(path)}


def adapter() -> str:
    """The GPU adapter gradfield uses, in words."""
    return _gradfield._adapter()


def names() -> List[str]:
    """Every built-in function name."""
    return list(_gradfield._names())
