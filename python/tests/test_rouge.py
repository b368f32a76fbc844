"""wildstat.rouge_scorer against rouge-score 0.1.2 (fixtures made by
scripts/fixtures/make_python_fixtures.py) and its documented behaviour."""

import json
import os

import pytest

from wildstat import rouge_scorer, scoring, tokenizers

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
TYPES = ["rouge%d" % n for n in range(1, 10)] + ["rougeL", "rougeLsum"]


class SplitTokenizer:
    def tokenize(self, text):
        return text.split()


def rows():
    with open(os.path.join(FIXTURES, "rouge.jsonl")) as f:
        return [json.loads(line) for line in f]


def scorer(row):
    tok = SplitTokenizer() if row["tokenizer"] == "split" else None
    return rouge_scorer.RougeScorer(TYPES, use_stemmer=row["use_stemmer"], tokenizer=tok)


def same(got, want):
    """Equal values and types (rouge-score's integer zeros included)."""
    return [(type(x), x) for x in got] == [(type(x), x) for x in want]


def test_fixtures_bit_for_bit():
    rs = rows()
    assert len(rs) == 296
    for row in rs:
        got = scorer(row).score(row["target"], row["prediction"])
        assert list(got) == TYPES
        for k in TYPES:
            assert isinstance(got[k], scoring.Score)
            assert same(got[k], row["scores"][k]), (row, k)


def test_batch_equals_single_calls_for_any_thread_count():
    rs = rows()
    for tok in ("default", "split"):
        for stem in (False, True):
            sel = [r for r in rs if r["tokenizer"] == tok and r["use_stemmer"] == stem]
            s = scorer(sel[0])
            pairs = [(r["target"], r["prediction"]) for r in sel]
            want = [s.score(t, p) for t, p in pairs]
            for threads in (None, 1, 3):
                got = s.score_batch(pairs, threads=threads)
                assert len(got) == len(want)
                for g, w in zip(got, want):
                    assert list(g) == list(w)
                    assert all(same(g[k], w[k]) for k in w)


def test_rouge_types_validated_at_score_time():
    s = rouge_scorer.RougeScorer(["rouge1", "rouge10"])  # no error yet, as rouge-score
    with pytest.raises(ValueError, match="^Invalid rouge type: rouge10$"):
        s.score("a", "a")
    with pytest.raises(ValueError, match="^rougen requires positive n: rouge0$"):
        rouge_scorer.RougeScorer(["rouge0"]).score("a", "a")
    with pytest.raises(ValueError, match="^Invalid rouge type: rougen$"):
        rouge_scorer.RougeScorer(["rougen"]).score_batch([("a", "a")])
    # rouge-score's regex `rouge[0-9]$` also accepts a trailing newline.
    got = rouge_scorer.RougeScorer(["rouge1\n", "rouge1"]).score("a b", "a")
    assert list(got) == ["rouge1\n", "rouge1"] and got["rouge1\n"] == got["rouge1"]
    assert rouge_scorer.RougeScorer([]).score("a", "a") == {}


def test_texts_must_be_str():
    s = rouge_scorer.RougeScorer(["rouge1"])
    with pytest.raises(TypeError, match="target must be str"):
        s.score(b"a", "a")
    with pytest.raises(TypeError, match="prediction must be str"):
        s.score_batch([("a", None)])


def test_score_multi():
    s = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    got = s.score_multi(["first text", "first something"], "text first")
    assert (got["rouge1"].fmeasure, got["rouge2"].fmeasure, got["rougeL"].fmeasure) == (1.0, 0.0, 0.5)
    with pytest.raises(ValueError):
        s.score_multi([], "a")


def test_default_tokenizer():
    t = tokenizers.DefaultTokenizer(use_stemmer=True)
    assert t.tokenize("The quick brown fox jumps over the lazy dog") == [
        "the", "quick", "brown", "fox", "jump", "over", "the", "lazi", "dog"
    ]
    assert tokenizers.DefaultTokenizer().tokenize("Jumps, İstanbul!") == ["jumps", "i", "stanbul"]
    # An explicit DefaultTokenizer scores natively, like the default one.
    a = rouge_scorer.RougeScorer(["rouge1"], tokenizer=t).score("runs", "running")
    b = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True).score("runs", "running")
    assert a == b and a["rouge1"].fmeasure == 1.0


def test_split_summaries_uses_nltk_sent_tokenize():
    s = rouge_scorer.RougeScorer(["rougeLsum"], split_summaries=True)
    target, prediction = "First sentence. Second Sentence.", "Second sentence. First Sentence."
    try:
        import nltk
    except ImportError:
        with pytest.raises(ImportError, match="nltk.sent_tokenize"):
            s.score(target, prediction)
        return
    try:
        sents = [nltk.sent_tokenize(x) for x in (target, prediction)]
    except LookupError:
        print("NOTICE: nltk punkt data absent; split_summaries=True not checked")
        pytest.skip("nltk punkt data absent")
    # The same as newline-separated sentences (rouge-score's test expects 1.0).
    joined = rouge_scorer.RougeScorer(["rougeLsum"]).score(*("\n".join(x) for x in sents))
    assert s.score(target, prediction) == joined
    assert joined["rougeLsum"].fmeasure == 1.0
