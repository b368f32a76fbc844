//! The contamination stage's tables: per model x benchmark x role, the texts
//! scanned, the contaminated texts and their share, the items hit and the
//! mean coverage; then the most-hit items; and `contaminated.txt`.

use std::collections::BTreeSet;

use wildstat_stats::{Cell, Column, Table};

use super::{Config, ContaminationAcc};
use wildstat_engine::{Context, Outputs};

/// `a / b`, NaN when `b` is 0.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// A share cell: 4 decimals shown, full precision in CSV and JSON; n/a for
/// 0 / 0.
fn share(x: f64) -> Cell {
    if x.is_nan() {
        Cell::NotAvailable
    } else {
        Cell::float(x, 4)
    }
}

/// The per model x benchmark x role table.
fn summary(cfg: &Config, ctx: &Context, acc: &ContaminationAcc) -> Table {
    let n = cfg.ngram;
    let mut t = Table::new("Benchmark contamination per model, benchmark and role");
    t.columns = vec![
        Column::new("Model"),
        Column::new("Benchmark"),
        Column::new("Role"),
        Column::numeric("Texts", None),
        Column::numeric("Contaminated", None),
        Column::numeric("Share", None),
        Column::numeric("Items hit", None),
        Column::numeric("Items", None),
        Column::numeric("Mean coverage", None),
    ];
    for (model, roles) in &acc.scanned {
        for (b, bench) in acc.benchmarks.iter().enumerate() {
            for (role, s) in roles {
                let f = s.found.get(b).cloned().unwrap_or_default();
                t.rows.push(vec![
                    Cell::text(model),
                    Cell::text(&bench.name),
                    Cell::text(role),
                    Cell::Int(s.texts),
                    Cell::Int(f.texts),
                    share(ratio(f.texts, s.texts)),
                    Cell::Int(f.items.len() as u64),
                    Cell::Int(bench.items as u64),
                    share(if f.hits == 0 {
                        f64::NAN
                    } else {
                        f.coverage.0.value() / f.hits as f64
                    }),
                ]);
            }
        }
    }
    t.notes.push(format!(
        "Rule (lm-evaluation-harness decontamination): ASCII letters lowercased, ASCII punctuation deleted, split on whitespace, word {n}-grams; a text is contaminated by an item when they share at least one {n}-gram. Share = contaminated texts / texts scanned; Items hit = distinct items found in those texts; Mean coverage = mean over contaminated (text, item) pairs of the share of the item's distinct {n}-grams found in the text."
    ));
    let short: Vec<String> = acc
        .benchmarks
        .iter()
        .map(|b| format!("{} {} of {}", b.name, b.too_short, b.items))
        .collect();
    t.notes.push(format!(
        "Items with fewer than {n} tokens (no {n}-gram, never matched): {}.",
        short.join(", ")
    ));
    t.notes.push(format!(
        "Texts read: {} ({} empty). Conversations with any hit: {} (contaminated.txt).",
        ctx.stats.responses,
        ctx.stats.empty,
        acc.contaminated.len()
    ));
    t
}

/// The most-hit items: `(texts hit, models hit, global item index)`, most
/// texts first, then item order; at most `top`.
fn most_hit(acc: &ContaminationAcc, top: usize) -> Vec<(u64, u64, u32)> {
    let mut per: std::collections::BTreeMap<u32, (u64, BTreeSet<&str>)> = Default::default();
    for (model, roles) in &acc.scanned {
        for s in roles.values() {
            for f in &s.found {
                for (&item, &k) in &f.items {
                    let e = per.entry(item).or_default();
                    e.0 += k;
                    e.1.insert(model);
                }
            }
        }
    }
    let mut v: Vec<(u64, u64, u32)> = per
        .into_iter()
        .map(|(item, (texts, models))| (texts, models.len() as u64, item))
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    v.truncate(top);
    v
}

/// The most-hit items table.
fn items_table(cfg: &Config, acc: &ContaminationAcc) -> Table {
    let mut t = Table::new(format!(
        "Most-hit benchmark items (top {}, by texts hit over all models and roles)",
        cfg.top
    ));
    t.columns = vec![
        Column::new("Benchmark"),
        Column::new("Item"),
        Column::numeric("Texts", None),
        Column::numeric("Models", None),
        Column::new("Item text"),
    ];
    for (texts, models, item) in most_hit(acc, cfg.top) {
        let bench = acc
            .benchmarks
            .iter()
            .rfind(|b| b.first <= item)
            .map_or("", |b| b.name.as_str());
        let label = &acc.labels[&item];
        t.rows.push(vec![
            Cell::text(bench),
            Cell::text(&label.id),
            Cell::Int(texts),
            Cell::Int(models),
            Cell::text(&label.start),
        ]);
    }
    t.notes.push(format!(
        "Item text: its first {} characters.",
        super::LABEL_CHARS
    ));
    t
}

/// Every output file of a finished run, the printed tables and the summary.
pub fn outputs(cfg: &Config, ctx: &Context, acc: &ContaminationAcc) -> Outputs {
    let st = summary(cfg, ctx, acc);
    let it = items_table(cfg, acc);
    let mut out = Outputs::default();
    out.file(
        "table.md",
        format!("{}\n{}", st.to_markdown(), it.to_markdown()),
    );
    out.file("table.tex", format!("{}\n{}", st.to_latex(), it.to_latex()));
    out.file("table.csv", st.to_csv());
    out.file(
        "table.json",
        format!(
            "{{\"contamination\": {},\n\"most_hit\": {}}}\n",
            st.to_json().trim_end(),
            it.to_json().trim_end()
        ),
    );
    let mut ids = String::new();
    for id in &acc.contaminated {
        ids.push_str(id);
        ids.push('\n');
    }
    out.file("contaminated.txt", ids);
    out.stdout = format!("{}\n{}", st.to_markdown(), it.to_markdown());
    let (texts, hit) = acc
        .scanned
        .values()
        .flat_map(|r| r.values())
        .fold((0, 0), |(a, b), s| (a + s.texts, b + s.contaminated));
    out.summary = format!(
        "{hit} of {texts} texts contaminated by {} benchmarks; {} conversations",
        acc.benchmarks.len(),
        acc.contaminated.len()
    );
    out
}
