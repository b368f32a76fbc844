use std::fs::File;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use crate::files::{InputFile, Unit};
use crate::layout::{ModelFrom, Variant};
use crate::select::{Selection, Turns};
use crate::{Error, Result};

/// One assistant response, the unit every stage works on.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Data-generating model.
    pub model: Arc<str>,
    /// Conversation id (`conversation_hash`, or `conversation_id` as text).
    pub conversation_hash: String,
    /// Which assistant turn this is, counting from 1.
    pub turn: u32,
    /// Conversation language, when the file records one.
    pub language: Option<Arc<str>>,
    /// The response text exactly as stored (not stripped).
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
    /// Rows dropped by the selection (model, conversation, language, sample).
    pub filtered: u64,
    /// Rows whose conversation id is null (skipped).
    pub null_id: u64,
    /// Rows whose model is null (skipped).
    pub null_model: u64,
    /// Conversations with no assistant turn (skipped).
    pub no_assistant: u64,
    /// Selected assistant turns whose content is null (skipped).
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
    fn get(&self, i: usize) -> Option<std::borrow::Cow<'a, str>> {
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

/// The run id source of a batch: a column, the file's fixed run, or none.
struct Runs<'a, 'n> {
    col: Option<Col<'a>>,
    fixed: Option<Arc<str>>,
    /// The previous run id, reused while it repeats.
    last: Option<Arc<str>>,
    name: Option<&'n str>,
}

impl Runs<'_, '_> {
    /// The run id of `row`; a null run id is an error naming the column.
    fn get(&mut self, file: &InputFile, row: usize) -> Result<Option<Arc<str>>> {
        let Some(col) = &self.col else {
            return Ok(self.fixed.clone());
        };
        let Some(v) = col.get(row) else {
            return Err(
                Error::file(&file.path, format!("null run id in batch row {row}"))
                    .in_column(self.name.unwrap_or("run")),
            );
        };
        if let Some(prev) = &self.last {
            if **prev == *v {
                return Ok(Some(prev.clone()));
            }
        }
        let a: Arc<str> = Arc::from(v.as_ref());
        self.last = Some(a.clone());
        Ok(Some(a))
    }
}

/// Whether a message role names the assistant (WildChat `assistant`, ShareGPT
/// `gpt`).
fn is_assistant(variant: Variant, role: &str) -> bool {
    match variant {
        Variant::WildChat => role == "assistant",
        Variant::ShareGpt => role == "gpt" || role == "assistant",
        Variant::Responses => true,
    }
}

/// Reads one row group and returns its selected responses, in row order and
/// turn order, with the counts gathered on the way. Only the layout's leaves
/// are decoded.
pub fn read_unit(
    file: &InputFile,
    unit: Unit,
    selection: &Selection,
) -> Result<(Vec<Response>, UnitStats)> {
    let mut out = Vec::new();
    let mut stats = UnitStats::default();
    read_unit_with(file, unit, selection, &mut |r| out.push(r), &mut stats)?;
    Ok((out, stats))
}

fn read_unit_with(
    file: &InputFile,
    unit: Unit,
    selection: &Selection,
    sink: &mut dyn FnMut(Response),
    stats: &mut UnitStats,
) -> Result<()> {
    let rg = unit.row_group;
    let at = |e: Error| e.in_row_group(rg);
    let path = &file.path;
    let layout = &file.layout;
    let handle =
        File::open(path).map_err(|e| at(Error::file(path, format!("cannot open: {e}"))))?;
    let mask = ProjectionMask::leaves(
        file.metadata.parquet_schema(),
        layout.leaves.iter().copied(),
    );
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, file.metadata.clone())
        .with_projection(mask)
        .with_row_groups(vec![rg])
        .with_batch_size(1024)
        .build()
        .map_err(|e| at(Error::file(path, format!("cannot read: {e}"))))?;

    for batch in reader {
        let batch = batch.map_err(|e| at(Error::file(path, format!("cannot decode: {e}"))))?;
        decode_batch(file, &batch, selection, sink, stats).map_err(at)?;
    }
    Ok(())
}

fn column<'a>(file: &InputFile, batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::file(&file.path, "column vanished after projection").in_column(name))
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

fn decode_batch(
    file: &InputFile,
    batch: &RecordBatch,
    selection: &Selection,
    sink: &mut dyn FnMut(Response),
    stats: &mut UnitStats,
) -> Result<()> {
    let layout = &file.layout;
    let ids = string_col(
        file,
        column(file, batch, &layout.hash_column)?,
        &layout.hash_column,
    )?;
    let models = match layout.model_from {
        ModelFrom::Column => Some(string_col(file, column(file, batch, "model")?, "model")?),
        _ => None,
    };
    let langs = match &layout.language_column {
        Some(c) => Some(string_col(file, column(file, batch, c)?, c)?),
        None => None,
    };
    let runs = match &layout.run_column {
        Some(c) => Some(string_col(file, column(file, batch, c)?, c)?),
        None => None,
    };
    let runs = Runs {
        col: runs,
        fixed: file.fixed_run.clone(),
        last: None,
        name: layout.run_column.as_deref(),
    };
    if layout.variant == Variant::Responses {
        return decode_responses(
            file,
            batch,
            &ids,
            models.as_ref(),
            langs.as_ref(),
            runs,
            selection,
            sink,
            stats,
        );
    }
    let mut runs = runs;
    let msgs_arr = column(file, batch, &layout.messages_column)?;
    let mcol = &layout.messages_column;
    let (offsets, structs): (Vec<usize>, &StructArray) = match msgs_arr.data_type() {
        DataType::List(_) => {
            let l = msgs_arr.as_list::<i32>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values().as_struct(),
            )
        }
        DataType::LargeList(_) => {
            let l = msgs_arr.as_list::<i64>();
            (
                l.value_offsets().iter().map(|&o| o as usize).collect(),
                l.values().as_struct(),
            )
        }
        dt => {
            return Err(Error::file(
                &file.path,
                format!("expected a list of structs, found {dt}"),
            )
            .in_column(mcol))
        }
    };
    let field = |name: &str| -> Result<Col<'_>> {
        let full = format!("{mcol}.{name}");
        let a = structs
            .column_by_name(name)
            .ok_or_else(|| Error::file(&file.path, "missing field").in_column(full.clone()))?;
        string_col(file, a, &full)
    };
    let roles = field(&layout.role_field)?;
    let contents = field(&layout.content_field)?;
    let msg_langs = if langs.is_none() && layout.message_language {
        Some(field("language")?)
    } else {
        None
    };

    let mut last_model: Option<Arc<str>> = file.fixed_model.clone();
    for row in 0..batch.num_rows() {
        stats.rows += 1;
        let Some(id) = ids.get(row) else {
            stats.null_id += 1;
            continue;
        };
        let model: Arc<str> = match &models {
            None => last_model
                .clone()
                .expect("fixed model when not from a column"),
            Some(col) => match col.get(row) {
                None => {
                    stats.null_model += 1;
                    continue;
                }
                // Reuse the previous Arc when the model repeats (the usual case).
                Some(m) => match &last_model {
                    Some(prev) if **prev == *m => prev.clone(),
                    _ => {
                        let a: Arc<str> = Arc::from(m.as_ref());
                        last_model = Some(a.clone());
                        a
                    }
                },
            },
        };
        let (start, end) = (offsets[row], offsets[row + 1]);
        if msgs_arr.is_null(row) || start == end {
            stats.no_assistant += 1;
            continue;
        }
        let language: Option<Arc<str>> = match (&langs, &msg_langs) {
            (Some(c), _) => c.get(row).map(|s| Arc::from(s.as_ref())),
            (None, Some(c)) => c.get(start).map(|s| Arc::from(s.as_ref())),
            _ => None,
        };
        if !selection.keeps(&model, &id, language.as_deref()) {
            stats.filtered += 1;
            continue;
        }
        let run = runs.get(file, row)?;
        let mut turn = 0u32;
        for m in start..end {
            let Some(role) = roles.get(m) else { continue };
            if !is_assistant(layout.variant, &role) {
                continue;
            }
            turn += 1;
            match contents.get(m) {
                None => stats.null_content += 1,
                Some(text) => {
                    if text.trim().is_empty() {
                        stats.empty += 1;
                    }
                    stats.responses += 1;
                    sink(Response {
                        model: model.clone(),
                        conversation_hash: id.clone().into_owned(),
                        turn,
                        language: language.clone(),
                        text: text.into_owned(),
                        run: run.clone(),
                    });
                }
            }
            if selection.turns == Turns::First {
                break;
            }
        }
        if turn == 0 {
            stats.no_assistant += 1;
        }
    }
    Ok(())
}

/// Decodes a flat responses batch: one response per row.
#[allow(clippy::too_many_arguments)]
fn decode_responses(
    file: &InputFile,
    batch: &RecordBatch,
    ids: &Col<'_>,
    models: Option<&Col<'_>>,
    langs: Option<&Col<'_>>,
    mut runs: Runs<'_, '_>,
    selection: &Selection,
    sink: &mut dyn FnMut(Response),
    stats: &mut UnitStats,
) -> Result<()> {
    let texts = string_col(file, column(file, batch, "text")?, "text")?;
    let turns_arr = column(file, batch, "turn")?;
    let turns = Col::new(turns_arr).ok_or_else(|| {
        Error::file(
            &file.path,
            format!("expected an integer type, found {}", turns_arr.data_type()),
        )
        .in_column("turn")
    })?;
    for row in 0..batch.num_rows() {
        stats.rows += 1;
        let Some(id) = ids.get(row) else {
            stats.null_id += 1;
            continue;
        };
        let model: Arc<str> = match models {
            None => file
                .fixed_model
                .clone()
                .expect("fixed model when not from a column"),
            Some(c) => match c.get(row) {
                Some(m) => Arc::from(m.as_ref()),
                None => {
                    stats.null_model += 1;
                    continue;
                }
            },
        };
        let language: Option<Arc<str>> = langs
            .and_then(|c| c.get(row))
            .map(|s| Arc::from(s.as_ref()));
        let turn: u32 = turns.get(row).and_then(|t| t.parse().ok()).unwrap_or(0);
        if !selection.keeps(&model, &id, language.as_deref())
            || (selection.turns == Turns::First && turn != 1)
        {
            stats.filtered += 1;
            continue;
        }
        let run = runs.get(file, row)?;
        match texts.get(row) {
            None => stats.null_content += 1,
            Some(text) => {
                if text.trim().is_empty() {
                    stats.empty += 1;
                }
                stats.responses += 1;
                sink(Response {
                    model,
                    conversation_hash: id.into_owned(),
                    turn,
                    language,
                    text: text.into_owned(),
                    run,
                });
            }
        }
    }
    Ok(())
}

/// Receives (model, conversation id, language) of each transcript.
pub(crate) type KeySink<'a> = dyn FnMut(&Arc<str>, &str, Option<&str>) + 'a;

/// Reads only the conversation-level keys (model, id, language) of one row
/// group: what seeded sampling needs, without decoding any message text.
pub(crate) fn read_keys(file: &InputFile, unit: Unit, sink: &mut KeySink<'_>) -> Result<()> {
    let rg = unit.row_group;
    let path = &file.path;
    let layout = &file.layout;
    let descr = file.metadata.parquet_schema();
    // Keep the top-level leaves; keep message leaves only when the language
    // lives in the messages.
    let leaves: Vec<usize> = layout
        .leaves
        .iter()
        .copied()
        .filter(|&i| {
            let col = descr.column(i);
            let parts = col.path().parts();
            (parts.len() == 1 || layout.message_language)
                && Some(parts[0].as_str()) != layout.run_column.as_deref()
                && !(layout.variant == Variant::Responses
                    && (parts[0] == "text" || parts[0] == "turn"))
        })
        .collect();
    let handle = File::open(path)
        .map_err(|e| Error::file(path, format!("cannot open: {e}")).in_row_group(rg))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, file.metadata.clone())
        .with_projection(ProjectionMask::leaves(descr, leaves))
        .with_row_groups(vec![rg])
        .with_batch_size(8192)
        .build()
        .map_err(|e| Error::file(path, format!("cannot read: {e}")).in_row_group(rg))?;
    for batch in reader {
        let batch =
            batch.map_err(|e| Error::file(path, format!("cannot decode: {e}")).in_row_group(rg))?;
        let ids = string_col(
            file,
            column(file, &batch, &layout.hash_column)?,
            &layout.hash_column,
        )?;
        let models = match layout.model_from {
            ModelFrom::Column => Some(string_col(file, column(file, &batch, "model")?, "model")?),
            _ => None,
        };
        let langs = match &layout.language_column {
            Some(c) => Some(string_col(file, column(file, &batch, c)?, c)?),
            None => None,
        };
        let msg_lang: Option<(Vec<usize>, ArrayRef)> = if langs.is_none() && layout.message_language
        {
            let a = column(file, &batch, &layout.messages_column)?;
            let l = a.as_list_opt::<i32>();
            l.map(|l| {
                let s = l.values().as_struct();
                (
                    l.value_offsets().iter().map(|&o| o as usize).collect(),
                    s.column_by_name("language")
                        .cloned()
                        .unwrap_or_else(|| s.column(0).clone()),
                )
            })
        } else {
            None
        };
        let msg_lang_col = msg_lang.as_ref().and_then(|(_, a)| Col::new(a));
        for row in 0..batch.num_rows() {
            let Some(id) = ids.get(row) else { continue };
            let model: Arc<str> = match &models {
                None => file.fixed_model.clone().expect("fixed model"),
                Some(c) => match c.get(row) {
                    Some(m) => Arc::from(m.as_ref()),
                    None => continue,
                },
            };
            let lang = match (&langs, &msg_lang, &msg_lang_col) {
                (Some(c), _, _) => c.get(row),
                (None, Some((off, _)), Some(c)) if off[row] < off[row + 1] => c.get(off[row]),
                _ => None,
            };
            sink(&model, &id, lang.as_deref());
        }
    }
    Ok(())
}
