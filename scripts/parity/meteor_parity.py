#!/usr/bin/env python3
"""METEOR parity: NLTK vs wildstat-metrics on real corpus pairs.

For each conversation_hash, picks (seeded) ordered pairs of two different
models' first assistant responses (str(content).strip()), scores
  nltk.translate.meteor_score.meteor_score([ref.split()], hyp.split())
with the oracle interpreter, and the same pairs with
  cargo run -p wildstat-metrics --release --example meteor_pairs
then prints "N pairs, M mismatches" (exact f64 equality) and both speeds
(single thread each). Corpus text is only piped between the two processes.

usage (oracle python: nltk 3.10.4, pyarrow):
  ~/.cache/wildstat-oracle/bin/python scripts/parity/meteor_parity.py \\
      [--corpus /work/shared/corpora/alpaca-eval] [--per-conv 26] [--seed 1]
"""

import argparse
import glob
import json
import os
import random
import subprocess
import sys
import time

import pyarrow.parquet as pq
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.translate.meteor_score import meteor_score

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(corpus):
    resp = {}
    for f in sorted(glob.glob(os.path.join(corpus, "*.parquet"))):
        table = pq.read_table(f, columns=["conversation_hash", "model", "conversation"])
        for r in table.to_pylist():
            asst = [m["content"] for m in r["conversation"] or [] if m["role"] == "assistant"]
            if asst:
                resp.setdefault(r["model"], {}).setdefault(
                    r["conversation_hash"], str(asst[0]).strip()
                )
    return resp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpora/alpaca-eval")
    ap.add_argument("--per-conv", type=int, default=26, help="ordered model pairs per conversation")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="cap on pairs (0 = all)")
    ap.add_argument(
        "--wordnet",
        default=os.environ.get("WORDNET_DIR", os.path.expanduser("~/nltk_data/corpora/wordnet")),
    )
    ap.add_argument("--show", type=int, default=5, help="mismatches to describe")
    a = ap.parse_args()

    resp = load(a.corpus)
    models = sorted(resp)
    by_hash = {}
    for m in models:
        for h in resp[m]:
            by_hash.setdefault(h, []).append(m)
    rng = random.Random(a.seed)
    triples = []
    for h in sorted(by_hash):
        ms = by_hash[h]
        if len(ms) < 2:
            continue
        for _ in range(a.per_conv):
            t, r = rng.sample(ms, 2)
            triples.append((t, r, h))
    if a.limit:
        triples = triples[: a.limit]
    used = {t for t, _, _ in triples} | {r for _, r, _ in triples}
    print(
        f"{len(models)} models, {len(by_hash)} conversations, {len(triples)} pairs, "
        f"{len(used)} models used",
        file=sys.stderr,
    )

    wn = WordNetCorpusReader(a.wordnet, None)
    meteor_score([["warm"]], ["up"], wordnet=wn)
    t0 = time.time()
    want = []
    for t, r, h in triples:
        hyp, ref = resp[t][h], resp[r][h]
        want.append(meteor_score([ref.split()], hyp.split(), wordnet=wn))
    nltk_s = time.time() - t0

    subprocess.run(
        ["cargo", "build", "-q", "-p", "wildstat-metrics", "--release", "--example", "meteor_pairs"],
        cwd=ROOT,
        check=True,
    )
    payload = "".join(
        json.dumps({"hyp": resp[t][h], "ref": resp[r][h]}) + "\n" for t, r, h in triples
    )
    t0 = time.time()
    proc = subprocess.run(
        [os.path.join(ROOT, "target", "release", "examples", "meteor_pairs")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    ours_wall = time.time() - t0
    got = [float(x) for x in proc.stdout.split()]
    assert len(got) == len(want), (len(got), len(want))
    bad = [k for k, (x, y) in enumerate(zip(got, want)) if x != y]
    for k in bad[: a.show]:
        t, r, h = triples[k]
        print(f"  mismatch: hyp={t} ref={r} hash={h} nltk={want[k]!r} ours={got[k]!r}")
    n = len(triples)
    print(f"{n} pairs, {len(bad)} mismatches")
    print(f"nltk: {nltk_s:.1f}s, {n / nltk_s:.1f} pairs/s (single thread)")
    print(f"ours: {proc.stderr.strip()}")
    print(f"ours: process wall incl. start-up, JSON parse, WordNet load: {ours_wall:.2f}s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
