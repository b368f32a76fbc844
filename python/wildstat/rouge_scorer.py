"""rouge-score 0.1.2's ``rouge_score.rouge_scorer``, computed natively.

``RougeScorer(rouge_types, use_stemmer=False, split_summaries=False,
tokenizer=None)`` with ``score(target, prediction)`` and
``score_multi(targets, prediction)`` returns the same dict of
``Score(precision, recall, fmeasure)`` tuples as rouge-score, bit for bit:
``rouge1`` .. ``rouge9``, ``rougeL`` and ``rougeLsum`` (summary-level LCS over
newline-separated sentences, or ``nltk.sent_tokenize`` sentences with
``split_summaries=True``, which needs ``nltk`` and its punkt data as
rouge-score does). Invalid types raise ``ValueError`` from ``score`` with
rouge-score's messages. ``score_batch(pairs, threads=None)`` scores many
pairs in parallel without the GIL.

Differences: texts must be ``str`` (rouge-score also accepts UTF-8 ``bytes``)
and a custom tokenizer's tokens must be ``str``; both raise ``TypeError``.
"""

import re

from . import scoring, tokenizers
from ._wildstat import rouge_tokens, rouge_tokens_batch

__all__ = ["RougeScorer"]


def _ensure_str(s):
    """``six.ensure_str`` as rouge-score applies it to a rouge type."""
    if isinstance(s, bytes):
        return s.decode("utf-8")
    if not isinstance(s, str):
        raise TypeError("not expecting type '%s'" % type(s))
    return s


def _kinds(rouge_types):
    """(key, canonical name) per rouge type, validated as rouge-score does."""
    out = []
    for rouge_type in rouge_types:
        if rouge_type == "rougeL" or rouge_type == "rougeLsum":
            out.append((rouge_type, rouge_type))
        elif re.match(r"rouge[0-9]$", _ensure_str(rouge_type)):
            n = int(rouge_type[5:])
            if n <= 0:
                raise ValueError("rougen requires positive n: %s" % rouge_type)
            out.append((rouge_type, "rouge%d" % n))
        else:
            raise ValueError("Invalid rouge type: %s" % rouge_type)
    return out


def _sent_tokenize(text):
    try:
        import nltk
    except ImportError as e:
        raise ImportError(
            "RougeScorer(split_summaries=True) splits sentences with nltk.sent_tokenize, "
            "as rouge-score does: install nltk and its punkt_tab data"
        ) from e
    return nltk.sent_tokenize(text)


def _check_text(name, text):
    if not isinstance(text, str):
        raise TypeError(f"{name} must be str, not {type(text).__name__}")


def _score(result):
    # None: rouge-score's Score(precision=0, recall=0, fmeasure=0) (ints).
    return scoring.Score(0, 0, 0) if result is None else scoring.Score(*result)


class RougeScorer(scoring.BaseScorer):
    """Calculate rouge scores between two blobs of text.

    Sample usage:
      scorer = RougeScorer(['rouge1', 'rougeL'], use_stemmer=True)
      scores = scorer.score('The quick brown fox jumps over the lazy dog',
                            'The quick brown dog jumps on the log.')
    """

    def __init__(self, rouge_types, use_stemmer=False, split_summaries=False, tokenizer=None):
        self.rouge_types = rouge_types
        if tokenizer:
            self._tokenizer = tokenizer
        else:
            self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer)
        self._split_summaries = split_summaries

    def _native(self):
        """The native tokenizer core, or None for a caller's tokenizer."""
        if type(self._tokenizer) is tokenizers.DefaultTokenizer:
            return self._tokenizer._core
        return None

    def _sentences(self, text):
        """rougeLsum's sentences of ``text`` (empty ones dropped)."""
        sents = _sent_tokenize(text) if self._split_summaries else text.split("\n")
        return [x for x in sents if len(x)]

    def _text_item(self, kinds, name, text):
        _check_text(name, text)
        lsum = self._split_summaries and any(c == "rougeLsum" for _, c in kinds)
        return (text, _sent_tokenize(text) if lsum else None)

    def _token_items(self, kinds, target, prediction):
        """The caller's tokenizer applied as rouge-score applies it."""
        lsum_only = len(kinds) == 1 and kinds[0][1] == "rougeLsum"
        tok = self._tokenizer.tokenize
        whole = (None, None) if lsum_only else (tok(target), tok(prediction))
        if any(c == "rougeLsum" for _, c in kinds):
            sents = tuple([tok(s) for s in self._sentences(x)] for x in (target, prediction))
        else:
            sents = (None, None)
        return (whole[0], sents[0]), (whole[1], sents[1])

    def score(self, target, prediction):
        """A dict mapping each rouge type to a ``Score``.

        Raises ValueError for an invalid rouge type.
        """
        kinds = _kinds(self.rouge_types)
        names = [c for _, c in kinds]
        core = self._native()
        if core is not None:
            t = self._text_item(kinds, "target", target)
            p = self._text_item(kinds, "prediction", prediction)
            results = core.score(names, t, p)
        else:
            results = rouge_tokens(names, *self._token_items(kinds, target, prediction))
        return {key: _score(r) for (key, _), r in zip(kinds, results)}

    def score_multi(self, targets, prediction):
        """Per rouge type, the score of the target with the highest f-measure
        (the first on ties)."""
        score_dicts = [self.score(t, prediction) for t in targets]
        max_score = {}
        for k in self.rouge_types:
            f = [s[k].fmeasure for s in score_dicts]
            if not f:
                raise ValueError("attempt to get argmax of an empty sequence")
            max_score[k] = score_dicts[f.index(max(f))][k]
        return max_score

    def score_batch(self, pairs, threads=None):
        """``[self.score(target, prediction) for target, prediction in pairs]``,
        computed on ``threads`` threads (None: all cores) without the GIL."""
        kinds = _kinds(self.rouge_types)
        names = [c for _, c in kinds]
        core = self._native()
        if core is not None:
            items = [
                (self._text_item(kinds, "target", t), self._text_item(kinds, "prediction", p))
                for t, p in pairs
            ]
            rows = core.score_batch(names, items, threads)
        else:
            items = [self._token_items(kinds, t, p) for t, p in pairs]
            rows = rouge_tokens_batch(names, items, threads)
        return [{key: _score(r) for (key, _), r in zip(kinds, row)} for row in rows]
