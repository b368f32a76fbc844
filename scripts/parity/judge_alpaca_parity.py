#!/usr/bin/env python3
"""Parity of wildstat-judge's AlpacaEval win rates with AlpacaEval itself.

Reference: alpaca-eval 0.6.6 from PyPI (source downloaded, not installed: its
package imports an API client stack). Its own `metrics/helpers.py` is loaded
as is, with `alpaca_eval.utils.validate_alpacaeval_preference` taken from its
`utils.py`, and `get_winrate` re-run exactly as `metrics/winrate.py` does:
AbsoluteScoringRule().describe_head2head(preferences) plus
ZeroOneScoringRule().describe_head2head(preferences)["win_rate"].

Checks, for every annotations file in DIR (default ../shared/corpora/alpaca-eval-annotations):
- win_rate, standard_error, discrete_win_rate, n_total, n_wins, n_draws of the
  generator_2-vs-generator_1 row equal the reference to 1e-9;
- win_rate equals leaderboard.csv's for every model it lists, to 1e-6.

usage: judge_alpaca_parity.py [DIR]   (python with pandas + numpy)
Exit status 1 on any mismatch.
"""
import json, math, os, sys, types
import pandas as pd
from judge_common import SHARED, dump, function_module, load_module, wheel

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SHARED, "corpora", "alpaca-eval-annotations")
ae = wheel("alpaca-eval==0.6.6")
utils = function_module("alpaca_eval.utils", os.path.join(ae, "alpaca_eval", "utils.py"),
                        ["validate_alpacaeval_preference"])
pkg = types.ModuleType("alpaca_eval")
pkg.utils = utils
helpers = load_module("alpaca_eval.metrics.helpers", os.path.join(ae, "alpaca_eval", "metrics", "helpers.py"),
                      {"alpaca_eval": pkg, "alpaca_eval.utils": utils})


def get_winrate(preferences):
    out = helpers.AbsoluteScoringRule().describe_head2head(preferences)
    out["discrete_win_rate"] = helpers.ZeroOneScoringRule().describe_head2head(preferences)["win_rate"]
    return out


bad = 0
board = pd.read_csv(os.path.join(d, "leaderboard.csv")).set_index("dir")
files = sorted(f for f in os.listdir(d) if f.endswith(".json"))
seen = set()
for f in files:
    ann = json.load(open(os.path.join(d, f)))
    model, base = ann[0]["generator_2"], ann[0]["generator_1"]
    ref = get_winrate(pd.Series([a["preference"] for a in ann], dtype=float))
    rows = dump("winrates", os.path.join(d, f))
    ours = next(r for r in rows if r["model"] == model and r["opponent"] == base)
    for k in ["win_rate", "standard_error", "discrete_win_rate"]:
        a, b = ours[k], float(ref[k])
        if not (abs(a - b) <= 1e-9 or (math.isnan(b) and a is None)):
            print(f"MISMATCH {f} {k}: ours {a!r} reference {b!r}"); bad += 1
    for k, rk in [("n_total", "n_total"), ("n_wins", "n_wins"), ("n_losses", "n_wins_base"), ("n_draws", "n_draws")]:
        if ours[k] != int(ref[rk]):
            print(f"MISMATCH {f} {k}: ours {ours[k]} reference {ref[rk]}"); bad += 1
    line = f"{model:40s} win_rate {ours['win_rate']:.12f} se {ours['standard_error']:.12f} discrete {ours['discrete_win_rate']:.12f}"
    if model in board.index:
        seen.add(model)
        lb = board.loc[model, "win_rate"]
        if abs(ours["win_rate"] - lb) > 1e-6:
            print(f"MISMATCH {f} leaderboard win_rate: ours {ours['win_rate']!r} leaderboard {lb!r}"); bad += 1
        line += f"  leaderboard {lb:.12f}"
    print(line)
missing = set(board.index) - seen
if missing:
    print(f"MISMATCH leaderboard models without annotations: {sorted(missing)}"); bad += 1
print(f"{len(files)} files, {len(seen)} leaderboard models, {bad} mismatches")
sys.exit(1 if bad else 0)
