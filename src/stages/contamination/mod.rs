//! The contamination stage (issue 18): which benchmark items the selected
//! texts contain, per model, benchmark and role, by lm-evaluation-harness's
//! decontamination rule (normalize, split, word n-grams; a text contains an
//! item when they share at least one n-gram). The index and the rule are
//! `crates/contamination`'s; this stage scans every selected text against
//! it, in parallel, and keeps integer counts and sorted sets, so shards
//! merge exactly.
//!
//! Writes `hits.parquet` (one row per contaminated (text, item) pair, in
//! input order), `table.{md,tex,csv,json}` and `contaminated.txt` (the
//! conversation ids with any hit, for `--exclude-conversations`).
//!
//! The selection decides which texts are scanned, as for every stage: its
//! defaults are the first assistant turn; pass `--roles both --turns all`
//! to scan every user and assistant turn (docs/contamination.md).

pub mod tables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wildstat_contamination::{load_benchmark, Hit, Index};
use wildstat_reader::Response;
use wildstat_stats::ExactSum;

use wildstat_engine::named::range_usize;
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The contamination stage's options.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// A benchmark file of items (JSONL, JSON, CSV or Parquet), repeatable;
    /// NAME defaults to the file stem (the part after the last `=` is the
    /// name when it holds no `/`).
    #[arg(long, value_name = "FILE[=NAME]")]
    pub benchmark: Vec<PathBuf>,
    /// The item text fields of every benchmark (repeatable; default: detected
    /// from the shape: turns, prompt, instruction, question + choices,
    /// question).
    #[arg(long, value_name = "F")]
    pub benchmark_field: Vec<String>,
    /// Add the answer fields of detected shapes (GSM8K `answer`, MT-Bench
    /// `reference`) to the item text.
    #[arg(long)]
    pub with_answers: bool,
    /// Word n-gram size of the rule (1 to 1000; lm-evaluation-harness: 13).
    #[arg(long, default_value_t = wildstat_contamination::DEFAULT_N, value_name = "N", value_parser = range_usize(1, 1000))]
    pub ngram: usize,
    /// Most-hit items listed in the tables (1 to 100000).
    #[arg(long, default_value_t = 20, value_name = "K", value_parser = range_usize(1, 100_000))]
    pub top: usize,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

/// A `--benchmark FILE[=NAME]` value split into the file and the name: the
/// text after the last `=` names the benchmark when it is non-empty and holds
/// no `/` (a file whose name has `=` is given as `FILE=NAME`).
fn split_spec(spec: &Path) -> (PathBuf, Option<String>) {
    if let Some((file, name)) = spec.to_str().and_then(|s| s.rsplit_once('=')) {
        if !name.is_empty() && !name.contains('/') && !file.is_empty() {
            return (PathBuf::from(file), Some(name.to_string()));
        }
    }
    (spec.to_path_buf(), None)
}

impl Config {
    /// `(file, name)` of every benchmark, the name defaulted to the file
    /// stem as `load_benchmark` does.
    fn benchmarks(&self) -> Vec<(PathBuf, String)> {
        self.benchmark
            .iter()
            .map(|spec| {
                let (file, name) = split_spec(spec);
                let name = name.unwrap_or_else(|| {
                    file.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
                (file, name)
            })
            .collect()
    }
}

impl StageConfig for Config {
    fn validate(&self) -> wildstat_engine::Result<()> {
        if self.benchmark.is_empty() {
            bail!("contamination needs at least one --benchmark FILE[=NAME]");
        }
        let mut seen = BTreeSet::new();
        for (file, name) in self.benchmarks() {
            if name.is_empty() {
                bail!(
                    "--benchmark {}: no file name to name the benchmark; give FILE=NAME",
                    file.display()
                );
            }
            if !seen.insert(name.clone()) {
                bail!("--benchmark {}: a second benchmark named {name:?}; name them apart with FILE=NAME", file.display());
            }
        }
        Ok(())
    }
    fn files(&self) -> Vec<PathBuf> {
        self.benchmarks().into_iter().map(|(f, _)| f).collect()
    }
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        // A pipeline resolves FILE=NAME as one path: NAME has no `/`, so it
        // stays in the last component.
        self.benchmark.iter_mut().collect()
    }
}

/// One benchmark as the tables need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bench {
    /// Its name.
    pub name: String,
    /// Index of its first item among all items (items are in `--benchmark`
    /// order).
    pub first: u32,
    /// Its items.
    pub items: u32,
    /// Its items shorter than n tokens (they never match).
    pub too_short: u32,
}

/// An exact, order-free float sum, stored as its exact text form.
#[derive(Debug, Clone, Default)]
pub struct Sum(pub ExactSum);

impl Serialize for Sum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.encode())
    }
}

impl<'de> Deserialize<'de> for Sum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ExactSum::decode(&text)
            .map(Sum)
            .ok_or_else(|| serde::de::Error::custom("malformed exact sum"))
    }
}

/// What one (model, role) pair's texts hold of one benchmark.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Found {
    /// Texts with at least one hit of the benchmark.
    pub texts: u64,
    /// Contaminated (text, item) pairs.
    pub hits: u64,
    /// Sum of the hits' coverage.
    pub coverage: Sum,
    /// Texts hit per item (global item index): its keys are the items hit.
    pub items: BTreeMap<u32, u64>,
}

impl Found {
    fn merge(&mut self, o: Found) {
        self.texts += o.texts;
        self.hits += o.hits;
        self.coverage.0.merge(&o.coverage.0);
        for (k, n) in o.items {
            *self.items.entry(k).or_default() += n;
        }
    }
}

/// The texts of one (model, role) pair.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scanned {
    /// Texts scanned.
    pub texts: u64,
    /// Texts with a hit of any benchmark.
    pub contaminated: u64,
    /// Per benchmark, in `--benchmark` order.
    pub found: Vec<Found>,
}

/// An item that some text holds: its id and the start of its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The item's id.
    pub id: String,
    /// The first [`LABEL_CHARS`] characters of its text.
    pub start: String,
}

/// Characters of an item's text kept in its [`Label`].
pub const LABEL_CHARS: usize = 60;

/// The contamination stage's partial result: counts and sorted sets only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContaminationAcc {
    /// The benchmarks (the same in every part: the part headers carry the
    /// fingerprint of the benchmark files and the options).
    pub benchmarks: Vec<Bench>,
    /// model -> role -> its texts.
    pub scanned: BTreeMap<String, BTreeMap<String, Scanned>>,
    /// Labels of the items hit (global item index).
    pub labels: BTreeMap<u32, Label>,
    /// Conversation ids with any hit.
    pub contaminated: BTreeSet<String>,
}

impl Accumulator for ContaminationAcc {
    fn merge(&mut self, o: Self) -> wildstat_engine::Result<()> {
        for (model, roles) in o.scanned {
            let mine = self.scanned.entry(model).or_default();
            for (role, s) in roles {
                let m = mine.entry(role).or_default();
                m.texts += s.texts;
                m.contaminated += s.contaminated;
                m.found
                    .resize_with(s.found.len().max(m.found.len()), Found::default);
                for (a, b) in m.found.iter_mut().zip(s.found) {
                    a.merge(b);
                }
            }
        }
        self.labels.extend(o.labels);
        self.contaminated.extend(o.contaminated);
        Ok(())
    }
}

/// A prepared contamination shard: the index of every benchmark item.
pub struct Contamination {
    index: Index,
    benchmarks: Vec<Bench>,
    /// Benchmark of each item.
    bench_of: Vec<u32>,
}

impl Stage for Contamination {
    const NAME: &'static str = "contamination";
    const SPLIT: Split = Split::Units;
    const ROWS: Option<&'static str> = Some("hits.parquet");
    const UNIT: &'static str = "rows";
    type Config = Config;
    type Acc = ContaminationAcc;

    fn prepare(cfg: &Config, _: &Context) -> wildstat_engine::Result<Self> {
        let mut items = Vec::new();
        let mut benchmarks = Vec::new();
        let mut bench_of = Vec::new();
        for (b, (file, name)) in cfg.benchmarks().into_iter().enumerate() {
            let its = load_benchmark(&file, Some(&name), &cfg.benchmark_field, cfg.with_answers)
                .map_err(anyhow::Error::msg)?;
            benchmarks.push(Bench {
                name,
                first: items.len() as u32,
                items: its.len() as u32,
                too_short: 0,
            });
            bench_of.extend(std::iter::repeat_n(b as u32, its.len()));
            items.extend(its);
        }
        let index = Index::new(items, cfg.ngram);
        for b in &mut benchmarks {
            b.too_short = (b.first..b.first + b.items)
                .filter(|&i| index.distinct_ngrams(i as usize) == 0)
                .count() as u32;
        }
        Ok(Contamination {
            index,
            benchmarks,
            bench_of,
        })
    }

    fn empty(&self) -> ContaminationAcc {
        ContaminationAcc {
            benchmarks: self.benchmarks.clone(),
            ..ContaminationAcc::default()
        }
    }

    fn schema() -> Option<SchemaRef> {
        let s = |n: &str| Field::new(n, DataType::Utf8, false);
        let u = |n: &str| Field::new(n, DataType::UInt32, false);
        Some(Arc::new(Schema::new(vec![
            s("model"),
            s("conversation_hash"),
            u("turn"),
            s("role"),
            s("benchmark"),
            s("item"),
            u("shared_ngrams"),
            Field::new("coverage", DataType::Float64, false),
            u("longest"),
            s("excerpt"),
        ])))
    }

    fn process(
        &self,
        batch: Vec<Response>,
        emit: &mut Emit<'_, ContaminationAcc>,
    ) -> wildstat_engine::Result<()> {
        let hits: Vec<Vec<Hit>> = batch.par_iter().map(|r| self.index.scan(&r.text)).collect();
        let nb = self.benchmarks.len();
        let acc = &mut *emit.acc;
        let rows: Vec<(&Response, &Hit)> = batch
            .iter()
            .zip(&hits)
            .flat_map(|(r, hs)| hs.iter().map(move |h| (r, h)))
            .collect();
        for (r, hs) in batch.iter().zip(&hits) {
            let roles = match acc.scanned.get_mut(&*r.model) {
                Some(m) => m,
                None => acc.scanned.entry(r.model.to_string()).or_default(),
            };
            let s = roles.entry(role_name(r).to_string()).or_default();
            s.found.resize_with(nb, Found::default);
            s.texts += 1;
            // Hits come sorted by item index, and items in benchmark order, so
            // a text's hits of one benchmark are consecutive.
            let mut last = None;
            for h in hs {
                let b = self.bench_of[h.item] as usize;
                let f = &mut s.found[b];
                if last != Some(b) {
                    f.texts += 1;
                    last = Some(b);
                }
                f.hits += 1;
                f.coverage.0.add(h.coverage);
                *f.items.entry(h.item as u32).or_default() += 1;
                acc.labels.entry(h.item as u32).or_insert_with(|| {
                    let it = &self.index.items()[h.item];
                    Label {
                        id: it.id.clone(),
                        start: it.text.chars().take(LABEL_CHARS).collect(),
                    }
                });
            }
            if !hs.is_empty() {
                s.contaminated += 1;
                if !acc.contaminated.contains(&r.conversation_hash) {
                    acc.contaminated.insert(r.conversation_hash.clone());
                }
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        let items = self.index.items();
        let text = |v: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let int = |v: Vec<u32>| -> ArrayRef { Arc::new(UInt32Array::from(v)) };
        let cols: Vec<ArrayRef> = vec![
            text(rows.iter().map(|(r, _)| &*r.model).collect()),
            text(
                rows.iter()
                    .map(|(r, _)| r.conversation_hash.as_str())
                    .collect(),
            ),
            int(rows.iter().map(|(r, _)| r.turn).collect()),
            text(rows.iter().map(|(r, _)| role_name(r)).collect()),
            text(
                rows.iter()
                    .map(|(_, h)| items[h.item].benchmark.as_str())
                    .collect(),
            ),
            text(
                rows.iter()
                    .map(|(_, h)| items[h.item].id.as_str())
                    .collect(),
            ),
            int(rows.iter().map(|(_, h)| h.shared_ngrams).collect()),
            Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|(_, h)| h.coverage),
            )),
            int(rows.iter().map(|(_, h)| h.longest).collect()),
            text(rows.iter().map(|(_, h)| h.excerpt.as_str()).collect()),
        ];
        emit.rows(RecordBatch::try_new(Self::schema().expect("schema"), cols)?)
    }

    fn finish(
        cfg: &Config,
        ctx: &Context,
        acc: ContaminationAcc,
    ) -> wildstat_engine::Result<Outputs> {
        if acc.scanned.is_empty() {
            bail!("contamination: no texts selected");
        }
        Ok(tables::outputs(cfg, ctx, &acc))
    }
}

/// The role's name as `hits.parquet` and the tables write it.
fn role_name(r: &Response) -> &'static str {
    match r.role {
        wildstat_reader::Role::User => "user",
        wildstat_reader::Role::Assistant => "assistant",
    }
}
