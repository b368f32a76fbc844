//! The small multiplicative (FxHash-style) hasher of the crate's internal
//! string maps, and the shard choice of their sharded, thread-safe forms.
//! Keys are short words, so SipHash's per-call setup would dominate.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Number of shards of the thread-safe maps (limits lock contention).
pub(crate) const SHARDS: usize = 64;

/// Most entries one shard of a shared cache holds: 7/8 of 16,384, so its
/// table never grows past 16,384 buckets (hashbrown's load limit). A full
/// shard stops caching: later keys are computed again on each sight, with
/// the same result.
pub(crate) const SHARD_CAP: usize = 7 << 11;

/// Longest key the caches store (longer ones, rare and seldom repeated,
/// are computed on each sight), so that a cache's bytes are bounded too.
pub(crate) const MAX_CACHED_KEY: usize = 64;

/// FxHash-style hasher: eight bytes per multiply.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The product's well-mixed middle bits become the low bits that
        // pick buckets (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The shard of a string key: re-mixed, so it does not correlate with the
/// bits the shard's map itself uses (low bits for the bucket, top 7 for the
/// tag).
pub(crate) fn shard_of(s: &str) -> usize {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    (h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % SHARDS
}

/// [`SHARDS`] values behind read-write locks, each shard on cache lines
/// of its own (threads locking different shards share no line).
pub(crate) struct Sharded<T>(Box<[Padded<T>]>);

#[repr(align(128))]
struct Padded<T>(RwLock<T>);

impl<T: Default> Default for Sharded<T> {
    fn default() -> Self {
        Sharded((0..SHARDS).map(|_| Padded(RwLock::default())).collect())
    }
}

impl<T> Sharded<T> {
    /// Sum of `f` over the shards (each read-locked in turn).
    pub(crate) fn sum(&self, f: impl Fn(&T) -> usize) -> usize {
        (0..SHARDS).map(|i| f(&self.read(i))).sum()
    }

    /// Shard `i` locked for reading (a poisoned lock is used as is: every
    /// writer leaves its map consistent).
    #[inline]
    pub(crate) fn read(&self, i: usize) -> RwLockReadGuard<'_, T> {
        self.0[i].0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Shard `i` locked for writing.
    #[inline]
    pub(crate) fn write(&self, i: usize) -> RwLockWriteGuard<'_, T> {
        self.0[i].0.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A string-keyed map that keeps keys of at most 15 bytes inline as one
/// integer (no pointer to follow and no `memcmp` on lookup: one cache line
/// less per miss) and longer keys boxed.
pub(crate) struct StrMap<V> {
    short: FxMap<u128, V>,
    long: FxMap<Box<str>, V>,
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap {
            short: FxMap::default(),
            long: FxMap::default(),
        }
    }
}

/// A key of at most 15 bytes as one integer: its bytes, zero-padded, and
/// its length in the top byte (so distinct keys stay distinct).
/// Built from overlapping fixed-size loads (no variable-length copy).
#[inline]
fn short_key(key: &str) -> Option<u128> {
    let b = key.as_bytes();
    let n = b.len();
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes")) as u64;
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => {
            let (a, m, z) = (b[0] as u64, b[n / 2] as u64, b[n - 1] as u64);
            (a | m << (8 * (n / 2)) | z << (8 * (n - 1)), 0)
        }
        4..=8 => (u32_at(0) | (u32_at(n - 4) << 32) >> (8 * (8 - n)), 0),
        9..=15 => (u64_at(0), u64_at(n - 8) >> (8 * (16 - n))),
        _ => return None,
    };
    Some(lo as u128 | (hi as u128) << 64 | (n as u128) << 120)
}

impl<V> StrMap<V> {
    /// The value stored for `key`.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        match short_key(key) {
            Some(k) => self.short.get(&k),
            None => self.long.get(key),
        }
    }

    /// The value stored for `key`, inserting `make()` first if absent.
    pub(crate) fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &V {
        match short_key(key) {
            Some(k) => self.short.entry(k).or_insert_with(make),
            None => {
                if !self.long.contains_key(key) {
                    self.long.insert(key.into(), make());
                }
                &self.long[key]
            }
        }
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// Heap bytes of the tables (long keys counted at their bound,
    /// [`MAX_CACHED_KEY`]; values' own heap data not counted).
    pub(crate) fn bytes(&self) -> usize {
        table_bytes::<(u128, V)>(self.short.capacity())
            + table_bytes::<(Box<str>, V)>(self.long.capacity())
            + self.long.len() * MAX_CACHED_KEY
    }
}

/// Heap bytes of a hashbrown table of `capacity` entries of type `T`:
/// its buckets (a power of two, 8/7 of the capacity) of one `T` and one
/// control byte each, plus one group of control bytes.
pub(crate) fn table_bytes<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (std::mem::size_of::<T>() + 1) + 16
}

#[cfg(test)]
mod tests {
    use super::StrMap;

    #[test]
    fn short_key_is_the_padded_bytes_and_length() {
        let text = "abcdefghijklmnopé日本\u{0}x";
        for i in 0..text.len() {
            for j in i..text.len() {
                let Some(k) = text.get(i..j) else { continue };
                let mut want = [0u8; 16];
                match super::short_key(k) {
                    Some(got) => {
                        want[..k.len()].copy_from_slice(k.as_bytes());
                        want[15] = k.len() as u8;
                        assert_eq!(got, u128::from_le_bytes(want), "{k:?}");
                    }
                    None => assert!(k.len() > 15),
                }
            }
        }
    }

    #[test]
    fn short_and_long_keys_stay_distinct() {
        let mut m = StrMap::default();
        let keys = [
            "",
            "a",
            "a\0",
            "\0a",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "é",
        ];
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(*m.get_or_insert_with(k, || i), i);
        }
        assert_eq!(m.len(), keys.len());
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.get(k), Some(&i), "{k:?}");
            assert_eq!(*m.get_or_insert_with(k, || 99), i);
        }
        assert_eq!(m.get("abcdefghijklmnopq"), None);
    }
}
