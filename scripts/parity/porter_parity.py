#!/usr/bin/env python3
"""Porter stemmer parity: NLTK PorterStemmer() vs wildstat_metrics::porter::stem.

Usage (repository root, oracle Python with nltk==3.10.4 and pyarrow):

    cargo build -p wildstat-metrics --release --example stem
    ~/.cache/wildstat-oracle/bin/python scripts/parity/porter_parity.py \
        [CORPUS_DIR] [--wordnet-dir /usr/share/wordnet] \
        [--bin target/release/examples/stem]

Stems every distinct word of WordNet's index.{noun,verb,adj,adv} (lemma,
'_' to space, whitespace-split) plus, for every first assistant turn of every
*.parquet in CORPUS_DIR (default /work/shared/corpora/alpaca-eval), every
`str.split()` token (as METEOR sees it, also lowercased) and every raw
rouge-score token (lowercased [a-z0-9]+ runs). Prints
"N words, M mismatches" and the first mismatches; exits 1 on any mismatch.
Nothing from the corpus is written to disk.
"""

import argparse
import glob
import os
import random
import re
import subprocess
import sys

import pyarrow.parquet as pq
from nltk.stem.porter import PorterStemmer

NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Pieces for random words: every suffix the rules test, letters that change
# the consonant/vowel pattern, and characters outside ASCII.
FRAGMENTS = (
    "sses ies ss s ied eed ed ing at bl iz y ational tional enci anci izer bli "
    "alli entli eli ousli ization ation ator alism iveness fulness ousness "
    "aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al "
    "ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive "
    "ize e ll l z w x a e i o u y yy b c d t r n m p 0 1 9 - ' . _ "
    "\u00e9 \u00df \u0130 \u212a \u03a3 \u03c3 \u0443 \u65e5 \U0001f600 "
    "A E Y I S L"
).split()


def first_assistant_texts(corpus_dir):
    for path in sorted(glob.glob(os.path.join(corpus_dir, "*.parquet"))):
        table = pq.read_table(path, columns=["conversation"])
        for conv in table.column("conversation").to_pylist():
            for turn in conv or []:
                if turn.get("role") == "assistant":
                    yield str(turn.get("content")).strip()
                    break


def wordnet_words(wordnet_dir):
    words = set()
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(wordnet_dir, "index." + pos), encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                words.update(line.split(" ", 1)[0].replace("_", " ").split())
    return words


def main():
    ap = argparse.ArgumentParser(description="NLTK vs wildstat Porter stemmer parity")
    ap.add_argument("corpus", nargs="?", default="/work/shared/corpora/alpaca-eval")
    ap.add_argument("--wordnet-dir", default="/usr/share/wordnet")
    ap.add_argument("--bin", default="target/release/examples/stem")
    ap.add_argument("--show", type=int, default=20)
    ap.add_argument("--fuzz", type=int, default=200000,
                    help="also stem this many seeded random strings built from "
                         "suffix fragments, y/vowel runs, digits and non-ASCII")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    words = wordnet_words(args.wordnet_dir)
    n_wordnet = len(words)
    n_texts = 0
    for text in first_assistant_texts(args.corpus):
        n_texts += 1
        for tok in text.split():
            words.add(tok)
            words.add(tok.lower())
        words.update(t for t in NON_ALNUM.split(text.lower()) if t)
    n_fuzz = 0
    if args.fuzz:
        rng = random.Random(args.seed)
        before = len(words)
        while len(words) < before + args.fuzz:
            words.add("".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 6))))
        n_fuzz = len(words) - before
    # The stdin protocol is one word per '\n' line; str.split() tokens never
    # contain '\n'.
    words = sorted(w for w in words if "\n" not in w)

    stemmer = PorterStemmer()
    want = [stemmer.stem(w) for w in words]
    res = subprocess.run(
        [args.bin], input="\n".join(words) + "\n", capture_output=True,
        encoding="utf-8", errors="surrogatepass", check=True,
    )
    got = res.stdout.split("\n")
    assert got[-1] == "", "output must end with a newline"
    got = got[:-1]
    assert len(got) == len(words), (len(got), len(words))
    bad = [(w, a, b) for w, a, b in zip(words, want, got) if a != b]
    print(f"{len(words)} words ({n_wordnet} WordNet, {n_texts} corpus texts, "
          f"{n_fuzz} fuzz), "
          f"{len(bad)} mismatches")
    for w, a, b in bad[: args.show]:
        print(f"  {w!r}: nltk {a!r}, ours {b!r}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
