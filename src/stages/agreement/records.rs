//! Run-to-run agreement: how often repeated runs of one model on the same
//! prompt give the same output. Responses are grouped by (model,
//! conversation_hash, turn); each group is one prompt, its responses the
//! runs. [`prompt_records`] turns responses into one [`PromptRecord`] per
//! prompt, which a shard keeps in the compact [`Prompts`] (the only thing
//! it keeps), and [`tables`] turns the records, sorted by (model, hash,
//! turn), into the stage's files, so a single process and a merge of any
//! number of shards write the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};
use wildstat_metrics::{score, Preparer, Scratch};
use wildstat_reader::Response;
use wildstat_stats::bootstrap::bootstrap_means;
use wildstat_stats::numpy::percentile_sorted;
use wildstat_stats::{Cell, Column, Table};

use crate::stages::similarity::pairs::py_strip;

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

/// Values stored once and referred to by index: model names, run-id lists
/// and per-run correctness lists repeat across prompts.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
struct Interner<T: Hash + Eq + Clone> {
    items: Vec<T>,
    /// Index of each item (rebuilt after deserializing).
    #[serde(skip)]
    index: HashMap<T, u32>,
}

impl<T: Hash + Eq + Clone> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Hash + Eq + Clone> Interner<T> {
    /// The index of `v`, added when new; `None` past `u32::MAX` items.
    fn id(&mut self, v: T) -> Option<u32> {
        if self.index.len() != self.items.len() {
            self.index = self
                .items
                .iter()
                .enumerate()
                .map(|(i, x)| (x.clone(), i as u32))
                .collect();
        }
        if let Some(&i) = self.index.get(&v) {
            return Some(i);
        }
        let i = u32::try_from(self.items.len()).ok()?;
        self.items.push(v.clone());
        self.index.insert(v, i);
        Some(i)
    }
}

/// One prompt's record with its strings and lists replaced by indices.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Compact {
    model: u32,
    hash: u32,
    turn: u32,
    runs: u32,
    correct: u32,
    distinct: u32,
    distinct_answers: u32,
    has_gold: bool,
    rouge_l: f64,
    meteor: f64,
}

/// The records of a shard, compact: per prompt 48 bytes plus its
/// conversation id's bytes and an 8-byte offset; models, run-id lists and
/// correctness lists are stored once each ([`PromptRecord`]s take about
/// 480 bytes per prompt with four runs). Records keep the order they were
/// added until [`Prompts::sort`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Prompts {
    models: Interner<String>,
    runs: Interner<Vec<String>>,
    correct: Interner<Vec<bool>>,
    /// Every record's conversation id, concatenated.
    hash_text: String,
    /// End offset in `hash_text` of each record's id.
    hash_ends: Vec<u64>,
    rows: Vec<Compact>,
}

/// A record of [`Prompts`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct PromptView<'a> {
    /// Model.
    pub model: &'a str,
    /// Conversation id.
    pub hash: &'a str,
    /// Assistant turn.
    pub turn: u32,
    /// Run ids, sorted.
    pub runs: &'a [String],
    /// Distinct raw outputs.
    pub distinct: u32,
    /// Mean ROUGE-L F1 over unordered run pairs (NaN with one run).
    pub rouge_l: f64,
    /// Mean METEOR over unordered run pairs (NaN with one run).
    pub meteor: f64,
    /// Distinct parsed answers; 0 without a regex.
    pub distinct_answers: u32,
    /// Whether the gold file has this hash.
    pub has_gold: bool,
    /// Per run: answer equals gold. Empty without gold.
    pub correct: &'a [bool],
}

impl PromptView<'_> {
    /// Whether this prompt counts (at least two runs).
    pub fn multi(&self) -> bool {
        self.runs.len() >= 2
    }
}

const TOO_MANY: &str = "agreement: more than 4,294,967,295 prompts in one aggregate";

impl Prompts {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds a record. Fails past 4,294,967,295 records (or distinct run
    /// lists).
    pub fn push(&mut self, r: PromptRecord) -> Result<(), String> {
        let hash = u32::try_from(self.hash_ends.len()).map_err(|_| TOO_MANY)?;
        let c = Compact {
            model: self.models.id(r.model).ok_or(TOO_MANY)?,
            hash,
            turn: r.turn,
            runs: self.runs.id(r.runs).ok_or(TOO_MANY)?,
            correct: self.correct.id(r.correct).ok_or(TOO_MANY)?,
            distinct: r.distinct,
            distinct_answers: r.distinct_answers,
            has_gold: r.has_gold,
            rouge_l: r.rouge_l,
            meteor: r.meteor,
        };
        self.hash_text.push_str(&r.hash);
        self.hash_ends.push(self.hash_text.len() as u64);
        self.rows.push(c);
        Ok(())
    }

    /// Appends another shard's or batch's records, after these.
    pub fn append(&mut self, o: Prompts) -> Result<(), String> {
        for i in 0..o.rows.len() {
            let v = o.get(i);
            self.push(PromptRecord {
                model: v.model.to_string(),
                hash: v.hash.to_string(),
                turn: v.turn,
                runs: v.runs.to_vec(),
                distinct: v.distinct,
                rouge_l: v.rouge_l,
                meteor: v.meteor,
                distinct_answers: v.distinct_answers,
                has_gold: v.has_gold,
                correct: v.correct.to_vec(),
            })?;
        }
        Ok(())
    }

    fn hash(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.hash_ends[i - 1] as usize
        };
        &self.hash_text[start..self.hash_ends[i] as usize]
    }

    /// Record `i`.
    pub fn get(&self, i: usize) -> PromptView<'_> {
        let c = &self.rows[i];
        PromptView {
            model: &self.models.items[c.model as usize],
            hash: self.hash(c.hash),
            turn: c.turn,
            runs: &self.runs.items[c.runs as usize],
            distinct: c.distinct,
            rouge_l: c.rouge_l,
            meteor: c.meteor,
            distinct_answers: c.distinct_answers,
            has_gold: c.has_gold,
            correct: &self.correct.items[c.correct as usize],
        }
    }

    /// The records in their current order.
    pub fn iter(&self) -> impl Iterator<Item = PromptView<'_>> {
        (0..self.rows.len()).map(|i| self.get(i))
    }

    /// Sorts the records into the one global order every run uses: (model,
    /// hash, turn), equal keys in the order they were added.
    pub fn sort(&mut self) {
        let mut rows = std::mem::take(&mut self.rows);
        let models = &self.models.items;
        rows.sort_by(|a, b| {
            (&models[a.model as usize], self.hash(a.hash), a.turn).cmp(&(
                &models[b.model as usize],
                self.hash(b.hash),
                b.turn,
            ))
        });
        self.rows = rows;
    }

    /// The heap bytes held, from the capacities (each interned item
    /// counted twice, for its index).
    pub fn heap_bytes(&self) -> u64 {
        let string = |s: &String| s.capacity() + 16;
        let models: usize = self.models.items.iter().map(string).sum();
        let runs: usize = self
            .runs
            .items
            .iter()
            .map(|v| v.capacity() * 24 + 16 + v.iter().map(string).sum::<usize>())
            .sum();
        let correct: usize = self.correct.items.iter().map(|v| v.capacity() + 16).sum();
        let interned = 2 * (models + runs + correct)
            + (self.models.items.len() + self.runs.items.len() + self.correct.items.len()) * 64;
        (self.rows.capacity() * std::mem::size_of::<Compact>()
            + self.hash_text.capacity()
            + self.hash_ends.capacity() * 8
            + interned) as u64
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

/// Per-model aggregates.
struct ModelRow<'a> {
    model: &'a str,
    single: u64,
    multi: u64,
    tac_r: u64,
    distinct_sum: u64,
    distinct_max: u32,
    rouge: Vec<f64>,
    meteor: Vec<f64>,
    tac_a: u64,
    gold: u64,
    best: u64,
    worst: u64,
    per_prompt_acc: Vec<f64>,
    per_run: BTreeMap<&'a str, (u64, u64)>,
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

fn aggregate(records: &Prompts) -> Vec<ModelRow<'_>> {
    let mut rows: Vec<ModelRow<'_>> = Vec::new();
    for r in records.iter() {
        if rows.last().is_none_or(|m| m.model != r.model) {
            rows.push(ModelRow {
                model: r.model,
                single: 0,
                multi: 0,
                tac_r: 0,
                distinct_sum: 0,
                distinct_max: 0,
                rouge: Vec::new(),
                meteor: Vec::new(),
                tac_a: 0,
                gold: 0,
                best: 0,
                worst: 0,
                per_prompt_acc: Vec::new(),
                per_run: BTreeMap::new(),
            });
        }
        let m = rows.last_mut().expect("pushed");
        if !r.multi() {
            m.single += 1;
            continue;
        }
        m.multi += 1;
        m.tac_r += u64::from(r.distinct == 1);
        m.distinct_sum += r.distinct as u64;
        m.distinct_max = m.distinct_max.max(r.distinct);
        m.rouge.push(r.rouge_l);
        m.meteor.push(r.meteor);
        m.tac_a += u64::from(r.distinct_answers == 1);
        if r.has_gold {
            let ok = r.correct.iter().filter(|&&c| c).count();
            m.gold += 1;
            m.best += u64::from(ok > 0);
            m.worst += u64::from(ok == r.correct.len());
            m.per_prompt_acc.push(ok as f64 / r.correct.len() as f64);
            for (run, &c) in r.runs.iter().zip(r.correct) {
                let e = m.per_run.entry(run.as_str()).or_default();
                e.0 += 1;
                e.1 += u64::from(c);
            }
        }
    }
    rows
}

/// The stage's files from records sorted by [`Prompts::sort`]: `(name,
/// contents)` pairs, plus a one-line summary.
pub fn tables(records: &Prompts, s: &Settings) -> (Vec<(String, String)>, String) {
    let rows = aggregate(records);
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
    for m in &rows {
        let mut cells = vec![
            Cell::text(m.model),
            Cell::Int(m.multi),
            Cell::Int(m.single),
            Cell::Int(m.tac_r),
            Cell::float(ratio(m.tac_r, m.multi), 4),
            Cell::float(ratio(m.distinct_sum, m.multi), 3),
            Cell::Int(m.distinct_max as u64),
            Cell::float(mean(&m.rouge), 4),
            Cell::float(mean(&m.meteor), 4),
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
            let mut boot = bootstrap_means(&m.per_prompt_acc, s.bootstrap, s.seed);
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
            cells.push(Cell::float(mean(&m.per_prompt_acc), 4));
            cells.push(Cell::float(q(2.5), 4));
            cells.push(Cell::float(q(50.0), 4));
            cells.push(Cell::float(q(97.5), 4));
            for (run, (n, c)) in &m.per_run {
                runs_csv.push_str(&format!(
                    "{},{},{n},{c},{}\n",
                    wildstat_stats::table::escape_csv(m.model),
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
    let mut by_model: BTreeMap<&str, Vec<PromptView>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.multi() && r.distinct > 1) {
        by_model.entry(r.model).or_default().push(r);
    }
    for (model, mut list) in by_model {
        list.sort_by(|a, b| {
            b.distinct
                .cmp(&a.distinct)
                .then(a.rouge_l.total_cmp(&b.rouge_l))
                .then((a.hash, a.turn).cmp(&(b.hash, b.turn)))
        });
        for r in list.into_iter().take(s.top) {
            dis.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                wildstat_stats::table::escape_csv(model),
                wildstat_stats::table::escape_csv(r.hash),
                r.turn,
                r.runs.len(),
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
    let prompts: u64 = rows.iter().map(|m| m.multi).sum();
    let summary = format!(
        "{} prompts with >= 2 runs over {} models",
        prompts,
        rows.len()
    );
    (files, summary)
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

    #[test]
    fn answer_is_first_group_of_first_match() {
        let re = Regex::new(r"Answer: (\d+)").unwrap();
        assert_eq!(parse_answer(&re, "Answer: 4, Answer: 5"), Some("4"));
        assert_eq!(parse_answer(&re, "no"), None);
        let whole = Regex::new(r"\d+").unwrap();
        assert_eq!(parse_answer(&whole, "x 12 y"), Some("12"));
    }
}
