//! Word counts of one group of texts: an exact, order-free accumulator.

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::RandomState;
use serde::{Deserialize, Serialize};

use crate::tokenize::{words, Stopwords};

/// How many times each word occurs in a group of texts, and the total
/// number of (non-stopword) words. Merging is integer addition, so any
/// split of the texts into chunks, merged in any order, gives the same
/// counts. Serialised as `{"total": n, "words": {word: count, ...}}` with
/// the words in sorted order, so equal counts give equal bytes; reading
/// checks that every count is positive and that they sum to `total`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "CountsFile", try_from = "CountsFile")]
pub struct Counts {
    /// foldhash: ~3x faster than SipHash on short words; randomly seeded,
    /// and no output depends on its order.
    words: HashMap<String, u64, RandomState>,
    total: u64,
}

/// The serialised form of [`Counts`]: sorted, and checked when read.
#[derive(Serialize, Deserialize)]
struct CountsFile {
    total: u64,
    words: BTreeMap<String, u64>,
}

impl From<Counts> for CountsFile {
    fn from(c: Counts) -> Self {
        CountsFile {
            total: c.total,
            words: c.words.into_iter().collect(),
        }
    }
}

impl TryFrom<CountsFile> for Counts {
    type Error = String;

    fn try_from(f: CountsFile) -> Result<Self, String> {
        let mut sum: u64 = 0;
        for (w, &c) in &f.words {
            if w.is_empty() || c == 0 {
                return Err(format!("keywords counts: word {w:?} has count {c}"));
            }
            sum = sum
                .checked_add(c)
                .ok_or("keywords counts: word counts overflow u64")?;
        }
        if sum != f.total {
            return Err(format!(
                "keywords counts: total {} is not the sum of the word counts ({sum})",
                f.total
            ));
        }
        Ok(Counts {
            words: f.words.into_iter().collect(),
            total: f.total,
        })
    }
}

impl Counts {
    /// Empty counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts every word of `text` ([`words`]), skipping those in
    /// `stopwords`; skipped words count nowhere, not even in the total.
    pub fn add_text(&mut self, text: &str, stopwords: Option<&Stopwords>) {
        let map = &mut self.words;
        let total = &mut self.total;
        words(text, &mut |w| {
            if stopwords.is_some_and(|s| s.contains(w)) {
                return;
            }
            *total += 1;
            match map.get_mut(w) {
                Some(c) => *c += 1,
                None => {
                    map.insert(w.to_string(), 1);
                }
            }
        });
    }

    /// Adds `other`'s counts to these (exact and order-free).
    pub fn merge(&mut self, other: &Counts) {
        for (w, &c) in &other.words {
            match self.words.get_mut(w.as_str()) {
                Some(n) => *n += c,
                None => {
                    self.words.insert(w.clone(), c);
                }
            }
        }
        self.total += other.total;
    }

    /// Total number of words counted (the sum of all word counts).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How often `word` was counted (0 if never).
    pub fn get(&self, word: &str) -> u64 {
        self.words.get(word).copied().unwrap_or(0)
    }

    /// Number of distinct words.
    pub fn distinct(&self) -> usize {
        self.words.len()
    }

    /// Every `(word, count)`, sorted by word (byte order, i.e. code point
    /// order), for deterministic output.
    pub fn sorted(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.words.iter().map(|(w, &c)| (w.as_str(), c)).collect();
        v.sort_unstable();
        v
    }

    /// Every `(word, count)` in unspecified order (for order-free use).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.words.iter().map(|(w, &c)| (w.as_str(), c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 5] = [
        "The judge prefers Assistant A's answer.",
        "Assistant B's answer is more detailed; the judge prefers B.",
        "",
        "Both answers are correct, but A is concise and B isn't.",
        "Résumé: ÉTÉ été, the THE the.",
    ];

    fn pass(texts: &[&str], stop: Option<&Stopwords>) -> Counts {
        let mut c = Counts::new();
        for t in texts {
            c.add_text(t, stop);
        }
        c
    }

    #[test]
    fn counts_words_and_total() {
        let c = pass(&TEXTS, None);
        assert_eq!(c.get("the"), 5);
        assert_eq!(c.get("été"), 2);
        assert_eq!(c.get("a's"), 1);
        assert_eq!(c.get("isn't"), 1);
        assert_eq!(c.get("missing"), 0);
        assert_eq!(c.total(), 33);
        assert_eq!(c.total(), c.sorted().iter().map(|p| p.1).sum::<u64>());
        let s = pass(&TEXTS, Some(&Stopwords::english()));
        assert_eq!(s.get("the"), 0);
        assert_eq!(s.get("isn't"), 0);
        assert_eq!(s.get("judge"), 2);
        // the x5, is x2, more, both, are, but, a, and, isn't: 14 stopwords
        // ("A" lowercases to the stopword "a"; "b", "a's", "b's" are none).
        assert_eq!(s.total(), 33 - 14);
    }

    #[test]
    fn merge_of_halves_equals_one_pass() {
        let stop = Stopwords::english();
        for st in [None, Some(&stop)] {
            let whole = pass(&TEXTS, st);
            for cut in 0..=TEXTS.len() {
                let (x, y) = TEXTS.split_at(cut);
                let mut m = pass(x, st);
                m.merge(&pass(y, st));
                assert_eq!(m, whole);
                let mut r = pass(y, st);
                r.merge(&pass(x, st));
                assert_eq!(r, whole);
                assert_eq!(r.sorted(), whole.sorted());
            }
        }
    }

    #[test]
    fn serde_is_sorted_and_checked() {
        let c = pass(&["b a b", "c"], None);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"total":4,"words":{"a":1,"b":2,"c":1}}"#);
        let back: Counts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let bad = serde_json::from_str::<Counts>(r#"{"total":5,"words":{"a":1,"b":2,"c":1}}"#);
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("total 5 is not the sum of the word counts (4)"));
        let zero = serde_json::from_str::<Counts>(r#"{"total":0,"words":{"a":0}}"#);
        assert!(zero.unwrap_err().to_string().contains("has count 0"));
    }
}
