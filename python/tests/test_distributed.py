"""gradfield.distributed.compare on a Dask LocalCluster equals the single run."""

import math

import numpy as np
import pytest

import gradfield

distributed = pytest.importorskip("dask.distributed")
import gradfield.distributed  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # Two worker processes, one thread each: the tasks really run elsewhere.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("device", ["gpu", "cpu"])
def test_chunks_on_two_workers_equal_the_single_run(client, device):
    starts = gradfield.starts("random:600:11", gradfield.Function("himmelblau").domain)
    opts = dict(optimizers=["gd", "momentum"], max_steps=1500, device=device)
    single = gradfield.compare("himmelblau", starts, **opts)
    merged = gradfield.distributed.compare("himmelblau", starts, chunk_size=128, client=client, **opts)
    assert len(merged.parts) == 5  # 600 starts in chunks of 128
    # Both workers took part.
    assert len(client.scheduler_info()["workers"]) == 2
    for name in ("gd", "momentum"):
        a, b = single[name], merged[name]
        # Per-start arrays in start order, identical.
        for k in ("end", "value", "steps", "status", "destination"):
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{name} {k}")
        # The same destinations, ids and counts.
        assert a["destinations"] == b["destinations"]
        for k in ("converged", "diverged", "running", "flat", "step_stats"):
            assert a[k] == b[k]
        # Each destination's count is the sum of the chunks' counts there.
        for d in b["destinations"]:
            total = 0
            for p in merged.parts:
                total += sum(
                    e["count"]
                    for e in p[name]["destinations"]
                    if math.hypot(e["x"] - d["x"], e["y"] - d["y"]) < 1e-6
                )
            assert total == d["count"], d
    assert single.report == merged.report
    # Himmelblau's four minima are all reached.
    mins = [d for d in merged["gd"]["destinations"] if d["kind"] == "minimum"]
    assert len(mins) == 4


def test_default_client_is_used(client):
    s = np.array([[1.0, 1.0], [-3.0, 3.0], [-3.0, -3.0], [3.0, -2.0]])
    r = gradfield.distributed.compare("himmelblau", s, optimizers="gd", chunk_size=2, device="cpu")
    single = gradfield.compare("himmelblau", s, optimizers="gd", device="cpu")
    assert r.report == single.report
