#!/usr/bin/env python3
"""Live parity of wildstat-keywords with the published formula.

Monroe, Colaresi and Quinn, "Fightin' Words", Political Analysis 16(4), 2008,
eq. 16-22, written here from the paper in plain Python (math.log), with the
informative prior alpha_w = s * (y_w^a + y_w^b), alpha_0 = sum_w alpha_w:

  delta_w = log((y_a + alpha_w) / (n_a + alpha_0 - y_a - alpha_w))
          - log((y_b + alpha_w) / (n_b + alpha_0 - y_b - alpha_w))
  sigma2_w = 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
  z_w = delta_w / sqrt(sigma2_w)

Two Python versions are compared with the Rust keywords.csv: "same order"
evaluates the terms in the order the crate documents (n_a - y_a and
alpha_0 - alpha_w = s * (N - p) first), "textbook" left to right as printed
above with alpha_0 = math.fsum(alpha_w). Words whose pooled count is below
--min-count are left out of the table but stay in n_a, n_b and alpha_0.

usage:
  keywords_parity.py check A.jsonl B.jsonl keywords.csv [--prior-scale S]
                     [--min-count N] [--stopwords]
  keywords_parity.py extract-mtbench-pair OUT_DIR    # judge comments: phi-3 won / phi-3-dpo won
  keywords_parity.py extract-mtbench-single OUT_DIR  # phi-3-dpo grades: score >= 8 / < 8
  keywords_parity.py extract-mtbench-judgments OUT_DIR   # the judge's explanations about
                                                     # phi-3 / phi-3-dpo, attached as
                                                     # `wildstat keywords --judgments` does
  keywords_parity.py extract-alpaca MODEL_A MODEL_B OUT_DIR   # `output` fields
  keywords_parity.py extract-alpaca-all OUT_DIR      # all 40 models: first 20 / last 20
  keywords_parity.py all [--bin PATH]                # every case above, run and checked

Each extract writes OUT_DIR/a.jsonl and OUT_DIR/b.jsonl, one {"text": ...}
a line. `all` needs the example binary (default
target/release/examples/keywords_jsonl; build it with
`cargo build --release -p wildstat-keywords --example keywords_jsonl`).
Exit status 1 if any difference exceeds 1e-12 or any word or count differs.
"""

import collections
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared", "corpora")
STOPWORDS = os.path.join(ROOT, "crates", "keywords", "data", "english-stopwords.txt")
TOLERANCE = 1e-12


def words(text):
    """The crate's word rule: lowercase runs of L/M/N characters and apostrophes."""
    run = []
    for ch in text + " ":
        if ch in "'\u2019" or unicodedata.category(ch)[0] in "LMN":
            run.append(ch)
        elif run:
            w = "".join(run).replace("\u2019", "'").strip("'")
            if w:
                yield w.lower()
            run = []


def count(path, stop):
    c = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                c.update(w for w in words(json.loads(line)["text"]) if w not in stop)
    return c


def scores(a, b, s, min_count):
    """{word: (y_a, y_b, delta, sigma2, z)} twice: same order, textbook order."""
    na, nb = sum(a.values()), sum(b.values())
    n = na + nb
    vocab = set(a) | set(b)
    alpha0 = math.fsum(s * (a[w] + b[w]) for w in vocab)
    same, book = {}, {}
    for w in vocab:
        ya, yb = a[w], b[w]
        p = ya + yb
        if p < min_count:
            continue
        alpha = s * p
        rest = s * (n - p)
        num_a, num_b = ya + alpha, yb + alpha
        delta = math.log(num_a / ((na - ya) + rest)) - math.log(num_b / ((nb - yb) + rest))
        var = 1 / num_a + 1 / num_b
        same[w] = (ya, yb, delta, var, delta / math.sqrt(var))
        delta = math.log((ya + alpha) / (na + alpha0 - ya - alpha)) - math.log(
            (yb + alpha) / (nb + alpha0 - yb - alpha)
        )
        var = 1 / (ya + alpha) + 1 / (yb + alpha)
        book[w] = (ya, yb, delta, var, delta / math.sqrt(var))
    return same, book, na, nb


def check(a_path, b_path, csv_path, prior_scale=1.0, min_count=1, stopwords=False):
    stop = set()
    if stopwords:
        with open(STOPWORDS, encoding="utf-8") as f:
            stop = {w for w in f.read().split("\n") if w}
    a, b = count(a_path, stop), count(b_path, stop)
    same, book, na, nb = scores(a, b, prior_scale, min_count)
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    ok = True
    got = {r["word"]: r for r in rows}
    if len(got) != len(rows) or set(got) != set(same):
        ok = False
        print(f"  word sets differ: rust {len(rows)} rows, python {len(same)} words;"
              f" only rust {sorted(set(got) - set(same))[:5]},"
              f" only python {sorted(set(same) - set(got))[:5]}")
    order = sorted(same, key=lambda w: (-same[w][4], w))
    if [r["word"] for r in rows] != order:
        ok = False
        print("  row order differs from (z descending, word)")
    diffs = {"log_odds": [0.0, 0.0], "variance": [0.0, 0.0], "z": [0.0, 0.0]}
    not_bitwise = 0
    for w in set(got) & set(same):
        r = got[w]
        if (int(r["count_a"]), int(r["count_b"])) != same[w][:2]:
            ok = False
            print(f"  counts of {w!r} differ: rust {r['count_a']},{r['count_b']} python {same[w][:2]}")
        vals = [float(r[k]) for k in ("log_odds", "variance", "z")]
        not_bitwise += vals != list(same[w][2:])
        for i, k in enumerate(("log_odds", "variance", "z")):
            diffs[k][0] = max(diffs[k][0], abs(vals[i] - same[w][2 + i]))
            diffs[k][1] = max(diffs[k][1], abs(vals[i] - book[w][2 + i]))
    worst = max(d for pair in diffs.values() for d in pair)
    ok = ok and worst <= TOLERANCE
    print(f"  n_a {na}, n_b {nb}, {len(same)} words scored; max |diff| same order / textbook:"
          + "".join(f" {k} {d[0]:.3g} / {d[1]:.3g};" for k, d in diffs.items())
          + f" {not_bitwise} rows not bit-identical to the same-order Python")
    return ok


def write_jsonl(path, texts):
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}) + "\n")


def extract_mtbench_pair(out):
    """Judge comments, grouped by the model the judge preferred (both game orders; ties skipped)."""
    path = os.path.join(SHARED, "mt-bench", "model_judgment", "gpt-4_pair.jsonl")
    groups = {"model_1": [], "model_2": []}
    names = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            names = {"model_1": r["model_1"], "model_2": r["model_2"]}
            for g in ("g1", "g2"):
                if r[g + "_winner"] in groups:
                    groups[r[g + "_winner"]].append(r[g + "_judgment"])
    write_jsonl(os.path.join(out, "a.jsonl"), groups["model_1"])
    write_jsonl(os.path.join(out, "b.jsonl"), groups["model_2"])
    return names["model_1"] + " won", names["model_2"] + " won"


def extract_mtbench_single(out):
    """Single-answer grades of the one graded model: judgments scoring >= 8 vs < 8."""
    path = os.path.join(SHARED, "mt-bench", "model_judgment", "gpt-4_single.jsonl")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    write_jsonl(os.path.join(out, "a.jsonl"), [r["judgment"] for r in rows if r["score"] >= 8])
    write_jsonl(os.path.join(out, "b.jsonl"), [r["judgment"] for r in rows if r["score"] < 8])
    return "score >= 8", "score < 8"


def extract_mtbench_judgments(out):
    """The judge's explanations about phi-3 (a) and phi-3-dpo (b), by the
    attachment rule of `wildstat keywords --judgments`, written here
    independently: a pair judgment's g1_judgment and g2_judgment count for
    both models of the game, a single grade's judgment for its model."""
    texts = {"phi-3": [], "phi-3-dpo": []}
    folder = os.path.join(SHARED, "mt-bench", "model_judgment")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                if "model_1" in r:
                    for field in ("g1_judgment", "g2_judgment"):
                        if r.get(field) is not None:
                            for m in (r["model_1"], r["model_2"]):
                                texts.setdefault(m, []).append(r[field])
                elif r.get("judgment") is not None:
                    texts.setdefault(r["model"], []).append(r["judgment"])
    write_jsonl(os.path.join(out, "a.jsonl"), texts["phi-3"])
    write_jsonl(os.path.join(out, "b.jsonl"), texts["phi-3-dpo"])
    return "phi-3", "phi-3-dpo"


def alpaca_outputs(model):
    with open(os.path.join(SHARED, "alpaca-eval-json", model + ".json"), encoding="utf-8") as f:
        return [r.get("output") or "" for r in json.load(f)]


def extract_alpaca(model_a, model_b, out):
    write_jsonl(os.path.join(out, "a.jsonl"), alpaca_outputs(model_a))
    write_jsonl(os.path.join(out, "b.jsonl"), alpaca_outputs(model_b))
    return model_a, model_b


def extract_alpaca_all(out):
    models = sorted(f[:-5] for f in os.listdir(os.path.join(SHARED, "alpaca-eval-json"))
                    if f.endswith(".json"))
    half = len(models) // 2
    write_jsonl(os.path.join(out, "a.jsonl"), [t for m in models[:half] for t in alpaca_outputs(m)])
    write_jsonl(os.path.join(out, "b.jsonl"), [t for m in models[half:] for t in alpaca_outputs(m)])
    return f"{models[0]}..{models[half - 1]}", f"{models[half]}..{models[-1]}"


def run_all(binary):
    cases = [
        ("mt-bench pair: judge comments by winner", lambda d: extract_mtbench_pair(d), {}),
        ("mt-bench single: phi-3-dpo grades, high vs low", lambda d: extract_mtbench_single(d), {}),
        ("alpaca-eval: gpt4_1106_preview vs claude-2.1",
         lambda d: extract_alpaca("gpt4_1106_preview", "claude-2.1", d), {}),
        ("alpaca-eval: same, --stopwords --min-count 5 --prior-scale 0.3",
         lambda d: extract_alpaca("gpt4_1106_preview", "claude-2.1", d),
         {"stopwords": True, "min_count": 5, "prior_scale": 0.3}),
        ("alpaca-eval: all 40 models, first 20 vs last 20", extract_alpaca_all, {}),
    ]
    ok = True
    for name, extract, opts in cases:
        with tempfile.TemporaryDirectory() as d:
            label_a, label_b = extract(d)
            cmd = [binary, os.path.join(d, "a.jsonl"), os.path.join(d, "b.jsonl"), d,
                   "--label-a", label_a, "--label-b", label_b,
                   "--prior-scale", repr(opts.get("prior_scale", 1.0)),
                   "--min-count", str(opts.get("min_count", 1))]
            if opts.get("stopwords"):
                cmd.append("--stopwords")
            print(f"{name}:")
            rust = subprocess.run(cmd, capture_output=True, text=True)
            if rust.returncode != 0:
                print("  rust failed: " + rust.stderr.strip())
                ok = False
                continue
            for line in rust.stderr.strip().splitlines():
                print("  rust: " + line)
            t = time.time()
            ok &= check(os.path.join(d, "a.jsonl"), os.path.join(d, "b.jsonl"),
                        os.path.join(d, "keywords.csv"), **opts)
            print(f"  python: {time.time() - t:.1f} s")
    print("PASS" if ok else "FAIL")
    return ok


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]
    opts = {}
    pos = []
    it = iter(rest)
    for x in it:
        if x == "--prior-scale":
            opts["prior_scale"] = float(next(it))
        elif x == "--min-count":
            opts["min_count"] = int(next(it))
        elif x == "--stopwords":
            opts["stopwords"] = True
        elif x == "--bin":
            opts["bin"] = next(it)
        else:
            pos.append(x)
    if cmd == "check" and len(pos) == 3:
        ok = check(*pos, **opts)
        print("PASS" if ok else "FAIL")
    elif cmd == "extract-mtbench-pair" and len(pos) == 1:
        print(extract_mtbench_pair(pos[0]))
        ok = True
    elif cmd == "extract-mtbench-single" and len(pos) == 1:
        print(extract_mtbench_single(pos[0]))
        ok = True
    elif cmd == "extract-mtbench-judgments" and len(pos) == 1:
        print(extract_mtbench_judgments(pos[0]))
        ok = True
    elif cmd == "extract-alpaca" and len(pos) == 3:
        print(extract_alpaca(*pos))
        ok = True
    elif cmd == "extract-alpaca-all" and len(pos) == 1:
        print(extract_alpaca_all(pos[0]))
        ok = True
    elif cmd == "all" and not pos:
        ok = run_all(opts.get("bin", os.path.join(ROOT, "target", "release", "examples",
                                                     "keywords_jsonl")))
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
