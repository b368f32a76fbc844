//! The similarity stage, the paper's Table 5: for each target model,
//! ROUGE-1/2/L F1 and METEOR between its answer and other models' answers to
//! the same conversation, exactly as rouge-score 0.1.2 and NLTK compute
//! them. Pairs responses of different models within a conversation, scores
//! each pair once from responses prepared once, and keeps per-conversation
//! values (Table 5) and per (target, reference) moments (the matrix).
//!
//! Writes `pairs.parquet` (one row per scored pair, in conversation-id
//! order), `table.{md,tex,csv,json}` and with `--refs all`
//! `matrix.{csv,md,svg}`.

pub mod aggregate;
pub mod pairs;
pub mod tables;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use wildstat_metrics::meteor::MeteorContext;
use wildstat_metrics::wordnet::WordNet;
use wildstat_metrics::{Preparer, StemmerChoice};
use wildstat_reader::Response;

use crate::stages::spill;
use aggregate::{Aggregate, Aggregator};
use pairs::{
    count_pairs, group, plan_refs, score_batch, slices, Batch, Conversation, Refs, Scored,
};
use rayon::prelude::*;
use wildstat_engine::named::{self, range, range_usize, Named};
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The similarity stage's options.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Reference models per target: a number K (1 to 100000, drawn with
    /// --seed) or all.
    #[arg(long, default_value = "5", value_name = "K|all")]
    #[serde(with = "named")]
    pub refs: Refs,
    /// honest (mean, sample std, bootstrap CI over conversations) or paper
    /// (the notebook's EMA, alpha 0.3, over conversations in hash order).
    #[arg(long, default_value = "honest", value_name = "HOW")]
    #[serde(with = "named")]
    pub aggregate: Aggregate,
    /// Bootstrap resamples for the 95% CI (0 to 100000; 0 leaves the CI
    /// empty).
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = range_usize(0, 100_000))]
    pub bootstrap: usize,
    /// Memory budget of the whole process, in MiB (1 to 1048576; default:
    /// half of MemAvailable, 512 MiB to 64 GiB, printed unless -q). Batches
    /// are conversation-id ranges sized to fit; a run (or a rank's share)
    /// that does not fit first spills its selection into conversation-id
    /// buckets in a temporary folder (removed at the end).
    #[arg(long, value_name = "MIB", value_parser = range(1, 1 << 20))]
    pub memory: Option<u64>,
    /// ROUGE stemmer: porter (rouge-score's, the default), snowball (per the
    /// conversation's language column; not rouge-score) or none.
    #[arg(long, default_value = "porter", value_name = "NAME")]
    #[serde(with = "named")]
    pub stemmer: Stemming,
    /// WordNet for METEOR: a WNDB folder (index.*, data.*, *.exc) instead of
    /// the built-in WordNet 3.0.
    #[arg(long, value_name = "DIR")]
    pub wordnet: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

impl StageConfig for Config {
    fn files(&self) -> Vec<PathBuf> {
        let Some(dir) = &self.wordnet else {
            return Vec::new();
        };
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        v
    }
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        self.wordnet.iter_mut().collect()
    }
    fn memory_mib(&self) -> Option<u64> {
        self.memory
    }
}

/// The ROUGE stemming mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stemming {
    /// NLTK Porter (rouge-score `use_stemmer=True`).
    Porter,
    /// Snowball by the conversation's language.
    Snowball,
    /// No stemming.
    None,
}

impl Named for Stemming {
    fn name(&self) -> String {
        match self {
            Stemming::Porter => "porter",
            Stemming::Snowball => "snowball",
            Stemming::None => "none",
        }
        .into()
    }
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

impl Accumulator for Aggregator {
    fn merge(&mut self, other: Self) -> wildstat_engine::Result<()> {
        Aggregator::merge(self, other).map_err(anyhow::Error::msg)
    }
}

/// A prepared similarity shard: models, reference plan, preparers.
pub struct Similarity {
    models: Vec<Arc<str>>,
    refs: Vec<Vec<usize>>,
    aggregate: Aggregate,
    stemming: Stemming,
    wordnet: Option<Arc<WordNet>>,
    porter: Preparer,
    /// Where a local run's aggregator moves its per-conversation values,
    /// and past how many bytes in memory (see [`spill::limit`]).
    spill: Option<(PathBuf, u64)>,
}

fn metrics_preparer(stemmer: StemmerChoice, wordnet: &Option<Arc<WordNet>>) -> Preparer {
    let meteor = match wordnet {
        Some(wn) => MeteorContext::with_wordnet(wn.clone()),
        None => MeteorContext::new(),
    };
    Preparer::with_parts(stemmer, Some(meteor))
}

impl Similarity {
    /// Bytes of the corpus-wide caches of the Porter preparer (interned
    /// tokens, METEOR's synonym tables, an upper bound of each thread's
    /// front cache): part of [`Stage::held_bytes`]. The per-language
    /// Snowball preparers live for one batch and count in its estimate.
    fn cache_bytes(&self) -> u64 {
        self.porter.cache_bytes() as u64
    }

    fn index(&self, m: &str) -> Option<usize> {
        self.models.binary_search_by(|x| (**x).cmp(m)).ok()
    }

    /// The per-language Snowball preparers of a batch, when asked (none
    /// otherwise: every conversation uses the Porter preparer).
    fn snowball(&self, batch: &Batch) -> BTreeMap<String, Preparer> {
        let mut langs: BTreeMap<String, Preparer> = BTreeMap::new();
        if self.stemming == Stemming::Snowball {
            for r in &batch.responses {
                let l = r.language.as_deref().unwrap_or("").to_ascii_lowercase();
                let choice = StemmerChoice::snowball_for_language(&l);
                langs
                    .entry(l)
                    .or_insert_with(|| metrics_preparer(choice, &self.wordnet));
            }
        }
        langs
    }

    /// Scores the conversations `range` of a grouped batch, with the
    /// batch's Snowball preparers when there are (each conversation's
    /// responses share its preparer, so pairs always compare ids of one
    /// interner), else the Porter one.
    fn score(
        &self,
        batch: &Batch,
        range: Range<usize>,
        langs: &BTreeMap<String, Preparer>,
        done: &(dyn Fn(u64) + Sync),
    ) -> Vec<Scored> {
        if langs.is_empty() {
            return score_batch(batch, range, &self.refs, &|_| &self.porter, done);
        }
        score_batch(
            batch,
            range,
            &self.refs,
            &|lang| &langs[&lang.unwrap_or("").to_ascii_lowercase()],
            done,
        )
    }

    /// Writes the rows of scored conversations while it adds them to the
    /// accumulator.
    fn emit_rows(
        &self,
        conversations: &[Conversation],
        scored: &[Scored],
        emit: &mut Emit<'_, Aggregator>,
    ) -> wildstat_engine::Result<()> {
        let rows = self.pair_rows(conversations, scored)?;
        emit.rows_while(rows, |acc| {
            for (c, s) in conversations.iter().zip(scored) {
                acc.add(&c.hash, c.turn, &s.pairs, s.missing)?;
            }
            Ok::<_, String>(())
        })?
        .map_err(anyhow::Error::msg)
    }
}

/// Slices a batch's conversations are scored in: each slice's rows are
/// written while the next slice is scored.
const SLICES: u64 = 8;

impl Similarity {
    /// The `pairs.parquet` rows of a scored batch, in conversation order.
    fn pair_rows(
        &self,
        conversations: &[Conversation],
        scored: &[Scored],
    ) -> wildstat_engine::Result<RecordBatch> {
        let n: usize = scored.iter().map(|s| s.pairs.len()).sum();
        let (mut t, mut r, mut h, mut turn) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut m: [Vec<f64>; 4] = Default::default();
        for (c, s) in conversations.iter().zip(scored) {
            for p in &s.pairs {
                t.push(&*self.models[p.target]);
                r.push(&*self.models[p.reference]);
                h.push(c.hash.as_str());
                turn.push(c.turn);
                for (k, v) in p.metrics().into_iter().enumerate() {
                    m[k].push(v);
                }
            }
        }
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(t)),
            Arc::new(StringArray::from_iter_values(r)),
            Arc::new(StringArray::from_iter_values(h)),
            Arc::new(UInt32Array::from(turn)),
        ];
        for v in m {
            cols.push(Arc::new(Float64Array::from(v)));
        }
        Ok(RecordBatch::try_new(Self::schema().expect("schema"), cols)?)
    }
}

impl Stage for Similarity {
    const NAME: &'static str = "similarity";
    const SPLIT: Split = Split::Conversations;
    const ROWS: Option<&'static str> = Some("pairs.parquet");
    const UNIT: &'static str = "pairs";
    type Config = Config;
    type Acc = Aggregator;

    /// Parses the embedded WordNet while the inputs are opened and their
    /// keys scanned (unless `--wordnet` names another).
    fn warm_up(cfg: &Config) {
        if cfg.wordnet.is_none() {
            WordNet::embedded_in_background();
        }
    }

    fn prepare(cfg: &Config, ctx: &Context) -> wildstat_engine::Result<Self> {
        if ctx.models.len() < 2 {
            bail!(
                "similarity needs at least two models with responses; found {}",
                ctx.models.len()
            );
        }
        let wordnet = match &cfg.wordnet {
            Some(dir) => Some(Arc::new(
                WordNet::from_wndb_dir(dir).map_err(|e| anyhow::anyhow!("--wordnet: {e}"))?,
            )),
            None => None,
        };
        let first = match cfg.stemmer {
            Stemming::None => StemmerChoice::None,
            _ => StemmerChoice::Porter,
        };
        Ok(Similarity {
            models: ctx.models.iter().map(|m| Arc::from(m.as_str())).collect(),
            refs: plan_refs(&ctx.models, cfg.refs, ctx.seed),
            aggregate: cfg.aggregate,
            stemming: cfg.stemmer,
            porter: metrics_preparer(first, &wordnet),
            wordnet,
            spill: spill::limit(ctx, cfg.memory),
        })
    }

    fn empty(&self) -> Aggregator {
        Aggregator::new(self.models.len(), self.aggregate).spill_to(self.spill.clone())
    }

    /// A merge folds the ranks into an aggregator that moves their
    /// per-conversation values into the merge's scratch folder past
    /// 1/[`spill::SHARE`] of the run's budget, as a local run does.
    fn merge_base(cfg: &Config, ctx: &Context) -> Option<Aggregator> {
        let agg = Aggregator::new(ctx.models.len(), cfg.aggregate);
        Some(agg.spill_to(spill::limit(ctx, cfg.memory)))
    }

    const SPILL: bool = true;

    /// A batch holds its responses (the text, once, plus about 500 bytes
    /// each) and its scored pairs (about 200 bytes each: the score, the row
    /// columns and the record batch the row writer holds); the text is
    /// counted twice for the decoded Arrow pages it is copied from.
    /// Prepared texts (about 8 bytes per text byte) live only while their
    /// conversation is scored, one conversation per thread. Pairs are
    /// counted as if every planned reference answered, and all of them,
    /// although only two of the batch's `SLICES` slices of scored pairs
    /// are held at once (a margin).
    fn batch_bytes(&self, text_bytes: u64, responses: u64) -> u64 {
        let refs: usize = self.refs.iter().map(Vec::len).sum();
        let per_response = refs.div_ceil(self.refs.len().max(1)) as u64;
        text_bytes
            .saturating_mul(2)
            .saturating_add(responses.saturating_mul(500 + 200 * per_response))
    }

    fn held_bytes(&self, acc: &Aggregator) -> u64 {
        acc.heap_bytes() + self.cache_bytes()
    }

    fn schema() -> Option<SchemaRef> {
        let f64c = |n: &str| Field::new(n, DataType::Float64, false);
        Some(Arc::new(Schema::new(vec![
            Field::new("target_model", DataType::Utf8, false),
            Field::new("reference_model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
            f64c("rouge1"),
            f64c("rouge2"),
            f64c("rougeL"),
            f64c("meteor"),
        ])))
    }

    fn process(
        &self,
        responses: Vec<Response>,
        emit: &mut Emit<'_, Aggregator>,
    ) -> wildstat_engine::Result<()> {
        let batch = group(responses, &|m| self.index(m));
        emit.acc.duplicates += batch.duplicates;
        let progress = emit.progress;
        let pairs = count_pairs(&batch, &self.refs);
        progress.set_total(progress.done() + pairs * (emit.batches - emit.batch) as u64);
        let langs = self.snowball(&batch);
        // A slice's rows are written (and its pairs aggregated, in
        // conversation order) while the next slice is scored, so the
        // writer runs beside the scoring instead of after it.
        let per = pairs.div_ceil(SLICES).max(1);
        let mut scored: Option<(Range<usize>, Vec<Scored>)> = None;
        for range in slices(&batch, &self.refs, per) {
            let (next, wrote) = rayon::join(
                || self.score(&batch, range.clone(), &langs, &|k| progress.add(k, 0)),
                || match scored.take() {
                    Some((r, s)) => self.emit_rows(&batch.conversations[r], &s, emit),
                    None => Ok(()),
                },
            );
            wrote?;
            scored = Some((range, next));
        }
        let Batch {
            conversations,
            responses,
            ..
        } = batch;
        // The responses are freed on the pool while the last slice's rows
        // are written.
        let (_, wrote) = rayon::join(
            move || responses.into_par_iter().for_each(drop),
            || match scored {
                Some((r, s)) => self.emit_rows(&conversations[r], &s, emit),
                None => Ok(()),
            },
        );
        wrote
    }

    fn finish(cfg: &Config, ctx: &Context, agg: Aggregator) -> wildstat_engine::Result<Outputs> {
        let rows = agg
            .rows(cfg.aggregate, cfg.bootstrap, ctx.seed)
            .map_err(anyhow::Error::msg)?;
        let settings = tables::Settings {
            refs: cfg.refs,
            aggregate: cfg.aggregate,
            bootstrap: cfg.bootstrap,
            seed: ctx.seed,
            missing: agg.missing,
            duplicates: agg.duplicates,
            stats: ctx.stats.clone(),
            all_turns: ctx.select.turns == wildstat_reader::Turns::All,
            models: ctx.models.len(),
        };
        let pairs: u64 = rows.iter().map(|r| r.pairs).sum();
        if pairs == 0 {
            bail!(
                "similarity: 0 pairs: the {} models share no conversation ({} responses read); check the ids with `wildstat inspect`",
                ctx.models.len(),
                ctx.stats.responses
            );
        }
        let table = tables::main_table(&ctx.models, &rows, &settings);
        let mut out = Outputs::default();
        out.file("table.md", table.to_markdown());
        out.file("table.tex", table.to_latex());
        out.file("table.csv", table.to_csv());
        out.file("table.json", table.to_json());
        if cfg.refs == Refs::All {
            let (csv, md, svg) = tables::matrix(&ctx.models, &agg);
            out.file("matrix.csv", csv);
            out.file("matrix.md", md);
            out.file("matrix.svg", svg);
        }
        out.stdout = table.to_markdown();
        out.summary = format!(
            "{} pairs over {} target models; {} planned pairs had no reference answer",
            rows.iter().map(|r| r.pairs).sum::<u64>(),
            rows.len(),
            agg.missing
        );
        if agg.spilled() > 0 {
            out.summary.push_str(&format!(
                "; {} per-conversation values went through files (past 1/{} of the budget)",
                agg.spilled(),
                spill::SHARE
            ));
        }
        Ok(out)
    }
}
