//! Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003): from the hashes
//! of every n-gram of a document, keep in each window of `w` consecutive
//! n-gram hashes the minimum (the rightmost one on ties), recording each
//! selected position once.
//!
//! Guarantee: if two documents share a run of at least `n + w - 1` tokens,
//! that run holds `w` consecutive n-grams, one whole window, identical in
//! both documents; both select the same hash from it, so their winnowed
//! fingerprint sets intersect. Runs shorter than `n` are never detected.
//! A document with fewer than `w` n-grams is one window.

use std::collections::VecDeque;

/// Positions (ascending, distinct) of the winnowed n-gram hashes of
/// `hashes` with window `w` (>= 1). Linear time (monotone deque).
pub fn winnow(hashes: &[u64], w: usize) -> Vec<usize> {
    let w = w.max(1);
    let mut out: Vec<usize> = Vec::new();
    if hashes.is_empty() {
        return out;
    }
    let w = w.min(hashes.len());
    // Indices whose hashes strictly increase from front to back: the front
    // is the window's minimum, the rightmost of equal values.
    let mut dq: VecDeque<usize> = VecDeque::with_capacity(w);
    for (j, &h) in hashes.iter().enumerate() {
        while dq.back().is_some_and(|&b| hashes[b] >= h) {
            dq.pop_back();
        }
        dq.push_back(j);
        if j + 1 >= w {
            let lo = j + 1 - w;
            while dq.front().is_some_and(|&f| f < lo) {
                dq.pop_front();
            }
            let m = *dq.front().expect("window is non-empty");
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{mix, ngram_hashes};

    /// A tiny deterministic generator for test data.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(self.0)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// The naive selection: for every window, the rightmost minimum.
    fn naive_winnow(h: &[u64], w: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if h.is_empty() {
            return out;
        }
        let w = w.min(h.len());
        for lo in 0..=h.len() - w {
            let mut m = lo;
            for j in lo..lo + w {
                if h[j] <= h[m] {
                    m = j;
                }
            }
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
        out
    }

    /// Longest run of tokens common to `a` and `b`, by dynamic programming
    /// over every pair of positions (the all-n-gram reference).
    fn longest_common_run(a: &[u64], b: &[u64]) -> usize {
        let mut best = 0;
        let mut prev = vec![0usize; b.len() + 1];
        for x in a {
            let mut cur = vec![0usize; b.len() + 1];
            for (j, y) in b.iter().enumerate() {
                if x == y {
                    cur[j + 1] = prev[j] + 1;
                    best = best.max(cur[j + 1]);
                }
            }
            prev = cur;
        }
        best
    }

    #[test]
    fn deque_matches_naive_selection() {
        let mut rng = Rng(1);
        for _ in 0..500 {
            let len = rng.below(60) as usize;
            // A small range makes ties frequent.
            let h: Vec<u64> = (0..len).map(|_| rng.below(8)).collect();
            let w = 1 + rng.below(9) as usize;
            assert_eq!(winnow(&h, w), naive_winnow(&h, w), "{h:?} w={w}");
        }
    }

    #[test]
    fn shared_runs_of_n_plus_w_minus_1_tokens_are_always_found() {
        let mut rng = Rng(7);
        let (mut checked, mut long) = (0, 0);
        for _ in 0..3000 {
            let n = 1 + rng.below(6) as usize;
            let w = 1 + rng.below(6) as usize;
            let vocab = 2 + rng.below(6);
            let mut a: Vec<u64> = (0..rng.below(40)).map(|_| rng.below(vocab)).collect();
            let mut b: Vec<u64> = (0..rng.below(40)).map(|_| rng.below(vocab)).collect();
            // Plant a shared run of random length in about half the cases.
            if rng.below(2) == 0 {
                let run: Vec<u64> = (0..rng.below(15)).map(|_| rng.below(vocab)).collect();
                let (pa, pb) = (
                    rng.below(a.len() as u64 + 1) as usize,
                    rng.below(b.len() as u64 + 1) as usize,
                );
                a.splice(pa..pa, run.iter().copied());
                b.splice(pb..pb, run.iter().copied());
            }
            let ta: Vec<u64> = a.iter().map(|&t| mix(t + 1)).collect();
            let tb: Vec<u64> = b.iter().map(|&t| mix(t + 1)).collect();
            let (ha, hb) = (ngram_hashes(&ta, n), ngram_hashes(&tb, n));
            let fa: Vec<u64> = winnow(&ha, w).iter().map(|&p| ha[p]).collect();
            let fb: Vec<u64> = winnow(&hb, w).iter().map(|&p| hb[p]).collect();
            let common = fa.iter().any(|x| fb.contains(x));
            let run = longest_common_run(&a, &b);
            checked += 1;
            if run >= n + w - 1 {
                long += 1;
                assert!(common, "missed a run of {run}: n={n} w={w} a={a:?} b={b:?}");
            }
            if run < n {
                assert!(!common, "no common n-gram, yet a common fingerprint");
            }
        }
        assert!(long > 500 && checked == 3000, "too few long runs: {long}");
    }

    #[test]
    fn every_window_holds_a_selection() {
        let mut rng = Rng(3);
        for _ in 0..200 {
            let h: Vec<u64> = (0..rng.below(80)).map(|_| rng.next()).collect();
            let w = 1 + rng.below(10) as usize;
            let sel = winnow(&h, w);
            if h.len() >= w {
                for lo in 0..=h.len() - w {
                    assert!(sel.iter().any(|&p| p >= lo && p < lo + w));
                }
            } else if !h.is_empty() {
                assert_eq!(sel.len(), 1);
            }
        }
    }
}
