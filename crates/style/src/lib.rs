//! Markdown style statistics of one response, matching a CommonMark reference.
//!
//! The reference is markdown-it-py's `MarkdownIt("commonmark")` preset with the
//! `table` and `strikethrough` rules enabled, rendered to HTML and counted with
//! BeautifulSoup's `html.parser` (`soup.find_all()` by tag name). [`count`]
//! parses with `pulldown-cmark` (tables + strikethrough), renders the events to
//! the HTML markdown-it would emit (see [`render`] for the compensations), and
//! scans that HTML with a port of CPython 3.11's `html.parser` start-tag
//! recognition, so raw HTML in a response (`<br>`, `<a href=..>`, `<script>`,
//! comments, ...) is counted exactly as BeautifulSoup sees it.
//!
//! Notable consequences of the reference that are reproduced on purpose:
//! - markdown-it renders `~~x~~` as `<s>`, so `del` only counts raw `<del>`
//!   tags; a single `~x~` is literal text.
//! - `code` counts inline code spans and the `<code>` inside every `<pre>`.
//! - links/images whose destination markdown-it rejects (`javascript:`,
//!   `vbscript:`, `file:`, non-image `data:`) are not links.

#![warn(missing_docs)]

mod htmlscan;
pub mod render;

use std::collections::BTreeMap;

/// Per-response Markdown style counts. All fields are integers so that sums
/// over any number of responses are exact and order-free ([`StyleCounts::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StyleCounts {
    /// `<h1>` elements.
    pub h1: u64,
    /// `<h2>` elements.
    pub h2: u64,
    /// `<h3>` elements.
    pub h3: u64,
    /// `<h4>` elements.
    pub h4: u64,
    /// `<h5>` elements.
    pub h5: u64,
    /// `<h6>` elements.
    pub h6: u64,
    /// `<p>` elements (paragraphs hidden in tight lists are not emitted).
    pub p: u64,
    /// `<ul>` elements.
    pub ul: u64,
    /// `<ol>` elements.
    pub ol: u64,
    /// `<li>` elements.
    pub li: u64,
    /// `<strong>` elements.
    pub strong: u64,
    /// `<em>` elements.
    pub em: u64,
    /// `<code>` elements: inline code spans plus the `<code>` inside each `<pre>`.
    pub code: u64,
    /// `<pre>` elements (fenced and indented code blocks, raw `<pre>`).
    pub pre: u64,
    /// `<blockquote>` elements.
    pub blockquote: u64,
    /// `<table>` elements.
    pub table: u64,
    /// `<hr>` elements.
    pub hr: u64,
    /// `<a>` elements (links, autolinks, raw `<a>`).
    pub a: u64,
    /// `<img>` elements.
    pub img: u64,
    /// `<del>` elements: only raw HTML `<del>` (markdown-it renders `~~x~~` as `<s>`).
    pub del: u64,
    /// Number of Unicode scalar values of the text as given (Python `len(str)`).
    pub len: u64,
    /// Whitespace-separated words (Python `len(text.split())`).
    pub words: u64,
    /// Lines: 0 for the empty text, else the number of `'\n'` plus one
    /// (Python `text.count('\n') + 1`; a trailing newline opens an empty line).
    pub lines: u64,
    /// Code blocks found by the Markdown parser (fenced + indented; raw HTML
    /// `<pre>` is not a code block).
    pub code_blocks: u64,
    /// Maximum nesting depth of Markdown lists (0 = no list, 1 = a list, 2 = a
    /// list inside a list item, ...).
    pub list_depth: u64,
    /// Fenced and indented code blocks by language: the first word of the info
    /// string, lower-cased (`""` for no info string and for indented blocks).
    pub code_langs: BTreeMap<String, u64>,
}

impl StyleCounts {
    /// Names of the counted HTML elements, in field order; index `i` of
    /// [`StyleCounts::element`] is the count of `ELEMENTS[i]`.
    pub const ELEMENTS: [&'static str; 20] = [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "code",
        "pre",
        "blockquote",
        "table",
        "hr",
        "a",
        "img",
        "del",
    ];

    /// Count of element `ELEMENTS[i]`. Panics if `i >= 20`.
    pub fn element(&self, i: usize) -> u64 {
        self.elements()[i]
    }

    /// All 20 element counts in [`StyleCounts::ELEMENTS`] order.
    pub fn elements(&self) -> [u64; 20] {
        [
            self.h1,
            self.h2,
            self.h3,
            self.h4,
            self.h5,
            self.h6,
            self.p,
            self.ul,
            self.ol,
            self.li,
            self.strong,
            self.em,
            self.code,
            self.pre,
            self.blockquote,
            self.table,
            self.hr,
            self.a,
            self.img,
            self.del,
        ]
    }

    /// Mutable reference to the count of element `ELEMENTS[i]`. Panics if `i >= 20`.
    pub fn element_mut(&mut self, i: usize) -> &mut u64 {
        match i {
            0 => &mut self.h1,
            1 => &mut self.h2,
            2 => &mut self.h3,
            3 => &mut self.h4,
            4 => &mut self.h5,
            5 => &mut self.h6,
            6 => &mut self.p,
            7 => &mut self.ul,
            8 => &mut self.ol,
            9 => &mut self.li,
            10 => &mut self.strong,
            11 => &mut self.em,
            12 => &mut self.code,
            13 => &mut self.pre,
            14 => &mut self.blockquote,
            15 => &mut self.table,
            16 => &mut self.hr,
            17 => &mut self.a,
            18 => &mut self.img,
            19 => &mut self.del,
            _ => panic!("element index {i} out of range 0..20"),
        }
    }

    /// Index in [`StyleCounts::ELEMENTS`] of a lower-case tag name.
    pub fn element_index(tag: &str) -> Option<usize> {
        Some(match tag {
            "h1" => 0,
            "h2" => 1,
            "h3" => 2,
            "h4" => 3,
            "h5" => 4,
            "h6" => 5,
            "p" => 6,
            "ul" => 7,
            "ol" => 8,
            "li" => 9,
            "strong" => 10,
            "em" => 11,
            "code" => 12,
            "pre" => 13,
            "blockquote" => 14,
            "table" => 15,
            "hr" => 16,
            "a" => 17,
            "img" => 18,
            "del" => 19,
            _ => return None,
        })
    }

    /// Add `other` into `self`: every count is summed (`list_depth` too, so a
    /// merged value is a sum of per-response maxima, usable for means), and the
    /// language maps are summed key-wise. Exact and order-independent.
    pub fn merge(&mut self, other: &StyleCounts) {
        for i in 0..20 {
            *self.element_mut(i) += other.element(i);
        }
        self.len += other.len;
        self.words += other.words;
        self.lines += other.lines;
        self.code_blocks += other.code_blocks;
        self.list_depth += other.list_depth;
        for (k, v) in &other.code_langs {
            *self.code_langs.entry(k.clone()).or_insert(0) += v;
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Per byte of `w` (all bytes < 0x80), bit 7 set when the byte is in
/// `lo..=hi` (`lo >= 1`, `hi < 0x7f`): adding `0x80 - k` sets bit 7 exactly
/// when the byte is >= k, with no carry between bytes.
#[inline]
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let ge = |k: u8| w.wrapping_add(LO * (0x80 - k as u64)) & HI;
    ge(lo) & !ge(hi + 1)
}

/// Python `len(text.split())`: runs of non-whitespace, where whitespace is
/// Python's `str.isspace()` (Unicode White_Space plus U+001C..U+001F).
pub fn count_words(text: &str) -> u64 {
    // 1 for the ASCII bytes Python's `str.isspace()` accepts.
    const SPACE: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut b = 0;
        while b < 128 {
            t[b] = matches!(b as u8, b'\t'..=b'\r' | b' ' | 0x1c..=0x1f) as u8;
            b += 1;
        }
        t
    };
    let bytes = text.as_bytes();
    // Words are counted at their first character: a non-space after a space
    // (or at the start), without a data-dependent branch for ASCII bytes.
    let (mut n, mut prev_space) = (0u64, 1u8);
    let mut i = 0;
    while i < bytes.len() {
        // Eight ASCII bytes at a time: per byte, bit 7 set when it is
        // whitespace (in 9..=13 or 28..=32), then count non-space bytes
        // whose predecessor is a space.
        while i + 8 <= bytes.len() {
            let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
            if w & HI != 0 {
                break;
            }
            let space = (in_range(w, 9, 13) | in_range(w, 28, 32)) & HI;
            let before = (space << 8) | ((prev_space as u64) << 7);
            n += u64::from((!space & before & HI).count_ones());
            prev_space = (space >> 63) as u8;
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        let space = if b < 0x80 {
            i += 1;
            SPACE[b as usize]
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            i += c.len_utf8();
            htmlscan::py_isspace(c) as u8
        };
        n += (prev_space & (space ^ 1)) as u64;
        prev_space = space;
    }
    n
}

/// Count the Markdown style statistics of one response (the text as stored,
/// not stripped). Never panics.
pub fn count(text: &str) -> StyleCounts {
    let mut html = String::with_capacity(text.len() + text.len() / 4 + 64);
    let info = render::render_html(text, &mut html);
    let mut c = StyleCounts {
        len: text.chars().count() as u64,
        words: count_words(text),
        lines: if text.is_empty() {
            0
        } else {
            text.bytes().filter(|&b| b == b'\n').count() as u64 + 1
        },
        code_blocks: info.code_blocks,
        list_depth: info.list_depth,
        code_langs: info.code_langs,
        ..StyleCounts::default()
    };
    htmlscan::scan_start_tags(&html, |tag| {
        if let Some(i) = StyleCounts::element_index(tag) {
            *c.element_mut(i) += 1;
        }
    });
    c
}

/// The HTML element counts of an arbitrary HTML document as BeautifulSoup's
/// `html.parser` builder sees them (`soup.find_all()` by tag name), in
/// [`StyleCounts::ELEMENTS`] order. The second value is `true` when CPython's
/// parser would raise (`ParserRejectedMarkup`); counts up to that point are kept.
pub fn count_html_elements(html: &str) -> ([u64; 20], bool) {
    let mut out = [0u64; 20];
    let r = htmlscan::scan_start_tags(html, |tag| {
        if let Some(i) = StyleCounts::element_index(tag) {
            out[i] += 1;
        }
    });
    (out, r.rejected)
}

#[cfg(test)]
mod tests {
    use super::count_words;

    /// The branch-free count equals splitting on Python's whitespace,
    /// including non-ASCII spaces (NBSP, NEL, ideographic space) and the
    /// U+001C..U+001F separators Python treats as whitespace.
    #[test]
    fn count_words_matches_split() {
        let texts = [
            "",
            "   ",
            "one",
            " two  words ",
            "a\u{a0}b\u{85}c\u{3000}d\u{1c}e\u{1f}f\u{200b}g",
            "\u{e9}t\u{e9} \u{4e2d}\u{6587}\tmixed\r\nlines\x0bvt\x0cff",
        ];
        for t in texts {
            let naive = t
                .split(crate::htmlscan::py_isspace)
                .filter(|w| !w.is_empty())
                .count() as u64;
            assert_eq!(count_words(t), naive, "{t:?}");
        }
        assert_eq!(count_words("a\u{a0}b\u{200b}c"), 2);
    }

    /// The eight-byte path agrees with splitting on every offset and length
    /// of pseudo-random text dense in ASCII whitespace, the byte values next
    /// to the whitespace ranges, and non-ASCII spaces.
    #[test]
    fn count_words_random_text_matches_split() {
        let alphabet = [
            "a", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x08", "\x0e", "\x1b", "\x1c", "\x1f",
            "!", "\u{7f}", "\u{a0}", "\u{e9}", "\u{3000}", "\u{85}", "xy", "0",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let mut t = String::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (state >> 58) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t.push_str(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            let naive = t
                .split(crate::htmlscan::py_isspace)
                .filter(|w| !w.is_empty())
                .count() as u64;
            assert_eq!(count_words(&t), naive, "{t:?}");
        }
    }
}
