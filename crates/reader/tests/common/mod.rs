//! Shared helpers of the reader tests: temporary folders, fixtures written
//! both as JSON Lines and as Parquet (the same records), and reading every
//! response of some inputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use wildstat_reader::{open_all, read_unit, OpenOptions, Response, Selection};

/// A fresh empty folder under the system temp dir.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wildstat-reader-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `records` as JSON Lines.
pub fn write_jsonl(path: &Path, records: &[Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Builds an Arrow array of `dt` from JSON values (null or missing = null).
fn to_arrow(values: &[Option<&Value>], dt: &DataType) -> ArrayRef {
    let nulls = NullBuffer::from(
        values
            .iter()
            .map(|v| v.is_some_and(|v| !v.is_null()))
            .collect::<Vec<bool>>(),
    );
    match dt {
        DataType::Utf8 => Arc::new(StringArray::from(
            values
                .iter()
                .map(|v| v.and_then(|v| v.as_str()))
                .collect::<Vec<_>>(),
        )),
        DataType::Int64 => Arc::new(Int64Array::from(
            values
                .iter()
                .map(|v| v.and_then(|v| v.as_i64()))
                .collect::<Vec<_>>(),
        )),
        DataType::List(item) => {
            let mut lens = Vec::new();
            let mut children: Vec<Option<&Value>> = Vec::new();
            for v in values {
                let items = v.and_then(|v| v.as_array());
                lens.push(items.map_or(0, |a| a.len()));
                children.extend(items.into_iter().flatten().map(Some));
            }
            let child = to_arrow(&children, item.data_type());
            Arc::new(ListArray::new(
                item.clone(),
                OffsetBuffer::from_lengths(lens),
                child,
                Some(nulls),
            ))
        }
        DataType::Struct(fields) => {
            let cols: Vec<ArrayRef> = fields
                .iter()
                .map(|f| {
                    let vs: Vec<Option<&Value>> = values
                        .iter()
                        .map(|v| v.and_then(|v| v.get(f.name())))
                        .collect();
                    to_arrow(&vs, f.data_type())
                })
                .collect();
            Arc::new(StructArray::new(fields.clone(), cols, Some(nulls)))
        }
        dt => panic!("fixture type {dt} not supported"),
    }
}

/// Writes `records` as Parquet with `schema` (two row groups when there are
/// at least two records, to exercise units).
pub fn write_parquet(path: &Path, schema: Schema, records: &[Value]) {
    let schema = Arc::new(schema);
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(records.len().div_ceil(2).max(1)))
        .build();
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, schema.clone(), Some(props)).unwrap();
    let cols: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|fd| {
            let vs: Vec<Option<&Value>> = records.iter().map(|r| r.get(fd.name())).collect();
            to_arrow(&vs, fd.data_type())
        })
        .collect();
    w.write(&RecordBatch::try_new(schema.clone(), cols).unwrap())
        .unwrap();
    w.close().unwrap();
}

/// A nullable field.
pub fn field(name: &str, dt: DataType) -> Field {
    Field::new(name, dt, true)
}

/// `list<struct<fields...>>` of nullable string fields.
pub fn list_of_structs(names: &[&str]) -> DataType {
    let fs: Vec<Field> = names.iter().map(|n| field(n, DataType::Utf8)).collect();
    DataType::List(Arc::new(field("item", DataType::Struct(fs.into()))))
}

/// Every selected response of `inputs`, in unit order, or the error text.
pub fn read_all(
    inputs: &[PathBuf],
    opts: &OpenOptions,
    sel: &Selection,
) -> Result<Vec<Response>, String> {
    let (files, units) = open_all(inputs, opts).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for u in units {
        let (rs, _) = read_unit(&files[u.file], u, sel).map_err(|e| e.to_string())?;
        out.extend(rs);
    }
    Ok(out)
}

/// (model, id, role, turn, text) of responses, sorted.
pub fn keys(rs: &[Response]) -> Vec<(String, String, String, u32, String)> {
    let mut v: Vec<_> = rs
        .iter()
        .map(|r| {
            (
                r.model.to_string(),
                r.conversation_hash.clone(),
                r.role.to_string(),
                r.turn,
                r.text.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The shared folder beside the repository, if present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}
