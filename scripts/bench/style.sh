#!/usr/bin/env bash
# Benchmark of the whole `wildstat style` process (reading Parquet, rendering
# CommonMark, counting, writing responses.parquet and tables) on the shared
# corpus replicated to at least 1 GB of response text, against the reference
# (markdown-it-py commonmark+table+strikethrough, BeautifulSoup) on a slice of
# the same responses (the first 100 conversations of each file), in one run;
# prints responses/s and the ratios against one reference process and against
# the reference run on one process per core.
# usage: scripts/bench/style.sh [CORPUS_DIR] [MIN_GB] [PYTHON]
#   CORPUS_DIR  default ../shared/corpora/alpaca-eval
#   MIN_GB      text to reach by replicating the corpus files (default 1)
#   PYTHON      interpreter with the references (scripts/oracle/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-../shared/corpora/alpaca-eval}
min_gb=${2:-1}
py=${3:-$HOME/.cache/wildstat-oracle/bin/python}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
[ -x "$py" ] || py=$(bash scripts/oracle/setup.sh | tail -n 1)
cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Characters of every assistant turn in one copy of the corpus.
chars=$("$py" - "$corpus" <<'PY'
import glob, os, sys, pyarrow.parquet as pq
n = 0
for f in glob.glob(os.path.join(sys.argv[1], "**", "*.parquet"), recursive=True):
    for conv in pq.read_table(f, columns=["conversation"]).column("conversation").to_pylist():
        n += sum(len(m["content"] or "") for m in conv if m["role"] == "assistant")
print(n)
PY
)
copies=$("$py" -c "import math; print(max(1, math.ceil($min_gb * 1e9 / $chars)))")
for i in $(seq 1 "$copies"); do
  mkdir -p "$work/corpus/copy$i"
  # Real copies: the engine reads a file named twice (or through a
  # symlink) once, so symlinked copies would be one corpus.
  cp "$corpus"/*.parquet "$work/corpus/copy$i/"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "corpus: $copies copies of $corpus = $("$py" -c "print(f'{$copies * $chars / 1e9:.2f}')") G characters of response text"
start=$(date +%s.%N)
./target/release/wildstat style -q --turns all "$work/corpus" --out "$work/style" >/dev/null
end=$(date +%s.%N)
rows=$("$py" -c "import pyarrow.parquet as pq,sys; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)" "$work/style/responses.parquet")
calc() { "$py" -c "print($1)"; }
secs=$(calc "$end - $start")
ours=$(calc "$rows / $secs")
# The reference on one process (as scripts/parity and the oracle run it), then
# on one process per core (multiprocessing, workers started and warmed
# before timing), each line: responses, seconds, responses/s.
ref=$("$py" - "$corpus" "$(nproc)" <<'PY'
import glob, os, sys, time, multiprocessing as mp, pyarrow.parquet as pq
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark").enable("table").enable("strikethrough")

def tags(t):
    return len([x.name for x in BeautifulSoup(md.render(t), "html.parser").find_all()])

if __name__ == "__main__":
    texts = []
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.parquet"))):
        for conv in pq.read_table(f, columns=["conversation"]).column("conversation").to_pylist()[:100]:
            texts += [m["content"] for m in conv if m["role"] == "assistant" and m["content"] is not None]
    t0 = time.perf_counter()
    for t in texts:
        tags(t)
    dt = time.perf_counter() - t0
    print(f"{len(texts)}\t{dt:.2f}\t{len(texts) / dt:.1f}")
    with mp.Pool(int(sys.argv[2])) as pool:
        pool.map(tags, texts[:200], chunksize=10)
        t0 = time.perf_counter()
        pool.map(tags, texts, chunksize=20)
        dt = time.perf_counter() - t0
    print(f"{len(texts)}\t{dt:.2f}\t{len(texts) / dt:.1f}")
PY
)
{ IFS=$'\t' read -r rn rs rrate; IFS=$'\t' read -r pn ps prate; } <<<"$ref"
printf 'peer\tresponses\tseconds\tresponses_per_s\twildstat_ratio\n'
printf 'wildstat style (whole process, %d threads)\t%d\t%.2f\t%.0f\t1\n' "$(nproc)" "$rows" "$secs" "$ours"
printf 'markdown-it-py + BeautifulSoup (1 process)\t%s\t%s\t%s\t%.0fx\n' "$rn" "$rs" "$rrate" "$(calc "$ours / $rrate")"
printf 'markdown-it-py + BeautifulSoup (%d processes)\t%s\t%s\t%s\t%.0fx\n' "$(nproc)" "$pn" "$ps" "$prate" "$(calc "$ours / $prate")"
