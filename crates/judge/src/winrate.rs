//! Win rates, as AlpacaEval's `get_winrate` computes them
//! (`alpaca_eval/metrics/winrate.py` on `metrics/helpers.py`, v0.6.6).
//!
//! For a model against an opponent, each verdict gives the model's score
//! `v = preference - 1` when the model is the second generator (the
//! orientation of AlpacaEval's leaderboard) and `v = 2 - preference` when it
//! is the first, so `v` is 1 for a win, 0 for a loss, 0.5 for a draw and
//! fractional for AlpacaEval's weighted annotator. Then, as
//! `AbsoluteScoringRule.describe_head2head`:
//! - `win_rate` = numpy mean of `v` x 100,
//! - `standard_error` = pandas `sem` (ddof 1) of `v` x 100,
//! - `n_wins` = #`v > 0.5`, `n_losses` = #`v < 0.5`, `n_draws` = #preference 1.5,
//!
//! and `discrete_win_rate` as `ZeroOneScoringRule`: each preference rounded
//! (half to even, after 1.5 -> draw) to win/loss/draw, then the same mean.
//! On FastChat pair verdicts (values 0, 0.5, 1) `win_rate` is exactly
//! `show_result.py`'s `win_rate_adjusted` x 100, its `win_rate` is
//! `n_wins / n_total` and its `loss_rate` `n_losses / n_total`.
//!
//! A self-pair (`generator_1 == generator_2`, AlpacaEval's baseline row)
//! counts once, in the second-generator orientation. The 95% interval is a
//! seeded percentile bootstrap of the mean of `v` over the group's verdicts
//! ([`wildstat_stats::bootstrap_ci`]), x 100.

use crate::{pairs, Judgment, Source};
use std::collections::{BTreeSet, HashMap};
use wildstat_stats::{bootstrap_ci, numpy};

/// One win-rate row: a model against one opponent, or against all (`opponent == None`).
#[derive(Clone, Debug, PartialEq)]
pub struct WinRate {
    /// Judge.
    pub judge: String,
    /// The model whose rate this is.
    pub model: String,
    /// The opponent; `None` = all opponents pooled.
    pub opponent: Option<String>,
    /// Sources of the verdicts in the group.
    pub sources: BTreeSet<Source>,
    /// Verdicts.
    pub n_total: u64,
    /// Verdicts with `v > 0.5`.
    pub n_wins: u64,
    /// Verdicts with `v < 0.5`.
    pub n_losses: u64,
    /// Verdicts with preference exactly 1.5.
    pub n_draws: u64,
    /// Mean of `v`, percent.
    pub win_rate: f64,
    /// Sample standard error (ddof 1) of `v`, percent (NaN for one verdict).
    pub standard_error: f64,
    /// Mean of the rounded verdicts, percent.
    pub discrete_win_rate: f64,
    /// 95% bootstrap interval of `win_rate`, percent.
    pub ci: (f64, f64),
}

/// One verdict oriented towards a model: (score `v`, rounded score, is a draw).
type Oriented = (f64, f64, bool);

/// AlpacaEval's `ZeroOneScoringRule` value of a preference in `[1, 2]`: 1.5
/// is a draw, anything else rounds half to even to 1 or 2.
fn discrete(preference: f64) -> f64 {
    if preference == 1.5 {
        0.5
    } else {
        preference.round_ties_even() - 1.0
    }
}

/// The win-rate rows of all pairwise verdicts in `judgments`, sorted by
/// (judge, model, opponent) with the all-opponents row first; `resamples`
/// bootstrap resamples seeded by `seed` for every row's interval.
pub fn win_rates(judgments: &[Judgment], resamples: usize, seed: u64) -> Vec<WinRate> {
    // Names interned first: one map lookup per name, groups keyed by ids
    // (judge, model, opponent + 1, 0 = all opponents).
    let mut names: HashMap<&str, u32> = HashMap::new();
    fn id<'a>(s: &'a str, names: &mut HashMap<&'a str, u32>) -> u32 {
        let n = names.len() as u32;
        *names.entry(s).or_insert(n)
    }
    type Group = (Vec<Oriented>, BTreeSet<Source>);
    let mut groups: HashMap<(u32, u32, u32), Group> = HashMap::new();
    let mut push = |key: (u32, u32, u32), o: Oriented, source: Source| {
        for k in [(key.0, key.1, 0), (key.0, key.1, key.2 + 1)] {
            let g = groups.entry(k).or_default();
            g.0.push(o);
            g.1.insert(source);
        }
    };
    for p in pairs(judgments) {
        let (j, a, b) = (
            id(&p.judge, &mut names),
            id(&p.model_a, &mut names),
            id(&p.model_b, &mut names),
        );
        let draw = p.preference == 1.5;
        let d = discrete(p.preference);
        push((j, b, a), (p.preference - 1.0, d, draw), p.source);
        if a != b {
            push((j, a, b), (2.0 - p.preference, 1.0 - d, draw), p.source);
        }
    }
    let mut by_id = vec![""; names.len()];
    for (s, i) in names {
        by_id[i as usize] = s;
    }
    let mut rows: Vec<WinRate> = groups
        .into_iter()
        .map(|((judge, model, opponent), (os, sources))| {
            let v: Vec<f64> = os.iter().map(|o| o.0).collect();
            let dv: Vec<f64> = os.iter().map(|o| o.1).collect();
            let n = v.len() as f64;
            let (lo, hi) = bootstrap_ci(&v, resamples, seed);
            WinRate {
                judge: by_id[judge as usize].to_string(),
                model: by_id[model as usize].to_string(),
                opponent: opponent
                    .checked_sub(1)
                    .map(|o| by_id[o as usize].to_string()),
                sources,
                n_total: v.len() as u64,
                n_wins: v.iter().filter(|&&x| x > 0.5).count() as u64,
                n_losses: v.iter().filter(|&&x| x < 0.5).count() as u64,
                n_draws: os.iter().filter(|o| o.2).count() as u64,
                win_rate: numpy::mean(&v) * 100.0,
                standard_error: numpy::var(&v, 1).sqrt() / n.sqrt() * 100.0,
                discrete_win_rate: numpy::mean(&dv) * 100.0,
                ci: (lo * 100.0, hi * 100.0),
            }
        })
        .collect();
    rows.sort_by(|x, y| (&x.judge, &x.model, &x.opponent).cmp(&(&y.judge, &y.model, &y.opponent)));
    rows
}
