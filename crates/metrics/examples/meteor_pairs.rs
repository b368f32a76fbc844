//! Scores METEOR for JSON lines `{"hyp": ..., "ref": ...}` read from stdin,
//! printing one score per line as Rust `{:?}` (shortest round-trip, which
//! parses back to the identical f64). Timing goes to stderr.
//!
//! ```text
//! cargo run -p wildstat-metrics --release --example meteor_pairs [--wordnet DIR] < pairs.jsonl
//! ```

#[path = "../tests/meteor_jsonl.rs"]
mod jsonl;

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Instant;

use wildstat_metrics::meteor::{score, MeteorContext, MeteorScratch};
use wildstat_metrics::wordnet::WordNet;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t_ctx = Instant::now();
    let ctx = match args.iter().position(|a| a == "--wordnet") {
        Some(i) => {
            let dir = args.get(i + 1).expect("--wordnet needs a directory");
            let wn = WordNet::from_wndb_dir(dir).unwrap_or_else(|e| panic!("{e}"));
            MeteorContext::with_wordnet(Arc::new(wn))
        }
        None => MeteorContext::new(),
    };
    let mut pairs = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            continue;
        }
        let o = jsonl::parse_object(&line).unwrap_or_else(|e| panic!("bad line: {e}"));
        let field = |k: &str| {
            jsonl::get(&o, k)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("missing string field {k:?}"))
                .to_string()
        };
        pairs.push((field("hyp"), field("ref")));
    }
    let _ = ctx.prepare("warm up");
    eprintln!(
        "meteor_pairs: context (WordNet parse + name interning) {:.3}s",
        t_ctx.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let mut scratch = MeteorScratch::new();
    let scores: Vec<f64> = pairs
        .iter()
        .map(|(h, r)| score(&ctx.prepare(h), &ctx.prepare(r), &mut scratch))
        .collect();
    let elapsed = t0.elapsed().as_secs_f64();
    // Preparing again with warm caches, then scoring alone (a pipeline
    // prepares each text once and scores it against many others).
    let t_prep = Instant::now();
    let prepared: Vec<_> = pairs
        .iter()
        .map(|(h, r)| (ctx.prepare(h), ctx.prepare(r)))
        .collect();
    let warm_prepare = t_prep.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut check = 0.0;
    for (h, r) in &prepared {
        check += score(h, r, &mut scratch);
    }
    let score_only = t1.elapsed().as_secs_f64();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    for s in &scores {
        writeln!(out, "{s:?}").expect("stdout");
    }
    out.flush().expect("stdout");
    let n = pairs.len() as f64;
    eprintln!(
        "meteor_pairs: {} pairs, prepare+score {:.3}s ({:.0} pairs/s); warm-cache prepare {:.3}s ({:.0} texts/s); score only {:.3}s ({:.0} pairs/s) [checksum {check:.6}]",
        pairs.len(),
        elapsed,
        n / elapsed.max(1e-9),
        warm_prepare,
        2.0 * n / warm_prepare.max(1e-9),
        score_only,
        n / score_only.max(1e-9),
    );
}
