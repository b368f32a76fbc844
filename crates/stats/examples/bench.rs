//! Rough timings of the hot paths (development aid):
//! `cargo run -p wildstat-stats --release --example bench`.
use std::time::Instant;
use wildstat_stats::rng::SplitMix64;
use wildstat_stats::{bootstrap_ci, Moments};

fn main() {
    let mut r = SplitMix64::new(1);
    let v: Vec<f64> = (0..1_000_000).map(|_| r.next_f64()).collect();
    let t = Instant::now();
    let m = Moments::from_slice(&v);
    println!(
        "Moments over 1M values: {:?} (mean {}, std {})",
        t.elapsed(),
        m.mean(),
        m.std_sample()
    );
    let t = Instant::now();
    let ci = bootstrap_ci(&v, 1000, 7);
    println!("bootstrap 1M x 1000: {:?} -> {ci:?}", t.elapsed());
    // The similarity table of AlpacaEval: 40 targets x 4 metrics, 805
    // prompts each (values in the caches), one table's worth on one thread.
    let small = &v[..805];
    let t = Instant::now();
    let mut lo = 0.0;
    for s in 0..160 {
        lo += bootstrap_ci(small, 1000, s).0;
    }
    println!(
        "bootstrap 805 x 1000, 160 times: {:?} (sum of lows {lo})",
        t.elapsed()
    );
}
