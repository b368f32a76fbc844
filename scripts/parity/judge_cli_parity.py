#!/usr/bin/env python3
"""Parity of the `wildstat judge` command's output files with the reference
packages, end to end (the library's own parity scripts check the functions;
this one checks what the stage writes, at the CSV/JSON full precision).

- AlpacaEval: `wildstat judge ALPACA_DIR` over the whole folder (the
  leaderboard.csv there is not discovered); for every annotations file, the
  winrates.json row of generator_2 vs generator_1: win_rate, standard_error,
  discrete_win_rate to 1e-9 and n_total, n_wins, n_losses, n_draws exactly
  equal AlpacaEval 0.6.6's get_winrate (judge_reference.alpaca_get_winrate);
  win_rate equals leaderboard.csv to 1e-6 for every model it lists.
- MT-Bench: `wildstat judge MT_BENCH/model_judgment --questions question.jsonl`:
  win/loss/tie and win_rate_adjusted equal fschat 0.2.36's show_result.py
  pairwise (judge_reference.fastchat_pairwise); the per-turn and overall
  means of scores.json equal its single mode, to 1e-12.

usage: judge_cli_parity.py [ALPACA_DIR [MT_BENCH_DIR]]   (python with pandas,
numpy, scikit-learn; builds target/release/wildstat). Exit status 1 on any mismatch.
"""
import argparse, json, os, subprocess, sys, tempfile
import pandas as pd
from judge_common import ROOT, SHARED, load_module, wheel
from judge_reference import alpaca_get_winrate, fastchat_pairwise

alpaca = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SHARED, "corpora", "alpaca-eval-annotations")
mt = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SHARED, "corpora", "mt-bench")
subprocess.run(["cargo", "build", "-q", "--release", "--bin", "wildstat"], cwd=ROOT, check=True)
exe = os.path.join(ROOT, "target", "release", "wildstat")
tmp = tempfile.mkdtemp(prefix="judge-cli-parity-")
bad = 0


def judge(out, *args):
    """Runs `wildstat judge ARGS --out TMP/out`; the rows of its tables by name."""
    d = os.path.join(tmp, out)
    subprocess.run([exe, "judge", *args, "-q", "--out", d], check=True, stdout=subprocess.DEVNULL)
    return lambda name: json.load(open(os.path.join(d, f"{name}.json")))["rows"]


def close(a, b, tol):
    return abs(float(a) - float(b)) <= tol


rows = judge("alpaca", alpaca)("winrates")
board = pd.read_csv(os.path.join(alpaca, "leaderboard.csv")).set_index("dir")
seen = set()
for f in sorted(x for x in os.listdir(alpaca) if x.endswith(".json")):
    ann = json.load(open(os.path.join(alpaca, f)))
    model, base = ann[0]["generator_2"], ann[0]["generator_1"]
    ref = alpaca_get_winrate([a["preference"] for a in ann])
    ours = next(r for r in rows if r["model"] == model and r["opponent"] == base)
    for k in ["win_rate", "standard_error", "discrete_win_rate"]:
        if ours[k] is None or not close(ours[k], ref[k], 1e-9):
            print(f"MISMATCH {f} {k}: ours {ours[k]!r} AlpacaEval {float(ref[k])!r}"); bad += 1
    for k, rk in [("n_total", "n_total"), ("n_wins", "n_wins"), ("n_losses", "n_wins_base"), ("n_draws", "n_draws")]:
        if ours[k] != int(ref[rk]):
            print(f"MISMATCH {f} {k}: ours {ours[k]} AlpacaEval {ref[rk]}"); bad += 1
    if model in board.index:
        seen.add(model)
        if not close(ours["win_rate"], board.loc[model, "win_rate"], 1e-6):
            print(f"MISMATCH {f} leaderboard: ours {ours['win_rate']!r} {board.loc[model, 'win_rate']!r}"); bad += 1
    print(f"alpaca {model:40s} win_rate {ours['win_rate']:.12f} AlpacaEval {float(ref['win_rate']):.12f}")
missing = set(board.index) - seen
if missing:
    print(f"MISMATCH leaderboard models without a file: {sorted(missing)}"); bad += 1

tables = judge("mt", os.path.join(mt, "model_judgment"), "--questions", os.path.join(mt, "question.jsonl"))
pair_file = os.path.join(mt, "model_judgment", "gpt-4_pair.jsonl")
ref = fastchat_pairwise(pd.read_json(pair_file, lines=True))
ours = {r["model"]: r for r in tables("winrates") if r["opponent"] == "all"}
for model, row in ref.iterrows():
    o = ours[model]
    for k, r, w in [("win", row["win"], o["n_wins"]), ("loss", row["loss"], o["n_losses"]),
                    ("tie", row["tie"], o["n_draws"]), ("win_rate_adjusted", row["win_rate_adjusted"], o["win_rate"] / 100)]:
        if not close(r, w, 1e-12):
            print(f"MISMATCH pair {model} {k}: ours {w!r} FastChat {r!r}"); bad += 1
    print(f"pair {model:12s} win {row['win']} loss {row['loss']} tie {row['tie']} ours {o['n_wins']}/{o['n_losses']}/{o['n_draws']}")

fc = wheel("fschat==0.2.36")
show = load_module("show_result", os.path.join(fc, "fastchat", "llm_judge", "show_result.py"))
printed = []
show.print = lambda *a, **k: printed.extend(x for x in a if hasattr(x, "columns"))
show.display_result_single(argparse.Namespace(input_file=os.path.join(mt, "model_judgment", "gpt-4_single.jsonl"),
                                              model_list=None, bench_name="mt_bench", judge_model="gpt-4"))
scores = tables("scores")
for df, turn in zip(printed, ["1", "2", "all"]):
    for idx, row in df.iterrows():
        model = idx[0] if isinstance(idx, tuple) else idx
        o = next(r for r in scores if r["model"] == model and r["turn"] == turn and r["category"] == "all")
        if not close(o["score"], row["score"], 1e-12):
            print(f"MISMATCH single {model} turn {turn}: ours {o['score']!r} FastChat {row['score']!r}"); bad += 1
        print(f"single {model:12s} turn {turn}: FastChat {row['score']:.12f} ours {o['score']:.12f}")
print(f"{bad} mismatches")
sys.exit(1 if bad else 0)
