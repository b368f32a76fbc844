//! From scored pairs to per-model statistics: per-conversation values per
//! target (mean and population std over its reference models), then either
//! honest statistics over conversations (mean, sample std, bootstrap CI) or
//! the WildChat-50M notebook's exponential moving average, and per
//! (target, reference) means for the model x model matrix.

use std::path::PathBuf;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_stats::{bootstrap_ci, ema, numpy, ExactSum, Moments};

use super::pairs::PairScore;
use crate::stages::spill::{self, ColumnFiles};

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

/// One target model's per-conversation values held in memory, column by
/// column, in (conversation id, turn) order: per metric the mean over the
/// target's reference models and (in paper mode only) their population
/// std.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Values {
    mean: [Vec<f64>; 4],
    std: [Vec<f64>; 4],
}

impl Values {
    fn len(&self) -> usize {
        self.mean[0].len()
    }

    /// The columns in use: the means, and the stds when kept.
    fn columns(&mut self, stds: bool) -> impl Iterator<Item = &mut Vec<f64>> {
        let n = if stds { 4 } else { 0 };
        self.mean.iter_mut().chain(self.std.iter_mut().take(n))
    }

    fn heap_bytes(&self) -> usize {
        (self.mean.iter().chain(&self.std))
            .map(|v| v.capacity() * 8)
            .sum::<usize>()
    }
}

/// Accumulates scored conversations; `rows` turns them into table rows.
///
/// Conversation turns arrive in (id, turn) order (a batch is a contiguous
/// id range and batches come in id order; ranks' shares are contiguous
/// ranges merged in rank order), which is the order the statistics are
/// defined in, so no id is kept per value: only the first and last turn,
/// to check the order. What grows with the corpus is, per target model and
/// conversation turn, 32 bytes of means (64 with the stds paper mode
/// needs); a local run moves them to files past a share of the budget
/// ([`Aggregator::spill_to`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct Aggregator {
    /// The first and last (conversation id, turn) added.
    span: Option<((String, u32), (String, u32))>,
    /// Set when a merge broke the order (the parts' ranges overlap).
    disorder: Option<String>,
    per_target: Vec<Values>,
    /// Conversation turns with values, per target (in memory and on disk).
    conversations: Vec<u64>,
    /// Whether the per-conversation stds are kept (paper mode's EMA).
    stds: bool,
    pairs: Vec<u64>,
    matrix: Vec<Vec<Cell>>,
    /// Planned pairs skipped because the reference model had no answer.
    pub missing: u64,
    /// Responses dropped because a model answered a conversation turn twice.
    pub duplicates: u64,
    /// Where a local run moves the values (one file per target); a
    /// spilled aggregator does not serialize.
    #[serde(serialize_with = "spill::ser", deserialize_with = "spill::de")]
    spill: ColumnFiles,
}

/// One (target, reference) cell of the model x model matrix: its pairs and
/// the exact sum of each metric, all that the cell's means need (one exact
/// add per metric and pair, where full moments took three).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cell {
    pairs: u64,
    sums: [ExactSum; 4],
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
            span: None,
            disorder: None,
            per_target: vec![Values::default(); n],
            conversations: vec![0; n],
            stds: how == Aggregate::Paper,
            pairs: vec![0; n],
            matrix: (0..n)
                .map(|_| (0..n).map(|_| Default::default()).collect())
                .collect(),
            missing: 0,
            duplicates: 0,
            spill: ColumnFiles::default(),
        }
    }

    /// With `Some((dir, limit))` (a local run or a merge, see
    /// [`spill::limit`]), moves the per-conversation values into files in
    /// `dir` (created on first use) whenever those in memory pass `limit`
    /// bytes: what the run holds then stays bounded whatever the number of
    /// conversations. `None` keeps them in memory.
    pub fn spill_to(mut self, spill: Option<(PathBuf, u64)>) -> Self {
        if let Some((dir, limit)) = spill {
            self.spill = ColumnFiles::new(dir, limit, "target");
        }
        self
    }

    /// Bytes of one value row (one target, one conversation turn).
    fn row_bytes(&self) -> u64 {
        if self.stds {
            64
        } else {
            32
        }
    }

    /// Adds the scored pairs of one conversation turn and the number of
    /// planned pairs that had no reference answer. Turns must come in
    /// increasing (id, turn) order.
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
        match &mut self.span {
            None => self.span = Some(((hash.to_string(), turn), (hash.to_string(), turn))),
            Some((_, last)) => {
                if (hash, turn) <= (last.0.as_str(), last.1) {
                    return Err(format!(
                        "similarity: conversation turn ({hash:?}, {turn}) came after ({:?}, {}): batches out of id order (a bug)",
                        last.0, last.1
                    ));
                }
                last.0.clear();
                last.0.push_str(hash);
                last.1 = turn;
            }
        }
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
            for k in 0..4 {
                vals.clear();
                vals.extend(group.iter().map(|p| p.metrics()[k]));
                values.mean[k].push(numpy::mean(&vals));
                if self.stds {
                    values.std[k].push(numpy::std(&vals, 0));
                }
            }
            for p in group {
                let cell = &mut self.matrix[t][p.reference];
                cell.pairs += 1;
                for (sum, v) in cell.sums.iter_mut().zip(p.metrics()) {
                    sum.add(v);
                }
            }
            self.conversations[t] += 1;
            self.pairs[t] += group.len() as u64;
            i = j;
        }
        if self.spill.due(self.in_memory() * self.row_bytes()) {
            self.flush()?;
        }
        Ok(())
    }

    /// Value rows (one target, one conversation turn) moved to files.
    pub fn spilled(&self) -> u64 {
        self.spill.total()
    }

    /// Value rows held in memory, over all targets.
    fn in_memory(&self) -> u64 {
        self.per_target.iter().map(|v| v.len() as u64).sum()
    }

    /// Appends every target's values in memory to its file and clears them
    /// (keeping the capacity, which later values reuse).
    fn flush(&mut self) -> Result<(), String> {
        let stds = self.stds;
        for (t, values) in self.per_target.iter_mut().enumerate() {
            self.spill.write(t, values.columns(stds))?;
        }
        Ok(())
    }

    /// Target `t`'s values in order: its file's blocks, then those in
    /// memory.
    fn values_of(&self, t: usize) -> Result<std::borrow::Cow<'_, Values>, String> {
        let memory = &self.per_target[t];
        if self.spill.on_disk(t) == 0 {
            return Ok(std::borrow::Cow::Borrowed(memory));
        }
        let mut values = Values::default();
        let ncols = values.columns(self.stds).count();
        let mut cols = self
            .spill
            .read(t, ncols, self.conversations[t] as usize)?
            .into_iter();
        for col in values.columns(self.stds) {
            *col = cols.next().expect("one column each");
        }
        let mut memory = memory.clone();
        for (col, tail) in values.columns(self.stds).zip(memory.columns(self.stds)) {
            col.append(tail);
        }
        Ok(std::borrow::Cow::Owned(values))
    }

    /// The heap bytes held, from the capacities: the per-target values in
    /// memory (the part that grows with the corpus unless spilled) and the
    /// model x model moments.
    pub fn heap_bytes(&self) -> u64 {
        let values: usize = self.per_target.iter().map(Values::heap_bytes).sum();
        let n = self.pairs.len();
        let matrix = n * n * std::mem::size_of::<Cell>();
        (values + matrix) as u64
    }

    /// Per-target rows, sorted by mean ROUGE-1 descending (ties by name
    /// order). Fails if merged parts overlapped or a spill file cannot be
    /// read back.
    pub fn rows(&self, how: Aggregate, resamples: usize, seed: u64) -> Result<Vec<Row>, String> {
        if let Some(why) = &self.disorder {
            return Err(why.clone());
        }
        let row = |t: usize| -> Result<Row, String> {
            let values = self.values_of(t)?;
            let metric = |k: usize| {
                let means = &values.mean[k];
                match how {
                    Aggregate::Honest => {
                        let m = Moments::from_slice(means);
                        let ci = bootstrap_ci(means, resamples, seed ^ (t as u64) << 8 ^ k as u64);
                        (m.mean(), m.std_sample(), Some(ci))
                    }
                    Aggregate::Paper => (ema(means, 0.3), ema(&values.std[k], 0.3), None),
                }
            };
            // Metrics in parallel: each bootstrap has its own seed.
            let metrics: Vec<_> = (0..4).into_par_iter().map(metric).collect();
            Ok(Row {
                model: t,
                pairs: self.pairs[t],
                conversations: self.conversations[t],
                metrics: metrics.try_into().expect("four metrics"),
            })
        };
        let targets: Vec<usize> = (0..self.per_target.len())
            .filter(|&t| self.conversations[t] > 0)
            .collect();
        // Targets in parallel too, as many at once as the spill limit
        // holds when their values come from files.
        let most = self.conversations.iter().max().copied().unwrap_or(0) * self.row_bytes();
        let at_once = if self.spill.total() > 0 {
            (self.spill.limit() / most.max(1)).max(1) as usize
        } else {
            targets.len().max(1)
        };
        let mut rows = Vec::with_capacity(targets.len());
        for chunk in targets.chunks(at_once) {
            let part: Vec<Row> = chunk
                .par_iter()
                .map(|&t| row(t))
                .collect::<Result<_, String>>()?;
            rows.extend(part);
        }
        rows.sort_by(|a, b| {
            b.metrics[0]
                .0
                .total_cmp(&a.metrics[0].0)
                .then(a.model.cmp(&b.model))
        });
        Ok(rows)
    }

    /// Adds another aggregator's state, from the next rank: its conversation
    /// turns must all come after this one's (a merge in rank order of
    /// contiguous id ranges), else [`Aggregator::rows`] fails. Matrix
    /// moments are exact sums. Past its limit, an aggregator that spills
    /// moves what it then holds to its files (fails only if it cannot).
    pub fn merge(&mut self, o: Aggregator) -> Result<(), String> {
        match (&mut self.span, o.span) {
            (_, None) => {}
            (None, Some(span)) => self.span = Some(span),
            (Some((_, last)), Some((first, olast))) => {
                if first <= *last && self.disorder.is_none() {
                    self.disorder = Some(format!(
                        "similarity: cannot merge parts whose conversation ranges overlap ({:?}, {}) <= ({:?}, {}): merge the ranks of one run, in rank order",
                        first.0, first.1, last.0, last.1
                    ));
                }
                *last = olast;
            }
        }
        if o.disorder.is_some() && self.disorder.is_none() {
            self.disorder = o.disorder;
        }
        for (mine, theirs) in self.per_target.iter_mut().zip(o.per_target) {
            for (a, b) in mine.mean.iter_mut().zip(theirs.mean) {
                a.extend(b);
            }
            for (a, b) in mine.std.iter_mut().zip(theirs.std) {
                a.extend(b);
            }
        }
        for (t, n) in o.conversations.iter().enumerate() {
            self.conversations[t] += n;
        }
        for (t, n) in o.pairs.iter().enumerate() {
            self.pairs[t] += n;
        }
        for (t, row) in o.matrix.iter().enumerate() {
            for (r, cell) in row.iter().enumerate() {
                let mine = &mut self.matrix[t][r];
                mine.pairs += cell.pairs;
                for (sum, part) in mine.sums.iter_mut().zip(&cell.sums) {
                    sum.merge(part);
                }
            }
        }
        self.missing += o.missing;
        self.duplicates += o.duplicates;
        if self.spill.due(self.in_memory() * self.row_bytes()) {
            self.flush()?;
        }
        Ok(())
    }

    /// Mean of metric `k` over the pairs of (target, reference), NaN if none.
    pub fn matrix_mean(&self, t: usize, r: usize, k: usize) -> f64 {
        let cell = &self.matrix[t][r];
        if cell.pairs == 0 {
            f64::NAN
        } else {
            cell.sums[k].value() / cell.pairs as f64
        }
    }

    /// Number of scored pairs of (target, reference).
    pub fn matrix_pairs(&self, t: usize, r: usize) -> u64 {
        self.matrix[t][r].pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three models, conversations `0..n`, each with pairs of varying
    /// values for targets 0 and 1 (target 2 answers every third one only).
    fn fill(agg: &mut Aggregator, n: usize) {
        fill_range(agg, 0..n)
    }

    fn fill_range(agg: &mut Aggregator, range: std::ops::Range<usize>) {
        for c in range {
            let x = (c as f64 * 0.618_033_988_749).fract();
            let mut pairs = Vec::new();
            for t in 0..3 {
                if t == 2 && c % 3 != 0 {
                    continue;
                }
                for r in (0..3).filter(|&r| r != t) {
                    let v = (x + 0.1 * (t + r) as f64).fract();
                    pairs.push(PairScore {
                        target: t,
                        reference: r,
                        rouge1: v,
                        rouge2: v * v,
                        rouge_l: 1.0 - v,
                        meteor: v.sqrt(),
                    });
                }
            }
            agg.add(&format!("c{c:05}"), 0, &pairs, 1).unwrap();
        }
    }

    fn bits(rows: &[Row]) -> Vec<(usize, u64, u64, Vec<u64>)> {
        rows.iter()
            .map(|r| {
                let mut v = Vec::new();
                for (m, s, ci) in r.metrics {
                    v.extend([m.to_bits(), s.to_bits()]);
                    if let Some((lo, hi)) = ci {
                        v.extend([lo.to_bits(), hi.to_bits()]);
                    }
                }
                (r.model, r.pairs, r.conversations, v)
            })
            .collect()
    }

    #[test]
    fn spilled_values_give_the_same_rows_bit_for_bit() {
        for how in [Aggregate::Honest, Aggregate::Paper] {
            let mut memory = Aggregator::new(3, how);
            fill(&mut memory, 1000);
            let dir = std::env::temp_dir().join(format!(
                "wildstat-values-{}-{}",
                std::process::id(),
                wildstat_engine::named::Named::name(&how)
            ));
            // A limit of 10 value rows: many blocks per file.
            let mut spilled = Aggregator::new(3, how).spill_to(Some((dir.clone(), 10 * 64)));
            fill(&mut spilled, 1000);
            assert!(spilled.spill.on_disk(0) > 900, "{:?}", spilled.spill);
            assert!(spilled.heap_bytes() < memory.heap_bytes());
            let a = memory.rows(how, 200, 7).unwrap();
            let b = spilled.rows(how, 200, 7).unwrap();
            assert_eq!(bits(&a), bits(&b));
            assert_eq!(
                a[0].conversations + a[1].conversations + a[2].conversations,
                2334
            );
            assert!(
                postcard::to_stdvec(&spilled).is_err(),
                "a spilled aggregator must not serialize"
            );
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn turns_out_of_order_are_refused() {
        let mut agg = Aggregator::new(3, Aggregate::Honest);
        fill(&mut agg, 3);
        let p = PairScore {
            target: 0,
            reference: 1,
            rouge1: 0.5,
            rouge2: 0.5,
            rouge_l: 0.5,
            meteor: 0.5,
        };
        let err = agg.add("c00001", 0, &[p], 0).unwrap_err();
        assert!(
            err.contains("\"c00001\", 0) came after (\"c00002\", 0)"),
            "{err}"
        );
        // The same id at a later turn is in order.
        agg.add("c00002", 1, &[p], 0).unwrap();
    }

    #[test]
    fn overlapping_merges_are_refused_when_rows_are_made() {
        let (mut a, mut b) = (
            Aggregator::new(3, Aggregate::Honest),
            Aggregator::new(3, Aggregate::Honest),
        );
        fill(&mut a, 10);
        fill(&mut b, 5);
        let round = |x: &Aggregator| -> Aggregator {
            postcard::from_bytes(&postcard::to_stdvec(x).unwrap()).unwrap()
        };
        let mut merged = round(&a);
        merged.merge(round(&b)).unwrap();
        let err = merged.rows(Aggregate::Honest, 10, 1).unwrap_err();
        assert!(err.contains("overlap"), "{err}");
        // In order, the merge is one pass.
        let mut whole = Aggregator::new(3, Aggregate::Honest);
        fill(&mut whole, 10);
        let (mut first, mut second) = (
            Aggregator::new(3, Aggregate::Honest),
            Aggregator::new(3, Aggregate::Honest),
        );
        fill_range(&mut first, 0..4);
        fill_range(&mut second, 4..10);
        let mut merged = round(&first);
        merged.merge(round(&second)).unwrap();
        let whole = whole.rows(Aggregate::Honest, 50, 3).unwrap();
        assert_eq!(
            bits(&whole),
            bits(&merged.rows(Aggregate::Honest, 50, 3).unwrap())
        );
        assert_eq!(whole[0].conversations, 10);
    }
}
