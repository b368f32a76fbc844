#!/usr/bin/env bash
# Micro-benchmark of prepared-pair scoring on one core: every ordered pair of
# first responses within each of the first CONVS conversations of the corpus,
# each text prepared once, then ROUGE-1/2/L + METEOR per pair (and ROUGE
# alone); the Python peers (rouge-score, NLTK METEOR, rapidrouge, rouge-rust)
# score pairs of the same corpus in the same run. Prints pairs/s per core and
# ratios.
# usage: scripts/bench/metrics.sh [CORPUS_DIR] [CONVS] [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-../shared/corpora/alpaca-eval}
convs=${2:-200}
py=${3:-$HOME/.cache/wildstat-oracle/bin/python}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
[ -x "$py" ] || py=$(bash scripts/oracle/setup.sh | tail -n 1)
cargo build --release -q -p wildstat-metrics --example bench_pairs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" - "$corpus" "$convs" "$work/pairs.jsonl" <<'PY'
import json, sys
sys.path.insert(0, "scripts/lib")
from transcripts import first_turns
corpus, convs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
resp = {}
for (model, h), text in first_turns(corpus).items():
    resp.setdefault(h, {})[model] = text
with open(out, "w") as fh:
    for h in sorted(resp)[:convs]:
        for m in sorted(resp[h]):
            fh.write(json.dumps({"group": h, "text": resp[h][m]}) + "\n")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); one thread"
rate() { sed -n 's/.*score \([0-9]*\) pairs \([0-9.]*\)s.*/\1 \2/p' | awk '{printf "%s\t%s\t%.0f", $1, $2, $1/$2}'; }
full=$(THREADS=1 ./target/release/examples/bench_pairs < "$work/pairs.jsonl" | rate)
rouge=$(METEOR=0 THREADS=1 ./target/release/examples/bench_pairs < "$work/pairs.jsonl" | rate)
ours=$(cut -f3 <<<"$full")
printf 'peer\tpairs\tseconds\tpairs_per_s_per_core\twildstat_ratio\n'
printf 'wildstat ROUGE-1/2/L + METEOR (prepared)\t%s\t1\n' "$full"
printf 'wildstat ROUGE-1/2/L only (prepared)\t%s\t\n' "$rouge"
"$py" scripts/bench/peers.py "$corpus" --skip rouge-rust 2>/dev/null | while IFS=$'\t' read -r name n s r; do
  printf '%s\t%s\t%s\t%s\t%.0fx\n' "$name" "$n" "$s" "$r" "$("$py" -c "print($ours / $r)")"
done
# rouge-rust uses every core: report its rate per core.
"$py" scripts/bench/peers.py "$corpus" --skip paper-stack,rouge-score,nltk-meteor,rapidrouge 2>/dev/null | while IFS=$'\t' read -r name n s r; do
  per=$("$py" -c "print($r / $(nproc))")
  printf '%s (per core of %d)\t%s\t%s\t%.0f\t%.0fx\n' "$name" "$(nproc)" "$n" "$s" "$per" "$("$py" -c "print($ours / $per)")"
done
