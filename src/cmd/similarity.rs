//! `wildstat similarity INPUT... --out DIR`: the paper's Table 5. For each
//! target model, ROUGE-1/2/L F1 and METEOR between its answer and other
//! models' answers to the same conversation, exactly as rouge-score 0.1.2 and
//! NLTK compute them, over the whole corpus.
//!
//! Writes `DIR/pairs.parquet` (one row per scored pair, in conversation-id
//! order), `DIR/table.{md,tex,csv,json}` (per target model: pairs,
//! conversations, mean, std and 95% bootstrap CI of each metric), and with
//! `--refs all` the model x model `DIR/matrix.{csv,md,svg}`.
//!
//! With `--rank R --world-size W` (or a Slurm array's environment) it scores
//! only the R-th of W contiguous conversation-id ranges and writes
//! `DIR/parts/similarity-R.*`; `wildstat merge DIR` then writes the same
//! final files, byte for byte. Given a folder made by `wildstat partition`,
//! rank R reads only its bucket.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_metrics::meteor::MeteorContext;
use wildstat_metrics::wordnet::WordNet;
use wildstat_metrics::{Preparer, StemmerChoice};
use wildstat_reader::{range_of, read_unit, scan_keys, Response, Selection, Turns, UnitStats};

use crate::common::{Inputs, SelectArgs};
use crate::output::OutDir;
use crate::progress::Progress;
use crate::shard::{commit, tmp_path, write_atomic, Part, Shard, ShardArgs};
use crate::similarity::aggregate::{Aggregate, Aggregator};
use crate::similarity::pairs::{count_pairs, group, plan_refs, score_batch, PairScore, Refs};
use crate::similarity::tables;

/// Score answers of different models to the same prompts (Table 5).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists (single-process runs).
    #[arg(long)]
    pub force: bool,
    /// Reference models per target: a number K (drawn with --seed) or all.
    #[arg(long, default_value = "5", value_name = "K|all")]
    pub refs: Refs,
    /// honest (mean, sample std, bootstrap CI over conversations) or paper
    /// (the notebook's EMA, alpha 0.3, over conversations in hash order).
    #[arg(long, default_value = "honest", value_name = "HOW")]
    pub aggregate: Aggregate,
    /// Bootstrap resamples for the 95% CI.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Memory budget for response text held at once, in MiB; the corpus is
    /// split into conversation-id ranges that fit.
    #[arg(long, default_value_t = 4096, value_name = "MIB")]
    pub memory: u64,
    /// ROUGE stemmer: porter (rouge-score's, the default), snowball (per the
    /// conversation's language column; not rouge-score) or none.
    #[arg(long, default_value = "porter", value_name = "NAME")]
    pub stemmer: Stemming,
    /// WordNet for METEOR: a WNDB folder (index.*, data.*, *.exc) instead of
    /// the built-in WordNet 3.0.
    #[arg(long, value_name = "DIR")]
    pub wordnet: Option<PathBuf>,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// The ROUGE stemming mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stemming {
    /// NLTK Porter (rouge-score `use_stemmer=True`).
    Porter,
    /// Snowball by the conversation's language.
    Snowball,
    /// No stemming.
    None,
}

impl std::str::FromStr for Stemming {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "porter" => Ok(Stemming::Porter),
            "snowball" => Ok(Stemming::Snowball),
            "none" => Ok(Stemming::None),
            _ => Err(format!(
                "unknown --stemmer {s:?}: expected porter, snowball or none"
            )),
        }
    }
}

/// How much decoded text (with prepared token arrays) a compressed Parquet
/// byte turns into: a conservative factor for planning memory batches.
const EXPANSION: u64 = 8;

/// What a rank records next to its parts, and merge checks and reuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMeta {
    /// Stage name.
    pub stage: String,
    /// Number of ranks.
    pub world: usize,
    /// All models, in index order.
    pub models: Vec<String>,
    /// Options that shape the tables.
    pub refs: String,
    /// Aggregation name.
    pub aggregate: String,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Seed.
    pub seed: u64,
    /// Duplicate responses dropped in this rank.
    pub duplicates: u64,
    /// Reader counts over the whole selected input.
    pub stats: Stats,
}

/// Serializable copy of the reader's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Rows read.
    pub rows: u64,
    /// Responses yielded.
    pub responses: u64,
    /// Empty responses.
    pub empty: u64,
    /// Null contents skipped.
    pub null_content: u64,
    /// Conversations without assistant turn.
    pub no_assistant: u64,
}

impl From<&UnitStats> for Stats {
    fn from(s: &UnitStats) -> Self {
        Stats {
            rows: s.rows,
            responses: s.responses,
            empty: s.empty,
            null_content: s.null_content,
            no_assistant: s.no_assistant,
        }
    }
}

/// The manifest `wildstat partition` writes next to its buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionMeta {
    /// Number of buckets.
    pub buckets: usize,
    /// All selected models.
    pub models: Vec<String>,
    /// First conversation id of buckets 1..N.
    pub boundaries: Vec<String>,
    /// Reader counts of the partition pass.
    pub stats: Stats,
}

/// Name of a partition's manifest.
pub const PARTITION_MANIFEST: &str = "partition.toml";

/// Name of bucket `i` in a partition folder.
pub fn bucket_name(i: usize) -> String {
    format!("bucket-{i:05}.parquet")
}

/// Reads a TOML file into `T`.
pub fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))
}

/// Runs `similarity`.
pub fn run(args: Args) -> Result<(), String> {
    match args.shard.resolve()? {
        None => run_local(&args),
        Some(shard) => run_rank(&args, shard),
    }
}

fn metrics_preparer(stemmer: StemmerChoice, wordnet: &Option<Arc<WordNet>>) -> Preparer {
    let meteor = match wordnet {
        Some(wn) => MeteorContext::with_wordnet(wn.clone()),
        None => MeteorContext::new(),
    };
    Preparer::with_parts(stemmer, Some(meteor))
}

/// Everything needed to score: models, reference plan, preparers.
struct Plan {
    models: Vec<String>,
    refs: Vec<Vec<usize>>,
    stemming: Stemming,
    wordnet: Option<Arc<WordNet>>,
    porter: Preparer,
}

impl Plan {
    fn new(args: &Args, models: Vec<String>) -> Result<Plan, String> {
        if models.len() < 2 {
            return Err(format!(
                "similarity needs at least two models with responses; found {}",
                models.len()
            ));
        }
        let wordnet = match &args.wordnet {
            Some(dir) => Some(Arc::new(
                WordNet::from_wndb_dir(dir).map_err(|e| format!("--wordnet: {e}"))?,
            )),
            None => None,
        };
        let refs = plan_refs(&models, args.refs, args.select.seed);
        let first = match args.stemming_choice() {
            Some(c) => c,
            None => StemmerChoice::Porter,
        };
        let porter = metrics_preparer(first, &wordnet);
        Ok(Plan {
            models,
            refs,
            stemming: args.stemmer,
            wordnet,
            porter,
        })
    }

    fn index(&self, m: &str) -> Option<usize> {
        self.models.binary_search_by(|x| x.as_str().cmp(m)).ok()
    }
}

impl Args {
    /// The single stemmer for porter/none; `None` for per-language snowball.
    fn stemming_choice(&self) -> Option<StemmerChoice> {
        match self.stemmer {
            Stemming::Porter => Some(StemmerChoice::Porter),
            Stemming::None => Some(StemmerChoice::None),
            Stemming::Snowball => None,
        }
    }

    fn meta(&self, world: usize, models: &[String], duplicates: u64, stats: Stats) -> PartMeta {
        PartMeta {
            stage: "similarity".into(),
            world,
            models: models.to_vec(),
            refs: match self.refs {
                Refs::All => "all".into(),
                Refs::K(k) => k.to_string(),
            },
            aggregate: match self.aggregate {
                Aggregate::Honest => "honest".into(),
                Aggregate::Paper => "paper".into(),
            },
            bootstrap: self.bootstrap,
            seed: self.select.seed,
            duplicates,
            stats,
        }
    }
}

/// Receives each scored conversation turn: id, turn, pairs, and planned
/// pairs without a reference answer.
type PairSink<'a> = dyn FnMut(&str, u32, &[PairScore], u64) -> Result<(), String> + 'a;

/// Scores the conversations of `ids` (sorted) that `keep` accepts, in
/// memory-sized contiguous id ranges, in id order, feeding `sink`.
#[allow(clippy::too_many_arguments)]
fn score_ids(
    inputs: &Inputs,
    selection: &Selection,
    ids: &[String],
    keep: &(dyn Fn(&str) -> bool + Sync),
    memory_mib: u64,
    plan: &Plan,
    progress: &Progress,
    sink: &mut PairSink<'_>,
) -> Result<(UnitStats, u64), String> {
    let mut duplicates = 0;
    let stats = read_batches(
        inputs,
        selection,
        ids,
        keep,
        memory_mib,
        &mut |b, batches, responses| {
            let batch = prepare_batch(responses, plan);
            duplicates += batch.duplicates;
            progress.set_total(
                progress.done() + count_pairs(&batch, &plan.refs) * (batches - b) as u64,
            );
            let scored = score_batch(&batch, &plan.refs, &|k| progress.add(k, 0));
            for (c, s) in batch.conversations.iter().zip(&scored) {
                sink(&c.hash, c.turn, &s.pairs, s.missing)?;
            }
            Ok(())
        },
    )?;
    Ok((stats, duplicates))
}

/// Reads the responses of the conversations of `ids` (sorted) that `keep`
/// accepts, in contiguous id ranges sized so that about `memory_mib` MiB of
/// text is held at once, and hands each range to `each(b, batches,
/// responses)` in id order (row groups read in parallel). Returns the reader
/// counts. Shared by the stages that work per conversation.
pub fn read_batches(
    inputs: &Inputs,
    selection: &Selection,
    ids: &[String],
    keep: &(dyn Fn(&str) -> bool + Sync),
    memory_mib: u64,
    each: &mut dyn FnMut(usize, usize, Vec<Response>) -> Result<(), String>,
) -> Result<UnitStats, String> {
    let (_, bytes) = inputs.totals();
    let batches = ((bytes * EXPANSION).div_ceil(memory_mib.max(1) * 1024 * 1024)).max(1) as usize;
    let n = ids.len();
    let bounds: Vec<String> = (1..batches)
        .map(|i| ids.get(i * n / batches).cloned().unwrap_or_default())
        .collect();
    let mut stats = UnitStats::default();
    for b in 0..batches {
        let parts: Vec<(Vec<Response>, UnitStats)> = inputs
            .units
            .par_iter()
            .map(|&u| {
                let (mut rs, st) =
                    read_unit(&inputs.files[u.file], u, selection).map_err(|e| e.to_string())?;
                rs.retain(|r| {
                    keep(&r.conversation_hash)
                        && (batches == 1 || range_of(&bounds, &r.conversation_hash) == b)
                });
                Ok((rs, st))
            })
            .collect::<Result<_, String>>()?;
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

/// Groups and prepares a batch, with per-language Snowball preparers when
/// asked (each conversation's responses share its preparer, so pairs always
/// compare ids of one interner).
fn prepare_batch(responses: Vec<Response>, plan: &Plan) -> crate::similarity::pairs::Batch {
    if plan.stemming != Stemming::Snowball {
        return group(responses, &|m| plan.index(m), &|_| &plan.porter);
    }
    let mut langs: BTreeMap<String, Preparer> = BTreeMap::new();
    for r in &responses {
        let l = r.language.as_deref().unwrap_or("").to_ascii_lowercase();
        let choice = StemmerChoice::snowball_for_language(&l);
        langs
            .entry(l)
            .or_insert_with(|| metrics_preparer(choice, &plan.wordnet));
    }
    group(responses, &|m| plan.index(m), &|lang| {
        &langs[&lang.unwrap_or("").to_ascii_lowercase()]
    })
}

fn run_local(args: &Args) -> Result<(), String> {
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let keys =
        scan_keys(&inputs.files, &inputs.units, &inputs.selection).map_err(|e| e.to_string())?;
    let plan = Plan::new(args, keys.models.clone())?;
    let progress = Progress::new("similarity", "pairs", 0, args.select.quiet);
    let mut agg = Aggregator::new(plan.models.len());
    let mut writer = PairsWriter::create(&out.path("pairs.parquet"), &plan.models)?;
    let (stats, duplicates) = score_ids(
        &inputs,
        &inputs.selection,
        &keys.conversations,
        &|_| true,
        args.memory,
        &plan,
        &progress,
        &mut |hash, turn, pairs, missing| {
            agg.add(hash, turn, pairs, missing);
            writer.push(hash, turn, pairs)
        },
    )?;
    progress.finish();
    writer.finish()?;
    let meta = args.meta(1, &plan.models, duplicates, Stats::from(&stats));
    let summary = write_tables(&mut |name, bytes| out.write(name, bytes), &meta, agg)?;
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!("similarity: {summary}; wrote {}", dir.display());
    }
    Ok(())
}

/// Whether `dir` is a folder written by `wildstat partition`.
pub fn is_partition(dir: &Path) -> bool {
    dir.join(PARTITION_MANIFEST).is_file()
}

/// What one rank reads: its inputs, selection, conversation ids, a filter,
/// the global model list and (from a partition) the reader counts.
pub struct RankInput {
    /// The opened inputs (the rank's bucket, or everything).
    pub inputs: Inputs,
    /// The selection to read them with.
    pub selection: Selection,
    /// The rank's conversation ids, sorted.
    pub ids: Vec<String>,
    /// Whether a conversation id belongs to this rank.
    pub keep: Box<dyn Fn(&str) -> bool + Sync>,
    /// Every selected model of the whole input, sorted.
    pub models: Vec<String>,
    /// Reader counts of the whole input (known from a partition only).
    pub stats: Option<Stats>,
}

/// The rank's share of the input: its bucket of a partition, or its
/// contiguous conversation-id range of the whole selected input. Used by
/// every stage that shards by conversation (similarity, shared).
pub fn rank_input(select: &SelectArgs, shard: Shard) -> Result<RankInput, String> {
    if select.inputs.len() == 1 && is_partition(&select.inputs[0]) {
        let dir = &select.inputs[0];
        let pm: PartitionMeta = read_toml(&dir.join(PARTITION_MANIFEST))?;
        if pm.buckets != shard.world {
            return Err(format!(
                "{}: partition has {} buckets but --world-size is {}",
                dir.display(),
                pm.buckets,
                shard.world
            ));
        }
        let mut sel = select.clone();
        sel.inputs = vec![dir.join(bucket_name(shard.rank))];
        sel.sample = None;
        let inputs = sel.open()?;
        // The bucket holds exactly the selected responses: read it whole.
        let all = Selection {
            turns: Turns::All,
            ..Selection::default()
        };
        let keys = scan_keys(&inputs.files, &inputs.units, &all).map_err(|e| e.to_string())?;
        return Ok(RankInput {
            inputs,
            selection: all,
            ids: keys.conversations,
            keep: Box::new(|_: &str| true),
            models: pm.models,
            stats: Some(pm.stats),
        });
    }
    let inputs = select.open()?;
    let keys =
        scan_keys(&inputs.files, &inputs.units, &inputs.selection).map_err(|e| e.to_string())?;
    let bounds = keys.boundaries(shard.world);
    let rank = shard.rank;
    let lo = keys
        .conversations
        .partition_point(|h| range_of(&bounds, h) < rank);
    let hi = keys
        .conversations
        .partition_point(|h| range_of(&bounds, h) <= rank);
    let selection = inputs.selection.clone();
    Ok(RankInput {
        ids: keys.conversations[lo..hi].to_vec(),
        keep: Box::new(move |h: &str| range_of(&bounds, h) == rank),
        models: keys.models,
        stats: None,
        inputs,
        selection,
    })
}

fn run_rank(args: &Args, shard: Shard) -> Result<(), String> {
    let Some(part) = Part::start(&args.out, "similarity", shard, args.select.quiet)? else {
        return Ok(());
    };
    let RankInput {
        inputs,
        selection,
        ids,
        keep,
        models,
        stats,
    } = rank_input(&args.select, shard)?;
    let plan = Plan::new(args, models)?;
    let progress = Progress::new(
        &format!("similarity rank {}/{}", shard.rank, shard.world),
        "pairs",
        0,
        args.select.quiet,
    );
    let mut agg = Aggregator::new(plan.models.len());
    let pairs_path = part.path("pairs.parquet");
    let tmp = tmp_path(&pairs_path);
    let mut writer = PairsWriter::create(&tmp, &plan.models)?;
    let (read_stats, duplicates) = score_ids(
        &inputs,
        &selection,
        &ids,
        &*keep,
        args.memory,
        &plan,
        &progress,
        &mut |hash, turn, pairs, missing| {
            agg.add(hash, turn, pairs, missing);
            writer.push(hash, turn, pairs)
        },
    )?;
    progress.finish();
    writer.finish()?;
    commit(&tmp, &pairs_path)?;
    write_atomic(&part.path("agg"), agg.encode().as_bytes())?;
    let meta = args.meta(
        shard.world,
        &plan.models,
        duplicates,
        stats.unwrap_or_else(|| Stats::from(&read_stats)),
    );
    let text = toml::to_string(&meta).map_err(|e| e.to_string())?;
    write_atomic(&part.path("toml"), text.as_bytes())?;
    part.mark_done()?;
    if !args.select.quiet {
        eprintln!("similarity: rank {} of {} done", shard.rank, shard.world);
    }
    Ok(())
}

/// Writes the tables (and matrices) of a finished run through `write`;
/// returns a one-line summary. Shared by single-process runs and merge, so
/// both give the same bytes.
pub fn write_tables(
    write: &mut dyn FnMut(&str, String) -> Result<(), String>,
    meta: &PartMeta,
    mut agg: Aggregator,
) -> Result<String, String> {
    let refs: Refs = meta.refs.parse()?;
    let aggregate: Aggregate = meta.aggregate.parse()?;
    let rows = agg.rows(aggregate, meta.bootstrap, meta.seed);
    let settings = tables::Settings {
        refs,
        aggregate,
        bootstrap: meta.bootstrap,
        seed: meta.seed,
        missing: agg.missing,
        duplicates: meta.duplicates,
        stats: meta.stats.clone(),
    };
    let table = tables::main_table(&meta.models, &rows, &settings);
    write("table.md", table.to_markdown())?;
    write("table.tex", table.to_latex())?;
    write("table.csv", table.to_csv())?;
    write("table.json", table.to_json())?;
    if refs == Refs::All {
        let (csv, md, svg) = tables::matrix(&meta.models, &agg);
        write("matrix.csv", csv)?;
        write("matrix.md", md)?;
        write("matrix.svg", svg)?;
    }
    print!("{}", table.to_markdown());
    Ok(format!(
        "{} pairs over {} target models; {} planned pairs had no reference answer",
        rows.iter().map(|r| r.pairs).sum::<u64>(),
        rows.len(),
        agg.missing
    ))
}

/// Streams scored pairs into `pairs.parquet`. Rows are written in record
/// batches of exactly [`PairsWriter::CHUNK`] rows whatever way they arrive,
/// so the same row sequence always gives the same bytes (a single-process
/// run and a merge of any number of parts agree).
pub struct PairsWriter {
    writer: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
    models: Vec<Arc<str>>,
    rows: Vec<(usize, usize, String, u32, [f64; 4])>,
}

impl PairsWriter {
    /// Rows per record batch.
    pub const CHUNK: usize = 65_536;

    /// Creates the file at `path` for pairs of `models`.
    pub fn create(path: &Path, models: &[String]) -> Result<Self, String> {
        let f64c = |n: &str| Field::new(n, DataType::Float64, false);
        let schema = Arc::new(Schema::new(vec![
            Field::new("target_model", DataType::Utf8, false),
            Field::new("reference_model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
            f64c("rouge1"),
            f64c("rouge2"),
            f64c("rougeL"),
            f64c("meteor"),
        ]));
        let writer = crate::output::parquet_writer(path, schema.clone(), None)?;
        Ok(PairsWriter {
            writer,
            schema,
            models: models.iter().map(|m| Arc::from(m.as_str())).collect(),
            rows: Vec::new(),
        })
    }

    /// Adds the pairs of one conversation turn.
    pub fn push(&mut self, hash: &str, turn: u32, pairs: &[PairScore]) -> Result<(), String> {
        for p in pairs {
            self.push_row(p.target, p.reference, hash, turn, p.metrics())?;
        }
        Ok(())
    }

    /// Adds one row.
    pub fn push_row(
        &mut self,
        t: usize,
        r: usize,
        hash: &str,
        turn: u32,
        m: [f64; 4],
    ) -> Result<(), String> {
        self.rows.push((t, r, hash.to_string(), turn, m));
        if self.rows.len() == Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds the rows of a part file written by a rank, in order.
    #[allow(clippy::needless_range_loop)] // one index into several columns
    pub fn push_part(&mut self, path: &Path) -> Result<(), String> {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, UInt32Type};
        let f = std::fs::File::open(path)
            .map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.build())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let index: BTreeMap<Arc<str>, usize> = self
            .models
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, m)| (m, i))
            .collect();
        for batch in reader {
            let b = batch.map_err(|e| format!("{}: {e}", path.display()))?;
            let (t, r, h) = (
                b.column(0).as_string::<i32>(),
                b.column(1).as_string::<i32>(),
                b.column(2).as_string::<i32>(),
            );
            let turn = b.column(3).as_primitive::<UInt32Type>();
            let m: Vec<&[f64]> = (0..4)
                .map(|k| {
                    b.column(4 + k)
                        .as_primitive::<Float64Type>()
                        .values()
                        .as_ref()
                })
                .collect();
            for i in 0..b.num_rows() {
                let ti = *index
                    .get(t.value(i))
                    .ok_or_else(|| format!("{}: unknown model {:?}", path.display(), t.value(i)))?;
                let ri = *index
                    .get(r.value(i))
                    .ok_or_else(|| format!("{}: unknown model {:?}", path.display(), r.value(i)))?;
                self.push_row(
                    ti,
                    ri,
                    h.value(i),
                    turn.value(i),
                    [m[0][i], m[1][i], m[2][i], m[3][i]],
                )?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let model = |i: usize| self.models[i].as_ref();
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| model(r.0)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| model(r.1)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.2.as_str()),
            )),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.3))),
        ];
        for k in 0..4 {
            cols.push(Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.4[k]),
            )));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer
            .write(&batch)
            .map_err(|e| format!("pairs.parquet: {e}"))
    }

    /// Writes the last rows and the footer.
    pub fn finish(mut self) -> Result<(), String> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| format!("pairs.parquet: {e}"))?;
        Ok(())
    }
}
