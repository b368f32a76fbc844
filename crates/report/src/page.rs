//! The page model (sections of tables, figures and text) and its renderer:
//! one HTML document with inline CSS, inline SVG and one inline script,
//! locked down by a Content-Security-Policy that allows only that script and
//! that style sheet (by SHA-256) and `data:` images, nothing from the
//! network. Every piece of data is escaped with [`escape`].

use std::fmt::Write as _;

use crate::html::{base64, escape, sha256};

/// The page's style sheet.
const CSS: &str = include_str!("assets/report.css");
/// The page's only script: sortable columns, copy buttons, `data-ready`.
const JS: &str = include_str!("assets/report.js");

/// Horizontal alignment of a table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text, model names.
    Left,
    /// Numbers.
    Right,
    /// Centred.
    Center,
}

/// One displayed cell: its text (unescaped; escaped when rendered) and
/// whether the table marks it as the best of its column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    /// The text as displayed.
    pub text: String,
    /// Shown in bold (the best value of a ranked column).
    pub bold: bool,
}

/// A table as the page shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataTable {
    /// Caption.
    pub title: String,
    /// Column headers and alignments.
    pub columns: Vec<(String, Align)>,
    /// Body rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Footnotes shown under the table (settings, counts).
    pub notes: Vec<String>,
    /// Where it came from (`similarity/table.md#1`), as `data-source`.
    pub source: String,
    /// Let long text wrap (a table of sentences rather than numbers).
    pub wrap: bool,
}

/// One piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A sortable table, with its LaTeX (a copy button) when there is one.
    Table {
        /// The table.
        table: DataTable,
        /// Its LaTeX source, if the stage wrote one.
        latex: Option<String>,
    },
    /// An SVG figure: inlined if [`crate::svg::check`] accepts it, else an
    /// `<img>` (no scripts run there) with the reason.
    Figure {
        /// The SVG file's text.
        svg: String,
        /// Caption under the figure.
        caption: String,
    },
    /// A paragraph of plain text.
    Paragraph(String),
    /// Preformatted text (a pipeline file), folded under `summary`.
    Pre {
        /// The fold's label.
        summary: String,
        /// The text.
        text: String,
    },
    /// Blocks folded under a `<details>` label (long listings).
    Details {
        /// The fold's label.
        summary: String,
        /// What it holds.
        blocks: Vec<Block>,
    },
    /// LaTeX with no table of its own, with a copy button.
    Latex {
        /// A label for it.
        title: String,
        /// The LaTeX source.
        tex: String,
    },
}

/// A titled part of the page (one stage directory, or the run summary).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    /// Heading (`<h2>`, and the table of contents).
    pub title: String,
    /// Its content in order.
    pub blocks: Vec<Block>,
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// `<title>` and `<h1>`.
    pub title: String,
    /// Lines under the heading.
    pub subtitle: Vec<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
}

fn align_class(a: Align) -> &'static str {
    match a {
        Align::Left => "l",
        Align::Right => "r",
        Align::Center => "c",
    }
}

/// `'sha256-…'` of a script or style element's exact text, for the CSP.
fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&sha256(text.as_bytes())))
}

/// Counters for the ids the page gives its tables and LaTeX blocks.
#[derive(Default)]
struct Ids {
    table: usize,
    tex: usize,
}

fn copy_latex(out: &mut String, ids: &mut Ids, label: &str, tex: &str) {
    ids.tex += 1;
    let id = format!("tex{}", ids.tex);
    let _ = writeln!(
        out,
        "<div class=\"tools\"><button type=\"button\" data-copy=\"{id}\">Copy LaTeX</button>\
         <details><summary>{}</summary><pre class=\"latex\" id=\"{id}\">{}</pre></details></div>",
        escape(label),
        escape(tex)
    );
}

fn table(out: &mut String, ids: &mut Ids, t: &DataTable, latex: Option<&str>) {
    ids.table += 1;
    let _ = writeln!(
        out,
        "<div class=\"block\" id=\"t{}\" data-source=\"{}\">",
        ids.table,
        escape(&t.source)
    );
    out.push_str(if t.wrap {
        "<div class=\"scroll\"><table class=\"sortable wrap\">"
    } else {
        "<div class=\"scroll\"><table class=\"sortable\">"
    });
    if !t.title.is_empty() {
        let _ = write!(out, "<caption>{}</caption>", escape(&t.title));
    }
    out.push_str("\n<thead><tr>");
    for (name, a) in &t.columns {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"{}\">{}</th>",
            align_class(*a),
            escape(name)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            let a = t.columns.get(c).map_or(Align::Left, |x| x.1);
            let text = escape(&cell.text);
            if cell.bold {
                let _ = write!(
                    out,
                    "<td class=\"{}\"><strong>{text}</strong></td>",
                    align_class(a)
                );
            } else {
                let _ = write!(out, "<td class=\"{}\">{text}</td>", align_class(a));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if !t.notes.is_empty() {
        out.push_str("<div class=\"notes\">");
        for n in &t.notes {
            let _ = write!(out, "<p>{}</p>", escape(n));
        }
        out.push_str("</div>\n");
    }
    if let Some(tex) = latex {
        copy_latex(out, ids, "Show LaTeX", tex);
    }
    out.push_str("</div>\n");
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    out.push_str("<figure>\n");
    match crate::svg::check(svg) {
        Ok(()) => {
            out.push_str(svg.trim());
            out.push('\n');
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "<img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">",
                escape(caption),
                base64(svg.as_bytes())
            );
            let _ = writeln!(
                out,
                "<p class=\"warn\">Shown as an image, not inlined: {}</p>",
                escape(&why)
            );
        }
    }
    let _ = writeln!(
        out,
        "<figcaption>{}</figcaption>\n</figure>",
        escape(caption)
    );
}

/// Renders one block (and, for a fold, the blocks inside it).
fn block(out: &mut String, ids: &mut Ids, b: &Block) {
    match b {
        Block::Table { table: t, latex } => table(out, ids, t, latex.as_deref()),
        Block::Figure { svg, caption } => figure(out, svg, caption),
        Block::Paragraph(p) => {
            let _ = writeln!(out, "<p>{}</p>", escape(p));
        }
        Block::Pre { summary, text } => {
            let _ = writeln!(
                out,
                "<details class=\"block\"><summary>{}</summary><pre>{}</pre></details>",
                escape(summary),
                escape(text)
            );
        }
        Block::Details { summary, blocks } => {
            let _ = writeln!(
                out,
                "<details class=\"block\"><summary>{}</summary>",
                escape(summary)
            );
            for b in blocks {
                block(out, ids, b);
            }
            out.push_str("</details>\n");
        }
        Block::Latex { title, tex } => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(title));
            copy_latex(out, ids, "Show LaTeX", tex);
        }
    }
}

impl Page {
    /// The complete HTML document. Deterministic: the same page gives the
    /// same bytes (no dates, no random ids).
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"wildstat {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n",
            csp_hash(JS),
            csp_hash(CSS),
            env!("CARGO_PKG_VERSION"),
            escape(&self.title)
        );
        out.push_str("<body>\n<main>\n<header>\n");
        let _ = writeln!(out, "<h1>{}</h1>", escape(&self.title));
        for line in &self.subtitle {
            let _ = writeln!(out, "<p>{}</p>", escape(line));
        }
        out.push_str("<nav><ul>");
        for (i, s) in self.sections.iter().enumerate() {
            let _ = write!(
                out,
                "<li><a href=\"#s{}\">{}</a></li>",
                i + 1,
                escape(&s.title)
            );
        }
        out.push_str("</ul></nav>\n</header>\n");
        let mut ids = Ids::default();
        for (i, s) in self.sections.iter().enumerate() {
            let _ = writeln!(
                out,
                "<section id=\"s{}\">\n<h2>{}</h2>",
                i + 1,
                escape(&s.title)
            );
            for b in &s.blocks {
                block(&mut out, &mut ids, b);
            }
            out.push_str("</section>\n");
        }
        let _ = writeln!(
            out,
            "<footer>Written by wildstat {}. Click a column header to sort; \
             \"Copy LaTeX\" copies a table's LaTeX (booktabs).</footer>",
            env!("CARGO_PKG_VERSION")
        );
        let _ = write!(out, "</main>\n<script>{JS}</script>\n</body>\n</html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile_page(svg: &str) -> String {
        let evil = "<script>alert(1)</script>";
        let t = DataTable {
            title: format!("t {evil}"),
            columns: vec![(evil.into(), Align::Left), ("n".into(), Align::Right)],
            rows: vec![vec![
                Cell {
                    text: "<img src=x onerror=alert(1)>".into(),
                    bold: false,
                },
                Cell {
                    text: "\"'&".into(),
                    bold: true,
                },
            ]],
            notes: vec![evil.into()],
            source: format!("\"><{evil}"),
            wrap: false,
        };
        Page {
            title: evil.into(),
            subtitle: vec![evil.into()],
            sections: vec![Section {
                title: evil.into(),
                blocks: vec![
                    Block::Table {
                        table: t,
                        latex: Some(format!("\\caption{{{evil}}}</pre></details>")),
                    },
                    Block::Figure {
                        svg: svg.into(),
                        caption: evil.into(),
                    },
                    Block::Paragraph(evil.into()),
                    Block::Pre {
                        summary: evil.into(),
                        text: evil.into(),
                    },
                ],
            }],
        }
        .to_html()
    }

    /// Everything outside the page's own script: no data may add a tag.
    fn markup_outside_script(html: &str) -> &str {
        &html[..html.rfind("<script>").unwrap()]
    }

    #[test]
    fn data_never_becomes_markup() {
        let html = hostile_page(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(2)</script></svg>",
        );
        let m = markup_outside_script(&html);
        assert!(!m.contains("<script"), "{m}");
        assert!(!m.contains("<img src=x"), "{m}");
        assert!(m.contains(
            "\\caption{&lt;script&gt;alert(1)&lt;/script&gt;}&lt;/pre&gt;&lt;/details&gt;</pre>"
        ));
        assert!(m.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(m.contains("<td class=\"r\"><strong>&quot;&#39;&amp;</strong></td>"));
        assert!(m.contains("data-source=\"&quot;&gt;&lt;&lt;script&gt;"));
        // The bad SVG went in as a base64 image, with the reason shown.
        assert!(m.contains("<img alt=\"&lt;script&gt;"));
        assert!(m.contains("element &lt;script&gt; is not allowed"));
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn checked_svg_is_inlined_and_csp_hashes_match() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"><text x=\"1\" y=\"1\">&lt;b&gt;</text></svg>";
        let html = hostile_page(svg);
        assert!(html.contains(&format!("<figure>\n{svg}\n<figcaption>")));
        let js = &html[html.rfind("<script>").unwrap() + 8..html.rfind("</script>").unwrap()];
        assert_eq!(js, JS);
        assert!(html.contains(&csp_hash(js)));
        assert!(html.contains(&csp_hash(CSS)));
        assert_eq!(hostile_page(svg), html, "deterministic");
    }
}
