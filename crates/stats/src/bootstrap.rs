//! Seeded percentile bootstrap confidence interval of the mean.
//!
//! Method: `resamples` times, draw `n` indices uniformly with replacement
//! from a [`SplitMix64`] stream seeded with `seed` (unbiased Lemire draws,
//! indices drawn in order), sum the chosen values left to right and divide
//! by `n`; the interval is the numpy `'linear'` percentile (2.5, 97.5) of
//! those resample means (see [`crate::numpy::quantile_sorted`]).
//! Deterministic for a given seed and input order; reproduced bit-exactly
//! by the Python script `tests/fixtures/make_bootstrap.py`.

use crate::numpy::percentile_sorted;
use crate::rng::SplitMix64;

/// 95% percentile bootstrap CI `(lo, hi)` of the mean of `values`.
/// `(NaN, NaN)` when `values` is empty or `resamples == 0`.
pub fn bootstrap_ci(values: &[f64], resamples: usize, seed: u64) -> (f64, f64) {
    bootstrap_ci_level(values, resamples, seed, 0.95)
}

/// Percentile bootstrap CI of the mean at confidence `level` (e.g. 0.95
/// gives percentiles `100 * (1 - level) / 2` and `100 - that`).
pub fn bootstrap_ci_level(values: &[f64], resamples: usize, seed: u64, level: f64) -> (f64, f64) {
    let means = bootstrap_means(values, resamples, seed);
    if means.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut sorted = means;
    sorted.sort_by(|x, y| match (x.is_nan(), y.is_nan()) {
        (false, false) => x.total_cmp(y),
        (a, b) => a.cmp(&b),
    });
    let tail = (1.0 - level) / 2.0 * 100.0;
    // Written so that level 0.95 gives exactly 2.5 and 97.5.
    let (qlo, qhi) = if level == 0.95 {
        (2.5, 97.5)
    } else {
        (tail, 100.0 - tail)
    };
    (
        percentile_sorted(&sorted, qlo),
        percentile_sorted(&sorted, qhi),
    )
}

/// The resample means, in draw order (empty when `values` is empty).
pub fn bootstrap_means(values: &[f64], resamples: usize, seed: u64) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut rng = SplitMix64::new(seed);
    (0..resamples)
        .map(|_| {
            let mut s = 0.0;
            for _ in 0..n {
                s += values[rng.below(n as u64) as usize];
            }
            s / n as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_empty() {
        assert_eq!(bootstrap_ci(&[0.5; 10], 100, 1), (0.5, 0.5));
        let (lo, hi) = bootstrap_ci(&[], 100, 1);
        assert!(lo.is_nan() && hi.is_nan());
        let (lo, hi) = bootstrap_ci(&[1.0], 0, 1);
        assert!(lo.is_nan() && hi.is_nan());
    }

    #[test]
    fn deterministic() {
        let v: Vec<f64> = (0..100).map(|i| (i * 37 % 101) as f64 / 101.0).collect();
        assert_eq!(bootstrap_ci(&v, 500, 9), bootstrap_ci(&v, 500, 9));
        assert_ne!(bootstrap_ci(&v, 500, 9), bootstrap_ci(&v, 500, 10));
    }
}
