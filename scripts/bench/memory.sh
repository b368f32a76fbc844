#!/usr/bin/env bash
# Benchmark (not a test) of `--memory MIB`: the peak resident set of the
# whole process next to the budget, for similarity and agreement, on 1x, 2x
# and 4x of a synthetic corpus, and the out-of-core timing.
#
# 1. similarity --refs 5 on `wildstat synth` corpora of N, 2N and 4N
#    conversations (5 models; the default N = 100000 needs about 1.8 GB in
#    memory, several times 256 MiB): first --memory 4096 on 1x (in memory,
#    the reference bytes), then every budget of BUDGETS on every size.
# 2. agreement --answer-regex on `wildstat synth --runs 4 --run-models 3`
#    corpora of A, 2A and 4A conversations (A = N / 2 by default: 600,000
#    responses at 1x), the same budgets.
# 3. merge: W ranks of similarity --refs 1 at each budget on the largest
#    size's corpus, then `wildstat merge` (bounded by the budget the ranks
#    recorded); its peak RSS next to that budget, and how many
#    per-conversation values it moved to files.
#
# Each line: budget, corpus size, peak RSS (/usr/bin/time -v) and its ratio
# to the budget, wall and CPU (user + sys) seconds, pairs or prompts,
# seconds per million of them, whether the run spilled, the load average
# (timings on a shared machine are noisy, CPU seconds less so), and whether
# the outputs are identical to the first run on the same corpus (the 4096
# run for 1x similarity; the first budget otherwise).
# usage: scripts/bench/memory.sh [N] [BUDGETS] [SIZES] [A] [W]
#   defaults: N = 100000, BUDGETS = "256 512 1024", SIZES = "1 2 4", A = N / 2,
#   W = 4 (A = 0 skips agreement, W = 0 the merges)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
budgets=${2:-256 512 1024}
sizes=${3:-1 2 4}
an=${4:-$((n / 2))}
ranks=${5:-4}
cargo build --release -q
bin=$PWD/target/release/wildstat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), MemAvailable $(awk '/MemAvailable/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"

# run STAGE LABEL CORPUS BUDGET [ARGS...]: one run; prints a tab-separated
# line budget, peak RSS, wall, cpu, count, spilled, load.
run() {
    local stage=$1 label=$2 corpus=$3 budget=$4
    shift 4
    local out=$work/out-$label
    local log=$work/log-$label
    /usr/bin/time -v "$bin" "$stage" "$corpus" --out "$out" --memory "$budget" --force "$@" \
        >/dev/null 2>"$log"
    local rss wall user sys count spilled
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$log")
    user=$(awk -F': ' '/User time/ { print $2 }' "$log")
    sys=$(awk -F': ' '/System time/ { print $2 }' "$log")
    count=$(tr '\r' '\n' <"$log" | sed -n "s/^$stage: \([0-9]*\) \(pairs\|prompts\) .*/\1/p" | tail -1)
    spilled=$(tr '\r' '\n' <"$log" | sed -n 's/.*spilling it into \([0-9]*\) conversation-id buckets.*/\1 buckets/p' | tail -1)
    echo "$budget	$rss	$wall	$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')	$count	${spilled:-no (in memory)}	$(load)"
}

same() { # dir-a dir-b
    local f
    for f in "$1"/*; do
        f=$(basename "$f")
        [ "$f" = wildstat.json ] && continue
        cmp -s "$1/$f" "$2/$f" || { echo "DIFFERS ($f)"; return; }
    done
    echo identical
}

# bench STAGE NAME CONVERSATIONS SYNTH_ARGS STAGE_ARGS: the budgets on 1x,
# 2x, 4x (SIZES) of a synth corpus.
bench() {
    local stage=$1 name=$2 base=$3 synth_args=$4 stage_args=$5
    printf 'budget_mib\tcorpus\tconversations\tpeak_rss_mib\trss/budget\twall_s\tcpu_s\t%s\twall_s_per_M\tcpu_s_per_M\tspilled\tload\tsame\n' \
        "$([ "$stage" = similarity ] && echo pairs || echo prompts)"
    local k b c line ref
    for k in $sizes; do
        c=$work/$name$k
        # shellcheck disable=SC2086
        "$bin" synth --out "$c" --conversations $((base * k)) --row-group-rows 4096 $synth_args >/dev/null 2>&1
        ref=""
        local list=$budgets
        [ "$stage" = similarity ] && [ "$k" = "$(echo $sizes | cut -d' ' -f1)" ] && list="4096 $budgets"
        for b in $list; do
            # shellcheck disable=SC2086
            line=$(run "$stage" "$name$k-$b" "$c" "$b" $stage_args)
            local s=-
            if [ -z "$ref" ]; then ref=$work/out-$name$k-$b; else s=$(same "$ref" "$work/out-$name$k-$b"); fi
            echo "$line" | awk -F'\t' -v k="$k" -v c=$((base * k)) -v s="$s" 'BEGIN { OFS = "\t" } {
                printf "%s\t%dx\t%d\t%s\t%.2f\t%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s\n",
                    $1, k, c, $2, $2 / $1, $3, $4, $5, $3 / ($5 / 1e6), $4 / ($5 / 1e6), $6, $7, s }'
            [ "$work/out-$name$k-$b" = "$ref" ] || rm -rf "$work/out-$name$k-$b"
        done
        rm -rf "$c" "$ref"
    done
}

echo
echo "## similarity --refs 5: peak RSS against the budget, 1x/2x/4x of $n conversations (5 models)"
bench similarity sim "$n" "" ""
if [ "$an" -gt 0 ]; then
    echo
    echo "## agreement: peak RSS against the budget, 1x/2x/4x of $an conversations (3 models x 4 runs)"
    bench agreement agr "$an" "--runs 4 --run-models 3" "--answer-regex Answer:.(\d+)"
fi

# merges CONVERSATIONS: W ranks and a merge per budget on one synth corpus.
merges() {
    local c=$work/merge-corpus b r out log ref="" s rss wall cpu values
    "$bin" synth --out "$c" --conversations "$1" --row-group-rows 4096 >/dev/null 2>&1
    printf 'budget_mib\tranks\tconversations\tmerge_peak_rss_mib\trss/budget\tmerge_wall_s\tmerge_cpu_s\tvalues_through_files\tload\tsame\n'
    for b in $budgets; do
        out=$work/merged-$b
        for r in $(seq 0 $((ranks - 1))); do
            "$bin" similarity "$c" --refs 1 --memory "$b" --rank "$r" --world-size "$ranks" --out "$out" -q
        done
        log=$work/log-merge-$b
        /usr/bin/time -v "$bin" merge "$out" >/dev/null 2>"$log"
        rss=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$log")
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); x = 0; for (i = 1; i <= n; i++) x = x * 60 + t[i]; printf "%.2f", x }' "$log")
        cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$log")
        values=$(sed -n 's/.*; \([0-9]*\) per-conversation values went through files.*/\1/p' "$log" | tail -1)
        s=-
        if [ -z "$ref" ]; then ref=$out; else s=$(same "$ref" "$out"); fi
        printf '%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\n' "$b" "$ranks" "$1" "$rss" \
            "$(awk -v r="$rss" -v b="$b" 'BEGIN { print r / b }')" "$wall" "$cpu" "${values:-0 (in memory)}" "$(load)" "$s"
        [ "$out" = "$ref" ] || rm -rf "$out" "$out.work"
    done
    rm -rf "$c"
}

if [ "$ranks" -gt 0 ]; then
    largest=$(echo $sizes | tr ' ' '\n' | sort -n | tail -1)
    echo
    echo "## merge of $ranks similarity --refs 1 ranks: peak RSS against the budget they recorded, ${largest}x of $n conversations"
    merges $((n * largest))
fi
