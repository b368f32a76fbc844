//! Bit-exact ports of the numpy float64 reductions the paper's notebooks
//! use, so wildstat can reproduce their numbers exactly when asked to
//! (`np.mean`, `np.std(ddof)`, `np.percentile(method="linear")`).
//!
//! numpy sums float64 arrays with *pairwise summation* (`DOUBLE_pairwise_sum`
//! in `loops_utils.h.src`): fewer than 8 values are added left to right;
//! up to 128 (`PW_BLOCKSIZE`) use 8 interleaved accumulators combined as
//! `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` then the tail; longer runs split at
//! `n/2` rounded down to a multiple of 8 and recurse. The reduction adds that
//! to the identity `0.0` in one piece for a contiguous 1-D array (numpy 2.4;
//! verified up to 100003 values against the committed fixture
//! `tests/fixtures/numpy.txt`).
//!
//! These are for parity; for the project's own statistics prefer the exact,
//! merge-order-free [`crate::summary::Moments`].

const PW_BLOCKSIZE: usize = 128;

fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= PW_BLOCKSIZE {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - (n % 8) {
            for k in 0..8 {
                r[k] += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sum(a)` for a contiguous float64 array, bit for bit.
pub fn sum(a: &[f64]) -> f64 {
    // The identity 0.0 first, as numpy (so an all -0.0 input sums to +0.0).
    0.0 + pairwise_sum(a)
}

/// `np.mean(a)`: `np.sum(a) / n`; NaN for an empty slice.
pub fn mean(a: &[f64]) -> f64 {
    sum(a) / a.len() as f64
}

/// `np.var(a, ddof=ddof)`: mean, then the pairwise sum of squared
/// deviations `(x - mean) * (x - mean)`, divided by `max(n - ddof, 0)`
/// (so NaN/inf when `n <= ddof`, like numpy).
pub fn var(a: &[f64], ddof: usize) -> f64 {
    let m = mean(a);
    let dev: Vec<f64> = a
        .iter()
        .map(|&x| {
            let d = x - m;
            d * d
        })
        .collect();
    let div = a.len().saturating_sub(ddof) as f64;
    sum(&dev) / div
}

/// `np.std(a, ddof=ddof)`: `sqrt(np.var(a, ddof))`. numpy's default is
/// ddof=0 (population), which is what the paper's per-conversation std uses.
pub fn std(a: &[f64], ddof: usize) -> f64 {
    var(a, ddof).sqrt()
}

/// `np.percentile(a, q, method="linear")` for `q` in percent (0..=100):
/// sorts a copy (NaN last, as numpy) and interpolates with numpy's `_lerp`.
pub fn percentile(a: &[f64], q: f64) -> f64 {
    let mut s = a.to_vec();
    s.sort_by(|x, y| match (x.is_nan(), y.is_nan()) {
        (false, false) => x.total_cmp(y),
        (a, b) => a.cmp(&b),
    });
    percentile_sorted(&s, q)
}

/// As [`percentile`] on already sorted data (ascending, NaN last). NaN for
/// empty input. `q / 100` is computed first, as numpy does.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    quantile_sorted(sorted, q / 100.0)
}

/// `np.quantile(sorted, q, method="linear")` with `q` in `[0, 1]`:
/// virtual index `h = (n - 1) * q`, `g = h - floor(h)`, and numpy's
/// `_lerp(a, b, g)` = `a + (b - a) * g`, or `b - (b - a) * (1 - g)` when
/// `g >= 0.5`. A NaN anywhere in the data gives NaN, as numpy.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if sorted[n - 1].is_nan() {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let (lo, hi, g) = if h >= (n - 1) as f64 {
        // numpy sets both indexes to -1 (the last) and g = h - (-1).
        (n - 1, n - 1, h + 1.0)
    } else if h < 0.0 {
        (0, 0, h)
    } else {
        let f = h.floor();
        (f as usize, f as usize + 1, h - f)
    };
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if g >= 0.5 {
        b - diff * (1.0 - g)
    } else {
        a + diff * g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_known() {
        assert_eq!(mean(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(std(&[1.0, 2.0, 3.0, 4.0], 0), 1.25f64.sqrt());
        assert!(std(&[1.0], 1).is_nan() || std(&[1.0], 1).is_infinite());
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 50.0), 2.5);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 100.0), 4.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
        assert!(percentile(&[], 50.0).is_nan());
        assert!(percentile(&[1.0, f64::NAN], 50.0).is_nan());
    }
}
