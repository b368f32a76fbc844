#!/usr/bin/env bash
# Benchmark of the whole `wildstat agreement` process (reading Parquet with
# the run column, grouping, preparing every distinct output once, scoring
# every pair of runs with ROUGE-L and METEOR, parsing answers, gold
# accuracy with a 1000-resample bootstrap, writing the tables) on a synthetic
# multi-run corpus written by `wildstat synth --runs` into a temporary
# folder; prints transcripts/s.
# usage: scripts/bench/agreement.sh [MODELS] [PROMPTS] [RUNS]
#   defaults: 10 models x 20000 prompts x 5 runs = 1,000,000 transcripts
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${1:-10}
prompts=${2:-20000}
runs=${3:-5}
cargo build --release -q
bin=./target/release/wildstat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin" synth --out "$work/corpus" --runs "$runs" --conversations "$prompts" \
    --run-models "$models" --agreement 95,90,80,70,60,50,40,30,20,10 --row-group-rows 10000
transcripts=$((models * prompts * runs))
echo "corpus: $models models x $prompts prompts x $runs runs = $transcripts transcripts, $(du -sh "$work/corpus" | cut -f1)"
start=$(date +%s.%N)
"$bin" agreement -q "$work/corpus" --out "$work/out" \
    --answer-regex 'Answer: (\d+)' --gold "$work/corpus/gold.tsv" >/dev/null
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
rate=$(awk -v n="$transcripts" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
printf 'stage\ttranscripts\tseconds\ttranscripts_per_s\n'
printf 'wildstat agreement (whole process, %d threads)\t%d\t%s\t%s\n' "$(nproc)" "$transcripts" "$secs" "$rate"
