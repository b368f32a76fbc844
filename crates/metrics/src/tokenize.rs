//! rouge-score's tokenizer (`rouge_score.tokenize.tokenize` with the
//! default tokenizer and `use_stemmer=True`), byte for byte.
//!
//! The Python pipeline is: `text.lower()`, replace every run of characters
//! outside `[a-z0-9]` by one space, split on whitespace, stem every token of
//! more than 3 characters with NLTK's Porter stemmer, keep tokens matching
//! `^[a-z0-9]+$`.
//!
//! Because everything outside ASCII `[a-z0-9]` becomes a separator, the
//! lowercasing only matters where it yields ASCII letters or digits. Over the
//! whole Unicode range (checked against Python 3.11 `chr(c).lower()`), only
//! two non-ASCII characters do: U+0130 'İ' lowers to "i" + U+0307 (so it
//! gives an `i` that ends the token) and U+212A KELVIN SIGN lowers to `k`
//! (which continues the token). ASCII letters lower as usual. So the
//! tokenizer is a single scan over the text, with no allocation of a
//! lowercased copy.

use std::borrow::Cow;

/// Which stemmer the ROUGE tokenizer applies to tokens longer than 3 chars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StemmerChoice {
    /// NLTK's Porter stemmer: rouge-score `use_stemmer=True` (the reference).
    #[default]
    Porter,
    /// A Snowball stemmer from `rust-stemmers` (opt-in, not rouge-score).
    Snowball(rust_stemmers::Algorithm),
    /// No stemming (rouge-score `use_stemmer=False`).
    None,
}

impl StemmerChoice {
    /// The Snowball stemmer for a WildChat `language` value ("English",
    /// "French", ...; case-insensitive); unknown languages get no stemming.
    pub fn snowball_for_language(language: &str) -> StemmerChoice {
        use rust_stemmers::Algorithm::*;
        let alg = match language.trim().to_ascii_lowercase().as_str() {
            "arabic" => Arabic,
            "danish" => Danish,
            "dutch" => Dutch,
            "english" => English,
            "finnish" => Finnish,
            "french" => French,
            "german" => German,
            "greek" => Greek,
            "hungarian" => Hungarian,
            "italian" => Italian,
            "norwegian" | "norwegian bokmal" | "norwegian nynorsk" | "bokmal" | "nynorsk" => {
                Norwegian
            }
            "portuguese" => Portuguese,
            "romanian" => Romanian,
            "russian" => Russian,
            "spanish" => Spanish,
            "swedish" => Swedish,
            "tamil" => Tamil,
            "turkish" => Turkish,
            _ => return StemmerChoice::None,
        };
        StemmerChoice::Snowball(alg)
    }
}

/// A ready-to-run stemmer for one [`StemmerChoice`].
pub struct TokenStemmer {
    choice: StemmerChoice,
    snowball: Option<rust_stemmers::Stemmer>,
}

impl std::fmt::Debug for TokenStemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStemmer")
            .field("choice", &self.choice)
            .finish()
    }
}

impl TokenStemmer {
    /// Builds the stemmer for `choice`.
    pub fn new(choice: StemmerChoice) -> Self {
        let snowball = match choice {
            StemmerChoice::Snowball(alg) => Some(rust_stemmers::Stemmer::create(alg)),
            _ => None,
        };
        TokenStemmer { choice, snowball }
    }

    /// The choice this stemmer was built from.
    pub fn choice(&self) -> StemmerChoice {
        self.choice
    }

    /// Maps one raw token (ASCII `[a-z0-9]+`, as [`raw_tokens`] yields) to
    /// its final rouge token, or `None` when rouge-score would drop it.
    pub fn finish<'a>(&self, raw: &'a str) -> Option<Cow<'a, str>> {
        let out: Cow<'a, str> = if raw.len() > 3 {
            match self.choice {
                StemmerChoice::Porter => Cow::Owned(crate::porter::stem(raw)),
                StemmerChoice::Snowball(_) => {
                    let s = self.snowball.as_ref().expect("built in new");
                    Cow::Owned(s.stem(raw).into_owned())
                }
                StemmerChoice::None => Cow::Borrowed(raw),
            }
        } else {
            Cow::Borrowed(raw)
        };
        is_valid_token(&out).then_some(out)
    }
}

/// rouge-score's final filter `^[a-z0-9]+$`.
pub fn is_valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Calls `f` with each raw (unstemmed) token of `text`: the maximal runs of
/// ASCII `[a-z0-9]` after Python `str.lower()`. `buf` is reused storage.
pub fn raw_tokens(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            match b {
                b'a'..=b'z' | b'0'..=b'9' => buf.push(b as char),
                b'A'..=b'Z' => buf.push((b | 0x20) as char),
                _ => flush(buf, &mut f),
            }
            continue;
        }
        // Non-ASCII: decode the scalar value (the input is valid UTF-8).
        let c = text[i..].chars().next().expect("char boundary");
        i += c.len_utf8();
        match c {
            '\u{212A}' => buf.push('k'),
            '\u{0130}' => {
                buf.push('i');
                flush(buf, &mut f);
            }
            _ => flush(buf, &mut f),
        }
    }
    flush(buf, &mut f);
}

/// [`raw_tokens`] with byte offsets: calls `f(token, start, end)` where
/// `text[start..end]` is the source of the token (for an `İ` the token
/// ends after it). Same tokens as [`raw_tokens`]; used where a token must be
/// traced back to the text, e.g. to quote a shared passage.
pub fn raw_tokens_at(text: &str, buf: &mut String, mut f: impl FnMut(&str, usize, usize)) {
    buf.clear();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut emit = |buf: &mut String, start: usize, end: usize| {
        if !buf.is_empty() {
            f(buf, start, end);
            buf.clear();
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match b {
                b'a'..=b'z' | b'0'..=b'9' | b'A'..=b'Z' => {
                    if buf.is_empty() {
                        start = i;
                    }
                    buf.push((b | if b.is_ascii_uppercase() { 0x20 } else { 0 }) as char);
                }
                _ => emit(buf, start, i),
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("char boundary");
        let next = i + c.len_utf8();
        match c {
            '\u{212A}' => {
                if buf.is_empty() {
                    start = i;
                }
                buf.push('k');
            }
            '\u{0130}' => {
                if buf.is_empty() {
                    start = i;
                }
                buf.push('i');
                emit(buf, start, next);
            }
            _ => emit(buf, start, i),
        }
        i = next;
    }
    emit(buf, start, bytes.len());
}

#[inline]
fn flush(buf: &mut String, f: &mut impl FnMut(&str)) {
    if !buf.is_empty() {
        f(buf);
        buf.clear();
    }
}

/// rouge-score's `tokenize(text, stemmer)` with the given stemmer: the
/// final token strings. Convenience for tests and tools; the scoring path
/// uses [`crate::Preparer`], which caches stems and interns tokens.
pub fn tokenize(text: &str, stemmer: &TokenStemmer) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    raw_tokens(text, &mut buf, |raw| {
        if let Some(t) = stemmer.finish(raw) {
            out.push(t.into_owned());
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rouge_score_examples() {
        // Expected values from rouge_score.tokenize.tokenize(text,
        // PorterStemmer()) under rouge-score 0.1.2 / nltk 3.10.4.
        let p = TokenStemmer::new(StemmerChoice::Porter);
        assert_eq!(
            tokenize("The quick brown fox jumps over the lazy dog", &p),
            ["the", "quick", "brown", "fox", "jump", "over", "the", "lazi", "dog"]
        );
        assert_eq!(
            tokenize("İstanbul \u{212A}elvin ΟΔΟΣ ﬁnance Straße x86_64", &p),
            ["i", "stanbul", "kelvin", "nanc", "stra", "e", "x86", "64"]
        );
        assert!(tokenize("", &p).is_empty());
        assert!(tokenize(" !?… 日本語 ", &p).is_empty());
    }

    #[test]
    fn offsets_match_raw_tokens() {
        let texts = [
            "İstanbul \u{212A}elvin ΟΔΟΣ ﬁnance Straße x86_64",
            "  Hello, World! 42x\u{212A}",
            "aİb İ",
            "",
            "日本語abc",
        ];
        for t in texts {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            raw_tokens(t, &mut String::new(), |x| a.push(x.to_string()));
            raw_tokens_at(t, &mut String::new(), |x, s, e| {
                // The source slice lowercases to the token (plus İ's dot).
                let src = t[s..e].to_lowercase().replace('\u{307}', "");
                assert_eq!(src.replace('\u{212A}', "k"), x, "{t:?}");
                b.push(x.to_string());
            });
            assert_eq!(a, b, "{t:?}");
        }
    }

    #[test]
    fn snowball_language_lookup() {
        assert_eq!(
            StemmerChoice::snowball_for_language("French"),
            StemmerChoice::Snowball(rust_stemmers::Algorithm::French)
        );
        assert_eq!(
            StemmerChoice::snowball_for_language("Klingon"),
            StemmerChoice::None
        );
        let s = TokenStemmer::new(StemmerChoice::snowball_for_language("English"));
        assert_eq!(tokenize("running generously", &s), ["run", "generous"]);
    }
}
