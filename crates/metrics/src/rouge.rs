//! ROUGE-1, ROUGE-2 and ROUGE-L precision/recall/F1 with the exact f64
//! arithmetic of `rouge_score.rouge_scorer` 0.1.2.
//!
//! Orientation follows rouge-score's `score(target, prediction)`: recall is
//! over the target's counts, precision over the prediction's. In wildstat
//! the paper's TARGET model text is rouge-score's `target` and the OTHER
//! model's text is rouge-score's `prediction`.

use std::collections::HashMap;

/// Precision, recall and F-measure of one ROUGE variant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    /// Overlap over the prediction's (other model's) count.
    pub precision: f64,
    /// Overlap over the target's count.
    pub recall: f64,
    /// Harmonic mean, as `rouge_score.scoring.fmeasure`.
    pub fmeasure: f64,
}

/// `rouge_score.scoring.fmeasure`: `2*p*r/(p+r)` evaluated left to right,
/// or 0 when `p + r` is not positive.
#[inline]
pub fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// `_score_ngrams`: `overlap / max(count, 1)` on each side. Python's int true
/// division is correctly rounded, as is f64 division of the exactly
/// converted counts (all counts are far below 2^53).
#[inline]
pub fn ngram_prf(overlap: usize, target_count: usize, prediction_count: usize) -> Prf {
    let precision = overlap as f64 / prediction_count.max(1) as f64;
    let recall = overlap as f64 / target_count.max(1) as f64;
    Prf {
        precision,
        recall,
        fmeasure: fmeasure(precision, recall),
    }
}

/// `_score_lcs`: all zeros when either side has no token, else LCS over the
/// prediction length (precision) and over the target length (recall).
#[inline]
pub fn lcs_prf(lcs: usize, target_len: usize, prediction_len: usize) -> Prf {
    if target_len == 0 || prediction_len == 0 {
        return Prf::default();
    }
    let precision = lcs as f64 / prediction_len as f64;
    let recall = lcs as f64 / target_len as f64;
    Prf {
        precision,
        recall,
        fmeasure: fmeasure(precision, recall),
    }
}

/// Straightforward ROUGE-1/2/L over token strings with hash maps and an
/// O(n*m) LCS table: the readable reference the fast path is tested
/// against. Returns `[rouge1, rouge2, rougeL]`.
pub fn rouge_tokens_naive(target: &[String], prediction: &[String]) -> [Prf; 3] {
    fn ngrams(t: &[String], n: usize) -> HashMap<&[String], usize> {
        let mut m = HashMap::new();
        if t.len() >= n {
            for w in t.windows(n) {
                *m.entry(w).or_insert(0) += 1;
            }
        }
        m
    }
    let mut out = [Prf::default(); 3];
    for (k, n) in [(0, 1), (1, 2)] {
        let (tg, pg) = (ngrams(target, n), ngrams(prediction, n));
        let overlap: usize = tg
            .iter()
            .map(|(g, &c)| c.min(*pg.get(g).unwrap_or(&0)))
            .sum();
        out[k] = ngram_prf(overlap, tg.values().sum(), pg.values().sum());
    }
    let mut prev = vec![0usize; prediction.len() + 1];
    let mut cur = prev.clone();
    for a in target {
        for (j, b) in prediction.iter().enumerate() {
            cur[j + 1] = if a == b {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    out[2] = lcs_prf(prev[prediction.len()], target.len(), prediction.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmeasure_operation_order() {
        // rouge-score: 2 * p * r / (p + r) with p=1/3, r=2/7 gives
        // 0.30769230769230765 in CPython (not the exact 4/13 rounding).
        let p = 1.0 / 3.0;
        let r = 2.0 / 7.0;
        assert_eq!(fmeasure(p, r).to_bits(), 0.30769230769230765f64.to_bits());
        assert_eq!(fmeasure(0.0, 0.0), 0.0);
    }

    /// `2*p*r/(p+r)` is symmetric bit for bit: doubling is exact, so
    /// `(2p)r` and `(2r)p` are both `2 * round(pr)`. Every overlap and
    /// pair of lengths up to 300 is checked.
    #[test]
    fn fmeasure_is_symmetric_bitwise() {
        for a in 1..=300usize {
            for b in a..=300usize {
                for o in 0..=a {
                    let (x, y) = (ngram_prf(o, a, b), ngram_prf(o, b, a));
                    assert_eq!(x.fmeasure.to_bits(), y.fmeasure.to_bits(), "{o} {a} {b}");
                }
            }
        }
    }

    #[test]
    fn empty_cases() {
        assert_eq!(ngram_prf(0, 0, 0), Prf::default());
        assert_eq!(lcs_prf(0, 0, 5), Prf::default());
    }
}
