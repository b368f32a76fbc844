#!/usr/bin/env python3
"""ROUGE parity on real pairs: rouge-score 0.1.2 vs wildstat_metrics.

Usage (repository root, oracle Python with rouge-score==0.1.2 and pyarrow):

    cargo build -p wildstat-metrics --release --example rouge_pairs
    ~/.cache/wildstat-oracle/bin/python scripts/parity/rouge_parity.py \
        [CORPUS_DIR] [--pairs 20000] [--seed 1] [--jobs N] \
        [--bin target/release/examples/rouge_pairs]

Pairs are first assistant turns (`str(content).strip()`) of two different
models for the same conversation_hash, drawn per hash with a seeded RNG, in
both orientations across the sample. Each pair is scored by
RougeScorer(["rouge1","rouge2","rougeL"], use_stemmer=True).score(target,
prediction) and by the Rust example; all nine floats must be bitwise equal.
Prints "N pairs, M mismatching pairs" plus the first mismatches (scores and
hashes only, no text); exits 1 on any mismatch. Nothing is written to disk.

Before the pairs, the tokenizer alone is checked on EVERY first response of
the corpus: rouge_score.tokenize.tokenize(text, stemmer) (with NLTK's
PorterStemmer behind a per-word memo, which changes no result) against the
`rouge_tokens` example. Skip with --no-tokens.

    cargo build -p wildstat-metrics --release --example rouge_tokens
"""

import argparse
import glob
import json
import multiprocessing
import os
import random
import struct
import subprocess
import sys
import time
from collections import defaultdict

import pyarrow.parquet as pq
from nltk.stem.porter import PorterStemmer
from rouge_score import rouge_scorer
from rouge_score import tokenize as rs_tokenize

KEYS = ("rouge1", "rouge2", "rougeL")
_scorer = None


def _score(pair):
    global _scorer
    if _scorer is None:
        _scorer = rouge_scorer.RougeScorer(list(KEYS), use_stemmer=True)
    s = _scorer.score(pair[0], pair[1])
    return [float(v) for k in KEYS for v in (s[k].precision, s[k].recall, s[k].fmeasure)]


def load(corpus_dir):
    by_hash = defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(corpus_dir, "*.parquet"))):
        t = pq.read_table(path, columns=["conversation_hash", "model", "conversation"])
        for h, m, conv in zip(t.column("conversation_hash").to_pylist(),
                              t.column("model").to_pylist(),
                              t.column("conversation").to_pylist()):
            for turn in conv or []:
                if turn.get("role") == "assistant":
                    by_hash[h][m] = str(turn.get("content")).strip()
                    break
    return by_hash


class MemoStemmer:
    """NLTK PorterStemmer with a per-word memo (same results, faster)."""

    def __init__(self):
        self._p = PorterStemmer()
        self._memo = {}

    def stem(self, w):
        s = self._memo.get(w)
        if s is None:
            s = self._memo[w] = self._p.stem(w)
        return s


def check_tokens(by_hash, args):
    keys = sorted((h, m) for h in by_hash for m in by_hash[h])
    texts = [by_hash[h][m] for h, m in keys]
    stemmer = MemoStemmer()
    want = [rs_tokenize.tokenize(t, stemmer) for t in texts]
    payload = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    res = subprocess.run([args.tokens_bin], input=payload, capture_output=True,
                         encoding="utf-8", check=True)
    got = [line.split() for line in res.stdout.split("\n")[:-1]]
    assert len(got) == len(texts), (len(got), len(texts))
    bad = [i for i in range(len(texts)) if got[i] != want[i]]
    print(f"tokens: {len(texts)} texts, {sum(map(len, want))} tokens, "
          f"{len(bad)} mismatching texts")
    for i in bad[: args.show]:
        print(f"  {keys[i]}: first difference at token "
              f"{next(k for k, (a, b) in enumerate(zip(want[i] + [None], got[i] + [None])) if a != b)}")
    if bad:
        sys.exit(1)


def bits(x):
    return struct.pack("<d", x)


def main():
    ap = argparse.ArgumentParser(description="rouge-score vs wildstat ROUGE parity")
    ap.add_argument("corpus", nargs="?", default="/work/shared/corpora/alpaca-eval")
    ap.add_argument("--pairs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--bin", default="target/release/examples/rouge_pairs")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--tokens-bin", default="target/release/examples/rouge_tokens")
    ap.add_argument("--no-tokens", action="store_true")
    args = ap.parse_args()

    by_hash = load(args.corpus)
    if not args.no_tokens:
        check_tokens(by_hash, args)
    hashes = sorted(h for h in by_hash if len(by_hash[h]) >= 2)
    rng = random.Random(args.seed)
    per_hash = -(-args.pairs // len(hashes))
    pairs, meta = [], []
    for h in hashes:
        models = sorted(by_hash[h])
        all_pairs = [(a, b) for a in models for b in models if a != b]
        for a, b in rng.sample(all_pairs, min(per_hash, len(all_pairs))):
            pairs.append((by_hash[h][a], by_hash[h][b]))
            meta.append((h, a, b))
    pairs, meta = pairs[: args.pairs], meta[: args.pairs]

    t0 = time.time()
    payload = "".join(json.dumps({"target": t, "prediction": p}) + "\n" for t, p in pairs)
    res = subprocess.run([args.bin], input=payload, capture_output=True,
                         encoding="utf-8", check=True)
    t_rust = time.time() - t0
    ours = [[float(x) for x in line.split(" ")] for line in res.stdout.splitlines()]
    assert len(ours) == len(pairs), (len(ours), len(pairs))

    t0 = time.time()
    with multiprocessing.Pool(args.jobs) as pool:
        ref = pool.map(_score, pairs, chunksize=64)
    t_py = time.time() - t0

    bad = []
    for i, (r, o) in enumerate(zip(ref, ours)):
        if [bits(x) for x in r] != [bits(x) for x in o]:
            bad.append(i)
    print(f"{len(pairs)} pairs ({len(hashes)} conversation hashes), "
          f"{len(bad)} mismatching pairs "
          f"[rust {t_rust:.1f}s incl. process start, rouge-score {t_py:.1f}s on {args.jobs} procs]")
    for i in bad[: args.show]:
        h, a, b = meta[i]
        print(f"  {h} target={a} prediction={b}\n    ref  {ref[i]}\n    ours {ours[i]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
