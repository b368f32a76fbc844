"""rouge-score 0.1.2's ``rouge_score.tokenizers``.

``DefaultTokenizer`` is rouge-score's tokenizer (lowercase, runs of
``[a-z0-9]``, NLTK's Porter stemmer on tokens longer than 3 characters when
``use_stemmer``), computed natively; ``RougeScorer`` given one (or none)
scores entirely in native code. Any other ``Tokenizer`` (any object with a
``tokenize(text)`` method returning a list of ``str``) is called from Python
and its tokens are scored natively.
"""

import abc

from ._wildstat import RougeCore


class Tokenizer(abc.ABC):
    """Abstract base class for a tokenizer: override ``tokenize(text)``."""

    @abc.abstractmethod
    def tokenize(self, text):
        raise NotImplementedError("Tokenizer must override tokenize() method")


class DefaultTokenizer(Tokenizer):
    """rouge-score's default tokenizer."""

    def __init__(self, use_stemmer=False):
        self._core = RougeCore(bool(use_stemmer))

    def tokenize(self, text):
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self._core.tokenize(text)
