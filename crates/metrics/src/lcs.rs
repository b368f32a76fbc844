//! Length of the longest common subsequence of two token-id sequences, by
//! the bit-parallel algorithm of Allison & Dix (1986) in Hyyrö's (2004)
//! formulation: one bit per position of the shorter sequence, 64 positions
//! per `u64` word, words chained by the carry of the addition.
//!
//! With `M[c]` the positions of symbol `c` in the bit-side sequence and `V`
//! starting as all ones, each symbol `c` of the other sequence does
//! `U = V & M[c]; V = (V + U) | (V & !M[c])`; the LCS length is the number
//! of zero bits of `V`. A symbol absent from the bit side leaves `V`
//! unchanged, so only matching positions are visited.

/// Reusable buffers for [`lcs_len`] and the pair scorer (grow only).
#[derive(Debug, Default)]
pub struct LcsScratch {
    /// Match masks, `words` u64 per slot.
    pub(crate) masks: Vec<u64>,
    /// The running bit vector `V`.
    pub(crate) v: Vec<u64>,
}

/// Marks a symbol that does not occur on the bit side.
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// Core LCS loop: `short_slots[i]` is the mask slot of position `i` of the
/// bit-side sequence (every position has a slot or `NO_SLOT`), `long_slots`
/// yields the slot of each position of the other sequence, in order.
/// `scratch.masks`/`scratch.v` are (re)used.
pub(crate) fn lcs_by_slots(
    short_slots: impl Iterator<Item = u32>,
    short_len: usize,
    n_slots: usize,
    long_slots: impl Iterator<Item = u32>,
    scratch: &mut LcsScratch,
) -> usize {
    if short_len == 0 || n_slots == 0 {
        return 0;
    }
    let words = short_len.div_ceil(64);
    let masks = &mut scratch.masks;
    masks.clear();
    // One more slot, all zeros, for the symbols absent from the bit side: a
    // zero mask leaves `V` unchanged, so the fixed-size loops take it
    // instead of a branch on every position.
    masks.resize((n_slots + 1) * words, 0);
    for (i, s) in short_slots.enumerate() {
        if s != NO_SLOT {
            masks[s as usize * words + i / 64] |= 1u64 << (i % 64);
        }
    }
    let masks = &scratch.masks[..];
    let zero = n_slots as u32;
    let long_slots = long_slots.map(move |s| if s == NO_SLOT { zero } else { s });
    macro_rules! fixed {
        ($($w:literal)*) => {
            match words {
                $($w => return lcs_fixed::<$w>(masks, long_slots),)*
                _ => {}
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8);
    let v = &mut scratch.v;
    v.clear();
    v.resize(words, !0u64);
    for s in long_slots {
        if s == zero {
            continue;
        }
        let m = &masks[s as usize * words..(s as usize + 1) * words];
        let mut carry = 0u64;
        for (vk, &mk) in v.iter_mut().zip(m) {
            step(vk, mk, &mut carry);
        }
    }
    // Padding bits above short_len never clear (their mask bits are zero
    // and `old & !mk` keeps them), so zeros are exactly the LCS length.
    let ones: usize = v.iter().map(|w| w.count_ones() as usize).sum();
    words * 64 - ones
}

/// One word of `V = (V + (V & M)) | (V & !M)` with the carry chained in.
#[inline(always)]
fn step(vk: &mut u64, mk: u64, carry: &mut u64) {
    let old = *vk;
    let u = old & mk;
    let (x, c1) = old.overflowing_add(u);
    let (y, c2) = x.overflowing_add(*carry);
    *carry = (c1 | c2) as u64;
    *vk = y | (old & !mk);
}

/// The same loop with `V` in a fixed-size array (kept in registers) for
/// sequences of up to `W * 64` tokens, the common case; every symbol has a
/// mask (absent ones the zero mask).
fn lcs_fixed<const W: usize>(masks: &[u64], long_slots: impl Iterator<Item = u32>) -> usize {
    let mut v = [!0u64; W];
    for s in long_slots {
        let m: &[u64; W] = masks[s as usize * W..(s as usize + 1) * W]
            .try_into()
            .expect("W words");
        let mut carry = 0u64;
        for k in 0..W {
            step(&mut v[k], m[k], &mut carry);
        }
    }
    let ones: usize = v.iter().map(|w| w.count_ones() as usize).sum();
    W * 64 - ones
}

/// LCS length of two id sequences (the ROUGE-L numerator), in
/// `O(|a| * |b| / 64)` word operations. This general entry point allocates
/// a small symbol table; the prepared pair scorer ([`crate::score`]) reuses
/// precomputed ranks and does not allocate.
pub fn lcs_len(a: &[u32], b: &[u32], scratch: &mut LcsScratch) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    // Map symbols to dense slots by sorting the short side's distinct ids.
    // (The prepared path precomputes this; this entry point is general.)
    let mut ids: Vec<u32> = short.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let slot = |x: u32| match ids.binary_search(&x) {
        Ok(k) => k as u32,
        Err(_) => NO_SLOT,
    };
    let n_slots = ids.len();
    lcs_by_slots(
        short.iter().map(|&x| slot(x)),
        short.len(),
        n_slots,
        long.iter().map(|&x| slot(x)),
        scratch,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cases() {
        let mut s = LcsScratch::default();
        assert_eq!(lcs_len(&[], &[1, 2], &mut s), 0);
        assert_eq!(lcs_len(&[1, 2, 3], &[1, 2, 3], &mut s), 3);
        assert_eq!(lcs_len(&[1, 2, 3, 4], &[2, 4, 1, 3], &mut s), 2);
        assert_eq!(lcs_len(&[5, 5, 5], &[5, 5], &mut s), 2);
        assert_eq!(lcs_len(&[1, 2], &[3, 4], &mut s), 0);
    }
}
