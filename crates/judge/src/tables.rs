//! The judge results as [`Table`]s (Markdown, LaTeX, CSV, JSON through
//! `wildstat_stats`), with the computing convention named in the notes.

use crate::bt::Ratings;
use crate::matrix::PrefMatrix;
use crate::scores::ScoreRow;
use crate::winrate::WinRate;
use crate::Source;
use std::collections::BTreeSet;
use wildstat_stats::{Cell, Column, Table};

fn float_or_na(v: f64, digits: usize) -> Cell {
    if v.is_finite() {
        Cell::float(v, digits)
    } else {
        Cell::NotAvailable
    }
}

/// Win-rate table: one row per (judge, model, opponent or `all`).
pub fn winrates_table(rows: &[WinRate]) -> Table {
    let mut t = Table::new("Judge win rates (percent)");
    t.columns = vec![
        Column::new("judge"),
        Column::new("model"),
        Column::new("opponent"),
        Column::numeric("n_total", None),
        Column::numeric("n_wins", None),
        Column::numeric("n_losses", None),
        Column::numeric("n_draws", None),
        Column::numeric("win_rate", None),
        Column::numeric("standard_error", None),
        Column::numeric("discrete_win_rate", None),
        Column::numeric("ci95", None),
    ];
    let mut sources = BTreeSet::new();
    for r in rows {
        sources.extend(r.sources.iter().copied());
        t.rows.push(vec![
            Cell::text(&r.judge),
            Cell::text(&r.model),
            Cell::text(r.opponent.as_deref().unwrap_or("all")),
            Cell::Int(r.n_total),
            Cell::Int(r.n_wins),
            Cell::Int(r.n_losses),
            Cell::Int(r.n_draws),
            float_or_na(r.win_rate, 2),
            float_or_na(r.standard_error, 2),
            float_or_na(r.discrete_win_rate, 2),
            Cell::interval(r.ci.0, r.ci.1, 2),
        ]);
    }
    t.notes.push(
        "win_rate = mean of the model's score v (1 win, 0.5 draw, 0 loss; AlpacaEval preference - 1) x 100; \
         standard_error = its sample standard error (ddof 1) x 100; discrete_win_rate = the same on verdicts \
         rounded to win/draw/loss; ci95 = seeded percentile bootstrap over verdicts."
            .into(),
    );
    if sources.contains(&Source::AlpacaEval) {
        t.notes.push("AlpacaEval rows: alpaca_eval.metrics.get_winrate (AbsoluteScoringRule / ZeroOneScoringRule).".into());
    }
    if sources.contains(&Source::FastChat) {
        t.notes.push(
            "FastChat rows: show_result.py pairwise: a question-turn is a win only when both position orders agree, \
             else a tie; win_rate here = its win_rate_adjusted x 100, its win_rate = n_wins / n_total."
                .into(),
        );
    }
    if sources.contains(&Source::Arena) {
        t.notes
            .push("Arena rows: tie and tie (bothbad) are draws.".into());
    }
    t
}

/// Single-grade score table: one row per (judge, model, turn or category).
pub fn scores_table(rows: &[ScoreRow]) -> Table {
    let mut t = Table::new("Single-answer grades (mean score)");
    t.columns = vec![
        Column::new("judge"),
        Column::new("model"),
        Column::new("turn"),
        Column::new("category"),
        Column::numeric("n", None),
        Column::numeric("score", None),
    ];
    for r in rows {
        t.rows.push(vec![
            Cell::text(&r.judge),
            Cell::text(&r.model),
            Cell::text(r.turn.map_or("all".to_string(), |x| x.to_string())),
            Cell::text(r.category.as_deref().unwrap_or("all")),
            Cell::Int(r.n),
            float_or_na(r.mean, 4),
        ]);
    }
    t.notes.push("FastChat show_result.py --mode single: grades of -1 (judge output not parsed) dropped, then means.".into());
    t
}

/// Preference matrix table: PrefRt of the row model over each column model.
pub fn matrix_table(m: &PrefMatrix) -> Table {
    let mut t = Table::new("Preference rate of the row model over the column model (PrefRt)");
    t.columns = std::iter::once(Column::new("model"))
        .chain(m.models.iter().map(|x| Column::numeric(x.clone(), None)))
        .collect();
    for (name, row) in m.models.iter().zip(&m.rate) {
        t.rows.push(
            std::iter::once(Cell::text(name))
                .chain(row.iter().map(|&v| float_or_na(v, 3)))
                .collect(),
        );
    }
    t.notes.push("Ties count half; models ordered by UPGMA on the distance 2|PrefRt - 0.5|; n/a = never met.".into());
    t
}

/// Ratings table, optionally with style-controlled ratings beside the raw ones.
pub fn ratings_table(raw: &Ratings, styled: Option<&Ratings>) -> Table {
    let mut t = Table::new("Bradley-Terry ratings");
    t.columns = vec![
        Column::new("model"),
        Column::numeric("rating", Some(true)),
        Column::numeric("ci95", None),
    ];
    if styled.is_some() {
        t.columns
            .push(Column::numeric("style_controlled", Some(true)));
        t.columns.push(Column::numeric("style_ci95", None));
    }
    let mut order: Vec<usize> = (0..raw.models.len()).collect();
    order.sort_by(|&i, &j| raw.rating[j].total_cmp(&raw.rating[i]).then(i.cmp(&j)));
    for i in order {
        let mut row = vec![
            Cell::text(&raw.models[i]),
            Cell::float(raw.rating[i], 1),
            Cell::interval(raw.ci[i].0, raw.ci[i].1, 1),
        ];
        if let Some(s) = styled {
            match s.models.iter().position(|m| *m == raw.models[i]) {
                Some(k) => {
                    row.push(Cell::float(s.rating[k], 1));
                    row.push(Cell::interval(s.ci[k].0, s.ci[k].1, 1));
                }
                None => row.extend([Cell::NotAvailable, Cell::NotAvailable]),
            }
        }
        t.rows.push(row);
    }
    t.notes.push(
        "Chatbot Arena compute_mle_elo: unpenalized logistic regression without intercept on +-ln(10) columns, \
         ties half a win each way, rating = 400 coef + 1000 (mean 1000 unless anchored); ci95 = seeded bootstrap over battles."
            .into(),
    );
    if let Some(s) = styled {
        let names = ["length", "headers", "lists", "bold"];
        let coefs: Vec<String> = names
            .iter()
            .zip(&s.coefficients)
            .map(|(n, c)| format!("{n} {c:.4}"))
            .collect();
        t.notes.push(format!(
            "Style control as Arena-Hard-Auto show_result.py (standardized length and Markdown-density features); coefficients: {}.",
            coefs.join(", ")
        ));
    }
    if raw.failed_resamples > 0 {
        t.notes.push(format!(
            "{} bootstrap resamples skipped (MLE does not exist).",
            raw.failed_resamples
        ));
    }
    t
}
