"""Many-start comparisons spread over a Dask cluster (``dask.distributed``).

The starts are cut into chunks; each chunk is one Dask task that runs
:func:`gradfield.compare` on a worker (its GPU, or its CPU with
``device="cpu"``). The client then merges the per-start results, in start
order, and finds the destinations again over all end points with the same
library code as a single run: particles do not interact, so the merged
result equals the single run's (the same destinations with the same ids,
each count the sum of the chunks' counts, the per-start arrays concatenated).

On a real cluster, start a scheduler and workers (``dask scheduler`` on one
machine, ``dask worker scheduler:8786`` on each machine with gradfield
installed) and pass ``client=Client("scheduler:8786")``, or make that client
the default.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence, Union

import numpy as np

from . import (
    STATUS,
    CompareResult,
    Function,
    _compare_result,
    _count,
    _domain,
    _func,
    _gradfield,
    _hyper,
    _optimizer_list,
    _starts_array,
)
from . import compare as _compare

__all__ = ["compare"]


def _run_chunk(text: str, chunk: np.ndarray, optimizers: List[str], opts: dict) -> CompareResult:
    """One Dask task: a comparison over one chunk of the starts."""
    return _compare(text, chunk, optimizers=optimizers, **opts)


def _codes(status: np.ndarray) -> np.ndarray:
    out = np.zeros(len(status), dtype=np.uint8)
    for i, name in enumerate(STATUS):
        out[status == name] = i
    return out


def merge(
    f: Union[str, Function],
    parts: Sequence[CompareResult],
    optimizers: Union[str, Iterable[str]] = ("gd", "adam"),
    max_steps: int = 1000,
    tol: float = 1e-4,
    domain: Optional[Sequence[float]] = None,
    lr: Optional[float] = None,
    **hyper: Any,
) -> CompareResult:
    """One result from the results of comparisons over consecutive chunks of
    the starts (the same function and options in each)."""
    f = _func(f)
    names = _optimizer_list(optimizers)
    h = _hyper(hyper, "merge")
    if not parts:
        raise ValueError("merge: no parts")
    arrays = []
    reruns = []
    for name in names:
        rs = [p[name] for p in parts]
        arrays.append(
            (
                np.ascontiguousarray(np.concatenate([r["end"] for r in rs])),
                np.ascontiguousarray(np.concatenate([r["value"] for r in rs])),
                np.ascontiguousarray(np.concatenate([r["steps"] for r in rs]).astype(np.int64)),
                _codes(np.concatenate([r["status"] for r in rs])),
            )
        )
        reruns.append(int(sum(r["f64_reruns"] for r in rs)))
    text, per = _gradfield._merge_compare(
        f._f, names, None if lr is None else float(lr), _count(max_steps, "max_steps"),
        float(tol), _domain(domain),
        h["momentum"], h["beta1"], h["beta2"], h["alpha"], h["eps"], h["clip"],
        arrays, reruns,
    )
    starts = np.concatenate([p.starts for p in parts])
    return _compare_result(text, per, starts)


def compare(
    f: Union[str, Function],
    starts: Any,
    optimizers: Union[str, Iterable[str]] = ("gd", "adam"),
    chunk_size: int = 65536,
    client: Any = None,
    max_steps: int = 1000,
    tol: float = 1e-4,
    device: str = "gpu",
    domain: Optional[Sequence[float]] = None,
    lr: Optional[float] = None,
    **hyper: Any,
) -> CompareResult:
    """:func:`gradfield.compare` over chunks of ``chunk_size`` starts, each a
    Dask task on ``client`` (default: the current default client). Returns
    what the single run returns; ``.parts`` holds the per-chunk results."""
    try:
        from dask.distributed import default_client
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "gradfield.distributed needs dask.distributed: pip install 'gradfield[distributed]'"
        ) from e
    f = _func(f)
    s = _starts_array(starts, f, domain)
    size = _count(chunk_size, "chunk_size")
    if size == 0:
        raise ValueError("chunk_size 0: each chunk needs at least one start")
    names = _optimizer_list(optimizers)
    _hyper(hyper, "compare")
    opts = dict(max_steps=max_steps, tol=tol, device=device, domain=domain, lr=lr, **hyper)
    if domain is None:
        # Each chunk must cluster in the same domain as the whole run.
        opts["domain"] = f.domain
    client = client if client is not None else default_client()
    futures = [
        client.submit(_run_chunk, f.text, s[i : i + size], names, opts, pure=False)
        for i in range(0, len(s), size)
    ]
    parts = client.gather(futures)
    out = merge(f, parts, names, max_steps=max_steps, tol=tol, domain=opts["domain"], lr=lr, **hyper)
    out.parts = parts
    return out
