//! A small table model and deterministic renderers: GitHub Markdown,
//! LaTeX (booktabs), CSV (RFC 4180) and JSON.
//!
//! Display renderers (Markdown, LaTeX) print numbers with the cell's fixed
//! `digits` (Rust `{:.N}`: exact decimal expansion, ties to even) and mark
//! the best value of each column that has `higher_is_better` in bold
//! (comparing the values *as displayed*, so displayed ties are all bold).
//! Data renderers (CSV, JSON) print floats at full precision with
//! [`full_precision`] (shortest string that round-trips).
//!
//! Missing/non-finite values: [`Cell::NotAvailable`] and NaN print `n/a` in
//! Markdown/LaTeX, empty in CSV, `null` in JSON. [`Cell::Infinite`] and
//! infinite floats print `inf` (LaTeX `$\infty$`), `inf`/`-inf` in CSV and
//! the strings `"inf"`/`"-inf"` in JSON (JSON has no infinity).

use std::fmt::Write as _;

/// Horizontal alignment of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Flush left (text, model names).
    Left,
    /// Flush right (numbers).
    Right,
    /// Centred.
    Center,
}

/// A column header plus how to align it and which direction is "better"
/// (for bolding the best value; `None` = no bolding).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Header text.
    pub name: String,
    /// Alignment in Markdown and LaTeX.
    pub align: Align,
    /// `Some(true)`: the largest value is best; `Some(false)`: the smallest.
    pub higher_is_better: Option<bool>,
}

impl Column {
    /// A left-aligned column with no "best" direction.
    pub fn new(name: impl Into<String>) -> Self {
        Column {
            name: name.into(),
            align: Align::Left,
            higher_is_better: None,
        }
    }

    /// A right-aligned numeric column; `higher_is_better` as in [`Column`].
    pub fn numeric(name: impl Into<String>, higher_is_better: Option<bool>) -> Self {
        Column {
            name: name.into(),
            align: Align::Right,
            higher_is_better,
        }
    }
}

/// One table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// An integer count.
    Int(u64),
    /// A float shown with `digits` decimals.
    Float {
        /// The value.
        value: f64,
        /// Decimals in Markdown/LaTeX.
        digits: usize,
    },
    /// `mean ± std`, both with `digits` decimals.
    MeanStd {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
        /// Decimals in Markdown/LaTeX.
        digits: usize,
    },
    /// A confidence interval `[lo, hi]`.
    Interval {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Decimals in Markdown/LaTeX.
        digits: usize,
    },
    /// Free text (escaped by every renderer).
    Text(String),
    /// A missing value (`n/a`).
    NotAvailable,
    /// An unbounded value (`inf`), e.g. a proportional frequency over zero.
    Infinite,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// A float cell.
    pub fn float(value: f64, digits: usize) -> Self {
        Cell::Float { value, digits }
    }

    /// A mean ± std cell.
    pub fn mean_std(mean: f64, std: f64, digits: usize) -> Self {
        Cell::MeanStd { mean, std, digits }
    }

    /// An interval cell.
    pub fn interval(lo: f64, hi: f64, digits: usize) -> Self {
        Cell::Interval { lo, hi, digits }
    }

    /// The number used to pick the best cell of a column: Int, Float, the
    /// mean of MeanStd (+inf for Infinite), rounded to the displayed digits;
    /// `None` for text, n/a, NaN and intervals.
    fn rank_key(&self) -> Option<f64> {
        let rounded = |v: f64, d: usize| -> Option<f64> {
            if v.is_nan() {
                None
            } else if v.is_infinite() {
                Some(v)
            } else {
                format!("{v:.d$}").parse().ok()
            }
        };
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float { value, digits } => rounded(*value, *digits),
            Cell::MeanStd { mean, digits, .. } => rounded(*mean, *digits),
            Cell::Infinite => Some(f64::INFINITY),
            _ => None,
        }
    }
}

/// A titled table with typed cells and footnotes; render with
/// [`Table::to_markdown`], [`Table::to_latex`], [`Table::to_csv`],
/// [`Table::to_json`]. Rows shorter than the header are padded with empty
/// cells; extra cells are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Caption (Markdown bold line, LaTeX `\caption`).
    pub title: String,
    /// Column headers.
    pub columns: Vec<Column>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<Cell>>,
    /// Footnotes printed under the table (Markdown, LaTeX).
    pub notes: Vec<String>,
}

/// Full-precision float text for CSV/JSON: the shortest decimal that
/// round-trips (Rust's `{}`), switching to exponent form (`{:e}`, also
/// shortest round-trip) when `|x| >= 1e16` or `0 < |x| < 1e-5`; integral
/// values keep a `.0`. NaN prints `NaN`, infinities `inf`/`-inf` (callers
/// map these per format).
pub fn full_precision(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = x.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) {
        format!("{x:e}")
    } else if x == x.trunc() {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "n/a".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{x:.digits$}")
    }
}

/// Escape text for a GitHub Markdown table cell: backslash-escape each of
/// ``\ | * _ ` < > [ ] ~ # $ &`` (CommonMark allows escaping any ASCII
/// punctuation: `\<` keeps an HTML tag as literal text, `\&` stops entity
/// references, `\$` stops GitHub math) and turn line breaks into spaces.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '~' | '#' | '$' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Escape text for LaTeX text mode: `& % $ # _ { }` get a backslash, and
/// `\ ~ ^ < > |` become `\textbackslash{}` etc., `±` becomes `$\pm$`; line
/// breaks become spaces.
pub fn escape_latex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '±' => out.push_str("$\\pm$"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Quote a CSV field per RFC 4180 when it contains `,`, `"`, CR or LF (or
/// leading/trailing spaces); inner quotes are doubled.
pub fn escape_csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A JSON string literal (with quotes). Escapes `"` and `\`, control
/// characters, and also `<`, `>`, `&`, U+2028, U+2029 as `\uXXXX` so the
/// output is safe to embed in HTML/JS.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(x: f64) -> String {
    if x.is_nan() {
        "null".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "\"inf\"".into()
        } else {
            "\"-inf\"".into()
        }
    } else {
        full_precision(x)
    }
}

fn csv_number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        full_precision(x)
    }
}

impl Table {
    /// An empty table with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Table {
            title: title.into(),
            ..Default::default()
        }
    }

    /// Cell `(r, c)`, or `None` for a short row.
    fn cell(&self, r: usize, c: usize) -> Option<&Cell> {
        self.rows.get(r).and_then(|row| row.get(c))
    }

    /// For each column, the displayed-value key of its best cell, if the
    /// column has a direction and at least one rankable cell.
    fn best_keys(&self) -> Vec<Option<f64>> {
        (0..self.columns.len())
            .map(|c| {
                let hib = self.columns[c].higher_is_better?;
                let keys = (0..self.rows.len()).filter_map(|r| self.cell(r, c)?.rank_key());
                keys.reduce(|a, b| if hib == (b > a) && b != a { b } else { a })
            })
            .collect()
    }

    fn is_best(&self, best: &[Option<f64>], r: usize, c: usize) -> bool {
        match (best[c], self.cell(r, c).and_then(Cell::rank_key)) {
            (Some(b), Some(k)) => b == k,
            _ => false,
        }
    }

    fn display_cell(cell: Option<&Cell>, latex: bool) -> String {
        let Some(cell) = cell else {
            return String::new();
        };
        let num = |x: f64, d: usize| -> String {
            let s = fixed(x, d);
            if latex {
                match s.as_str() {
                    "inf" => "$\\infty$".into(),
                    "-inf" => "$-\\infty$".into(),
                    _ => s,
                }
            } else {
                s
            }
        };
        match cell {
            Cell::Int(i) => i.to_string(),
            Cell::Float { value, digits } => num(*value, *digits),
            Cell::MeanStd { mean, std, digits } => {
                let pm = if latex { " $\\pm$ " } else { " ± " };
                format!("{}{pm}{}", num(*mean, *digits), num(*std, *digits))
            }
            Cell::Interval { lo, hi, digits } => {
                format!("[{}, {}]", num(*lo, *digits), num(*hi, *digits))
            }
            Cell::Text(t) => {
                if latex {
                    escape_latex(t)
                } else {
                    escape_markdown(t)
                }
            }
            Cell::NotAvailable => "n/a".into(),
            Cell::Infinite => {
                if latex {
                    "$\\infty$".into()
                } else {
                    "inf".into()
                }
            }
        }
    }

    /// GitHub pipe table with padded, aligned columns; the title as a bold
    /// line above, notes as lines below. Headers of ranked columns get ↑/↓
    /// and the best cells are `**bold**`.
    pub fn to_markdown(&self) -> String {
        let best = self.best_keys();
        let ncol = self.columns.len();
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let arrow = match c.higher_is_better {
                    Some(true) => " ↑",
                    Some(false) => " ↓",
                    None => "",
                };
                format!("{}{arrow}", escape_markdown(&c.name))
            })
            .collect();
        let body: Vec<Vec<String>> = (0..self.rows.len())
            .map(|r| {
                (0..ncol)
                    .map(|c| {
                        let s = Self::display_cell(self.cell(r, c), false);
                        if self.is_best(&best, r, c) {
                            format!("**{s}**")
                        } else {
                            s
                        }
                    })
                    .collect()
            })
            .collect();
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = (0..ncol)
            .map(|c| {
                body.iter()
                    .map(|row| width(&row[c]))
                    .chain([width(&header[c]), 3])
                    .max()
                    .unwrap_or(3)
            })
            .collect();
        let pad = |s: &str, w: usize, a: Align| -> String {
            let fill = w.saturating_sub(width(s));
            match a {
                Align::Left => format!("{s}{}", " ".repeat(fill)),
                Align::Right => format!("{}{s}", " ".repeat(fill)),
                Align::Center => {
                    let l = fill / 2;
                    format!("{}{s}{}", " ".repeat(l), " ".repeat(fill - l))
                }
            }
        };
        let line = |cells: &[String]| -> String {
            let mut s = String::from("|");
            for (c, cell) in cells.iter().enumerate() {
                let _ = write!(s, " {} |", pad(cell, widths[c], self.columns[c].align));
            }
            s.push('\n');
            s
        };
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(out, "**{}**\n", escape_markdown(&self.title));
        }
        if ncol == 0 {
            return out;
        }
        out.push_str(&line(&header));
        out.push('|');
        for (c, col) in self.columns.iter().enumerate() {
            let w = widths[c];
            let rule = match col.align {
                Align::Left => format!(":{}", "-".repeat(w - 1)),
                Align::Right => format!("{}:", "-".repeat(w - 1)),
                Align::Center => format!(":{}:", "-".repeat(w - 2)),
            };
            let _ = write!(out, " {rule} |");
        }
        out.push('\n');
        for row in &body {
            out.push_str(&line(row));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                let _ = writeln!(out, "{}  ", escape_markdown(n));
            }
        }
        out
    }

    /// The `tabular` environment alone (booktabs rules; needs
    /// `\usepackage{booktabs}`). Best cells are `\textbf{}`; ranked headers
    /// get `$\uparrow$`/`$\downarrow$`.
    pub fn to_latex_tabular(&self) -> String {
        let best = self.best_keys();
        let spec: String = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Left => 'l',
                Align::Right => 'r',
                Align::Center => 'c',
            })
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "\\begin{{tabular}}{{{spec}}}");
        out.push_str("\\toprule\n");
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let arrow = match c.higher_is_better {
                    Some(true) => " $\\uparrow$",
                    Some(false) => " $\\downarrow$",
                    None => "",
                };
                format!("{}{arrow}", escape_latex(&c.name))
            })
            .collect();
        let _ = writeln!(out, "{} \\\\", header.join(" & "));
        out.push_str("\\midrule\n");
        for r in 0..self.rows.len() {
            let cells: Vec<String> = (0..self.columns.len())
                .map(|c| {
                    let s = Self::display_cell(self.cell(r, c), true);
                    if self.is_best(&best, r, c) {
                        format!("\\textbf{{{s}}}")
                    } else {
                        s
                    }
                })
                .collect();
            let _ = writeln!(out, "{} \\\\", cells.join(" & "));
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        out
    }

    /// A complete `table` float: `\centering`, `\caption{title}` (escaped),
    /// the booktabs tabular and each note as a footnotesize paragraph.
    pub fn to_latex(&self) -> String {
        let mut out = String::from("\\begin{table}[t]\n\\centering\n");
        if !self.title.is_empty() {
            let _ = writeln!(out, "\\caption{{{}}}", escape_latex(&self.title));
        }
        out.push_str(&self.to_latex_tabular());
        for n in &self.notes {
            let _ = writeln!(
                out,
                "\\par\\smallskip{{\\footnotesize {}}}",
                escape_latex(n)
            );
        }
        out.push_str("\\end{table}\n");
        out
    }

    /// How many CSV fields column `c` expands to and their suffixes:
    /// a column holding any MeanStd becomes `name mean`, `name std`; any
    /// Interval becomes `name lo`, `name hi` (MeanStd wins if both).
    fn csv_kind(&self, c: usize) -> u8 {
        let cells = || (0..self.rows.len()).filter_map(move |r| self.cell(r, c));
        if cells().any(|x| matches!(x, Cell::MeanStd { .. })) {
            1
        } else if cells().any(|x| matches!(x, Cell::Interval { .. })) {
            2
        } else {
            0
        }
    }

    /// RFC 4180 CSV (CRLF line ends, a header row, fields quoted only when
    /// needed). Floats at full precision; MeanStd/Interval columns split in
    /// two (`<name> mean`/`<name> std`, `<name> lo`/`<name> hi`); n/a and
    /// NaN are empty; Infinite is `inf`. Title and notes are not written.
    pub fn to_csv(&self) -> String {
        let kinds: Vec<u8> = (0..self.columns.len()).map(|c| self.csv_kind(c)).collect();
        let mut out = String::new();
        let mut header = Vec::new();
        for (c, col) in self.columns.iter().enumerate() {
            match kinds[c] {
                1 => {
                    header.push(escape_csv(&format!("{} mean", col.name)));
                    header.push(escape_csv(&format!("{} std", col.name)));
                }
                2 => {
                    header.push(escape_csv(&format!("{} lo", col.name)));
                    header.push(escape_csv(&format!("{} hi", col.name)));
                }
                _ => header.push(escape_csv(&col.name)),
            }
        }
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for r in 0..self.rows.len() {
            let mut fields = Vec::new();
            for (c, kind) in kinds.iter().enumerate() {
                let (a, b) = match self.cell(r, c) {
                    None | Some(Cell::NotAvailable) => (String::new(), String::new()),
                    Some(Cell::Int(i)) => (i.to_string(), String::new()),
                    Some(Cell::Float { value, .. }) => (csv_number(*value), String::new()),
                    Some(Cell::MeanStd { mean, std, .. }) => (csv_number(*mean), csv_number(*std)),
                    Some(Cell::Interval { lo, hi, .. }) => (csv_number(*lo), csv_number(*hi)),
                    Some(Cell::Text(t)) => (escape_csv(t), String::new()),
                    Some(Cell::Infinite) => ("inf".into(), String::new()),
                };
                fields.push(a);
                if *kind != 0 {
                    fields.push(b);
                }
            }
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// JSON array with one object per row, keyed by column name in column
    /// order: Int and Float as numbers (full precision), MeanStd as
    /// `{"mean":..,"std":..}`, Interval as `{"lo":..,"hi":..}`, Text as
    /// strings; NaN and n/a are `null`, infinities the strings `"inf"` /
    /// `"-inf"`. One row per line; ends with a newline. Column names should
    /// be unique (a repeated name repeats the key, which most JSON readers
    /// resolve to the last value).
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for r in 0..self.rows.len() {
            out.push_str(if r == 0 { "\n  {" } else { ",\n  {" });
            for (c, col) in self.columns.iter().enumerate() {
                if c > 0 {
                    out.push_str(", ");
                }
                let v = match self.cell(r, c) {
                    None | Some(Cell::NotAvailable) => "null".to_string(),
                    Some(Cell::Int(i)) => i.to_string(),
                    Some(Cell::Float { value, .. }) => json_number(*value),
                    Some(Cell::MeanStd { mean, std, .. }) => {
                        format!(
                            "{{\"mean\": {}, \"std\": {}}}",
                            json_number(*mean),
                            json_number(*std)
                        )
                    }
                    Some(Cell::Interval { lo, hi, .. }) => {
                        format!(
                            "{{\"lo\": {}, \"hi\": {}}}",
                            json_number(*lo),
                            json_number(*hi)
                        )
                    }
                    Some(Cell::Text(t)) => json_string(t),
                    Some(Cell::Infinite) => "\"inf\"".to_string(),
                };
                let _ = write!(out, "{}: {v}", json_string(&col.name));
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]\n" } else { "\n]\n" });
        out
    }

    /// JSON object `{"title", "columns": [{"name","align","higher_is_better"}],
    /// "rows": <to_json array>, "notes": [..]}` keeping the metadata.
    pub fn to_json_document(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let align = match c.align {
                    Align::Left => "left",
                    Align::Right => "right",
                    Align::Center => "center",
                };
                let hib = match c.higher_is_better {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "null",
                };
                format!(
                    "{{\"name\": {}, \"align\": \"{align}\", \"higher_is_better\": {hib}}}",
                    json_string(&c.name)
                )
            })
            .collect();
        let notes: Vec<String> = self.notes.iter().map(|n| json_string(n)).collect();
        format!(
            "{{\"title\": {},\n\"columns\": [{}],\n\"rows\": {},\n\"notes\": [{}]}}\n",
            json_string(&self.title),
            cols.join(", "),
            self.to_json().trim_end(),
            notes.join(", ")
        )
    }
}
