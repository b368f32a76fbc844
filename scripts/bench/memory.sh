#!/usr/bin/env bash
# Benchmark (not a test) of `similarity --memory MIB`: the peak resident set
# of the whole process next to the budget, and the out-of-core timing.
#
# 1. Writes a synthetic corpus with `wildstat synth` (N conversations of 5
#    models; the default N = 100000 needs about 2 GB in memory, several
#    times 256 MiB) and runs `similarity --refs 5` on it with --memory 256,
#    1024 and 4096, printing peak RSS (/usr/bin/time -v) next to the budget,
#    whether the run spilled, and whether pairs and tables are identical
#    to the --memory 4096 run.
# 2. Runs the same with --memory 256 (out of core: spill, then bucket by
#    bucket) on corpora of 1x, 2x and 4x N conversations and prints seconds
#    per million pairs (wall and CPU) at each.
#
# Every line carries the load average: timings on a shared machine are
# noisy, CPU seconds (user + sys) less so.
# usage: scripts/bench/memory.sh [N] [BUDGETS] [OOC_BUDGET]
#   defaults: N = 100000, BUDGETS = "256 1024 4096", OOC_BUDGET = 256
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
budgets=${2:-256 1024 4096}
ooc=${3:-256}
cargo build --release -q
bin=$PWD/target/release/wildstat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), MemAvailable $(awk '/MemAvailable/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"

synth() { # conversations dir
    "$bin" synth --out "$2" --conversations "$1" --row-group-rows 4096 >/dev/null 2>&1
}

# run LABEL CORPUS BUDGET: one similarity run; prints a tab-separated line
# budget, peak RSS, wall, cpu, pairs, spilled, load.
run() {
    local out=$work/out-$1
    local log=$work/log-$1
    /usr/bin/time -v "$bin" similarity "$2" --out "$out" --memory "$3" --force \
        >/dev/null 2>"$log"
    local rss wall user sys pairs spilled
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$log")
    user=$(awk -F': ' '/User time/ { print $2 }' "$log")
    sys=$(awk -F': ' '/System time/ { print $2 }' "$log")
    pairs=$(tr '\r' '\n' <"$log" | sed -n 's/^similarity: \([0-9]*\) pairs over.*/\1/p' | tail -1)
    spilled=$(tr '\r' '\n' <"$log" | sed -n 's/.*spilling it into \([0-9]*\) conversation-id buckets.*/\1 buckets/p' | tail -1)
    echo "$3	$rss	$wall	$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')	$pairs	${spilled:-no (in memory)}	$(load)"
}

same() { # dir-a dir-b
    for f in pairs.parquet table.md table.csv table.json table.tex; do
        cmp -s "$1/$f" "$2/$f" || { echo "DIFFERS ($f)"; return; }
    done
    echo identical
}

synth "$n" "$work/c1"
echo "corpus 1x: $n conversations, $(find "$work/c1" -name '*.parquet' | wc -l) files, $(du -sh "$work/c1" | cut -f1) of Parquet"
echo
echo "## Peak RSS against the budget (similarity --refs 5, $n conversations)"
printf 'budget_mib\tpeak_rss_mib\trss/budget\twall_s\tcpu_s\tpairs\tspilled\tload\tsame as 4096\n'
ref=""
for b in 4096 $budgets; do
    [ "$b" = 4096 ] && [ -n "$ref" ] && continue
    line=$(run "b$b" "$work/c1" "$b")
    rss=$(echo "$line" | cut -f2)
    ratio=$(awk -v r="$rss" -v b="$b" 'BEGIN { printf "%.2f", r / b }')
    [ -z "$ref" ] && ref=$work/out-b$b
    echo "$line" | awk -F'\t' -v r="$ratio" -v s="$(same "$ref" "$work/out-b$b")" \
        'BEGIN { OFS = "\t" } { print $1, $2, r, $3, $4, $5, $6, $7, s }'
done

echo
echo "## Out of core (--memory $ooc): 1x, 2x, 4x of the corpus"
printf 'corpus\tconversations\tpeak_rss_mib\twall_s\tcpu_s\tpairs\twall_s_per_M_pairs\tcpu_s_per_M_pairs\tspilled\tload\n'
for k in 1 2 4; do
    [ "$k" = 1 ] || synth $((n * k)) "$work/c$k"
    line=$(run "ooc$k" "$work/c$k" "$ooc")
    echo "$line" | awk -F'\t' -v k="$k" -v c=$((n * k)) 'BEGIN { OFS = "\t" } {
        printf "%dx\t%d\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\n", k, c, $2, $3, $4, $5, $3 / ($5 / 1e6), $4 / ($5 / 1e6), $6, $7 }'
    rm -rf "$work/out-ooc$k"
    [ "$k" = 1 ] || rm -rf "$work/c$k"
done
