//! Merge-order independence and statistical sanity.

mod common;
use common::gen;
use wildstat_stats::rng::SplitMix64;
use wildstat_stats::{bootstrap_ci, ExactSum, Moments};

/// Values over a wide dynamic range with signs, ties and cancellation.
fn nasty(seed: u64, n: usize) -> Vec<f64> {
    let mut r = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let u = r.next_f64() - 0.5;
            let e = r.below(200) as i32 - 100;
            match i % 5 {
                0 => u * 10f64.powi(e),
                1 => 1e20,
                2 => -1e20,
                3 => 0.1,
                _ => u,
            }
        })
        .collect()
}

fn shuffle(v: &mut [f64], r: &mut SplitMix64) {
    for i in (1..v.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

/// Split `v` into random shards, build each, then merge the partials in a
/// random order (pairing randomly, like a reduction tree).
fn random_merge(v: &[f64], r: &mut SplitMix64) -> Moments {
    let shards = 1 + r.below(17) as usize;
    let mut parts: Vec<Moments> = vec![Moments::new(); shards];
    for &x in v {
        parts[r.below(shards as u64) as usize].push(x);
    }
    while parts.len() > 1 {
        let i = r.below(parts.len() as u64) as usize;
        let a = parts.swap_remove(i);
        let j = r.below(parts.len() as u64) as usize;
        parts[j].merge(&a);
    }
    parts.pop().unwrap()
}

#[test]
fn exact_sum_is_order_free() {
    for seed in 0..20 {
        let mut v = nasty(seed, 500);
        let reference = ExactSum::from_slice(&v);
        let mut r = SplitMix64::new(seed + 100);
        for _ in 0..20 {
            shuffle(&mut v, &mut r);
            let s = ExactSum::from_slice(&v);
            assert_eq!(s.value().to_bits(), reference.value().to_bits());
            assert_eq!(s.encode(), reference.encode());
            assert_eq!(s, reference);
        }
    }
}

#[test]
fn moments_merge_is_order_and_split_free() {
    for seed in 0..30 {
        let kind = ["unit", "mixed", "ties"][seed as usize % 3];
        let mut v = gen(seed, 200 + 37 * seed as usize, kind);
        if seed % 2 == 0 {
            // Add values that make naive summation order-dependent.
            v.extend(nasty(seed, 100).into_iter().map(|x| x.clamp(-1e30, 1e30)));
        }
        let whole = Moments::from_slice(&v);
        let bits = |m: &Moments| {
            [
                m.sum(),
                m.mean(),
                m.sum_sq_dev(),
                m.std_sample(),
                m.std_population(),
            ]
            .map(f64::to_bits)
        };
        let mut r = SplitMix64::new(1000 + seed);
        for _ in 0..25 {
            shuffle(&mut v, &mut r);
            let m = random_merge(&v, &mut r);
            assert_eq!(bits(&m), bits(&whole), "seed {seed}");
            assert_eq!(m.encode(), whole.encode());
            assert_eq!(m.count(), v.len() as u64);
            // Decoding and merging serialised partials changes nothing.
            let mut via_text = Moments::decode(&Moments::new().encode()).unwrap();
            via_text.merge(&Moments::decode(&m.encode()).unwrap());
            assert_eq!(bits(&via_text), bits(&whole));
        }
    }
}

#[test]
fn naive_summation_would_not_be_order_free() {
    // Guard that the test data really exercises order dependence.
    let mut v = nasty(3, 500);
    let a: f64 = v.iter().sum();
    let mut r = SplitMix64::new(9);
    let mut differs = false;
    for _ in 0..10 {
        shuffle(&mut v, &mut r);
        differs |= v.iter().sum::<f64>().to_bits() != a.to_bits();
    }
    assert!(differs);
}

/// Standard normal via Box-Muller on the SplitMix64 stream.
fn normals(seed: u64, n: usize, mu: f64, sigma: f64) -> Vec<f64> {
    let mut r = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let u1 = 1.0 - r.next_f64();
            let u2 = r.next_f64();
            mu + sigma * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        })
        .collect()
}

#[test]
fn bootstrap_ci_is_sane_for_normal_samples() {
    for seed in 0..10 {
        let v = normals(seed, 400, 0.3, 0.1);
        let m = Moments::from_slice(&v);
        let (lo, hi) = bootstrap_ci(&v, 2000, seed);
        assert!(
            lo < m.mean() && m.mean() < hi,
            "CI must contain the sample mean"
        );
        // Width ~ 2 * 1.96 * sigma / sqrt(n) = 0.0098.
        let width = hi - lo;
        let se = m.std_sample() / (v.len() as f64).sqrt();
        assert!(
            (width / (2.0 * 1.96 * se) - 1.0).abs() < 0.15,
            "width {width} vs se {se}"
        );
        // Same seed and input: identical bits; another seed: different.
        assert_eq!(bootstrap_ci(&v, 2000, seed), (lo, hi));
        assert_ne!(bootstrap_ci(&v, 2000, seed + 1), (lo, hi));
    }
}

#[test]
fn bootstrap_covers_true_mean_about_95_percent() {
    let trials = 200;
    let covered = (0..trials)
        .filter(|&t| {
            let v = normals(10_000 + t, 100, 1.0, 2.0);
            let (lo, hi) = bootstrap_ci(&v, 500, t);
            lo <= 1.0 && 1.0 <= hi
        })
        .count();
    // Binomial(200, ~0.94): well inside [170, 200].
    assert!(
        (170..=200).contains(&covered),
        "coverage {covered}/{trials}"
    );
}
