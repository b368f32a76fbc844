#!/usr/bin/env bash
# Benchmark of the whole `wildstat similarity --refs all` process (reading
# Parquet, tokenizing, scoring, writing pairs.parquet and tables) against the
# Python stacks on a slice of the same pairs, in one run; prints pairs/s and
# ratios.
# usage: scripts/bench/similarity.sh [CORPUS_DIR] [PYTHON]
#   CORPUS_DIR  default ../shared/corpora/alpaca-eval
#   PYTHON      interpreter with the references (scripts/oracle/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-../shared/corpora/alpaca-eval}
py=${2:-$HOME/.cache/wildstat-oracle/bin/python}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
[ -x "$py" ] || py=$(bash scripts/oracle/setup.sh | tail -n 1)
cargo build --release -q
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
start=$(date +%s.%N)
./target/release/wildstat similarity -q --refs all "$corpus" --out "$out/sim" >/dev/null
end=$(date +%s.%N)
pairs=$("$py" -c "import pyarrow.parquet as pq,sys; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)" "$out/sim/pairs.parquet")
calc() { "$py" -c "print($1)"; }
secs=$(calc "$end - $start")
ours=$(calc "$pairs / $secs")
printf 'peer\tpairs\tseconds\tpairs_per_s\twildstat_ratio\n'
printf 'wildstat (whole process, ROUGE-1/2/L + METEOR)\t%d\t%.2f\t%.0f\t1\n' "$pairs" "$secs" "$ours"
"$py" scripts/bench/peers.py "$corpus" | while IFS=$'\t' read -r name n s rate; do
  printf '%s\t%s\t%s\t%s\t%.0fx\n' "$name" "$n" "$s" "$rate" "$(calc "$ours / $rate")"
done
