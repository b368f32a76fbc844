"""wildstat: exact, fast drop-ins for NLTK's METEOR and rouge-score's ROUGE,
and every wildstat stage as a function returning ``pyarrow.Table``s.

- ``wildstat.meteor_score``: NLTK 3.10's ``meteor_score`` and
  ``single_meteor_score`` (WordNet 3.0 built in, no ``nltk.download``), plus
  ``meteor_batch`` that scores many pairs in parallel without the GIL.
- ``wildstat.rouge_scorer``: rouge-score 0.1.2's ``RougeScorer`` (rouge1 ..
  rouge9, rougeL, rougeLsum), plus ``RougeScorer.score_batch``.

- ``wildstat.similarity``, ``style``, ``shared``, ``agreement``,
  ``keywords``, ``judge``, ``contamination`` (from ``wildstat.stages``):
  ``similarity(inputs, *, out=None, force=False, **options)`` runs the
  stage with the CLI's flags as keyword arguments and returns its per-row
  outputs and tables as a dict of ``pyarrow.Table``s.

Scores equal the references' bit for bit. Parallel calls are safe to mix with
``fork`` (multiprocessing, DataLoader workers).
"""

from . import meteor_score, rouge_scorer, scoring, stages, tokenizers
from .stages import *  # noqa: F401,F403  (StageResult and the stage functions)

__all__ = ["meteor_score", "rouge_scorer", "scoring", "stages", "tokenizers", *stages.__all__]
