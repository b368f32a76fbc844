"""Parallel calls stay usable in a child forked after a parallel call in
the parent (rayon's global pool would not: its threads do not survive fork)."""

import multiprocessing
import os

import pytest

import wildstat
from wildstat import meteor_score as ms
from wildstat import rouge_scorer

PAIRS = [([["the", "cat", "sat"]], ["the", "cats", "sat", "down"])] * 64
TEXTS = [("the cat sat on the mat", "a cat sat on a mat")] * 64
TIMEOUT = 60
SAMPLE = "data/sample"


def _in_forked_child(ctx, target, timeout=TIMEOUT):
    """What `target(conn)` sends from a forked child (no deadlock, exit 0)."""
    parent_end, child_end = ctx.Pipe()
    proc = ctx.Process(target=target, args=(child_end,))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        raise AssertionError("child deadlocked after fork")
    assert proc.exitcode == 0
    assert parent_end.poll(5)
    return parent_end.recv()


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
        assert _in_forked_child(ctx, _child) == want
    # And the parent's pool still works.
    assert ms.meteor_batch(PAIRS, threads=2)[0] == want[0]


def _child_stage(conn):
    got = wildstat.style(SAMPLE, quiet=True)
    conn.send(got["responses"].num_rows)
    os._exit(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_stage_in_a_child_forked_after_a_stage_in_the_parent():
    want = wildstat.style(SAMPLE, quiet=True)["responses"].num_rows
    ctx = multiprocessing.get_context("fork")
    assert _in_forked_child(ctx, _child_stage, timeout=120) == want
