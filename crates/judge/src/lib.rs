//! wildstat-judge: the judge-preference statistics of the WildChat-50M
//! paper's Table 4 (MT-Bench score, PrefRt, FlipCt) and leaderboard ratings,
//! computed from the judgment files MT-Bench (FastChat), AlpacaEval and
//! Chatbot Arena publish.
//!
//! Pure library: [`load`] reads files into sorted-able [`Judgment`] records
//! (the mergeable accumulator of the judge stage: concatenate, sort, done);
//! everything else is a deterministic function of a record slice.
//!
//! - [`winrate`]: AlpacaEval `get_winrate` / FastChat `show_result.py` win rates.
//! - [`scores`]: FastChat single-grade means per model, turn, category; radar SVG.
//! - [`matrix`]: preference matrix (PrefRt) and FlipCt.
//! - [`bt`]: Bradley-Terry ratings as Chatbot Arena's `compute_mle_elo`.
//! - [`style`]: Arena-Hard-Auto's style features and style-controlled ratings.
//! - [`tables`]: all of the above as `wildstat_stats::Table`s.

#![warn(missing_docs)]

pub mod bt;
pub mod load;
pub mod matrix;
pub mod scores;
pub mod style;
pub mod tables;
pub mod winrate;

pub use load::{explanations, load_judgments, load_questions, parse_explanations, parse_judgments};

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Which project published a pairwise verdict (it decides the table notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Source {
    /// AlpacaEval annotations (`preference` possibly fractional).
    AlpacaEval,
    /// FastChat MT-Bench pair judgments (both position orders resolved).
    FastChat,
    /// Chatbot Arena battles.
    Arena,
}

/// One pairwise verdict on one item.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairJudgment {
    /// Publishing project.
    pub source: Source,
    /// Judge (AlpacaEval annotator, FastChat judge model, `arena`).
    pub judge: String,
    /// Item judged (instruction text or question id).
    pub item: String,
    /// Turn of a multi-turn question (1 otherwise).
    pub turn: u32,
    /// First model (AlpacaEval `generator_1`, FastChat `model_1`, Arena `model_a`).
    pub model_a: String,
    /// Second model.
    pub model_b: String,
    /// AlpacaEval-scale preference in `[1, 2]`: 1 = `model_a` preferred,
    /// 2 = `model_b` preferred, 1.5 = draw.
    pub preference: f64,
}

/// One single-answer grade (FastChat `single` mode, 1-10).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SingleGrade {
    /// Judge model.
    pub judge: String,
    /// Question id.
    pub item: String,
    /// Turn (1 or 2 on MT-Bench).
    pub turn: u32,
    /// Graded model.
    pub model: String,
    /// Score (never FastChat's error value -1).
    pub score: f64,
}

/// A normalized judgment record; the judge stage's accumulator is a sorted
/// `Vec<Judgment>` (sort with [`Ord`], a total order, so any merge order of
/// shards gives the same vector).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Judgment {
    /// A pairwise verdict.
    Pair(PairJudgment),
    /// A single-answer grade.
    Single(SingleGrade),
}

impl Judgment {
    fn cmp_key(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Judgment::Pair(a), Judgment::Pair(b)) => {
                (a.source, &a.judge, &a.item, a.turn, &a.model_a, &a.model_b)
                    .cmp(&(b.source, &b.judge, &b.item, b.turn, &b.model_a, &b.model_b))
                    .then(a.preference.total_cmp(&b.preference))
            }
            (Judgment::Single(a), Judgment::Single(b)) => (&a.judge, &a.item, a.turn, &a.model)
                .cmp(&(&b.judge, &b.item, b.turn, &b.model))
                .then(a.score.total_cmp(&b.score)),
            (Judgment::Pair(_), Judgment::Single(_)) => Ordering::Less,
            (Judgment::Single(_), Judgment::Pair(_)) => Ordering::Greater,
        }
    }
}

impl PartialEq for Judgment {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_key(other) == Ordering::Equal
    }
}
impl Eq for Judgment {}
impl PartialOrd for Judgment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Judgment {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_key(other)
    }
}

/// The pairwise verdicts of `judgments`, in order.
pub fn pairs(judgments: &[Judgment]) -> impl Iterator<Item = &PairJudgment> {
    judgments.iter().filter_map(|j| match j {
        Judgment::Pair(p) => Some(p),
        Judgment::Single(_) => None,
    })
}

/// The single grades of `judgments`, in order.
pub fn singles(judgments: &[Judgment]) -> impl Iterator<Item = &SingleGrade> {
    judgments.iter().filter_map(|j| match j {
        Judgment::Single(s) => Some(s),
        Judgment::Pair(_) => None,
    })
}
