//! Throughput of response preparation (rouge tokens, Porter stems, METEOR
//! stem groups and synonym sets). Reads JSON lines `{"text": ...}` on stdin
//! (other fields ignored; e.g. every first response of a corpus), builds one
//! fresh [`Preparer`] (caches empty, as at the start of a run), prepares
//! every text once, and prints responses/s and tokens/s (rouge tokens and
//! `str.split()` words) in wall time and in CPU time of the process (the
//! machine may be shared). `THREADS` is a comma-separated list of thread
//! counts (default `1,2`), each run with a fresh preparer. `PASSES=n`
//! prepares the whole input n times with the same preparer (the later
//! passes run with warm caches) and reports each pass.
//!
//! The printed digest is a hash of every output bit of the pairs (text i,
//! text i + 1) for all i, in both orientations, scored from the prepared
//! texts: two builds agree on it only if their preparations score alike; it
//! must be the same for every thread count.
//!
//! ```text
//! python3 - ../shared/corpora/alpaca-eval > /tmp/texts.jsonl <<'EOF'   # with pyarrow
//! import json, sys
//! sys.path.insert(0, "scripts/lib")
//! from transcripts import first_turns
//! r = first_turns(sys.argv[1])
//! for k in sorted(r):
//!     print(json.dumps({"text": r[k]}))
//! EOF
//! THREADS=1,2 cargo run --release -p wildstat-metrics --example bench_prepare < /tmp/texts.jsonl
//! ```

use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use wildstat_metrics::{score, Prepared, Preparer, Scores, Scratch};

#[path = "../tests/support/json.rs"]
mod json;

fn main() {
    let threads: Vec<usize> = std::env::var("THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .map(|t| t.trim().parse().expect("THREADS: comma-separated counts"))
        .collect();
    let passes: usize = std::env::var("PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut texts = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("UTF-8");
        if !line.is_empty() {
            texts.push(json::parse(&line).get("text").str().to_string());
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();

    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    println!("texts={} bytes={bytes} words~{words}", texts.len());
    let mut digests = Vec::new();
    for &threads in &threads {
        let t0 = Instant::now();
        let preparer = Preparer::new();
        println!(
            "threads={threads} context {:.3}s",
            t0.elapsed().as_secs_f64()
        );
        let mut prepared = Vec::new();
        for pass in 1..=passes {
            drop(std::mem::take(&mut prepared));
            let (t0, c0) = (Instant::now(), cpu_seconds());
            prepared = prepare_all(&preparer, &texts, threads);
            let (s, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            let tokens: usize = prepared.iter().map(Prepared::len).sum();
            let words: usize = prepared
                .iter()
                .map(|p| p.meteor().map_or(0, |m| m.len()))
                .sum();
            println!(
                "threads={threads} pass {pass}: {s:.3}s wall {cpu:.2}s cpu  {:.0} responses/s ({:.0}/cpu-s)  {:.2}M rouge tokens/s ({:.2}M/cpu-s)  {:.2}M words/s",
                texts.len() as f64 / s,
                texts.len() as f64 / cpu,
                tokens as f64 / s / 1e6,
                tokens as f64 / cpu / 1e6,
                words as f64 / s / 1e6,
            );
        }
        let digest = digest_of(&prepared);
        println!(
            "threads={threads} distinct_raw={} distinct_stems={} cache_bytes={} digest {digest:016x}",
            preparer.distinct_raw_tokens(),
            preparer.distinct_tokens(),
            preparer.cache_bytes(),
        );
        digests.push(digest);
    }
    assert!(
        digests.windows(2).all(|w| w[0] == w[1]),
        "digests differ across thread counts"
    );
}

/// Hash of the scores of every pair (i, i + 1), both orientations.
fn digest_of(prepared: &[Prepared]) -> u64 {
    let mut scratch = Scratch::new();
    let mut digest = 0u64;
    for (i, w) in prepared.windows(2).enumerate() {
        for (a, b, sc) in [
            (i, i + 1, score(&w[0], &w[1], &mut scratch)),
            (i + 1, i, score(&w[1], &w[0], &mut scratch)),
        ] {
            digest = digest.wrapping_add(pair_digest(a, b, &sc));
        }
    }
    digest
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`,
/// in clock ticks of 1/100 s); 0 where unavailable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are
    // fields 14 and 15 of the whole line.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

/// Prepares every text on `threads` threads pulling indices from a counter.
fn prepare_all(preparer: &Preparer, texts: &[String], threads: usize) -> Vec<Prepared> {
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
                        out.push((i, prepare_one(preparer, &texts[i])));
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
    prepared.into_iter().map(Option::unwrap).collect()
}

/// One preparation, out of line so that profilers can single it out
/// (`valgrind --tool=callgrind --toggle-collect='*prepare_one*'`).
#[inline(never)]
fn prepare_one(preparer: &Preparer, text: &str) -> Prepared {
    preparer.prepare(text)
}

/// Hash of one pair's indices and all ten output bit patterns.
fn pair_digest(a: usize, b: usize, sc: &Scores) -> u64 {
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
