"""The stage functions against the CLI: the same rows, tables and bytes.

Every test runs the built CLI (``target/release/wildstat``, or
``$WILDSTAT_BIN``) on the repository's ``data/sample`` and the Python
function on the same input, and compares the outputs exactly.
"""

import csv
import math
import os
import subprocess
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import wildstat

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "data/sample"
CLI = Path(os.environ.get("WILDSTAT_BIN", ROOT / "target" / "release" / "wildstat"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    # The CLI and the functions get the same relative input paths, so the
    # provenance they record is the same.
    monkeypatch.chdir(ROOT)


def cli(*args, check=True):
    if not CLI.is_file():
        pytest.fail(f"{CLI} is missing: build it with `cargo build --release`")
    r = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"wildstat {args} failed: {r.stderr}")
    return r


def same_value(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


def assert_same_table(got: pa.Table, want: pa.Table):
    assert got.schema.names == want.schema.names
    assert [f.type for f in got.schema] == [f.type for f in want.schema]
    assert got.num_rows == want.num_rows
    for name in want.schema.names:
        g = got.column(name).to_pylist()
        w = want.column(name).to_pylist()
        bad = [i for i, (x, y) in enumerate(zip(g, w)) if not same_value(x, y)]
        assert not bad, f"column {name}: rows {bad[:5]} differ: {g[bad[0]]!r} != {w[bad[0]]!r}"


def assert_table_is_csv(got: pa.Table, path: Path):
    """Every cell of the typed table equals the CLI's CSV cell, exactly."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert got.schema.names == header
    assert got.num_rows == len(body)
    for j, name in enumerate(header):
        col = got.column(name)
        for i, cell in enumerate(col.to_pylist()):
            text = body[i][j]
            if text == "":
                assert cell is None, (name, i)
            elif pa.types.is_floating(col.type):
                assert cell == float(text) or (math.isnan(cell) and text.lower() == "nan"), (name, i)
            elif pa.types.is_integer(col.type):
                assert cell == int(text), (name, i)
            elif pa.types.is_boolean(col.type):
                assert cell == (text == "true"), (name, i)
            else:
                assert cell == text, (name, i)


def test_similarity_rows_equal_cli_pairs(tmp_path, capfd):
    cli("similarity", SAMPLE, "--refs", "all", "-q", "--out", tmp_path / "cli")
    capfd.readouterr()
    got = wildstat.similarity([SAMPLE], refs="all", quiet=True)
    # The library never prints the Markdown tables the CLI prints.
    assert capfd.readouterr().out == ""
    assert isinstance(got, wildstat.StageResult) and got.out is None
    assert sorted(got) == ["matrix", "pairs", "table"]
    want = pq.read_table(tmp_path / "cli" / "pairs.parquet")
    assert want.num_rows > 1000
    assert_same_table(got["pairs"], want)
    for stem in ("table", "matrix"):
        assert_table_is_csv(got[stem], tmp_path / "cli" / f"{stem}.csv")
    t = got["table"]
    assert t.schema.field("Model").type == pa.string()
    assert t.schema.field("Pairs").type == pa.int64()
    assert t.schema.field("ROUGE-1 mean").type == pa.float64()
    assert sum(t.column("Pairs").to_pylist()) == want.num_rows


def test_style_responses_and_table_equal_cli(tmp_path):
    cli("style", SAMPLE, "-q", "--out", tmp_path / "cli")
    got = wildstat.style(SAMPLE, quiet=True)
    assert sorted(got) == ["code_languages", "responses", "table"]
    want = pq.read_table(tmp_path / "cli" / "responses.parquet")
    assert want.num_rows > 100
    assert_same_table(got["responses"], want)
    assert_table_is_csv(got["table"], tmp_path / "cli" / "table.csv")
    assert_table_is_csv(got["code_languages"], tmp_path / "cli" / "code_languages.csv")
    t = got["table"]
    assert t.schema.field("responses").type == pa.int64()
    assert t.schema.field("mean_per_response").type == pa.float64()


def test_lists_and_numbers_reach_the_cli_parser(tmp_path):
    models = ["bold-lists-7b", "terse-1b"]
    cli("shared", SAMPLE, "-q", "--models", ",".join(models), "--sample", "50",
        "--seed", "3", "--out", tmp_path / "cli")
    got = wildstat.shared([SAMPLE], models=models, sample=50, seed=3, quiet=True)
    assert_same_table(got["spans"], pq.read_table(tmp_path / "cli" / "spans.parquet"))
    assert_table_is_csv(got["table"], tmp_path / "cli" / "table.csv")
    assert set(got["table"].column("model_a").to_pylist()) <= set(models)


def test_out_dir_writes_the_cli_bytes(tmp_path):
    cli("similarity", SAMPLE, "--refs", "2", "-q", "--out", tmp_path / "cli")
    got = wildstat.similarity(SAMPLE, refs=2, quiet=True, out=tmp_path / "py")
    assert got.out == str(tmp_path / "py")
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "py").iterdir())
    assert "pairs.parquet" in names and "wildstat.json" in names
    for n in names:
        assert (tmp_path / "py" / n).read_bytes() == (tmp_path / "cli" / n).read_bytes(), n
    # An existing folder is refused as the CLI refuses it, and replaced with force.
    with pytest.raises(RuntimeError, match="--force"):
        wildstat.similarity(SAMPLE, refs=2, quiet=True, out=tmp_path / "py")
    wildstat.similarity(SAMPLE, refs=2, quiet=True, out=tmp_path / "py", force=True)
    assert (tmp_path / "py" / "pairs.parquet").read_bytes() == (
        tmp_path / "cli" / "pairs.parquet"
    ).read_bytes()


def test_temporary_folder_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    got = wildstat.style(SAMPLE, quiet=True)
    assert got["responses"].num_rows > 0
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        wildstat.style(SAMPLE, turns="second")
    assert list(tmp_path.iterdir()) == []


def cli_message(*args):
    r = cli(*args, check=False)
    assert r.returncode != 0
    line = r.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("wildstat: error: ")
    return line[len("wildstat: error: "):]


def test_bad_option_raises_the_cli_message(tmp_path):
    want = cli_message("similarity", SAMPLE, "--refs", "0", "--out", tmp_path / "a")
    with pytest.raises(ValueError) as e:
        wildstat.similarity([SAMPLE], refs=0)
    assert str(e.value) == want
    want = cli_message("style", SAMPLE, "--turns", "second", "--out", tmp_path / "b")
    with pytest.raises(ValueError) as e:
        wildstat.style([SAMPLE], turns="second")
    assert str(e.value) == want
    # A check the stage makes after parsing (StageConfig::validate).
    want = cli_message("keywords", SAMPLE, "-q", "--out", tmp_path / "c")
    with pytest.raises(ValueError) as e:
        wildstat.keywords([SAMPLE], quiet=True)
    assert str(e.value) == want
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_bad_input_raises_runtime_error(tmp_path):
    want = cli_message("style", tmp_path / "missing.parquet", "-q", "--out", tmp_path / "a")
    with pytest.raises(RuntimeError) as e:
        wildstat.style([tmp_path / "missing.parquet"], quiet=True)
    assert str(e.value) == want


def test_unknown_or_misused_keyword_raises_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'refz'"):
        wildstat.similarity([SAMPLE], refz=5)
    # Ranks are for sharded CLI runs; a call always runs the whole input.
    with pytest.raises(TypeError, match="'rank'"):
        wildstat.similarity([SAMPLE], rank=0)
    with pytest.raises(TypeError, match="'quiet'"):
        wildstat.similarity([SAMPLE], quiet="yes")
    with pytest.raises(TypeError, match="'refs'"):
        wildstat.similarity([SAMPLE], refs={"a": 1})


def test_every_stage_is_callable_and_documented():
    for name in ("similarity", "style", "shared", "agreement", "keywords", "judge",
                 "contamination"):
        f = getattr(wildstat, name)
        assert f.__name__ == name
        assert f"wildstat {name}" in f.__doc__ and "--out" in f.__doc__


def test_tables_load_into_polars_or_pandas():
    got = wildstat.similarity([SAMPLE], refs=1, quiet=True)
    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is not None:
        df = pl.from_arrow(got["pairs"])
        assert df.shape == (got["pairs"].num_rows, got["pairs"].num_columns)
        t = pl.from_arrow(got["table"])
        assert t.schema["Pairs"] == pl.Int64 and t.schema["ROUGE-1 mean"] == pl.Float64
        assert t["Pairs"].to_list() == got["table"].column("Pairs").to_pylist()
        return
    pd = pytest.importorskip("pandas")
    df = got["table"].to_pandas()
    assert str(df["Pairs"].dtype) == "int64"
    assert isinstance(df, pd.DataFrame)


def assert_result_is_cli(got, cli_dir: Path):
    """Every Parquet and CSV file of the CLI's folder is in the result, equal."""
    files = sorted(p for p in cli_dir.iterdir() if p.suffix in (".parquet", ".csv"))
    assert sorted(got) == [p.stem for p in files]
    for p in files:
        if p.suffix == ".parquet":
            assert_same_table(got[p.stem], pq.read_table(p))
        else:
            assert_table_is_csv(got[p.stem], p)


def test_keywords_equal_cli(tmp_path):
    groups = dict(a=["bold-lists-7b", "bold-lists-distill-3b"], b=["terse-1b"])
    cli("keywords", SAMPLE, "-q", "--a", "bold-lists-7b,bold-lists-distill-3b",
        "--b", "terse-1b", "--out", tmp_path / "cli")
    got = wildstat.keywords(SAMPLE, quiet=True, **groups)
    assert got["keywords"].num_rows > 0
    assert_result_is_cli(got, tmp_path / "cli")


def test_agreement_equal_cli(tmp_path):
    runs = tmp_path / "runs"
    cli("synth", "--out", runs, "--runs", "3", "--conversations", "40")
    cli("agreement", runs, "-q", "--out", tmp_path / "cli")
    got = wildstat.agreement(runs, quiet=True)
    assert got["table"].num_rows > 0
    assert_result_is_cli(got, tmp_path / "cli")
