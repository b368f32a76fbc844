//! Property test: `count` never panics on arbitrary bytes (as lossy UTF-8) and
//! keeps its basic invariants. A dependency-free generator (xorshift) draws
//! from Markdown/HTML-heavy fragments and from raw random bytes; the seed is
//! fixed so failures reproduce, `STYLE_FUZZ_CASES` raises the case count.

use wildstat_style::{count, count_html_elements, StyleCounts};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "\n",
    "\n\n",
    " ",
    "  ",
    "\t",
    "    ",
    "\r\n",
    "#",
    "# ",
    "## ",
    "###### ",
    "=",
    "===\n",
    "---\n",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "> ",
    ">",
    "```",
    "```py\n",
    "~~~\n",
    "`",
    "``",
    "*",
    "**",
    "_",
    "__",
    "~",
    "~~",
    "~~~",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "<",
    ">",
    "</",
    "<p>",
    "<a href=\"",
    "\"",
    "'",
    "=",
    "<script>",
    "</script>",
    "<style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<![if",
    "<?",
    "?>",
    "<!DOCTYPE",
    "&",
    "&#",
    "&#x",
    "&amp;",
    ";",
    "|",
    " | ",
    "|---|",
    ":-:",
    "\\",
    "<br/>",
    "<img src=x>",
    "<del>",
    "<DIV>",
    "\u{0}",
    "\u{a0}",
    "\u{1c}",
    "é",
    "🎉",
    "http://x.y",
    "<http://a>",
    "javascript:",
    "a",
    "b",
    "word",
];

fn gen(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(60);
    let mut v = Vec::new();
    for _ in 0..n {
        if rng.below(8) == 0 {
            for _ in 0..rng.below(6) + 1 {
                v.push(rng.next() as u8);
            }
        } else {
            v.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes());
        }
    }
    v
}

fn cases() -> usize {
    std::env::var("STYLE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30_000)
}

#[test]
fn count_never_panics_and_keeps_invariants() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..cases() {
        let bytes = gen(&mut rng);
        let text = String::from_utf8_lossy(&bytes);
        let c = count(&text);
        assert_eq!(c.len, text.chars().count() as u64);
        assert_eq!(
            c.lines,
            if text.is_empty() {
                0
            } else {
                text.matches('\n').count() as u64 + 1
            }
        );
        assert!(c.words <= c.len);
        assert_eq!(c.code_blocks, c.code_langs.values().sum::<u64>());
        // at most two elements per source character (`-` is <ul><li>)
        let elems: u64 = c.elements().iter().sum();
        assert!(elems <= 2 * c.len, "{elems} elements from {} chars", c.len);
        let mut m = StyleCounts::default();
        m.merge(&c);
        m.merge(&c);
        assert_eq!(m.p, 2 * c.p);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    for _ in 0..cases() / 3 {
        let n = rng.below(200);
        let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = count(&text);
        let _ = count_html_elements(&text);
    }
}

#[test]
fn html_scanner_never_panics() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..cases() {
        let bytes = gen(&mut rng);
        let _ = count_html_elements(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn unclosed_constructs_stay_linear() {
    // Each of these took minutes when every unclosed construct rescanned the
    // rest of the document (quadratic); now they are milliseconds.
    for piece in [
        "<!-- ",
        "<? ",
        "<!x ",
        "<![CDATA[ ",
        "<a b='",
        "</ ",
        "a ~~~ ",
    ] {
        let text = piece.repeat(400_000 / piece.len() * 2);
        let t0 = std::time::Instant::now();
        let c = count(&text);
        assert_eq!(c.len, text.len() as u64);
        assert!(
            t0.elapsed().as_secs() < 20,
            "{piece:?} x {} took {:?}",
            text.len() / piece.len(),
            t0.elapsed()
        );
    }
}
