#!/usr/bin/env python3
"""Parity of wildstat-judge's Bradley-Terry ratings (and style control) with
scikit-learn, on synthetic battle sets with known strengths.

Reference (judge_reference.py): Chatbot Arena's compute_mle_elo design fitted
by LogisticRegression(fit_intercept=False, penalty=None); for style control
the same regression plus Arena-Hard-Auto's standardized style covariates,
with a planted length preference.

Checks for each seed: every rating within 1e-4 rating points of the
reference, style coefficients within 1e-6, and the known strength order
recovered (by both). Prints the largest differences.

usage: judge_bt_parity.py [N_BATTLES] [SEEDS]   (python with pandas, numpy, scikit-learn)
Exit status 1 on any mismatch.
"""
import json, os, sys, tempfile, warnings
from judge_common import dump
from judge_reference import STRENGTHS, gen_battles, gen_style_battles, mle_elo, mle_elo_style

warnings.filterwarnings("ignore", category=FutureWarning)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
ten = {f"m{i}": 1000.0 + 45.0 * (i - 4.5) for i in range(10)}
truth_order = lambda s: sorted(s, key=lambda m: -s[m])
bad = 0
for seed in seeds:
    for label, strengths in [("6 models", STRENGTHS), ("10 models", ten)]:
        with tempfile.TemporaryDirectory() as tmp:
            f = os.path.join(tmp, "battles.jsonl")
            df = gen_battles(n, seed=100 + seed, strengths=strengths)
            df.to_json(f, orient="records", lines=True)
            ref = mle_elo(df)
            ours = dict(zip(*(lambda r: (r["models"], r["rating"]))(dump("bt", "0", f)[0])))
            diff = max(abs(ours[m] - ref[m]) for m in ref)
            ok = diff <= 1e-4 and truth_order(ours) == truth_order(strengths) == truth_order(ref)
            bad += not ok
            print(f"bt    seed {seed} {label:9s} {n} battles: max |ours - sklearn| = {diff:.2e} rating points, "
                  f"order {'recovered' if truth_order(ours) == truth_order(strengths) else 'NOT recovered'}"
                  f"{'' if ok else '  MISMATCH'}")

            rows = gen_style_battles(n, seed=200 + seed, strengths=strengths)
            with open(f, "w") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in rows)
            rref, cref = mle_elo_style(rows)
            out = dump("style", "0", f)[0]
            ours = dict(zip(out["models"], out["rating"]))
            diff = max(abs(ours[m] - rref[m]) for m in rref)
            cdiff = max(abs(a - b) for a, b in zip(out["coefficients"], cref))
            ok = diff <= 1e-4 and cdiff <= 1e-6 and truth_order(ours) == truth_order(strengths)
            bad += not ok
            print(f"style seed {seed} {label:9s} {n} battles: max |ours - sklearn| = {diff:.2e} rating points, "
                  f"coefficients {cdiff:.2e}, length coef {out['coefficients'][0]:.4f}, order "
                  f"{'recovered' if truth_order(ours) == truth_order(strengths) else 'NOT recovered'}"
                  f"{'' if ok else '  MISMATCH'}")
print(f"{bad} mismatches")
sys.exit(1 if bad else 0)
