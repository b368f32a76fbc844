//! `normalize` against fixtures made by lm-evaluation-harness's own Janitor
//! (scripts/fixtures/make_contamination_fixtures.py).

use serde_json::Value;
use wildstat_contamination::normalize;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/normalize.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn cases_match_janitor_tokens_and_ngrams() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 319);
    for c in cases {
        let text = c["text"].as_str().unwrap();
        let want: Vec<&str> = c["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let got = normalize(text);
        assert_eq!(got, want, "text {text:?}");
        let ngrams: Vec<String> = got.windows(3).map(|w| w.join(" ")).collect();
        let want3: Vec<&str> = c["ngrams3"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(ngrams, want3, "text {text:?}");
    }
}

#[test]
fn every_code_point_as_janitor_treats_it() {
    let f = fixture();
    let space: Vec<u32> = f["whitespace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(space.len(), 29);
    let changed = f["changed"].as_object().unwrap();
    assert_eq!(changed.len(), 26 + 32);
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        let out = if space.contains(&(c as u32)) {
            None
        } else if let Some(out) = changed.get(&(c as u32).to_string()) {
            Some(out.as_str().unwrap().to_string())
        } else {
            Some(c.to_string())
        };
        // Short (byte at a time) and long (eight bytes at a time) contexts.
        let short = normalize(&format!("a{c}b"));
        let long = normalize(&format!("abcdefgh{c}IJKlmnop{c}{c}qrstuvwx, yz,.;{c}"));
        let (want_short, want_long): (Vec<String>, Vec<String>) = match &out {
            None => (
                vec!["a".into(), "b".into()],
                vec![
                    "abcdefgh".into(),
                    "ijklmnop".into(),
                    "qrstuvwx".into(),
                    "yz".into(),
                ],
            ),
            Some(o) => (
                vec![format!("a{o}b")],
                vec![
                    format!("abcdefgh{o}ijklmnop{o}{o}qrstuvwx"),
                    format!("yz{o}"),
                ],
            ),
        };
        assert_eq!(short, want_short, "U+{:04X}", c as u32);
        assert_eq!(long, want_long, "U+{:04X}", c as u32);
    }
}

#[test]
fn hand_worked() {
    assert_eq!(
        normalize("It's a dog's life -- isn't it?"),
        ["its", "a", "dogs", "life", "isnt", "it"]
    );
    assert_eq!(
        normalize("ÉCOLE Straße\u{2028}X\u{1c}Y\u{200b}Z"),
        ["École", "straße", "x", "y\u{200b}z"]
    );
    assert!(normalize(" ... -- ").is_empty());
}
