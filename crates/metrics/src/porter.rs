//! The Porter stemmer exactly as NLTK 3.10.4 runs it
//! (`nltk.stem.porter.PorterStemmer()`, mode `NLTK_EXTENSIONS`,
//! `stem(word, to_lowercase=True)`).
//!
//! Both ROUGE (`rouge-score` with `use_stemmer=True`) and METEOR (its stem
//! stage) call this stemmer, so [`stem`] must agree with NLTK on every input
//! string, not only on English words: digits, punctuation and non-ASCII
//! characters are all treated the way NLTK treats them (any character other
//! than `a e i o u`, and `y` in vowel position, is a consonant).
//!
//! The algorithm works on Unicode scalar values, as Python indexes `str`.
//! Lowercasing follows Python's `str.lower()` (see [`crate::pylower`]).

use crate::pylower::py_lower;

/// NLTK's irregular-form pool: a lowercased word found here maps straight to
/// the given stem and skips every rule.
fn irregular(word: &[u8]) -> Option<&'static str> {
    Some(match word {
        b"sky" | b"skies" => "sky",
        b"dying" => "die",
        b"lying" => "lie",
        b"tying" => "tie",
        b"news" => "news",
        b"innings" | b"inning" => "inning",
        b"outings" | b"outing" => "outing",
        b"cannings" | b"canning" => "canning",
        b"howe" => "howe",
        b"proceed" => "proceed",
        b"exceed" => "exceed",
        b"succeed" => "succeed",
        _ => return None,
    })
}

/// Stems one word exactly as NLTK's `PorterStemmer().stem(word)` does.
///
/// The word is lowercased with Python `str.lower()` semantics first; words
/// of at most two characters (counted before lowercasing, as NLTK does) are
/// returned lowercased but otherwise unchanged. ASCII words (nearly all)
/// are stemmed as bytes in one buffer that becomes the result; others as
/// Unicode scalar values, as Python indexes `str` (the same rules on the
/// same sequence: for ASCII, bytes and scalar values coincide).
pub fn stem(word: &str) -> String {
    if word.is_ascii() {
        let mut w = Word {
            chars: word.as_bytes().to_ascii_lowercase(),
        };
        // ASCII in, ASCII out: the rules only write ASCII letters.
        if let Some(s) = irregular(&w.chars) {
            return s.to_string();
        }
        if word.len() > 2 {
            w.run();
        }
        return String::from_utf8(w.chars).expect("ASCII");
    }
    stem_scalars(word)
}

/// [`stem`] over Unicode scalar values (any word).
fn stem_scalars(word: &str) -> String {
    let lower = py_lower(word);
    if let Some(s) = irregular(lower.as_bytes()) {
        return s.to_string();
    }
    if word.chars().count() <= 2 {
        return lower;
    }
    let mut w = Word {
        chars: lower.chars().collect::<Vec<char>>(),
    };
    w.run();
    w.chars.iter().collect()
}

/// One element of a word being stemmed: a byte of an ASCII word or a
/// Unicode scalar value. The rules only compare elements with ASCII letters
/// and write ASCII letters.
trait Letter: Copy + PartialEq {
    /// The element for ASCII byte `b`.
    fn ascii(b: u8) -> Self;
}

impl Letter for u8 {
    #[inline]
    fn ascii(b: u8) -> Self {
        b
    }
}

impl Letter for char {
    #[inline]
    fn ascii(b: u8) -> Self {
        b as char
    }
}

/// True for NLTK's vowel set `{a, e, i, o, u}` (`y` is handled apart).
#[inline]
fn is_vowel_char<L: Letter>(c: L) -> bool {
    [b'a', b'e', b'i', b'o', b'u']
        .iter()
        .any(|&v| c == L::ascii(v))
}

/// Consonant test for position `i` of `s`, as NLTK's `_is_consonant`: a `y`
/// is a consonant unless preceded by a consonant.
fn is_consonant<L: Letter>(s: &[L], i: usize) -> bool {
    let c = s[i];
    if is_vowel_char(c) {
        return false;
    }
    if c == L::ascii(b'y') {
        // Count the run of `y`s ending at i; the letter before the run
        // decides, each `y` flipping the answer.
        let mut j = i;
        let mut negate = false;
        while j > 0 && s[j] == L::ascii(b'y') {
            negate = !negate;
            j -= 1;
        }
        return is_vowel_char(s[j]) == negate;
    }
    true
}

/// The Porter measure m of `s`: the number of vowel-to-consonant
/// transitions in its consonant/vowel pattern.
fn measure<L: Letter>(s: &[L]) -> usize {
    let mut m = 0;
    let mut prev_cons = true; // "previous is consonant" before the start
    let mut prev_is_vowel = false;
    for (i, &c) in s.iter().enumerate() {
        let cons = if is_vowel_char(c) {
            false
        } else if c == L::ascii(b'y') {
            if i == 0 {
                true
            } else {
                !prev_cons
            }
        } else {
            true
        };
        if cons && prev_is_vowel {
            m += 1;
        }
        prev_is_vowel = !cons;
        prev_cons = cons;
    }
    m
}

/// True when `s` has at least one vowel (NLTK `_contains_vowel`).
fn contains_vowel<L: Letter>(s: &[L]) -> bool {
    (0..s.len()).any(|i| !is_consonant(s, i))
}

/// Condition `*d`: ends with a double consonant.
fn ends_double_consonant<L: Letter>(s: &[L]) -> bool {
    let n = s.len();
    n >= 2 && s[n - 1] == s[n - 2] && is_consonant(s, n - 1)
}

/// Condition `*o` with NLTK's extension for two-letter stems (vowel then
/// consonant, with no w/x/y exclusion).
fn ends_cvc<L: Letter>(s: &[L]) -> bool {
    let n = s.len();
    (n >= 3
        && is_consonant(s, n - 3)
        && !is_consonant(s, n - 2)
        && is_consonant(s, n - 1)
        && ![b'w', b'x', b'y'].iter().any(|&b| s[n - 1] == L::ascii(b)))
        || (n == 2 && !is_consonant(s, 0) && is_consonant(s, 1))
}

/// True when `s` ends with the ASCII `suffix`.
#[inline]
fn ends_with<L: Letter>(s: &[L], suffix: &str) -> bool {
    let sb = suffix.as_bytes();
    if sb.len() > s.len() {
        return false;
    }
    let tail = &s[s.len() - sb.len()..];
    tail.iter().zip(sb).all(|(&c, &b)| c == L::ascii(b))
}

/// Condition kinds used by the rule lists.
#[derive(Clone, Copy)]
enum Cond {
    /// m(stem) > 0
    M0,
    /// m(stem) > 1
    M1,
    /// m(stem) > 1 and stem ends in s or t (step 4 `ion`).
    M1St,
    /// NLTK's `logi` rule: m(word[:-3]) > 0.
    Logi,
    /// Step 5b: m(word[:-1]) > 1.
    Ll,
}

/// A word being stemmed, as bytes (ASCII words) or Unicode scalar values.
struct Word<L> {
    chars: Vec<L>,
}

impl<L: Letter> Word<L> {
    /// All of NLTK's steps, in order.
    fn run(&mut self) {
        self.step1a();
        self.step1b();
        self.step1c();
        self.step2();
        self.step3();
        self.step4();
        self.step5a();
        self.step5b();
    }

    fn ends(&self, suffix: &str) -> bool {
        ends_with(&self.chars, suffix)
    }

    /// Replaces the last `n` chars with the ASCII `rep`.
    fn replace_tail(&mut self, n: usize, rep: &str) {
        let len = self.chars.len();
        self.chars.truncate(len - n);
        self.chars.extend(rep.bytes().map(L::ascii));
    }

    fn check(&self, cond: Cond, suffix_len: usize) -> bool {
        let w = &self.chars;
        let stem = &w[..w.len() - suffix_len];
        match cond {
            Cond::M0 => measure(stem) > 0,
            Cond::M1 => measure(stem) > 1,
            Cond::M1St => {
                measure(stem) > 1
                    && matches!(stem.last(), Some(&c) if c == L::ascii(b's') || c == L::ascii(b't'))
            }
            Cond::Logi => measure(&w[..w.len().saturating_sub(3)]) > 0,
            Cond::Ll => measure(&w[..w.len() - 1]) > 1,
        }
    }

    /// NLTK `_apply_rule_list` for plain suffix rules: the first rule whose
    /// suffix matches decides; if its condition fails the word is kept.
    fn apply(&mut self, rules: &[(&str, &str, Cond)]) {
        let Some(&last) = self.chars.last() else {
            return;
        };
        for &(suffix, rep, cond) in rules {
            // The last letter first: it rules out most suffixes.
            let tail = *suffix.as_bytes().last().expect("non-empty suffix");
            if L::ascii(tail) == last && self.ends(suffix) {
                if self.check(cond, suffix.len()) {
                    self.replace_tail(suffix.len(), rep);
                }
                return;
            }
        }
    }

    fn step1a(&mut self) {
        if self.ends("ies") && self.chars.len() == 4 {
            self.replace_tail(3, "ie");
            return;
        }
        if self.ends("sses") {
            self.replace_tail(4, "ss");
        } else if self.ends("ies") {
            self.replace_tail(3, "i");
        } else if self.ends("ss") {
            // SS -> SS
        } else if self.ends("s") {
            self.replace_tail(1, "");
        }
    }

    fn step1b(&mut self) {
        if self.ends("ied") {
            if self.chars.len() == 4 {
                self.replace_tail(3, "ie");
            } else {
                self.replace_tail(3, "i");
            }
            return;
        }
        if self.ends("eed") {
            let n = self.chars.len();
            if measure(&self.chars[..n - 3]) > 0 {
                self.replace_tail(3, "ee");
            }
            return;
        }
        let mut cut = None;
        for suffix in ["ed", "ing"] {
            if self.ends(suffix) {
                let n = self.chars.len();
                if contains_vowel(&self.chars[..n - suffix.len()]) {
                    cut = Some(suffix.len());
                    break;
                }
            }
        }
        let Some(cut) = cut else { return };
        let n = self.chars.len();
        self.chars.truncate(n - cut);
        // Rule list applied to the intermediate stem.
        if self.ends("at") {
            self.replace_tail(2, "ate");
        } else if self.ends("bl") {
            self.replace_tail(2, "ble");
        } else if self.ends("iz") {
            self.replace_tail(2, "ize");
        } else if ends_double_consonant(&self.chars) {
            let last = *self.chars.last().expect("non-empty");
            if ![b'l', b's', b'z'].iter().any(|&b| last == L::ascii(b)) {
                self.chars.pop();
            }
        } else if measure(&self.chars) == 1 && ends_cvc(&self.chars) {
            self.chars.push(L::ascii(b'e'));
        }
    }

    fn step1c(&mut self) {
        if self.ends("y") {
            let n = self.chars.len();
            let stem = &self.chars[..n - 1];
            if stem.len() > 1 && is_consonant(stem, stem.len() - 1) {
                self.chars[n - 1] = L::ascii(b'i');
            }
        }
    }

    fn step2(&mut self) {
        if self.ends("alli") {
            let n = self.chars.len();
            if measure(&self.chars[..n - 4]) > 0 {
                self.replace_tail(4, "al");
                self.step2();
                return;
            }
        }
        use Cond::*;
        self.apply(&[
            ("ational", "ate", M0),
            ("tional", "tion", M0),
            ("enci", "ence", M0),
            ("anci", "ance", M0),
            ("izer", "ize", M0),
            ("bli", "ble", M0),
            ("alli", "al", M0),
            ("entli", "ent", M0),
            ("eli", "e", M0),
            ("ousli", "ous", M0),
            ("ization", "ize", M0),
            ("ation", "ate", M0),
            ("ator", "ate", M0),
            ("alism", "al", M0),
            ("iveness", "ive", M0),
            ("fulness", "ful", M0),
            ("ousness", "ous", M0),
            ("aliti", "al", M0),
            ("iviti", "ive", M0),
            ("biliti", "ble", M0),
            ("fulli", "ful", M0),
            ("logi", "log", Logi),
        ]);
    }

    fn step3(&mut self) {
        use Cond::*;
        self.apply(&[
            ("icate", "ic", M0),
            ("ative", "", M0),
            ("alize", "al", M0),
            ("iciti", "ic", M0),
            ("ical", "ic", M0),
            ("ful", "", M0),
            ("ness", "", M0),
        ]);
    }

    fn step4(&mut self) {
        use Cond::*;
        self.apply(&[
            ("al", "", M1),
            ("ance", "", M1),
            ("ence", "", M1),
            ("er", "", M1),
            ("ic", "", M1),
            ("able", "", M1),
            ("ible", "", M1),
            ("ant", "", M1),
            ("ement", "", M1),
            ("ment", "", M1),
            ("ent", "", M1),
            ("ion", "", M1St),
            ("ou", "", M1),
            ("ism", "", M1),
            ("ate", "", M1),
            ("iti", "", M1),
            ("ous", "", M1),
            ("ive", "", M1),
            ("ize", "", M1),
        ]);
    }

    fn step5a(&mut self) {
        if self.ends("e") {
            let n = self.chars.len();
            let stem = &self.chars[..n - 1];
            let m = measure(stem);
            if m > 1 || (m == 1 && !ends_cvc(stem)) {
                self.chars.pop();
            }
        }
    }

    fn step5b(&mut self) {
        self.apply(&[("ll", "l", Cond::Ll)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_and_scalar_paths_agree_on_ascii() {
        // Every ASCII word of up to 4 letters over an alphabet that
        // exercises each rule's letters, plus suffix-heavy words.
        let alphabet = b"aeiouybcdlstzgnmrvx1";
        let mut words: Vec<String> = Vec::new();
        for n in 1..=4u32 {
            for mut k in 0..(alphabet.len() as u32).pow(n) {
                let mut w = String::new();
                for _ in 0..n {
                    w.push(alphabet[(k % alphabet.len() as u32) as usize] as char);
                    k /= alphabet.len() as u32;
                }
                words.push(w);
            }
        }
        let suffixes = [
            "ational", "tional", "enci", "anci", "izer", "bli", "alli", "entli", "eli", "ousli",
            "ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti",
            "biliti", "fulli", "logi", "icate", "ative", "alize", "iciti", "ical", "ful", "ness",
            "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "sion",
            "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "ies", "sses", "ied", "eed",
            "ed", "ing", "at", "bl", "iz", "ll", "e", "y", "s",
        ];
        for stem in [
            "", "r", "tr", "hop", "relat", "sky", "gener", "TROUBL", "yy", "fa",
        ] {
            for s in suffixes {
                words.push(format!("{stem}{s}"));
                words.push(format!("{stem}{s}{s}"));
            }
        }
        words.extend(["SKIES", "Dying", "x86_64", "a-b", "", "12ing", "canning"].map(String::from));
        for w in &words {
            assert_eq!(stem(w), stem_scalars(w), "{w:?}");
        }
    }

    #[test]
    fn measure_matches_paper_examples() {
        let m = |s: &str| measure(&s.chars().collect::<Vec<_>>());
        for s in ["tr", "ee", "tree", "y", "by"] {
            assert_eq!(m(s), 0, "{s}");
        }
        for s in ["trouble", "oats", "trees", "ivy"] {
            assert_eq!(m(s), 1, "{s}");
        }
        for s in ["troubles", "private", "oaten", "orrery"] {
            assert_eq!(m(s), 2, "{s}");
        }
    }

    #[test]
    fn measure_agrees_with_is_consonant() {
        // measure() classifies with a running flag; is_consonant() walks back
        // over y-runs. Both must agree for every prefix.
        for s in ["yyyy", "ayyyb", "syzygy", "toy", "yay", "xyyyyz", "y1y"] {
            let c: Vec<char> = s.chars().collect();
            let pattern: String = (0..c.len())
                .map(|i| if is_consonant(&c, i) { 'c' } else { 'v' })
                .collect();
            assert_eq!(measure(&c), pattern.matches("vc").count(), "{s}");
        }
    }
}
