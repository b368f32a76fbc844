//! Reads JSON lines `{"text": ...}` on stdin and writes, per line, the
//! rouge-score tokens of the text (Porter-stemmed, space-separated) as
//! wildstat's tokenizer produces them. Used by
//! `scripts/parity/rouge_parity.py` to check tokenization of every text.

use std::io::{BufRead, BufWriter, Write};

use wildstat_metrics::tokenize::{tokenize, TokenStemmer};
use wildstat_metrics::StemmerChoice;

#[path = "../tests/support/json.rs"]
mod json;

fn main() {
    let stemmer = TokenStemmer::new(StemmerChoice::Porter);
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is UTF-8");
        if line.is_empty() {
            continue;
        }
        let text = json::parse(&line);
        let toks = tokenize(text.get("text").str(), &stemmer);
        writeln!(out, "{}", toks.join(" ")).expect("write");
    }
}
