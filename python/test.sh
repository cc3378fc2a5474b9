#!/usr/bin/env bash
# The Python package's part of the test command: builds the wheel in release
# mode (maturin, abi3 for CPython >= 3.9), installs it into a virtual
# environment under target/ and runs the pytest suite against the library and
# the command line.
#
#   bash python/test.sh           everything (makes the venv and installs the
#                                 Python dependencies first if they are missing)
#   bash python/test.sh --deps    only the venv and its dependencies (.ci/setup)
#
# The interpreter is $GRADFIELD_PYTHON, else the first `python3` on PATH (pyenv's
# 3.11 on the CI machine; Debian's /usr/bin/python3 needs python3-venv). The venv
# is target/python-venv (git ignores target/); maturin builds into
# $CARGO_TARGET_DIR, else target/, next to the root crate's builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV="$ROOT/target/python-venv"
PY="${GRADFIELD_PYTHON:-python3}"
DEPS=(maturin pytest numpy "dask[distributed]")

if ! "$VENV/bin/python" -c "import maturin, pytest, numpy, dask.distributed" 2>/dev/null; then
    mkdir -p "$ROOT/target"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q "${DEPS[@]}"
fi
if [ "${1:-}" = "--deps" ]; then
    echo "gradfield: Python venv ready at $VENV"
    exit 0
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# The native crate is its own cargo project (root clippy never builds pyo3): check its format here.
cargo fmt --check --manifest-path python/Cargo.toml
# The command line the tests compare against (a no-op after `cargo test`).
cargo build -q --bin gradfield
export GRADFIELD_BIN="$CARGO_TARGET_DIR/debug/gradfield"
WHEELS="$CARGO_TARGET_DIR/wheels"
rm -rf "$WHEELS"
"$VENV/bin/maturin" build --release --quiet --manifest-path python/Cargo.toml \
    --interpreter "$VENV/bin/python" --out "$WHEELS"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEELS"/gradfield-*.whl
# From outside python/, so that the installed package is the one imported.
cd "$ROOT/target"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/python/tests"
