//! Reads JSON lines `{"target": ..., "prediction": ...}` on stdin and writes,
//! per line, the nine ROUGE numbers of `rouge-score`'s
//! `score(target, prediction)` as computed by wildstat: rouge1 P R F,
//! rouge2 P R F, rougeL P R F, space-separated, each in Rust's shortest
//! round-trip float form (Python's `float()` reads them back exactly).
//! Texts go through `Preparer::prepare` and the pair through
//! `rouge_prepared`, the same path as the similarity stage.
//! Used by `scripts/parity/rouge_parity.py`.

use std::io::{BufRead, BufWriter, Write};

use wildstat_metrics::{rouge_prepared, Preparer, Scratch, StemmerChoice};

#[path = "../tests/support/json.rs"]
mod json;

fn main() {
    let prep = Preparer::rouge_only(StemmerChoice::Porter);
    let mut scratch = Scratch::new();
    let stdin = std::io::stdin();
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin is UTF-8");
        if line.is_empty() {
            continue;
        }
        let j = json::parse(&line);
        let t = prep.prepare(j.get("target").str());
        let p = prep.prepare(j.get("prediction").str());
        let r = rouge_prepared(&t, &p, &mut scratch);
        let mut first = true;
        for prf in &r {
            for x in [prf.precision, prf.recall, prf.fmeasure] {
                if !first {
                    out.write_all(b" ").expect("write");
                }
                first = false;
                write!(out, "{x:?}").expect("write");
            }
        }
        out.write_all(b"\n").expect("write");
    }
}
