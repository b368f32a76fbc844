#!/usr/bin/env bash
# Scan throughput of wildstat-contamination (crates/contamination/examples/scan_bench.rs):
# benchmarks = 1,319 GSM8K-shaped synthetic questions + MT-Bench + Arena-Hard
# v0.1 and v2.0 + AlpacaEval instructions; corpus = every AlpacaEval output
# repeated to at least MIN_MB. Prints wall MB/s and MB per CPU-second, on one
# thread and on all cores, with the machine's load (the wall figures are only
# meaningful on an otherwise idle machine).
# usage: scripts/bench/contamination.sh [SHARED_CORPORA] [MIN_MB]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpora=${1:-../shared/corpora}
min_mb=${2:-200}
[ -d "$corpora/alpaca-eval-json" ] || { echo "no corpus at $corpora" >&2; exit 1; }
cargo build --release -q -p wildstat-contamination --example scan_bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 1 thread"
RAYON_NUM_THREADS=1 ./target/release/examples/scan_bench "$corpora" "$min_mb"
echo "== $(nproc) threads"
./target/release/examples/scan_bench "$corpora" "$min_mb"
