//! lm-evaluation-harness's text normalization and whitespace split.
//!
//! `Janitor.normalize_string` is `s.translate(table)` with
//! `str.maketrans(ascii_lowercase + ascii_uppercase, ascii_lowercase * 2,
//! string.punctuation)`: ASCII `A-Z` become `a-z`, the 32 ASCII punctuation
//! characters are deleted, every other character is kept unchanged.
//! `word_ngrams` then splits with `str.split()` (runs of Python whitespace,
//! empty pieces dropped).

/// Marker in [`ASCII`]: the byte is Python whitespace.
const SPACE: u16 = 0x100;
/// Marker in [`ASCII`]: the byte is in `string.punctuation` and is deleted.
const DELETE: u16 = 0x200;

/// What normalization does to each ASCII byte: its output byte, or a marker.
static ASCII: [u16; 128] = ascii_table();

const fn ascii_table() -> [u16; 128] {
    let mut t = [0u16; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = b as u16;
        b += 1;
    }
    // str.isspace() in the ASCII range: \t \n \v \f \r, \x1c-\x1f, space.
    let mut b = 0x09;
    while b <= 0x0D {
        t[b] = SPACE;
        b += 1;
    }
    let mut b = 0x1C;
    while b <= 0x20 {
        t[b] = SPACE;
        b += 1;
    }
    let punct = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    let mut i = 0;
    while i < punct.len() {
        t[punct[i] as usize] = DELETE;
        i += 1;
    }
    let mut b = b'A';
    while b <= b'Z' {
        t[b as usize] = (b + 32) as u16;
        b += 1;
    }
    t
}

/// Python's `str.isspace()` outside ASCII (what `str.split()` splits on):
/// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
pub(crate) fn is_python_space(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
        || (c.is_ascii() && ASCII[c as usize] == SPACE)
}

/// Normalized tokens of one text, stored flat so that scanning reuses the
/// buffers: token `k` is `bytes[bounds[k]..bounds[k + 1]]` and came from the
/// original bytes `src[k].0..src[k].1`.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub bytes: Vec<u8>,
    pub bounds: Vec<usize>,
    pub src: Vec<(usize, usize)>,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Normalized bytes of token `k` (valid UTF-8: only ASCII bytes change).
    pub fn get(&self, k: usize) -> &[u8] {
        &self.bytes[self.bounds[k]..self.bounds[k + 1]]
    }

    /// Replaces the contents with the tokens of `text`.
    pub fn fill(&mut self, text: &str) {
        self.bytes.clear();
        self.bounds.clear();
        self.src.clear();
        self.bounds.push(0);
        let b = text.as_bytes();
        // Start of the current whitespace-free chunk, usize::MAX between chunks.
        let mut chunk = usize::MAX;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let (space, len) = if c < 0x80 {
                match ASCII[c as usize] {
                    SPACE => (true, 1),
                    DELETE => (false, 1),
                    m => {
                        self.bytes.push(m as u8);
                        (false, 1)
                    }
                }
            } else {
                let ch = text[i..].chars().next().unwrap_or(' ');
                let len = ch.len_utf8();
                let space = is_python_space(ch);
                if !space {
                    self.bytes.extend_from_slice(&b[i..i + len]);
                }
                (space, len)
            };
            if space {
                if chunk != usize::MAX {
                    self.end_chunk(chunk, i);
                    chunk = usize::MAX;
                }
            } else if chunk == usize::MAX {
                chunk = i;
            }
            i += len;
        }
        if chunk != usize::MAX {
            self.end_chunk(chunk, b.len());
        }
    }

    /// Closes the chunk `start..end`; it is a token unless all of it was deleted.
    fn end_chunk(&mut self, start: usize, end: usize) {
        if self.bytes.len() > self.bounds[self.bounds.len() - 1] {
            self.bounds.push(self.bytes.len());
            self.src.push((start, end));
        }
    }
}

/// The tokens lm-evaluation-harness compares: `Janitor().normalize_string(text).split()`
/// (ASCII letters lowercased, ASCII punctuation deleted, split on Python whitespace).
pub fn normalize(text: &str) -> Vec<String> {
    let mut t = Tokens::default();
    t.fill(text);
    (0..t.len())
        .map(|k| String::from_utf8_lossy(t.get(k)).into_owned())
        .collect()
}
