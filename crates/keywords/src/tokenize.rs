//! The word rule, and the optional English stopword list.
//!
//! A word is a maximal run of *word characters*: characters of Unicode
//! general category L (letters), M (marks) or N (numbers), plus the
//! apostrophes U+0027 `'` and U+2019 `’`. Everything else (spaces,
//! punctuation including `_` and `-`, symbols, emoji) separates words. In
//! each run U+2019 becomes `'`, leading and trailing apostrophes are
//! stripped, a run left empty is dropped, and the rest is lowercased with
//! Rust's `str::to_lowercase` (full Unicode mappings and the final-sigma
//! rule, applied to the word alone), which is Python's `str.lower()`.
//!
//! Python equivalent (exact, up to the Unicode version of the tables):
//!
//! ```python
//! def words(text):
//!     run = []
//!     for ch in text + " ":
//!         if ch in "'\u2019" or unicodedata.category(ch)[0] in "LMN":
//!             run.append(ch)
//!         elif run:
//!             w = "".join(run).replace("\u2019", "'").strip("'")
//!             if w:
//!                 yield w.lower()
//!             run = []
//! ```

use std::collections::HashSet;

use unicode_general_category::{get_general_category, GeneralCategory as G};

/// `true` for the characters that make up words (see the module docs).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '\'';
    }
    c == '\u{2019}'
        || matches!(
            get_general_category(c),
            G::UppercaseLetter
                | G::LowercaseLetter
                | G::TitlecaseLetter
                | G::ModifierLetter
                | G::OtherLetter
                | G::NonspacingMark
                | G::SpacingMark
                | G::EnclosingMark
                | G::DecimalNumber
                | G::LetterNumber
                | G::OtherNumber
        )
}

/// Calls `f` with each word of `text`, in order, by the rule of the module
/// docs: lowercase runs of letters, marks, digits and apostrophes, with
/// leading and trailing apostrophes stripped. Never panics; allocates only
/// for words that need lowercasing.
pub fn words(text: &str, f: &mut dyn FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut buf = String::new();
    // Start of the current run, and what it holds (UPPER | APOS | WIDE).
    let mut start: Option<usize> = None;
    let mut seen = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        let (class, len) = if bytes[i] < 0x80 {
            (ASCII[bytes[i] as usize], 1)
        } else {
            // `i` is always on a char boundary: it advances by whole chars.
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            let class = match c {
                '\u{2019}' => WIDE | APOS,
                c if is_word_char(c) => WIDE,
                _ => SEP,
            };
            (class, c.len_utf8())
        };
        if class != SEP {
            start.get_or_insert(i);
            seen |= class;
        } else if let Some(s) = start.take() {
            emit(&text[s..i], seen, &mut buf, f);
            seen = 0;
        }
        i += len;
    }
    if let Some(s) = start {
        emit(&text[s..], seen, &mut buf, f);
    }
}

/// Character classes of [`words`]: a separator, or a word character that
/// is ASCII lowercase/digit (`WORD`), ASCII uppercase, an apostrophe, or
/// non-ASCII (`WIDE`). Flags, so a run's classes can be or-ed together.
const SEP: u8 = 0;
const WORD: u8 = 1;
const UPPER: u8 = 2;
const APOS: u8 = 4;
const WIDE: u8 = 8;

/// The class of each ASCII byte.
const ASCII: [u8; 128] = {
    let mut t = [SEP; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'a'..=b'z' | b'0'..=b'9' => WORD,
            b'A'..=b'Z' => UPPER,
            b'\'' => APOS,
            _ => SEP,
        };
        b += 1;
    }
    t
};

/// Strips, normalises and lowercases one run of word characters whose
/// classes, or-ed, are `seen`.
fn emit(run: &str, seen: u8, buf: &mut String, f: &mut dyn FnMut(&str)) {
    let w = if seen & APOS != 0 {
        run.trim_matches(['\'', '\u{2019}'])
    } else {
        run
    };
    if w.is_empty() {
        return;
    }
    if seen & WIDE != 0 {
        f(&w.replace('\u{2019}', "'").to_lowercase());
    } else if seen & UPPER != 0 {
        buf.clear();
        buf.push_str(w);
        buf.make_ascii_lowercase();
        f(buf);
    } else {
        f(w);
    }
}

/// A set of words left out of the counts (and so of the totals), matched
/// after lowercasing and apostrophe stripping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopwords(HashSet<String>);

/// NLTK's English list (see `data/SOURCE.md`): 179 words, one a line.
const ENGLISH: &str = include_str!("../data/english-stopwords.txt");

impl Stopwords {
    /// NLTK's English stopword list, `nltk.corpus.stopwords.words("english")`:
    /// 179 lowercase words (`i`, `me`, ..., `don't`, `wouldn't`).
    pub fn english() -> Self {
        Stopwords(ENGLISH.lines().map(str::to_string).collect())
    }

    /// Whether `word` (already lowercased, as [`words`] yields it) is a stopword.
    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(word)
    }

    /// Number of words in the list.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        words(text, &mut |w| out.push(w.to_string()));
        out
    }

    #[test]
    fn apostrophes() {
        assert_eq!(
            all("Don't 'quote' students' rock'n'roll '' ' x'"),
            ["don't", "quote", "students", "rock'n'roll", "x"]
        );
        // U+2019 is an apostrophe and is written as U+0027.
        assert_eq!(all("It’s the users’ ’tis"), ["it's", "the", "users", "tis"]);
        // Other quote marks separate words.
        assert_eq!(all("‘a’ \"b\" `c` ´d"), ["a", "b", "c", "d"]);
    }

    #[test]
    fn digits_underscores_punctuation() {
        assert_eq!(
            all("GPT-4o scored 3.14, x_1 = 42%; covid19!"),
            ["gpt", "4o", "scored", "3", "14", "x", "1", "42", "covid19"]
        );
        assert_eq!(
            all("a\tb\nc\r\nd...e/f\\g|h"),
            ["a", "b", "c", "d", "e", "f", "g", "h"]
        );
        assert_eq!(all(""), Vec::<String>::new());
        assert_eq!(all("  ,;!? -- __ "), Vec::<String>::new());
        // Other number forms are numbers: superscripts, fractions, Roman numerals.
        assert_eq!(all("x² ½ Ⅻ ٣"), ["x²", "½", "ⅻ", "٣"]);
    }

    #[test]
    fn unicode_letters_marks_and_case() {
        // Combining marks stay in the word (decomposed é, Devanagari signs).
        assert_eq!(all("Cafe\u{301} हिन्दी"), ["cafe\u{301}", "हिन्दी"]);
        assert_eq!(all("Über STRASSE Ǆ"), ["über", "strasse", "ǆ"]);
        // Full lowercase mapping: İ becomes i + U+0307, as Python's str.lower().
        assert_eq!(all("İstanbul"), ["i\u{307}stanbul"]);
        // Final sigma, decided within the word.
        assert_eq!(all("ΟΔΟΣ ΣΑ"), ["οδος", "σα"]);
        // CJK runs are one word; emoji and symbols separate.
        assert_eq!(all("日本語です🙂ok©x"), ["日本語です", "ok", "x"]);
        // Non-breaking and ideographic spaces separate.
        assert_eq!(all("a\u{a0}b\u{3000}c"), ["a", "b", "c"]);
    }

    #[test]
    fn english_stopwords() {
        let s = Stopwords::english();
        assert_eq!(s.len(), 179);
        for w in ["i", "the", "don't", "should've", "wouldn't", "ll", "ma"] {
            assert!(s.contains(w), "{w}");
        }
        for w in ["The", "cat", "dont", "us", ""] {
            assert!(!s.contains(w), "{w}");
        }
    }
}
