"""wildstat.meteor_score against NLTK 3.10.4 (fixtures made by
scripts/fixtures/make_python_fixtures.py) and NLTK's documented behaviour."""

import json
import os

import pytest

from wildstat import meteor_score as ms

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
PREPROCESS = {"lower": str.lower, "identity": lambda x: x}


def rows():
    with open(os.path.join(FIXTURES, "meteor.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_fixtures_bit_for_bit():
    rs = rows()
    assert len(rs) == 315
    for row in rs:
        got = ms.meteor_score(
            row["references"],
            row["hypothesis"],
            preprocess=PREPROCESS[row["preprocess"]],
            **row.get("params", {}),
        )
        assert got.hex() == row["score"].hex(), row


def test_batch_equals_single_calls_for_any_thread_count():
    rs = [r for r in rows() if "params" not in r]
    for pre in ("lower", "identity"):
        pairs = [(r["references"], r["hypothesis"]) for r in rs if r["preprocess"] == pre]
        want = [ms.meteor_score(refs, hyp, preprocess=PREPROCESS[pre]) for refs, hyp in pairs]
        for threads in (None, 1, 3):
            got = ms.meteor_batch(pairs, preprocess=PREPROCESS[pre], threads=threads)
            assert got == want


def test_batch_params_and_errors():
    pairs = [([["a", "b"]], ["a"])]
    assert ms.meteor_batch(pairs, alpha=-1.0) == [0.0]  # NLTK's ZeroDivisionError
    with pytest.raises(ValueError):
        ms.meteor_batch(pairs, threads=0)
    with pytest.raises(ValueError):  # max() of no references, as NLTK
        ms.meteor_batch([([], ["a"])])
    with pytest.raises(TypeError):
        ms.meteor_batch([(["a b"], ["a"])])


def test_type_errors_as_nltk():
    with pytest.raises(TypeError, match='"hypothesis" expects pre-tokenized hypothesis'):
        ms.single_meteor_score(["a"], "a b")
    with pytest.raises(TypeError, match='"reference" expects pre-tokenized reference'):
        ms.meteor_score(["a b"], ["a"])
    with pytest.raises(ValueError):
        ms.meteor_score([], ["a"])
    # preprocess must return str (NLTK would fail later, in the stem stage).
    with pytest.raises(TypeError):
        ms.single_meteor_score([1], [1], preprocess=lambda x: x)


def test_iterables_and_preprocess_callable():
    ref = ("It is a guide to action that ensures that the military will forever heed Party commands").split()
    hyp = ("It is a guide to action which ensures that the military always obeys the commands of the party").split()
    assert ms.single_meteor_score(ref, hyp) == 0.6944444444444445
    assert ms.single_meteor_score(iter(ref), tuple(hyp)) == 0.6944444444444445
    seen = []

    def pre(tok):
        seen.append(tok)
        return tok.lower()

    assert ms.single_meteor_score(ref, hyp, preprocess=pre) == 0.6944444444444445
    assert seen == hyp + ref


def test_stemmer_and_wordnet_arguments():
    ref, hyp = ["the", "cats"], ["the", "cat"]
    want = ms.single_meteor_score(ref, hyp)
    assert ms.single_meteor_score(ref, hyp, stemmer=ms.PorterStemmer(), wordnet=ms.wordnet) == want
    assert ms.PorterStemmer().stem("Running") == "run"

    class Other:
        def stem(self, word):
            return word

    with pytest.raises(NotImplementedError, match="PorterStemmer"):
        ms.single_meteor_score(ref, hyp, stemmer=Other())
    with pytest.raises(NotImplementedError, match="WordNet 3.0"):
        ms.meteor_score([ref], hyp, wordnet=object())
    with pytest.raises(NotImplementedError):
        ms.meteor_batch([([ref], hyp)], stemmer=Other())


def test_nltk_porter_stemmer_accepted():
    porter = pytest.importorskip("nltk.stem.porter", reason="nltk not installed")
    ref, hyp = ["the", "cats", "ran"], ["the", "cat", "runs"]
    want = ms.single_meteor_score(ref, hyp)
    assert ms.single_meteor_score(ref, hyp, stemmer=porter.PorterStemmer()) == want
    original = porter.PorterStemmer(mode=porter.PorterStemmer.ORIGINAL_ALGORITHM)
    with pytest.raises(NotImplementedError):
        ms.single_meteor_score(ref, hyp, stemmer=original)


def test_lowercasing_joined_tokens_equals_lowercasing_each():
    # What _pack(lower=True) relies on, over tokens built from characters
    # whose lowercase depends on context (final sigma, case-ignorable marks)
    # or changes length (U+0130).
    import random

    alphabet = ["A", "a", "\u03a3", "\u03c3", "\u0130", "\u0301", "'", ".", "\u0345", "\u1fbc", " ", "1", "\u00df"]
    rng = random.Random(19)
    for _ in range(20000):
        toks = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 5))]
        assert "\x1f".join(toks).lower() == "\x1f".join(t.lower() for t in toks), toks
