#!/usr/bin/env bash
# Benchmark of wildstat-judge on 1M synthetic Chatbot Arena battles (JSONL,
# 30 models with known strengths, 10% ties): reading and normalizing the
# records, sorting them (the stage accumulator), Bradley-Terry ratings with
# RESAMPLES bootstrap refits, and the win-rate table (RESAMPLES bootstrap
# resamples per row). Prints the seconds of each part (judge_dump example).
# usage: scripts/bench/judge.sh [N_BATTLES] [RESAMPLES]   (defaults 1000000 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
resamples=${2:-100}
cargo build --release -q -p wildstat-judge --example judge_dump
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" "$work/battles.jsonl" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(16)
strength = {f"model-{i:02d}": 1000 + 15 * (i - 15) for i in range(30)}
models = list(strength)
with open(out, "w") as f:
    for q in range(n):
        a, b = rng.sample(models, 2)
        p = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 400))
        u = rng.random()
        w = ("tie" if u < 0.05 else "tie (bothbad)") if u < 0.1 else ("model_a" if rng.random() < p else "model_b")
        f.write(json.dumps({"question_id": f"q{q}", "model_a": a, "model_b": b, "winner": w}) + "\n")
PY
echo "battles: $n ($(du -h "$work/battles.jsonl" | cut -f1)), bootstrap resamples: $resamples, cores: $(nproc)"
start=$(date +%s.%N)
./target/release/examples/judge_dump bt "$resamples" "$work/battles.jsonl" > "$work/out.json"
end=$(date +%s.%N)
python3 - "$work/out.json" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"load+sort {r['load_seconds']:.2f} s; load + ratings + {len(r['models'])}-model bootstrap + "
      f"{r['winrate_rows']} win-rate rows: {r['total_seconds']:.2f} s; process wall {float(sys.argv[3]) - float(sys.argv[2]):.2f} s")
print("top ratings:", ", ".join(f"{m} {x:.1f}" for m, x in sorted(zip(r["models"], r["rating"]), key=lambda t: -t[1])[:3]))
PY
