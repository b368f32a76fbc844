"""rouge-score 0.1.2's ``rouge_score.scoring``: the ``Score`` tuple, the
``BaseScorer`` interface and ``fmeasure``.

``BootstrapAggregator`` is not provided (it resamples with NumPy's global
random state; use rouge-score's own on these ``Score`` tuples if needed: it
only reads the three fields).
"""

import abc
import collections


class Score(collections.namedtuple("Score", ["precision", "recall", "fmeasure"])):
    """Tuple containing precision, recall, and f-measure values."""


class BaseScorer(abc.ABC):
    """Base class for Scorer objects."""

    @abc.abstractmethod
    def score(self, target, prediction):
        """A dict mapping each score type to a ``Score``."""


def fmeasure(precision, recall):
    """``2 * p * r / (p + r)``, or 0.0 when ``p + r`` is not positive."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0
