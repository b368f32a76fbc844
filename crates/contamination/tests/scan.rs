//! Planted-corpus tests of `Index::scan`: synthetic items (always run) and
//! real MT-Bench / Arena-Hard questions (skipped with a notice when
//! /work/shared is absent).

use std::path::Path;

use wildstat_contamination::{load_benchmark, normalize, Hit, Index, Item, DEFAULT_N};

fn item(id: &str, text: &str) -> Item {
    Item {
        benchmark: "synthetic".into(),
        id: id.into(),
        text: text.into(),
    }
}

/// `count` distinct words `{stem}0 {stem}1 ...`.
fn words(stem: &str, count: usize) -> String {
    (0..count)
        .map(|i| format!("{stem}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn filler() -> String {
    words("zzfill", 40)
}

fn synthetic() -> Index {
    let items = vec![
        // 0: 30 tokens with punctuation and case.
        item("a", "The quick brown fox, it's said, jumps over the lazy dog; then the dog (annoyed) chases the fox across twelve green fields until both of them are tired and sleepy."),
        // 1: 20 distinct tokens.
        item("b", &words("beta", 20)),
        // 2: 10 tokens: too short for 13-grams.
        item("c", &words("gamma", 10)),
        // 3: the 13-word block X twice: 14 windows, 13 distinct n-grams.
        item("d", &format!("{} {}", words("delta", 13), words("delta", 13))),
    ];
    Index::new(items, DEFAULT_N)
}

fn hit(item: usize, shared: u32, distinct: u32, longest: u32, excerpt: &str) -> Hit {
    Hit {
        item,
        shared_ngrams: shared,
        coverage: shared as f64 / distinct as f64,
        longest,
        excerpt: excerpt.into(),
    }
}

#[test]
fn counts_of_the_index() {
    let ix = synthetic();
    assert_eq!(normalize(&ix.items()[0].text).len(), 30);
    assert_eq!(ix.distinct_ngrams(0), 18);
    assert_eq!(ix.distinct_ngrams(1), 8);
    assert_eq!(ix.distinct_ngrams(2), 0);
    assert_eq!(ix.distinct_ngrams(3), 13);
    assert_eq!(ix.too_short(), 1);
}

#[test]
fn verbatim_recased_repunctuated() {
    let ix = synthetic();
    let f = filler();
    let text = format!("{f} {} {f}", ix.items()[0].text);
    // 20 characters before the first shared n-gram, 120 in all.
    let ex = "7 zzfill38 zzfill39 The quick brown fox, it's said, jumps over the lazy dog; then the dog (annoyed) chases the fox acros";
    assert_eq!(ex.chars().count(), 120);
    assert_eq!(ix.scan(&text), vec![hit(0, 18, 18, 30, ex)]);
    let changed = "THE QUICK brown Fox it's SAID!! ... jumps -- over the lazy dog then the d.o.g annoyed chases THE fox across twelve green fields until both of them are tired and sleepy";
    assert_eq!(ix.scan(changed), vec![hit(0, 18, 18, 30, &changed[..120])]);
}

#[test]
fn fragments_and_near_misses() {
    let ix = synthetic();
    let f = filler();
    // 14 words of item 1 (tokens 3..17): two 13-grams.
    let frag14 = words("beta", 17)
        .split(' ')
        .skip(3)
        .collect::<Vec<_>>()
        .join(" ");
    let got = ix.scan(&format!("{f} {frag14} {f}"));
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].item, got[0].shared_ngrams, got[0].longest),
        (1, 2, 14)
    );
    assert!(got[0]
        .excerpt
        .starts_with("7 zzfill38 zzfill39 beta3 beta4"));
    // 12-word fragments, and a 13-word run broken in the middle: no hit.
    let frag12 = words("beta", 12);
    assert!(ix.scan(&format!("{f} {frag12} {f}")).is_empty());
    let broken = words("beta", 20).replace("beta10", "beta10x");
    assert!(ix.scan(&broken).is_empty());
    // The short item planted verbatim never matches.
    assert!(ix
        .scan(&format!("{f} {} {f}", words("gamma", 10)))
        .is_empty());
    // Items 0 and 1 in one text: both hits, sorted by item.
    let both = format!("{} {f} {}", words("beta", 20), ix.items()[0].text);
    let got: Vec<(usize, u32)> = ix
        .scan(&both)
        .iter()
        .map(|h| (h.item, h.shared_ngrams))
        .collect();
    assert_eq!(got, vec![(0, 18), (1, 8)]);
}

#[test]
fn hits_round_trip_through_serde() {
    let ix = synthetic();
    let hits = ix.scan(&words("beta", 20));
    let json = serde_json::to_string(&hits).unwrap();
    assert_eq!(serde_json::from_str::<Vec<Hit>>(&json).unwrap(), hits);
    let items = serde_json::to_string(ix.items()).unwrap();
    assert_eq!(
        serde_json::from_str::<Vec<Item>>(&items).unwrap(),
        ix.items()
    );
}

#[test]
fn repeated_ngrams_are_counted_once() {
    let ix = synthetic();
    let x = words("delta", 13);
    assert_eq!(ix.scan(&x), vec![hit(3, 1, 13, 13, &x)]);
    let xxx = format!("{x} {x} {x}");
    assert_eq!(ix.scan(&xxx), vec![hit(3, 13, 13, 26, &xxx[..120])]);
    // Longest keeps the longer of two runs: 14 and 16 tokens of item 1.
    let b = words("beta", 20);
    let t: Vec<&str> = b.split(' ').collect();
    let text = format!("{} zz {} zz", t[0..14].join(" "), t[4..20].join(" "));
    let got = ix.scan(&text);
    assert_eq!((got[0].shared_ngrams, got[0].longest), (6, 16));
}

#[test]
fn smaller_n_and_empty_index() {
    let ix = Index::new(
        vec![item("a", "one two three"), item("b", "two three four")],
        2,
    );
    let got: Vec<(usize, u32, u32)> = ix
        .scan("Two, THREE!")
        .iter()
        .map(|h| (h.item, h.shared_ngrams, h.longest))
        .collect();
    assert_eq!(got, vec![(0, 1, 2), (1, 1, 2)]);
    assert!(Index::new(vec![], 13).scan("anything at all").is_empty());
}

fn shared(rel: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpora"
    ))
    .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("notice: {} absent, test skipped", p.display());
        None
    }
}

#[test]
fn planted_real_questions() {
    let (Some(mt), Some(ah)) = (
        shared("mt-bench/question.jsonl"),
        shared("arena-hard/question.jsonl"),
    ) else {
        return;
    };
    let mut items = load_benchmark(&mt, Some("mt-bench"), &[], false).unwrap();
    items.extend(load_benchmark(&ah, Some("arena-hard"), &[], false).unwrap());
    let ix = Index::new(items.clone(), DEFAULT_N);
    let f = filler();
    let mut checked = 0;
    for (k, it) in items.iter().enumerate().step_by(7) {
        let toks = normalize(&it.text);
        let found = |text: &str| ix.scan(text).iter().any(|h| h.item == k);
        if toks.len() < 14 {
            assert!(!found(&format!("{f} {} {f}", it.text)), "{}", it.id);
            continue;
        }
        assert!(found(&format!("{f} {} {f}", it.text)), "verbatim {}", it.id);
        let upper = it
            .text
            .to_ascii_uppercase()
            .replace(' ', " -- ")
            .replace('\n', " ... ");
        assert!(found(&upper), "re-cased {}", it.id);
        let mid = (toks.len() - 14) / 2;
        let frag = toks[mid..mid + 14].join(" ");
        let got = ix.scan(&format!("{f} {frag} {f}"));
        let h = got.iter().find(|h| h.item == k).expect("14-word fragment");
        assert!(h.longest >= 14 && h.shared_ngrams >= 2, "{}", it.id);
        let frag12 = toks[mid..mid + 12].join(" ");
        assert!(
            ix.scan(&format!("{f} {frag12} {f}")).is_empty(),
            "12 words {}",
            it.id
        );
        checked += 1;
    }
    assert!(checked > 60, "{checked}");
}
