#!/usr/bin/env python3
"""Throughput of the Python stacks a user would otherwise run, on real pairs:
first assistant turns of every ordered pair of models over the first
conversations common to all models.

usage: peers.py CORPUS_DIR [--conversations N] [--skip a,b]
Prints TSV lines: peer, pairs, seconds, pairs_per_s.
  paper-stack      rouge-score (rouge1, rouge2, rougeL, stemmed) + NLTK METEOR, per pair,
                   as the WildChat-50M notebook did
  rouge-score      rouge-score alone (rouge1, rouge2, rougeL, stemmed)
  nltk-meteor      NLTK meteor_score alone
  rapidrouge       rapidrouge RougeScorer (rouge1, rouge2, rougeL, stemmed)
  rouge-rust       rouge-rust score_batch_flat (r1, r2, rL, unstemmed, all cores)
"""
import argparse, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from transcripts import first_turns

ap = argparse.ArgumentParser()
ap.add_argument("corpus")
ap.add_argument("--conversations", type=int, default=2)
ap.add_argument("--skip", default="")
a = ap.parse_args()
resp = {}
for (model, h), text in first_turns(a.corpus).items():
    resp.setdefault(model, {})[h] = text
models = sorted(resp)
common = sorted(set.intersection(*(set(resp[m]) for m in models)))[: a.conversations]
pairs = [(resp[t][h], resp[r][h]) for h in common for t in models for r in models if t != r]
skip = set(a.skip.split(","))


def run(name, fn, limit):
    if name in skip:
        return
    ps = pairs[:limit]
    t0 = time.perf_counter()
    fn(ps)
    dt = time.perf_counter() - t0
    print(f"{name}\t{len(ps)}\t{dt:.2f}\t{len(ps) / dt:.1f}", flush=True)


from rouge_score import rouge_scorer
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.translate.meteor_score import meteor_score

wn = WordNetCorpusReader(os.environ.get("WORDNET_DIR", os.path.expanduser("~/nltk_data/corpora/wordnet")), None)
rs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
meteor_score([["warm", "up"]], ["warm", "up"], wordnet=wn)  # load WordNet before timing
run("paper-stack", lambda ps: [(rs.score(t, r), meteor_score([r.split()], t.split(), wordnet=wn)) for t, r in ps], 1000)
run("rouge-score", lambda ps: [rs.score(t, r) for t, r in ps], 2000)
run("nltk-meteor", lambda ps: [meteor_score([r.split()], t.split(), wordnet=wn) for t, r in ps], 1000)
from rapidrouge import rouge_scorer as rr

rrs = rr.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
run("rapidrouge", lambda ps: [rrs.score(t, r) for t, r in ps], 10000)
import fast_rouge

run("rouge-rust", lambda ps: fast_rouge.score_batch_flat([r for _, r in ps], [t for t, _ in ps]), len(pairs))
