//! Scans JSONL texts against benchmark files and prints the hits as JSONL
//! (used by scripts/parity/contamination_parity.py).
//!
//! usage: scan_jsonl [--n N] [--field F]... [--with-answers] TEXTS.jsonl [NAME=]BENCH...
//!        scan_jsonl --tokens TEXTS.jsonl
//!
//! TEXTS.jsonl has one `{"text": ...}` per line. Each hit prints
//! `{"text": LINE_INDEX, "benchmark", "id", "shared_ngrams", "coverage", "longest", "excerpt"}`
//! in (text, item) order; stderr gets one JSON line of counts and timings
//! (scan wall and CPU seconds exclude reading and parsing the texts).
//! `--tokens` instead prints each text's normalized tokens joined with one
//! space, as a JSON string per line.

use std::path::Path;
use std::time::Instant;

#[path = "support/cpu.rs"]
mod cpu;

use cpu::cpu_seconds;
use rayon::prelude::*;
use serde::Deserialize;
use wildstat_contamination::{load_benchmark, normalize, Index, DEFAULT_N};

#[derive(Deserialize)]
struct Text {
    text: String,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The `text` of each line of a JSONL file.
fn read_texts(path: &str) -> Result<Vec<String>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    raw.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str::<Text>(l)
                .map(|t| t.text)
                .map_err(|e| format!("{path} line {}: {e}", i + 1))
        })
        .collect()
}

fn run() -> Result<(), String> {
    let mut n = DEFAULT_N;
    let mut fields = Vec::new();
    let mut with_answers = false;
    let mut tokens_only = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--n" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&v| v > 0)
                    .ok_or("--n needs a positive integer")?
            }
            "--field" => fields.push(args.next().ok_or("--field needs a name")?),
            "--with-answers" => with_answers = true,
            "--tokens" => tokens_only = true,
            _ => paths.push(a),
        }
    }
    if tokens_only {
        let texts = read_texts(paths.first().ok_or("--tokens needs TEXTS.jsonl")?)?;
        let mut out = String::new();
        for t in &texts {
            out.push_str(&serde_json::Value::from(normalize(t).join(" ")).to_string());
            out.push('\n');
        }
        print!("{out}");
        return Ok(());
    }
    if paths.len() < 2 {
        return Err(
            "usage: scan_jsonl [--n N] [--field F]... [--with-answers] TEXTS.jsonl [NAME=]BENCH..."
                .into(),
        );
    }
    let t0 = Instant::now();
    let mut items = Vec::new();
    for b in &paths[1..] {
        let (name, path) = match b.split_once('=') {
            Some((name, path)) => (Some(name), path),
            None => (None, b.as_str()),
        };
        items.extend(load_benchmark(
            Path::new(path),
            name,
            &fields,
            with_answers,
        )?);
    }
    let index = Index::new(items, n);
    let index_s = t0.elapsed().as_secs_f64();
    let texts = read_texts(&paths[0])?;
    let bytes: usize = texts.iter().map(String::len).sum();
    let (t1, c1) = (Instant::now(), cpu_seconds());
    let hits: Vec<_> = texts.par_iter().map(|t| index.scan(t)).collect();
    let (scan_s, scan_cpu) = (t1.elapsed().as_secs_f64(), cpu_seconds() - c1);
    let mut out = String::new();
    let mut pairs = 0;
    for (t, hs) in hits.iter().enumerate() {
        for h in hs {
            let it = &index.items()[h.item];
            let line = serde_json::json!({
                "text": t, "benchmark": it.benchmark, "id": it.id, "shared_ngrams": h.shared_ngrams,
                "coverage": h.coverage, "longest": h.longest, "excerpt": h.excerpt,
            });
            out.push_str(&line.to_string());
            out.push('\n');
            pairs += 1;
        }
    }
    print!("{out}");
    let summary = serde_json::json!({
        "texts": texts.len(), "bytes": bytes, "items": index.items().len(), "too_short": index.too_short(),
        "pairs": pairs, "index_seconds": index_s, "scan_seconds": scan_s,
        "scan_cpu_seconds": scan_cpu, "threads": rayon::current_num_threads(),
        "mb_per_s": bytes as f64 / 1e6 / scan_s,
    });
    eprintln!("{summary}");
    Ok(())
}
