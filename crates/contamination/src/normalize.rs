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
    matches!(
        c,
        '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    ) || (c.is_ascii() && ASCII[c as usize] == SPACE)
}

/// Normalized tokens of one text, stored flat so that scanning reuses the
/// buffers: token `k` is `bytes[bounds[k]..bounds[k + 1]]`, came from the
/// original bytes `src[k].0..src[k].1`, and hashes to `hashes[k]`.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub bytes: Vec<u8>,
    pub bounds: Vec<usize>,
    pub src: Vec<(usize, usize)>,
    pub hashes: Vec<u64>,
}

/// 64x64 -> 128-bit multiply, folded to 64 bits (wyhash's mixer).
fn mum(a: u64, b: u64) -> u64 {
    let r = a as u128 * b as u128;
    r as u64 ^ (r >> 64) as u64
}

/// Hash of the normalized token `buf[start..end]`; `buf` has at least 8
/// readable bytes from `start` (the fill buffer is padded), bytes past `end`
/// are masked off.
fn token_hash(buf: &[u8], start: usize, end: usize) -> u64 {
    const K0: u64 = 0xA076_1D64_78BD_642F;
    const K1: u64 = 0xE703_7ED1_A0B4_28DB;
    let word = |at: usize| {
        let w = &buf[at..at + 8];
        u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
    };
    let len = end - start;
    let mut h = K0 ^ len as u64;
    let mut at = start;
    while end - at > 8 {
        h = mum(h ^ word(at), K1);
        at += 8;
    }
    // 1 to 8 bytes remain.
    let last = word(at) & (u64::MAX >> (64 - 8 * (end - at)));
    mum(h ^ last, K1 ^ K0)
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
        let b = text.as_bytes();
        self.bytes.clear();
        // Normalized text is never longer; 8 bytes of padding let
        // token_hash read whole words; the tail is cut below.
        self.bytes.resize(b.len() + 8, 0);
        self.bounds.clear();
        self.bounds.push(0);
        self.src.clear();
        self.hashes.clear();
        let out = &mut self.bytes[..];
        let (mut i, mut o) = (0, 0);
        while i < b.len() {
            // Whitespace before a chunk.
            let c = b[i];
            if c < 0x80 {
                if ASCII[c as usize] == SPACE {
                    i += 1;
                    continue;
                }
            } else {
                let ch = text[i..].chars().next().unwrap_or('a');
                if is_python_space(ch) {
                    i += ch.len_utf8();
                    continue;
                }
            }
            // One whitespace-free chunk: translate it.
            let (start, o0) = (i, o);
            while i < b.len() {
                let c = b[i];
                if c < 0x80 {
                    let m = ASCII[c as usize];
                    if m == SPACE {
                        break;
                    }
                    out[o] = m as u8;
                    o += (m != DELETE) as usize;
                    i += 1;
                } else {
                    let ch = text[i..].chars().next().unwrap_or('a');
                    if is_python_space(ch) {
                        break;
                    }
                    let len = ch.len_utf8();
                    out[o..o + len].copy_from_slice(&b[i..i + len]);
                    o += len;
                    i += len;
                }
            }
            // A chunk that was all punctuation is no token.
            if o > o0 {
                self.bounds.push(o);
                self.src.push((start, i));
                self.hashes.push(token_hash(out, o0, o));
            }
        }
        self.bytes.truncate(o);
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
