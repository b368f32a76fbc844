//! NLTK PorterStemmer parity on the golden fixture
//! `tests/fixtures/metrics/porter.tsv` (written by
//! `scripts/fixtures/make_metrics_fixtures.py` from the real NLTK 3.10.4).

use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/metrics")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Undoes the fixture's field escaping (\\, \t, \n, \r).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            other => panic!("bad escape {other:?} in {s:?}"),
        }
    }
    out
}

#[test]
fn porter_matches_nltk_fixture() {
    let text = fixture("porter.tsv");
    let mut n = 0;
    let mut bad = Vec::new();
    for line in text.lines() {
        let (w, s) = line.split_once('\t').expect("two columns");
        let (w, s) = (unescape(w), unescape(s));
        let got = wildstat_metrics::porter::stem(&w);
        if got != s {
            bad.push(format!("{w:?}: nltk {s:?}, ours {got:?}"));
        }
        n += 1;
    }
    assert!(n > 4000, "fixture too small: {n}");
    assert!(
        bad.is_empty(),
        "{} of {n} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn porter_spot_checks() {
    // Values from NLTK 3.10.4 PorterStemmer().stem().
    use wildstat_metrics::porter::stem;
    for (w, s) in [
        ("caresses", "caress"),
        ("generously", "gener"),
        ("dying", "die"),
        ("skies", "sky"),
        ("İİ", "i\u{307}i\u{307}"),
        ("", ""),
        ("relational", "relat"),
    ] {
        assert_eq!(stem(w), s, "{w}");
    }
}
