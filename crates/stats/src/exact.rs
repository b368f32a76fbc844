//! Exact floating-point summation.
//!
//! [`ExactSum`] keeps the running sum as Shewchuk's non-overlapping
//! "partials" (the algorithm behind Python's `math.fsum`): every addition is
//! error-free, so the list always represents the *exact* real sum of all
//! values added so far. [`ExactSum::value`] rounds that exact sum once, to
//! nearest with ties to even (CPython's fsum final step). Because the value is
//! a function of the exact sum only, adding the same multiset of numbers in
//! any order, or merging partial sums from any shard/thread split in any
//! order, yields identical bits.
//!
//! Non-finite inputs are counted apart (NaN, +inf, -inf) and combine as IEEE
//! addition would: any NaN, or both infinities, gives NaN; otherwise an
//! infinity wins. Finite sums whose intermediate magnitude exceeds
//! `f64::MAX` (~1.8e308) set an overflow flag and yield NaN (CPython raises
//! `OverflowError` there); this cannot happen for scores, counts or lengths.

/// An exact, order-independent sum of `f64` values (Shewchuk partials).
///
/// The internal partials depend on the order of additions, but everything
/// observable (value, [`ExactSum::canonical_partials`], [`ExactSum::encode`],
/// `==`) depends only on the exact sum.
#[derive(Clone, Debug, Default)]
pub struct ExactSum {
    /// Non-overlapping finite non-zero partials, increasing in magnitude.
    partials: Vec<f64>,
    nan: u64,
    pos_inf: u64,
    neg_inf: u64,
    overflow: bool,
}

/// Error-free product: `a * b == hi + lo` exactly (barring under/overflow).
#[inline]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let hi = a * b;
    let lo = a.mul_add(b, -hi);
    (hi, lo)
}

impl ExactSum {
    /// An empty sum (value 0.0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Exact sum of a slice.
    pub fn from_slice(values: &[f64]) -> Self {
        let mut s = Self::new();
        for &v in values {
            s.add(v);
        }
        s
    }

    /// Add one value exactly.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            if x.is_nan() {
                self.nan += 1;
            } else if x > 0.0 {
                self.pos_inf += 1;
            } else {
                self.neg_inf += 1;
            }
            return;
        }
        if x == 0.0 {
            return;
        }
        let mut x = x;
        let mut i = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            if !hi.is_finite() {
                self.overflow = true;
                return;
            }
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        self.partials.truncate(i);
        if x != 0.0 {
            self.partials.push(x);
        }
    }

    /// Add every partial (and special count) of `other`; afterwards `self`
    /// represents the exact sum of both. Order of merges never matters.
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in &other.partials {
            self.add(p);
        }
        self.nan += other.nan;
        self.pos_inf += other.pos_inf;
        self.neg_inf += other.neg_inf;
        self.overflow |= other.overflow;
    }

    /// The exact partials (non-overlapping, increasing magnitude; their real
    /// sum is the exact finite part of the sum).
    pub fn partials(&self) -> &[f64] {
        &self.partials
    }

    /// The canonical expansion of the exact finite sum X: `c_1 = round(X)`,
    /// then `c_k = round(X - (c_1 + ... + c_{k-1}))` (nearest, ties to even)
    /// until nothing remains; returned in increasing magnitude. Two sums are equal exactly when
    /// these lists are, whatever order the values were added in.
    pub fn canonical_partials(&self) -> Vec<f64> {
        let mut rest = ExactSum {
            partials: self.partials.clone(),
            ..Default::default()
        };
        let mut out = Vec::new();
        loop {
            let v = rest.value();
            // Every partial is a multiple of 2^-1074, so a non-zero rest
            // never rounds to zero and the loop ends.
            if v == 0.0 || !v.is_finite() {
                break;
            }
            out.push(v);
            rest.add(-v);
        }
        out.reverse();
        out
    }

    /// True when only finite values were added and nothing overflowed.
    pub fn is_finite(&self) -> bool {
        self.nan == 0 && self.pos_inf == 0 && self.neg_inf == 0 && !self.overflow
    }

    /// The exact sum rounded once to the nearest `f64` (ties to even), with
    /// IEEE semantics for non-finite inputs (see module docs).
    pub fn value(&self) -> f64 {
        if self.nan > 0 || self.overflow || (self.pos_inf > 0 && self.neg_inf > 0) {
            return f64::NAN;
        }
        if self.pos_inf > 0 {
            return f64::INFINITY;
        }
        if self.neg_inf > 0 {
            return f64::NEG_INFINITY;
        }
        let p = &self.partials;
        let mut n = p.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Half-even rounding across partials (CPython math_fsum).
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }

    /// Serialise to a compact, exact text form (hex IEEE bits), for writing
    /// partial aggregates between pipeline stages. See [`ExactSum::decode`].
    pub fn encode(&self) -> String {
        let mut s = format!(
            "{}:{}:{}:{}",
            self.nan, self.pos_inf, self.neg_inf, self.overflow as u8
        );
        for p in &self.canonical_partials() {
            s.push(':');
            s.push_str(&format!("{:016x}", p.to_bits()));
        }
        s
    }

    /// Parse the output of [`ExactSum::encode`]; `None` if malformed. The
    /// partials are re-added, so even a hand-edited input yields a valid sum.
    pub fn decode(text: &str) -> Option<Self> {
        let mut it = text.trim().split(':');
        let nan = it.next()?.parse().ok()?;
        let pos_inf = it.next()?.parse().ok()?;
        let neg_inf = it.next()?.parse().ok()?;
        let overflow = match it.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let mut s = ExactSum {
            nan,
            pos_inf,
            neg_inf,
            overflow,
            partials: Vec::new(),
        };
        for h in it {
            if h.len() != 16 {
                return None;
            }
            let v = f64::from_bits(u64::from_str_radix(h, 16).ok()?);
            if !v.is_finite() {
                return None;
            }
            s.add(v);
        }
        Some(s)
    }
}

/// Serialized as its exact text form ([`ExactSum::encode`]), so part files
/// keep every bit of the sum.
impl serde::Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> serde::Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ExactSum::decode(&text).ok_or_else(|| serde::de::Error::custom("malformed exact sum"))
    }
}

impl PartialEq for ExactSum {
    /// Equal when the exact sums (and the special-value counts) are equal.
    fn eq(&self, other: &Self) -> bool {
        self.nan == other.nan
            && self.pos_inf == other.pos_inf
            && self.neg_inf == other.neg_inf
            && self.overflow == other.overflow
            && self.canonical_partials() == other.canonical_partials()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_fsum_cases() {
        // Examples from CPython's test_math.testFsum.
        assert_eq!(ExactSum::from_slice(&[0.1; 10]).value(), 1.0);
        assert_eq!(
            ExactSum::from_slice(&[1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]).value(),
            1e-100
        );
        assert_eq!(
            ExactSum::from_slice(&[1e-16, 1.0, 1e16]).value(),
            1.0000000000000002e16
        );
        assert_eq!(
            ExactSum::from_slice(&[2.0f64.powi(53), -0.5, -2.0f64.powi(-54)]).value(),
            2.0f64.powi(53) - 1.0
        );
        assert_eq!(
            ExactSum::from_slice(&[2.0f64.powi(53), 1.0, 2.0f64.powi(-100)]).value(),
            2.0f64.powi(53) + 2.0
        );
        assert_eq!(ExactSum::from_slice(&[]).value(), 0.0);
    }

    #[test]
    fn specials() {
        assert!(ExactSum::from_slice(&[1.0, f64::NAN]).value().is_nan());
        assert!(ExactSum::from_slice(&[f64::INFINITY, f64::NEG_INFINITY])
            .value()
            .is_nan());
        assert_eq!(
            ExactSum::from_slice(&[f64::INFINITY, 1.0]).value(),
            f64::INFINITY
        );
        assert_eq!(
            ExactSum::from_slice(&[-1.0, f64::NEG_INFINITY]).value(),
            f64::NEG_INFINITY
        );
        assert!(ExactSum::from_slice(&[f64::MAX, f64::MAX]).value().is_nan());
    }

    #[test]
    fn encode_roundtrip() {
        let s = ExactSum::from_slice(&[1e100, 0.1, -3.5, 1e-300, f64::NAN]);
        let d = ExactSum::decode(&s.encode()).unwrap();
        assert_eq!(d.encode(), s.encode());
        let r = ExactSum::from_slice(&[f64::NAN, 1e-300, -3.5, 0.1, 1e100]);
        assert_eq!(r, s);
        assert_eq!(r.encode(), s.encode());
        // 1e100 + fl-exact(0.1 - 3.5) + 1e-300, greedy-rounded from the top.
        let c = r.canonical_partials();
        assert_eq!(c.len(), 4);
        assert_eq!((c[3], c[2], c[0]), (1e100, -3.4, 1e-300));
        assert!(c[1] < 0.0 && c[1].abs() < 1e-15);
        assert!(ExactSum::decode("x").is_none());
        assert!(ExactSum::decode("0:0:0:2").is_none());
    }
}
