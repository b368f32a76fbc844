#!/usr/bin/env bash
# Throughput of `wildstat contamination` (the CLI, end to end: reading
# Parquet, scanning, hits.parquet, tables) over a corpus of >= 200 MB of text:
# the AlpacaEval corpus (../shared/corpora/alpaca-eval, 40 models x 805
# prompts) copied COPIES times under other file names, every user and
# assistant turn scanned (--roles both --turns all). Benchmarks: 1,319
# GSM8K-shaped synthetic questions (the template of
# crates/contamination/examples/scan_bench.rs), MT-Bench, Arena-Hard v0.1
# and v2.0, and the AlpacaEval instructions. Prints MB of text per second of
# wall time and per CPU-second, and the peak memory, on 1 thread and on all
# cores, with the machine's load (wall figures mean something only on an
# otherwise idle machine); then the crate's scan-only benchmark for
# comparison.
# Text MB = UTF-8 bytes of every scanned turn, counted with pyarrow
# (PY, default the oracle virtualenv of scripts/oracle/setup.sh). Each thread count runs RUNS
# times (default 3), each run with the load average just before it; the
# outputs of every run must be the same bytes (sha256 of every file).
# usage: [RUNS=3] scripts/bench/contamination.sh [SHARED_CORPORA] [COPIES]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpora=$(realpath "${1:-../shared/corpora}")
copies=${2:-4}
runs=${RUNS:-3}
py=${PY:-$HOME/.cache/wildstat-oracle/bin/python}
[ -x "$py" ] || py=$(bash scripts/oracle/setup.sh | tail -n 1)
[ -d "$corpora/alpaca-eval" ] || { echo "no corpus at $corpora" >&2; exit 1; }
cargo build --release -q --bin wildstat
bin=$PWD/target/release/wildstat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
for k in $(seq 1 "$copies"); do
  for f in "$corpora"/alpaca-eval/*.parquet; do
    cp "$f" "$tmp/corpus/copy$k-$(basename "$f")"
  done
done
python3 - "$corpora" "$tmp" <<'EOF'
import json, sys
corpora, tmp = sys.argv[1:]
names = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Ken", "Alexis"]
things = ["clips", "apples", "pages", "cupcakes", "marbles", "stamps", "books", "eggs"]
with open(f"{tmp}/gsm8k-synthetic.jsonl", "w") as f:
    for i in range(1319):
        a, b, c = 3 + i % 17, 2 + i % 11, 5 + i % 23
        who, what = names[i % 8], things[(i // 8) % 8]
        q = (f"{who} sold {what} to {a} of her friends in April, and then she sold {b} times as many "
             f"{what} in May. Each of the {what} costs ${c}. How many {what} did {who} sell altogether "
             f"in April and May, and how much money did she make?")
        f.write(json.dumps({"question": q}) + "\n")
with open(f"{tmp}/alpaca-eval.jsonl", "w") as f:
    for d in json.load(open(f"{corpora}/alpaca-eval-json/gpt4_1106_preview.json")):
        f.write(json.dumps({"instruction": d["instruction"]}) + "\n")
EOF
mb=$("$py" - "$tmp/corpus" <<'EOF'
import glob, sys
import pyarrow.compute as pc, pyarrow.parquet as pq
n = 0
for p in glob.glob(sys.argv[1] + "/*.parquet"):
    msgs = pc.list_flatten(pq.read_table(p, columns=["conversation"])["conversation"])
    n += pc.sum(pc.binary_length(pc.struct_field(msgs, "content"))).as_py()
print(n)
EOF
)
bytes=$mb
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
bench=(--benchmark "$tmp/gsm8k-synthetic.jsonl"
       --benchmark "$corpora/mt-bench/question.jsonl=mt-bench"
       --benchmark "$corpora/arena-hard/question.jsonl=arena-hard"
       --benchmark "$corpora/arena-hard/v2.0/question.jsonl=arena-hard-v2"
       --benchmark "$tmp/alpaca-eval.jsonl")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $(ls "$tmp/corpus" | wc -l) Parquet files ($copies copies of alpaca-eval), $bytes bytes ($mb MB) of user + assistant text"
for threads in 1 "$(nproc)"; do
  for run in $(seq 1 "$runs"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    rm -rf "$tmp/out"
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" env RAYON_NUM_THREADS="$threads" \
      "$bin" contamination "$tmp/corpus" "${bench[@]}" --roles both --turns all -q --out "$tmp/out" > /dev/null
    read -r wall user sys rss < "$tmp/time"
    awk -v t="$threads" -v mb="$mb" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v l="$load" 'BEGIN {
      printf "== wildstat contamination, %d thread(s), load %s: %.2f s wall, %.2f s CPU (%.2f user + %.2f sys): %.0f MB/s wall, %.0f MB per CPU-second; peak RSS %.0f MB\n",
        t, l, w, u + s, u, s, mb / w, mb / (u + s), r / 1024 }'
    (cd "$tmp/out" && sha256sum -- *) > "$tmp/sums.$threads.$run"
    cmp -s "$tmp/sums.1.1" "$tmp/sums.$threads.$run" || { echo "MISMATCH: outputs of $threads thread(s), run $run differ from 1 thread" >&2; exit 1; }
  done
done
mv "$tmp/out" "$tmp/out1"
echo "outputs identical (sha256 of every file) over $runs runs on 1 and $(nproc) threads: hits.parquet $(grep hits.parquet "$tmp/sums.1.1" | cut -c1-16)"
echo "summary: $(grep -c . "$tmp/out1/contaminated.txt") contaminated conversation ids; $(du -k "$tmp/out1/hits.parquet" | cut -f1) KB hits.parquet"
echo "== scan only (crates/contamination/examples/scan_bench, AlpacaEval outputs, same benchmarks)"
cargo build --release -q -p wildstat-contamination --example scan_bench
./target/release/examples/scan_bench "$corpora" 200
