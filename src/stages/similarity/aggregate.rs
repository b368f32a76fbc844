//! From scored pairs to per-model statistics: per-conversation values per
//! target (mean and population std over its reference models), then either
//! honest statistics over conversations (mean, sample std, bootstrap CI) or
//! the WildChat-50M notebook's exponential moving average, and per
//! (target, reference) means for the model x model matrix.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_stats::{bootstrap_ci, ema, numpy, Moments};

use super::pairs::PairScore;

/// Metric names in column order.
pub const METRICS: [&str; 4] = ["rouge1", "rouge2", "rougeL", "meteor"];
/// Metric names as printed in tables.
pub const METRIC_LABELS: [&str; 4] = ["ROUGE-1", "ROUGE-2", "ROUGE-L", "METEOR"];

/// How per-conversation values become a table row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Mean and sample std (ddof 1) over conversations, with a seeded 95%
    /// bootstrap CI of the mean.
    Honest,
    /// The notebook: EMA (alpha 0.3, hash order, first row as the seed) of
    /// the per-conversation means and of the per-conversation population stds.
    Paper,
}

impl wildstat_engine::named::Named for Aggregate {
    fn name(&self) -> String {
        match self {
            Aggregate::Honest => "honest",
            Aggregate::Paper => "paper",
        }
        .into()
    }
}

impl std::str::FromStr for Aggregate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "honest" => Ok(Aggregate::Honest),
            "paper" => Ok(Aggregate::Paper),
            _ => Err(format!(
                "unknown --aggregate {s:?}: expected honest or paper"
            )),
        }
    }
}

/// The conversation turns (id, turn) that values refer to, one entry per
/// [`Aggregator::add`] call, shared by every target: the ids' bytes
/// concatenated, so a value carries a 4-byte index instead of a string.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Keys {
    /// Every id's bytes, concatenated.
    text: String,
    /// End offset in `text` of each entry.
    ends: Vec<u64>,
    /// The turn of each entry.
    turns: Vec<u32>,
}

impl Keys {
    fn len(&self) -> usize {
        self.turns.len()
    }

    /// Appends (hash, turn) and returns its index; `None` past `u32::MAX`
    /// entries.
    fn push(&mut self, hash: &str, turn: u32) -> Option<u32> {
        let i = u32::try_from(self.len()).ok()?;
        self.text.push_str(hash);
        self.ends.push(self.text.len() as u64);
        self.turns.push(turn);
        Some(i)
    }

    fn hash(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn append(&mut self, o: Keys) {
        let base = self.text.len() as u64;
        self.text.push_str(&o.text);
        self.ends.extend(o.ends.iter().map(|e| e + base));
        self.turns.extend(o.turns);
    }

    /// Each entry's rank in (hash, turn) order, entries with equal keys in
    /// index order (the stable sort of the values this replaces).
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_by(|&a, &b| {
            (self.hash(a as usize), self.turns[a as usize])
                .cmp(&(self.hash(b as usize), self.turns[b as usize]))
        });
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 8 + self.turns.capacity() * 4
    }
}

/// One target model's per-conversation values, column by column, in the
/// order they were added: the conversation turn (an index into [`Keys`])
/// and, per metric, the mean over the target's reference models and (in
/// paper mode only) their population std.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Values {
    key: Vec<u32>,
    mean: [Vec<f64>; 4],
    std: [Vec<f64>; 4],
}

impl Values {
    fn heap_bytes(&self) -> usize {
        self.key.capacity() * 4
            + self
                .mean
                .iter()
                .chain(&self.std)
                .map(|v| v.capacity() * 8)
                .sum::<usize>()
    }
}

/// Accumulates scored conversations; `rows` turns them into table rows.
///
/// What grows with the corpus is one entry per conversation turn (its id
/// bytes, an 8-byte offset and the turn: 44 bytes for a 32-character id)
/// plus, per target model and conversation turn, a 4-byte index and 32
/// bytes of means (64 with the stds paper mode needs).
#[derive(Debug, Serialize, Deserialize)]
pub struct Aggregator {
    keys: Keys,
    per_target: Vec<Values>,
    /// Whether the per-conversation stds are kept (paper mode's EMA).
    stds: bool,
    pairs: Vec<u64>,
    matrix: Vec<Vec<[Moments; 4]>>,
    /// Planned pairs skipped because the reference model had no answer.
    pub missing: u64,
    /// Responses dropped because a model answered a conversation turn twice.
    pub duplicates: u64,
}

/// One metric of a row: (mean, std, 95% CI), the CI absent in paper mode.
pub type Summary = (f64, f64, Option<(f64, f64)>);

/// A finished table row for one target model.
#[derive(Debug, Clone)]
pub struct Row {
    /// Target model index.
    pub model: usize,
    /// Scored pairs.
    pub pairs: u64,
    /// Conversation turns with at least one scored pair.
    pub conversations: u64,
    /// Per metric: (mean, std, ci) where ci is `None` in paper mode.
    pub metrics: [Summary; 4],
}

impl Aggregator {
    /// An empty aggregator for `n` models whose rows will be made with
    /// `how` (paper mode keeps the per-conversation stds, honest mode does
    /// not need them).
    pub fn new(n: usize, how: Aggregate) -> Self {
        Aggregator {
            keys: Keys::default(),
            per_target: vec![Values::default(); n],
            stds: how == Aggregate::Paper,
            pairs: vec![0; n],
            matrix: (0..n)
                .map(|_| (0..n).map(|_| Default::default()).collect())
                .collect(),
            missing: 0,
            duplicates: 0,
        }
    }

    /// Adds the scored pairs of one conversation turn and the number of
    /// planned pairs that had no reference answer. Fails past 4,294,967,295
    /// conversation turns.
    pub fn add(
        &mut self,
        hash: &str,
        turn: u32,
        pairs: &[PairScore],
        missing: u64,
    ) -> Result<(), String> {
        self.missing += missing;
        if pairs.is_empty() {
            return Ok(());
        }
        let key = self
            .keys
            .push(hash, turn)
            .ok_or("similarity: more than 4,294,967,295 conversation turns in one aggregate")?;
        // One buffer for a group's values of one metric, reused.
        let mut vals: Vec<f64> = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let t = pairs[i].target;
            let mut j = i;
            while j < pairs.len() && pairs[j].target == t {
                j += 1;
            }
            let group = &pairs[i..j];
            let values = &mut self.per_target[t];
            values.key.push(key);
            for k in 0..4 {
                vals.clear();
                vals.extend(group.iter().map(|p| p.metrics()[k]));
                values.mean[k].push(numpy::mean(&vals));
                if self.stds {
                    values.std[k].push(numpy::std(&vals, 0));
                }
            }
            for p in group {
                let m = p.metrics();
                for (k, acc) in self.matrix[t][p.reference].iter_mut().enumerate() {
                    acc.push(m[k]);
                }
            }
            self.pairs[t] += group.len() as u64;
            i = j;
        }
        Ok(())
    }

    /// The heap bytes held, from the capacities: the conversation-turn
    /// entries and per-target values (the part that grows with the corpus)
    /// and the model x model moments.
    pub fn heap_bytes(&self) -> u64 {
        let values: usize = self.per_target.iter().map(Values::heap_bytes).sum();
        let n = self.pairs.len();
        let matrix = n * n * std::mem::size_of::<[Moments; 4]>();
        (self.keys.heap_bytes() + values + matrix) as u64
    }

    /// Per-target rows, sorted by mean ROUGE-1 descending (ties by name order).
    pub fn rows(&self, how: Aggregate, resamples: usize, seed: u64) -> Vec<Row> {
        // Hash order makes every result independent of batching and threads.
        let rank = self.keys.ranks();
        // Targets and metrics in parallel: each bootstrap has its own seed.
        let mut rows: Vec<Row> = (self.per_target.par_iter().enumerate())
            .filter(|(_, values)| !values.key.is_empty())
            .map(|(t, values)| {
                let mut order: Vec<u32> = (0..values.key.len() as u32).collect();
                // Stable: a target's values of one conversation turn keep
                // their order.
                order.sort_by_key(|&i| rank[values.key[i as usize] as usize]);
                let sorted =
                    |v: &[f64]| -> Vec<f64> { order.iter().map(|&i| v[i as usize]).collect() };
                let metric = |k: usize| {
                    let means = sorted(&values.mean[k]);
                    match how {
                        Aggregate::Honest => {
                            let m = Moments::from_slice(&means);
                            let ci =
                                bootstrap_ci(&means, resamples, seed ^ (t as u64) << 8 ^ k as u64);
                            (m.mean(), m.std_sample(), Some(ci))
                        }
                        Aggregate::Paper => {
                            let stds = sorted(&values.std[k]);
                            (ema(&means, 0.3), ema(&stds, 0.3), None)
                        }
                    }
                };
                let metrics: Vec<_> = (0..4).into_par_iter().map(metric).collect();
                Row {
                    model: t,
                    pairs: self.pairs[t],
                    conversations: values.key.len() as u64,
                    metrics: metrics.try_into().expect("four metrics"),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.metrics[0]
                .0
                .total_cmp(&a.metrics[0].0)
                .then(a.model.cmp(&b.model))
        });
        rows
    }

    /// Adds another aggregator's state (from another batch or rank). Exact
    /// and order-free: conversation values are re-sorted when rows are made
    /// and matrix moments are exact sums.
    pub fn merge(&mut self, o: Aggregator) {
        let base = self.keys.len() as u32;
        self.keys.append(o.keys);
        for (mine, theirs) in self.per_target.iter_mut().zip(o.per_target) {
            mine.key.extend(theirs.key.iter().map(|k| k + base));
            for (a, b) in mine.mean.iter_mut().zip(theirs.mean) {
                a.extend(b);
            }
            for (a, b) in mine.std.iter_mut().zip(theirs.std) {
                a.extend(b);
            }
        }
        for (t, n) in o.pairs.iter().enumerate() {
            self.pairs[t] += n;
        }
        for (t, row) in o.matrix.iter().enumerate() {
            for (r, cell) in row.iter().enumerate() {
                for (acc, part) in self.matrix[t][r].iter_mut().zip(cell) {
                    acc.merge(part);
                }
            }
        }
        self.missing += o.missing;
        self.duplicates += o.duplicates;
    }

    /// Mean of metric `k` over the pairs of (target, reference), NaN if none.
    pub fn matrix_mean(&self, t: usize, r: usize, k: usize) -> f64 {
        let m = &self.matrix[t][r][k];
        if m.count() == 0 {
            f64::NAN
        } else {
            m.mean()
        }
    }

    /// Number of scored pairs of (target, reference).
    pub fn matrix_pairs(&self, t: usize, r: usize) -> u64 {
        self.matrix[t][r][0].count()
    }
}
