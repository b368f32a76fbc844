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
}
