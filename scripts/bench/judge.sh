#!/usr/bin/env bash
# Benchmark of wildstat-judge on 1M synthetic Chatbot Arena battles (JSONL,
# 30 models with known strengths, 10% ties): reading and normalizing the
# records, sorting them (the stage accumulator), Bradley-Terry ratings with
# RESAMPLES bootstrap refits, and the win-rate table (RESAMPLES bootstrap
# resamples per row). Prints the seconds of each part (judge_dump example)
# and the process's wall and CPU seconds (CPU is the figure to compare on a
# shared machine); then the whole `wildstat judge` process over the same file
# (every table, matrix, ratings and radar written).
# usage: scripts/bench/judge.sh [N_BATTLES] [RESAMPLES]   (defaults 1000000 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
resamples=${2:-100}
cargo build --release -q -p wildstat-judge --example judge_dump
cargo build --release -q
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
/usr/bin/time -f "%e %U %S" -o "$work/time" \
  ./target/release/examples/judge_dump bt "$resamples" "$work/battles.jsonl" > "$work/out.json"
python3 - "$work/out.json" "$work/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall, user, sys_ = map(float, open(sys.argv[2]).read().split()[-3:])
print(f"read+normalize+sort {r['load_seconds']:.2f} s; Bradley-Terry fit + bootstrap ({len(r['models'])} models) "
      f"{r['ratings_seconds']:.2f} s; {r['winrate_rows']} win-rate rows with bootstrap CIs {r['winrates_seconds']:.2f} s")
print(f"process: {wall:.2f} s wall, {user + sys_:.2f} s CPU (user+sys, all threads)")
print("top ratings:", ", ".join(f"{m} {x:.1f}" for m, x in sorted(zip(r["models"], r["rating"]), key=lambda t: -t[1])[:3]))
PY
/usr/bin/time -f "%e %U %S %M" -o "$work/time-stage" \
  ./target/release/wildstat judge -q "$work/battles.jsonl" --out "$work/stage" >/dev/null
read -r wall user sys_ rss < "$work/time-stage"
echo "wildstat judge (whole process, default options): $wall s wall, $(python3 -c "print(round($user + $sys_, 2))") s CPU, peak RSS $((rss / 1024)) MiB"
