"""Parallel calls stay usable in a child forked after a parallel call in
the parent (rayon's global pool would not: its threads do not survive fork)."""

import multiprocessing
import os

import pytest

from wildstat import meteor_score as ms
from wildstat import rouge_scorer

PAIRS = [([["the", "cat", "sat"]], ["the", "cats", "sat", "down"])] * 64
TEXTS = [("the cat sat on the mat", "a cat sat on a mat")] * 64
TIMEOUT = 60


def _child(conn):
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    m = ms.meteor_batch(PAIRS, threads=2)
    r = scorer.score_batch(TEXTS, threads=2)
    conn.send((m[0], r[0]["rougeL"].fmeasure))  # synchronous, unlike a Queue
    os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_parallel_calls_after_fork():
    # Parent: a parallel call of each kind first, so the pool exists.
    m = ms.meteor_batch(PAIRS, threads=2)
    r = rouge_scorer.RougeScorer(["rouge1", "rougeL"]).score_batch(TEXTS, threads=2)
    want = (m[0], r[0]["rougeL"].fmeasure)
    ctx = multiprocessing.get_context("fork")
    for _ in range(2):
        parent_end, child_end = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(child_end,))
        proc.start()
        proc.join(TIMEOUT)
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise AssertionError("child deadlocked after fork")
        assert proc.exitcode == 0
        assert parent_end.poll(5) and parent_end.recv() == want
    # And the parent's pool still works.
    assert ms.meteor_batch(PAIRS, threads=2)[0] == want[0]
