//! Inputs and the selection every stage takes: opening the files, the
//! input fingerprint that part files and provenance record, and a shard's
//! share of the input (row-group units, or a contiguous conversation-id
//! range read in memory-sized batches, from the inputs or a partition).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_reader::{
    check_selection, open_all, parse_model_names, range_of, read_id_list, read_unit, sample_plan,
    scan_keys, Columns, IdFrom, InputFile, ModelFrom, OpenOptions, Response, Roles, Selection,
    Turns, Unit, UnitStats,
};

use super::named::{self, range_usize};
use super::partition::Partition;
use super::stage::ReadStats;
use super::Result;

/// The selection of transcripts, as every stage takes it: one definition
/// for the command line, the `[select]` table of a pipeline and part files.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Select {
    /// Where the model name comes from: auto (the model column if present,
    /// else the file name unless it looks like a shard), column, file (file
    /// name without extensions), or dir (the folder below INPUT that holds the
    /// file; NAME of a Hugging Face cache datasets--ORG--NAME).
    #[arg(long, default_value = "auto", value_name = "SOURCE")]
    #[serde(with = "named")]
    pub model_from: ModelFrom,
    /// Where the conversation id comes from: column (an id column) or prompt
    /// (md5 of the first user turn).
    #[arg(long, default_value = "column", value_name = "SOURCE")]
    #[serde(with = "named")]
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
    #[serde(with = "named")]
    pub roles: Roles,
    /// Keep only conversations in this language (e.g. English).
    #[arg(long, value_name = "NAME")]
    pub language: Option<String>,
    /// Which turns (of each selected role) to use: first or all.
    #[arg(long, default_value = "first", value_name = "WHICH")]
    #[serde(with = "named")]
    pub turns: Turns,
    /// Keep a seeded sample of N conversations per model (1 to 4294967295).
    #[arg(long, value_name = "N", value_parser = range_usize(1, u32::MAX as usize))]
    pub sample: Option<usize>,
    /// Seed for --sample and every other seeded choice of the stage.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
}

impl Default for Select {
    fn default() -> Self {
        super::stage::clap_default()
    }
}

impl Select {
    /// The option files whose contents shape the result (for the input
    /// fingerprint).
    pub fn files(&self) -> Vec<PathBuf> {
        [
            &self.conversations,
            &self.exclude_conversations,
            &self.questions,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    /// Paths that a pipeline file gives relative to its own folder.
    pub fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        [
            &mut self.conversations,
            &mut self.exclude_conversations,
            &mut self.questions,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Whether only the sampling-free defaults are set (what a rank reading a
    /// partition must have: the partition already applied the selection).
    fn is_default_but_seed(&self) -> bool {
        *self
            == Select {
                seed: self.seed,
                ..Select::default()
            }
    }

    /// The reader's options for opening files.
    fn open_options(&self) -> OpenOptions {
        OpenOptions {
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
        }
    }
}

/// Inputs plus selection, as a stage's command line takes them.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Parquet, JSON Lines or JSON files (also .gz/.zst), or directories
    /// (searched recursively for *.parquet, *.jsonl, *.ndjson, *.json).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub select: Select,
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

/// Opens `paths` and resolves `select`: reads the id lists, checks that
/// a filtering selection selects something (saying what exists when it
/// does not), and computes the seeded sample when asked.
pub fn open(paths: &[PathBuf], select: &Select) -> Result<Inputs> {
    let (files, units) = open_all(paths, &select.open_options())?;
    let ids = |p: &Option<PathBuf>| {
        p.as_deref()
            .map(read_id_list)
            .transpose()
            .map_err(anyhow::Error::msg)
    };
    let models = parse_model_names(&select.models);
    let mut selection = Selection {
        models: (!models.is_empty()).then(|| models.into_iter().collect()),
        conversations: ids(&select.conversations)?,
        exclude: ids(&select.exclude_conversations)?,
        language: select.language.clone(),
        turns: select.turns,
        roles: select.roles,
        sample: None,
    };
    if selection.models.is_some()
        || selection.conversations.is_some()
        || selection.exclude.is_some()
        || selection.language.is_some()
    {
        check_selection(&files, &units, &selection).map_err(anyhow::Error::msg)?;
    }
    if let Some(n) = select.sample {
        let plan = sample_plan(&files, &units, &selection, n, select.seed)?;
        selection.sample = Some(Arc::new(plan));
    }
    Ok(Inputs {
        files,
        units,
        selection,
    })
}

impl Inputs {
    /// Total rows and projected compressed bytes of `units` (for progress).
    pub fn totals(&self, units: &[Unit]) -> (u64, u64) {
        units.iter().fold((0, 0), |(r, b), u| {
            let f = &self.files[u.file];
            (
                r + f.rows_in(u.row_group),
                b + f.projected_bytes(u.row_group),
            )
        })
    }
}

/// One input file as recorded in part files and provenance: its path, size
/// and a hash of its contents (whole files up to 64 MiB; for larger ones
/// the first and last 64 MiB, which for Parquet hold the footer with every
/// column chunk's offsets and statistics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputId {
    /// The path as discovered from the INPUT arguments.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 of the contents hashed, as 16 hex digits.
    pub hash: String,
}

/// The fingerprint of `paths` (in the given order).
pub fn fingerprint(paths: &[PathBuf]) -> Result<Vec<InputId>> {
    paths
        .par_iter()
        .map(|p| {
            let mut f =
                std::fs::File::open(p).with_context(|| format!("{}: cannot open", p.display()))?;
            let bytes = f
                .metadata()
                .with_context(|| format!("{}: cannot stat", p.display()))?
                .len();
            const EDGE: u64 = 64 << 20;
            let mut buf = Vec::new();
            (&mut f)
                .take(EDGE)
                .read_to_end(&mut buf)
                .with_context(|| format!("{}: cannot read", p.display()))?;
            if bytes > EDGE {
                f.seek(SeekFrom::Start(bytes.saturating_sub(EDGE).max(EDGE)))
                    .and_then(|_| f.read_to_end(&mut buf))
                    .with_context(|| format!("{}: cannot read", p.display()))?;
            }
            Ok(InputId {
                path: p.display().to_string(),
                bytes,
                hash: format!("{:016x}", fnv1a(&buf)),
            })
        })
        .collect()
}

/// FNV-1a 64: a small, stable hash for fingerprints and part checksums.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What one shard of a conversation-split stage reads: its inputs and
/// selection, its conversation ids, a filter, the global model list and
/// (from a partition) the reader counts of the whole input.
pub struct ConversationShare {
    /// The opened inputs (the shard's bucket, or everything).
    pub inputs: Inputs,
    /// The shard's conversation ids, sorted.
    pub ids: Vec<String>,
    /// Whether a conversation id belongs to this shard.
    pub keep: Box<dyn Fn(&str) -> bool + Sync>,
    /// Every selected model of the whole input, sorted.
    pub models: Vec<String>,
    /// Reader counts of the whole input (known from a partition only).
    pub stats: Option<ReadStats>,
}

/// The shard's share of a conversation-split stage's input: its bucket of a
/// partition, or its contiguous conversation-id range of the whole selected
/// input (everything for a local run).
pub fn conversation_share(
    paths: &[PathBuf],
    select: &Select,
    rank: usize,
    world: usize,
    adjust: &dyn Fn(&mut [InputFile]) -> Result<()>,
) -> Result<ConversationShare> {
    if let Some(part) = Partition::at(paths)? {
        if !select.is_default_but_seed() {
            bail!(
                "{}: is a partition, which already applied the selection; pass selection options to `wildstat partition`",
                part.dir.display()
            );
        }
        if part.manifest.buckets != world {
            bail!(
                "{}: partition has {} buckets but --world-size is {world}",
                part.dir.display(),
                part.manifest.buckets
            );
        }
        let sel = super::partition::bucket_select(select.seed);
        let mut inputs = open(&[part.bucket(rank)], &sel)?;
        adjust(&mut inputs.files)?;
        let keys = scan_keys(&inputs.files, &inputs.units, &inputs.selection)?;
        return Ok(ConversationShare {
            inputs,
            ids: keys.conversations,
            keep: Box::new(|_: &str| true),
            models: part.manifest.models.clone(),
            stats: Some(part.manifest.stats.clone()),
        });
    }
    let mut inputs = open(paths, select)?;
    adjust(&mut inputs.files)?;
    let keys = scan_keys(&inputs.files, &inputs.units, &inputs.selection)?;
    let bounds = keys.boundaries(world);
    let lo = keys
        .conversations
        .partition_point(|h| range_of(&bounds, h) < rank);
    let hi = keys
        .conversations
        .partition_point(|h| range_of(&bounds, h) <= rank);
    // The share's range of the sorted ids, moved (not copied: a local run's
    // share is every id).
    let mut ids = keys.conversations;
    ids.truncate(hi);
    ids.drain(..lo);
    Ok(ConversationShare {
        ids,
        keep: Box::new(move |h: &str| range_of(&bounds, h) == rank),
        models: keys.models,
        stats: None,
        inputs,
    })
}

/// How much decoded text (with prepared token arrays) a compressed Parquet
/// byte turns into: a conservative factor for planning memory batches of
/// stages whose `--memory` counts text only.
const EXPANSION: u64 = 8;

/// How much decoded text a projected compressed Parquet byte holds at
/// most, for deciding before reading whether a run fits its budget
/// (measured: 3.4 on `wildstat synth` corpora; real transcripts compress
/// less well than synthetic ones, so the factor is generous).
pub const TEXT_EXPANSION: u64 = 6;

impl ConversationShare {
    /// Batches of about `memory_mib` MiB of text each (the planning of
    /// stages whose `--memory` counts text only).
    pub fn text_batches(&self, memory_mib: u64) -> usize {
        let (_, bytes) = self.inputs.totals(&self.inputs.units);
        ((bytes * EXPANSION).div_ceil(memory_mib.max(1) * 1024 * 1024)).max(1) as usize
    }

    /// An estimate of the decoded text (bytes, at most) and the responses
    /// of the share, from the projected compressed size and the row count.
    pub fn estimate(&self) -> (u64, u64) {
        let (rows, bytes) = self.inputs.totals(&self.inputs.units);
        (bytes.saturating_mul(TEXT_EXPANSION), rows)
    }

    /// Heap bytes of the share's conversation-id list (it grows with the
    /// number of conversations; a spilling run releases it once the
    /// buckets are drawn).
    pub fn ids_bytes(&self) -> u64 {
        let strings: usize = self.ids.iter().map(|s| s.capacity() + 16).sum();
        (self.ids.capacity() * std::mem::size_of::<String>() + strings) as u64
    }

    /// Reads the shard's responses in `batches` contiguous id ranges of
    /// about equal conversation counts, and hands each range to `each(b,
    /// batches, responses)` in id order (row groups read in parallel; each
    /// range re-reads the input). Returns the reader counts of everything
    /// read.
    pub fn read_batches(
        &self,
        batches: usize,
        each: &mut dyn FnMut(usize, usize, Vec<Response>) -> Result<()>,
    ) -> Result<UnitStats> {
        let inputs = &self.inputs;
        let batches = batches.max(1);
        let n = self.ids.len();
        let bounds: Vec<String> = (1..batches)
            .map(|i| self.ids.get(i * n / batches).cloned().unwrap_or_default())
            .collect();
        let mut stats = UnitStats::default();
        for b in 0..batches {
            let parts: Vec<(Vec<Response>, UnitStats)> = inputs
                .units
                .par_iter()
                .map(|&u| {
                    let (mut rs, st) = read_unit(&inputs.files[u.file], u, &inputs.selection)?;
                    rs.retain(|r| {
                        (self.keep)(&r.conversation_hash)
                            && (batches == 1 || range_of(&bounds, &r.conversation_hash) == b)
                    });
                    Ok((rs, st))
                })
                .collect::<Result<_>>()?;
            let mut responses = Vec::new();
            for (rs, st) in parts {
                if b == 0 {
                    stats.merge(&st);
                }
                responses.extend(rs);
            }
            each(b, batches, responses)?;
        }
        Ok(stats)
    }
}

/// `p` made absolute against the current folder, with `.` and `..` folded
/// and symbolic links resolved as far as the path exists (an output that
/// does not exist yet resolves through its nearest existing ancestor).
pub fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                match part.to_str() {
                    Some(".") => {}
                    Some("..") => {
                        out.pop();
                    }
                    _ => out.push(part),
                }
            }
            return out;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => {
                // `..` or `.` at the end of a missing path: fold lexically.
                let last = existing.components().next_back();
                match (last, existing.parent()) {
                    (Some(std::path::Component::ParentDir), Some(parent)) => {
                        rest.push("..".into());
                        existing = parent.to_path_buf();
                    }
                    (Some(std::path::Component::CurDir), Some(parent)) => {
                        existing = parent.to_path_buf();
                    }
                    _ => return abs,
                }
            }
        }
    }
}
