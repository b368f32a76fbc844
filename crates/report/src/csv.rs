//! A small RFC 4180 reader for the CSV outputs that have no Markdown form
//! (e.g. `code_languages.csv`), turned into a [`DataTable`].

use crate::page::{Align, Cell, DataTable};

/// The records of `text`: fields split on commas, `"…"` quoting with `""`
/// for a quote, CRLF or LF line ends. An unterminated quote is an error.
pub fn records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut it = text.chars().peekable();
    let mut line = 1usize;
    let mut quote_line = 0usize;
    while let Some(c) = it.next() {
        if quoted {
            match c {
                '"' if it.peek() == Some(&'"') => {
                    it.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_line = line;
            }
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' if it.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                rec.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut rec));
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {quote_line}: unterminated quoted field"));
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push(rec);
    }
    Ok(out)
}

/// Whether a cell reads as a number (for right alignment).
fn numeric(s: &str) -> bool {
    s.parse::<f64>().is_ok() || matches!(s, "inf" | "-inf")
}

/// A table from CSV text: the first record is the header; columns whose
/// non-empty cells are all numbers are right-aligned.
pub fn parse_table(text: &str, title: &str, source: &str) -> Result<DataTable, String> {
    let mut recs = records(text)?.into_iter();
    let header = recs.next().unwrap_or_default();
    let n = header.len();
    let rows: Vec<Vec<Cell>> = recs
        .map(|mut r| {
            r.resize(n, String::new());
            r.into_iter()
                .take(n)
                .map(|text| Cell { text, bold: false })
                .collect()
        })
        .collect();
    let columns = header
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let mut vals = rows
                .iter()
                .map(|r| r[c].text.as_str())
                .filter(|s| !s.is_empty());
            let right = vals.clone().next().is_some() && vals.all(numeric);
            (name, if right { Align::Right } else { Align::Left })
        })
        .collect();
    Ok(DataTable {
        title: title.to_string(),
        columns,
        rows,
        notes: Vec::new(),
        source: source.to_string(),
        wrap: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_newlines_and_alignment() {
        let t = parse_table(
            "model,language,n\r\n\"a,\"\"b\"\"\",py,3\n\"<x>\ny\",,12\n",
            "T",
            "f.csv",
        )
        .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0][0].text, "a,\"b\"");
        assert_eq!(t.rows[1][0].text, "<x>\ny");
        assert_eq!(t.rows[1][1].text, "");
        assert_eq!(t.columns[0].1, Align::Left);
        assert_eq!(t.columns[1].1, Align::Left);
        assert_eq!(t.columns[2].1, Align::Right);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        assert!(records("a,\"b\n").unwrap_err().contains("line 1"));
    }
}
