#!/usr/bin/env bash
# Reading speed of JSON Lines next to Parquet on the same data.
#
# Builds (once, under $WORK, default /tmp/wildstat-bench-read) a corpus of
# OpenAI-chat records {id, model, messages: [user, assistant]} from the
# shared AlpacaEval JSON outputs, repeated to about $MB megabytes of JSON
# Lines, and the same records as zstd Parquet (pyarrow, row groups of 10,000).
# Then times `wildstat inspect --turns all` (which reads every response's
# text) over each, warm cache, best of $RUNS, and prints MB/s of JSON text.
#
# usage: scripts/bench/read.sh [PYTHON]   (PYTHON needs pyarrow; default the
#        oracle interpreter ~/.cache/wildstat-oracle/bin/python)
# env:   MB (default 400), RUNS (default 3), WORK, WILDSTAT (binary path)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
py=${1:-$HOME/.cache/wildstat-oracle/bin/python}
mb=${MB:-400}
runs=${RUNS:-3}
work=${WORK:-/tmp/wildstat-bench-read}
shared=${SHARED:-$root/../shared}
bin=${WILDSTAT:-$root/target/release/wildstat}
[ -x "$bin" ] || (cd "$root" && cargo build -q --release)
mkdir -p "$work"
if ! [ -f "$work/jsonl/chat.jsonl" ] || ! [ -f "$work/parquet/chat.parquet" ]; then
  mkdir -p "$work/jsonl" "$work/parquet"
  "$py" - "$shared/corpora/alpaca-eval-json" "$work" "$mb" <<'PY'
import glob, json, os, sys
import pyarrow as pa, pyarrow.parquet as pq
src, work, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = []
for f in sorted(glob.glob(os.path.join(src, "*.json"))):
    for i, r in enumerate(json.load(open(f))):
        base.append((r["generator"], i, r["instruction"], r["output"]))
rows, size, rep = [], 0, 0
with open(os.path.join(work, "jsonl", "chat.jsonl"), "w") as out:
    while size < mb << 20:
        for g, i, ins, o in base:
            rec = {"id": f"{rep}-{i}", "model": g,
                   "messages": [{"role": "user", "content": ins},
                                {"role": "assistant", "content": o}]}
            line = json.dumps(rec) + "\n"
            out.write(line)
            size += len(line.encode())
            rows.append(rec)
        rep += 1
pq.write_table(pa.Table.from_pylist(rows), os.path.join(work, "parquet", "chat.parquet"),
               compression="zstd", row_group_size=10000)
print(f"{len(rows)} records, {size / 1e6:.1f} MB of JSON Lines", file=sys.stderr)
PY
fi
bytes=$(stat -c %s "$work/jsonl/chat.jsonl")
pqbytes=$(stat -c %s "$work/parquet/chat.parquet")
best() {
  local b=999999
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" inspect "$1" --turns all -q >/dev/null
    t1=$(date +%s.%N)
    b=$(echo "$t1 $t0 $b" | awk '{d=$1-$2; print (d<$3)?d:$3}')
  done
  echo "$b"
}
cat "$work/jsonl/chat.jsonl" "$work/parquet/chat.parquet" >/dev/null
echo "cores: $(nproc); JSON Lines $(echo "$bytes" | awk '{printf "%.1f", $1/1e6}') MB, Parquet $(echo "$pqbytes" | awk '{printf "%.1f", $1/1e6}') MB (zstd)"
for fmt in jsonl parquet; do
  t=$(best "$work/$fmt")
  echo "$fmt: $(printf %.2f "$t") s, $(echo "$bytes $t" | awk '{printf "%.0f", $1/1e6/$2}') MB/s of JSON text"
done
