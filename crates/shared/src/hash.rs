//! Fixed 64-bit hashing: FNV-1a over bytes with a splitmix64 finalizer, and
//! a polynomial rolling hash over token hashes. Fixed constants, no random
//! state, so fingerprints are the same on every machine and run.

use std::hash::{BuildHasherDefault, Hasher};

/// splitmix64's finalizer: a bijective mix of 64 bits.
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a of `bytes`, mixed.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// Base of the rolling n-gram hash (odd, so multiplication is invertible).
const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// The hashes of every n-gram of `tokens` (token hashes), in position
/// order: `tokens.len() - n + 1` values, none when there are fewer than `n`
/// tokens. Hash of `t[i..i+n]` is `mix(sum t[i+k] * BASE^(n-1-k))` mod 2^64,
/// computed by rolling, so the cost is linear in the tokens whatever `n`.
pub fn ngram_hashes(tokens: &[u64], n: usize) -> Vec<u64> {
    if n == 0 || tokens.len() < n {
        return Vec::new();
    }
    let top = (1..n).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = 0u64;
    for &t in &tokens[..n] {
        h = h.wrapping_mul(BASE).wrapping_add(t);
    }
    let mut out = Vec::with_capacity(tokens.len() - n + 1);
    out.push(mix(h));
    for i in n..tokens.len() {
        h = h
            .wrapping_sub(tokens[i - n].wrapping_mul(top))
            .wrapping_mul(BASE)
            .wrapping_add(tokens[i]);
        out.push(mix(h));
    }
    out
}

/// A `Hasher` for keys that are already well-mixed `u64` fingerprints.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// Hash map keyed by fingerprints.
pub type FpMap<V> = std::collections::HashMap<u64, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_equals_direct() {
        let toks: Vec<u64> = (0..50u64).map(|i| mix(i % 7)).collect();
        for n in [1, 2, 5, 25] {
            let rolled = ngram_hashes(&toks, n);
            assert_eq!(rolled.len(), 50 - n + 1);
            for (i, &r) in rolled.iter().enumerate() {
                let direct = toks[i..i + n]
                    .iter()
                    .fold(0u64, |h, &t| h.wrapping_mul(BASE).wrapping_add(t));
                assert_eq!(r, mix(direct));
            }
        }
        assert!(ngram_hashes(&toks[..3], 4).is_empty());
    }
}
