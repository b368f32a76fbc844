//! Seeded percentile bootstrap confidence interval of the mean.
//!
//! Method: a master [`SplitMix64`] seeded with `seed` hands out one 64-bit
//! seed per resample, in resample order. Resample `b` draws `n` indices
//! uniformly with replacement from its own `SplitMix64(seed_b)` stream
//! (unbiased Lemire draws, in order), sums the chosen values left to right
//! and divides by `n`. The interval is the numpy `'linear'` percentile
//! (2.5, 97.5) of the resample means (see [`crate::numpy::quantile_sorted`]).
//!
//! Because every resample has its own stream, resamples run on several
//! threads (std scoped threads; automatic above ~4M draws) and the result is
//! bit-identical for any thread count. Deterministic for a given seed and
//! input order; reproduced bit-exactly by the Python script
//! `tests/fixtures/make_bootstrap.py`.

use crate::numpy::percentile_sorted;
use crate::rng::SplitMix64;

/// Below this many draws (`n * resamples`) the bootstrap stays on the
/// calling thread.
const PARALLEL_MIN_DRAWS: usize = 1 << 22;

/// 95% percentile bootstrap CI `(lo, hi)` of the mean of `values`.
/// `(NaN, NaN)` when `values` is empty or `resamples == 0`.
pub fn bootstrap_ci(values: &[f64], resamples: usize, seed: u64) -> (f64, f64) {
    bootstrap_ci_level(values, resamples, seed, 0.95)
}

/// Percentile bootstrap CI of the mean at confidence `level` (0.95 gives
/// percentiles exactly 2.5 and 97.5; otherwise `100 * (1 - level) / 2` and
/// `100 -` that).
pub fn bootstrap_ci_level(values: &[f64], resamples: usize, seed: u64, level: f64) -> (f64, f64) {
    let means = bootstrap_means(values, resamples, seed);
    percentile_interval(means, level)
}

/// The `(lo, hi)` percentile interval at `level` of bootstrap statistics
/// (sorted here; NaN last). `(NaN, NaN)` for an empty input.
pub fn percentile_interval(mut stats: Vec<f64>, level: f64) -> (f64, f64) {
    if stats.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    stats.sort_by(|x, y| match (x.is_nan(), y.is_nan()) {
        (false, false) => x.total_cmp(y),
        (a, b) => a.cmp(&b),
    });
    let (qlo, qhi) = if level == 0.95 {
        (2.5, 97.5)
    } else {
        let tail = (1.0 - level) / 2.0 * 100.0;
        (tail, 100.0 - tail)
    };
    (
        percentile_sorted(&stats, qlo),
        percentile_sorted(&stats, qhi),
    )
}

/// The resample means in resample order (empty when `values` is empty),
/// using all available cores for large inputs.
pub fn bootstrap_means(values: &[f64], resamples: usize, seed: u64) -> Vec<f64> {
    let threads = if values.len().saturating_mul(resamples) < PARALLEL_MIN_DRAWS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    bootstrap_means_threads(values, resamples, seed, threads)
}

/// As [`bootstrap_means`] on exactly `threads` threads (at least one; the
/// result does not depend on it). For callers that are already parallel.
pub fn bootstrap_means_threads(
    values: &[f64],
    resamples: usize,
    seed: u64,
    threads: usize,
) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut master = SplitMix64::new(seed);
    let seeds: Vec<u64> = (0..resamples).map(|_| master.next_u64()).collect();
    let mut means = vec![0.0; resamples];
    let threads = threads.clamp(1, resamples.max(1));
    if threads == 1 {
        resample_means(values, &seeds, &mut means);
    } else {
        let per = resamples.div_ceil(threads);
        std::thread::scope(|scope| {
            for (ms, ss) in means.chunks_mut(per).zip(seeds.chunks(per)) {
                scope.spawn(move || resample_means(values, ss, ms));
            }
        });
    }
    means
}

/// Draws a stream runs ahead of the one it sums: each index is drawn and
/// its value's cache line requested this many draws before it is added, so
/// a large input's random reads overlap instead of stalling one by one.
const AHEAD: usize = 16;

/// The mean of each resample seeded by `seeds`, into `out`. Four streams
/// are drawn side by side: each keeps its own draws and its left-to-right
/// sum (the same bits as one at a time), and the processor overlaps their
/// dependency chains. Each stream's next [`AHEAD`] indices are drawn in
/// advance and their values prefetched (same draws, same order, same sums).
fn resample_means(values: &[f64], seeds: &[u64], out: &mut [f64]) {
    if values.len() <= IN_CACHE {
        return resample_means_cached(values, seeds, out);
    }
    let n = values.len() as u64;
    let mut seeds4 = seeds.chunks_exact(4);
    let mut out4 = out.chunks_exact_mut(4);
    for (s, o) in (&mut seeds4).zip(&mut out4) {
        let mut rng = [0, 1, 2, 3].map(|k| SplitMix64::new(s[k]));
        let mut sum = [0.0f64; 4];
        // ring[j % AHEAD][k] holds stream k's draw j, drawn AHEAD early.
        let mut ring = [[0usize; 4]; AHEAD];
        for draws in ring.iter_mut().take((n as usize).min(AHEAD)) {
            for (d, r) in draws.iter_mut().zip(&mut rng) {
                let i = r.below(n);
                prefetch(values, i);
                *d = i as usize;
            }
        }
        for j in 0..n as usize {
            let draws = &mut ring[j % AHEAD];
            let refill = j + AHEAD < n as usize;
            for k in 0..4 {
                sum[k] += values[draws[k]];
                if refill {
                    let i = rng[k].below(n);
                    prefetch(values, i);
                    draws[k] = i as usize;
                }
            }
        }
        for k in 0..4 {
            o[k] = sum[k] / n as f64;
        }
    }
    for (&s, o) in seeds4.remainder().iter().zip(out4.into_remainder()) {
        *o = resample_mean(values, s);
    }
}

/// One resample's mean, one draw at a time (for the seeds left over when
/// the streams go several at a time).
fn resample_mean(values: &[f64], seed: u64) -> f64 {
    let n = values.len() as u64;
    let mut rng = SplitMix64::new(seed);
    let mut sum = 0.0;
    for _ in 0..n {
        sum += values[rng.below(n) as usize];
    }
    sum / n as f64
}

/// Inputs of at most this many values (256 KiB) stay in the caches: their
/// reads need no prefetch, and eight streams side by side hide the adds'
/// latency better than four.
const IN_CACHE: usize = 1 << 15;

/// [`resample_means`] for inputs that fit the caches: eight streams, each
/// with its own draws and left-to-right sum (the same bits as one at a
/// time).
fn resample_means_cached(values: &[f64], seeds: &[u64], out: &mut [f64]) {
    const K: usize = 8;
    // With AVX-512 the whole groups of eight go through the vector lanes
    // and only the leftover seeds through the loops below.
    #[cfg(target_arch = "x86_64")]
    let (seeds, out) = if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
    {
        let whole = seeds.len() / K * K;
        let (lane_out, rest) = out.split_at_mut(whole);
        // SAFETY: the processor has the features the function enables.
        unsafe { lanes::resample_means(values, &seeds[..whole], lane_out) };
        (&seeds[whole..], rest)
    } else {
        (seeds, out)
    };
    let n = values.len() as u64;
    let mut seeds_k = seeds.chunks_exact(K);
    let mut out_k = out.chunks_exact_mut(K);
    for (s, o) in (&mut seeds_k).zip(&mut out_k) {
        let mut rng: [SplitMix64; K] = std::array::from_fn(|k| SplitMix64::new(s[k]));
        let mut sum = [0.0f64; K];
        for _ in 0..n {
            for k in 0..K {
                sum[k] += values[rng[k].below(n) as usize];
            }
        }
        for k in 0..K {
            o[k] = sum[k] / n as f64;
        }
    }
    for (&s, o) in seeds_k.remainder().iter().zip(out_k.into_remainder()) {
        *o = resample_mean(values, s);
    }
}

/// [`resample_means_cached`] with AVX-512: the eight streams of a group
/// are the eight lanes of one vector (the same SplitMix64 steps, Lemire's
/// multiply split into 32-bit halves, one gather and one add per draw), so
/// each lane keeps its own draws and left-to-right sum: the same bits.
#[cfg(target_arch = "x86_64")]
mod lanes {
    use std::arch::x86_64::*;

    /// The means of the resamples seeded by `seeds` (a multiple of eight)
    /// into `out`. A group in which some draw falls in Lemire's rejection
    /// zone (about one draw in 2^64 / n) is redone one resample at a time.
    ///
    /// # Safety
    /// The processor must have AVX-512F and AVX-512DQ.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub(super) unsafe fn resample_means(values: &[f64], seeds: &[u64], out: &mut [f64]) {
        // SAFETY: as this function's.
        unsafe { resample_means_flagging(values, seeds, out, values.len() as u64) }
    }

    /// [`resample_means`], redoing every group with a draw whose low half
    /// is below `zone` (`n` in use: a superset of Lemire's rejections;
    /// larger in tests, to exercise the redo).
    ///
    /// # Safety
    /// The processor must have AVX-512F and AVX-512DQ.
    #[target_feature(enable = "avx512f,avx512dq")]
    pub(super) unsafe fn resample_means_flagging(
        values: &[f64],
        seeds: &[u64],
        out: &mut [f64],
        zone: u64,
    ) {
        let n = values.len() as u64;
        if n == 0 || n > u32::MAX as u64 {
            for (&s, o) in seeds.iter().zip(out.iter_mut()) {
                *o = super::resample_mean(values, s);
            }
            return;
        }
        let golden = _mm512_set1_epi64(0x9E37_79B9_7F4A_7C15u64 as i64);
        let c1 = _mm512_set1_epi64(0xBF58_476D_1CE4_E5B9u64 as i64);
        let c2 = _mm512_set1_epi64(0x94D0_49BB_1331_11EBu64 as i64);
        let nv = _mm512_set1_epi64(n as i64);
        let zone = _mm512_set1_epi64(zone as i64);
        for (s, o) in seeds.chunks_exact(8).zip(out.chunks_exact_mut(8)) {
            // SAFETY: `s` holds eight u64 (unaligned load).
            let mut state = unsafe { _mm512_loadu_si512(s.as_ptr().cast()) };
            let mut sum = _mm512_setzero_pd();
            let mut rejected = 0;
            for _ in 0..n {
                state = _mm512_add_epi64(state, golden);
                let mut z = state;
                z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64::<30>(z)), c1);
                z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64::<27>(z)), c2);
                z = _mm512_xor_si512(z, _mm512_srli_epi64::<31>(z));
                // z * n as 128 bits from the 32-bit halves of z (n < 2^32):
                // low = (zh n << 32) + zl n, high = (zh n + (zl n >> 32)) >> 32.
                let lo_n = _mm512_mul_epu32(z, nv);
                let hi_n = _mm512_mul_epu32(_mm512_srli_epi64::<32>(z), nv);
                let low = _mm512_add_epi64(_mm512_slli_epi64::<32>(hi_n), lo_n);
                let index =
                    _mm512_srli_epi64::<32>(_mm512_add_epi64(hi_n, _mm512_srli_epi64::<32>(lo_n)));
                rejected |= _mm512_cmplt_epu64_mask(low, zone);
                // SAFETY: every index is below n = values.len() (the high
                // half of z * n); a lane whose draw would be rejected still
                // reads inside `values`, and its group is redone below.
                let v = unsafe { _mm512_i64gather_pd::<8>(index, values.as_ptr()) };
                sum = _mm512_add_pd(sum, v);
            }
            if rejected != 0 {
                for (&seed, o) in s.iter().zip(o.iter_mut()) {
                    *o = super::resample_mean(values, seed);
                }
                continue;
            }
            let mean = _mm512_div_pd(sum, _mm512_set1_pd(n as f64));
            // SAFETY: `o` holds eight f64 (unaligned store).
            unsafe { _mm512_storeu_pd(o.as_mut_ptr(), mean) };
        }
    }
}

/// Asks for the cache line of `values[i]` (a hint: no effect on results;
/// nothing on targets without a prefetch instruction).
#[inline(always)]
fn prefetch(values: &[f64], i: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults, and the address is
    // inside `values` (i < values.len()).
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(values.as_ptr().add(i as usize).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, i);
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

    /// The definition, one resample and one draw at a time.
    fn plain_means(values: &[f64], resamples: usize, seed: u64) -> Vec<f64> {
        let n = values.len() as u64;
        let mut master = SplitMix64::new(seed);
        (0..resamples)
            .map(|_| {
                let mut rng = SplitMix64::new(master.next_u64());
                let mut sum = 0.0;
                for _ in 0..n {
                    sum += values[rng.below(n) as usize];
                }
                sum / n as f64
            })
            .collect()
    }

    #[test]
    fn streams_and_lookahead_give_the_plain_sums() {
        // Lengths below, at and above the lookahead, and past the cached
        // path's bound (the prefetching path); resample counts with and
        // without a remainder of the four and of the eight streams.
        for n in [1, 2, 15, 16, 17, 33, 1000, IN_CACHE, IN_CACHE + 1, 40_000] {
            let v: Vec<f64> = (0..n)
                .map(|i| ((i * 7919) % 1009) as f64 / 1009.0 + 1e-9 * i as f64)
                .collect();
            for b in [1, 4, 7, 8, 9, 17] {
                let got = bootstrap_means_threads(&v, b, 11, 1);
                let want = plain_means(&v, b, 11);
                assert_eq!(got.len(), b);
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.to_bits(), w.to_bits(), "n {n} resamples {b}");
                }
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn vector_lanes_redo_flagged_groups_exactly() {
        if !(std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq"))
        {
            eprintln!("no AVX-512 on this processor: the vector path is not tested here");
            return;
        }
        let v: Vec<f64> = (0..805)
            .map(|i| ((i * 7919) % 1009) as f64 / 1009.0)
            .collect();
        let mut master = SplitMix64::new(3);
        let seeds: Vec<u64> = (0..64).map(|_| master.next_u64()).collect();
        let want = plain_means(&v, 64, 3);
        // No group flagged, about half of the draws flagged (nearly every
        // group redone), every draw flagged.
        for zone in [0, 805, 1 << 58, 1 << 63, u64::MAX] {
            let mut got = vec![0.0; 64];
            // SAFETY: the features were detected above.
            unsafe { lanes::resample_means_flagging(&v, &seeds, &mut got, zone) };
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "zone {zone}");
            }
        }
    }

    #[test]
    fn thread_count_does_not_matter() {
        let v: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1009) as f64 / 1009.0)
            .collect();
        let one = bootstrap_means_threads(&v, 101, 5, 1);
        for t in [2, 3, 8, 64, 500] {
            let m = bootstrap_means_threads(&v, 101, 5, t);
            assert!(m.iter().zip(&one).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        assert_eq!(bootstrap_means(&v, 101, 5), one);
    }
}
