//! Options shared by every stage: inputs, selection and progress.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use wildstat_reader::{
    check_selection, open_all, parse_model_names, read_id_list, sample_plan, Columns, IdFrom,
    InputFile, ModelFrom, OpenOptions, Roles, Selection, Turns, Unit,
};

/// Inputs and the selection of transcripts, as every stage takes them.
#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// Parquet, JSON Lines or JSON files (also .gz/.zst), or directories
    /// (searched recursively for *.parquet, *.jsonl, *.ndjson, *.json).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Where the model name comes from: auto (the model column if present,
    /// else the file name unless it looks like a shard), column, file (file
    /// name without extensions), or dir (the folder below INPUT that holds the
    /// file; NAME of a Hugging Face cache datasets--ORG--NAME).
    #[arg(long, default_value = "auto", value_name = "SOURCE")]
    pub model_from: ModelFrom,
    /// Where the conversation id comes from: column (an id column) or prompt
    /// (md5 of the first user turn).
    #[arg(long, default_value = "column", value_name = "SOURCE")]
    pub id_from: IdFrom,
    /// The conversation id column (default: conversation_hash,
    /// conversation_id, id, uid or question_id).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// The model column (default: model, model_id or generator).
    #[arg(long, value_name = "NAME")]
    pub model_column: Option<String>,
    /// Read a flat table whose responses are in this column (default: text).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// The prompt (user turn) column of a flat table.
    #[arg(long, value_name = "NAME")]
    pub prompt_column: Option<String>,
    /// The turn number column of a flat table (default: turn; else turn 1).
    #[arg(long, value_name = "NAME")]
    pub turn_column: Option<String>,
    /// JSON Lines questions (MT-Bench question.jsonl) giving the user turns
    /// of answer files that have none.
    #[arg(long, value_name = "FILE")]
    pub questions: Option<PathBuf>,
    /// Keep only these models: comma-separated, repeatable; write a comma
    /// inside a name as \, (e.g. --models 'org/a\,b').
    #[arg(long, value_name = "A,B")]
    pub models: Vec<String>,
    /// Keep only the conversation ids listed in FILE, one per line.
    #[arg(long, value_name = "FILE")]
    pub conversations: Option<PathBuf>,
    /// Drop the conversation ids listed in FILE, one per line.
    #[arg(long, value_name = "FILE")]
    pub exclude_conversations: Option<PathBuf>,
    /// Which turns' roles to read: assistant, user or both.
    #[arg(long, default_value = "assistant", value_name = "ROLES")]
    pub roles: Roles,
    /// Keep only conversations in this language (e.g. English).
    #[arg(long, value_name = "NAME")]
    pub language: Option<String>,
    /// Which turns (of each selected role) to use: first or all.
    #[arg(long, default_value = "first", value_name = "WHICH")]
    pub turns: Turns,
    /// Keep a seeded sample of N conversations per model.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Seed for --sample (and any other seeded choice of the stage).
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Opened inputs plus the resolved selection.
pub struct Inputs {
    /// Opened files in sorted path order.
    pub files: Vec<InputFile>,
    /// Row-group units, file-major.
    pub units: Vec<Unit>,
    /// The selection to apply while reading.
    pub selection: Selection,
}

impl SelectArgs {
    /// Opens the inputs and resolves the selection (reading the conversation
    /// list and computing the seeded sample when asked).
    pub fn open(&self) -> Result<Inputs, String> {
        let opts = OpenOptions {
            model_from: self.model_from,
            id_from: self.id_from,
            columns: Columns {
                text: self.text_column.clone(),
                prompt: self.prompt_column.clone(),
                model: self.model_column.clone(),
                id: self.id_column.clone(),
                turn: self.turn_column.clone(),
            },
            questions: self.questions.clone(),
        };
        let (files, units) = open_all(&self.inputs, &opts).map_err(|e| e.to_string())?;
        let ids = |p: &Option<PathBuf>| p.as_deref().map(read_id_list).transpose();
        let models = parse_model_names(&self.models);
        let mut selection = Selection {
            models: (!models.is_empty()).then(|| models.into_iter().collect()),
            conversations: ids(&self.conversations)?,
            exclude: ids(&self.exclude_conversations)?,
            language: self.language.clone(),
            turns: self.turns,
            roles: self.roles,
            sample: None,
        };
        if selection.models.is_some()
            || selection.conversations.is_some()
            || selection.exclude.is_some()
            || selection.language.is_some()
        {
            check_selection(&files, &units, &selection)?;
        }
        if let Some(n) = self.sample {
            let plan =
                sample_plan(&files, &units, &selection, n, self.seed).map_err(|e| e.to_string())?;
            selection.sample = Some(Arc::new(plan));
        }
        Ok(Inputs {
            files,
            units,
            selection,
        })
    }
}

impl Inputs {
    /// Total rows and projected compressed bytes over all units (for progress).
    pub fn totals(&self) -> (u64, u64) {
        self.units.iter().fold((0, 0), |(r, b), u| {
            let f = &self.files[u.file];
            (
                r + f.rows_in(u.row_group),
                b + f.projected_bytes(u.row_group),
            )
        })
    }
}
