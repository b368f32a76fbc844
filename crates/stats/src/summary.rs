//! [`Moments`]: mergeable, order-independent summary statistics.
//!
//! A `Moments` holds the count, the exact sum of the values and the exact
//! sum of their squares (each square split error-free into `hi + lo` with a
//! fused multiply-add), plus min and max. All of these are functions of the
//! multiset of values only, so `merge` in any order, over any shard split,
//! gives the same bits for every statistic.
//!
//! Formulas (n values x_i, S = sum x_i exactly, Q = sum x_i^2 exactly):
//! - `mean = fl(fl(S) / n)`: the correctly rounded sum divided by n, as
//!   Python's `statistics.fmean` / `math.fsum(xs) / n`.
//! - `M2 = sum (x_i - S/n)^2 = Q - S^2/n`, evaluated without cancellation
//!   as `Q - 2mS + n m^2 - D^2/n` with `m = mean`, `D = S - n m`, all terms
//!   but the tiny last one exact, summed exactly, rounded once.
//! - `var_population = M2 / n` (numpy `ddof=0`), `var_sample = M2 / (n-1)`
//!   (`ddof=1`); `std_* = sqrt(var_*)`.
//!
//! Statistics that are undefined (mean of nothing, sample std of one value)
//! are NaN, like numpy. Any non-finite input makes mean follow IEEE sums and
//! std NaN; so does a value above ~1.3e154 in magnitude (its square
//! overflows). Squares below ~1e-292 lose exactness to underflow (still
//! deterministic).

use crate::exact::{two_prod, ExactSum};

/// Count, exact sum and exact sum of squares (plus min/max) of a stream of
/// `f64` values; merge partials from any split in any order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moments {
    n: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
    /// Smallest non-NaN value seen (total order: -0.0 < +0.0).
    min: Option<f64>,
    /// Largest non-NaN value seen (total order).
    max: Option<f64>,
}

impl Moments {
    /// Empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moments of a slice.
    pub fn from_slice(values: &[f64]) -> Self {
        let mut m = Self::new();
        for &v in values {
            m.push(v);
        }
        m
    }

    /// Add one observation.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum.add(x);
        if x.is_finite() {
            let (h, l) = two_prod(x, x);
            self.sum_sq.add(h);
            self.sum_sq.add(l);
        } else {
            self.sum_sq.add(x * x);
        }
        if !x.is_nan() {
            self.min = Some(match self.min {
                Some(m) if m.total_cmp(&x).is_le() => m,
                _ => x,
            });
            self.max = Some(match self.max {
                Some(m) if m.total_cmp(&x).is_ge() => m,
                _ => x,
            });
        }
    }

    /// Fold another partial aggregate into this one (exact; commutative and
    /// associative to the bit).
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
        if let Some(o) = other.min {
            self.min = Some(match self.min {
                Some(m) if m.total_cmp(&o).is_le() => m,
                _ => o,
            });
        }
        if let Some(o) = other.max {
            self.max = Some(match self.max {
                Some(m) if m.total_cmp(&o).is_ge() => m,
                _ => o,
            });
        }
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The correctly rounded exact sum.
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// The exact sum accumulator itself.
    pub fn exact_sum(&self) -> &ExactSum {
        &self.sum
    }

    /// Smallest non-NaN observation, if any.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// Largest non-NaN observation, if any.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// `fl(sum) / n`; NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum.value() / self.n as f64
    }

    /// Sum of squared deviations from the mean, `M2 = sum (x - mean)^2`,
    /// rounded (nearly always correctly) from exact terms; NaN when empty or
    /// any input is non-finite; never negative.
    pub fn sum_sq_dev(&self) -> f64 {
        if self.n == 0 || !self.sum.is_finite() || !self.sum_sq.is_finite() {
            return f64::NAN;
        }
        let n = self.n as f64;
        let m = self.mean();
        let mut acc = self.sum_sq.clone();
        // - 2 m S, term by term over the canonical partials of S (so even
        // an underflowing product cannot depend on the addition order).
        for &p in &self.sum.canonical_partials() {
            let (h, l) = two_prod(-2.0 * m, p);
            acc.add(h);
            acc.add(l);
        }
        // + n m^2
        let (h, l) = two_prod(m, m);
        let (a, b) = two_prod(n, h);
        let (c, d) = two_prod(n, l);
        for t in [a, b, c, d] {
            acc.add(t);
        }
        // - D^2 / n with D = S - n m (exact, then rounded once; tiny term).
        let mut dd = self.sum.clone();
        let (h, l) = two_prod(n, m);
        dd.add(-h);
        dd.add(-l);
        let dv = dd.value();
        acc.add(-(dv * dv / n));
        acc.value().max(0.0)
    }

    /// Population variance `M2 / n` (numpy `var`, ddof=0); NaN when empty.
    pub fn var_population(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum_sq_dev() / self.n as f64
    }

    /// Sample variance `M2 / (n - 1)` (ddof=1); NaN when n < 2.
    pub fn var_sample(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        self.sum_sq_dev() / (self.n - 1) as f64
    }

    /// Population standard deviation `sqrt(M2 / n)` (numpy default ddof=0).
    pub fn std_population(&self) -> f64 {
        self.var_population().sqrt()
    }

    /// Sample standard deviation `sqrt(M2 / (n - 1))` (ddof=1, pandas
    /// default); NaN when n < 2.
    pub fn std_sample(&self) -> f64 {
        self.var_sample().sqrt()
    }

    /// Exact text serialisation (one line, no whitespace) for partial
    /// aggregates written between stages; see [`Moments::decode`].
    pub fn encode(&self) -> String {
        let opt = |v: Option<f64>| match v {
            Some(x) => format!("{:016x}", x.to_bits()),
            None => "-".to_string(),
        };
        format!(
            "m1;{};{};{};{};{}",
            self.n,
            opt(self.min),
            opt(self.max),
            self.sum.encode(),
            self.sum_sq.encode()
        )
    }

    /// Parse [`Moments::encode`] output; `None` if malformed.
    pub fn decode(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.trim().split(';').collect();
        if parts.len() != 6 || parts[0] != "m1" {
            return None;
        }
        let opt = |s: &str| -> Option<Option<f64>> {
            if s == "-" {
                Some(None)
            } else if s.len() == 16 {
                Some(Some(f64::from_bits(u64::from_str_radix(s, 16).ok()?)))
            } else {
                None
            }
        };
        Some(Moments {
            n: parts[1].parse().ok()?,
            min: opt(parts[2])?,
            max: opt(parts[3])?,
            sum: ExactSum::decode(parts[4])?,
            sum_sq: ExactSum::decode(parts[5])?,
        })
    }
}

/// Serialized as its exact text form ([`Moments::encode`]), so part files
/// keep every bit of the sums.
impl serde::Serialize for Moments {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for Moments {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Moments::decode(&text).ok_or_else(|| serde::de::Error::custom("malformed moments"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // 2,4,4,4,5,5,7,9: mean 5, M2 32, pop std 2, sample std sqrt(32/7).
        let m = Moments::from_slice(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m.count(), 8);
        assert_eq!(m.mean(), 5.0);
        assert_eq!(m.sum_sq_dev(), 32.0);
        assert_eq!(m.std_population(), 2.0);
        assert_eq!(m.std_sample(), (32.0f64 / 7.0).sqrt());
        assert_eq!(m.min(), Some(2.0));
        assert_eq!(m.max(), Some(9.0));
    }

    #[test]
    fn degenerate() {
        let e = Moments::new();
        assert!(e.mean().is_nan() && e.std_population().is_nan() && e.std_sample().is_nan());
        let one = Moments::from_slice(&[0.25]);
        assert_eq!(one.mean(), 0.25);
        assert_eq!(one.std_population(), 0.0);
        assert!(one.std_sample().is_nan());
        let c = Moments::from_slice(&[0.1; 1000]);
        assert_eq!(c.std_population(), 0.0);
        assert_eq!(c.mean(), 0.1);
    }

    #[test]
    fn cancellation_free() {
        // Large offset: naive Q - S^2/n would lose everything.
        let m = Moments::from_slice(&[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0]);
        assert_eq!(m.mean(), 1e9 + 2.0);
        assert_eq!(m.sum_sq_dev(), 2.0);
        assert_eq!(m.std_sample(), 1.0);
    }

    #[test]
    fn non_finite() {
        let m = Moments::from_slice(&[1.0, f64::INFINITY]);
        assert_eq!(m.mean(), f64::INFINITY);
        assert!(m.std_sample().is_nan());
        let m = Moments::from_slice(&[1.0, f64::NAN, 3.0]);
        assert!(m.mean().is_nan());
        assert_eq!(m.min(), Some(1.0));
        assert_eq!(m.max(), Some(3.0));
    }

    #[test]
    fn signed_zero_min_is_order_free() {
        let a = Moments::from_slice(&[0.0, -0.0]);
        let b = Moments::from_slice(&[-0.0, 0.0]);
        assert_eq!(a.min().unwrap().to_bits(), (-0.0f64).to_bits());
        assert_eq!(a, b);
    }

    #[test]
    fn encode_roundtrip() {
        let m = Moments::from_slice(&[0.5, 0.25, 1e-9, 0.75]);
        let d = Moments::decode(&m.encode()).unwrap();
        assert_eq!(d, m);
        assert_eq!(
            Moments::decode(&Moments::new().encode()).unwrap(),
            Moments::new()
        );
        assert!(Moments::decode("m1;1;-;-;x;y").is_none());
    }
}
