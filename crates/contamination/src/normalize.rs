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

/// `normalize_string` on single bytes: the output byte or [`DELETE`]
/// (whitespace and non-ASCII bytes unchanged).
static TRANSLATE: [u16; 256] = translate_table();

const fn translate_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = if b < 128 && ASCII[b] != SPACE {
            ASCII[b]
        } else {
            b as u16
        };
        b += 1;
    }
    t
}

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

/// Python's `str.isspace()` (what `str.split()` splits on): the ASCII ones,
/// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
pub(crate) fn is_python_space(c: char) -> bool {
    matches!(
        c,
        '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    ) || (c.is_ascii() && ASCII[c as usize] == SPACE)
}

/// Normalized tokens of one text, stored flat so that scanning reuses the
/// buffers: token `k` is `bytes[spans[k].0..spans[k].1]` and hashes to
/// `hashes[k]`.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub bytes: Vec<u8>,
    pub spans: Vec<(usize, usize)>,
    pub hashes: Vec<u64>,
}

/// 64x64 -> 128-bit multiply, folded to 64 bits (wyhash's mixer).
fn mum(a: u64, b: u64) -> u64 {
    let r = a as u128 * b as u128;
    r as u64 ^ (r >> 64) as u64
}

/// Eight bytes of `b` from `at`, little-endian.
fn word(b: &[u8], at: usize) -> u64 {
    let w = &b[at..at + 8];
    u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]])
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For a word of ASCII bytes: 0x80 in each byte within `lo..=hi` (no carries
/// cross bytes because every byte is below 0x80 and 1 <= lo <= hi <= 0x7E).
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let ge = w.wrapping_add(ONES * (0x80 - lo) as u64);
    let gt = w.wrapping_add(ONES * (0x7F - hi) as u64);
    ge & !gt & HIGH
}

/// For a word of ASCII bytes: 0x80 in each `string.punctuation` byte.
fn punctuation(w: u64) -> u64 {
    in_range(w, 0x21, 0x2F)
        | in_range(w, 0x3A, 0x40)
        | in_range(w, 0x5B, 0x60)
        | in_range(w, 0x7B, 0x7E)
}

/// Hash of the normalized token `buf[start..end]`; `buf` has at least 8
/// readable bytes from `start` (the fill buffer is padded), bytes past `end`
/// are masked off.
fn token_hash(buf: &[u8], start: usize, end: usize) -> u64 {
    const K0: u64 = 0xA076_1D64_78BD_642F;
    const K1: u64 = 0xE703_7ED1_A0B4_28DB;
    let mut h = K0 ^ (end - start) as u64;
    let mut at = start;
    while end - at > 8 {
        h = mum(h ^ word(buf, at), K1);
        at += 8;
    }
    // 1 to 8 bytes remain.
    let last = word(buf, at) & (u64::MAX >> (64 - 8 * (end - at)));
    mum(h ^ last, K1 ^ K0)
}

/// The character at the start of the valid UTF-8 `b[i..]`: whether it is
/// Python whitespace, and its length in bytes.
fn space_at(b: &[u8], i: usize) -> (bool, usize) {
    let c = b[i];
    if c < 0x80 {
        return (ASCII[c as usize] == SPACE, 1);
    }
    let (len, mut cp) = match c {
        0xC0..=0xDF => (2, (c & 0x1F) as u32),
        0xE0..=0xEF => (3, (c & 0x0F) as u32),
        _ => (4, (c & 0x07) as u32),
    };
    for &x in &b[i + 1..i + len] {
        cp = cp << 6 | (x & 0x3F) as u32;
    }
    (char::from_u32(cp).is_some_and(is_python_space), len)
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Normalized bytes of token `k` (valid UTF-8: only ASCII bytes change).
    pub fn get(&self, k: usize) -> &[u8] {
        &self.bytes[self.spans[k].0..self.spans[k].1]
    }

    /// Ends the token that starts at `start` and ends before `end` of the
    /// normalized bytes.
    #[inline(always)]
    fn push(&mut self, start: usize, end: usize) {
        self.spans.push((start, end));
        self.hashes.push(token_hash(&self.bytes, start, end));
    }

    /// Replaces the contents with the tokens of `text`: `bytes =
    /// normalize_string(text)` and its split on Python whitespace, in one
    /// pass. Eight ASCII bytes without punctuation are lowercased and split
    /// at once (their whitespace/non-whitespace edges); other bytes one at a
    /// time (a deleted punctuation byte neither starts nor ends a token,
    /// which is what deleting it before the split does).
    pub fn fill(&mut self, text: &str) {
        let b = text.as_bytes();
        self.spans.clear();
        self.hashes.clear();
        self.bytes.clear();
        // Normalized text is never longer; 8 bytes of padding let words be
        // written and read whole. The tail is cut below.
        self.bytes.resize(b.len() + 8, 0);
        let (mut i, mut o) = (0, 0);
        let (mut in_token, mut start) = (false, 0);
        while i < b.len() {
            if i + 8 <= b.len() {
                let w = word(b, i);
                if w & HIGH == 0 {
                    let mut lower = w | in_range(w, b'A', b'Z') >> 2;
                    let space = (in_range(w, 0x09, 0x0D) | in_range(w, 0x1C, 0x20)) >> 7;
                    // Bit k: byte k is whitespace.
                    let mut m = space.wrapping_mul(0x0102_0408_1020_4080) >> 56;
                    // Bit k: byte k is punctuation. Deleted from the highest
                    // down, so the positions of the lower ones stay put.
                    let mut punct = (punctuation(w) >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
                    let kept = 8 - punct.count_ones() as usize;
                    while punct != 0 {
                        let q = 63 - punct.leading_zeros();
                        let below = (1u64 << (8 * q)) - 1;
                        lower = (lower & below) | ((lower >> 8) & !below);
                        let below = (1u64 << q) - 1;
                        m = (m & below) | ((m >> 1) & !below);
                        punct &= below;
                    }
                    self.bytes[o..o + 8].copy_from_slice(&lower.to_le_bytes());
                    let valid = (1u64 << kept) - 1;
                    let mut edges = (m ^ (m << 1 | !in_token as u64)) & valid;
                    while edges != 0 {
                        let k = o + edges.trailing_zeros() as usize;
                        if in_token {
                            self.push(start, k);
                        } else {
                            start = k;
                        }
                        in_token = !in_token;
                        edges &= edges - 1;
                    }
                    (i, o) = (i + 8, o + kept);
                    continue;
                }
            }
            // Up to 8 bytes one at a time (a multi-byte character whole).
            let end = (i + 8).min(b.len());
            while i < end {
                let c = b[i];
                let (space, len) = if c < 0x80 {
                    let m = TRANSLATE[c as usize];
                    if m == DELETE {
                        i += 1;
                        continue;
                    }
                    self.bytes[o] = m as u8;
                    (ASCII[c as usize] == SPACE, 1)
                } else {
                    let (space, len) = space_at(b, i);
                    self.bytes[o..o + len].copy_from_slice(&b[i..i + len]);
                    (space, len)
                };
                if space {
                    if in_token {
                        self.push(start, o);
                        in_token = false;
                    }
                } else if !in_token {
                    (start, in_token) = (o, true);
                }
                (i, o) = (i + len, o + len);
            }
        }
        if in_token {
            self.push(start, o);
        }
        self.bytes.truncate(o);
    }
}

/// Byte offset in `text` of the start of its `k`-th token (the first byte of
/// the whitespace-free chunk it came from), or `text.len()` past the last.
pub(crate) fn token_source(text: &str, k: usize) -> usize {
    let mut seen = 0;
    let mut chunk: Option<(usize, bool)> = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if is_python_space(c) {
            if let Some((start, true)) = chunk {
                if seen == k {
                    return start;
                }
                seen += 1;
            }
            chunk = None;
        } else {
            let kept = !c.is_ascii() || ASCII[c as usize] != DELETE;
            let (start, any) = chunk.unwrap_or((i, false));
            chunk = Some((start, any || kept));
        }
    }
    text.len()
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
