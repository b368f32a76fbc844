#!/usr/bin/env bash
# Builds the wildstat Python package (python/, maturin + PyO3, abi3 wheel)
# into a virtualenv and runs its tests (python/tests) with pytest. Installs
# everything it needs from PyPI: maturin, pytest, absl-py (rouge-score's own
# test file) and nltk (the NLTK objects wildstat accepts; no NLTK data).
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
"$venv/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2" pytest absl-py nltk
# The wheel's own build directory, apart from the workspace's artifacts.
CARGO_TARGET_DIR="$PWD/target/python" "$venv/bin/python" -m pip install -q \
  --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./python
"$venv/bin/python" -m pytest -q python/tests
