use std::path::Path;

use arrow_schema::{DataType, Schema};

use crate::{Error, Result};

/// Where the model name of a transcript comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelFrom {
    /// The model column when the file has one (`model`, `model_id` or
    /// `generator`, or `--model-column`), else the file name, unless that
    /// looks like a dataset shard (`train-00000-of-00002`): then an error.
    #[default]
    Auto,
    /// The model column; a file without it is an error.
    Column,
    /// The file name without its extensions (one file per model).
    File,
    /// The folder below the input directory that holds the file (one dataset
    /// folder per model, as WildChat-50M is published), or `NAME` of a
    /// Hugging Face hub cache path `datasets--ORG--NAME/snapshots/SHA/...`.
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

/// Where the conversation id comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdFrom {
    /// An id column: `--id-column`, else the first of `conversation_hash`,
    /// `conversation_id`, `id`, `uid`, `question_id` present.
    #[default]
    Column,
    /// The lowercase hex MD5 of the UTF-8 bytes of the first user turn, as
    /// stored (how the shared AlpacaEval Parquet corpus was keyed).
    Prompt,
}

impl std::str::FromStr for IdFrom {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "column" => Ok(IdFrom::Column),
            "prompt" => Ok(IdFrom::Prompt),
            _ => Err(format!(
                "unknown --id-from {s:?}: expected column or prompt"
            )),
        }
    }
}

/// The named shape of a transcript file, as `inspect` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// WildChat: `conversation: [{role, content, language?, ...}]`.
    WildChat,
    /// ShareGPT: `conversations: [{from, value}]`.
    ShareGpt,
    /// OpenAI / Hugging Face chat: `messages: [{role, content}]`.
    Chat,
    /// Arena-Hard-Auto answers: `{uid, model, messages}`, an assistant
    /// `content` may be `{answer}`.
    ArenaHard,
    /// FastChat MT-Bench answers: `{question_id, model_id, choices: [{index,
    /// turns: [str]}]}`.
    MtBench,
    /// Arena-Hard-Auto v0.1 answers: `{question_id, model_id, choices:
    /// [{turns: [{content}]}]}`.
    ArenaHardV01,
    /// AlpacaEval outputs: `{instruction, output, generator, ...}`.
    AlpacaEval,
    /// One response per row: a text column and optionally turn and prompt
    /// columns (what `wildstat partition` writes).
    Flat,
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Variant::WildChat => "wildchat",
            Variant::ShareGpt => "sharegpt",
            Variant::Chat => "chat",
            Variant::ArenaHard => "arena-hard",
            Variant::MtBench => "mt-bench",
            Variant::ArenaHardV01 => "arena-hard-v0.1",
            Variant::AlpacaEval => "alpaca-eval",
            Variant::Flat => "flat",
        })
    }
}

/// Where the turns of a row are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A list of message structs with a role and a content field.
    Messages {
        /// The list column: `conversation`, `conversations` or `messages`.
        column: String,
        /// Role field: `role` or `from`.
        role: String,
        /// Content field: `content` or `value`.
        content: String,
    },
    /// `choices[0].turns`: the assistant turns in order, each a string or a
    /// `{content}` struct; user turns come from a questions file.
    Choices,
    /// One response per row.
    Flat {
        /// The response text column.
        text: String,
        /// The prompt (user turn) column, when there is one.
        prompt: Option<String>,
        /// The turn number column; every row is turn 1 without it.
        turn: Option<String>,
    },
}

/// Column names given by the user, overriding the defaults of detection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// `--text-column`: read the file as a flat table with this text column.
    pub text: Option<String>,
    /// `--prompt-column`: the user turn of a flat table.
    pub prompt: Option<String>,
    /// `--model-column`: the model column (default `model`, `model_id` or
    /// `generator`).
    pub model: Option<String>,
    /// `--id-column`: the conversation id column.
    pub id: Option<String>,
    /// `--turn-column`: the turn number of a flat table (default `turn`).
    pub turn: Option<String>,
}

/// Which columns of a file hold what, and (for Parquet) which leaves to decode.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The named shape.
    pub variant: Variant,
    /// Where the turns are.
    pub shape: Shape,
    /// Conversation id column; `None` when the id is the prompt's MD5.
    pub id_column: Option<String>,
    /// Top-level model column, used when `model_from` is `Column`.
    pub model_column: Option<String>,
    /// Top-level `language` column, when present.
    pub language_column: Option<String>,
    /// Whether messages carry their own `language` field (used when there is
    /// no top-level one).
    pub message_language: bool,
    /// Resolved source of the model name (never `Auto`).
    pub model_from: ModelFrom,
    /// Parquet leaf (column chunk) indices to decode; empty for JSON.
    pub leaves: Vec<usize>,
    /// Top-level column holding the run id, projected only when a stage asks
    /// for runs (see [`crate::InputFile::set_run`]); `None` otherwise.
    pub run_column: Option<String>,
}

/// Id columns looked for, in order, when `--id-column` is not given.
const ID_COLUMNS: [&str; 5] = [
    "conversation_hash",
    "conversation_id",
    "id",
    "uid",
    "question_id",
];
/// Model columns looked for, in order, when `--model-column` is not given.
const MODEL_COLUMNS: [&str; 3] = ["model", "model_id", "generator"];

/// The type of a field as detection sees it, from an Arrow schema or from
/// the first record of a JSON file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A string (any Arrow string type, dictionary-encoded or not).
    Str,
    /// An integer, with its type name (`Int64`, or `integer` in JSON).
    Int(String),
    /// A list of items of this kind.
    List(Box<Kind>),
    /// A struct (object) with these fields.
    Struct(Vec<(String, Kind)>),
    /// Unknown from the data seen (JSON null or empty list): checked per
    /// record while reading.
    Any,
    /// Anything else, described.
    Other(String),
}

impl Kind {
    /// The kind of an Arrow type.
    pub(crate) fn of_arrow(dt: &DataType) -> Kind {
        match dt {
            dt if is_string(dt) => Kind::Str,
            dt if dt.is_integer() => Kind::Int(dt.to_string()),
            DataType::List(f) | DataType::LargeList(f) => {
                Kind::List(Box::new(Kind::of_arrow(f.data_type())))
            }
            DataType::Struct(fs) => Kind::Struct(
                fs.iter()
                    .map(|f| (f.name().clone(), Kind::of_arrow(f.data_type())))
                    .collect(),
            ),
            dt => Kind::Other(dt.to_string()),
        }
    }

    /// The kind of a JSON value; lists merge the fields of all their objects.
    pub(crate) fn of_json(v: &serde_json::Value) -> Kind {
        use serde_json::Value;
        match v {
            Value::String(_) => Kind::Str,
            Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Int("integer".into()),
            Value::Null => Kind::Any,
            Value::Array(items) => {
                let mut fields: Vec<(String, Kind)> = Vec::new();
                let mut first = None;
                for it in items {
                    match it {
                        Value::Object(m) => {
                            for (k, v) in m {
                                if !fields.iter().any(|(n, _)| n == k) {
                                    fields.push((k.clone(), Kind::of_json(v)));
                                }
                            }
                        }
                        other => {
                            first.get_or_insert_with(|| Kind::of_json(other));
                        }
                    }
                }
                let item = match first {
                    Some(k) if fields.is_empty() => k,
                    _ if !fields.is_empty() => Kind::Struct(fields),
                    _ => Kind::Any,
                };
                Kind::List(Box::new(item))
            }
            Value::Object(m) => Kind::Struct(
                m.iter()
                    .map(|(k, v)| (k.clone(), Kind::of_json(v)))
                    .collect(),
            ),
            Value::Bool(_) => Kind::Other("boolean".into()),
            Value::Number(_) => Kind::Other("float".into()),
        }
    }

    fn is_str(&self) -> bool {
        matches!(self, Kind::Str | Kind::Any)
    }

    fn is_id(&self) -> bool {
        matches!(self, Kind::Str | Kind::Int(_) | Kind::Any)
    }

    fn describe(&self) -> String {
        match self {
            Kind::Str => "a string".into(),
            Kind::Int(t) => t.clone(),
            Kind::List(_) => "a list".into(),
            Kind::Struct(_) => "a struct".into(),
            Kind::Any => "null".into(),
            Kind::Other(s) => s.clone(),
        }
    }
}

/// What detection is told about a file: its top-level fields and the options.
pub(crate) struct Probe<'a> {
    /// Path, for errors.
    pub path: &'a Path,
    /// Top-level fields and their kinds, in file order.
    pub fields: Vec<(String, Kind)>,
    /// Whether the file is JSON (content may then be `{answer}`; kinds are
    /// checked again per record).
    pub json: bool,
}

impl Probe<'_> {
    fn find(&self, name: &str) -> Option<&Kind> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, k)| k)
    }

    fn type_error(&self, column: &str, want: &str, found: &Kind) -> Error {
        Error::file(
            self.path,
            format!("expected {want}, found {}", found.describe()),
        )
        .in_column(column)
    }

    /// A named column that must exist (given by the user).
    fn named(&self, name: &str, flag: &str) -> Result<&Kind> {
        self.find(name).ok_or_else(|| {
            Error::file(self.path, format!("missing column named by {flag}")).in_column(name)
        })
    }

    fn names(&self) -> String {
        let v: Vec<&str> = self.fields.iter().map(|(n, _)| n.as_str()).collect();
        v.join(", ")
    }
}

impl Layout {
    /// A short description for `inspect`: shape and the columns used.
    pub fn describe(&self) -> String {
        let lang = match (&self.language_column, self.message_language, &self.shape) {
            (Some(c), _, _) => c.clone(),
            (None, true, Shape::Messages { column, .. }) => format!("{column}.language"),
            _ => "none".into(),
        };
        let model = match (self.model_from, &self.model_column) {
            (ModelFrom::Column, Some(c)) => format!("column {c}"),
            (ModelFrom::File, _) => "file name".to_string(),
            _ => "folder name".to_string(),
        };
        let id = match &self.id_column {
            Some(c) => c.clone(),
            None => "md5 of the first user turn".into(),
        };
        let turns = match &self.shape {
            Shape::Messages {
                column,
                role,
                content,
            } => format!("messages: {column}.{{{role},{content}}}"),
            Shape::Choices => "turns: choices[0].turns".into(),
            Shape::Flat { text, prompt, turn } => format!(
                "text: {text}, prompt: {}, turn: {}",
                prompt.as_deref().unwrap_or("none"),
                turn.as_deref().unwrap_or("1")
            ),
        };
        format!(
            "{} (id: {id}, {turns}, model: {model}, language: {lang})",
            self.variant
        )
    }

    /// Detects the layout from a file's top-level fields, refusing anything
    /// that is not a known transcript shape with an error naming the column
    /// and the option to use.
    pub(crate) fn detect(
        p: &Probe<'_>,
        cols: &Columns,
        model_from: ModelFrom,
        id_from: IdFrom,
    ) -> Result<Layout> {
        let (variant, shape) = detect_shape(p, cols)?;
        let has_prompt = match &shape {
            Shape::Messages { .. } => true,
            // Their user turns come from a questions file, by question id.
            Shape::Choices => false,
            Shape::Flat { prompt, .. } => prompt.is_some(),
        };
        let id_column = match (id_from, &cols.id) {
            (IdFrom::Prompt, _) if !has_prompt => {
                return Err(Error::file(
                    p.path,
                    "--id-from prompt needs a user turn in the file: this one has none \
                     (use --id-column NAME)",
                ))
            }
            (IdFrom::Prompt, _) => None,
            (IdFrom::Column, Some(c)) => Some(c.clone()),
            (IdFrom::Column, None) => match ID_COLUMNS.iter().find(|c| p.find(c).is_some()) {
                Some(c) => Some(c.to_string()),
                None => {
                    let fix = if has_prompt {
                        "use --id-from prompt (md5 of the first user turn) or --id-column NAME"
                    } else {
                        "use --id-column NAME"
                    };
                    return Err(Error::file(
                        p.path,
                        format!("no id column (looked for {}): {fix}", ID_COLUMNS.join(", ")),
                    )
                    .in_column(ID_COLUMNS[0]));
                }
            },
        };
        if let Some(c) = &id_column {
            let k = p.named(c, "--id-column")?;
            if !k.is_id() {
                return Err(p.type_error(c, "a string or integer", k));
            }
        }

        let model_column = match &cols.model {
            Some(c) => {
                p.named(c, "--model-column")?;
                Some(c.clone())
            }
            None => MODEL_COLUMNS
                .iter()
                .find(|c| p.find(c).is_some())
                .map(|c| c.to_string()),
        };
        let model_from = match model_from {
            ModelFrom::Auto if model_column.is_some() => ModelFrom::Column,
            ModelFrom::Auto => {
                let stem = crate::files::file_stem(p.path);
                if crate::files::looks_like_shard(&stem) {
                    return Err(Error::file(
                        p.path,
                        format!(
                            "no model column, and the file name {stem:?} looks like a dataset \
                             shard, not a model: use --model-from dir (or --model-column NAME)"
                        ),
                    ));
                }
                ModelFrom::File
            }
            ModelFrom::Column if model_column.is_none() => {
                return Err(Error::file(
                    p.path,
                    "missing column (use --model-from file or dir, or --model-column NAME)",
                )
                .in_column("model"))
            }
            m => m,
        };
        if model_from == ModelFrom::Column {
            let c = model_column.as_deref().expect("checked above");
            let k = p.find(c).expect("checked above");
            if !k.is_str() {
                return Err(p.type_error(c, "a string type", k));
            }
        }
        let language_column = match p.find("language") {
            Some(k) if k.is_str() => Some("language".to_string()),
            Some(k) => return Err(p.type_error("language", "a string type", k)),
            None => None,
        };
        let message_language = language_column.is_none()
            && match &shape {
                Shape::Messages { column, .. } => matches!(
                    p.find(column),
                    Some(Kind::List(item)) if matches!(&**item, Kind::Struct(fs)
                        if fs.iter().any(|(n, k)| n == "language" && k.is_str()))
                ),
                _ => false,
            };
        Ok(Layout {
            variant,
            shape,
            id_column,
            model_column: (model_from == ModelFrom::Column)
                .then_some(model_column)
                .flatten(),
            language_column,
            message_language,
            model_from,
            leaves: Vec::new(),
            run_column: None,
        })
    }

    /// Computes the Parquet leaves to decode: the top-level columns used, the
    /// role/content(/language) leaves of a message list, all of `choices`.
    pub(crate) fn set_leaves(
        &mut self,
        path: &Path,
        descr: &parquet::schema::types::SchemaDescriptor,
    ) -> Result<()> {
        let mut tops: Vec<&str> = Vec::new();
        tops.extend(self.id_column.as_deref());
        tops.extend(self.model_column.as_deref());
        tops.extend(self.language_column.as_deref());
        tops.extend(self.run_column.as_deref());
        let (list, fields): (Option<&str>, Vec<&str>) = match &self.shape {
            Shape::Messages {
                column,
                role,
                content,
            } => {
                let mut f = vec![role.as_str(), content.as_str()];
                if self.message_language {
                    f.push("language");
                }
                (Some(column.as_str()), f)
            }
            Shape::Choices => {
                tops.push("choices");
                (None, Vec::new())
            }
            Shape::Flat { text, prompt, turn } => {
                tops.push(text);
                tops.extend(prompt.as_deref());
                tops.extend(turn.as_deref());
                (None, Vec::new())
            }
        };
        let mut leaves = Vec::new();
        let mut found_list = 0;
        for (i, col) in descr.columns().iter().enumerate() {
            let parts = col.path().parts();
            let top = parts[0].as_str();
            if tops.contains(&top) {
                leaves.push(i);
            } else if Some(top) == list && (3..=4).contains(&parts.len()) {
                let last = parts[parts.len() - 1].as_str();
                if fields.contains(&last) {
                    leaves.push(i);
                    found_list += 1;
                }
            }
        }
        if found_list != fields.len() {
            return Err(Error::file(
                path,
                format!(
                    "unsupported nesting: found {found_list} of the {} needed leaves",
                    fields.len()
                ),
            )
            .in_column(list.unwrap_or_default()));
        }
        self.leaves = leaves;
        Ok(())
    }
}

/// Finds the shape: a message list, `choices`, AlpacaEval or a flat table.
fn detect_shape(p: &Probe<'_>, cols: &Columns) -> Result<(Variant, Shape)> {
    let flat = |text: &str, prompt: Option<&str>| -> Result<Shape> {
        let text_kind = p.named(text, "--text-column")?;
        if !text_kind.is_str() {
            return Err(p.type_error(text, "a string type", text_kind));
        }
        let prompt = match cols.prompt.as_deref().or(prompt) {
            Some(c) => {
                let k = p.named(c, "--prompt-column")?;
                if !k.is_str() {
                    return Err(p.type_error(c, "a string type", k));
                }
                Some(c.to_string())
            }
            None => None,
        };
        let turn = match &cols.turn {
            Some(c) => Some((c.clone(), p.named(c, "--turn-column")?)),
            None => p.find("turn").map(|k| ("turn".to_string(), k)),
        };
        if let Some((c, k)) = &turn {
            if !matches!(k, Kind::Int(_) | Kind::Any) {
                return Err(p.type_error(c, "an integer type", k));
            }
        }
        Ok(Shape::Flat {
            text: text.to_string(),
            prompt,
            turn: turn.map(|(c, _)| c),
        })
    };
    if let Some(t) = &cols.text {
        return Ok((Variant::Flat, flat(t, None)?));
    }
    let messages = [
        ("conversation", Variant::WildChat, "role", "content"),
        ("conversations", Variant::ShareGpt, "from", "value"),
        ("messages", Variant::Chat, "role", "content"),
    ];
    for (column, variant, role, content) in messages {
        let Some(k) = p.find(column) else { continue };
        let Kind::List(item) = k else {
            return Err(p.type_error(column, "a list of structs", k));
        };
        let fields = match &**item {
            Kind::Struct(fs) => fs.as_slice(),
            Kind::Any => &[],
            k => return Err(p.type_error(column, "a list of structs", k)),
        };
        for want in [role, content] {
            match fields.iter().find(|(n, _)| n == want) {
                Some((_, k)) if k.is_str() || p.json => {}
                Some((_, k)) => {
                    return Err(p.type_error(&format!("{column}.{want}"), "a string type", k))
                }
                None if fields.is_empty() => {}
                None => {
                    return Err(Error::file(
                        p.path,
                        format!("missing field {want:?} in the message struct"),
                    )
                    .in_column(format!("{column}.{want}")))
                }
            }
        }
        let variant = if variant == Variant::Chat && p.find("uid").is_some() {
            Variant::ArenaHard
        } else {
            variant
        };
        let shape = Shape::Messages {
            column: column.into(),
            role: role.into(),
            content: content.into(),
        };
        return Ok((variant, shape));
    }
    if let Some(k) = p.find("choices") {
        let turns = match k {
            Kind::List(item) => match &**item {
                Kind::Struct(fs) => fs.iter().find(|(n, _)| n == "turns").map(|(_, k)| k),
                _ => None,
            },
            _ => None,
        };
        let variant = match turns {
            Some(Kind::List(t)) if matches!(**t, Kind::Struct(_)) => Variant::ArenaHardV01,
            Some(Kind::List(t)) if t.is_str() => Variant::MtBench,
            _ => {
                return Err(p.type_error("choices", "a list of {turns: [string or {content}]}", k))
            }
        };
        return Ok((variant, Shape::Choices));
    }
    if p.find("instruction").is_some() && p.find("output").is_some() {
        return Ok((Variant::AlpacaEval, flat("output", Some("instruction"))?));
    }
    if p.find("text").is_some() {
        return Ok((Variant::Flat, flat("text", None)?));
    }
    Err(Error::file(
        p.path,
        format!(
            "unrecognised layout (columns: {}): expected conversation, conversations, messages \
             or choices, instruction+output, or a text column (--text-column NAME)",
            p.names()
        ),
    )
    .in_column("conversation"))
}

/// The probe of an Arrow schema.
pub(crate) fn arrow_fields(schema: &Schema) -> Vec<(String, Kind)> {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), Kind::of_arrow(f.data_type())))
        .collect()
}

/// Whether `dt` is one of Arrow's string types, plain or dictionary-encoded
/// (pandas `category`).
pub(crate) fn is_string(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}
