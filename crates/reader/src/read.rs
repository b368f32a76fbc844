use std::borrow::Cow;
use std::fs::File;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::DataType;
use md5::{Digest, Md5};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use serde_json::Value;

use crate::files::{checked_model, InputFile, Source, Unit};
use crate::json::{for_each_record, id_text, turn_text};
use crate::layout::{ModelFrom, Shape};
use crate::select::{Role, Selection, Turns};
use crate::{Error, Result};

/// The role a message role name stands for; other roles (`system`, `tool`,
/// ...) are skipped.
fn role_of(name: &str) -> Option<Role> {
    match name {
        "assistant" | "gpt" => Some(Role::Assistant),
        "user" | "human" => Some(Role::User),
        _ => None,
    }
}

/// One turn of a conversation, the unit every stage works on: an assistant
/// response, or a user turn when the selection asks for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Data-generating model.
    pub model: Arc<str>,
    /// Conversation id (the id column as text, or the prompt's MD5).
    pub conversation_hash: String,
    /// Which turn of its role this is, counting from 1 (the k-th user
    /// message is user turn k).
    pub turn: u32,
    /// Who wrote it.
    pub role: Role,
    /// Conversation language, when the file records one.
    pub language: Option<Arc<str>>,
    /// The text exactly as stored (not stripped).
    pub text: String,
    /// Run id (repeated runs of a model on the same prompts), only when the
    /// file was opened for runs ([`crate::InputFile::set_run`]).
    pub run: Option<Arc<str>>,
}

/// Counts gathered while reading, merged across units by plain addition so
/// they do not depend on how the work was split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitStats {
    /// Transcript rows read.
    pub rows: u64,
    /// Rows dropped by the selection (model, conversation, language, sample,
    /// and in flat tables the turn).
    pub filtered: u64,
    /// Rows whose conversation id is null (skipped).
    pub null_id: u64,
    /// Rows whose model is null (skipped).
    pub null_model: u64,
    /// Conversations with no turn of the selected roles (skipped).
    pub no_assistant: u64,
    /// Selected turns whose content is null (skipped).
    pub null_content: u64,
    /// Responses yielded whose text is empty after stripping whitespace.
    pub empty: u64,
    /// Responses yielded.
    pub responses: u64,
}

impl UnitStats {
    /// Adds `o` into `self`.
    pub fn merge(&mut self, o: &UnitStats) {
        self.rows += o.rows;
        self.filtered += o.filtered;
        self.null_id += o.null_id;
        self.null_model += o.null_model;
        self.no_assistant += o.no_assistant;
        self.null_content += o.null_content;
        self.empty += o.empty;
        self.responses += o.responses;
    }
}

/// One decoded row: its keys and (in `Turn`s) its turns.
struct Conv<'a> {
    id: Cow<'a, str>,
    model: Arc<str>,
    language: Option<Arc<str>>,
    run: Option<Arc<str>>,
}

/// One turn of a decoded row.
struct Turn<'a> {
    role: Role,
    turn: u32,
    text: Option<Cow<'a, str>>,
}

/// Receives each decoded row.
type RowSink<'s> = dyn for<'a> FnMut(Conv<'a>, &[Turn<'a>]) + 's;

/// The lowercase hex MD5 of `s`'s UTF-8 bytes (`--id-from prompt`).
pub(crate) fn md5_hex(s: &str) -> String {
    format!("{:x}", Md5::digest(s.as_bytes()))
}

/// Numbers turns by role, in order (user turn k = the k-th user message).
#[derive(Default)]
struct Numbering {
    user: u32,
    assistant: u32,
}

impl Numbering {
    fn next(&mut self, role: Role) -> u32 {
        let n = match role {
            Role::User => &mut self.user,
            Role::Assistant => &mut self.assistant,
        };
        *n += 1;
        *n
    }
}

/// The id of a row without an id column: the MD5 of its first user turn.
fn prompt_id<'a>(turns: &[Turn<'_>]) -> Option<Cow<'a, str>> {
    turns
        .iter()
        .find(|t| t.role == Role::User)
        .and_then(|t| t.text.as_deref())
        .map(|s| Cow::Owned(md5_hex(s)))
}

/// Applies the selection to one row and yields its selected turns.
fn emit(
    selection: &Selection,
    stats: &mut UnitStats,
    sink: &mut dyn FnMut(Response),
    c: Conv<'_>,
    turns: &[Turn<'_>],
) {
    if !selection.keeps(&c.model, &c.id, c.language.as_deref()) {
        stats.filtered += 1;
        return;
    }
    let mut any = false;
    for t in turns {
        if !selection.roles.includes(t.role) {
            continue;
        }
        any = true;
        if selection.turns == Turns::First && t.turn != 1 {
            continue;
        }
        match &t.text {
            None => stats.null_content += 1,
            Some(text) => {
                if text.trim().is_empty() {
                    stats.empty += 1;
                }
                stats.responses += 1;
                sink(Response {
                    model: c.model.clone(),
                    conversation_hash: c.id.clone().into_owned(),
                    turn: t.turn,
                    role: t.role,
                    language: c.language.clone(),
                    text: text.clone().into_owned(),
                    run: c.run.clone(),
                });
            }
        }
    }
    if !any {
        stats.no_assistant += 1;
    }
}

/// Reads one unit and returns its selected responses, in row order and turn
/// order, with the counts gathered on the way. Of Parquet only the layout's
/// leaves are decoded.
pub fn read_unit(
    file: &InputFile,
    unit: Unit,
    selection: &Selection,
) -> Result<(Vec<Response>, UnitStats)> {
    let mut out = Vec::new();
    let mut stats = UnitStats::default();
    let mut rows = UnitStats::default();
    let flat_first = selection.turns == Turns::First;
    {
        let mut sink = |r: Response| out.push(r);
        let mut on_row =
            |c: Conv<'_>, turns: &[Turn<'_>]| emit(selection, &mut stats, &mut sink, c, turns);
        decode_unit(file, unit, flat_first, &mut on_row, &mut rows)?;
    }
    stats.rows = rows.rows;
    stats.null_id = rows.null_id;
    stats.null_model = rows.null_model;
    stats.filtered += rows.filtered;
    Ok((out, stats))
}

/// Decodes every row of a unit into `on_row`, counting rows, null ids and
/// models (and, with `flat_first`, flat rows of later turns as filtered).
fn decode_unit(
    file: &InputFile,
    unit: Unit,
    flat_first: bool,
    on_row: &mut RowSink<'_>,
    stats: &mut UnitStats,
) -> Result<()> {
    let rg = unit.row_group;
    let path = &file.path;
    match &file.source {
        Source::Parquet(meta) => {
            let at = |e: Error| e.in_row_group(rg);
            let handle =
                File::open(path).map_err(|e| at(Error::file(path, format!("cannot open: {e}"))))?;
            let mask =
                ProjectionMask::leaves(meta.parquet_schema(), file.layout.leaves.iter().copied());
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, meta.clone())
                .with_projection(mask)
                .with_row_groups(vec![rg])
                .with_batch_size(1024)
                .build()
                .map_err(|e| at(Error::file(path, format!("cannot read: {e}"))))?;
            let mut row0 = 0;
            for batch in reader {
                let batch =
                    batch.map_err(|e| at(Error::file(path, format!("cannot decode: {e}"))))?;
                decode_batch(file, &batch, row0, flat_first, on_row, stats).map_err(at)?;
                row0 += batch.num_rows();
            }
            Ok(())
        }
        Source::Json {
            kind,
            compression,
            chunks,
        } => for_each_record(path, *kind, *compression, &chunks[rg], &mut |line, v| {
            decode_json(file, &v, flat_first, on_row, stats).map_err(|e| e.at_line(line))
        }),
    }
}

/// A read-only view of any Arrow string (or integer id) column.
enum Col<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Int(&'a ArrayRef),
}

impl<'a> Col<'a> {
    fn new(a: &'a ArrayRef) -> Option<Col<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Col::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Col::Large(a.as_string::<i64>()),
            DataType::Utf8View => Col::View(a.as_string_view()),
            dt if dt.is_integer() => Col::Int(a),
            _ => return None,
        })
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Col::Utf8(a) => a.is_null(i),
            Col::Large(a) => a.is_null(i),
            Col::View(a) => a.is_null(i),
            Col::Int(a) => a.is_null(i),
        }
    }

    /// The value at `i` as text, or `None` when null.
    fn get(&self, i: usize) -> Option<Cow<'a, str>> {
        if self.is_null(i) {
            return None;
        }
        Some(match self {
            Col::Utf8(a) => a.value(i).into(),
            Col::Large(a) => a.value(i).into(),
            Col::View(a) => a.value(i).into(),
            Col::Int(a) => int_text(a, i).into(),
        })
    }
}

fn int_text(a: &ArrayRef, i: usize) -> String {
    match a.data_type() {
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        _ => a.as_primitive::<UInt64Type>().value(i).to_string(),
    }
}

/// A dictionary-encoded column (pandas `category`) decoded to plain values.
fn plain(a: &ArrayRef) -> std::result::Result<ArrayRef, String> {
    match a.data_type() {
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            arrow_select::take::take(d.values().as_ref(), d.keys(), None)
                .map_err(|e| format!("cannot decode dictionary: {e}"))
        }
        _ => Ok(a.clone()),
    }
}

/// The top-level column `name` of a batch, dictionary-decoded.
fn top(file: &InputFile, batch: &RecordBatch, name: &str) -> Result<ArrayRef> {
    let a = batch.column_by_name(name).ok_or_else(|| {
        Error::file(&file.path, "column vanished after projection").in_column(name)
    })?;
    plain(a).map_err(|m| Error::file(&file.path, m).in_column(name))
}

fn string_col<'a>(file: &InputFile, a: &'a ArrayRef, name: &str) -> Result<Col<'a>> {
    Col::new(a).ok_or_else(|| {
        Error::file(
            &file.path,
            format!("expected a string type, found {}", a.data_type()),
        )
        .in_column(name)
    })
}

/// The offsets and values of a list array.
fn list_parts(a: &dyn Array) -> Option<(Vec<usize>, &ArrayRef)> {
    match a.data_type() {
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            Some((
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values(),
            ))
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            Some((
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values(),
            ))
        }
        _ => None,
    }
}

/// The model of a row from a column, reusing the previous `Arc` while the
/// name repeats and refusing names with line breaks or NUL.
fn model_at(
    file: &InputFile,
    col: Option<&Col<'_>>,
    row: usize,
    last: &mut Option<Arc<str>>,
) -> Result<Option<Arc<str>>> {
    let Some(col) = col else {
        return Ok(file.fixed_model.clone());
    };
    let Some(m) = col.get(row) else {
        return Ok(None);
    };
    if let Some(prev) = last {
        if **prev == *m {
            return Ok(Some(prev.clone()));
        }
    }
    let a = checked_model(&file.path, m.into_owned())
        .map_err(|e| e.in_column(file.layout.model_column.clone().unwrap_or_default()))?;
    *last = Some(a.clone());
    Ok(Some(a))
}

/// Decodes one Parquet batch (rows `row0..` of its row group).
fn decode_batch(
    file: &InputFile,
    batch: &RecordBatch,
    row0: usize,
    flat_first: bool,
    on_row: &mut RowSink<'_>,
    stats: &mut UnitStats,
) -> Result<()> {
    let layout = &file.layout;
    let path = &file.path;
    let opt_top = |c: &Option<String>| -> Result<Option<(ArrayRef, String)>> {
        c.as_ref()
            .map(|c| Ok((top(file, batch, c)?, c.clone())))
            .transpose()
    };
    let id_arr = opt_top(&layout.id_column)?;
    let model_arr = match layout.model_from {
        ModelFrom::Column => opt_top(&layout.model_column)?,
        _ => None,
    };
    let lang_arr = opt_top(&layout.language_column)?;
    let run_arr = opt_top(&layout.run_column)?;
    fn cols<'a>(
        file: &InputFile,
        a: &'a Option<(ArrayRef, String)>,
    ) -> Result<Option<(Col<'a>, String)>> {
        a.as_ref()
            .map(|(a, n)| Ok((string_col(file, a, n)?, n.clone())))
            .transpose()
    }
    let ids = cols(file, &id_arr)?;
    let models = cols(file, &model_arr)?;
    let langs = cols(file, &lang_arr)?;
    let runs = cols(file, &run_arr)?;

    // Per-shape views of the turns.
    enum View<'a> {
        Messages {
            offsets: Vec<usize>,
            list: &'a ArrayRef,
            roles: Col<'a>,
            contents: Col<'a>,
            langs: Option<Col<'a>>,
        },
        Choices {
            offsets: Vec<usize>,
            list: &'a ArrayRef,
            turns: Option<(Vec<usize>, Col<'a>)>,
        },
        Flat {
            text: Col<'a>,
            prompt: Option<Col<'a>>,
            turn: Option<Col<'a>>,
        },
    }
    let flat_arrs: Vec<(ArrayRef, String)>;
    let view = match &layout.shape {
        Shape::Messages {
            column,
            role,
            content,
        } => {
            let list = batch.column_by_name(column).ok_or_else(|| {
                Error::file(path, "column vanished after projection").in_column(column.as_str())
            })?;
            let (offsets, values) = list_parts(list.as_ref()).ok_or_else(|| {
                Error::file(
                    path,
                    format!("expected a list of structs, found {}", list.data_type()),
                )
                .in_column(column.as_str())
            })?;
            let structs: &StructArray = values.as_struct_opt().ok_or_else(|| {
                Error::file(path, "expected a list of structs").in_column(column.as_str())
            })?;
            let field = |name: &str| -> Result<Col<'_>> {
                let full = format!("{column}.{name}");
                let a = structs
                    .column_by_name(name)
                    .ok_or_else(|| Error::file(path, "missing field").in_column(full.clone()))?;
                string_col(file, a, &full)
            };
            View::Messages {
                offsets,
                list,
                roles: field(role)?,
                contents: field(content)?,
                langs: if layout.message_language {
                    Some(field("language")?)
                } else {
                    None
                },
            }
        }
        Shape::Choices => {
            let list = batch.column_by_name("choices").ok_or_else(|| {
                Error::file(path, "column vanished after projection").in_column("choices")
            })?;
            let bad = || {
                Error::file(path, "expected a list of {turns: [string or {content}]}")
                    .in_column("choices")
            };
            let (offsets, values) = list_parts(list.as_ref()).ok_or_else(bad)?;
            let structs = values.as_struct_opt().ok_or_else(bad)?;
            let turns = match structs.column_by_name("turns") {
                None => None,
                Some(t) => {
                    let (toff, tvals) = list_parts(t.as_ref()).ok_or_else(bad)?;
                    let texts = match tvals.as_struct_opt() {
                        Some(s) => s.column_by_name("content").ok_or_else(bad)?,
                        None => tvals,
                    };
                    Some((toff, string_col(file, texts, "choices.turns")?))
                }
            };
            View::Choices {
                offsets,
                list,
                turns,
            }
        }
        Shape::Flat { text, prompt, turn } => {
            flat_arrs = [Some(text), prompt.as_ref(), turn.as_ref()]
                .into_iter()
                .flatten()
                .map(|c| Ok((top(file, batch, c)?, c.clone())))
                .collect::<Result<_>>()?;
            let mut it = flat_arrs.iter();
            let (a, n) = it.next().expect("text column");
            let text = string_col(file, a, n)?;
            let prompt = match prompt {
                Some(_) => {
                    let (a, n) = it.next().expect("prompt column");
                    Some(string_col(file, a, n)?)
                }
                None => None,
            };
            let turn = match turn {
                Some(_) => {
                    let (a, n) = it.next().expect("turn column");
                    Some(
                        Col::new(a)
                            .filter(|_| a.data_type().is_integer())
                            .ok_or_else(|| {
                                Error::file(
                                    path,
                                    format!("expected an integer type, found {}", a.data_type()),
                                )
                                .in_column(n.as_str())
                            })?,
                    )
                }
                None => None,
            };
            View::Flat { text, prompt, turn }
        }
    };

    let mut last_model: Option<Arc<str>> = None;
    let mut last_run: Option<Arc<str>> = file.fixed_run.clone();
    let mut turns: Vec<Turn<'_>> = Vec::new();
    for row in 0..batch.num_rows() {
        stats.rows += 1;
        let at_row = |e: Error| e.at_row(row0 + row);
        turns.clear();
        let mut language: Option<Arc<str>> = langs
            .as_ref()
            .and_then(|(c, _)| c.get(row))
            .map(|s| Arc::from(s.as_ref()));
        match &view {
            View::Messages {
                offsets,
                list,
                roles,
                contents,
                langs: mlangs,
            } => {
                let (start, end) = (offsets[row], offsets[row + 1]);
                if !list.is_null(row) {
                    if let Some(c) = mlangs {
                        if start < end {
                            language = c.get(start).map(|s| Arc::from(s.as_ref()));
                        }
                    }
                    let mut n = Numbering::default();
                    for m in start..end {
                        let Some(role) = roles.get(m).and_then(|r| role_of(&r)) else {
                            continue;
                        };
                        turns.push(Turn {
                            role,
                            turn: n.next(role),
                            text: contents.get(m),
                        });
                    }
                }
            }
            View::Choices {
                offsets,
                list,
                turns: tcol,
            } => {
                if let Some((toff, texts)) = tcol {
                    let first = offsets[row];
                    if !list.is_null(row) && first < offsets[row + 1] {
                        for (k, t) in (toff[first]..toff[first + 1]).enumerate() {
                            turns.push(Turn {
                                role: Role::Assistant,
                                turn: k as u32 + 1,
                                text: texts.get(t),
                            });
                        }
                    }
                }
            }
            View::Flat { text, prompt, turn } => {
                let t: u32 = match turn {
                    Some(c) => c.get(row).and_then(|t| t.parse().ok()).unwrap_or(0),
                    None => 1,
                };
                if flat_first && t != 1 {
                    stats.filtered += 1;
                    continue;
                }
                if let Some(p) = prompt {
                    turns.push(Turn {
                        role: Role::User,
                        turn: t,
                        text: p.get(row),
                    });
                }
                turns.push(Turn {
                    role: Role::Assistant,
                    turn: t,
                    text: text.get(row),
                });
            }
        }
        if let (View::Choices { .. }, Some(q)) = (&view, &file.questions) {
            if let Some(id) = ids.as_ref().and_then(|(c, _)| c.get(row)) {
                add_questions(q, &id, &mut turns);
            }
        }
        let id = match &ids {
            Some((c, _)) => c.get(row),
            None => prompt_id(&turns),
        };
        let Some(id) = id else {
            stats.null_id += 1;
            continue;
        };
        let Some(model) = model_at(file, models.as_ref().map(|(c, _)| c), row, &mut last_model)
            .map_err(at_row)?
        else {
            stats.null_model += 1;
            continue;
        };
        let run = match &runs {
            None => last_run.clone(),
            Some((c, name)) => {
                let Some(v) = c.get(row) else {
                    return Err(at_row(
                        Error::file(path, "null run id").in_column(name.as_str()),
                    ));
                };
                match &last_run {
                    Some(prev) if **prev == *v => Some(prev.clone()),
                    _ => {
                        let a: Arc<str> = Arc::from(v.as_ref());
                        last_run = Some(a.clone());
                        Some(a)
                    }
                }
            }
        };
        on_row(
            Conv {
                id,
                model,
                language,
                run,
            },
            &turns,
        );
    }
    Ok(())
}

/// Adds the user turns of question `id` (from `--questions`) to a row's
/// assistant turns.
fn add_questions<'a>(q: &'a crate::json::Questions, id: &str, turns: &mut Vec<Turn<'a>>) {
    if let Some(qs) = q.get(id) {
        for (k, text) in qs.iter().enumerate() {
            turns.push(Turn {
                role: Role::User,
                turn: k as u32 + 1,
                text: Some(Cow::Borrowed(text.as_str())),
            });
        }
    }
}

/// Decodes one JSON record.
fn decode_json(
    file: &InputFile,
    v: &Value,
    flat_first: bool,
    on_row: &mut RowSink<'_>,
    stats: &mut UnitStats,
) -> Result<()> {
    let layout = &file.layout;
    let path = &file.path;
    let bad = |column: &str, want: &str| {
        Error::file(path, format!("expected {want}")).in_column(column.to_string())
    };
    let Value::Object(obj) = v else {
        return Err(Error::file(path, "expected a JSON object per record"));
    };
    stats.rows += 1;
    let mut turns: Vec<Turn<'_>> = Vec::new();
    let mut language: Option<Arc<str>> = match &layout.language_column {
        Some(c) => match obj.get(c) {
            Some(Value::String(s)) => Some(Arc::from(s.as_str())),
            None | Some(Value::Null) => None,
            Some(_) => return Err(bad(c, "a string")),
        },
        None => None,
    };
    match &layout.shape {
        Shape::Messages {
            column,
            role,
            content,
        } => match obj.get(column) {
            None | Some(Value::Null) => {}
            Some(Value::Array(msgs)) => {
                let mut n = Numbering::default();
                for (i, m) in msgs.iter().enumerate() {
                    let Value::Object(m) = m else {
                        return Err(bad(column, "a list of objects"));
                    };
                    if i == 0 && layout.message_language {
                        if let Some(Value::String(l)) = m.get("language") {
                            language = Some(Arc::from(l.as_str()));
                        }
                    }
                    let r = match m.get(role) {
                        Some(Value::String(r)) => r,
                        None | Some(Value::Null) => continue,
                        Some(_) => return Err(bad(&format!("{column}.{role}"), "a string")),
                    };
                    let Some(r) = role_of(r) else { continue };
                    let text = turn_text(m.get(content).unwrap_or(&Value::Null), "answer")
                        .map_err(|_| {
                            bad(
                                &format!("{column}.{content}"),
                                "a string or {answer: string}",
                            )
                        })?;
                    turns.push(Turn {
                        role: r,
                        turn: n.next(r),
                        text: text.map(Cow::Borrowed),
                    });
                }
            }
            Some(_) => return Err(bad(column, "a list of objects")),
        },
        Shape::Choices => {
            let first = match obj.get("choices") {
                Some(Value::Array(cs)) => cs.first(),
                None | Some(Value::Null) => None,
                Some(_) => return Err(bad("choices", "a list of {turns}")),
            };
            match first.map(|c| c.get("turns")) {
                None | Some(None) | Some(Some(Value::Null)) => {}
                Some(Some(Value::Array(ts))) => {
                    for (k, t) in ts.iter().enumerate() {
                        let text = turn_text(t, "content")
                            .map_err(|_| bad("choices.turns", "strings or {content: string}"))?;
                        turns.push(Turn {
                            role: Role::Assistant,
                            turn: k as u32 + 1,
                            text: text.map(Cow::Borrowed),
                        });
                    }
                }
                Some(Some(_)) => return Err(bad("choices.turns", "a list")),
            }
        }
        Shape::Flat { text, prompt, turn } => {
            let t: u32 = match turn {
                Some(c) => match obj.get(c) {
                    Some(Value::Number(n)) => n
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| bad(c, "a turn number"))?,
                    None | Some(Value::Null) => 0,
                    Some(_) => return Err(bad(c, "an integer")),
                },
                None => 1,
            };
            if flat_first && t != 1 {
                stats.filtered += 1;
                return Ok(());
            }
            let string = |c: &str| -> Result<Option<Cow<'_, str>>> {
                match obj.get(c) {
                    Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s.as_str()))),
                    None | Some(Value::Null) => Ok(None),
                    Some(_) => Err(bad(c, "a string")),
                }
            };
            if let Some(p) = prompt {
                turns.push(Turn {
                    role: Role::User,
                    turn: t,
                    text: string(p)?,
                });
            }
            turns.push(Turn {
                role: Role::Assistant,
                turn: t,
                text: string(text)?,
            });
        }
    }
    let id = match &layout.id_column {
        Some(c) => id_text(obj.get(c).unwrap_or(&Value::Null))
            .map_err(|_| bad(c, "a string or integer id"))?
            .map(Cow::Owned),
        None => prompt_id(&turns),
    };
    if let (Shape::Choices, Some(q), Some(id)) = (&layout.shape, &file.questions, &id) {
        add_questions(q, id, &mut turns);
    }
    let Some(id) = id else {
        stats.null_id += 1;
        return Ok(());
    };
    let model = match (&layout.model_from, &layout.model_column) {
        (ModelFrom::Column, Some(c)) => match obj.get(c) {
            Some(Value::String(s)) => {
                checked_model(path, s.clone()).map_err(|e| e.in_column(c.as_str()))?
            }
            None | Some(Value::Null) => {
                stats.null_model += 1;
                return Ok(());
            }
            Some(_) => return Err(bad(c, "a string")),
        },
        _ => file
            .fixed_model
            .clone()
            .expect("fixed model when not from a column"),
    };
    let run = match &layout.run_column {
        Some(c) => match id_text(obj.get(c).unwrap_or(&Value::Null)) {
            Ok(Some(r)) => Some(Arc::from(r)),
            Ok(None) => return Err(Error::file(path, "null run id").in_column(c.as_str())),
            Err(()) => return Err(bad(c, "a string or integer run id")),
        },
        None => file.fixed_run.clone(),
    };
    on_row(
        Conv {
            id,
            model,
            language,
            run,
        },
        &turns,
    );
    Ok(())
}

/// Receives (model, conversation id, language) of each transcript.
pub(crate) type KeySink<'a> = dyn FnMut(&Arc<str>, &str, Option<&str>) + 'a;

/// Reads only the conversation-level keys (model, id, language) of one unit:
/// what seeded sampling and selection checks need. Parquet files with an id
/// column decode no message text; other files are decoded whole.
pub(crate) fn read_keys(file: &InputFile, unit: Unit, sink: &mut KeySink<'_>) -> Result<()> {
    let (Source::Parquet(meta), Some(id_column)) = (&file.source, &file.layout.id_column) else {
        let mut stats = UnitStats::default();
        return decode_unit(
            file,
            unit,
            false,
            &mut |c: Conv<'_>, _: &[Turn<'_>]| sink(&c.model, &c.id, c.language.as_deref()),
            &mut stats,
        );
    };
    let rg = unit.row_group;
    let path = &file.path;
    let layout = &file.layout;
    let descr = meta.parquet_schema();
    let msg_lang = layout.message_language;
    let keep: Vec<&str> = [
        Some(id_column.as_str()),
        layout
            .model_column
            .as_deref()
            .filter(|_| layout.model_from == ModelFrom::Column),
        layout.language_column.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let messages = match &layout.shape {
        Shape::Messages { column, .. } => Some(column.as_str()),
        _ => None,
    };
    // Keep the top-level key leaves; keep message leaves only when the
    // language lives in the messages.
    let leaves: Vec<usize> = layout
        .leaves
        .iter()
        .copied()
        .filter(|&i| {
            let col = descr.column(i);
            let parts = col.path().parts();
            (parts.len() == 1 && keep.contains(&parts[0].as_str()))
                || (msg_lang
                    && Some(parts[0].as_str()) == messages
                    && parts[parts.len() - 1] == "language")
        })
        .collect();
    let handle = File::open(path)
        .map_err(|e| Error::file(path, format!("cannot open: {e}")).in_row_group(rg))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, meta.clone())
        .with_projection(ProjectionMask::leaves(descr, leaves))
        .with_row_groups(vec![rg])
        .with_batch_size(8192)
        .build()
        .map_err(|e| Error::file(path, format!("cannot read: {e}")).in_row_group(rg))?;
    let mut row0 = 0;
    for batch in reader {
        let batch =
            batch.map_err(|e| Error::file(path, format!("cannot decode: {e}")).in_row_group(rg))?;
        let at = |e: Error| e.in_row_group(rg);
        let id_arr = top(file, &batch, id_column).map_err(at)?;
        let ids = string_col(file, &id_arr, id_column).map_err(at)?;
        let model_arr = match (layout.model_from, &layout.model_column) {
            (ModelFrom::Column, Some(c)) => Some(top(file, &batch, c).map_err(at)?),
            _ => None,
        };
        let models = model_arr
            .as_ref()
            .map(|a| string_col(file, a, "model"))
            .transpose()
            .map_err(at)?;
        let lang_arr = match &layout.language_column {
            Some(c) => Some(top(file, &batch, c).map_err(at)?),
            None => None,
        };
        let langs = lang_arr
            .as_ref()
            .map(|a| string_col(file, a, "language"))
            .transpose()
            .map_err(at)?;
        let msg_lang: Option<(Vec<usize>, &ArrayRef)> = match (msg_lang, messages) {
            (true, Some(m)) => batch
                .column_by_name(m)
                .and_then(|a| list_parts(a.as_ref()))
                .and_then(|(off, v)| {
                    v.as_struct_opt()
                        .and_then(|s| s.column_by_name("language"))
                        .map(|l| (off, l))
                }),
            _ => None,
        };
        let msg_lang_col = msg_lang.as_ref().and_then(|(_, a)| Col::new(a));
        let mut last = None;
        for row in 0..batch.num_rows() {
            let Some(id) = ids.get(row) else { continue };
            let Some(model) = model_at(file, models.as_ref(), row, &mut last)
                .map_err(|e| at(e.at_row(row0 + row)))?
            else {
                continue;
            };
            let lang = match (&langs, &msg_lang, &msg_lang_col) {
                (Some(c), _, _) => c.get(row),
                (None, Some((off, _)), Some(c)) if off[row] < off[row + 1] => c.get(off[row]),
                _ => None,
            };
            sink(&model, &id, lang.as_deref());
        }
        row0 += batch.num_rows();
    }
    Ok(())
}
