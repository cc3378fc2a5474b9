"""Shared helpers: the `gradfield` command line that the Python results are checked against."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _find_cli():
    env = os.environ.get("GRADFIELD_BIN")
    if env:
        return env
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    found = [target / p / "gradfield" for p in ("release", "debug")]
    found = [p for p in found if p.is_file()]
    if found:
        return str(max(found, key=lambda p: p.stat().st_mtime))
    return shutil.which("gradfield")


@pytest.fixture(scope="session")
def cli():
    """Runs the command line; returns its stdout (JSON parsed when json=True)."""
    exe = _find_cli()
    if exe is None:
        pytest.fail(
            "the gradfield command line was not found: build it (cargo build) or set GRADFIELD_BIN"
        )

    def run(*args, json_out=False, check=True):
        p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=600)
        if check and p.returncode != 0:
            raise AssertionError(f"gradfield {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
        return json.loads(p.stdout) if json_out else p

    return run


@pytest.fixture(scope="session")
def scenes():
    return ROOT / "assets" / "scenes"
