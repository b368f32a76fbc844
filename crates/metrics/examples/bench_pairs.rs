//! Throughput of the similarity hot path. Reads JSON lines
//! `{"group": ..., "text": ...}` on stdin (e.g. one line per first response,
//! group = conversation_hash), prepares every text once on `THREADS`
//! threads (default: available parallelism), then scores every ordered pair
//! of distinct texts within each group, and prints timings and a checksum.
//!
//! `METEOR=0` in the environment benchmarks ROUGE alone.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use wildstat_metrics::{score, Prepared, Preparer, Scratch, StemmerChoice};

#[path = "../tests/support/json.rs"]
mod json;

fn main() {
    let threads: usize = std::env::var("THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let with_meteor = std::env::var("METEOR").map_or(true, |v| v != "0");
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut texts = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("UTF-8");
        if line.is_empty() {
            continue;
        }
        let j = json::parse(&line);
        groups
            .entry(j.get("group").str().to_string())
            .or_default()
            .push(texts.len());
        texts.push(j.get("text").str().to_string());
    }

    let t0 = Instant::now();
    let preparer = if with_meteor {
        Preparer::new()
    } else {
        Preparer::rouge_only(StemmerChoice::Porter)
    };
    let t_ctx = t0.elapsed();

    let t0 = Instant::now();
    let next = AtomicUsize::new(0);
    let mut prepared: Vec<Option<Prepared>> = vec![None; texts.len()];
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= texts.len() {
                            return out;
                        }
                        out.push((i, preparer.prepare(&texts[i])));
                    }
                })
            })
            .collect();
        for h in hs {
            for (i, p) in h.join().expect("thread") {
                prepared[i] = Some(p);
            }
        }
    });
    let prepared: Vec<Prepared> = prepared.into_iter().map(Option::unwrap).collect();
    let t_prep = t0.elapsed();

    let t0 = Instant::now();
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let next = AtomicUsize::new(0);
    let (pairs, checksum) = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut scratch = Scratch::new();
                    let (mut n, mut sum) = (0usize, 0f64);
                    loop {
                        let g = next.fetch_add(1, Ordering::Relaxed);
                        let Some(members) = groups.get(g) else {
                            return (n, sum);
                        };
                        for &a in members {
                            for &b in members {
                                if a != b {
                                    let sc = score(&prepared[a], &prepared[b], &mut scratch);
                                    sum += sc.rouge1.fmeasure
                                        + sc.rouge2.fmeasure
                                        + sc.rouge_l.fmeasure;
                                    if with_meteor {
                                        sum += sc.meteor;
                                    }
                                    n += 1;
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("thread"))
            .fold((0, 0.0), |(n, s), (a, b)| (n + a, s + b))
    });
    let t_score = t0.elapsed();
    let tokens: usize = prepared.iter().map(Prepared::len).sum();
    println!(
        "threads={threads} meteor={with_meteor} texts={} rouge_tokens={tokens} distinct_raw={} distinct_stems={}",
        texts.len(),
        preparer.distinct_raw_tokens(),
        preparer.distinct_tokens()
    );
    println!(
        "context {:.3}s  prepare {:.3}s  score {pairs} pairs {:.3}s ({:.2} us/pair)  checksum {checksum:.6}",
        t_ctx.as_secs_f64(),
        t_prep.as_secs_f64(),
        t_score.as_secs_f64(),
        t_score.as_secs_f64() * 1e6 / pairs.max(1) as f64
    );
}
