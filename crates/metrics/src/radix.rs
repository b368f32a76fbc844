//! Stable least-significant-digit radix sort of positions by `u32` keys,
//! the ordering step of text preparation (a text's tokens by id, its
//! bigrams by rank pair, its METEOR tokens by stem). Preparing a text used
//! to spend a third of its instructions in comparison sorts of packed
//! (key, position) integers; counting passes over the key's significant
//! bits give the same order in linear time.

/// Below this many keys a comparison sort of packed (key, position) pairs
/// is cheaper than clearing the histograms.
const SMALL: usize = 48;
/// Widest digit of one counting pass (2,048 buckets).
const MAX_DIGIT_BITS: u32 = 11;

/// Reusable buffers of [`sort_positions`].
#[derive(Debug, Default)]
pub(crate) struct RadixScratch {
    tmp: Vec<u32>,
    counts: Vec<u32>,
    packed: Vec<u64>,
}

/// Fills `perm` with the positions `0..keys.len()` ordered by
/// `(keys[p], p)`: stable by key. `max_key` must be at least every key.
pub(crate) fn sort_positions(
    keys: &[u32],
    max_key: u32,
    perm: &mut Vec<u32>,
    s: &mut RadixScratch,
) {
    let n = keys.len();
    assert!(u32::try_from(n).is_ok(), "more than u32::MAX keys");
    perm.clear();
    if n < SMALL {
        s.packed.clear();
        s.packed.extend(
            keys.iter()
                .enumerate()
                .map(|(p, &k)| (k as u64) << 32 | p as u64),
        );
        s.packed.sort_unstable();
        perm.extend(s.packed.iter().map(|&x| x as u32));
        return;
    }
    let bits = (32 - max_key.leading_zeros()).max(1);
    let passes = bits.div_ceil(MAX_DIGIT_BITS);
    let width = bits.div_ceil(passes);
    let buckets = 1usize << width;
    let mask = (buckets - 1) as u32;
    // All passes' histograms in one read of the keys.
    s.counts.clear();
    s.counts.resize(buckets * passes as usize, 0);
    for &k in keys {
        for pass in 0..passes {
            let d = ((k >> (pass * width)) & mask) as usize;
            s.counts[pass as usize * buckets + d] += 1;
        }
    }
    for pass in 0..passes as usize {
        let mut sum = 0;
        for c in &mut s.counts[pass * buckets..(pass + 1) * buckets] {
            let here = *c;
            *c = sum;
            sum += here;
        }
    }
    perm.resize(n, 0);
    s.tmp.clear();
    s.tmp.resize(n, 0);
    // Pass 0 scatters the identity; later passes scatter the previous order.
    let (mut src, mut dst) = (&mut s.tmp, perm);
    {
        let counts = &mut s.counts[..buckets];
        for (p, &k) in keys.iter().enumerate() {
            let d = (k & mask) as usize;
            dst[counts[d] as usize] = p as u32;
            counts[d] += 1;
        }
    }
    for pass in 1..passes {
        std::mem::swap(&mut src, &mut dst);
        let counts = &mut s.counts[pass as usize * buckets..(pass as usize + 1) * buckets];
        for &p in src.iter() {
            let d = ((keys[p as usize] >> (pass * width)) & mask) as usize;
            dst[counts[d] as usize] = p;
            counts[d] += 1;
        }
    }
    // After an odd number of swaps the result sits in the scratch buffer.
    if passes.is_multiple_of(2) {
        std::mem::swap(src, dst);
    }
}

/// Largest key (exclusive) [`Grouper`] handles with its dense table: 2^21,
/// a table of 16 MiB per grouper at most; texts with a larger key take the
/// radix path (same result).
pub(crate) const DENSE_KEYS: u32 = 1 << 21;

/// Groups a text's positions by key: distinct keys in ascending order,
/// each position's group (rank), and the positions ordered by
/// (key, position). Keys below [`DENSE_KEYS`] are numbered in one pass
/// through a per-grouper table indexed by key (stamped per text, never
/// cleared), so only the distinct keys are sorted; others use
/// [`sort_positions`].
#[derive(Debug, Default)]
pub(crate) struct Grouper {
    /// Per key: the stamp of the last text holding it (high half) and its
    /// first-sight index in that text (low half).
    table: Vec<u64>,
    stamp: u32,
    /// Distinct keys in first-sight order, then sorted.
    first: Vec<u32>,
    local_rank: Vec<u32>,
    /// Distinct keys, ascending.
    pub(crate) keys: Vec<u32>,
    /// Group `g` is `perm[starts[g]..starts[g + 1]]`.
    pub(crate) starts: Vec<u32>,
    /// Per position, its group.
    pub(crate) ranks: Vec<u32>,
    /// Positions ordered by (key, position).
    pub(crate) perm: Vec<u32>,
    radix: RadixScratch,
}

impl Grouper {
    /// Groups `keys` (each at most `max_key`).
    pub(crate) fn group(&mut self, keys: &[u32], max_key: u32) {
        let n = keys.len();
        assert!(u32::try_from(n).is_ok(), "more than u32::MAX keys");
        self.keys.clear();
        self.starts.clear();
        self.ranks.clear();
        if max_key >= DENSE_KEYS {
            sort_positions(keys, max_key, &mut self.perm, &mut self.radix);
            self.ranks.resize(n, 0);
            for (i, &p) in self.perm.iter().enumerate() {
                let k = keys[p as usize];
                if self.keys.last() != Some(&k) || i == 0 {
                    self.keys.push(k);
                    self.starts.push(i as u32);
                }
                self.ranks[p as usize] = self.keys.len() as u32 - 1;
            }
            self.starts.push(n as u32);
            return;
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.table.iter_mut().for_each(|e| *e = 0);
            self.stamp = 1;
        }
        if self.table.len() <= max_key as usize {
            self.table.resize(max_key as usize + 1, 0);
        }
        let stamp = (self.stamp as u64) << 32;
        self.first.clear();
        self.ranks.resize(n, 0);
        let table = &mut self.table[..=max_key as usize];
        for (r, &k) in self.ranks.iter_mut().zip(keys) {
            let e = &mut table[k as usize];
            if *e & !0xffff_ffff != stamp {
                *e = stamp | self.first.len() as u64;
                self.first.push(k);
            }
            *r = *e as u32;
        }
        // The distinct keys sorted; each one's rank goes to its first-sight
        // index (its entry was just read, so it is cached).
        let u = self.first.len();
        self.keys.extend_from_slice(&self.first);
        self.keys.sort_unstable();
        self.local_rank.clear();
        self.local_rank.resize(u, 0);
        for (r, &k) in self.keys.iter().enumerate() {
            self.local_rank[table[k as usize] as u32 as usize] = r as u32;
        }
        self.starts.resize(u + 1, 0);
        let (local_rank, starts) = (&self.local_rank[..], &mut self.starts[..]);
        for r in self.ranks.iter_mut() {
            *r = local_rank[*r as usize];
            starts[*r as usize + 1] += 1;
        }
        for g in 0..u {
            starts[g + 1] += starts[g];
        }
        // Counting sort by rank, stable: positions ascend within a group.
        self.perm.clear();
        self.perm.resize(n, 0);
        let next = &mut self.local_rank;
        next.copy_from_slice(&self.starts[..u]);
        for (p, &r) in self.ranks.iter().enumerate() {
            let slot = &mut next[r as usize];
            self.perm[*slot as usize] = p as u32;
            *slot += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(keys: &[u32]) -> Vec<u32> {
        let mut p: Vec<u32> = (0..keys.len() as u32).collect();
        p.sort_by_key(|&i| (keys[i as usize], i));
        p
    }

    #[test]
    fn grouper_paths_agree() {
        let mut g = Grouper::default();
        let mut x = 0x1234_5678u32;
        for n in [0usize, 1, 5, 300] {
            for max in [0u32, 3, 1000, DENSE_KEYS - 1, DENSE_KEYS, u32::MAX - 1] {
                let keys: Vec<u32> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        x % (max + 1)
                    })
                    .collect();
                // Twice, so the dense table's stamps are exercised.
                for _ in 0..2 {
                    g.group(&keys, max);
                    let perm = reference(&keys);
                    assert_eq!(g.perm, perm, "n={n} max={max}");
                    let mut distinct: Vec<u32> = keys.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    assert_eq!(g.keys, distinct);
                    assert_eq!(g.starts.len(), distinct.len() + 1);
                    for (r, w) in g.starts.windows(2).enumerate() {
                        for &p in &g.perm[w[0] as usize..w[1] as usize] {
                            assert_eq!(keys[p as usize], distinct[r]);
                            assert_eq!(g.ranks[p as usize], r as u32);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn matches_a_stable_comparison_sort() {
        let mut s = RadixScratch::default();
        let mut perm = Vec::new();
        let mut x = 0x9E37_79B9u32;
        for n in [0usize, 1, 2, 47, 48, 49, 300, 5000] {
            for max in [0u32, 1, 7, 1000, 1 << 20, u32::MAX] {
                let keys: Vec<u32> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        if max == u32::MAX {
                            x
                        } else {
                            x % (max + 1)
                        }
                    })
                    .collect();
                sort_positions(&keys, max, &mut perm, &mut s);
                assert_eq!(perm, reference(&keys), "n={n} max={max}");
            }
        }
    }
}
