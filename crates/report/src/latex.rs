//! Splits a stage's `table.tex` into its `table` floats, so each table on
//! the page gets a "Copy LaTeX" button with exactly its own LaTeX.

/// The `\begin{table}…\end{table}` blocks of `tex` in order (each with a
/// trailing newline); the whole text as one block when it has none.
pub fn split_tables(tex: &str) -> Vec<String> {
    const BEGIN: &str = "\\begin{table}";
    const END: &str = "\\end{table}";
    let mut out = Vec::new();
    let mut rest = tex;
    while let Some(b) = rest.find(BEGIN) {
        let Some(e) = rest[b..].find(END) else { break };
        let end = b + e + END.len();
        out.push(format!("{}\n", &rest[b..end]));
        rest = &rest[end..];
    }
    if out.is_empty() && !tex.trim().is_empty() {
        out.push(tex.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_floats_and_keeps_loose_text_whole() {
        let tex = "\\begin{table}[t]\na & b\n\\end{table}\n\n\\begin{table}[t]\nc\n\\end{table}\n";
        assert_eq!(
            split_tables(tex),
            vec![
                "\\begin{table}[t]\na & b\n\\end{table}\n",
                "\\begin{table}[t]\nc\n\\end{table}\n"
            ]
        );
        assert_eq!(
            split_tables("\\begin{tabular}{l}\nx\n"),
            vec!["\\begin{tabular}{l}\nx\n"]
        );
        assert!(split_tables("  \n").is_empty());
    }
}
