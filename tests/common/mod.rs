//! Helpers shared by the integration tests: run the real binary, and write
//! small Parquet files with odd schemas.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

/// The repository root (where `data/` and `pipelines/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built-in sample corpus.
pub fn sample() -> PathBuf {
    root().join("data/sample")
}

/// The shared real corpus, when this checkout sits beside `shared/`.
pub fn shared_corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpora/alpaca-eval");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the test that needs the real corpus",
            p.display()
        );
        None
    }
}

/// Runs `wildstat ARGS` and returns its output.
pub fn wildstat<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_wildstat"))
        .args(args)
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("run wildstat")
}

/// Runs `wildstat ARGS` with extra environment variables (on top of
/// `RAYON_NUM_THREADS=2`, which they may override).
pub fn wildstat_env<I, S>(args: I, env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wildstat"));
    cmd.args(args).env("RAYON_NUM_THREADS", "2");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run wildstat")
}

/// Every file under `dir` (recursively, following nothing) with its bytes;
/// a symbolic link is recorded as its target. For "nothing changed" checks.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(p: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        let meta = std::fs::symlink_metadata(p).expect("stat");
        if meta.file_type().is_symlink() {
            let t = std::fs::read_link(p).expect("readlink");
            out.insert(p.to_path_buf(), t.into_os_string().into_encoded_bytes());
        } else if meta.is_dir() {
            out.insert(p.to_path_buf(), b"<dir>".to_vec());
            for e in std::fs::read_dir(p).expect("list") {
                walk(&e.expect("entry").path(), out);
            }
        } else {
            out.insert(p.to_path_buf(), std::fs::read(p).expect("read"));
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, &mut out);
    out
}

/// Copies the files of folder `src` (recursively) into a new folder `dst`.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create copy");
    for e in std::fs::read_dir(src).expect("list") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

/// Stdout of a run that must succeed.
pub fn ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = wildstat(args);
    assert!(
        out.status.success(),
        "wildstat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Stderr of a run that must fail: checks exit code 1 (2 for a usage
/// error), a single `wildstat: error:` line and no panic.
pub fn fails<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = wildstat(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "expected failure, got {:?}: {err}",
        out.status
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("wildstat: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line: {err}");
    lines[0].to_string()
}

/// A fresh empty temporary folder for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wildstat-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Writes `cols` as a one-row-group Parquet file.
pub fn write_parquet(path: &Path, cols: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("batch");
    let f = std::fs::File::create(path).expect("create parquet");
    let mut w = ArrowWriter::try_new(f, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// A `conversation` column: one list of (role, content) messages per row;
/// `content` is a string column or, for the bad-type test, any array.
pub fn conversation(rows: &[Vec<(&str, Option<&str>)>]) -> ArrayRef {
    let roles: Vec<&str> = rows.iter().flatten().map(|(r, _)| *r).collect();
    let contents: Vec<Option<&str>> = rows.iter().flatten().map(|(_, c)| *c).collect();
    messages(
        rows,
        Arc::new(StringArray::from(roles)),
        Arc::new(StringArray::from(contents)),
    )
}

/// A `conversation` column with the given role and content arrays.
pub fn messages(
    rows: &[Vec<(&str, Option<&str>)>],
    roles: ArrayRef,
    contents: ArrayRef,
) -> ArrayRef {
    let s = StructArray::from(vec![
        (
            Arc::new(Field::new("content", contents.data_type().clone(), true)),
            contents,
        ),
        (Arc::new(Field::new("role", DataType::Utf8, true)), roles),
    ]);
    let lens = rows.iter().map(|r| r.len());
    Arc::new(
        ListArray::try_new(
            Arc::new(Field::new("element", s.data_type().clone(), true)),
            OffsetBuffer::from_lengths(lens),
            Arc::new(s),
            None,
        )
        .expect("list"),
    )
}

/// A string column.
pub fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

/// An int64 column.
pub fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

use arrow_array::Array;
