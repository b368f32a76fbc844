//! Options shared by every stage: inputs, selection and progress.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use wildstat_reader::{open_all, sample_plan, InputFile, ModelFrom, Selection, Turns, Unit};

/// Inputs and the selection of transcripts, as every stage takes them.
#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// Parquet files or directories (searched recursively for *.parquet).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Where the model name comes from: auto (the `model` column if present,
    /// else the file name), column, file (file name without .parquet), or dir
    /// (the folder below INPUT that holds the file).
    #[arg(long, default_value = "auto", value_name = "SOURCE")]
    pub model_from: ModelFrom,
    /// Keep only these models (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub models: Vec<String>,
    /// Keep only the conversation ids listed in FILE, one per line.
    #[arg(long, value_name = "FILE")]
    pub conversations: Option<PathBuf>,
    /// Keep only conversations in this language (e.g. English).
    #[arg(long, value_name = "NAME")]
    pub language: Option<String>,
    /// Which assistant turns to use: first or all.
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
        let (files, units) = open_all(&self.inputs, self.model_from).map_err(|e| e.to_string())?;
        let conversations = match &self.conversations {
            None => None,
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("{}: cannot read conversation list: {e}", p.display()))?;
                let set: HashSet<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
                if set.is_empty() {
                    return Err(format!("{}: conversation list is empty", p.display()));
                }
                Some(set)
            }
        };
        let mut selection = Selection {
            models: (!self.models.is_empty()).then(|| self.models.iter().cloned().collect()),
            conversations,
            language: self.language.clone(),
            turns: self.turns,
            sample: None,
        };
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
