//! Scan throughput: GSM8K-shaped synthetic questions, MT-Bench, Arena-Hard
//! (v0.1 and v2.0) and AlpacaEval instructions as the benchmarks; every
//! AlpacaEval output in ../shared/corpora/alpaca-eval-json as the corpus,
//! repeated until it is at least MIN_MB (default 200) of text; prints MB/s.
//!
//! usage: cargo run --release -p wildstat-contamination --example scan_bench [SHARED_CORPORA] [MIN_MB]

use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/cpu.rs"]
mod cpu;

use cpu::cpu_seconds;
use rayon::prelude::*;
use serde::Deserialize;
use wildstat_contamination::{load_benchmark, Index, Item, DEFAULT_N};

#[derive(Deserialize)]
struct Output {
    output: Option<String>,
}

/// 1,319 (the GSM8K test split's size) templated word problems.
fn gsm8k_like() -> Vec<Item> {
    let names = [
        "Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Ken", "Alexis",
    ];
    let things = [
        "clips", "apples", "pages", "cupcakes", "marbles", "stamps", "books", "eggs",
    ];
    (0..1319)
        .map(|i| {
            let (a, b, c) = (3 + i % 17, 2 + i % 11, 5 + i % 23);
            let (who, what) = (names[i % 8], things[(i / 8) % 8]);
            Item {
                benchmark: "gsm8k-synthetic".into(),
                id: i.to_string(),
                text: format!(
                    "{who} sold {what} to {a} of her friends in April, and then she sold {b} times as many \
                     {what} in May. Each of the {what} costs ${c}. How many {what} did {who} sell altogether \
                     in April and May, and how much money did she make?"
                ),
            }
        })
        .collect()
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = args.first().map(PathBuf::from).unwrap_or_else(|| {
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpora"
        ))
        .to_path_buf()
    });
    let min_mb: f64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(200.0);
    let alpaca = root.join("alpaca-eval-json");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&alpaca)
        .map_err(|e| format!("{}: {e}", alpaca.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut items = gsm8k_like();
    let none: &[String] = &[];
    for (name, rel) in [
        ("mt-bench", "mt-bench/question.jsonl"),
        ("arena-hard", "arena-hard/question.jsonl"),
        ("arena-hard-v2", "arena-hard/v2.0/question.jsonl"),
    ] {
        items.extend(load_benchmark(&root.join(rel), Some(name), none, false)?);
    }
    items.extend(load_benchmark(&files[0], Some("alpaca-eval"), none, false)?);
    let t0 = Instant::now();
    let index = Index::new(items, DEFAULT_N);
    let index_s = t0.elapsed().as_secs_f64();
    let mut texts = Vec::new();
    for f in &files {
        let raw = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let outs: Vec<Output> =
            serde_json::from_str(&raw).map_err(|e| format!("{}: {e}", f.display()))?;
        texts.extend(outs.into_iter().filter_map(|o| o.output));
    }
    let once: usize = texts.iter().map(String::len).sum();
    let copies = ((min_mb * 1e6) / once as f64).ceil().max(1.0) as usize;
    println!(
        "benchmarks: {} items ({} too short), index built in {:.3} s",
        index.items().len(),
        index.too_short(),
        index_s
    );
    println!(
        "corpus: {} texts, {:.1} MB, x{copies} = {:.1} MB; {} threads",
        texts.len(),
        once as f64 / 1e6,
        (once * copies) as f64 / 1e6,
        rayon::current_num_threads()
    );
    let (t1, c1) = (Instant::now(), cpu_seconds());
    let mut pairs = 0;
    for _ in 0..copies {
        pairs += texts.par_iter().map(|t| index.scan(t).len()).sum::<usize>();
    }
    let (s, cpu) = (t1.elapsed().as_secs_f64(), cpu_seconds() - c1);
    let mb = (once * copies) as f64 / 1e6;
    println!(
        "scanned {mb:.1} MB in {s:.2} s wall, {cpu:.2} s CPU: {:.0} MB/s wall, {:.0} MB per CPU-second; \
         {} (text, item) pairs per copy",
        mb / s,
        mb / cpu,
        pairs / copies
    );
    Ok(())
}
