//! The paper's PrefRt and FlipCt columns.
//!
//! PrefRt(row over column) = mean over their verdicts of the row model's
//! score `v` (1 win, 0.5 tie, 0 loss; AlpacaEval's weighted preferences as
//! fractions), i.e. ties count half: the `win_rate` of [`crate::winrate`]
//! divided by 100. Models are ordered as the similarity heatmap orders them,
//! by UPGMA ([`wildstat_stats::upgma_order`]) on the distance
//! `2 |PrefRt - 0.5|` (evenly matched models are close; never-met pairs at
//! distance 1).
//!
//! FlipCt, our reading of the paper's column: for teachers X, Y and their
//! students SX, SY, the number of items (item, turn, judge) judged both for
//! X vs Y and for SX vs SY whose verdicts point in opposite directions (X
//! over Y while SY over SX, or Y over X while SX over SY). An item's
//! direction is the sign of its mean `v - 0.5` over repeated verdicts; ties
//! (`v = 0.5`) never flip.

use crate::{pairs, Judgment};
use std::collections::{BTreeMap, BTreeSet};
use wildstat_stats::svg::{heatmap, ColorScale, HeatmapOptions};
use wildstat_stats::upgma_order;

/// Preference rates between every two models, clustered order.
#[derive(Clone, Debug, PartialEq)]
pub struct PrefMatrix {
    /// Models in display (UPGMA leaf) order.
    pub models: Vec<String>,
    /// `rate[i][j]` = PrefRt of model i over model j; NaN when they never
    /// met (and on the diagonal).
    pub rate: Vec<Vec<f64>>,
    /// Verdicts behind each rate.
    pub n: Vec<Vec<u64>>,
}

/// The preference matrix of all pairwise verdicts in `judgments`
/// (self-pairs skipped; filter by judge first to keep judges apart).
pub fn preference_matrix(judgments: &[Judgment]) -> PrefMatrix {
    let mut sums: BTreeMap<(&str, &str), (f64, u64)> = BTreeMap::new();
    let mut names = BTreeSet::new();
    for p in pairs(judgments).filter(|p| p.model_a != p.model_b) {
        names.insert(p.model_a.as_str());
        names.insert(p.model_b.as_str());
        let b = sums.entry((&p.model_b, &p.model_a)).or_default();
        b.0 += p.preference - 1.0;
        b.1 += 1;
        let a = sums.entry((&p.model_a, &p.model_b)).or_default();
        a.0 += 2.0 - p.preference;
        a.1 += 1;
    }
    let names: Vec<&str> = names.into_iter().collect();
    let cell = |i: usize, j: usize| sums.get(&(names[i], names[j])).copied();
    let k = names.len();
    let dist: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| match cell(i, j) {
                    _ if i == j => 0.0,
                    Some((s, n)) => 2.0 * (s / n as f64 - 0.5).abs(),
                    None => 1.0,
                })
                .collect()
        })
        .collect();
    let order = upgma_order(&dist);
    let rate = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| cell(i, j).map_or(f64::NAN, |(s, n)| s / n as f64))
                .collect()
        })
        .collect();
    let n = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| cell(i, j).map_or(0, |c| c.1))
                .collect()
        })
        .collect();
    PrefMatrix {
        models: order.iter().map(|&i| names[i].to_string()).collect(),
        rate,
        n,
    }
}

/// The matrix as an SVG heatmap (`wildstat_stats::svg::heatmap`, diverging
/// colours on a fixed 0..1 scale, so 0.5 = evenly matched is white).
pub fn matrix_svg(m: &PrefMatrix, title: &str) -> String {
    let opts = HeatmapOptions {
        title: title.to_string(),
        scale: ColorScale::Diverging,
        vmin: Some(0.0),
        vmax: Some(1.0),
        show_values: None,
        digits: 2,
    };
    heatmap(&m.models, &m.rate, &opts)
}

/// Parse `--flip SX:X,SY:Y` (student:teacher, twice) into `(sx, x, sy, y)`.
pub fn parse_flip(spec: &str) -> Result<(String, String, String, String), String> {
    let err = || format!("--flip {spec:?}: expected STUDENT_X:TEACHER_X,STUDENT_Y:TEACHER_Y");
    let (first, second) = spec.split_once(',').ok_or_else(err)?;
    let (sx, x) = first.split_once(':').ok_or_else(err)?;
    let (sy, y) = second.split_once(':').ok_or_else(err)?;
    if [sx, x, sy, y].iter().any(|s| s.is_empty()) {
        return Err(err());
    }
    Ok((sx.into(), x.into(), sy.into(), y.into()))
}

/// FlipCt between the teacher pair (X, Y) and the student pair (SX, SY).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlipCount {
    /// Items judged for both pairs.
    pub items_both: u64,
    /// Of those, items whose directions are opposite (ties never flip).
    pub flips: u64,
}

/// Per item (judge, item, turn): mean score of `x` over `y`.
fn item_scores<'a>(
    judgments: &'a [Judgment],
    x: &str,
    y: &str,
) -> BTreeMap<(&'a str, &'a str, u32), f64> {
    let mut acc: BTreeMap<(&str, &str, u32), (f64, u64)> = BTreeMap::new();
    for p in pairs(judgments) {
        let v = if p.model_a == x && p.model_b == y {
            2.0 - p.preference
        } else if p.model_a == y && p.model_b == x {
            p.preference - 1.0
        } else {
            continue;
        };
        let e = acc.entry((&p.judge, &p.item, p.turn)).or_default();
        e.0 += v;
        e.1 += 1;
    }
    acc.into_iter()
        .map(|(k, (s, n))| (k, s / n as f64))
        .collect()
}

/// FlipCt for `--flip SX:X,SY:Y` (see the module docs).
pub fn flip_count(judgments: &[Judgment], sx: &str, x: &str, sy: &str, y: &str) -> FlipCount {
    let teachers = item_scores(judgments, x, y);
    let students = item_scores(judgments, sx, sy);
    let mut out = FlipCount {
        items_both: 0,
        flips: 0,
    };
    for (k, t) in &teachers {
        if let Some(s) = students.get(k) {
            out.items_both += 1;
            if (*t > 0.5 && *s < 0.5) || (*t < 0.5 && *s > 0.5) {
                out.flips += 1;
            }
        }
    }
    out
}
