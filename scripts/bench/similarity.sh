#!/usr/bin/env bash
# Benchmark of the whole `wildstat similarity` process (reading Parquet,
# tokenizing, scoring, writing pairs.parquet and tables) at the paper's
# setting --refs 5 and at --refs all, with peak RSS and the preparation rate
# (responses prepared per second of the --refs 1 run, where preparation
# dominates), against the Python stacks on a slice of the same pairs, in one
# run; prints pairs/s and ratios.
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
calc() { "$py" -c "print($1)"; }
rows() { "$py" -c "import pyarrow.parquet as pq,sys; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)" "$1"; }
# One timed run: prints "pairs seconds peak_rss_mib".
timed() {
  local dir="$out/sim-$1"
  /usr/bin/time -f '%e %M' -o "$out/time-$1" ./target/release/wildstat similarity -q --refs "$1" "$corpus" --out "$dir" >/dev/null
  read -r secs kb < "$out/time-$1"
  echo "$(rows "$dir/pairs.parquet") $secs $((kb / 1024))"
}
read -r p1 s1 m1 <<<"$(timed 1)"
read -r p5 s5 m5 <<<"$(timed 5)"
read -r pa sa ma <<<"$(timed all)"
printf 'run\tpairs\tseconds\tpairs_per_s\tpeak_rss_mib\n'
printf -- '--refs 1 (preparation-bound: %.0f responses/s)\t%d\t%.2f\t%.0f\t%d\n' "$(calc "$p1 / $s1")" "$p1" "$s1" "$(calc "$p1 / $s1")" "$m1"
printf -- '--refs 5 (the paper)\t%d\t%.2f\t%.0f\t%d\n' "$p5" "$s5" "$(calc "$p5 / $s5")" "$m5"
printf -- '--refs all\t%d\t%.2f\t%.0f\t%d\n' "$pa" "$sa" "$(calc "$pa / $sa")" "$ma"
echo
pairs=$p5
secs=$s5
ours=$(calc "$pairs / $secs")
printf 'peer\tpairs\tseconds\tpairs_per_s\twildstat_ratio (vs --refs 5)\n'
printf 'wildstat --refs 5 (whole process, ROUGE-1/2/L + METEOR)\t%d\t%.2f\t%.0f\t1\n' "$pairs" "$secs" "$ours"
"$py" scripts/bench/peers.py "$corpus" | while IFS=$'\t' read -r name n s rate; do
  printf '%s\t%s\t%s\t%s\t%.0fx\n' "$name" "$n" "$s" "$rate" "$(calc "$ours / $rate")"
done
