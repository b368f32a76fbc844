"""Reference computations for wildstat-judge (used by the parity scripts and
scripts/fixtures/make_judge_fixtures.py).

- alpaca_get_winrate: AlpacaEval 0.6.6's get_winrate on its own helpers.py.
- fastchat_pairwise: fschat 0.2.36's show_result.display_result_pairwise.
- mle_elo: Chatbot Arena's compute_mle_elo (leaderboard notebook): pivot
  tables of A wins (x2), B wins (x2) and ties (one each way), two rows per
  ordered pair with +-ln(BASE) design and those sample weights, fitted by
  scikit-learn LogisticRegression(fit_intercept=False, penalty=None); rating =
  SCALE * coef + INIT_RATING. Arena uses tol=1e-6; here tol=1e-12 so the
  reference is the MLE to well under 1e-4 rating points.
- mle_elo_style: the same regression plus Arena-Hard-Auto's style covariates
  (show_result.py print_leaderboard_with_style_features: length
  (a-b)/(a+b), Markdown densities per token (a-b)/(a+b+1), standardized with
  the sample std), each battle as two weighted rows (outcome and its
  complement), as Arena's style-control notebook does.
"""
import argparse, json, math, os, tempfile, types
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from judge_common import function_module, load_module, wheel

SCALE, BASE, INIT = 400, 10, 1000
STRENGTHS = {"alpha": 1200.0, "beta": 1100.0, "gamma": 1050.0, "delta": 1000.0, "eps<&>": 900.0, "zeta": 800.0}


def alpaca_get_winrate(preferences):
    ae = wheel("alpaca-eval==0.6.6")
    utils = function_module("alpaca_eval.utils", os.path.join(ae, "alpaca_eval", "utils.py"),
                            ["validate_alpacaeval_preference"])
    pkg = types.ModuleType("alpaca_eval")
    pkg.utils = utils
    helpers = load_module("alpaca_eval.metrics.helpers", os.path.join(ae, "alpaca_eval", "metrics", "helpers.py"),
                          {"alpaca_eval": pkg, "alpaca_eval.utils": utils})
    preferences = pd.Series(preferences, dtype=float)
    out = helpers.AbsoluteScoringRule().describe_head2head(preferences)
    out["discrete_win_rate"] = helpers.ZeroOneScoringRule().describe_head2head(preferences)["win_rate"]
    return out


def fastchat_pairwise(df):
    fc = wheel("fschat==0.2.36")
    show = load_module("show_result", os.path.join(fc, "fastchat", "llm_judge", "show_result.py"))
    printed = []
    show.print = lambda *a, **k: printed.extend(x for x in a if hasattr(x, "columns"))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        df.to_json(f, orient="records", lines=True)
    show.display_result_pairwise(argparse.Namespace(input_file=f.name, model_list=None, baseline_model=None,
                                                    bench_name="mt_bench", judge_model="gpt-4"))
    os.unlink(f.name)
    return printed[-1]


def gen_battles(n, seed, strengths=STRENGTHS):
    rng = np.random.default_rng(seed)
    models = list(strengths)
    rows = []
    for _ in range(n):
        i, j = rng.choice(len(models), 2, replace=False)
        a, b = models[i], models[j]
        p = 1 / (1 + BASE ** ((strengths[b] - strengths[a]) / SCALE))
        u = rng.uniform()
        winner = ("tie" if u < 0.05 else "tie (bothbad)") if u < 0.1 else ("model_a" if rng.uniform() < p else "model_b")
        rows.append({"model_a": a, "model_b": b, "winner": winner})
    return pd.DataFrame(rows)


def mle_elo(df):
    ptbl_a_win = pd.pivot_table(df[df["winner"] == "model_a"], index="model_a", columns="model_b",
                                aggfunc="size", fill_value=0)
    if sum(df["winner"].isin(["tie", "tie (bothbad)"])) == 0:
        ptbl_tie = pd.DataFrame(0, index=ptbl_a_win.index, columns=ptbl_a_win.columns)
    else:
        ptbl_tie = pd.pivot_table(df[df["winner"].isin(["tie", "tie (bothbad)"])], index="model_a",
                                  columns="model_b", aggfunc="size", fill_value=0)
        ptbl_tie = ptbl_tie + ptbl_tie.T
    ptbl_b_win = pd.pivot_table(df[df["winner"] == "model_b"], index="model_a", columns="model_b",
                                aggfunc="size", fill_value=0)
    ptbl_win = ptbl_a_win * 2 + ptbl_b_win.T * 2 + ptbl_tie
    models = pd.Series(np.arange(len(ptbl_win.index)), index=ptbl_win.index)
    p = len(models)
    X = np.zeros([p * (p - 1) * 2, p])
    Y = np.zeros(p * (p - 1) * 2)
    cur_row = 0
    sample_weights = []
    for m_a in ptbl_win.index:
        for m_b in ptbl_win.columns:
            if m_a == m_b:
                continue
            if math.isnan(ptbl_win.loc[m_a, m_b]) or math.isnan(ptbl_win.loc[m_b, m_a]):
                continue
            X[cur_row, models[m_a]] = +math.log(BASE)
            X[cur_row, models[m_b]] = -math.log(BASE)
            Y[cur_row] = 1.0
            sample_weights.append(ptbl_win.loc[m_a, m_b])
            X[cur_row + 1, models[m_a]] = math.log(BASE)
            X[cur_row + 1, models[m_b]] = -math.log(BASE)
            Y[cur_row + 1] = 0.0
            sample_weights.append(ptbl_win.loc[m_b, m_a])
            cur_row += 2
    X, Y = X[:cur_row], Y[:cur_row]
    lr = LogisticRegression(fit_intercept=False, penalty=None, tol=1e-12, max_iter=100000)
    lr.fit(X, Y, sample_weight=sample_weights)
    elo = SCALE * lr.coef_[0] + INIT
    return {m: float(elo[models[m]]) for m in models.index}


def gen_style_battles(n, seed, strengths=STRENGTHS, length_coef=1.5):
    """Battles whose outcome also depends on the relative length (planted preference)."""
    rng = np.random.default_rng(seed)
    models = list(strengths)
    rows = []
    for _ in range(n):
        i, j = rng.choice(len(models), 2, replace=False)
        a, b = models[i], models[j]
        style = []
        for _side in range(2):
            t = int(rng.integers(50, 1500))
            style.append({"token_len": t, "headers": int(rng.poisson(t / 400)), "lists": int(rng.poisson(t / 150)),
                          "bold": int(rng.poisson(2))})
        la, lb = style[0]["token_len"], style[1]["token_len"]
        z = math.log(BASE) * (strengths[a] - strengths[b]) / SCALE + length_coef * (la - lb) / (la + lb)
        u = rng.uniform()
        winner = "tie" if u < 0.1 else ("model_a" if rng.uniform() < 1 / (1 + math.exp(-z)) else "model_b")
        rows.append({"model_a": a, "model_b": b, "winner": winner, "style_a": style[0], "style_b": style[1]})
    return rows


def mle_elo_style(rows):
    models = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    idx = {m: k for k, m in enumerate(models)}
    keys = ["token_len", "headers", "lists", "bold"]
    fa = np.array([[r["style_a"][k] for k in keys] for r in rows], dtype=np.float64)
    fb = np.array([[r["style_b"][k] for k in keys] for r in rows], dtype=np.float64)
    feat = np.zeros_like(fa)
    feat[:, 0] = (fa[:, 0] - fb[:, 0]) / (fa[:, 0] + fb[:, 0])
    da, db = fa[:, 1:] / fa[:, :1], fb[:, 1:] / fb[:, :1]
    feat[:, 1:] = (da - db) / (da + db + 1)
    feat = (feat - feat.mean(axis=0)) / feat.std(axis=0, ddof=1)
    n, p = len(rows), len(models)
    X = np.zeros([n, p + 4])
    for r, row in enumerate(rows):
        X[r, idx[row["model_a"]]] = math.log(BASE)
        X[r, idx[row["model_b"]]] = -math.log(BASE)
    X[:, p:] = feat
    y = np.array([{"model_a": 1.0, "model_b": 0.0}.get(r["winner"], 0.5) for r in rows])
    XX = np.concatenate([X, X])
    YY = np.concatenate([np.ones(n), np.zeros(n)])
    W = np.concatenate([y, 1 - y])
    keep = W > 0
    lr = LogisticRegression(fit_intercept=False, penalty=None, tol=1e-12, max_iter=100000)
    lr.fit(XX[keep], YY[keep], sample_weight=W[keep])
    coef = lr.coef_[0]
    return {m: float(SCALE * coef[idx[m]] + INIT) for m in models}, [float(c) for c in coef[p:]]
