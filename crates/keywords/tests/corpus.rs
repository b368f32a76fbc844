//! Real responses (shared AlpacaEval outputs): chunked counting merged in
//! any order equals one pass, through a serialised round trip too.

use std::path::Path;

use wildstat_keywords::{fightin_words, Counts, Stopwords};

fn outputs(model: &str) -> Option<Vec<String>> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpora/alpaca-eval-json"
    );
    let path = Path::new(dir).join(format!("{model}.json"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return None;
    };
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    Some(
        rows.iter()
            .map(|r| r["output"].as_str().unwrap_or_default().to_string())
            .collect(),
    )
}

#[test]
fn chunks_merge_to_one_pass() {
    let Some(texts) = outputs("claude-2.1") else {
        return;
    };
    let stop = Stopwords::english();
    // Totals by the Python rule (scripts/parity/keywords_parity.py's words()).
    for (st, total) in [(None, 141_039), (Some(&stop), 88_878)] {
        let mut whole = Counts::new();
        for t in &texts {
            whole.add_text(t, st);
        }
        let parts: Vec<Counts> = texts
            .chunks(97)
            .map(|ch| {
                let mut c = Counts::new();
                for t in ch {
                    c.add_text(t, st);
                }
                c
            })
            .collect();
        let mut merged = Counts::new();
        for p in parts.iter().rev() {
            let json = serde_json::to_string(p).unwrap();
            merged.merge(&serde_json::from_str(&json).unwrap());
        }
        assert_eq!(merged, whole);
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
        assert_eq!(whole.total(), total);
    }
}

#[test]
fn scores_do_not_depend_on_group_chunking() {
    let (Some(a), Some(b)) = (outputs("claude-2.1"), outputs("gpt4_1106_preview")) else {
        return;
    };
    let count = |texts: &[String], step: usize| {
        let mut total = Counts::new();
        for ch in texts.chunks(step) {
            let mut c = Counts::new();
            for t in ch {
                c.add_text(t, None);
            }
            total.merge(&c);
        }
        total
    };
    let one = fightin_words(&count(&a, a.len()), &count(&b, b.len()), 1.0, 5).unwrap();
    let many = fightin_words(&count(&a, 13), &count(&b, 31), 1.0, 5).unwrap();
    assert_eq!(one, many);
    // Extremes, recomputed in Python with math.log from the counts
    // (n_a = 141,039, n_b = 259,015): the same bits.
    let (first, last) = (&one[0], &one[one.len() - 1]);
    assert_eq!(
        (first.word.as_str(), first.count_a, first.count_b),
        ("me", 359, 99)
    );
    assert_eq!(
        (first.log_odds, first.z),
        (0.580976479088001, 10.573135787849058)
    );
    assert_eq!(
        (last.word.as_str(), last.count_a, last.count_b),
        ("of", 2419, 6364)
    );
    assert_eq!(
        (last.log_odds, last.z),
        (-0.10680388301850874, -8.570695594969342)
    );
}
