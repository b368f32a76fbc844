//! Prints, for each word read from stdin (one per line), the METEOR synonym
//! set `WordNet::synonyms(word)` as one tab-separated line (sorted).
//!
//! ```text
//! cargo run -p wildstat-metrics --release --example meteor_synonyms [--wordnet DIR] < words.txt
//! ```

use std::io::{BufRead, Write};

use wildstat_metrics::wordnet::WordNet;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let owned;
    let wn = match args.iter().position(|a| a == "--wordnet") {
        Some(i) => {
            let dir = args.get(i + 1).expect("--wordnet needs a directory");
            owned = WordNet::from_wndb_dir(dir).unwrap_or_else(|e| panic!("{e}"));
            &owned
        }
        None => WordNet::embedded(),
    };
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for line in std::io::stdin().lock().lines() {
        let word = line.expect("stdin");
        writeln!(out, "{}", wn.synonyms(&word).join("\t")).expect("stdout");
    }
    out.flush().expect("stdout");
}
