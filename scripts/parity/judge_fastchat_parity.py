#!/usr/bin/env python3
"""Parity of wildstat-judge with FastChat's MT-Bench `show_result.py`.

Reference: fschat 0.2.36 from PyPI (source downloaded, not installed);
`fastchat/llm_judge/show_result.py` loaded as is and its own
`display_result_pairwise` (mode pairwise-all) and `display_result_single`
run on the judgment files; the DataFrames it prints are captured.

Checks: per model, win/loss/tie counts and win_rate, loss_rate,
win_rate_adjusted of the pair file equal ours (n_wins, n_losses, n_draws of
the model-vs-all row, n_wins/n_total, n_losses/n_total, win_rate/100) to
1e-12; per model and turn, and per model overall, the single-grade mean
scores equal ours to 1e-12.

usage: judge_fastchat_parity.py [MT_BENCH_DIR]   (python with pandas)
Exit status 1 on any mismatch.
"""
import argparse, os, sys
from judge_common import SHARED, dump, load_module, wheel

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SHARED, "corpora", "mt-bench")
fc = wheel("fschat==0.2.36")
show = load_module("show_result", os.path.join(fc, "fastchat", "llm_judge", "show_result.py"))
printed = []
show.print = lambda *a, **k: printed.extend(x for x in a if hasattr(x, "columns"))
pair_file = os.path.join(d, "model_judgment", "gpt-4_pair.jsonl")
single_file = os.path.join(d, "model_judgment", "gpt-4_single.jsonl")
bad = 0

show.display_result_pairwise(argparse.Namespace(input_file=pair_file, model_list=None, baseline_model=None,
                                                bench_name="mt_bench", judge_model="gpt-4"))
ref = printed.pop()
ours = {r["model"]: r for r in dump("winrates", pair_file) if r["opponent"] is None}
for model, row in ref.iterrows():
    o = ours[model]
    n = o["n_total"]
    pairs = [("win", row["win"], o["n_wins"]), ("loss", row["loss"], o["n_losses"]), ("tie", row["tie"], o["n_draws"]),
             ("win_rate", row["win_rate"], o["n_wins"] / n), ("loss_rate", row["loss_rate"], o["n_losses"] / n),
             ("win_rate_adjusted", row["win_rate_adjusted"], o["win_rate"] / 100)]
    for k, r, w in pairs:
        if abs(float(r) - float(w)) > 1e-12:
            print(f"MISMATCH pair {model} {k}: ours {w!r} FastChat {r!r}"); bad += 1
    print(f"pair {model:12s} win {row['win']} loss {row['loss']} tie {row['tie']} "
          f"win_rate_adjusted {row['win_rate_adjusted']:.12f} ours {o['win_rate'] / 100:.12f}")

printed.clear()
show.display_result_single(argparse.Namespace(input_file=single_file, model_list=None, bench_name="mt_bench",
                                              judge_model="gpt-4"))
turn1, turn2, overall = printed
ours = dump("scores", os.path.join(d, "question.jsonl"), single_file)
for df, turn in [(turn1, 1), (turn2, 2), (overall, None)]:
    for idx, row in df.iterrows():
        model = idx[0] if isinstance(idx, tuple) else idx
        o = next(r for r in ours if r["model"] == model and r["turn"] == turn and r["category"] is None)
        if abs(o["mean"] - row["score"]) > 1e-12:
            print(f"MISMATCH single {model} turn {turn}: ours {o['mean']!r} FastChat {row['score']!r}"); bad += 1
        print(f"single {model:12s} turn {turn or 'all'}: FastChat {row['score']:.12f} ours {o['mean']:.12f}")
print(f"{bad} mismatches")
sys.exit(1 if bad else 0)
