use std::path::Path;

use arrow_schema::{DataType, Field, Fields};
use parquet::arrow::arrow_reader::ArrowReaderMetadata;

use crate::{Error, Result};

/// Where the model name of a transcript comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelFrom {
    /// The `model` column when the file has one, else the file name.
    #[default]
    Auto,
    /// The `model` column; a file without it is an error.
    Column,
    /// The file name without `.parquet` (one file per model).
    File,
    /// The folder below the input directory that holds the file (one dataset
    /// folder per model, as WildChat-50M is published).
    Dir,
}

impl std::str::FromStr for ModelFrom {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(ModelFrom::Auto),
            "column" => Ok(ModelFrom::Column),
            "file" => Ok(ModelFrom::File),
            "dir" => Ok(ModelFrom::Dir),
            _ => Err(format!(
                "unknown --model-from {s:?}: expected auto, column, file or dir"
            )),
        }
    }
}

/// The schema variant of a transcript file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// WildChat: `conversation: list<struct<content, role, ...>>`.
    WildChat,
    /// ShareGPT: `conversations: list<struct<from, value>>`.
    ShareGpt,
    /// One response per row: `text` and `turn` columns, as `wildstat
    /// partition` writes them (already selected; read back whole).
    Responses,
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Variant::WildChat => "wildchat",
            Variant::ShareGpt => "sharegpt",
            Variant::Responses => "responses",
        })
    }
}

/// Which columns of a file hold what, and which Parquet leaves to decode.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Schema variant.
    pub variant: Variant,
    /// Conversation id column: `conversation_hash` or `conversation_id`.
    pub hash_column: String,
    /// The list-of-messages column: `conversation` or `conversations`.
    pub messages_column: String,
    /// Role field inside a message: `role` or `from`.
    pub role_field: String,
    /// Text field inside a message: `content` or `value`.
    pub content_field: String,
    /// Top-level `language` column, when present.
    pub language_column: Option<String>,
    /// Whether messages carry their own `language` field (used when there is
    /// no top-level one).
    pub message_language: bool,
    /// Resolved source of the model name (never `Auto`).
    pub model_from: ModelFrom,
    /// Parquet leaf (column chunk) indices to decode; nothing else is read.
    pub leaves: Vec<usize>,
    /// Top-level column holding the run id, projected only when a stage asks
    /// for runs (see [`crate::InputFile::set_run`]); `None` otherwise.
    pub run_column: Option<String>,
}

impl Layout {
    /// A short description for `inspect`: variant and the columns used.
    pub fn describe(&self) -> String {
        let lang = match (&self.language_column, self.message_language) {
            (Some(c), _) => c.clone(),
            (None, true) => format!("{}.language", self.messages_column),
            (None, false) => "none".into(),
        };
        let model = match self.model_from {
            ModelFrom::Column => "column model".to_string(),
            ModelFrom::File => "file name".to_string(),
            ModelFrom::Dir => "folder name".to_string(),
            ModelFrom::Auto => unreachable!("resolved in detect"),
        };
        format!(
            "{} (id: {}, messages: {}.{{{},{}}}, model: {}, language: {})",
            self.variant,
            self.hash_column,
            self.messages_column,
            self.role_field,
            self.content_field,
            model,
            lang
        )
    }

    /// Detects the layout of a file from its schema, refusing anything that is
    /// not a known transcript schema with an error naming the column.
    pub fn detect(
        path: &Path,
        meta: &ArrowReaderMetadata,
        model_from: ModelFrom,
    ) -> Result<Layout> {
        let schema = meta.schema();
        let fields = schema.fields();
        let find = |name: &str| fields.iter().find(|f| f.name() == name);

        let (hash_field, hash_column) = match (find("conversation_hash"), find("conversation_id")) {
            (Some(f), _) => (f, "conversation_hash"),
            (None, Some(f)) => (f, "conversation_id"),
            (None, None) => {
                return Err(Error::file(
                    path,
                    "missing column: expected conversation_hash or conversation_id",
                )
                .in_column("conversation_hash"))
            }
        };
        if !is_string(hash_field.data_type()) && !hash_field.data_type().is_integer() {
            return Err(type_error(
                path,
                hash_column,
                "a string or integer",
                hash_field.data_type(),
            ));
        }

        if find("conversation").is_none() && find("conversations").is_none() {
            if let (Some(text), Some(turn)) = (find("text"), find("turn")) {
                if !is_string(text.data_type()) {
                    return Err(type_error(path, "text", "a string type", text.data_type()));
                }
                if !turn.data_type().is_integer() {
                    return Err(type_error(
                        path,
                        "turn",
                        "an integer type",
                        turn.data_type(),
                    ));
                }
                return Self::detect_responses(path, meta, model_from, hash_column);
            }
        }
        let (variant, messages_column, role_field, content_field) =
            if find("conversation").is_some() {
                (Variant::WildChat, "conversation", "role", "content")
            } else if find("conversations").is_some() {
                (Variant::ShareGpt, "conversations", "from", "value")
            } else {
                return Err(Error::file(
                    path,
                    "missing column: expected conversation (WildChat) or conversations (ShareGPT)",
                )
                .in_column("conversation"));
            };
        let messages = find(messages_column).expect("checked above");
        let items = message_fields(messages).ok_or_else(|| {
            type_error(
                path,
                messages_column,
                "a list of structs",
                messages.data_type(),
            )
        })?;
        let mut message_language = false;
        for want in [role_field, content_field] {
            let f = items.iter().find(|f| f.name() == want).ok_or_else(|| {
                Error::file(
                    path,
                    format!("missing field {want:?} in the message struct"),
                )
                .in_column(format!("{messages_column}.{want}"))
            })?;
            if !is_string(f.data_type()) {
                return Err(type_error(
                    path,
                    &format!("{messages_column}.{want}"),
                    "a string type",
                    f.data_type(),
                ));
            }
        }
        if let Some(f) = items.iter().find(|f| f.name() == "language") {
            message_language = is_string(f.data_type());
        }

        let language_column = match find("language") {
            Some(f) if is_string(f.data_type()) => Some("language".to_string()),
            Some(f) => return Err(type_error(path, "language", "a string type", f.data_type())),
            None => None,
        };
        let model_from = resolve_model_from(path, model_from, find("model"))?;

        // Map the wanted paths to Parquet leaf indices.
        let descr = meta.parquet_schema();
        let mut leaves = Vec::new();
        for (i, col) in descr.columns().iter().enumerate() {
            let parts = col.path().parts();
            let top = parts[0].as_str();
            let last = parts[parts.len() - 1].as_str();
            let wanted = if parts.len() == 1 {
                top == hash_column
                    || (top == "model" && model_from == ModelFrom::Column)
                    || Some(top) == language_column.as_deref()
            } else {
                top == messages_column
                    && (3..=4).contains(&parts.len())
                    && (last == role_field
                        || last == content_field
                        || (last == "language" && language_column.is_none() && message_language))
            };
            if wanted {
                leaves.push(i);
            }
        }
        let need = 3
            + usize::from(model_from == ModelFrom::Column)
            + usize::from(language_column.is_some() || message_language);
        if leaves.len() != need {
            return Err(Error::file(
                path,
                format!(
                    "unsupported nesting: found {} of the {need} needed leaves",
                    leaves.len()
                ),
            )
            .in_column(messages_column));
        }
        Ok(Layout {
            variant,
            hash_column: hash_column.into(),
            messages_column: messages_column.into(),
            role_field: role_field.into(),
            content_field: content_field.into(),
            language_column,
            message_language: message_language && find("language").is_none(),
            model_from,
            leaves,
            run_column: None,
        })
    }
}

impl Layout {
    /// Layout of a flat responses file (`conversation_hash`, `model`,
    /// `turn`, `text`, optional `language`).
    fn detect_responses(
        path: &Path,
        meta: &ArrowReaderMetadata,
        model_from: ModelFrom,
        hash_column: &str,
    ) -> Result<Layout> {
        let fields = meta.schema().fields().clone();
        let find = |name: &str| fields.iter().find(|f| f.name() == name);
        let model_from = resolve_model_from(path, model_from, find("model"))?;
        let language_column = match find("language") {
            Some(f) if is_string(f.data_type()) => Some("language".to_string()),
            Some(f) => return Err(type_error(path, "language", "a string type", f.data_type())),
            None => None,
        };
        let mut wanted = vec![hash_column, "text", "turn"];
        if model_from == ModelFrom::Column {
            wanted.push("model");
        }
        if language_column.is_some() {
            wanted.push("language");
        }
        let leaves: Vec<usize> = meta
            .parquet_schema()
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.path().parts().len() == 1 && wanted.contains(&c.path().parts()[0].as_str())
            })
            .map(|(i, _)| i)
            .collect();
        if leaves.len() != wanted.len() {
            return Err(
                Error::file(path, "unsupported nesting of a responses file").in_column("text")
            );
        }
        Ok(Layout {
            variant: Variant::Responses,
            hash_column: hash_column.into(),
            messages_column: "text".into(),
            role_field: String::new(),
            content_field: "text".into(),
            language_column,
            message_language: false,
            model_from,
            leaves,
            run_column: None,
        })
    }
}

/// Resolves `Auto`, and refuses `Column` when there is no model column.
fn resolve_model_from(
    path: &Path,
    model_from: ModelFrom,
    model_col: Option<&arrow_schema::FieldRef>,
) -> Result<ModelFrom> {
    if let Some(f) = model_col {
        if !is_string(f.data_type()) && matches!(model_from, ModelFrom::Auto | ModelFrom::Column) {
            return Err(type_error(path, "model", "a string type", f.data_type()));
        }
    }
    Ok(match model_from {
        ModelFrom::Auto if model_col.is_some() => ModelFrom::Column,
        ModelFrom::Auto => ModelFrom::File,
        ModelFrom::Column if model_col.is_none() => {
            return Err(
                Error::file(path, "missing column (use --model-from file or dir)")
                    .in_column("model"),
            )
        }
        m => m,
    })
}

fn message_fields(f: &Field) -> Option<&Fields> {
    let item = match f.data_type() {
        DataType::List(item) | DataType::LargeList(item) => item,
        _ => return None,
    };
    match item.data_type() {
        DataType::Struct(fields) => Some(fields),
        _ => None,
    }
}

/// Whether `dt` is one of Arrow's string types.
pub(crate) fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn type_error(path: &Path, column: &str, want: &str, found: &DataType) -> Error {
    Error::file(path, format!("expected {want}, found {found}")).in_column(column)
}
