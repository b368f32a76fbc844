#!/usr/bin/env bash
# Speed and parity of the wildstat Python package next to its references in
# one run: installs the references (scripts/oracle/setup.sh: rouge-score
# 0.1.2, NLTK 3.10.4 with WordNet 3.0, pyarrow) and wildstat (pip install
# ./python) into one virtualenv, then runs scripts/parity/python_parity.py:
# bit-for-bit checks on LIMIT corpus pairs and pairs/s of rouge-score, NLTK
# METEOR, and wildstat one call per pair and batched (1 thread, all cores).
# usage: scripts/bench/python.sh [CORPUS_DIR] [LIMIT] [VENV_DIR] [PARITY_ARGS...]
#   e.g. ... 20000 ~/.cache/wildstat-oracle --metrics meteor
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-../shared/corpora/alpaca-eval}
limit=${2:-20000}
venv=${3:-$HOME/.cache/wildstat-oracle}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
py=$(bash scripts/oracle/setup.sh "$venv" | tail -n 1)
bin=$(dirname "$py")
"$py" -m pip install -q --disable-pip-version-check "maturin>=1.9.4,<2"
# maturin's build hook runs the `maturin` executable found on PATH.
PATH="$bin:$PATH" CARGO_TARGET_DIR="$PWD/target" "$py" -m pip install -q \
  --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./python
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$py" scripts/parity/python_parity.py --corpus "$corpus" --limit "$limit" "${@:4}"
