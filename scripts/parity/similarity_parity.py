#!/usr/bin/env python3
"""Live parity of `wildstat similarity` against the Python references.

Reads DIR/pairs.parquet written by `wildstat similarity`, picks up to N pairs
(seeded, spread over every target model), recomputes each with Google's
rouge-score 0.1.2 (use_stemmer=True, F1) and NLTK's meteor_score over
whitespace tokens (WordNet 3.0), and compares bit for bit.

usage: similarity_parity.py CORPUS_DIR PAIRS_DIR [--pairs N] [--seed S]
Exits 1 if any value differs; prints the first mismatches.
Set up the references with scripts/oracle/setup.sh and run with its python.
"""
import argparse, os, random, sys, time
import pyarrow.parquet as pq
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from transcripts import first_turns
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.translate.meteor_score import meteor_score
from rouge_score import rouge_scorer

ap = argparse.ArgumentParser()
ap.add_argument("corpus"); ap.add_argument("pairs_dir")
ap.add_argument("--pairs", type=int, default=20000)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--wordnet", default=os.environ.get("WORDNET_DIR", os.path.expanduser("~/nltk_data/corpora/wordnet")))
a = ap.parse_args()

# First assistant turn of each (model, conversation), as wildstat selects it.
resp = first_turns(a.corpus)

t = pq.read_table(os.path.join(a.pairs_dir, "pairs.parquet")).to_pylist()
rng = random.Random(a.seed)
rng.shuffle(t)
# Round-robin over target models so every model is covered.
by_target = {}
for row in t:
    by_target.setdefault(row["target_model"], []).append(row)
picked, i = [], 0
while len(picked) < min(a.pairs, len(t)):
    for rows in by_target.values():
        if i < len(rows) and len(picked) < a.pairs:
            picked.append(rows[i])
    i += 1

wn = WordNetCorpusReader(a.wordnet, None)
scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
mismatches, t0 = [], time.time()
for row in picked:
    tgt = resp[(row["target_model"], row["conversation_hash"])]
    ref = resp[(row["reference_model"], row["conversation_hash"])]
    s = scorer.score(tgt, ref)
    want = {"rouge1": s["rouge1"].fmeasure, "rouge2": s["rouge2"].fmeasure, "rougeL": s["rougeL"].fmeasure,
            "meteor": meteor_score([ref.split()], tgt.split(), wordnet=wn)}
    for k, v in want.items():
        if row[k] != v and not (v != v and row[k] != row[k]):
            mismatches.append((row["target_model"], row["reference_model"], row["conversation_hash"], k, row[k], v))
dt = time.time() - t0
models = len({r["target_model"] for r in picked})
print(f"{len(picked)} pairs across {models} target models checked in {dt:.0f}s: {len(mismatches)} mismatches")
for m in mismatches[:20]:
    print("  target=%s reference=%s hash=%s %s: wildstat %r != reference %r" % m)
sys.exit(1 if mismatches else 0)
