//! Throughput of the similarity hot path. Reads JSON lines
//! `{"group": ..., "text": ...}` on stdin (e.g. one line per first response,
//! group = conversation_hash), prepares every text once on `THREADS`
//! threads (default: available parallelism), then scores every ordered pair
//! of distinct texts within each group, and prints timings and a checksum.
//!
//! `METEOR=0` in the environment benchmarks ROUGE alone; `METEOR=only`
//! scores METEOR alone (ROUGE fields zero). The printed
//! digest is an order-independent hash of every output bit of every pair
//! (each pair's ten f64 bit patterns, keyed by the pair's text indices), so
//! two builds agree on it only if they agree on all scores.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use wildstat_metrics::meteor::{self, MeteorScratch};
use wildstat_metrics::{score, Prepared, Preparer, Scores, Scratch, StemmerChoice};

#[path = "../tests/support/json.rs"]
mod json;

fn main() {
    let threads: usize = std::env::var("THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let with_meteor = std::env::var("METEOR").map_or(true, |v| v != "0");
    let meteor_only = std::env::var("METEOR").is_ok_and(|v| v == "only");
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
    let (pairs, checksum, digest) = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut scratch = Scratch::new();
                    let mut meteor_scratch = MeteorScratch::new();
                    let (mut n, mut sum, mut dig) = (0usize, 0f64, 0u64);
                    loop {
                        let g = next.fetch_add(1, Ordering::Relaxed);
                        let Some(members) = groups.get(g) else {
                            return (n, sum, dig);
                        };
                        for &a in members {
                            for &b in members {
                                if a != b {
                                    let sc = if meteor_only {
                                        let (h, r) = (&prepared[a], &prepared[b]);
                                        Scores {
                                            meteor: meteor::score(
                                                h.meteor().expect("METEOR"),
                                                r.meteor().expect("METEOR"),
                                                &mut meteor_scratch,
                                            ),
                                            ..Scores::default()
                                        }
                                    } else {
                                        score(&prepared[a], &prepared[b], &mut scratch)
                                    };
                                    sum += sc.rouge1.fmeasure
                                        + sc.rouge2.fmeasure
                                        + sc.rouge_l.fmeasure;
                                    if with_meteor {
                                        sum += sc.meteor;
                                    }
                                    dig = dig.wrapping_add(pair_digest(a, b, &sc));
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
            .fold((0, 0.0, 0u64), |(n, s, d), (a, b, c)| {
                (n + a, s + b, d.wrapping_add(c))
            })
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
        "context {:.3}s  prepare {:.3}s  score {pairs} pairs {:.3}s ({:.2} us/pair)  checksum {checksum:.6}  digest {digest:016x}",
        t_ctx.as_secs_f64(),
        t_prep.as_secs_f64(),
        t_score.as_secs_f64(),
        t_score.as_secs_f64() * 1e6 / pairs.max(1) as f64
    );
}

/// Hash of one pair's indices and all ten output bit patterns.
fn pair_digest(a: usize, b: usize, sc: &wildstat_metrics::Scores) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut mix = |x: u64| {
        h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    };
    mix(((a as u64) << 32) | b as u64);
    for p in [sc.rouge1, sc.rouge2, sc.rouge_l] {
        mix(p.precision.to_bits());
        mix(p.recall.to_bits());
        mix(p.fmeasure.to_bits());
    }
    mix(sc.meteor.to_bits());
    h
}
