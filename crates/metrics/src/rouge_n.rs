//! ROUGE-N for any n and summary-level ROUGE-L (`rougeLsum`) of
//! `rouge_score.rouge_scorer` 0.1.2, over token-id sequences (ids from any
//! consistent interning, e.g. [`crate::Prepared::tokens`]).
//!
//! - [`rouge_n`]: `_score_ngrams(_create_ngrams(target, n),
//!   _create_ngrams(prediction, n))`: clipped n-gram overlap over the
//!   prediction's n-gram count (precision) and the target's (recall), each
//!   count at least 1.
//! - [`rouge_lsum`]: `_summary_level_lcs(target_sentences,
//!   prediction_sentences)`: for each target sentence the union of the
//!   positions of one LCS with every prediction sentence (the LCS that
//!   rouge-score's `_backtrack_norec` reads out of the DP table), its tokens
//!   counted as hits while both texts still have that token left; hits over
//!   the prediction's token count (precision) and the target's (recall).
//!   All zeros when either side has no token.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::num::NonZeroUsize;

use crate::rouge::{fmeasure, ngram_prf, Prf};

/// The n-grams of `t` (as slices), sorted.
fn sorted_grams(t: &[u32], n: NonZeroUsize) -> Vec<&[u32]> {
    let mut g: Vec<&[u32]> = t.windows(n.get()).collect();
    g.sort_unstable();
    g
}

/// ROUGE-N precision, recall and F-measure of `prediction` against `target`.
pub fn rouge_n(target: &[u32], prediction: &[u32], n: NonZeroUsize) -> Prf {
    let (tg, pg) = (sorted_grams(target, n), sorted_grams(prediction, n));
    // Multiset intersection of the two sorted lists.
    let (mut i, mut j, mut overlap) = (0, 0, 0usize);
    while i < tg.len() && j < pg.len() {
        match tg[i].cmp(pg[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                overlap += 1;
                i += 1;
                j += 1;
            }
        }
    }
    ngram_prf(overlap, tg.len(), pg.len())
}

/// Reusable buffers for [`rouge_lsum`] (they only grow).
#[derive(Debug, Default)]
pub struct LsumScratch {
    /// The `(rows + 1) x (cols + 1)` LCS length table, row-major.
    table: Vec<u32>,
    /// Per position of the current target sentence: in the union LCS.
    in_union: Vec<bool>,
}

impl LsumScratch {
    /// Empty scratch.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Marks in `in_union` the positions of `target` on the LCS with
/// `prediction` that rouge-score's `_lcs_table` + `_backtrack_norec` read
/// out: from the end, a match steps diagonally, otherwise it moves left
/// when `t[i][j-1] > t[i-1][j]` and up else.
fn mark_lcs(target: &[u32], prediction: &[u32], table: &mut Vec<u32>, in_union: &mut [bool]) {
    let (rows, cols) = (target.len(), prediction.len());
    let w = cols + 1;
    table.clear();
    table.resize((rows + 1) * w, 0);
    for i in 1..=rows {
        for j in 1..=cols {
            table[i * w + j] = if target[i - 1] == prediction[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let (mut i, mut j) = (rows, cols);
    while i > 0 && j > 0 {
        if target[i - 1] == prediction[j - 1] {
            in_union[i - 1] = true;
            i -= 1;
            j -= 1;
        } else if table[i * w + j - 1] > table[(i - 1) * w + j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
}

/// `rougeLsum` of prediction sentences against target sentences (each a
/// token-id sequence; rouge-score splits on `"\n"` and drops empty lines).
pub fn rouge_lsum(target: &[&[u32]], prediction: &[&[u32]], scratch: &mut LsumScratch) -> Prf {
    let m: usize = target.iter().map(|s| s.len()).sum();
    let n: usize = prediction.iter().map(|s| s.len()).sum();
    if m == 0 || n == 0 {
        return Prf::default();
    }
    let count = |sents: &[&[u32]]| {
        let mut c: HashMap<u32, usize> = HashMap::new();
        for &t in sents.iter().flat_map(|s| s.iter()) {
            *c.entry(t).or_default() += 1;
        }
        c
    };
    let (mut left_t, mut left_p) = (count(target), count(prediction));
    let mut hits = 0usize;
    for r in target {
        let in_union = &mut scratch.in_union;
        in_union.clear();
        in_union.resize(r.len(), false);
        for c in prediction {
            mark_lcs(r, c, &mut scratch.table, in_union);
        }
        for (&t, _) in r.iter().zip(in_union.iter()).filter(|(_, &u)| u) {
            if let (Some(ct), Some(cp)) = (left_t.get_mut(&t), left_p.get_mut(&t)) {
                if *ct > 0 && *cp > 0 {
                    hits += 1;
                    *ct -= 1;
                    *cp -= 1;
                }
            }
        }
    }
    let recall = hits as f64 / m as f64;
    let precision = hits as f64 / n as f64;
    Prf {
        precision,
        recall,
        fmeasure: fmeasure(precision, recall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(k: usize) -> NonZeroUsize {
        NonZeroUsize::new(k).expect("positive")
    }

    #[test]
    fn rouge_n_counts_clipped_ngrams() {
        // rouge-score: score("a b a b c", "a b a c") for rouge2: target
        // bigrams ab ba ab bc, prediction ab ba ac; overlap ab + ba = 2.
        let p = rouge_n(&[1, 2, 1, 2, 3], &[1, 2, 1, 3], n(2));
        assert_eq!((p.precision, p.recall), (2.0 / 3.0, 0.5));
        // Shorter than n: no n-grams, counts clamp to 1, all zero.
        assert_eq!(rouge_n(&[1, 2], &[1, 2], n(3)), Prf::default());
        let p = rouge_n(&[1, 2, 3], &[1, 2, 3], n(3));
        assert_eq!((p.precision, p.recall, p.fmeasure), (1.0, 1.0, 1.0));
    }

    #[test]
    fn rouge_lsum_paper_example() {
        // rouge-score's testRougeLsum / testSummaryLevelLcs: union LCS
        // [1, 2, 3, 5] of [1..5] with [1 2 6 7 8] and [1 3 8 9 5].
        let p = rouge_lsum(
            &[&[1, 2, 3, 4, 5]],
            &[&[1, 2, 6, 7, 8], &[1, 3, 8, 9, 5]],
            &mut LsumScratch::new(),
        );
        assert_eq!((p.recall, p.precision), (0.8, 0.4));
        assert_eq!(p.fmeasure, 2.0 * 0.4 * 0.8 / (0.4 + 0.8));
        assert_eq!(
            rouge_lsum(&[&[1]], &[&[]], &mut LsumScratch::new()),
            Prf::default()
        );
    }

    #[test]
    fn backtrack_follows_rouge_score_tie_breaking() {
        // _backtrack_norec([1, 2, 3, 4, 5], [2, 5, 3, 4]) = indices [1, 2, 3].
        let mut marks = vec![false; 5];
        mark_lcs(&[1, 2, 3, 4, 5], &[2, 5, 3, 4], &mut Vec::new(), &mut marks);
        assert_eq!(marks, [false, true, true, true, false]);
        // Ties: [1, 2] vs [2, 1] reads out the LCS [1] (i moves up first).
        let mut marks = vec![false; 2];
        mark_lcs(&[1, 2], &[2, 1], &mut Vec::new(), &mut marks);
        assert_eq!(marks, [true, false]);
    }
}
