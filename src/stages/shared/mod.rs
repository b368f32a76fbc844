//! The shared stage: which models give the same answer, word for word. For
//! each conversation, finds the spans that answers of different models
//! share verbatim: fenced code blocks equal up to comments and whitespace,
//! and runs of at least `--ngram` tokens (rouge-score's tokenizer,
//! unstemmed), by winnowed fingerprints in per-conversation hash maps
//! (linear in the corpus, never model pairs). See `crates/shared`.
//!
//! Writes `spans.parquet` (one row per shared span, in conversation-id
//! order), `table.{md,csv,json}` and `families.svg`.

pub mod tables;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::bail;
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_reader::Response;
use wildstat_shared::{shared_spans, Params, Span};

use wildstat_engine::named::{range, range_usize};
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The shared stage's options.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Tokens per n-gram (1 to 10000): the shortest shared run that can be
    /// found.
    #[arg(long, default_value_t = 25, value_name = "N", value_parser = range_usize(1, 10_000))]
    pub ngram: usize,
    /// Winnowing window in n-grams (1 to 10000): shared runs of N + W - 1
    /// tokens or more are always found (30 with the defaults).
    #[arg(long, default_value_t = 6, value_name = "W", value_parser = range_usize(1, 10_000))]
    pub window: usize,
    /// Ignore fenced code blocks with fewer characters once comments and
    /// whitespace are removed (0 to 1000000000).
    #[arg(long, default_value_t = 40, value_name = "C", value_parser = range_usize(0, 1_000_000_000))]
    pub min_code_chars: usize,
    /// Rows of the top shared spans table (0 to 100000).
    #[arg(long, default_value_t = 20, value_name = "K", value_parser = range_usize(0, 100_000))]
    pub top: usize,
    /// Memory budget for response text held at once, in MiB (1 to
    /// 1048576); the corpus is split into conversation-id ranges that fit.
    #[arg(long, default_value_t = 4096, value_name = "MIB", value_parser = range(1, 1 << 20))]
    pub memory: u64,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

impl StageConfig for Config {
    fn memory_mib(&self) -> Option<u64> {
        Some(self.memory)
    }
}

/// Integer counts behind the tables; parts add up exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Number of models.
    n: usize,
    /// Responses per model.
    responses: Vec<u64>,
    /// Responses with at least one shared span.
    with_shared: Vec<u64>,
    /// Responses with a span shared by at least 3 other models.
    with_wide: Vec<u64>,
    /// Conversation turns both models answered, `a * n + b` for `a < b`.
    common: Vec<u64>,
    /// Conversation turns where both models hold a common span.
    sharing: Vec<u64>,
    /// Spans of each kind: code, ngram.
    spans: [u64; 2],
}

/// Models a span must reach (itself plus 3 others) for the per-model share.
const WIDE: usize = 4;

impl Tally {
    /// Zero counts for `n` models.
    pub fn new(n: usize) -> Self {
        Tally {
            n,
            responses: vec![0; n],
            with_shared: vec![0; n],
            with_wide: vec![0; n],
            common: vec![0; n * n],
            sharing: vec![0; n * n],
            spans: [0; 2],
        }
    }

    /// Adds one conversation turn: the models that answered (ascending,
    /// distinct) and the spans found.
    pub fn add(&mut self, answered: &[usize], spans: &[Span]) {
        let n = self.n;
        let mut pair = vec![false; n * n];
        let mut shared = vec![false; n];
        let mut wide = vec![false; n];
        for s in spans {
            self.spans[s.kind as usize] += 1;
            for (i, &a) in s.models.iter().enumerate() {
                shared[a] = true;
                wide[a] |= s.models.len() >= WIDE;
                for &b in &s.models[i + 1..] {
                    pair[a * n + b] = true;
                }
            }
        }
        for (i, &a) in answered.iter().enumerate() {
            self.responses[a] += 1;
            self.with_shared[a] += shared[a] as u64;
            self.with_wide[a] += wide[a] as u64;
            for &b in &answered[i + 1..] {
                self.common[a * n + b] += 1;
                self.sharing[a * n + b] += pair[a * n + b] as u64;
            }
        }
    }

    /// Adds another tally of the same models.
    pub fn merge(&mut self, o: &Tally) {
        let add = |x: &mut Vec<u64>, y: &Vec<u64>| {
            for (a, b) in x.iter_mut().zip(y) {
                *a += b;
            }
        };
        add(&mut self.responses, &o.responses);
        add(&mut self.with_shared, &o.with_shared);
        add(&mut self.with_wide, &o.with_wide);
        add(&mut self.common, &o.common);
        add(&mut self.sharing, &o.sharing);
        self.spans[0] += o.spans[0];
        self.spans[1] += o.spans[1];
    }
}

/// One row of `spans.parquet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanRow {
    /// Conversation id.
    pub hash: String,
    /// Assistant turn (1 = first).
    pub turn: u32,
    /// `code` or `ngram`.
    pub kind: String,
    /// Fingerprint as 16 hex digits.
    pub fingerprint: String,
    /// Model names, sorted, comma-joined.
    pub models: String,
    /// Number of models.
    pub n_models: u32,
    /// Tokens (ngram) or normalized characters (code).
    pub length: u32,
    /// The start of the span's text.
    pub excerpt: String,
}

impl SpanRow {
    /// The order of the top spans table: most models, then longest, then
    /// kind, conversation, turn and fingerprint (a total order, so the top
    /// K are the same however rows are batched or sharded).
    fn top_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.n_models),
            std::cmp::Reverse(self.length),
            &self.kind,
            &self.hash,
            self.turn,
            &self.fingerprint,
        )
    }
}

/// The shared stage's partial result: counts, the best span of each
/// conversation turn among the top K so far, and dropped duplicates.
#[derive(Debug, Serialize, Deserialize)]
pub struct SharedAcc {
    tally: Tally,
    top: Vec<SpanRow>,
    k: usize,
    duplicates: u64,
}

impl SharedAcc {
    /// Keeps the `k` best rows (a total order, so the top K are the same
    /// however rows are batched or sharded).
    fn trim(&mut self) {
        self.top.sort_by(|a, b| a.top_key().cmp(&b.top_key()));
        self.top.truncate(self.k);
    }
}

impl Accumulator for SharedAcc {
    fn merge(&mut self, o: Self) -> wildstat_engine::Result<()> {
        self.tally.merge(&o.tally);
        self.top.extend(o.top);
        self.trim();
        self.duplicates += o.duplicates;
        Ok(())
    }
}

/// A prepared shared shard.
pub struct Shared {
    models: Vec<String>,
    params: Params,
    top: usize,
}

/// One conversation turn's result.
struct Found {
    hash: String,
    turn: u32,
    answered: Vec<usize>,
    spans: Vec<Span>,
}

impl Shared {
    fn row(&self, f: &Found, s: &Span) -> SpanRow {
        let names: Vec<&str> = s.models.iter().map(|&m| self.models[m].as_str()).collect();
        SpanRow {
            hash: f.hash.clone(),
            turn: f.turn,
            kind: s.kind.name().to_string(),
            fingerprint: format!("{:016x}", s.fingerprint),
            models: names.join(","),
            n_models: s.models.len() as u32,
            length: s.length.min(u32::MAX as usize) as u32,
            excerpt: s.excerpt.clone(),
        }
    }
}

impl Stage for Shared {
    const NAME: &'static str = "shared";
    const SPLIT: Split = Split::Conversations;
    const ROWS: Option<&'static str> = Some("spans.parquet");
    const UNIT: &'static str = "responses";
    type Config = Config;
    type Acc = SharedAcc;

    fn prepare(cfg: &Config, ctx: &Context) -> wildstat_engine::Result<Self> {
        if ctx.models.len() < 2 {
            bail!(
                "shared needs at least two models with responses; found {}",
                ctx.models.len()
            );
        }
        Ok(Shared {
            models: ctx.models.clone(),
            params: Params {
                ngram: cfg.ngram,
                window: cfg.window,
                min_code_chars: cfg.min_code_chars,
            },
            top: cfg.top,
        })
    }

    fn empty(&self) -> SharedAcc {
        SharedAcc {
            tally: Tally::new(self.models.len()),
            top: Vec::new(),
            k: self.top,
            duplicates: 0,
        }
    }

    fn schema() -> Option<SchemaRef> {
        Some(Arc::new(Schema::new(vec![
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
            Field::new("kind", DataType::Utf8, false),
            Field::new("fingerprint", DataType::Utf8, false),
            Field::new("models", DataType::Utf8, false),
            Field::new("n_models", DataType::UInt32, false),
            Field::new("length", DataType::UInt32, false),
            Field::new("excerpt", DataType::Utf8, false),
        ])))
    }

    fn process(
        &self,
        responses: Vec<Response>,
        emit: &mut Emit<'_, SharedAcc>,
    ) -> wildstat_engine::Result<()> {
        let index = |m: &str| self.models.binary_search_by(|x| x.as_str().cmp(m)).ok();
        // Group by conversation turn; the first answer read of a model wins.
        let mut by_conv: BTreeMap<(String, u32), BTreeMap<usize, String>> = BTreeMap::new();
        let mut count = 0u64;
        for r in responses {
            let Some(m) = index(&r.model) else {
                continue;
            };
            let slot = by_conv.entry((r.conversation_hash, r.turn)).or_default();
            match slot.entry(m) {
                std::collections::btree_map::Entry::Occupied(_) => emit.acc.duplicates += 1,
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(r.text);
                    count += 1;
                }
            }
        }
        let progress = emit.progress;
        progress.set_total(progress.done() + count);
        let convs: Vec<((String, u32), BTreeMap<usize, String>)> = by_conv.into_iter().collect();
        let found: Vec<Found> = convs
            .into_par_iter()
            .map(|((hash, turn), answers)| {
                let list: Vec<(usize, &str)> =
                    answers.iter().map(|(&m, t)| (m, t.as_str())).collect();
                let spans = if list.len() >= 2 {
                    shared_spans(&list, &self.params)
                } else {
                    Vec::new()
                };
                progress.add(list.len() as u64, 0);
                Found {
                    hash,
                    turn,
                    answered: answers.keys().copied().collect(),
                    spans,
                }
            })
            .collect();
        let mut rows: Vec<SpanRow> = Vec::new();
        for f in &found {
            emit.acc.tally.add(&f.answered, &f.spans);
            let start = rows.len();
            rows.extend(f.spans.iter().map(|s| self.row(f, s)));
            if self.top > 0 {
                if let Some(best) = rows[start..]
                    .iter()
                    .min_by(|a, b| a.top_key().cmp(&b.top_key()))
                {
                    emit.acc.top.push(best.clone());
                }
                if emit.acc.top.len() >= 2 * self.top.max(64) {
                    emit.acc.trim();
                }
            }
        }
        let s = |f: fn(&SpanRow) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
        };
        let u = |f: fn(&SpanRow) -> u32| -> ArrayRef {
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(f)))
        };
        let cols: Vec<ArrayRef> = vec![
            s(|r| &r.hash),
            u(|r| r.turn),
            s(|r| &r.kind),
            s(|r| &r.fingerprint),
            s(|r| &r.models),
            u(|r| r.n_models),
            u(|r| r.length),
            s(|r| &r.excerpt),
        ];
        emit.rows(RecordBatch::try_new(Self::schema().expect("schema"), cols)?)
    }

    fn finish(cfg: &Config, ctx: &Context, mut acc: SharedAcc) -> wildstat_engine::Result<Outputs> {
        if acc.tally.common.iter().all(|&c| c == 0) {
            bail!(
                "shared: no conversation was answered by two of the {} models ({} responses read); check the ids with `wildstat inspect`",
                ctx.models.len(),
                ctx.stats.responses
            );
        }
        acc.trim();
        let meta = tables::Meta {
            models: ctx.models.clone(),
            ngram: cfg.ngram,
            window: cfg.window,
            min_code_chars: cfg.min_code_chars,
            duplicates: acc.duplicates,
            stats: ctx.stats.clone(),
        };
        Ok(tables::write_tables(&meta, &acc.tally, &acc.top))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wildstat_shared::Kind;

    fn span(models: &[usize]) -> Span {
        Span {
            kind: Kind::Ngram,
            fingerprint: 1,
            models: models.to_vec(),
            length: 30,
            excerpt: String::new(),
        }
    }

    #[test]
    fn tally_counts_per_model_and_pair() {
        let mut t = Tally::new(5);
        t.add(&[0, 1, 2, 3, 4], &[span(&[0, 1, 2, 3]), span(&[1, 4])]);
        t.add(&[0, 1, 3], &[]);
        assert_eq!(t.responses, vec![2, 2, 1, 2, 1]);
        assert_eq!(t.with_shared, vec![1, 1, 1, 1, 1]);
        assert_eq!(t.with_wide, vec![1, 1, 1, 1, 0]);
        assert_eq!((t.common[1], t.sharing[1]), (2, 1)); // (0, 1)
        assert_eq!((t.common[4], t.sharing[4]), (1, 0)); // (0, 4)
        assert_eq!((t.common[5 + 4], t.sharing[5 + 4]), (1, 1)); // (1, 4)
    }
}
