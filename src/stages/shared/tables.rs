//! The shared stage's tables: per model pair and per model shares of
//! conversations with verbatim shared spans, the top spans, and the
//! families heatmap.

use std::fmt::Write as _;

use wildstat_stats::table::{escape_csv, full_precision};
use wildstat_stats::{order_by_similarity, Cell, Column, Table};

use super::{SpanRow, Tally};
use wildstat_engine::stage::ReadStats;
use wildstat_engine::Outputs;

/// What the tables say about the run besides the counts.
pub struct Meta {
    /// All models, in index order.
    pub models: Vec<String>,
    /// Tokens per n-gram.
    pub ngram: usize,
    /// Winnowing window.
    pub window: usize,
    /// Minimum normalized code characters.
    pub min_code_chars: usize,
    /// Duplicate responses dropped.
    pub duplicates: u64,
    /// Reader counts over the whole selected input.
    pub stats: ReadStats,
}

/// `x / y`, NaN when `y` is 0.
fn ratio(x: u64, y: u64) -> f64 {
    if y == 0 {
        f64::NAN
    } else {
        x as f64 / y as f64
    }
}

/// A span excerpt for a table cell: whitespace runs collapsed to one space,
/// cut to `max` characters with an ellipsis.
fn short(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Pair rows `(a, b, common, sharing)` sorted by share descending (pairs
/// without common conversations last), then by names.
fn pair_rows(meta: &Meta, t: &Tally) -> Vec<(usize, usize, u64, u64)> {
    let n = meta.models.len();
    let mut rows: Vec<(usize, usize, u64, u64)> = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            rows.push((a, b, t.common[a * n + b], t.sharing[a * n + b]));
        }
    }
    rows.sort_by(|x, y| {
        let (sx, sy) = (ratio(x.3, x.2), ratio(y.3, y.2));
        let key = |s: f64| if s.is_nan() { -1.0 } else { s };
        key(sy)
            .total_cmp(&key(sx))
            .then((x.0, x.1).cmp(&(y.0, y.1)))
    });
    rows
}

/// Writes `table.{md,csv,json}` and `families.svg` of a finished run through
/// `write` and prints the per-model and top-span tables; returns a one-line
/// summary. Shared by single-process runs and merge, so both give the same
/// bytes.
pub fn write_tables(meta: &Meta, t: &Tally, top: &[SpanRow]) -> Outputs {
    let mut out = Outputs::default();
    let mut write = |name: &str, bytes: String| out.file(name, bytes);
    let models = &meta.models;
    let n = models.len();
    let method = format!(
        "Spans shared verbatim within a conversation turn: fenced code blocks equal without comments and whitespace (at least {} characters), and runs of at least {} rouge-score tokens (unstemmed), winnowed with window {}, so every shared run of {} tokens or more is found.",
        meta.min_code_chars,
        meta.ngram,
        meta.window,
        meta.ngram + meta.window - 1
    );
    let reads = format!(
        "Responses read: {} ({} empty); skipped: {} null content, {} without assistant turn, {} duplicate. Spans: {} code, {} ngram.",
        meta.stats.responses,
        meta.stats.empty,
        meta.stats.null_content,
        meta.stats.no_assistant,
        meta.duplicates,
        t.spans[0],
        t.spans[1]
    );

    let pairs = pair_rows(meta, t);
    let mut pt = Table::new("Model pairs: conversations where both share at least one span");
    pt.columns.push(Column::new("Model A"));
    pt.columns.push(Column::new("Model B"));
    pt.columns
        .push(Column::numeric("Common conversations", None));
    pt.columns.push(Column::numeric("With shared span", None));
    pt.columns.push(Column::numeric("Share", None));
    for &(a, b, c, s) in &pairs {
        pt.rows.push(vec![
            Cell::text(&models[a]),
            Cell::text(&models[b]),
            Cell::Int(c),
            Cell::Int(s),
            Cell::float(ratio(s, c), 4),
        ]);
    }
    pt.notes.push(method.clone());
    pt.notes.push(
        "Share = conversations (turns) where the two models' answers hold a common span / conversations both answered. Sorted by share.".into(),
    );

    let mut mt = Table::new("Models: responses with a span shared with other models");
    mt.columns.push(Column::new("Model"));
    mt.columns.push(Column::numeric("Responses", None));
    mt.columns.push(Column::numeric("With shared span", None));
    mt.columns.push(Column::numeric("Share", None));
    mt.columns
        .push(Column::numeric("With span shared by >= 3 others", None));
    mt.columns
        .push(Column::numeric("Share (>= 3 others)", None));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        let key = |m: usize| {
            let s = ratio(t.with_wide[m], t.responses[m]);
            if s.is_nan() {
                -1.0
            } else {
                s
            }
        };
        key(y).total_cmp(&key(x)).then(x.cmp(&y))
    });
    for &m in &order {
        mt.rows.push(vec![
            Cell::text(&models[m]),
            Cell::Int(t.responses[m]),
            Cell::Int(t.with_shared[m]),
            Cell::float(ratio(t.with_shared[m], t.responses[m]), 4),
            Cell::Int(t.with_wide[m]),
            Cell::float(ratio(t.with_wide[m], t.responses[m]), 4),
        ]);
    }
    mt.notes.push(reads.clone());

    let mut st = Table::new(
        "Top shared spans (most models, then longest; the best span of each conversation)",
    );
    st.columns.push(Column::numeric("Models", None));
    st.columns.push(Column::new("Kind"));
    st.columns.push(Column::numeric("Length", None));
    st.columns.push(Column::new("Conversation"));
    st.columns.push(Column::new("Model names"));
    st.columns.push(Column::new("Excerpt"));
    for r in top {
        st.rows.push(vec![
            Cell::Int(r.n_models as u64),
            Cell::text(&r.kind),
            Cell::Int(r.length as u64),
            Cell::text(&r.hash),
            Cell::text(&r.models),
            Cell::text(short(&r.excerpt, 100)),
        ]);
    }
    st.notes.push(
        "Length: tokens (ngram) or characters without comments and whitespace (code). Excerpt: the start of the span in the first listed model's answer.".into(),
    );

    write(
        "table.md",
        [&mt, &pt, &st]
            .iter()
            .map(|x| x.to_markdown())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    write("table.csv", tidy_csv(meta, t, &pairs));
    let mut spans_json = st.clone();
    for (row, r) in spans_json.rows.iter_mut().zip(top) {
        row[5] = Cell::text(&r.excerpt);
    }
    write(
        "table.json",
        format!(
            "{{\"models\": {},\n\"pairs\": {},\n\"top_spans\": {}}}\n",
            mt.to_json().trim_end(),
            pt.to_json().trim_end(),
            spans_json.to_json().trim_end()
        ),
    );
    write("families.svg", families_svg(models, t));
    out.stdout = format!("{}\n{}", mt.to_markdown(), st.to_markdown());
    out.summary = format!(
        "{} spans ({} code, {} ngram) over {} models",
        t.spans[0] + t.spans[1],
        t.spans[0],
        t.spans[1],
        n
    );
    out
}

/// `table.csv`: one tidy table of the model and pair rows: `table` is
/// `model` (total = responses, shared = with a shared span, wide = with a
/// span shared by at least 3 other models; model_b empty) or `pair` (total =
/// common conversations, shared = with a common span; wide empty).
fn tidy_csv(meta: &Meta, t: &Tally, pairs: &[(usize, usize, u64, u64)]) -> String {
    let m = &meta.models;
    let mut csv = String::from("table,model_a,model_b,total,shared,share,wide,wide_share\r\n");
    let num = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            full_precision(x)
        }
    };
    for (i, name) in m.iter().enumerate() {
        let _ = write!(
            csv,
            "model,{},,{},{},{},{},{}\r\n",
            escape_csv(name),
            t.responses[i],
            t.with_shared[i],
            num(ratio(t.with_shared[i], t.responses[i])),
            t.with_wide[i],
            num(ratio(t.with_wide[i], t.responses[i]))
        );
    }
    for &(a, b, c, s) in pairs {
        let _ = write!(
            csv,
            "pair,{},{},{c},{s},{},,\r\n",
            escape_csv(&m[a]),
            escape_csv(&m[b]),
            num(ratio(s, c))
        );
    }
    csv
}

/// Heatmap of pair shares, models ordered by UPGMA on 1 - share (pairs
/// without common conversations at distance 1).
fn families_svg(models: &[String], t: &Tally) -> String {
    let n = models.len();
    let share = |a: usize, b: usize| -> f64 {
        let (x, y) = (a.min(b), a.max(b));
        ratio(t.sharing[x * n + y], t.common[x * n + y])
    };
    let order = order_by_similarity(n, share);
    let labels: Vec<String> = order.iter().map(|&i| models[i].clone()).collect();
    let values: Vec<Vec<f64>> = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| if i == j { f64::NAN } else { share(i, j) })
                .collect()
        })
        .collect();
    let opts = wildstat_stats::svg::HeatmapOptions {
        title: "Share of common conversations with a verbatim shared span".into(),
        scale: wildstat_stats::svg::ColorScale::Blues,
        digits: 2,
        ..Default::default()
    };
    wildstat_stats::svg::heatmap(&labels, &values, &opts)
}
