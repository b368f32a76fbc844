//! Tables (CSV, Markdown, LaTeX, JSON) and an SVG word chart of the scores,
//! in the house style of `wildstat-stats`.

use std::fmt::Write as _;

use wildstat_stats::svg::xml_escape;
use wildstat_stats::{Cell, Column, Table};

use crate::score::{by_z_desc, WordScore};

/// Rendered output files, `(file name, contents)`, in a fixed order:
/// `keywords.csv`, `keywords.md`, `keywords.tex`, `keywords.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outputs {
    /// The files.
    pub files: Vec<(&'static str, String)>,
}

/// The strongest `top` words of each side: those with `z > 0` by `z`
/// descending (group a) and those with `z < 0` by `z` ascending (group b),
/// ties by word; words with `z == 0` belong to neither.
pub fn sides(scores: &[WordScore], top: usize) -> (Vec<&WordScore>, Vec<&WordScore>) {
    let mut a: Vec<&WordScore> = scores.iter().filter(|s| s.z > 0.0).collect();
    a.sort_by(|x, y| by_z_desc(x, y));
    a.truncate(top);
    let mut b: Vec<&WordScore> = scores.iter().filter(|s| s.z < 0.0).collect();
    b.sort_by(|x, y| x.z.total_cmp(&y.z).then_with(|| x.word.cmp(&y.word)));
    b.truncate(top);
    (a, b)
}

fn method_note(label_a: &str, label_b: &str) -> String {
    format!(
        "Weighted log-odds ratio with an informative Dirichlet prior (pooled counts; \
         Monroe, Colaresi and Quinn 2008). z > 0: more typical of {label_a}; z < 0: of {label_b}."
    )
}

/// The tables of `scores`:
/// - `keywords.csv`: every scored word by `z` descending (then word), with
///   `word, count_a, count_b, log_odds, variance, z` at full precision;
/// - `keywords.md`, `keywords.tex`: the top `top` words of each side
///   ([`sides`]) next to each other, `z` with 2 decimals;
/// - `keywords.json`: the same top words as one object per row (`group`,
///   `rank`, `word`, `count_a`, `count_b`, `log_odds`, `z`), with title and
///   notes (`Table::to_json_document`).
///
/// Labels are free text (model names), escaped by every renderer.
pub fn tables(scores: &[WordScore], top: usize, label_a: &str, label_b: &str) -> Outputs {
    let mut all: Vec<&WordScore> = scores.iter().collect();
    all.sort_by(|x, y| by_z_desc(x, y));
    let mut full = Table::new("keywords");
    full.columns = ["word", "count_a", "count_b", "log_odds", "variance", "z"]
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            if i == 0 {
                Column::new(n)
            } else {
                Column::numeric(n, None)
            }
        })
        .collect();
    full.rows = all
        .iter()
        .map(|s| {
            vec![
                Cell::text(s.word.as_str()),
                Cell::Int(s.count_a),
                Cell::Int(s.count_b),
                Cell::float(s.log_odds, 4),
                Cell::float(s.variance, 4),
                Cell::float(s.z, 4),
            ]
        })
        .collect();

    let (ta, tb) = sides(scores, top);
    let title = format!("Key words: {label_a} vs {label_b}");
    let notes = vec![
        method_note(label_a, label_b),
        format!("Top {top} words of each side; keywords.csv has every word."),
    ];
    let mut side = Table::new(title.as_str());
    side.columns = vec![
        Column::numeric("rank", None),
        Column::new(label_a),
        Column::numeric("z", None),
        Column::new(label_b),
        Column::numeric("z", None),
    ];
    let cells = |s: Option<&&WordScore>| match s {
        Some(s) => [Cell::text(s.word.as_str()), Cell::float(s.z, 2)],
        None => [Cell::text(""), Cell::text("")],
    };
    side.rows = (0..ta.len().max(tb.len()))
        .map(|i| {
            let mut row = vec![Cell::Int(i as u64 + 1)];
            row.extend(cells(ta.get(i)));
            row.extend(cells(tb.get(i)));
            row
        })
        .collect();
    side.notes = notes.clone();

    let mut long = Table::new(title.as_str());
    long.columns = vec![
        Column::new("group"),
        Column::numeric("rank", None),
        Column::new("word"),
        Column::numeric("count_a", None),
        Column::numeric("count_b", None),
        Column::numeric("log_odds", None),
        Column::numeric("z", None),
    ];
    for (label, words) in [(label_a, &ta), (label_b, &tb)] {
        for (i, s) in words.iter().enumerate() {
            long.rows.push(vec![
                Cell::text(label),
                Cell::Int(i as u64 + 1),
                Cell::text(s.word.as_str()),
                Cell::Int(s.count_a),
                Cell::Int(s.count_b),
                Cell::float(s.log_odds, 4),
                Cell::float(s.z, 4),
            ]);
        }
    }
    long.notes = notes;

    Outputs {
        files: vec![
            ("keywords.csv", full.to_csv()),
            ("keywords.md", side.to_markdown()),
            ("keywords.tex", side.to_latex()),
            ("keywords.json", long.to_json_document()),
        ],
    }
}

/// Truncate to `max` characters with an ellipsis.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

const WIDTH: f64 = 720.0;
const COLUMN: f64 = 360.0;
const ROW: f64 = 32.0;
const TOP: f64 = 84.0;
const MIN_FONT: f64 = 11.0;
const MAX_FONT: f64 = 28.0;
const BLUE: &str = "#2166ac";
const RED: &str = "#b2182b";

/// A two-column word chart: the top `top` words of group a (left, blue)
/// and of group b (right, red), strongest first, each word's font size
/// linear in `|z|`, 11px at z = 0 to 28px at the largest `|z|` shown, its `z` in
/// small grey print at the column's right edge and `word: z, counts` as a
/// tooltip. Fixed layout (720px wide, 32px rows), one `<svg>` with no
/// scripts, ids or external fonts; every text XML-escaped; words wider
/// than their column (about 17 characters at 28px) and labels longer than
/// 36 characters are truncated with an ellipsis (kept whole in the
/// tooltip). Deterministic: same scores, same bytes.
pub fn chart_svg(scores: &[WordScore], top: usize, label_a: &str, label_b: &str) -> String {
    let (ta, tb) = sides(scores, top);
    let rows = ta.len().max(tb.len()).max(1);
    let height = TOP + rows as f64 * ROW + 16.0;
    let zmax = ta.iter().chain(&tb).map(|s| s.z.abs()).fold(0.0, f64::max);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        o,
        "<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">Key words: {} vs {}</text>",
        WIDTH / 2.0,
        xml_escape(&truncate(label_a, 36)),
        xml_escape(&truncate(label_b, 36))
    );
    let _ = writeln!(
        o,
        "<line x1=\"{COLUMN}\" y1=\"40\" x2=\"{COLUMN}\" y2=\"{}\" stroke=\"#cccccc\"/>",
        height - 8.0
    );
    for (col, (label, words, colour)) in [(label_a, &ta, BLUE), (label_b, &tb, RED)]
        .into_iter()
        .enumerate()
    {
        let x0 = col as f64 * COLUMN;
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"60\" font-size=\"13\" font-weight=\"bold\" fill=\"{colour}\"><title>{}</title>More typical of {}</text>",
            x0 + 16.0,
            xml_escape(label),
            xml_escape(&truncate(label, 36))
        );
        if words.is_empty() {
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" fill=\"#777777\">(no words)</text>",
                x0 + 16.0,
                TOP + ROW * 0.6
            );
        }
        for (i, s) in words.iter().enumerate() {
            let font = if zmax > 0.0 {
                MIN_FONT + (MAX_FONT - MIN_FONT) * s.z.abs() / zmax
            } else {
                MIN_FONT
            };
            // Characters that fit left of the z column at ~0.6 em each.
            let fit = ((COLUMN - 72.0) / (0.6 * font)).floor() as usize;
            let y = TOP + i as f64 * ROW + ROW * 0.7;
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{y}\" font-size=\"{font:.1}\" fill=\"{colour}\"><title>{}: z = {:.2} (a: {}, b: {})</title>{}</text>",
                x0 + 16.0,
                xml_escape(&s.word),
                s.z,
                s.count_a,
                s.count_b,
                xml_escape(&truncate(&s.word, fit))
            );
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{y}\" font-size=\"10\" fill=\"#777777\" text-anchor=\"end\">{:.2}</text>",
                x0 + COLUMN - 12.0,
                s.z
            );
        }
    }
    o.push_str("</svg>\n");
    o
}
