//! Shared helpers for the integration tests: the same deterministic input
//! vectors as `fixtures/_gen.py`, and fixture parsing.
#![allow(dead_code)]

use wildstat_stats::rng::SplitMix64;

/// Same scales as `_gen.py` (literals, so both sides hold identical bits).
const SCALES: [f64; 7] = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];

/// Mirror of `_gen.gen(seed, n, kind)`.
pub fn gen(seed: u64, n: usize, kind: &str) -> Vec<f64> {
    let mut r = SplitMix64::new(seed);
    (0..n)
        .map(|_| match kind {
            "unit" => r.next_f64(),
            "mixed" => {
                let u = r.next_f64() - 0.5;
                u * SCALES[r.below(7) as usize]
            }
            "ties" => r.below(5) as f64,
            _ => panic!("unknown kind {kind}"),
        })
        .collect()
}

/// Parse 16 hex digits of IEEE bits.
pub fn hf(s: &str) -> f64 {
    assert_eq!(s.len(), 16, "bad hex float {s}");
    f64::from_bits(u64::from_str_radix(s, 16).unwrap())
}

/// Non-comment lines of a fixture, split at `->` into (inputs, outputs).
pub fn fixture(name: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (a, b) = l.split_once("->").expect("-> in fixture line");
            (
                a.split_whitespace().map(String::from).collect(),
                b.split_whitespace().map(String::from).collect(),
            )
        })
        .collect()
}

/// Bitwise equality that treats every NaN as equal.
pub fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}
