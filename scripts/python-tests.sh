#!/usr/bin/env bash
# Builds the wildstat Python package (python/, maturin + PyO3, abi3 wheel)
# into a virtualenv and runs its tests (python/tests) with pytest. Installs
# everything it needs from PyPI: maturin, pytest, absl-py (rouge-score's own
# test file), nltk (the NLTK objects wildstat accepts; no NLTK data),
# pyarrow (the stage functions' tables) and polars (from_arrow on them). It
# builds the CLI (target/release/wildstat) too: the stage tests compare the
# functions' outputs with the CLI's.
# Exits non-zero on any failure; pytest's exit code 5 makes "no tests
# collected" a failure too.
# usage: scripts/python-tests.sh [VENV_DIR]   (default: target/python-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/python-venv}
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
venv=$(cd "$venv" && pwd)
# maturin's build hook runs the `maturin` executable found on PATH.
export PATH="$venv/bin:$PATH"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2" pytest \
  absl-py nltk "pyarrow>=15" polars
# The CLI the stage tests run; a no-op when it is up to date (as after
# `cargo test --release --workspace`), a build on a fresh checkout.
cargo build --release --bin wildstat
export WILDSTAT_BIN="$PWD/target/release/wildstat"
# The workspace's own target directory: the wheel depends on the root crate,
# so the crates both builds share are compiled once.
CARGO_TARGET_DIR="$PWD/target" "$venv/bin/python" -m pip install -q \
  --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./python
"$venv/bin/python" -m pytest -q python/tests
