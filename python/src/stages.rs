//! The stages (`wildstat.similarity(...)`, ...): a command line built from
//! keyword arguments is parsed with the CLI's own clap structs
//! ([`wildstat::cmd::StageArgs`]), the stage runs without the GIL on the
//! fork-safe pool, and its per-row Parquet files and CSV tables come back
//! as Arrow C streams (PyCapsules named `arrow_array_stream`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator,
    RecordBatchReader, StringArray,
};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use wildstat::cmd::StageArgs;
use wildstat::stages::{agreement, contamination, judge, keywords, shared, similarity, style};
use wildstat_engine::{exec, Stage, StageConfig};

/// Options of [`StageArgs`] that the Python functions do not take as
/// keyword arguments: the inputs and `out`/`force` are parameters of their
/// own, and a call always runs the whole input (no ranks).
const NOT_KWARGS: [&str; 5] = ["inputs", "out", "force", "rank", "world_size"];

/// A stage's command line as a parser of its own.
#[derive(Parser)]
struct Line<C: clap::Args> {
    #[command(flatten)]
    args: StageArgs<C>,
}

/// One stage's entry points, monomorphised per stage.
struct Entry {
    name: &'static str,
    /// `wildstat NAME`, the command's name in clap's messages.
    title: &'static str,
    command: fn() -> clap::Command,
    run: fn(Python<'_>, &'static str, &[String]) -> PyResult<()>,
}

fn command<C: clap::Args>() -> clap::Command {
    Line::<C>::command()
}

/// The one-line message the CLI prints for a clap error, without its
/// `wildstat: error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid arguments");
    format!(
        "{} (see wildstat --help)",
        first.trim_start_matches("error: ")
    )
}

/// An engine error as the CLI prints it: one line.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

/// Parses `argv` (after the program name) with stage `S`'s clap structs,
/// checks the options as the CLI does (`ValueError` with its message), then
/// runs the stage without the GIL on the fork-safe pool (`RuntimeError`
/// with the engine's one-line message).
fn run<S: Stage>(py: Python<'_>, title: &'static str, argv: &[String]) -> PyResult<()> {
    let line = std::iter::once(title).chain(argv.iter().map(String::as_str));
    let matches = command::<S::Config>()
        .name(title)
        .try_get_matches_from(line)
        .map_err(|e| PyValueError::new_err(clap_message(&e)))?;
    let args = Line::<S::Config>::from_arg_matches(&matches)
        .map_err(|e| PyValueError::new_err(clap_message(&e)))?
        .args;
    args.config
        .validate()
        .map_err(|e| PyValueError::new_err(one_line(&e)))?;
    crate::pool::run_always(py, None, || {
        exec::run_embedded::<S>(&args.input, &args.config, &args.run)
    })?
    .map_err(|e| PyRuntimeError::new_err(one_line(&e)))
}

macro_rules! entry {
    ($m:ident :: $s:ident) => {
        Entry {
            name: <$m::$s as Stage>::NAME,
            title: concat!("wildstat ", stringify!($m)),
            command: command::<$m::Config>,
            run: run::<$m::$s>,
        }
    };
}

/// Every stage the package exposes.
fn entries() -> [Entry; 7] {
    [
        entry!(similarity::Similarity),
        entry!(style::Style),
        entry!(shared::Shared),
        entry!(agreement::Agreement),
        entry!(keywords::Keywords),
        entry!(judge::Judge),
        entry!(contamination::Contamination),
    ]
}

fn entry(stage: &str) -> PyResult<Entry> {
    entries()
        .into_iter()
        .find(|e| e.name == stage)
        .ok_or_else(|| PyValueError::new_err(format!("no stage named {stage:?}")))
}

/// The stage names, in the CLI's order.
#[pyfunction]
fn stage_names() -> Vec<&'static str> {
    entries().iter().map(|e| e.name).collect()
}

/// The CLI's help text of `stage` (`wildstat STAGE --help`).
#[pyfunction]
fn stage_help(stage: &str) -> PyResult<String> {
    let e = entry(stage)?;
    // The CLI's width, fixed, so the text does not depend on the terminal.
    let mut cmd = (e.command)()
        .name(e.title)
        .about(None)
        .long_about(None)
        .term_width(100);
    Ok(cmd.render_help().to_string())
}

/// The keyword arguments of `stage`: `(name, long flag, kind)` for every
/// option of its command line, where kind is `"flag"` (a boolean switch),
/// `"many"` (repeatable: one occurrence per list item) or `"value"` (one
/// value; lists are joined with commas).
#[pyfunction]
fn stage_options(stage: &str) -> PyResult<Vec<(String, String, &'static str)>> {
    let cmd = (entry(stage)?.command)();
    let mut out = Vec::new();
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        let Some(long) = a.get_long() else { continue };
        if NOT_KWARGS.contains(&id) {
            continue;
        }
        let kind = match a.get_action() {
            ArgAction::SetTrue | ArgAction::SetFalse => "flag",
            ArgAction::Append => "many",
            _ => "value",
        };
        out.push((long.replace('-', "_"), long.to_string(), kind));
    }
    Ok(out)
}

/// Runs `stage` with the command line `argv` (options, then `--` and the
/// inputs; `--out` included), then reads its output folder `out`: returns
/// `(file stem, Arrow C stream capsule)` for every `*.parquet` (the per-row
/// outputs, as written) and `*.csv` (the tables, typed: see [`csv_batch`]),
/// sorted by file name.
#[pyfunction]
fn run_stage<'py>(
    py: Python<'py>,
    stage: &str,
    argv: Vec<String>,
    out: PathBuf,
) -> PyResult<Vec<(String, Bound<'py, PyCapsule>)>> {
    let e = entry(stage)?;
    (e.run)(py, e.title, &argv)?;
    let tables = py
        .detach(|| read_outputs(&out))
        .map_err(|e| PyRuntimeError::new_err(one_line(&e)))?;
    let mut res = Vec::with_capacity(tables.len());
    for (stem, schema, batches) in tables {
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok::<_, ArrowError>), schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        res.push((
            stem,
            PyCapsule::new_with_value(py, stream, c"arrow_array_stream")?,
        ));
    }
    Ok(res)
}

/// A table read back: file stem, schema and batches.
type Table = (String, Arc<Schema>, Vec<RecordBatch>);

/// The Parquet and CSV files of an output folder, as Arrow, by file name.
fn read_outputs(dir: &Path) -> anyhow::Result<Vec<Table>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("{}: cannot list", dir.display()))?;
    names.sort();
    let mut out: Vec<Table> = Vec::new();
    for p in names {
        let (Some(stem), Some(ext)) = (
            p.file_stem().and_then(|s| s.to_str()),
            p.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        let (schema, batches) = match ext {
            "parquet" => parquet_batches(&p)?,
            "csv" => csv_batch(&p)?,
            _ => continue,
        };
        if out.iter().any(|(s, _, _)| s == stem) {
            anyhow::bail!("{}: two outputs named {stem:?}", dir.display());
        }
        out.push((stem.to_string(), schema, batches));
    }
    Ok(out)
}

fn parquet_batches(p: &Path) -> anyhow::Result<(Arc<Schema>, Vec<RecordBatch>)> {
    let f = File::open(p).with_context(|| format!("{}: cannot open", p.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .with_context(|| format!("{}: cannot read", p.display()))?;
    let schema = RecordBatchReader::schema(&reader);
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}: cannot read", p.display()))?;
    Ok((schema, batches))
}

/// The type of one CSV column: the narrowest of int64, float64, boolean
/// and string that every non-empty cell parses as (Rust's `f64` parsing is
/// correctly rounded, so shortest-representation floats come back exact).
fn column_type(cells: &[&str]) -> DataType {
    let full = || cells.iter().filter(|c| !c.is_empty());
    if full().next().is_none() {
        DataType::Utf8
    } else if full().all(|c| c.parse::<i64>().is_ok()) {
        DataType::Int64
    } else if full().all(|c| c.parse::<f64>().is_ok()) {
        DataType::Float64
    } else if full().all(|c| *c == "true" || *c == "false") {
        DataType::Boolean
    } else {
        DataType::Utf8
    }
}

/// A CSV cell, `None` when empty.
fn opt(c: &str) -> Option<&str> {
    (!c.is_empty()).then_some(c)
}

/// A CSV table as one typed batch: each column gets [`column_type`]; empty
/// cells are nulls.
fn csv_batch(p: &Path) -> anyhow::Result<(Arc<Schema>, Vec<RecordBatch>)> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(p)
        .with_context(|| format!("{}: cannot open", p.display()))?;
    let header: Vec<String> = r
        .headers()
        .with_context(|| format!("{}: cannot read the header", p.display()))?
        .iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.with_context(|| format!("{}: cannot read", p.display()))?;
        rows.push(rec);
    }
    let mut fields = Vec::with_capacity(header.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let cells: Vec<&str> = rows.iter().map(|r| r.get(i).unwrap_or("")).collect();
        let ty = column_type(&cells);
        let col: ArrayRef = match ty {
            DataType::Int64 => Arc::new(Int64Array::from_iter(
                cells.iter().map(|c| opt(c).and_then(|c| c.parse().ok())),
            )),
            DataType::Float64 => Arc::new(Float64Array::from_iter(
                cells.iter().map(|c| opt(c).and_then(|c| c.parse().ok())),
            )),
            DataType::Boolean => Arc::new(BooleanArray::from_iter(
                cells.iter().map(|c| opt(c).map(|c| c == "true")),
            )),
            _ => Arc::new(StringArray::from_iter(cells.iter().map(|c| opt(c)))),
        };
        fields.push(Field::new(name, ty, true));
        columns.push(col);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .with_context(|| format!("{}: cannot build the table", p.display()))?;
    Ok((schema, vec![batch]))
}

/// Adds the stage functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stage_names, m)?)?;
    m.add_function(wrap_pyfunction!(stage_options, m)?)?;
    m.add_function(wrap_pyfunction!(stage_help, m)?)?;
    m.add_function(wrap_pyfunction!(run_stage, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_stages() {
        for e in entries() {
            assert_eq!(e.title, format!("wildstat {}", e.name));
        }
    }

    #[test]
    fn csv_columns_are_typed() {
        assert_eq!(column_type(&["1", "", "-2"]), DataType::Int64);
        assert_eq!(column_type(&["1", "0.5"]), DataType::Float64);
        assert_eq!(column_type(&["true", "false"]), DataType::Boolean);
        assert_eq!(column_type(&["a", "1"]), DataType::Utf8);
        assert_eq!(column_type(&["", ""]), DataType::Utf8);
    }
}
