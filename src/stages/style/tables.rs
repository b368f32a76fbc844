//! The style stage's aggregation and tables: per-model Markdown element
//! counts (Table 3's counts block) and proportional frequencies PF(A||B).
//! Counts are integers, so partial aggregates merge exactly in any order.

use std::collections::BTreeMap;

use wildstat_stats::{Cell, Column, Table};
use wildstat_style::StyleCounts;

/// Element names in table order: the 20 HTML elements, then `len`.
pub fn element_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = StyleCounts::ELEMENTS.to_vec();
    v.push("len");
    v
}

/// Integer aggregates of one model.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Flat", from = "Flat")]
pub struct ModelStyle {
    /// Responses counted.
    pub responses: u64,
    /// Summed counts (elements, len, words, lines, code blocks, code languages).
    pub totals: StyleCounts,
    /// Responses with at least one of each element.
    pub with_any: [u64; 20],
}

impl ModelStyle {
    /// Adds one response's counts.
    pub fn add(&mut self, c: &StyleCounts) {
        self.responses += 1;
        for (i, n) in c.elements().iter().enumerate() {
            if *n > 0 {
                self.with_any[i] += 1;
            }
        }
        self.totals.merge(c);
    }

    /// Adds another partial aggregate.
    pub fn merge(&mut self, o: &ModelStyle) {
        self.responses += o.responses;
        self.totals.merge(&o.totals);
        for i in 0..20 {
            self.with_any[i] += o.with_any[i];
        }
    }

    /// Total of element `i` in [`element_names`] order (20 = len).
    pub fn total(&self, i: usize) -> u64 {
        if i == 20 {
            self.totals.len
        } else {
            self.totals.element(i)
        }
    }

    fn per_response(&self, i: usize) -> f64 {
        if self.responses == 0 {
            f64::NAN
        } else {
            self.total(i) as f64 / self.responses as f64
        }
    }
}

/// [`ModelStyle`] as plain integers, for part files.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Flat {
    responses: u64,
    with_any: Vec<u64>,
    elements: Vec<u64>,
    extra: [u64; 5],
    code_langs: BTreeMap<String, u64>,
}

impl From<ModelStyle> for Flat {
    fn from(s: ModelStyle) -> Flat {
        let t = &s.totals;
        Flat {
            responses: s.responses,
            with_any: s.with_any.to_vec(),
            elements: t.elements().to_vec(),
            extra: [t.len, t.words, t.lines, t.code_blocks, t.list_depth],
            code_langs: t.code_langs.clone(),
        }
    }
}

impl From<Flat> for ModelStyle {
    fn from(f: Flat) -> ModelStyle {
        let mut s = ModelStyle {
            responses: f.responses,
            ..Default::default()
        };
        for (i, (&w, &e)) in f.with_any.iter().zip(&f.elements).take(20).enumerate() {
            s.with_any[i] = w;
            *s.totals.element_mut(i) = e;
        }
        let t = &mut s.totals;
        [t.len, t.words, t.lines, t.code_blocks, t.list_depth] = f.extra;
        t.code_langs = f.code_langs;
        s
    }
}

/// Per-model aggregates keyed by model name (sorted).
pub type Styles = BTreeMap<String, ModelStyle>;

/// A proportional frequency PF(a||b) of element `i`: count ratio when both
/// models have as many responses, else the ratio of per-response rates.
/// `None` for 0/0; `Some(inf)` for x/0.
pub fn pf(a: &ModelStyle, b: &ModelStyle, i: usize) -> Option<f64> {
    let (ca, cb) = (a.total(i), b.total(i));
    if cb == 0 {
        return if ca == 0 { None } else { Some(f64::INFINITY) };
    }
    Some(if a.responses == b.responses {
        ca as f64 / cb as f64
    } else {
        (ca as f64 / a.responses as f64) / (cb as f64 / b.responses as f64)
    })
}

fn model_table(title: &str, styles: &Styles, cell: &dyn Fn(&ModelStyle, usize) -> Cell) -> Table {
    let mut t = Table::new(title);
    t.columns.push(Column::new("Model"));
    t.columns.push(Column::numeric("Responses", None));
    for e in element_names() {
        t.columns.push(Column::numeric(e, None));
    }
    for (m, s) in styles {
        let mut row = vec![Cell::text(m), Cell::Int(s.responses)];
        row.extend((0..21).map(|i| cell(s, i)));
        t.rows.push(row);
    }
    t
}

/// The Markdown/LaTeX tables: totals, means per response, shares of
/// responses with at least one, and the PF rows asked for.
pub fn tables(styles: &Styles, pf_pairs: &[(String, String)]) -> Vec<Table> {
    let totals = model_table(
        "Markdown elements per model: total count (len: total characters)",
        styles,
        &|s, i| Cell::Int(s.total(i)),
    );
    let means = model_table(
        "Markdown elements per model: mean per response (len: mean characters)",
        styles,
        &|s, i| Cell::float(s.per_response(i), 3),
    );
    let shares = model_table(
        "Markdown elements per model: share of responses with at least one (len: mean characters)",
        styles,
        &|s, i| {
            if i == 20 {
                Cell::float(s.per_response(20), 1)
            } else if s.responses == 0 {
                Cell::NotAvailable
            } else {
                Cell::float(s.with_any[i] as f64 / s.responses as f64, 3)
            }
        },
    );
    let mut out = vec![totals, means, shares];
    if !pf_pairs.is_empty() {
        out.push(pf_table(styles, pf_pairs));
    }
    out
}

/// PF(A||B) rows, one per requested pair.
pub fn pf_table(styles: &Styles, pairs: &[(String, String)]) -> Table {
    let mut t = Table::new("Proportional frequency PF(A||B) = count_A / count_B per element");
    t.columns.push(Column::new("PF"));
    for e in element_names() {
        t.columns.push(Column::numeric(e, None));
    }
    let mut normalized = false;
    for (a, b) in pairs {
        let (sa, sb) = (&styles[a], &styles[b]);
        normalized |= sa.responses != sb.responses;
        let mut row = vec![Cell::text(format!("PF({a}||{b})"))];
        for i in 0..21 {
            row.push(match pf(sa, sb, i) {
                None => Cell::NotAvailable,
                Some(v) if v.is_infinite() => Cell::Infinite,
                Some(v) => Cell::float(v, 3),
            });
        }
        t.rows.push(row);
    }
    if normalized {
        t.notes.push(
            "Where A and B have different numbers of responses, PF is the ratio of per-response rates (count/responses).".into(),
        );
    }
    t.notes.push("n/a: 0/0; inf: a count over zero.".into());
    t
}

/// The tidy CSV/JSON table: one row per (model, element) with every figure
/// at full precision, then one row per (PF pair, element).
pub fn tidy(styles: &Styles, pf_pairs: &[(String, String)]) -> Table {
    let mut t = Table::new("Markdown element statistics per model");
    for c in [
        "model",
        "element",
        "responses",
        "total",
        "mean_per_response",
        "share_with_any",
    ] {
        t.columns.push(Column::new(c));
    }
    let full = |v: f64| {
        if v.is_nan() {
            Cell::NotAvailable
        } else {
            Cell::float(v, 17)
        }
    };
    for (m, s) in styles {
        for (i, e) in element_names().into_iter().enumerate() {
            let share = if i == 20 || s.responses == 0 {
                Cell::NotAvailable
            } else {
                full(s.with_any[i] as f64 / s.responses as f64)
            };
            t.rows.push(vec![
                Cell::text(m),
                Cell::text(e),
                Cell::Int(s.responses),
                Cell::Int(s.total(i)),
                full(s.per_response(i)),
                share,
            ]);
        }
    }
    for (a, b) in pf_pairs {
        for (i, e) in element_names().into_iter().enumerate() {
            let v = match pf(&styles[a], &styles[b], i) {
                None => Cell::NotAvailable,
                Some(v) if v.is_infinite() => Cell::Infinite,
                Some(v) => full(v),
            };
            t.rows.push(vec![
                Cell::text(format!("PF({a}||{b})")),
                Cell::text(e),
                Cell::NotAvailable,
                Cell::NotAvailable,
                v,
                Cell::NotAvailable,
            ]);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(responses: u64, strong: u64) -> ModelStyle {
        let mut s = ModelStyle {
            responses,
            ..Default::default()
        };
        s.totals.strong = strong;
        s
    }

    #[test]
    fn pf_handles_zero_and_normalizes() {
        let i = StyleCounts::element_index("strong").unwrap();
        assert_eq!(pf(&style(10, 6), &style(10, 3), i), Some(2.0));
        assert_eq!(pf(&style(10, 0), &style(10, 0), i), None);
        assert_eq!(pf(&style(10, 1), &style(10, 0), i), Some(f64::INFINITY));
        // 6 per 10 responses vs 3 per 5 responses: the same rate.
        assert_eq!(pf(&style(10, 6), &style(5, 3), i), Some(1.0));
    }
}
