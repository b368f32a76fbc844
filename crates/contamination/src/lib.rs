//! Exact benchmark contamination of transcript text, by lm-evaluation-harness's
//! decontamination rule: a text contains a benchmark item when they share at
//! least one word n-gram (default 13) after normalization.
//!
//! Normalization is `Janitor().normalize_string` followed by `str.split()`
//! (`lm_eval/decontamination/janitor.py`; see [`normalize`]); n-grams are
//! `word_ngrams` (consecutive tokens), and membership is exact: the [`Index`]
//! finds candidates by a 64-bit hash of the token sequence and re-checks the
//! tokens, so there are no false positives or negatives. Items shorter than n
//! tokens have no n-gram and never match (as in lm-eval); [`Index::too_short`]
//! counts them.

#![warn(missing_docs)]

mod index;
mod load;
mod normalize;

pub use index::{Hit, Index, EXCERPT_BEFORE, EXCERPT_CHARS};
pub use load::{load_benchmark, Item};
pub use normalize::normalize;

/// Default n-gram size (lm-evaluation-harness uses 13-grams).
pub const DEFAULT_N: usize = 13;

/// Stable 64-bit FNV-1a hash over every item's benchmark name, id and text
/// (each as its UTF-8 length, little-endian u64, then its bytes), in order:
/// partial results made against other benchmark files differ in it.
pub fn fingerprint(items: &[Item]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut eat = |b: &[u8]| {
        for &x in b {
            h = (h ^ x as u64).wrapping_mul(0x0000_0100_0000_01B3);
        }
    };
    for it in items {
        for s in [&it.benchmark, &it.id, &it.text] {
            eat(&(s.len() as u64).to_le_bytes());
            eat(s.as_bytes());
        }
    }
    h
}
