//! Per-element tests against the reference counts of markdown-it-py +
//! BeautifulSoup (`tests/fixtures/style/cases.jsonl`).

mod common;

use common::{cases, small_cases};
use wildstat_style::{count, count_html_elements, StyleCounts};

/// Check one element over every small case; report all mismatching cases.
fn check_element(tag: &str) {
    let idx = StyleCounts::element_index(tag).unwrap();
    let mut bad = Vec::new();
    let mut nonzero = 0;
    for c in small_cases() {
        let want = c.count(tag);
        if want > 0 {
            nonzero += 1;
        }
        let got = count(&c.text).element(idx);
        if got != want {
            bad.push(format!("{}: want {want} got {got}", c.name));
        }
    }
    assert!(bad.is_empty(), "<{tag}> mismatches:\n{}", bad.join("\n"));
    // the fixtures must exercise the element (del only through raw HTML)
    assert!(nonzero > 0, "no fixture case has a <{tag}>");
}

macro_rules! element_tests {
    ($($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                check_element(stringify!($name));
            }
        )*
    };
}

element_tests!(
    h1, h2, h3, h4, h5, h6, p, ul, ol, li, strong, em, code, pre, blockquote, table, hr, a, img,
    del
);

#[test]
fn len_words_lines() {
    for c in small_cases() {
        let s = count(&c.text);
        assert_eq!(s.len, c.field("len"), "len of {}", c.name);
        assert_eq!(s.words, c.field("words"), "words of {}", c.name);
        assert_eq!(s.lines, c.field("lines"), "lines of {}", c.name);
    }
}

#[test]
fn code_blocks_and_languages() {
    for c in small_cases() {
        let s = count(&c.text);
        assert_eq!(
            s.code_blocks,
            c.field("code_blocks"),
            "code_blocks of {}",
            c.name
        );
        assert_eq!(s.code_langs, c.langs(), "code_langs of {}", c.name);
    }
}

#[test]
fn list_depth() {
    for c in small_cases() {
        assert_eq!(
            count(&c.text).list_depth,
            c.field("list_depth"),
            "list_depth of {}",
            c.name
        );
    }
}

#[test]
fn five_megabyte_response() {
    let c = cases().into_iter().find(|c| c.name == "big_5mb").unwrap();
    let text = c.full_text();
    assert!(text.len() >= 5_000_000);
    let s = count(&text);
    for (i, tag) in StyleCounts::ELEMENTS.iter().enumerate() {
        assert_eq!(s.element(i), c.count(tag), "<{tag}> of big_5mb");
    }
    assert_eq!(s.len, c.field("len"));
    assert_eq!(s.words, c.field("words"));
    assert_eq!(s.lines, c.field("lines"));
    assert_eq!(s.code_blocks, c.field("code_blocks"));
    assert_eq!(s.list_depth, c.field("list_depth"));
    assert_eq!(s.code_langs, c.langs());
}

#[test]
fn elements_order_and_indexing() {
    assert_eq!(StyleCounts::ELEMENTS.len(), 20);
    let mut s = StyleCounts::default();
    for i in 0..20 {
        *s.element_mut(i) = i as u64 + 1;
        assert_eq!(
            StyleCounts::element_index(StyleCounts::ELEMENTS[i]),
            Some(i)
        );
    }
    assert_eq!(s.h1, 1);
    assert_eq!(s.code, 13);
    assert_eq!(s.del, 20);
    assert_eq!(s.elements().to_vec(), (1..=20).collect::<Vec<u64>>());
    assert_eq!(StyleCounts::element_index("div"), None);
}

#[test]
fn merge_is_exact_and_order_free() {
    let texts: Vec<String> = small_cases().into_iter().map(|c| c.text).collect();
    let mut fwd = StyleCounts::default();
    for t in &texts {
        fwd.merge(&count(t));
    }
    let mut rev = StyleCounts::default();
    for t in texts.iter().rev() {
        rev.merge(&count(t));
    }
    assert_eq!(fwd, rev);
    let mut want_p = 0;
    let mut want_len = 0;
    for c in small_cases() {
        want_p += c.count("p");
        want_len += c.field("len");
    }
    assert_eq!(fwd.p, want_p);
    assert_eq!(fwd.len, want_len);
}

#[test]
fn raw_html_scanner_matches_html_parser() {
    // values from BeautifulSoup(html, "html.parser").find_all() (CPython 3.11.7)
    let (c, rej) =
        count_html_elements("<p><strong>a</strong><a href='x'>b</a><br/><IMG SRC=x></p>");
    assert!(!rej);
    assert_eq!((c[6], c[10], c[17], c[18]), (1, 1, 1, 1));
    // script content is CDATA
    let (c, _) = count_html_elements("<script>'<p>'</script><p>x</p>");
    assert_eq!(c[6], 1);
    // an invalid `&#` after the first one stops the parser for good
    let (c, _) = count_html_elements("<p>&#z; &#q; <p>x</p>");
    assert_eq!(c[6], 1);
    // marked section with an unknown keyword: html.parser raises
    let (_, rej) = count_html_elements("<![foo[ x ]]>");
    assert!(rej);
}

#[test]
fn fuzzed_line_endings_nul_and_line_separators() {
    // (text, p, em, pre) from markdown-it-py + BeautifulSoup (scripts/oracle
    // setup): a lone CR ends a line, NUL is U+FFFD, U+0085/U+2028/U+2029 are
    // not whitespace for emphasis flanking.
    let cases: [(&str, u64, u64, u64); 8] = [
        ("    code\rtext", 1, 0, 1),
        ("    code\ttext\rmore", 1, 0, 1),
        ("a\r\n* b\r* c", 1, 0, 0),
        ("*\u{2028}x*", 1, 1, 0),
        ("*\u{2029}x*", 1, 1, 0),
        ("*\u{85}x*", 1, 1, 0),
        ("*x\u{2028}*a", 1, 1, 0),
        ("*\0*a", 1, 0, 0),
    ];
    for (text, p, em, pre) in cases {
        let s = count(text);
        assert_eq!((s.p, s.em, s.pre), (p, em, pre), "{text:?}");
    }
    // The original characters are measured, not the stand-ins.
    assert_eq!(count("*\u{2028}x*").len, 4);
    assert_eq!(count("a\rb").lines, 1);
}
