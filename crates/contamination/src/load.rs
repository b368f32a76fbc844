//! Reading benchmark files (JSONL, JSON array, CSV, Parquet) into [`Item`]s.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One benchmark item: the text whose n-grams are looked for in transcripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Benchmark name (the file stem unless given).
    pub benchmark: String,
    /// The record's `id`, `uid` or `question_id`, else its 0-based index.
    pub id: String,
    /// The text compared: the record's text fields joined with "\n".
    pub text: String,
}

/// Fields that give an item's id, in order of preference.
const ID_FIELDS: [&str; 3] = ["id", "uid", "question_id"];

/// One field value of a record, as far as benchmark text needs it.
enum Val {
    Text(String),
    List(Vec<String>),
    Null,
    /// Anything else, described for the error message.
    Other(String),
}

/// Which fields make an item's text and id.
struct Plan {
    /// Fields every record must have; their texts are joined with "\n".
    required: Vec<String>,
    /// Fields appended when present and not null.
    optional: Vec<String>,
    id: Option<String>,
}

/// Where a record is, for error messages ("line 3") and the default id.
struct Loc {
    what: &'static str,
    shown: usize,
    index: usize,
}

fn plan(
    file: &str,
    keys: &[String],
    fields: &[String],
    with_answers: bool,
) -> Result<Plan, String> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let answers = |v: &[&str]| if with_answers { names(v) } else { Vec::new() };
    let (required, optional) = if !fields.is_empty() {
        (fields.to_vec(), Vec::new())
    } else if has("turns") {
        (names(&["turns"]), answers(&["reference"]))
    } else if has("prompt") {
        (names(&["prompt"]), Vec::new())
    } else if has("instruction") {
        (names(&["instruction"]), Vec::new())
    } else if has("question") && has("choices") {
        (names(&["question", "choices"]), Vec::new())
    } else if has("question") {
        (names(&["question"]), answers(&["answer"]))
    } else {
        return Err(format!(
            "{file}: unknown benchmark shape (fields: {}); name the text fields with --benchmark-field",
            keys.join(", ")
        ));
    };
    let id = ID_FIELDS.iter().find(|k| has(k)).map(|k| k.to_string());
    Ok(Plan {
        required,
        optional,
        id,
    })
}

fn item(
    file: &str,
    benchmark: &str,
    plan: &Plan,
    loc: &Loc,
    get: impl Fn(&str) -> Option<Val>,
) -> Result<Item, String> {
    let at = |msg: String| format!("{file} {} {}: {msg}", loc.what, loc.shown);
    let text_of = |f: &str, v: Val| match v {
        Val::Text(s) => Ok(s),
        Val::List(l) => Ok(l.join("\n")),
        Val::Null => Err(at(format!("field `{f}` is null"))),
        Val::Other(d) => Err(at(format!("field `{f}` is {d}, not text"))),
    };
    let mut parts = Vec::new();
    for f in &plan.required {
        let v = get(f).ok_or_else(|| at(format!("no field `{f}`")))?;
        parts.push(text_of(f, v)?);
    }
    for f in &plan.optional {
        match get(f) {
            None | Some(Val::Null) => {}
            Some(v) => parts.push(text_of(f, v)?),
        }
    }
    let id = match &plan.id {
        None => loc.index.to_string(),
        Some(f) => match get(f) {
            Some(Val::Text(s)) => s,
            None | Some(Val::Null) => return Err(at(format!("no id in field `{f}`"))),
            Some(Val::List(_)) => return Err(at(format!("id field `{f}` is a list"))),
            Some(Val::Other(d)) => return Err(at(format!("id field `{f}` is {d}"))),
        },
    };
    Ok(Item {
        benchmark: benchmark.to_string(),
        id,
        text: parts.join("\n"),
    })
}

fn json_val(v: &Value) -> Val {
    match v {
        Value::String(s) => Val::Text(s.clone()),
        Value::Number(n) => Val::Text(n.to_string()),
        Value::Null => Val::Null,
        Value::Array(a) => match a.iter().map(|x| x.as_str().map(str::to_string)).collect() {
            Some(l) => Val::List(l),
            None => Val::Other("a list with non-string elements".into()),
        },
        Value::Bool(_) => Val::Other("a boolean".into()),
        Value::Object(_) => Val::Other("an object".into()),
    }
}

fn json_items(
    file: &str,
    benchmark: &str,
    records: Vec<(Loc, Value)>,
    fields: &[String],
    with_answers: bool,
) -> Result<Vec<Item>, String> {
    let mut plan_ = None;
    let mut items = Vec::with_capacity(records.len());
    for (loc, v) in records {
        let Value::Object(map) = v else {
            return Err(format!(
                "{file} {} {}: not a JSON object",
                loc.what, loc.shown
            ));
        };
        if plan_.is_none() {
            let keys: Vec<String> = map.keys().cloned().collect();
            plan_ = Some(plan(file, &keys, fields, with_answers)?);
        }
        let p = plan_.as_ref().expect("set above");
        items.push(item(file, benchmark, p, &loc, |k| {
            map.get(k).map(json_val)
        })?);
    }
    Ok(items)
}

fn read_json(file: &str, path: &Path) -> Result<Vec<(Loc, Value)>, String> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| format!("{file}: {e}"))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if array {
        let v: Vec<Value> = serde_json::from_slice(bytes)
            .map_err(|e| format!("{file}: not a JSON array of records: {e}"))?;
        return Ok(v
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    Loc {
                        what: "element",
                        shown: i,
                        index: i,
                    },
                    v,
                )
            })
            .collect());
    }
    let mut out = Vec::new();
    for (i, line) in BufReader::new(bytes).lines().enumerate() {
        let line = line.map_err(|e| format!("{file} line {}: {e}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line).map_err(|e| format!("{file} line {}: {e}", i + 1))?;
        out.push((
            Loc {
                what: "line",
                shown: i + 1,
                index: i,
            },
            v,
        ));
    }
    Ok(out)
}

fn csv_items(
    file: &str,
    benchmark: &str,
    path: &Path,
    fields: &[String],
    with_answers: bool,
) -> Result<Vec<Item>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{file}: {e}"))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{file}: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let plan = plan(file, &header, fields, with_answers)?;
    let mut items = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{file}: {e}"))?;
        let line = rec.position().map_or(i + 2, |p| p.line() as usize);
        let loc = Loc {
            what: "line",
            shown: line,
            index: i,
        };
        let get = |k: &str| {
            let c = header.iter().position(|h| h == k)?;
            rec.get(c).map(|s| Val::Text(s.to_string()))
        };
        items.push(item(file, benchmark, &plan, &loc, get)?);
    }
    Ok(items)
}

/// Cell `row` of a Parquet column as a [`Val`].
fn arrow_val(a: &ArrayRef, row: usize) -> Val {
    if a.is_null(row) {
        return Val::Null;
    }
    let text = |s: String| Val::Text(s);
    match a.data_type() {
        DataType::Utf8 => text(a.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => text(a.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => text(a.as_string_view().value(row).to_string()),
        DataType::Int8 => text(a.as_primitive::<Int8Type>().value(row).to_string()),
        DataType::Int16 => text(a.as_primitive::<Int16Type>().value(row).to_string()),
        DataType::Int32 => text(a.as_primitive::<Int32Type>().value(row).to_string()),
        DataType::Int64 => text(a.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::UInt8 => text(a.as_primitive::<UInt8Type>().value(row).to_string()),
        DataType::UInt16 => text(a.as_primitive::<UInt16Type>().value(row).to_string()),
        DataType::UInt32 => text(a.as_primitive::<UInt32Type>().value(row).to_string()),
        DataType::UInt64 => text(a.as_primitive::<UInt64Type>().value(row).to_string()),
        DataType::List(_) => list_val(a.as_list::<i32>().value(row)),
        DataType::LargeList(_) => list_val(a.as_list::<i64>().value(row)),
        t => Val::Other(format!("of Parquet type {t}")),
    }
}

fn list_val(values: ArrayRef) -> Val {
    if !matches!(
        values.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Val::Other("a list with non-string elements".into());
    }
    let mut out = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        match arrow_val(&values, i) {
            Val::Text(s) => out.push(s),
            _ => return Val::Other("a list with null elements".into()),
        }
    }
    Val::List(out)
}

fn parquet_items(
    file: &str,
    benchmark: &str,
    path: &Path,
    fields: &[String],
    with_answers: bool,
) -> Result<Vec<Item>, String> {
    let err = |e: parquet::errors::ParquetError| format!("{file}: {e}");
    let f = File::open(path).map_err(|e| format!("{file}: {e}"))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(err)?;
    let schema = builder.schema().clone();
    let keys: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let plan = plan(file, &keys, fields, with_answers)?;
    let wanted: Vec<&String> = plan
        .required
        .iter()
        .chain(&plan.optional)
        .chain(&plan.id)
        .collect();
    let cols: Vec<usize> = (0..keys.len())
        .filter(|&c| wanted.contains(&&keys[c]))
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), cols.iter().copied());
    let reader = builder.with_projection(mask).build().map_err(err)?;
    let mut items = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| format!("{file}: {e}"))?;
        for row in 0..batch.num_rows() {
            let i = items.len();
            let loc = Loc {
                what: "row",
                shown: i,
                index: i,
            };
            let get = |k: &str| batch.column_by_name(k).map(|a| arrow_val(a, row));
            items.push(item(file, benchmark, &plan, &loc, get)?);
        }
    }
    Ok(items)
}

/// Reads the items of one benchmark file: JSONL (`.jsonl`, `.ndjson`, or a
/// `.json` not starting with `[`), a JSON array (`.json`), CSV with a header
/// (`.csv`) or Parquet (`.parquet`).
///
/// `name` defaults to the file stem. `fields` names the text fields (joined
/// with "\n", lists of strings joined with "\n" first); when empty, the shape
/// is detected from the first record's fields: `turns` (MT-Bench; with
/// `with_answers` also `reference`), `prompt` (Arena-Hard), `instruction`
/// (AlpacaEval), `question` + `choices` (MMLU style), `question` (GSM8K; with
/// `with_answers` also `answer`). The id is the first of `id`, `uid`,
/// `question_id` present in the first record, else the record's 0-based
/// line (JSONL), element (JSON), data row (CSV) or row (Parquet) index.
pub fn load_benchmark(
    path: &Path,
    name: Option<&str>,
    fields: &[String],
    with_answers: bool,
) -> Result<Vec<Item>, String> {
    let file = path.display().to_string();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let benchmark = match name.map(str::to_string).or(stem) {
        Some(b) => b,
        None => return Err(format!("{file}: no file name to name the benchmark")),
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let items = match ext.as_deref() {
        Some("jsonl" | "ndjson" | "json") => json_items(
            &file,
            &benchmark,
            read_json(&file, path)?,
            fields,
            with_answers,
        )?,
        Some("csv") => csv_items(&file, &benchmark, path, fields, with_answers)?,
        Some("parquet") => parquet_items(&file, &benchmark, path, fields, with_answers)?,
        _ => {
            return Err(format!(
                "{file}: unknown benchmark format (use .jsonl, .json, .csv or .parquet)"
            ))
        }
    };
    if items.is_empty() {
        return Err(format!("{file}: no benchmark items"));
    }
    Ok(items)
}
