//! What a stage supplies to the engine: its name, how its input splits into
//! shards, its config, an exact order-free accumulator, optional per-row
//! Parquet output, and the steps `prepare` / `process` / `finish`.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wildstat_reader::{Response, UnitStats};

use super::progress::Progress;
use super::rows::RowWriter;
use super::Result;

/// How a stage's input splits into shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Contiguous slices of (file, row group) units; batches are windows of
    /// units in unit order. For stages whose responses are independent.
    Units,
    /// Contiguous conversation-id ranges (every response of a conversation
    /// lands in one shard and one batch), read in memory-sized batches, from
    /// the inputs or from a `wildstat partition` folder.
    Conversations,
    /// Whole input files (judgment files), a contiguous slice of the sorted
    /// file list per shard; the stage reads each in [`Stage::process_file`].
    Files,
}

/// A stage's options: one struct for the command line (clap), the pipeline
/// table (serde) and the part file, with the defaults clap declares.
pub trait StageConfig:
    clap::Args + Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync
{
    /// Checks values that clap cannot (combinations, regexes).
    fn validate(&self) -> Result<()> {
        Ok(())
    }
    /// Files named by options whose contents shape the result (fingerprinted
    /// with the inputs).
    fn files(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    /// Paths a pipeline file gives relative to its own folder.
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        Vec::new()
    }
    /// Adjusts the opened input files before reading (e.g. where run ids
    /// come from).
    fn adjust(&self, _files: &mut [wildstat_reader::InputFile]) -> Result<()> {
        Ok(())
    }
    /// The memory budget (MiB) for conversation-split batches; `None` for
    /// the machine-derived default ([`crate::memory::Budget`]).
    fn memory_mib(&self) -> Option<u64> {
        Some(4096)
    }
}

/// The defaults of a clap `Args` struct, parsed from an empty command line,
/// so serde defaults and clap defaults are one definition.
pub fn clap_default<T: clap::Args>() -> T {
    use clap::{FromArgMatches, Parser};
    #[derive(Parser)]
    struct Wrap<T: clap::Args> {
        #[command(flatten)]
        inner: T,
    }
    let m = <Wrap<T> as clap::CommandFactory>::command()
        .try_get_matches_from(["wildstat"])
        .expect("every stage option has a default");
    Wrap::<T>::from_arg_matches(&m)
        .expect("defaults parse")
        .inner
}

/// An exact partial result: merging the accumulators of consecutive
/// conversation-id ranges in id order (as the engine merges ranks, in rank
/// order) equals one pass.
pub trait Accumulator: Serialize + DeserializeOwned + Send {
    /// Folds `other` into `self`. Fails only where `self` moves what it
    /// holds to files and cannot write them.
    fn merge(&mut self, other: Self) -> Result<()>;
}

/// Per-name accumulators (e.g. one per model) merge key by key.
impl<V: Accumulator + Default> Accumulator for std::collections::BTreeMap<String, V> {
    fn merge(&mut self, other: Self) -> Result<()> {
        for (k, v) in other {
            self.entry(k).or_default().merge(v)?;
        }
        Ok(())
    }
}

/// Reader counts of the input, as stages print them and parts record them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadStats {
    /// Transcript rows read.
    pub rows: u64,
    /// Responses yielded.
    pub responses: u64,
    /// Responses empty after stripping whitespace.
    pub empty: u64,
    /// Selected assistant turns with null content (skipped).
    pub null_content: u64,
    /// Conversations without an assistant turn (skipped).
    pub no_assistant: u64,
}

impl From<UnitStats> for ReadStats {
    fn from(s: UnitStats) -> Self {
        ReadStats {
            rows: s.rows,
            responses: s.responses,
            empty: s.empty,
            null_content: s.null_content,
            no_assistant: s.no_assistant,
        }
    }
}

impl ReadStats {
    /// Adds another shard's counts (units split).
    pub fn add(&mut self, o: &ReadStats) {
        self.rows += o.rows;
        self.responses += o.responses;
        self.empty += o.empty;
        self.null_content += o.null_content;
        self.no_assistant += o.no_assistant;
    }
}

/// What the engine knows about the whole input when a stage prepares and
/// finishes.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Every selected model, sorted (conversation-split stages; empty for
    /// units-split ones).
    pub models: Vec<String>,
    /// The seed of the selection (`--seed`), shared with the stage.
    pub seed: u64,
    /// The whole selection (for labels such as which turns were read).
    pub select: super::input::Select,
    /// Reader counts over the whole selected input (at finish).
    pub stats: ReadStats,
    /// Whether progress and notices are off.
    pub quiet: bool,
    /// A folder of the run's own (not yet created) where a local run's or
    /// a merge's stage may keep what it holds past its share of the budget;
    /// removed after `finish`, before the output is committed. `None` for
    /// a rank, whose accumulator is written whole to its part.
    pub scratch: Option<std::path::PathBuf>,
}

/// Where `process` puts its results: the accumulator, the row output and
/// the progress reporter.
pub struct Emit<'a, A> {
    /// The stage's accumulator for this shard.
    pub acc: &'a mut A,
    pub(crate) rows: Option<&'a mut RowWriter>,
    /// Progress of the shard (stages that count their own items add here).
    pub progress: &'a Progress,
    /// Which batch of the shard this is (conversation splits), from 0.
    pub batch: usize,
    /// How many batches the shard has.
    pub batches: usize,
}

impl<'a, A> Emit<'a, A> {
    /// An emit with no row output, one batch of one, for running a stage's
    /// `process` outside the executor (unit tests of accumulators).
    pub fn detached(acc: &'a mut A, progress: &'a Progress) -> Self {
        Emit {
            acc,
            rows: None,
            progress,
            batch: 0,
            batches: 1,
        }
    }

    /// Appends a batch of rows to the stage's Parquet output, in order.
    pub fn rows(&mut self, batch: RecordBatch) -> Result<()> {
        match &mut self.rows {
            Some(w) => w.push(batch),
            None => Ok(()),
        }
    }

    /// [`Emit::rows`] while `f` updates the accumulator on another thread,
    /// for stages whose aggregation and row writing both take time; returns
    /// what `f` returns.
    pub fn rows_while<R: Send>(
        &mut self,
        batch: RecordBatch,
        f: impl FnOnce(&mut A) -> R + Send,
    ) -> Result<R>
    where
        A: Send,
    {
        let (acc, rows) = (&mut *self.acc, &mut self.rows);
        let (written, r) = rayon::join(
            move || match rows {
                Some(w) => w.push(batch),
                None => Ok(()),
            },
            move || f(acc),
        );
        written.map(|()| r)
    }
}

/// The files a finished stage writes, and what it prints.
#[derive(Debug, Default)]
pub struct Outputs {
    /// `(file name, contents)` written into the output folder.
    pub files: Vec<(String, String)>,
    /// Printed on stdout (the paper-style Markdown tables).
    pub stdout: String,
    /// A one-line summary for stderr.
    pub summary: String,
}

impl Outputs {
    /// Adds a file.
    pub fn file(&mut self, name: &str, contents: String) {
        self.files.push((name.to_string(), contents));
    }
}

/// One stage: everything that is its own; the executor does the rest.
pub trait Stage: Sized + Sync {
    /// The stage's name: subcommand, pipeline table and part file prefix.
    const NAME: &'static str;
    /// How the input splits into shards.
    const SPLIT: Split;
    /// How the input splits for these options (a stage whose options
    /// change what its inputs are overrides this).
    fn split(_cfg: &Self::Config) -> Split {
        Self::SPLIT
    }
    /// The file name of the per-row Parquet output, if any.
    const ROWS: Option<&'static str>;
    /// What progress counts (`rows` is counted by the engine for units
    /// splits; other units are counted by the stage through [`Emit`]).
    const UNIT: &'static str;
    /// The options.
    type Config: StageConfig;
    /// The partial result.
    type Acc: Accumulator;

    /// Starts, in the background, loading what [`Stage::prepare`] will
    /// need whatever the input (a lexicon embedded in the binary), so that
    /// it overlaps with opening and scanning the inputs. Called once at
    /// the start of a run; the default does nothing.
    fn warm_up(_cfg: &Self::Config) {}
    /// Everything the stage needs to process batches (models, plans,
    /// lexicons), built once per shard.
    fn prepare(cfg: &Self::Config, ctx: &Context) -> Result<Self>;
    /// An empty accumulator.
    fn empty(&self) -> Self::Acc;
    /// The accumulator a merge folds the ranks' parts into, in rank order;
    /// `None` (the default) starts from rank 0's. A stage whose held values
    /// grow with the corpus returns an empty one that moves them into
    /// `ctx.scratch` past its share of the run's budget, so that a merge
    /// is bounded as a local run is.
    fn merge_base(_cfg: &Self::Config, _ctx: &Context) -> Option<Self::Acc> {
        None
    }
    /// The schema of the row output (when [`Stage::ROWS`] is set).
    fn schema() -> Option<SchemaRef> {
        None
    }
    /// The schema of the row output for these options (a stage whose
    /// options add columns overrides this; the engine writes with it).
    fn row_schema(_cfg: &Self::Config) -> Option<SchemaRef> {
        Self::schema()
    }
    /// Processes one batch of responses (a window of units, or a
    /// conversation-id range), in order; may use rayon inside.
    fn process(&self, batch: Vec<Response>, emit: &mut Emit<'_, Self::Acc>) -> Result<()>;
    /// Whether `--memory` bounds the whole process for this stage: a
    /// conversation-split run sizes its batches by [`Stage::batch_bytes`]
    /// and [`Stage::held_bytes`], and a local run or a rank whose selected
    /// share does not fit spills it once into conversation-id buckets (the partition
    /// format, which keeps id, model, turn, language and text, and the run
    /// id with [`Stage::SPILL_RUNS`]: stages that need roles keep `false`,
    /// where `--memory` counts text only and ranges re-read the input).
    const SPILL: bool = false;
    /// Whether a spill keeps each response's run id (read back from the
    /// spill's own column instead of [`crate::StageConfig::adjust`]).
    const SPILL_RUNS: bool = false;
    /// The peak bytes of processing one batch of `responses` responses
    /// holding `text_bytes` bytes of text (its text, prepared tokens,
    /// scores and emitted rows), for sizing batches ([`Stage::SPILL`]).
    fn batch_bytes(&self, text_bytes: u64, _responses: u64) -> u64 {
        text_bytes.saturating_mul(8)
    }
    /// The bytes the stage holds across batches and that grow with the
    /// corpus: the accumulator `acc` and corpus-wide caches (the hook for
    /// the metrics crate's word cache). Subtracted from the budget before
    /// each batch is sized ([`Stage::SPILL`]).
    fn held_bytes(&self, _acc: &Self::Acc) -> u64 {
        0
    }
    /// Processes one whole input file (stages with [`Split::Files`]).
    fn process_file(&self, path: &Path, _emit: &mut Emit<'_, Self::Acc>) -> Result<()> {
        anyhow::bail!(
            "{}: {} does not read whole files",
            path.display(),
            Self::NAME
        )
    }
    /// Turns the merged accumulator of the whole input into the outputs.
    fn finish(cfg: &Self::Config, ctx: &Context, acc: Self::Acc) -> Result<Outputs>;
}

/// `p` relative to `base` unless absolute (pipeline files resolve their
/// paths against their own folder).
pub fn rebase(base: &Path, p: &mut PathBuf) {
    if p.is_relative() {
        *p = base.join(&*p);
    }
}
