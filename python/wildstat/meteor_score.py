"""NLTK 3.10's ``nltk.translate.meteor_score``, computed natively.

``meteor_score(references, hypothesis, preprocess=str.lower, stemmer=...,
wordnet=..., alpha=0.9, beta=3.0, gamma=0.5)`` and ``single_meteor_score(
reference, hypothesis, ...)`` take pre-tokenized texts (iterables of
``str``; a ``str`` raises ``TypeError`` as NLTK does), apply ``preprocess``
to every token from Python, align with NLTK's exact, Porter-stem and WordNet
3.0 synonym stages natively (WordNet is built in: no ``nltk.download``), and
evaluate NLTK's formula in Python, so scores equal NLTK's bit for bit,
tokens taken as given (empty, with spaces or capitals alike).

``stemmer`` and ``wordnet`` accept the built-in defaults, an NLTK
``PorterStemmer()`` in its default mode and an NLTK WordNet reader whose
``get_version()`` is ``"3.0"`` (the same data); anything else raises
``NotImplementedError``. Tokens returned by ``preprocess`` must be ``str``.

``meteor_batch(pairs, ..., threads=None)`` scores many
``(references, hypothesis)`` pairs in parallel without the GIL.
"""

from . import _wildstat

__all__ = ["meteor_score", "single_meteor_score", "meteor_batch", "PorterStemmer", "wordnet"]


class PorterStemmer:
    """NLTK 3.10's ``PorterStemmer()`` (``NLTK_EXTENSIONS`` mode), built in."""

    def stem(self, word):
        return _wildstat.porter_stem(word)

    def __repr__(self):
        return "<wildstat PorterStemmer>"


class _WordNet30:
    """WordNet 3.0 as NLTK's ``wordnet`` reads it, built in."""

    def get_version(self):
        return "3.0"

    def __repr__(self):
        return "<wildstat WordNet 3.0>"


_PORTER = PorterStemmer()
_WORDNET = _WordNet30()
#: The built-in WordNet 3.0 (the default ``wordnet`` argument, named as NLTK
#: names ``nltk.corpus.wordnet``).
wordnet = _WORDNET


def _check_resources(stemmer, wordnet):
    """NotImplementedError unless both are what the native code computes."""
    if not isinstance(stemmer, PorterStemmer):
        cls = type(stemmer)
        nltk_porter = cls.__module__ == "nltk.stem.porter" and cls.__name__ == "PorterStemmer"
        if not (nltk_porter and getattr(stemmer, "mode", None) == "NLTK_EXTENSIONS"):
            raise NotImplementedError(
                f"wildstat.meteor_score supports only NLTK's default PorterStemmer(), "
                f"built in; got {stemmer!r}"
            )
    if wordnet is not _WORDNET:
        nltk_reader = type(wordnet).__module__.startswith("nltk.")
        if not (nltk_reader and wordnet.get_version() == "3.0"):
            raise NotImplementedError(
                f"wildstat.meteor_score supports only WordNet 3.0, built in; got {wordnet!r}"
            )


def _generate_enums(hypothesis, reference, preprocess=str.lower):
    """NLTK's type checks, then ``list(map(preprocess, ...))`` of both sides,
    each packed for the native code (see ``_pack``)."""
    if isinstance(hypothesis, str):
        raise TypeError(
            f'"hypothesis" expects pre-tokenized hypothesis (Iterable[str]): {hypothesis}'
        )
    if isinstance(reference, str):
        raise TypeError(
            f'"reference" expects pre-tokenized reference (Iterable[str]): {reference}'
        )
    return _preprocessed(hypothesis, preprocess), _preprocessed(reference, preprocess)


def _pack(tokens, lower=False):
    """A token list for the native code: ``(joined, n)``, its ``n`` tokens
    joined by U+001F, when no token contains U+001F (one string to convert
    instead of one per token), else the list. ``lower``: lowercase the
    joined string, which equals joining the lowercased tokens because
    U+001F is neither cased nor case-ignorable (``str.lower``'s final-sigma
    rule sees a token boundary there). A non-str token raises TypeError."""
    joined = "\x1f".join(tokens)
    if not tokens or joined.count("\x1f") == len(tokens) - 1:
        return (joined.lower() if lower else joined, len(tokens))
    return list(map(str.lower, tokens)) if lower else tokens


def _preprocessed(tokens, preprocess):
    """``list(map(preprocess, tokens))``, packed; ``str.lower`` is applied
    to the joined tokens at once."""
    if preprocess is str.lower:
        return _pack(tokens if type(tokens) is list else list(tokens), lower=True)
    return _pack(list(map(preprocess, tokens)))


def _len(packed):
    """Number of tokens of a packed list."""
    return packed[1] if type(packed) is tuple else len(packed)


def _formula(matches_count, translation_length, reference_length, chunks, alpha, beta, gamma):
    """NLTK 3.10's ``single_meteor_score`` arithmetic, in its exact order."""
    try:
        precision = float(matches_count) / translation_length
        recall = float(matches_count) / reference_length
        fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall)
        chunk_count = float(chunks)
        frag_frac = chunk_count / matches_count
    except ZeroDivisionError:
        return 0.0
    penalty = gamma * frag_frac**beta
    return (1 - penalty) * fmean


def single_meteor_score(
    reference,
    hypothesis,
    preprocess=str.lower,
    stemmer=_PORTER,
    wordnet=_WORDNET,
    alpha=0.9,
    beta=3.0,
    gamma=0.5,
):
    """METEOR of one pre-tokenized hypothesis against one reference.

    >>> hypothesis1 = ['It', 'is', 'a', 'guide', 'to', 'action', 'which', 'ensures', 'that',
    ...                'the', 'military', 'always', 'obeys', 'the', 'commands', 'of', 'the', 'party']
    >>> reference1 = ['It', 'is', 'a', 'guide', 'to', 'action', 'that', 'ensures', 'that',
    ...               'the', 'military', 'will', 'forever', 'heed', 'Party', 'commands']
    >>> round(single_meteor_score(reference1, hypothesis1), 4)
    0.6944
    """
    _check_resources(stemmer, wordnet)
    hyp, ref = _generate_enums(hypothesis, reference, preprocess)
    matches, chunks = _wildstat.meteor_counts(hyp, ref)
    return _formula(matches, _len(hyp), _len(ref), chunks, alpha, beta, gamma)


def meteor_score(
    references,
    hypothesis,
    preprocess=str.lower,
    stemmer=_PORTER,
    wordnet=_WORDNET,
    alpha=0.9,
    beta=3.0,
    gamma=0.5,
):
    """The best ``single_meteor_score`` of the hypothesis over the references.

    >>> round(meteor_score([['this', 'is', 'a', 'cat']], ['non', 'matching', 'hypothesis']), 4)
    0.0
    """
    return max(
        single_meteor_score(
            reference,
            hypothesis,
            preprocess=preprocess,
            stemmer=stemmer,
            wordnet=wordnet,
            alpha=alpha,
            beta=beta,
            gamma=gamma,
        )
        for reference in references
    )


def meteor_batch(
    pairs,
    preprocess=str.lower,
    stemmer=_PORTER,
    wordnet=_WORDNET,
    alpha=0.9,
    beta=3.0,
    gamma=0.5,
    threads=None,
):
    """``[meteor_score(references, hypothesis, ...) for references, hypothesis
    in pairs]``: preprocessing in Python, the alignments on ``threads``
    threads (None: all cores) without the GIL."""
    _check_resources(stemmer, wordnet)
    jobs, spans = [], []
    for references, hypothesis in pairs:
        start = len(jobs)
        jobs.extend(_generate_enums(hypothesis, r, preprocess) for r in references)
        spans.append((start, len(jobs)))
    counts = _wildstat.meteor_counts_batch(jobs, threads)
    scores = [
        _formula(m, _len(h), _len(r), c, alpha, beta, gamma) for (h, r), (m, c) in zip(jobs, counts)
    ]
    return [max(scores[a:b]) for a, b in spans]
