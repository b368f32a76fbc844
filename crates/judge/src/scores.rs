//! MT-Bench single-answer grades: mean score per model, per turn and per
//! question category, as FastChat's `show_result.py --mode single` (rows with
//! score -1 dropped at load; pandas `groupby(...).mean()`, here numpy's
//! pairwise mean), and the per-category radar chart of FastChat's MT-Bench
//! figures.

use crate::{singles, Judgment};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use wildstat_stats::numpy;
use wildstat_stats::svg::{color, xml_escape, ColorScale};

/// A mean score of one model over a slice of grades.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreRow {
    /// Judge.
    pub judge: String,
    /// Graded model.
    pub model: String,
    /// `Some(t)`: grades of turn `t` only; `None`: all turns.
    pub turn: Option<u32>,
    /// `Some(c)`: questions of category `c` only (all turns); `None`: all.
    pub category: Option<String>,
    /// Grades averaged.
    pub n: u64,
    /// Mean score.
    pub mean: f64,
}

/// Score rows of the single grades in `judgments`: per (judge, model) the
/// overall mean, each turn's mean and, with `questions` (question id ->
/// category, [`crate::load_questions`]), each category's mean. Sorted by
/// judge, model, then overall, turns, categories. Errors when a graded
/// question is missing from `questions`.
pub fn scores(
    judgments: &[Judgment],
    questions: Option<&BTreeMap<String, String>>,
) -> Result<Vec<ScoreRow>, String> {
    type Key = (String, String, u8, Option<u32>, Option<String>);
    let mut groups: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for s in singles(judgments) {
        let base = (s.judge.clone(), s.model.clone());
        let mut keys = vec![(0, None, None), (1, Some(s.turn), None)];
        if let Some(q) = questions {
            let cat = q.get(&s.item).ok_or_else(|| {
                format!(
                    "question {} (graded for {}) is not in the question file",
                    s.item, s.model
                )
            })?;
            keys.push((2, None, Some(cat.clone())));
        }
        for (rank, turn, cat) in keys {
            groups
                .entry((base.0.clone(), base.1.clone(), rank, turn, cat))
                .or_default()
                .push(s.score);
        }
    }
    Ok(groups
        .into_iter()
        .map(|((judge, model, _, turn, category), v)| ScoreRow {
            judge,
            model,
            turn,
            category,
            n: v.len() as u64,
            mean: numpy::mean(&v),
        })
        .collect())
}

/// The per-category means of `judge` from [`scores`] rows, as radar input:
/// (categories sorted, one `(model, score per category)` per model, NaN
/// where a model has no grade in a category).
pub fn category_series(rows: &[ScoreRow], judge: &str) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let mut cats: Vec<String> = rows
        .iter()
        .filter(|r| r.judge == judge)
        .filter_map(|r| r.category.clone())
        .collect();
    cats.sort();
    cats.dedup();
    let mut series: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.judge == judge) {
        if let Some(c) = &r.category {
            let i = cats.binary_search(c).expect("collected above");
            series
                .entry(&r.model)
                .or_insert_with(|| vec![f64::NAN; cats.len()])[i] = r.mean;
        }
    }
    let series = series
        .into_iter()
        .map(|(m, v)| (m.to_string(), v))
        .collect();
    (cats, series)
}

/// A radar (radial) chart: one axis per category, clockwise from the top,
/// one closed polygon per model (`series[m].1[c]` = score on category `c`,
/// NaN = no point, drawn at the centre), radius linear from 0 to `max`.
/// Ten models stay readable: distinct colours, translucent fills, a legend.
/// Labels and title XML-escaped; deterministic bytes.
pub fn radar_svg(
    title: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
    max: f64,
) -> String {
    let (r, cx, cy) = (170.0, 300.0, 260.0);
    let legend_h = 18.0 * series.len() as f64;
    let (width, height) = (820.0, (520.0f64).max(60.0 + legend_h));
    let k = categories.len().max(1) as f64;
    let angle = |c: usize| std::f64::consts::TAU * c as f64 / k - std::f64::consts::FRAC_PI_2;
    let point = |c: usize, v: f64| {
        let t = if v.is_finite() && max > 0.0 {
            (v / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (cx + r * t * angle(c).cos(), cy + r * t * angle(c).sin())
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        o,
        "<text x=\"{cx}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        xml_escape(title)
    );
    for ring in 1..=5 {
        let f = ring as f64 / 5.0;
        let pts: Vec<String> = (0..categories.len())
            .map(|c| {
                let (x, y) = point(c, f * max);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = writeln!(
            o,
            "<polygon points=\"{}\" fill=\"none\" stroke=\"#ccc\"/>",
            pts.join(" ")
        );
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#888\" font-size=\"10\">{}</text>",
            cx + 3.0,
            cy - r * f + 10.0,
            xml_escape(&format!("{}", (f * max * 100.0).round() / 100.0))
        );
    }
    for (c, name) in categories.iter().enumerate() {
        let (x, y) = point(c, max);
        let _ = writeln!(
            o,
            "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\"/>"
        );
        let (lx, ly) = (
            cx + (r + 14.0) * angle(c).cos(),
            cy + (r + 14.0) * angle(c).sin(),
        );
        let anchor = if angle(c).cos().abs() < 0.2 {
            "middle"
        } else if angle(c).cos() > 0.0 {
            "start"
        } else {
            "end"
        };
        let shown: String = name.chars().take(24).collect();
        let _ = writeln!(
            o,
            "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\"><title>{}</title>{}</text>",
            ly + 4.0,
            xml_escape(name),
            xml_escape(&shown)
        );
    }
    let n = series.len().max(2) as f64;
    for (m, (model, values)) in series.iter().enumerate() {
        let (cr, cg, cb) = color(ColorScale::Viridis, m as f64 / (n - 1.0));
        let pts: Vec<String> = (0..categories.len())
            .map(|c| {
                let (x, y) = point(c, values.get(c).copied().unwrap_or(f64::NAN));
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = writeln!(
            o,
            "<polygon points=\"{}\" fill=\"rgb({cr},{cg},{cb})\" fill-opacity=\"0.08\" \
             stroke=\"rgb({cr},{cg},{cb})\" stroke-width=\"2\"><title>{}</title></polygon>",
            pts.join(" "),
            xml_escape(model)
        );
        let ly = 50.0 + 18.0 * m as f64;
        let shown: String = model.chars().take(30).collect();
        let _ = writeln!(
            o,
            "<rect x=\"560\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"rgb({cr},{cg},{cb})\"/>\
             <text x=\"578\" y=\"{:.1}\"><title>{}</title>{}</text>",
            ly - 10.0,
            ly,
            xml_escape(model),
            xml_escape(&shown)
        );
    }
    o.push_str("</svg>\n");
    o
}
