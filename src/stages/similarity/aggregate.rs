//! From scored pairs to per-model statistics: per-conversation values per
//! target (mean and population std over its reference models), then either
//! honest statistics over conversations (mean, sample std, bootstrap CI) or
//! the WildChat-50M notebook's exponential moving average, and per
//! (target, reference) means for the model x model matrix.

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

/// One target model's values for one conversation turn.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConvValue {
    hash: String,
    turn: u32,
    mean: [f64; 4],
    std: [f64; 4],
}

/// Accumulates scored conversations; `rows` turns them into table rows.
#[derive(Debug, Serialize, Deserialize)]
pub struct Aggregator {
    per_target: Vec<Vec<ConvValue>>,
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
    /// An empty aggregator for `n` models.
    pub fn new(n: usize) -> Self {
        Aggregator {
            per_target: vec![Vec::new(); n],
            pairs: vec![0; n],
            matrix: (0..n)
                .map(|_| (0..n).map(|_| Default::default()).collect())
                .collect(),
            missing: 0,
            duplicates: 0,
        }
    }

    /// Adds the scored pairs of one conversation turn and the number of
    /// planned pairs that had no reference answer.
    pub fn add(&mut self, hash: &str, turn: u32, pairs: &[PairScore], missing: u64) {
        self.missing += missing;
        let mut i = 0;
        while i < pairs.len() {
            let t = pairs[i].target;
            let mut j = i;
            while j < pairs.len() && pairs[j].target == t {
                j += 1;
            }
            let group = &pairs[i..j];
            let mut mean = [0.0; 4];
            let mut std = [0.0; 4];
            for k in 0..4 {
                let vals: Vec<f64> = group.iter().map(|p| p.metrics()[k]).collect();
                mean[k] = numpy::mean(&vals);
                std[k] = numpy::std(&vals, 0);
            }
            for p in group {
                let m = p.metrics();
                for (k, acc) in self.matrix[t][p.reference].iter_mut().enumerate() {
                    acc.push(m[k]);
                }
            }
            self.pairs[t] += group.len() as u64;
            self.per_target[t].push(ConvValue {
                hash: hash.to_string(),
                turn,
                mean,
                std,
            });
            i = j;
        }
    }

    /// An estimate of the heap bytes held: the per-conversation values
    /// (one per target and conversation turn, with its id string: the part
    /// that grows with the corpus) and the model x model moments.
    pub fn heap_bytes(&self) -> u64 {
        // A conversation id's allocation: a 32-character hash plus the
        // allocator's header.
        const ID: usize = 48;
        let values: usize = self
            .per_target
            .iter()
            .map(|v| v.capacity() * (std::mem::size_of::<ConvValue>() + ID))
            .sum();
        let n = self.pairs.len();
        let matrix = n * n * std::mem::size_of::<[Moments; 4]>();
        (values + matrix) as u64
    }

    /// Per-target rows, sorted by mean ROUGE-1 descending (ties by name order).
    pub fn rows(&mut self, how: Aggregate, resamples: usize, seed: u64) -> Vec<Row> {
        let mut rows: Vec<Row> = Vec::new();
        for (t, convs) in self.per_target.iter_mut().enumerate() {
            if convs.is_empty() {
                continue;
            }
            // Hash order makes every result independent of batching and threads.
            convs.sort_by(|a, b| (&a.hash, a.turn).cmp(&(&b.hash, b.turn)));
            let mut metrics = [(0.0, 0.0, None); 4];
            for (k, slot) in metrics.iter_mut().enumerate() {
                let means: Vec<f64> = convs.iter().map(|c| c.mean[k]).collect();
                *slot = match how {
                    Aggregate::Honest => {
                        let m = Moments::from_slice(&means);
                        let ci = bootstrap_ci(&means, resamples, seed ^ (t as u64) << 8 ^ k as u64);
                        (m.mean(), m.std_sample(), Some(ci))
                    }
                    Aggregate::Paper => {
                        let stds: Vec<f64> = convs.iter().map(|c| c.std[k]).collect();
                        (ema(&means, 0.3), ema(&stds, 0.3), None)
                    }
                };
            }
            rows.push(Row {
                model: t,
                pairs: self.pairs[t],
                conversations: convs.len() as u64,
                metrics,
            });
        }
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
        for (t, convs) in o.per_target.into_iter().enumerate() {
            self.per_target[t].extend(convs);
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
