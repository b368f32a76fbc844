//! Monroe, Colaresi and Quinn's weighted log-odds ratio with an informative
//! Dirichlet prior ("Fightin' Words", Political Analysis 16(4), 2008,
//! eq. 16-22), the prior being the pooled counts of both groups.

use std::cmp::Ordering;

use crate::counts::Counts;

/// One word's score: positive `z` means more typical of group a.
#[derive(Clone, Debug, PartialEq)]
pub struct WordScore {
    /// The word.
    pub word: String,
    /// y_w^a: occurrences in group a.
    pub count_a: u64,
    /// y_w^b: occurrences in group b.
    pub count_b: u64,
    /// delta_w: the prior-smoothed log-odds ratio (natural log), a over b.
    pub log_odds: f64,
    /// sigma^2_w ~= 1/(y_w^a + alpha_w) + 1/(y_w^b + alpha_w).
    pub variance: f64,
    /// delta_w / sqrt(sigma^2_w).
    pub z: f64,
}

/// Scores every word of either group whose pooled count `y_w^a + y_w^b` is
/// at least `min_count`, sorted by `z` descending, then word ascending.
///
/// With `s = prior_scale`, `N = n^a + n^b` and `p = y_w^a + y_w^b`, the
/// prior is `alpha_w = s * p` and `alpha_0 = s * N`; all words count in
/// `n^a`, `n^b` and `alpha_0`, `min_count` only hides rows. In f64, in this
/// order (exact integers for s = 1 below 2^53):
///
/// ```text
/// alpha = s * p;   rest = s * (N - p)            // alpha_0 - alpha_w
/// num_a = y_a + alpha;  den_a = (n_a - y_a) + rest
/// num_b = y_b + alpha;  den_b = (n_b - y_b) + rest
/// log_odds = ln(num_a / den_a) - ln(num_b / den_b)
/// variance = 1 / num_a + 1 / num_b
/// z = log_odds / sqrt(variance)
/// ```
///
/// Errors: a group without words (`keywords: group a has no words`), a
/// prior scale that is not positive and finite, and a vocabulary of a
/// single word (its odds have a zero denominator).
pub fn fightin_words(
    a: &Counts,
    b: &Counts,
    prior_scale: f64,
    min_count: u64,
) -> Result<Vec<WordScore>, String> {
    if !(prior_scale.is_finite() && prior_scale > 0.0) {
        return Err(format!(
            "keywords: prior scale must be a positive finite number, got {prior_scale}"
        ));
    }
    for (name, c) in [("a", a), ("b", b)] {
        if c.total() == 0 {
            return Err(format!("keywords: group {name} has no words"));
        }
    }
    let only_b = b.iter().filter(|(w, _)| a.get(w) == 0);
    let vocab: Vec<(&str, u64, u64)> = a
        .iter()
        .map(|(w, ya)| (w, ya, b.get(w)))
        .chain(only_b.map(|(w, yb)| (w, 0, yb)))
        .collect();
    if vocab.len() < 2 {
        return Err(format!(
            "keywords: both groups use only the word {:?}; log-odds need two distinct words",
            vocab[0].0
        ));
    }
    let (na, nb) = (a.total(), b.total());
    let n = na + nb;
    let s = prior_scale;
    let mut out: Vec<WordScore> = vocab
        .into_iter()
        .filter(|&(_, ya, yb)| ya + yb >= min_count)
        .map(|(w, ya, yb)| {
            let p = ya + yb;
            let alpha = s * p as f64;
            let rest = s * (n - p) as f64;
            let num_a = ya as f64 + alpha;
            let den_a = (na - ya) as f64 + rest;
            let num_b = yb as f64 + alpha;
            let den_b = (nb - yb) as f64 + rest;
            let log_odds = (num_a / den_a).ln() - (num_b / den_b).ln();
            let variance = 1.0 / num_a + 1.0 / num_b;
            WordScore {
                word: w.to_string(),
                count_a: ya,
                count_b: yb,
                log_odds,
                variance,
                z: log_odds / variance.sqrt(),
            }
        })
        .collect();
    out.sort_by(by_z_desc);
    Ok(out)
}

/// `z` descending, then word ascending.
pub(crate) fn by_z_desc(x: &WordScore, y: &WordScore) -> Ordering {
    y.z.total_cmp(&x.z).then_with(|| x.word.cmp(&y.word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(texts: &[&str]) -> Counts {
        let mut c = Counts::new();
        for t in texts {
            c.add_text(t, None);
        }
        c
    }

    #[test]
    fn errors() {
        let some = counts(&["x y"]);
        let none = counts(&["", " -- "]);
        assert_eq!(
            fightin_words(&none, &some, 1.0, 1).unwrap_err(),
            "keywords: group a has no words"
        );
        assert_eq!(
            fightin_words(&some, &none, 1.0, 1).unwrap_err(),
            "keywords: group b has no words"
        );
        for s in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = fightin_words(&some, &some, s, 1).unwrap_err();
            assert!(e.starts_with("keywords: prior scale must be"), "{e}");
        }
        let one = counts(&["Same same"]);
        let e = fightin_words(&one, &counts(&["same"]), 1.0, 1).unwrap_err();
        assert!(e.contains("only the word \"same\""), "{e}");
    }

    #[test]
    fn identical_groups_score_zero_and_min_count_hides_rows_only() {
        let g = counts(&["a a b c"]);
        let all = fightin_words(&g, &g, 1.0, 1).unwrap();
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|w| w.log_odds == 0.0 && w.z == 0.0));
        // Ties in z sort by word.
        let order: Vec<&str> = all.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);

        let a = counts(&["a a a b c"]);
        let b = counts(&["a b b c d"]);
        let full = fightin_words(&a, &b, 1.0, 1).unwrap();
        let kept = fightin_words(&a, &b, 1.0, 3).unwrap();
        // Pooled counts: a 4, b 3, c 2, d 1; only a and b pass min_count 3,
        // with the same scores as without the filter (totals unchanged).
        let words: Vec<&str> = kept.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words, ["a", "b"]);
        for k in &kept {
            assert_eq!(Some(k), full.iter().find(|f| f.word == k.word));
        }
    }

    #[test]
    fn swapping_groups_negates() {
        let a = counts(&["the model refuses politely", "the model"]);
        let b = counts(&["the answer is detailed and the model is"]);
        let ab = fightin_words(&a, &b, 0.3, 1).unwrap();
        let ba = fightin_words(&b, &a, 0.3, 1).unwrap();
        for x in &ab {
            let y = ba.iter().find(|y| y.word == x.word).unwrap();
            assert_eq!((x.count_a, x.count_b), (y.count_b, y.count_a));
            assert_eq!(x.variance, y.variance);
            // a - b == -(b - a) exactly in IEEE arithmetic.
            assert_eq!(x.log_odds, -y.log_odds);
            assert_eq!(x.z, -y.z);
        }
    }
}
