//! Reads back the GitHub pipe tables that `wildstat_stats::Table::to_markdown`
//! writes (`**title**`, header, rule, rows, notes), undoing its backslash
//! escapes, so the report shows exactly the displayed values of `table.md`.

use crate::page::{Align, Cell, DataTable};

/// One character of a Markdown line and whether it was backslash-escaped.
type Ch = (char, bool);

/// Splits a line into characters, folding `\X` (X ASCII punctuation, as
/// CommonMark allows) into an escaped X.
fn lex(s: &str) -> Vec<Ch> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(&n) = it.peek() {
                if n.is_ascii_punctuation() {
                    it.next();
                    out.push((n, true));
                    continue;
                }
            }
        }
        out.push((c, false));
    }
    out
}

fn text(chs: &[Ch]) -> String {
    chs.iter()
        .map(|&(c, _)| c)
        .collect::<String>()
        .trim()
        .to_string()
}

fn trim(mut chs: &[Ch]) -> &[Ch] {
    while let [(c, false), rest @ ..] = chs {
        if !c.is_whitespace() {
            break;
        }
        chs = rest;
    }
    while let [rest @ .., (c, false)] = chs {
        if !c.is_whitespace() {
            break;
        }
        chs = rest;
    }
    chs
}

/// `**x**` (unescaped stars) -> `Some(x)`.
fn strip_bold(chs: &[Ch]) -> Option<&[Ch]> {
    match chs {
        [('*', false), ('*', false), inner @ .., ('*', false), ('*', false)] => Some(inner),
        _ => None,
    }
}

/// The cells of a `| a | b |` row, split on unescaped pipes.
fn row_cells(chs: &[Ch]) -> Vec<&[Ch]> {
    let chs = trim(chs);
    let chs = match chs {
        [('|', false), rest @ ..] => rest,
        _ => chs,
    };
    let mut out: Vec<&[Ch]> = chs.split(|&(c, esc)| c == '|' && !esc).collect();
    if out.last().is_some_and(|c| trim(c).is_empty()) {
        out.pop();
    }
    out.into_iter().map(trim).collect()
}

fn is_table_line(chs: &[Ch]) -> bool {
    matches!(trim(chs).first(), Some(('|', false)))
}

/// The alignments of a rule row such as `| :--- | ---: |`, or `None` when
/// the line is not a rule.
fn rule(chs: &[Ch]) -> Option<Vec<Align>> {
    if !is_table_line(chs) {
        return None;
    }
    row_cells(chs)
        .into_iter()
        .map(|c| {
            let s = text(c);
            let core = s.trim_start_matches(':').trim_end_matches(':');
            if core.is_empty() || !core.chars().all(|x| x == '-') || c.iter().any(|x| x.1) {
                return None;
            }
            Some(match (s.starts_with(':'), s.ends_with(':')) {
                (true, true) => Align::Center,
                (false, true) => Align::Right,
                _ => Align::Left,
            })
        })
        .collect()
}

/// Every pipe table in `md`, with the bold line above it as its title and
/// the lines after it (up to a blank line) as its notes. `source` names the
/// file in each table's [`DataTable::source`]. Text outside tables is
/// ignored.
pub fn parse_tables(md: &str, source: &str) -> Vec<DataTable> {
    let lines: Vec<Vec<Ch>> = md.lines().map(lex).collect();
    let mut tables = Vec::new();
    let mut title = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let aligns = lines.get(i + 1).and_then(|l| rule(l));
        if let (true, Some(aligns)) = (is_table_line(line), aligns) {
            let header = row_cells(line);
            let n = aligns.len().max(header.len());
            let mut t = DataTable {
                title: std::mem::take(&mut title),
                columns: (0..n)
                    .map(|c| {
                        (
                            header.get(c).map(|h| text(h)).unwrap_or_default(),
                            aligns.get(c).copied().unwrap_or(Align::Left),
                        )
                    })
                    .collect(),
                rows: Vec::new(),
                notes: Vec::new(),
                source: format!("{source}#{}", tables.len() + 1),
                wrap: false,
            };
            i += 2;
            while i < lines.len() && is_table_line(&lines[i]) {
                let mut row: Vec<Cell> = row_cells(&lines[i])
                    .into_iter()
                    .map(|c| match strip_bold(c) {
                        Some(inner) => Cell {
                            text: text(inner),
                            bold: true,
                        },
                        None => Cell {
                            text: text(c),
                            bold: false,
                        },
                    })
                    .collect();
                row.resize(n, Cell::default());
                t.rows.push(row);
                i += 1;
            }
            // Notes: the paragraph right after the table (one blank line).
            let mut j = i;
            while j < lines.len() && trim(&lines[j]).is_empty() {
                j += 1;
            }
            if j == i + 1 {
                while j < lines.len()
                    && !trim(&lines[j]).is_empty()
                    && !is_table_line(&lines[j])
                    && strip_bold(trim(&lines[j])).is_none()
                {
                    t.notes.push(text(&lines[j]));
                    j += 1;
                }
                i = j;
            }
            tables.push(t);
            continue;
        }
        let t = trim(line);
        if let Some(inner) = strip_bold(t) {
            title = text(inner);
        } else if !t.is_empty() {
            title.clear();
        }
        i += 1;
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_alignment_bold_escapes_and_notes() {
        let md = "**PF(A\\|\\|B) \\<b\\>**\n\n\
                  | Model | n ↑ | x |\n\
                  | :---- | --: | :-: |\n\
                  | \\<script\\>alert(1)\\</script\\> | **12** | a\\|b |\n\
                  | back\\\\ | 3 | \\*\\*x\\*\\* |\n\
                  \n\
                  note \\_one\\_  \n\
                  note two  \n\
                  \n\
                  **Second**\n\n\
                  | a |\n| --- |\n| 1 |\n";
        let ts = parse_tables(md, "t.md");
        assert_eq!(ts.len(), 2);
        let t = &ts[0];
        assert_eq!(t.title, "PF(A||B) <b>");
        assert_eq!(t.source, "t.md#1");
        assert_eq!(
            t.columns,
            vec![
                ("Model".to_string(), Align::Left),
                ("n ↑".to_string(), Align::Right),
                ("x".to_string(), Align::Center)
            ]
        );
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0][0].text, "<script>alert(1)</script>");
        assert!(!t.rows[0][0].bold);
        assert_eq!(t.rows[0][1].text, "12");
        assert!(t.rows[0][1].bold);
        assert_eq!(t.rows[0][2].text, "a|b");
        assert_eq!(t.rows[1][0].text, "back\\");
        assert_eq!(t.rows[1][2].text, "**x**");
        assert!(!t.rows[1][2].bold);
        assert_eq!(t.notes, vec!["note _one_", "note two"]);
        assert_eq!(ts[1].title, "Second");
        assert_eq!(ts[1].rows.len(), 1);
        assert!(ts[1].notes.is_empty());
    }

    #[test]
    fn ignores_pipes_without_a_rule_and_short_rows_are_padded() {
        let ts = parse_tables("| not | a table |\n\n| a | b |\n|---|---|\n| 1 |\n", "x");
        assert_eq!(ts.len(), 1);
        assert_eq!(ts[0].title, "");
        assert_eq!(ts[0].rows[0].len(), 2);
        assert_eq!(ts[0].rows[0][1].text, "");
    }
}
