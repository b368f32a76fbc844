"""The reference packages' own unit tests, run against wildstat.

NLTK 3.10's ``test_meteor.py`` and rouge-score 0.1.2's
``rouge_scorer_test.py`` are third-party files kept in ``../shared`` beside
the repository (never copied into it): each is copied to a temporary
directory with only its import lines changed, and run by pytest in a child
process. Skips with a notice when ``../shared`` is absent.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITES = os.path.join(os.path.dirname(REPO), "shared", "reference-tests")


def _suite(name):
    path = os.path.join(SUITES, name)
    if not os.path.isdir(path):
        print(f"NOTICE: {path} is absent; skipping the {name} reference suite")
        pytest.skip(f"{path} is absent")
    return path


def _rewrite(src, dst, replacements):
    """Copies src to dst, each (old, new) line replaced exactly once."""
    with open(src) as f:
        text = f.read()
    for old, new in replacements:
        assert text.count(old) == 1, f"{src}: expected one {old!r}"
        text = text.replace(old, new)
    with open(dst, "w") as f:
        f.write(text)


def _pytest(directory, *args):
    """Runs pytest on `directory` in a child process: (exit code, output)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _passed(output):
    m = re.search(r"(\d+) passed", output)
    return int(m.group(1)) if m else 0


def test_nltk_meteor_suite(tmp_path):
    src = os.path.join(_suite("nltk"), "test_meteor.py")
    _rewrite(
        src,
        tmp_path / "test_meteor.py",
        [(
            "from nltk.translate.meteor_score import meteor_score, single_meteor_score",
            "from wildstat.meteor_score import meteor_score, single_meteor_score",
        )],
    )
    code, out = _pytest(tmp_path)
    print(out)
    assert code == 0, out
    # The three TestMETEOR cases and the two module-level tests.
    assert _passed(out) == 5, out
    assert "failed" not in out and "error" not in out.lower(), out


def test_rouge_score_suite(tmp_path):
    src = _suite("rouge-score")
    shutil.copy(os.path.join(src, "test_util.py"), tmp_path)
    shutil.copytree(os.path.join(src, "testdata"), tmp_path / "testdata")
    _rewrite(
        os.path.join(src, "rouge_scorer_test.py"),
        tmp_path / "rouge_scorer_test.py",
        [
            ("from rouge_score import rouge_scorer", "from wildstat import rouge_scorer"),
            ("from rouge_score import test_util", "import test_util"),
            ("from rouge_score import tokenizers", "from wildstat import tokenizers"),
        ],
    )
    # The public-API tests (see the suite's README): not the private helpers
    # (_lcs_table, _union_lcs, ...), the tokenizer test, the ones reading
    # files the suite does not ship, or nltk sentence splitting (punkt data).
    deselect = "not Large and not SentenceSplitting and not RougeLSumAgainst and not Lcs and not Union and not Tokenizer"
    code, out = _pytest(tmp_path, "rouge_scorer_test.py", "-k", deselect)
    print(out)
    assert code == 0, out
    assert _passed(out) == 24, out
    assert "failed" not in out, out
    # The tokenizer test passes too with wildstat's DefaultTokenizer.
    code, out = _pytest(tmp_path, "rouge_scorer_test.py", "-k", "Tokenizer")
    assert code == 0 and _passed(out) == 1, out
