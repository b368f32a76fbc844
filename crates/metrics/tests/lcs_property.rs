//! Bit-parallel LCS against the plain O(n*m) dynamic programme on many
//! seeded random sequences, with lengths around the 64-bit word boundaries
//! and small alphabets (many matches, long carries).

use wildstat_metrics::lcs::{lcs_len, LcsScratch};
use wildstat_metrics::{rouge_prepared, Prepared, Scratch};

fn dp(a: &[u32], b: &[u32]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = prev.clone();
    for &x in a {
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// SplitMix64: tiny deterministic generator for the test inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// Up to 512 tokens the fixed-width path runs (at most 8 words); beyond
// that, the general one.
const LENS: [usize; 18] = [
    0, 1, 2, 3, 7, 31, 63, 64, 65, 100, 127, 128, 129, 191, 192, 300, 512, 700,
];

#[test]
fn bit_parallel_equals_dp() {
    let mut rng = Rng(0x5eed);
    let mut scratch = LcsScratch::default();
    let mut checked = 0;
    for &n in &LENS {
        for &m in &LENS {
            for alphabet in [1u64, 2, 3, 5, 20, 1000] {
                for _ in 0..3 {
                    let a: Vec<u32> = (0..n).map(|_| rng.below(alphabet) as u32).collect();
                    let b: Vec<u32> = (0..m).map(|_| rng.below(alphabet) as u32).collect();
                    let want = dp(&a, &b);
                    assert_eq!(lcs_len(&a, &b, &mut scratch), want, "a={a:?} b={b:?}");
                    assert_eq!(lcs_len(&b, &a, &mut scratch), want);
                    // Prepared path (rank/slot mapping, side choice).
                    let (pa, pb) = (
                        Prepared::from_ids(a.clone(), None),
                        Prepared::from_ids(b.clone(), None),
                    );
                    let mut s = Scratch::new();
                    let l = rouge_prepared(&pa, &pb, &mut s)[2];
                    if n > 0 && m > 0 {
                        assert_eq!(l.precision, want as f64 / m as f64);
                        assert_eq!(l.recall, want as f64 / n as f64);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, LENS.len() * LENS.len() * 6 * 3);
}

#[test]
fn all_short_binary_sequences() {
    // Exhaustive over every pair of binary sequences up to length 6.
    let mut scratch = LcsScratch::default();
    let seqs: Vec<Vec<u32>> = (0..=6)
        .flat_map(|len| {
            (0..(1u32 << len)).map(move |bits| (0..len).map(|i| (bits >> i) & 1).collect())
        })
        .collect();
    for a in &seqs {
        for b in &seqs {
            assert_eq!(lcs_len(a, b, &mut scratch), dp(a, b), "{a:?} {b:?}");
        }
    }
}
