//! Run-to-run agreement: how often repeated runs of one model on the same
//! prompt give the same output. Responses are grouped by (model,
//! conversation_hash, turn); each group is one prompt, its responses the
//! runs. [`prompt_records`] turns a batch's responses into one
//! [`PromptRecord`] per prompt, sorted by (model, hash, turn); a shard
//! folds them, batch after batch in conversation-id order, into per-model
//! aggregates ([`Prompts`], the only thing it keeps: 16 or 24 bytes per
//! prompt and the most disagreeing prompts), and [`tables`] turns those
//! into the stage's files, so a single process and a merge of any number
//! of shards write the same bytes.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};
use wildstat_metrics::{score, Preparer, Scratch};
use wildstat_reader::Response;
use wildstat_stats::bootstrap::bootstrap_means;
use wildstat_stats::numpy::percentile_sorted;
use wildstat_stats::{Cell, Column, Table};

use crate::stages::similarity::pairs::py_strip;
use crate::stages::spill::{self, ColumnFiles};

/// What to extract and compare besides raw outputs.
pub struct Options {
    /// `--answer-regex`: the parsed answer is the first capture group of the
    /// first match (the whole match when the regex has no group).
    pub answer: Option<Regex>,
    /// `--gold`: the correct answer per conversation hash.
    pub gold: Option<HashMap<String, String>>,
}

/// Everything the tables need about one prompt (one (model, hash, turn)).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromptRecord {
    /// Model.
    pub model: String,
    /// Conversation id.
    pub hash: String,
    /// Assistant turn.
    pub turn: u32,
    /// Run ids, sorted (one response per run; duplicates dropped).
    pub runs: Vec<String>,
    /// Distinct raw outputs (byte comparison).
    pub distinct: u32,
    /// Mean ROUGE-L F1 over unordered run pairs (NaN with one run).
    pub rouge_l: f64,
    /// Mean METEOR over unordered run pairs (NaN with one run).
    pub meteor: f64,
    /// Distinct parsed answers ("no answer" is one value); 0 without a regex.
    pub distinct_answers: u32,
    /// Whether the gold file has this hash.
    pub has_gold: bool,
    /// Per run (in `runs` order): answer equals gold. Empty without gold.
    pub correct: Vec<bool>,
}

impl PromptRecord {
    /// Whether this prompt counts (at least two runs).
    pub fn multi(&self) -> bool {
        self.runs.len() >= 2
    }
}

/// The parsed answer of `text`: the first capture group of the first match
/// (the whole match when the regex has no group); `None` = no answer.
pub fn parse_answer<'t>(re: &Regex, text: &'t str) -> Option<&'t str> {
    let caps = re.captures(text)?;
    caps.get(1).or_else(|| caps.get(0)).map(|m| m.as_str())
}

/// Groups `responses` (in read order) into prompts and scores each prompt's
/// runs. Within a prompt, a run id met twice keeps its first response (in
/// read order, which does not depend on threads or shards); the others are
/// counted as duplicates. Returns the records sorted by (model, hash, turn)
/// and the number of duplicates.
pub fn prompt_records(
    mut responses: Vec<Response>,
    opts: &Options,
    preparer: &Preparer,
    progress: &(dyn Fn(u64) + Sync),
) -> (Vec<PromptRecord>, u64) {
    // Stable sort: equal keys keep read order, so "first" is well defined.
    responses.sort_by(|a, b| {
        (&*a.model, &a.conversation_hash, a.turn, a.run.as_deref()).cmp(&(
            &*b.model,
            &b.conversation_hash,
            b.turn,
            b.run.as_deref(),
        ))
    });
    let before = responses.len();
    responses.dedup_by(|b, a| {
        a.model == b.model
            && a.conversation_hash == b.conversation_hash
            && a.turn == b.turn
            && a.run == b.run
    });
    let duplicates = (before - responses.len()) as u64;
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=responses.len() {
        let split = i == responses.len() || {
            let (a, b) = (&responses[i - 1], &responses[i]);
            a.model != b.model || a.conversation_hash != b.conversation_hash || a.turn != b.turn
        };
        if split {
            groups.push((start, i));
            start = i;
        }
    }
    let records = groups
        .par_iter()
        .map_init(Scratch::new, |scratch, &(lo, hi)| {
            let r = prompt_record(&responses[lo..hi], opts, preparer, scratch);
            progress(1);
            r
        })
        .collect();
    (records, duplicates)
}

/// Scores one prompt's runs (sorted by run id, one response each).
fn prompt_record(
    runs: &[Response],
    opts: &Options,
    preparer: &Preparer,
    scratch: &mut Scratch,
) -> PromptRecord {
    let first = &runs[0];
    // Distinct outputs: each distinct text is prepared once.
    let mut texts: Vec<&str> = Vec::new();
    let which: Vec<usize> = runs
        .iter()
        .map(|r| match texts.iter().position(|t| *t == r.text) {
            Some(i) => i,
            None => {
                texts.push(&r.text);
                texts.len() - 1
            }
        })
        .collect();
    let (mut rouge_l, mut meteor) = (f64::NAN, f64::NAN);
    if runs.len() >= 2 {
        let prepared: Vec<_> = texts
            .iter()
            .map(|t| preparer.prepare(py_strip(t)))
            .collect();
        // Every unordered pair of runs i < j, the earlier run id as target
        // (rouge-score's first argument, METEOR's hypothesis). A pair of
        // texts already scored in this orientation is reused.
        let mut cache: HashMap<(usize, usize), (f64, f64)> = HashMap::new();
        let (mut sr, mut sm, mut n) = (0.0, 0.0, 0u64);
        for i in 0..runs.len() {
            for j in i + 1..runs.len() {
                let key = (which[i], which[j]);
                let (r, m) = *cache.entry(key).or_insert_with(|| {
                    let s = score(&prepared[key.0], &prepared[key.1], scratch);
                    (s.rouge_l.fmeasure, s.meteor)
                });
                sr += r;
                sm += m;
                n += 1;
            }
        }
        rouge_l = sr / n as f64;
        meteor = sm / n as f64;
    }
    let answers: Vec<Option<&str>> = match &opts.answer {
        Some(re) => runs.iter().map(|r| parse_answer(re, &r.text)).collect(),
        None => Vec::new(),
    };
    let mut distinct_answers: Vec<Option<&str>> = Vec::new();
    for a in &answers {
        if !distinct_answers.contains(a) {
            distinct_answers.push(*a);
        }
    }
    let gold = opts
        .gold
        .as_ref()
        .and_then(|g| g.get(&first.conversation_hash));
    let correct = match gold {
        Some(g) => answers
            .iter()
            .map(|a| a.is_some_and(|a| a.trim() == g.trim()))
            .collect(),
        None => Vec::new(),
    };
    PromptRecord {
        model: first.model.to_string(),
        hash: first.conversation_hash.clone(),
        turn: first.turn,
        runs: runs
            .iter()
            .map(|r| r.run.as_deref().unwrap_or("").to_string())
            .collect(),
        distinct: texts.len() as u32,
        rouge_l,
        meteor,
        distinct_answers: distinct_answers.len() as u32,
        has_gold: gold.is_some(),
        correct,
    }
}

/// A prompt kept for `disagreements.csv`: one of a model's most
/// disagreeing prompts so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Disagreement {
    hash: String,
    turn: u32,
    runs: usize,
    distinct: u32,
    rouge_l: f64,
    meteor: f64,
    distinct_answers: u32,
}

impl Disagreement {
    /// The listing order: most distinct outputs first, then lowest
    /// ROUGE-L, then (hash, turn) (unique within a model: a total order).
    fn order(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.distinct
            .cmp(&a.distinct)
            .then(a.rouge_l.total_cmp(&b.rouge_l))
            .then((&a.hash, a.turn).cmp(&(&b.hash, b.turn)))
    }
}

/// One model's aggregates, built from its prompts in (hash, turn) order.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ModelAgg {
    /// Its column files' keys are `2 * key` (ROUGE-L and METEOR) and
    /// `2 * key + 1` (accuracy) when the values move to files.
    key: usize,
    single: u64,
    multi: u64,
    tac_r: u64,
    distinct_sum: u64,
    distinct_max: u32,
    /// Per prompt with >= 2 runs, in (hash, turn) order.
    rouge: Vec<f64>,
    meteor: Vec<f64>,
    tac_a: u64,
    gold: u64,
    best: u64,
    worst: u64,
    /// Per gold prompt with >= 2 runs, in (hash, turn) order.
    per_prompt_acc: Vec<f64>,
    /// Per run id: (gold prompts, correct).
    per_run: BTreeMap<String, (u64, u64)>,
    /// The most disagreeing prompts so far (at most twice `top` before a
    /// trim; the listing's first `top` are always among them).
    top: Vec<Disagreement>,
    /// The first and last (hash, turn) added, to check the order.
    first: Option<(String, u32)>,
    last: Option<(String, u32)>,
}

impl ModelAgg {
    /// Per-prompt values held in memory.
    fn values(&self) -> u64 {
        (self.rouge.len() + self.meteor.len() + self.per_prompt_acc.len()) as u64
    }

    fn add(&mut self, r: PromptRecord, top: usize) {
        let key = (r.hash, r.turn);
        if self.first.is_none() {
            self.first = Some(key.clone());
        }
        if r.runs.len() < 2 {
            self.single += 1;
            self.last = Some(key);
            return;
        }
        self.multi += 1;
        self.tac_r += u64::from(r.distinct == 1);
        self.distinct_sum += r.distinct as u64;
        self.distinct_max = self.distinct_max.max(r.distinct);
        self.rouge.push(r.rouge_l);
        self.meteor.push(r.meteor);
        self.tac_a += u64::from(r.distinct_answers == 1);
        if r.has_gold {
            let ok = r.correct.iter().filter(|&&c| c).count();
            self.gold += 1;
            self.best += u64::from(ok > 0);
            self.worst += u64::from(ok == r.correct.len());
            self.per_prompt_acc.push(ok as f64 / r.correct.len() as f64);
            for (run, &c) in r.runs.iter().zip(&r.correct) {
                let e = self.per_run.entry(run.clone()).or_default();
                e.0 += 1;
                e.1 += u64::from(c);
            }
        }
        if r.distinct > 1 && top > 0 {
            self.top.push(Disagreement {
                hash: key.0.clone(),
                turn: key.1,
                runs: r.runs.len(),
                distinct: r.distinct,
                rouge_l: r.rouge_l,
                meteor: r.meteor,
                distinct_answers: r.distinct_answers,
            });
            if self.top.len() >= 2 * top {
                self.trim(top);
            }
        }
        self.last = Some(key);
    }

    /// Keeps the first `top` of the listing order.
    fn trim(&mut self, top: usize) {
        self.top.sort_by(Disagreement::order);
        self.top.truncate(top);
    }

    /// Appends the aggregates of the model's next prompts (all after these).
    fn append(&mut self, o: ModelAgg, top: usize) {
        self.single += o.single;
        self.multi += o.multi;
        self.tac_r += o.tac_r;
        self.distinct_sum += o.distinct_sum;
        self.distinct_max = self.distinct_max.max(o.distinct_max);
        self.rouge.extend(o.rouge);
        self.meteor.extend(o.meteor);
        self.tac_a += o.tac_a;
        self.gold += o.gold;
        self.best += o.best;
        self.worst += o.worst;
        self.per_prompt_acc.extend(o.per_prompt_acc);
        for (run, (n, c)) in o.per_run {
            let e = self.per_run.entry(run).or_default();
            e.0 += n;
            e.1 += c;
        }
        self.top.extend(o.top);
        if self.top.len() >= 2 * top.max(1) {
            self.trim(top);
        }
        if self.first.is_none() {
            self.first = o.first;
        }
        if o.last.is_some() {
            self.last = o.last;
        }
    }

    fn heap_bytes(&self) -> usize {
        let top: usize = self.top.iter().map(|d| d.hash.capacity() + 64).sum();
        let runs: usize = self.per_run.keys().map(|r| r.capacity() + 64).sum();
        8 * (self.rouge.capacity() + self.meteor.capacity() + self.per_prompt_acc.capacity())
            + self.top.capacity() * std::mem::size_of::<Disagreement>()
            + top
            + runs
    }
}

/// What a shard keeps of its prompts: per model (in name order), the
/// aggregates the tables need, built from the prompts in (hash, turn)
/// order. Batches and shards are consecutive conversation-id ranges taken
/// in id order, so appending them keeps that order (checked: a prompt or
/// a part out of order makes [`Prompts::check`] fail). Per prompt it holds
/// 16 bytes (24 with gold answers) instead of the prompt's record.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Prompts {
    models: BTreeMap<String, ModelAgg>,
    /// Disagreeing prompts listed per model (`--top`).
    top: usize,
    /// Why the prompts are not in order, if they are not.
    disorder: Option<String>,
    /// Per-prompt values held in memory, over all models.
    held: u64,
    /// Where a local run moves the per-prompt values past a share of the
    /// budget ([`Prompts::spill_to`]); spilled prompts do not serialize.
    #[serde(serialize_with = "spill::ser", deserialize_with = "spill::de")]
    files: ColumnFiles,
}

impl Prompts {
    /// No prompts yet; `top` disagreeing prompts will be listed per model.
    pub fn new(top: usize) -> Self {
        Prompts {
            top,
            ..Prompts::default()
        }
    }

    /// With `Some((dir, limit))`, moves the per-prompt values into files
    /// in `dir` whenever those in memory pass `limit` bytes; `None` keeps
    /// them in memory.
    pub fn spill_to(mut self, spill: Option<(std::path::PathBuf, u64)>) -> Self {
        if let Some((dir, limit)) = spill {
            self.files = ColumnFiles::new(dir, limit, "model");
        }
        self
    }

    /// Per-prompt values moved to files.
    pub fn spilled(&self) -> u64 {
        self.files.total()
    }

    /// Number of prompts.
    pub fn prompts(&self) -> u64 {
        self.models.values().map(|m| m.single + m.multi).sum()
    }

    /// Number of models.
    pub fn models(&self) -> usize {
        self.models.len()
    }

    /// Whether some prompt has at least two runs.
    pub fn any_multi(&self) -> bool {
        self.models.values().any(|m| m.multi > 0)
    }

    /// Adds the next prompt of its model ((hash, turn) after the last
    /// one). Fails only if its values cannot be written to their file.
    pub fn push(&mut self, r: PromptRecord) -> Result<(), String> {
        let top = self.top;
        let key = self.models.len();
        let m = match self.models.get_mut(&r.model) {
            Some(m) => m,
            None => self.models.entry(r.model.clone()).or_insert(ModelAgg {
                key,
                ..ModelAgg::default()
            }),
        };
        if let Some((h, t)) = &m.last {
            if (h.as_str(), *t) >= (r.hash.as_str(), r.turn) && self.disorder.is_none() {
                self.disorder = Some(format!(
                    "agreement: prompt ({:?}, {}) of model {:?} arrived after ({h:?}, {t}): prompts must come in conversation-id order",
                    r.hash, r.turn, r.model
                ));
            }
        }
        let before = m.values();
        m.add(r, top);
        self.held += m.values() - before;
        self.flush_if_due()
    }

    /// Moves every model's per-prompt values in memory to its files when
    /// they pass the limit.
    fn flush_if_due(&mut self) -> Result<(), String> {
        if self.files.due(8 * self.held) {
            for m in self.models.values_mut() {
                self.files.write(2 * m.key, [&mut m.rouge, &mut m.meteor])?;
                self.files.write(2 * m.key + 1, [&mut m.per_prompt_acc])?;
            }
            self.held = 0;
        }
        Ok(())
    }

    /// A model's per-prompt ROUGE-L, METEOR and accuracy values in order:
    /// its files' blocks, then those in memory.
    fn columns<'a>(&self, m: &'a ModelAgg) -> Result<[Cow<'a, [f64]>; 3], String> {
        let (k, files) = (m.key, &self.files);
        if files.on_disk(2 * k) == 0 && files.on_disk(2 * k + 1) == 0 {
            return Ok([
                Cow::Borrowed(&m.rouge[..]),
                Cow::Borrowed(&m.meteor[..]),
                Cow::Borrowed(&m.per_prompt_acc[..]),
            ]);
        }
        let mut scores = files.read(2 * k, 2, m.multi as usize)?.into_iter();
        let mut acc = files.read(2 * k + 1, 1, m.gold as usize)?;
        let (mut rouge, mut meteor) = (scores.next().expect("2"), scores.next().expect("2"));
        rouge.extend_from_slice(&m.rouge);
        meteor.extend_from_slice(&m.meteor);
        acc[0].extend_from_slice(&m.per_prompt_acc);
        let acc = acc.pop().expect("1");
        Ok([Cow::Owned(rouge), Cow::Owned(meteor), Cow::Owned(acc)])
    }

    /// Appends another batch's or shard's prompts, which must all come
    /// after these (a merge in rank order of consecutive id ranges); past
    /// the limit, prompts that spill move their values to their files
    /// (fails only if they cannot).
    pub fn append(&mut self, o: Prompts) -> Result<(), String> {
        if self.disorder.is_none() {
            self.disorder = o.disorder;
        }
        // Both sides were made with the run's --top (one made by
        // `Default` has 0 and keeps no candidates of its own).
        self.top = self.top.max(o.top);
        let top = self.top;
        self.held += o.held;
        for (model, mut agg) in o.models {
            let key = self.models.len();
            match self.models.get_mut(&model) {
                None => {
                    agg.key = key;
                    self.models.insert(model, agg);
                }
                Some(m) => {
                    if let (Some(last), Some(first)) = (&m.last, &agg.first) {
                        if (&last.0, last.1) >= (&first.0, first.1) && self.disorder.is_none() {
                            self.disorder = Some(format!(
                                "agreement: cannot merge parts whose conversation ranges overlap for model {model:?} (({:?}, {}) <= ({:?}, {})): merge the ranks of one run, in rank order",
                                first.0, first.1, last.0, last.1
                            ));
                        }
                    }
                    m.append(agg, top);
                }
            }
        }
        self.flush_if_due()
    }

    /// Fails if prompts or parts came out of order.
    pub fn check(&self) -> Result<(), String> {
        self.disorder.clone().map_or(Ok(()), Err)
    }

    /// The heap bytes held, from the capacities.
    pub fn heap_bytes(&self) -> u64 {
        self.models
            .iter()
            .map(|(k, m)| k.capacity() + 96 + m.heap_bytes())
            .sum::<usize>() as u64
    }
}

/// Settings echoed in the tables and needed to compute them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether an answer regex was given (the regex text).
    pub answer_regex: Option<String>,
    /// Whether a gold file was given.
    pub gold: bool,
    /// Bootstrap resamples for the accuracy quantiles.
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Disagreeing prompts listed per model.
    pub top: usize,
    /// Duplicate (prompt, run) responses dropped.
    pub duplicates: u64,
    /// Reader note (responses read and skipped).
    pub reader_note: String,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// The stage's files from the prompts' aggregates: `(name, contents)`
/// pairs, plus a one-line summary.
/// Fails only if values moved to files cannot be read back.
pub fn tables(records: &Prompts, s: &Settings) -> Result<(Vec<(String, String)>, String), String> {
    let answers = s.answer_regex.is_some();
    let mut t =
        Table::new("Run-to-run agreement per model (prompts answered by at least two runs)");
    let num = |n: &str, hib: Option<bool>| Column::numeric(n, hib);
    t.columns.push(Column::new("Model"));
    t.columns.push(num("Prompts", None));
    t.columns.push(num("Single-run prompts", None));
    t.columns.push(num("TACr", None));
    t.columns.push(num("TARr", Some(true)));
    t.columns.push(num("Distinct outputs (mean)", Some(false)));
    t.columns.push(num("Distinct outputs (max)", None));
    t.columns.push(num("ROUGE-L", Some(true)));
    t.columns.push(num("METEOR", Some(true)));
    if answers {
        t.columns.push(num("TACa", None));
        t.columns.push(num("TARa", Some(true)));
    }
    if s.gold {
        t.columns.push(num("Gold prompts", None));
        t.columns
            .push(Column::numeric("Correct per run (min..max)", None));
        t.columns.push(num("Best acc", Some(true)));
        t.columns.push(num("Worst acc", Some(true)));
        t.columns.push(num("Spread", Some(false)));
        t.columns.push(num("Mean acc", Some(true)));
        t.columns.push(num("Acc 2.5%", None));
        t.columns.push(num("Acc 50%", None));
        t.columns.push(num("Acc 97.5%", None));
    }
    let mut runs_csv = String::from("model,run,gold_prompts,correct,accuracy\n");
    for (model, m) in &records.models {
        let [rouge, meteor, accuracy] = records.columns(m)?;
        let mut cells = vec![
            Cell::text(model),
            Cell::Int(m.multi),
            Cell::Int(m.single),
            Cell::Int(m.tac_r),
            Cell::float(ratio(m.tac_r, m.multi), 4),
            Cell::float(ratio(m.distinct_sum, m.multi), 3),
            Cell::Int(m.distinct_max as u64),
            Cell::float(mean(&rouge), 4),
            Cell::float(mean(&meteor), 4),
        ];
        if answers {
            cells.push(Cell::Int(m.tac_a));
            cells.push(Cell::float(ratio(m.tac_a, m.multi), 4));
        }
        if s.gold {
            let lo = m.per_run.values().map(|v| v.1).min();
            let hi = m.per_run.values().map(|v| v.1).max();
            let best = ratio(m.best, m.gold);
            let worst = ratio(m.worst, m.gold);
            let mut boot = bootstrap_means(&accuracy, s.bootstrap, s.seed);
            boot.sort_by(f64::total_cmp);
            let q = |p: f64| percentile_sorted(&boot, p);
            cells.push(Cell::Int(m.gold));
            cells.push(match (lo, hi) {
                (Some(lo), Some(hi)) => Cell::text(format!("{lo}..{hi}")),
                _ => Cell::NotAvailable,
            });
            cells.push(Cell::float(best, 4));
            cells.push(Cell::float(worst, 4));
            cells.push(Cell::float(best - worst, 4));
            cells.push(Cell::float(mean(&accuracy), 4));
            cells.push(Cell::float(q(2.5), 4));
            cells.push(Cell::float(q(50.0), 4));
            cells.push(Cell::float(q(97.5), 4));
            for (run, (n, c)) in &m.per_run {
                runs_csv.push_str(&format!(
                    "{},{},{n},{c},{}\n",
                    wildstat_stats::table::escape_csv(model),
                    wildstat_stats::table::escape_csv(run),
                    wildstat_stats::table::full_precision(ratio(*c, *n)),
                ));
            }
        }
        t.rows.push(cells);
    }
    t.notes.push(
        "TARr: share of prompts whose outputs are byte-identical across all runs (TACr: their count). \
         ROUGE-L (rouge-score F1, Porter) and METEOR (NLTK): mean over prompts of the mean over unordered run pairs, \
         the run whose id sorts first (as text) as target/hypothesis."
            .to_string(),
    );
    if let Some(re) = &s.answer_regex {
        t.notes.push(format!(
            "TARa: share of prompts whose parsed answers agree across all runs; answer = first capture group of the first match of the regex {re}; no match counts as one more value, \"no answer\"."
        ));
    }
    if s.gold {
        t.notes.push(format!(
            "Gold prompts: prompts with >= 2 runs whose hash is in the gold file; correct = answer equals gold (both trimmed). \
             Best acc: share solved by at least one run; worst: by every run; spread = best - worst. \
             Mean acc: mean over prompts of the share of correct runs; quantiles: percentile bootstrap of that mean over prompts, {} resamples, seed {}.",
            s.bootstrap, s.seed
        ));
    }
    t.notes.push(format!(
        "{}; {} duplicate (prompt, run) responses dropped.",
        s.reader_note, s.duplicates
    ));

    // The prompts that disagree most, per model.
    let mut dis = String::from(
        "model,conversation_hash,turn,runs,distinct_outputs,mean_rougeL,mean_meteor,distinct_answers\n",
    );
    for (model, m) in &records.models {
        let mut list = m.top.clone();
        list.sort_by(Disagreement::order);
        for r in list.into_iter().take(s.top) {
            dis.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                wildstat_stats::table::escape_csv(model),
                wildstat_stats::table::escape_csv(&r.hash),
                r.turn,
                r.runs,
                r.distinct,
                wildstat_stats::table::full_precision(r.rouge_l),
                wildstat_stats::table::full_precision(r.meteor),
                if answers {
                    r.distinct_answers.to_string()
                } else {
                    String::new()
                },
            ));
        }
    }
    let mut files = vec![
        ("table.md".to_string(), t.to_markdown()),
        ("table.tex".to_string(), t.to_latex()),
        ("table.csv".to_string(), t.to_csv()),
        ("table.json".to_string(), t.to_json()),
        ("disagreements.csv".to_string(), dis),
    ];
    if s.gold {
        files.push(("runs.csv".to_string(), runs_csv));
    }
    let prompts: u64 = records.models.values().map(|m| m.multi).sum();
    let summary = format!(
        "{} prompts with >= 2 runs over {} models",
        prompts,
        records.models.len()
    );
    Ok((files, summary))
}

/// Reads a gold file: one `hash<TAB>answer` per line (blank lines skipped).
pub fn read_gold(path: &std::path::Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read gold file: {e}", path.display()))?;
    let text = wildstat_reader::strip_bom(&text);
    let mut gold = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((hash, answer)) = line.split_once('\t') else {
            return Err(format!(
                "{}: line {}: expected hash<TAB>answer",
                path.display(),
                i + 1
            ));
        };
        if gold
            .insert(hash.trim().to_string(), answer.to_string())
            .is_some()
        {
            return Err(format!(
                "{}: line {}: hash {:?} listed twice",
                path.display(),
                i + 1,
                hash.trim()
            ));
        }
    }
    Ok(gold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        model: &str,
        hash: &str,
        turn: u32,
        runs: usize,
        distinct: u32,
        rouge: f64,
    ) -> PromptRecord {
        PromptRecord {
            model: model.into(),
            hash: hash.into(),
            turn,
            runs: (0..runs).map(|r| format!("r{r}")).collect(),
            distinct,
            rouge_l: rouge,
            meteor: rouge / 2.0,
            distinct_answers: 0,
            has_gold: false,
            correct: Vec::new(),
        }
    }

    /// Records of two models in (hash, turn) order, with ties in the
    /// listing order that only the (hash, turn) key breaks.
    fn records() -> Vec<PromptRecord> {
        let mut v = Vec::new();
        for i in 0..60u32 {
            for m in ["a", "b"] {
                let distinct = 1 + (i * 7 + m.len() as u32) % 4;
                let rouge = f64::from((i * 13) % 5) / 4.0;
                v.push(record(
                    m,
                    &format!("h{i:03}"),
                    1 + i % 2,
                    1 + (i % 3) as usize,
                    distinct,
                    rouge,
                ));
            }
        }
        v
    }

    fn listing(p: &Prompts) -> Vec<(String, String, u32)> {
        let (files, _) = tables(
            p,
            &Settings {
                answer_regex: None,
                gold: false,
                bootstrap: 0,
                seed: 0,
                top: 5,
                duplicates: 0,
                reader_note: String::new(),
            },
        )
        .unwrap();
        let dis = &files
            .iter()
            .find(|(n, _)| n == "disagreements.csv")
            .unwrap()
            .1;
        dis.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn streamed_disagreements_are_the_top_of_all_of_them() {
        let mut whole = Prompts::new(5);
        for r in records() {
            whole.push(r).unwrap();
        }
        whole.check().unwrap();
        let got = listing(&whole);
        // The definition: every multi-run disagreeing prompt, sorted, first 5.
        let mut want: Vec<&PromptRecord> = Vec::new();
        let all = records();
        for m in ["a", "b"] {
            let mut list: Vec<&PromptRecord> = all
                .iter()
                .filter(|r| r.model == m && r.multi() && r.distinct > 1)
                .collect();
            list.sort_by(|a, b| {
                b.distinct
                    .cmp(&a.distinct)
                    .then(a.rouge_l.total_cmp(&b.rouge_l))
                    .then((&a.hash, a.turn).cmp(&(&b.hash, b.turn)))
            });
            want.extend(list.into_iter().take(5));
        }
        let want: Vec<_> = want
            .iter()
            .map(|r| (r.model.clone(), r.hash.clone(), r.turn))
            .collect();
        assert_eq!(got.len(), 10);
        assert_eq!(got, want);
        // Split into parts at any point and appended in order: the same.
        for cut in [1, 17, 64, 119] {
            let all = records();
            let (mut head, mut tail) = (Prompts::new(5), Prompts::new(5));
            for (i, r) in all.into_iter().enumerate() {
                if i < cut {
                    head.push(r).unwrap()
                } else {
                    tail.push(r).unwrap()
                }
            }
            head.append(tail).unwrap();
            head.check().unwrap();
            assert_eq!(listing(&head), got, "cut {cut}");
            assert_eq!(head.prompts(), 120);
        }
    }

    #[test]
    fn spilled_values_give_the_same_files_bit_for_bit() {
        // Records with gold answers, so all three columns are filled.
        let gold = |mut r: PromptRecord, i: usize| {
            r.has_gold = true;
            r.correct = (0..r.runs.len())
                .map(|k| !(i + k).is_multiple_of(3))
                .collect();
            r
        };
        let settings = Settings {
            answer_regex: Some("x".into()),
            gold: true,
            bootstrap: 50,
            seed: 3,
            top: 4,
            duplicates: 0,
            reader_note: String::new(),
        };
        let mut memory = Prompts::new(4);
        for (i, r) in records().into_iter().enumerate() {
            memory.push(gold(r, i)).unwrap();
        }
        let dir = std::env::temp_dir().join(format!("wildstat-prompts-{}", std::process::id()));
        // A limit of 8 values: many blocks per file.
        let mut spilled = Prompts::new(4).spill_to(Some((dir.clone(), 64)));
        for (i, r) in records().into_iter().enumerate() {
            spilled.push(gold(r, i)).unwrap();
        }
        assert!(spilled.spilled() > 100, "{}", spilled.spilled());
        assert!(spilled.heap_bytes() < memory.heap_bytes());
        let a = tables(&memory, &settings).unwrap();
        let b = tables(&spilled, &settings).unwrap();
        assert_eq!(a, b);
        assert!(a
            .0
            .iter()
            .any(|(n, text)| n == "runs.csv" && text.lines().count() > 2));
        assert!(
            postcard::to_stdvec(&spilled).is_err(),
            "spilled prompts must not serialize"
        );
        assert!(postcard::to_stdvec(&memory).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn prompts_out_of_order_are_refused() {
        let mut p = Prompts::new(5);
        p.push(record("a", "h2", 1, 2, 2, 0.5)).unwrap();
        p.push(record("b", "h1", 1, 2, 2, 0.5)).unwrap();
        p.check().unwrap();
        p.push(record("a", "h1", 1, 2, 2, 0.5)).unwrap();
        let e = p.check().unwrap_err();
        assert!(
            e.contains("\"h1\"") && e.contains("conversation-id order"),
            "{e}"
        );

        let (mut first, mut second) = (Prompts::new(5), Prompts::new(5));
        first.push(record("a", "h5", 1, 2, 2, 0.5)).unwrap();
        second.push(record("a", "h5", 1, 2, 2, 0.5)).unwrap();
        first.append(second).unwrap();
        assert!(first.check().unwrap_err().contains("overlap"));
    }

    #[test]
    fn answer_is_first_group_of_first_match() {
        let re = Regex::new(r"Answer: (\d+)").unwrap();
        assert_eq!(parse_answer(&re, "Answer: 4, Answer: 5"), Some("4"));
        assert_eq!(parse_answer(&re, "no"), None);
        let whole = Regex::new(r"\d+").unwrap();
        assert_eq!(parse_answer(&whole, "x 12 y"), Some("12"));
    }
}
