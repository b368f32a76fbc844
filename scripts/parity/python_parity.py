#!/usr/bin/env python3
"""Parity and speed of the wildstat Python package against rouge-score 0.1.2
and NLTK 3.10.4 on real corpus pairs, one call per pair.

Pairs: for each conversation (sorted hashes), PER_CONV seeded ordered pairs
(target, other) of two different models' first assistant turns
(scripts/lib/transcripts.py), the first LIMIT of them. Per pair:
  RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(target, other)
  meteor_score([other.split()], target.split())
from the references and from wildstat, compared exactly (every float, and
the types of the zeros); then wildstat's batch calls (score_batch,
meteor_batch) on 1 thread and on every core must give the same values.
Extra checks on the first EXTRA pairs: rouge1..rouge9, rougeL, rougeLsum with
and without stemming, and METEOR with preprocess=identity (tokens keep their
capitals: the general alignment path).

Prints mismatches, "N pairs, M mismatches" per metric and a speed table
(pairs/s; the references single-threaded; inputs built inside the timed
region, e.g. str.split for METEOR). Exit code 1 on any mismatch.

usage (an interpreter with wildstat, rouge-score, nltk + WordNet 3.0 in
~/nltk_data, pyarrow; scripts/bench/python.sh sets one up):
  PY scripts/parity/python_parity.py [--corpus ../shared/corpora/alpaca-eval]
      [--limit 20000] [--per-conv 25] [--seed 1] [--extra 2000]
      [--metrics rouge,meteor]
"""

import argparse
import os
import random
import sys
import time

from nltk.translate import meteor_score as nltk_meteor
from rouge_score import rouge_scorer as ref_rouge

from wildstat import meteor_score as ws_meteor
from wildstat import rouge_scorer as ws_rouge

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from transcripts import first_turns  # noqa: E402

TYPES = ["rouge1", "rouge2", "rougeL"]
ALL_TYPES = ["rouge%d" % n for n in range(1, 10)] + ["rougeL", "rougeLsum"]


def pairs_of(corpus, per_conv, seed, limit):
    by_hash = {}
    for (model, h), text in first_turns(corpus).items():
        by_hash.setdefault(h, {})[model] = text
    rng = random.Random(seed)
    out = []
    for h in sorted(by_hash):
        models = sorted(by_hash[h])
        if len(models) < 2:
            continue
        for _ in range(per_conv):
            t, o = rng.sample(models, 2)
            out.append((by_hash[h][t], by_hash[h][o]))
    return out[:limit]


def key(x):
    """Exact identity of a result: float bits and int-vs-float."""
    if isinstance(x, float):
        return ("f", x.hex())
    if isinstance(x, (tuple, list)):
        return tuple(key(v) for v in x)
    if isinstance(x, dict):
        return tuple((k, key(v)) for k, v in x.items())
    return (type(x).__name__, x)


class Check:
    def __init__(self, show):
        self.show, self.failures = show, 0

    def compare(self, name, want, got, pairs):
        bad = [i for i, (w, g) in enumerate(zip(want, got)) if key(w) != key(g)]
        if len(want) != len(got):
            bad.append(-1)
        for i in bad[: self.show]:
            print(f"  {name} mismatch at pair {i}: reference={want[i]!r} wildstat={got[i]!r}")
            print(f"    target={pairs[i][0][:200]!r} other={pairs[i][1][:200]!r}")
        print(f"{name}: {len(want)} pairs, {len(bad)} mismatches", flush=True)
        self.failures += len(bad)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "corpora", "alpaca-eval"))
    ap.add_argument("--limit", type=int, default=20000)
    ap.add_argument("--per-conv", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra", type=int, default=2000)
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("--metrics", default="rouge,meteor", help="comma-separated: rouge, meteor")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print(f"no corpus at {a.corpus}", file=sys.stderr)
        return 2
    pairs = pairs_of(a.corpus, a.per_conv, a.seed, a.limit)
    n = len(pairs)
    threads = os.cpu_count()
    print(f"{n} pairs from {a.corpus}; {threads} cores", flush=True)
    check = Check(a.show)
    speed = []
    metrics = set(a.metrics.split(","))
    extra = pairs[: a.extra]

    if "rouge" in metrics:
        rouge(pairs, extra, threads, check, speed)
    if "meteor" in metrics:
        meteor(pairs, extra, threads, check, speed)

    print("\nspeed on", n, "pairs (machine shared with other jobs: indicative)")
    print("implementation\tseconds\tpairs/s")
    for name, dt in speed:
        print(f"{name}\t{dt:.2f}\t{n / dt:.0f}")
    print("mismatches:", check.failures)
    return 1 if check.failures else 0


def rouge(pairs, extra, threads, check, speed):
    """ROUGE-1/2/L with Porter stemming on all pairs; every type on `extra`."""
    ref = ref_rouge.RougeScorer(TYPES, use_stemmer=True)
    want, dt = timed(lambda: [ref.score(t, o) for t, o in pairs])
    speed.append(("rouge-score 0.1.2, one call per pair", dt))
    ws = ws_rouge.RougeScorer(TYPES, use_stemmer=True)
    got, dt = timed(lambda: [ws.score(t, o) for t, o in pairs])
    speed.append(("wildstat RougeScorer.score, one call per pair", dt))
    check.compare("ROUGE-1/2/L (stemmed)", want, got, pairs)
    for th in (1, None):
        ws = ws_rouge.RougeScorer(TYPES, use_stemmer=True)
        got, dt = timed(lambda: ws.score_batch(pairs, threads=th))
        speed.append((f"wildstat RougeScorer.score_batch, {th or threads} thread(s)", dt))
        check.compare(f"ROUGE-1/2/L score_batch threads={th}", want, got, pairs)
    for stem in (False, True):
        ref = ref_rouge.RougeScorer(ALL_TYPES, use_stemmer=stem)
        ws = ws_rouge.RougeScorer(ALL_TYPES, use_stemmer=stem)
        want = [ref.score(t, o) for t, o in extra]
        check.compare(f"rouge1..9/L/Lsum use_stemmer={stem}", want, [ws.score(t, o) for t, o in extra], extra)


def meteor(pairs, extra, threads, check, speed):
    """METEOR with NLTK's defaults on all pairs; preprocess=identity on `extra`."""
    nltk_meteor.meteor_score([["warm"]], ["up"])  # loads WordNet outside the timing
    want, dt = timed(lambda: [nltk_meteor.meteor_score([o.split()], t.split()) for t, o in pairs])
    speed.append(("NLTK 3.10.4 meteor_score, one call per pair", dt))
    got, dt = timed(lambda: [ws_meteor.meteor_score([o.split()], t.split()) for t, o in pairs])
    speed.append(("wildstat meteor_score, one call per pair", dt))
    check.compare("METEOR", want, got, pairs)
    for th in (1, None):
        got, dt = timed(lambda: ws_meteor.meteor_batch([([o.split()], t.split()) for t, o in pairs], threads=th))
        speed.append((f"wildstat meteor_batch, {th or threads} thread(s)", dt))
        check.compare(f"METEOR meteor_batch threads={th}", want, got, pairs)

    ident = lambda x: x  # noqa: E731
    want = [nltk_meteor.meteor_score([o.split()], t.split(), preprocess=ident) for t, o in extra]
    got = [ws_meteor.meteor_score([o.split()], t.split(), preprocess=ident) for t, o in extra]
    check.compare("METEOR preprocess=identity", want, got, extra)


if __name__ == "__main__":
    sys.exit(main())
