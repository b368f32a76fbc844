#!/usr/bin/env python3
"""WordNet synonym-set parity for METEOR: NLTK vs wildstat-metrics.

For every index lemma of WordNet 3.0, every exception-list entry, and each
lemma with common inflectional suffixes appended (plus the same in upper
case), compares NLTK's
  sorted({l.name() for s in wordnet.synsets(w) for l in s.lemmas()
          if "_" not in l.name()} | {w})
with `WordNet::synonyms(w)` from
  cargo run -p wildstat-metrics --release --example meteor_synonyms
and prints "N words, M mismatches".

usage: ~/.cache/wildstat-oracle/bin/python scripts/parity/meteor_synonyms_parity.py [--limit N]
"""

import argparse
import os
import subprocess
import sys
import time

from nltk.corpus.reader.wordnet import WordNetCorpusReader

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUFFIXES = ("s", "es", "ed", "ing", "er", "est", "ies", "men", "ses", "ves", "xes", "ches")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument(
        "--wordnet",
        default=os.environ.get("WORDNET_DIR", os.path.expanduser("~/nltk_data/corpora/wordnet")),
    )
    a = ap.parse_args()
    wn = WordNetCorpusReader(a.wordnet, None)
    words = set()
    for lemma in wn.all_lemma_names():
        words.add(lemma)
        for suf in SUFFIXES:
            words.add(lemma + suf)
    for pos in ("n", "v", "a", "r"):
        for form, bases in wn._exception_map[pos].items():
            words.add(form)
            words.update(bases)
    words = sorted(w for w in words if "\n" not in w)
    words += [w.upper() for w in words[::50]] + [w.capitalize() for w in words[::50]]
    if a.limit:
        words = words[: a.limit]

    t0 = time.time()
    want = []
    for w in words:
        names = {
            l.name() for s in wn.synsets(w) for l in s.lemmas() if "_" not in l.name()
        }
        want.append(sorted(names | {w}))
    nltk_s = time.time() - t0

    subprocess.run(
        ["cargo", "build", "-q", "-p", "wildstat-metrics", "--release", "--example", "meteor_synonyms"],
        cwd=ROOT,
        check=True,
    )
    t0 = time.time()
    proc = subprocess.run(
        [os.path.join(ROOT, "target", "release", "examples", "meteor_synonyms")],
        input="".join(w + "\n" for w in words),
        capture_output=True,
        text=True,
        check=True,
    )
    ours_s = time.time() - t0
    got = [line.split("\t") for line in proc.stdout.split("\n")[:-1]]
    assert len(got) == len(words), (len(got), len(words))
    bad = [k for k in range(len(words)) if got[k] != want[k]]
    for k in bad[:10]:
        print(f"  mismatch {words[k]!r}: nltk={want[k]} ours={got[k]}")
    print(f"{len(words)} words, {len(bad)} mismatches")
    print(f"nltk {nltk_s:.1f}s, ours {ours_s:.2f}s (process incl. table load)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
