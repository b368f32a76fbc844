//! The similarity stage's tables: the per-model Table 5 and, with
//! `--refs all`, the model x model matrices and heatmap.

use std::fmt::Write;

use wildstat_stats::{order_by_similarity, Cell, Column, Table};

use super::aggregate::{Aggregate, Aggregator, Row, METRICS, METRIC_LABELS};
use super::pairs::Refs;

/// Run settings echoed under the table, so a table explains itself.
pub struct Settings {
    /// Reference models per target.
    pub refs: Refs,
    /// Aggregation.
    pub aggregate: Aggregate,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Seed.
    pub seed: u64,
    /// Planned pairs without a reference answer.
    pub missing: u64,
    /// Duplicate responses dropped.
    pub duplicates: u64,
    /// Reader counts.
    pub stats: wildstat_engine::stage::ReadStats,
    /// Whether every assistant turn was read (rows count turns then).
    pub all_turns: bool,
    /// Number of models.
    pub models: usize,
}

/// Table 5: one row per target model, sorted by mean ROUGE-1 descending.
pub fn main_table(models: &[String], rows: &[Row], s: &Settings) -> Table {
    let honest = s.aggregate == Aggregate::Honest;
    let mut t = Table::new(if honest {
        "Intra-model response similarity (mean ± std over conversations, 95% bootstrap CI)"
    } else {
        "Intra-model response similarity (paper procedure: EMA, alpha 0.3, of per-conversation mean ± std)"
    });
    t.columns.push(Column::new("Model"));
    t.columns.push(Column::numeric("Pairs", None));
    t.columns.push(Column::numeric(
        if s.all_turns {
            "Conversation turns"
        } else {
            "Conversations"
        },
        None,
    ));
    for label in METRIC_LABELS {
        t.columns.push(Column::numeric(label, Some(true)));
        if honest {
            t.columns
                .push(Column::numeric(format!("{label} 95% CI"), None));
        }
    }
    for r in rows {
        let mut cells = vec![
            Cell::text(&models[r.model]),
            Cell::Int(r.pairs),
            Cell::Int(r.conversations),
        ];
        for (mean, std, ci) in r.metrics {
            cells.push(Cell::mean_std(mean, std, 4));
            if let Some((lo, hi)) = ci {
                cells.push(Cell::interval(lo, hi, 4));
            }
        }
        t.rows.push(cells);
    }
    let refs = match s.refs {
        Refs::All => "every other model".to_string(),
        Refs::K(k) if k + 1 >= s.models => format!(
            "every other model ({} per target; {k} were asked for)",
            s.models - 1
        ),
        Refs::K(k) => format!("{k} reference models per target drawn with seed {}", s.seed),
    };
    t.notes.push(format!(
        "ROUGE: rouge-score 0.1.2 F1 with Porter stemming; METEOR: NLTK (alpha 0.9, beta 3, gamma 0.5, WordNet 3.0). Target text = hypothesis; references: {refs}."
    ));
    if honest {
        t.notes.push(format!(
            "Per conversation, each metric is averaged over the reference models; mean and sample std (ddof 1) are over conversations; CI: percentile bootstrap, {} resamples, seed {}.",
            s.bootstrap, s.seed
        ));
    }
    t.notes.push(format!(
        "Responses read: {} ({} empty); skipped: {} null content, {} without assistant turn, {} duplicate; {} planned pairs had no reference answer.",
        s.stats.responses, s.stats.empty, s.stats.null_content, s.stats.no_assistant, s.duplicates, s.missing
    ));
    t
}

/// The model x model matrices: `matrix.csv` (long form: every metric and
/// pair count per (target, reference)), `matrix.md` (ROUGE-L, wide) and
/// `matrix.svg` (ROUGE-L heatmap, models ordered by average-linkage
/// clustering so families sit together).
pub fn matrix(models: &[String], agg: &Aggregator) -> (String, String, String) {
    let n = models.len();
    let mut csv = String::from("target_model,reference_model,pairs");
    for m in METRICS {
        csv.push(',');
        csv.push_str(m);
    }
    csv.push('\n');
    for t in 0..n {
        for r in 0..n {
            if t == r {
                continue;
            }
            let _ = write!(
                csv,
                "{},{},{}",
                wildstat_stats::table::escape_csv(&models[t]),
                wildstat_stats::table::escape_csv(&models[r]),
                agg.matrix_pairs(t, r)
            );
            for k in 0..4 {
                csv.push(',');
                csv.push_str(&wildstat_stats::table::full_precision(
                    agg.matrix_mean(t, r, k),
                ));
            }
            csv.push('\n');
        }
    }

    const ROUGE_L: usize = 2;
    // Symmetrised similarity: mean ROUGE-L of the two directions.
    let order = order_by_similarity(n, |a, b| {
        (agg.matrix_mean(a, b, ROUGE_L) + agg.matrix_mean(b, a, ROUGE_L)) / 2.0
    });

    let mut t = Table::new("Mean ROUGE-L F1 of target (row) against reference (column)");
    t.columns.push(Column::new("target / reference"));
    for &j in &order {
        t.columns.push(Column::numeric(&models[j], None));
    }
    for &i in &order {
        let mut row = vec![Cell::text(&models[i])];
        for &j in &order {
            row.push(if i == j {
                Cell::NotAvailable
            } else {
                Cell::float(agg.matrix_mean(i, j, ROUGE_L), 3)
            });
        }
        t.rows.push(row);
    }
    t.notes.push(
        "Rows and columns ordered by average-linkage clustering on 1 - symmetrised ROUGE-L.".into(),
    );

    let labels: Vec<String> = order.iter().map(|&i| models[i].clone()).collect();
    let values: Vec<Vec<f64>> = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| {
                    if i == j {
                        f64::NAN
                    } else {
                        agg.matrix_mean(i, j, ROUGE_L)
                    }
                })
                .collect()
        })
        .collect();
    let opts = wildstat_stats::svg::HeatmapOptions {
        title: "Mean ROUGE-L F1: target (row) vs reference (column)".into(),
        digits: 2,
        ..Default::default()
    };
    let svg = wildstat_stats::svg::heatmap(&labels, &values, &opts);
    (csv, t.to_markdown(), svg)
}
