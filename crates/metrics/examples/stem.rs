//! Reads words from stdin, one per `\n`-terminated line (no other splitting,
//! so any character but `\n` may appear in a word), and writes
//! `wildstat_metrics::porter::stem(word)` for each, one per line.
//! Used by `scripts/parity/porter_parity.py`.

use std::io::{BufWriter, Read, Write};

fn main() {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .expect("stdin is UTF-8");
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let body = input.strip_suffix('\n').unwrap_or(&input);
    if input.is_empty() {
        return;
    }
    for word in body.split('\n') {
        out.write_all(wildstat_metrics::porter::stem(word).as_bytes())
            .expect("write");
        out.write_all(b"\n").expect("write");
    }
}
