"""Every wildstat stage as a function that returns ``pyarrow.Table``s.

``similarity(inputs, *, out=None, force=False, **options)`` runs what
``wildstat similarity INPUT... --out DIR [options]`` runs. The options are
the CLI's flags as keyword arguments (``refs=5``, ``turns="first"``,
``models=["a", "b"]``, ``seed=0``): ``-`` in a flag's name is ``_`` here, a
switch takes ``True`` or ``False``, ``None`` leaves an option at its default,
and a list is given once per item to a repeatable option and joined with
commas otherwise. The command line built from them is parsed by the CLI's own
parser, so every check applies: a bad value raises ``ValueError`` with the
CLI's one-line message, and a name the stage does not take raises
``TypeError``. A failing run (an unreadable input, say) raises
``RuntimeError`` with the CLI's message.

The stage runs in Rust without the GIL, on the package's fork-safe threads.
With ``out=None`` it writes into a temporary folder that is removed before
the call returns; with ``out=DIR`` it writes the CLI's output folder, byte
for byte (``force=True`` replaces a folder wildstat wrote, as ``--force``).

The result is a ``StageResult``: a dict of ``pyarrow.Table`` keyed by file
stem, one for every Parquet file (the per-row output, e.g. ``"pairs"``) and
every CSV table (``"table"``, ``"matrix"``, ``"winrates"``, ...) the stage
wrote. The tables cross from Rust through the Arrow C stream interface. A
CSV column is int64 if every non-empty cell is an integer, float64 if every
one is a number (read back exactly), boolean for ``true``/``false``, and
string otherwise; empty cells are nulls.
"""

import os
import shutil
import tempfile

from . import _wildstat

__all__ = [
    "StageResult",
    "similarity",
    "style",
    "shared",
    "agreement",
    "keywords",
    "judge",
    "contamination",
]


class StageResult(dict):
    """The tables of one stage run, keyed by file stem (``"pairs"``, ``"table"``).

    Attributes: ``stage`` (its name) and ``out`` (the output folder, or
    ``None`` when the run used a temporary one).
    """

    def __init__(self, stage, tables, out):
        super().__init__(tables)
        self.stage = stage
        self.out = out

    def __repr__(self):
        parts = ", ".join(
            f"{k!r}: {v.num_rows}x{v.num_columns}" for k, v in self.items()
        )
        where = "" if self.out is None else f", out={self.out!r}"
        return f"StageResult({self.stage!r}, {{{parts}}}{where})"


class _Stream:
    """Holds one Arrow C stream capsule for pyarrow (``__arrow_c_stream__``)."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema=None):
        return self._capsule


_SPECS = {}


def _spec(stage):
    spec = _SPECS.get(stage)
    if spec is None:
        spec = {name: (flag, kind) for name, flag, kind in _wildstat.stage_options(stage)}
        _SPECS[stage] = spec
    return spec


def _text(stage, key, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, os.PathLike)):
        return os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(
        f"{stage}() argument {key!r}: expected str, int, float, bool, a path or a "
        f"list of them, got {type(value).__name__}"
    )


def _argv(stage, options):
    spec = _spec(stage)
    argv = []
    for key, value in options.items():
        if key not in spec:
            raise TypeError(f"{stage}() got an unexpected keyword argument {key!r}")
        flag, kind = spec[key]
        if value is None:
            continue
        if kind == "flag":
            if not isinstance(value, bool):
                raise TypeError(
                    f"{stage}() argument {key!r} is a switch (--{flag}): "
                    f"pass True or False, not {value!r}"
                )
            if value:
                argv.append(f"--{flag}")
            continue
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        texts = [_text(stage, key, v) for v in items]
        if kind == "many":
            argv.extend(f"--{flag}={t}" for t in texts)
        else:
            argv.append(f"--{flag}={','.join(texts)}")
    return argv


def _inputs(stage, inputs):
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    try:
        return [os.fspath(p) for p in inputs]
    except TypeError:
        raise TypeError(
            f"{stage}() argument 'inputs': expected a path or a list of paths"
        ) from None


def _run(stage, inputs, out, force, options):
    import pyarrow as pa

    if not isinstance(force, bool):
        raise TypeError(f"{stage}() argument 'force': pass True or False, not {force!r}")
    argv = _argv(stage, options)
    paths = _inputs(stage, inputs)
    tmp = None
    if out is None:
        tmp = tempfile.mkdtemp(prefix="wildstat-")
        target = os.path.join(tmp, "out")
    else:
        target = os.fspath(out)
    argv.append(f"--out={target}")
    if force:
        argv.append("--force")
    argv.append("--")
    argv.extend(paths)
    try:
        streams = _wildstat.run_stage(stage, argv, target)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    tables = {
        stem: pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()
        for stem, capsule in streams
    }
    return StageResult(stage, tables, None if out is None else target)


def _doc(stage, text):
    return (
        f"{text}\n\n"
        f"``{stage}(inputs, *, out=None, force=False, **options) -> StageResult``:\n"
        f"the options are the CLI's flags below as keyword arguments (``-`` as\n"
        f"``_``); see ``wildstat.stages`` for the rules and the result.\n\n"
        + _wildstat.stage_help(stage)
    )


def _stage(name, summary):
    """The module-level function that runs stage ``name``."""

    def run(inputs, *, out=None, force=False, **options):
        return _run(name, inputs, out, force, options)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = _doc(name, summary)
    return run


similarity = _stage(
    "similarity",
    "ROUGE-1/2/L and METEOR between answers of different models to the same "
    "prompts: tables 'pairs' (one row per pair), 'table', and with refs='all' 'matrix'.",
)

style = _stage(
    "style",
    "Markdown elements per response and per model: tables 'responses', 'table', "
    "'code_languages'.",
)

shared = _stage(
    "shared",
    "Spans that answers of different models share verbatim: tables 'spans', 'table'.",
)

agreement = _stage(
    "agreement",
    "How often repeated runs of a model agree: tables 'table', 'disagreements', "
    "and with gold= 'runs'.",
)

keywords = _stage(
    "keywords",
    "Words that set two groups of models apart (a=..., b=...): table 'keywords'.",
)

judge = _stage(
    "judge",
    "Judge preferences from judgment files: tables 'winrates', 'scores', "
    "'matrix', 'ratings'.",
)

contamination = _stage(
    "contamination",
    "Benchmark items found in the texts (13-gram rule): tables 'hits', 'table'.",
)
