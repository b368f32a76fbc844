//! Unit tests: for every stage, merging the accumulators of two halves of
//! the input (each through the part file's encoding) gives the same outputs
//! as one pass over all of it.

use std::path::PathBuf;

use wildstat_reader::{read_unit, Response, Turns};

use wildstat_engine::input::{open, Select};
use wildstat_engine::progress::Progress;
use wildstat_engine::{Accumulator, Context, Emit, Stage};

/// Every response of the built-in sample (all turns), in read order.
fn sample() -> Vec<Response> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let select = Select {
        turns: Turns::All,
        ..Select::default()
    };
    let inputs = open(&[dir], &select).unwrap();
    inputs
        .units
        .iter()
        .flat_map(|&u| {
            read_unit(&inputs.files[u.file], u, &inputs.selection)
                .unwrap()
                .0
        })
        .collect()
}

fn pass<S: Stage>(stage: &S, batch: Vec<Response>) -> S::Acc {
    let progress = Progress::new("test", "x", 0, true);
    let mut acc = stage.empty();
    let mut emit = Emit::detached(&mut acc, &progress);
    stage.process(batch, &mut emit).unwrap();
    acc
}

/// Checks halves == whole for `S` on `responses`, split between
/// conversations (so a conversation-split stage sees whole conversations).
fn check<S: Stage>(cfg: &S::Config, mut responses: Vec<Response>) {
    let models: std::collections::BTreeSet<String> =
        responses.iter().map(|r| r.model.to_string()).collect();
    let ctx = Context {
        models: models.into_iter().collect(),
        ..Context::default()
    };
    let stage = S::prepare(cfg, &ctx).unwrap();
    let whole = S::finish(cfg, &ctx, pass(&stage, responses.clone())).unwrap();
    responses.sort_by(|a, b| a.conversation_hash.cmp(&b.conversation_hash));
    let mid = responses.len() / 2;
    let cut = responses[mid].conversation_hash.clone();
    let (first, second): (Vec<Response>, Vec<Response>) = responses
        .into_iter()
        .partition(|r| r.conversation_hash < cut);
    assert!(!first.is_empty() && !second.is_empty());
    let round =
        |a: S::Acc| -> S::Acc { postcard::from_bytes(&postcard::to_stdvec(&a).unwrap()).unwrap() };
    // Merged in id order, as the engine merges ranks.
    let mut acc = round(pass(&stage, first));
    acc.merge(round(pass(&stage, second))).unwrap();
    let halves = S::finish(cfg, &ctx, acc).unwrap();
    assert_eq!(
        whole.files,
        halves.files,
        "{}: halves differ from one pass",
        S::NAME
    );
    assert_eq!(whole.stdout, halves.stdout);
}

#[test]
fn similarity_halves_merge_to_one_pass() {
    let cfg = crate::stages::similarity::Config {
        refs: crate::stages::similarity::pairs::Refs::All,
        ..Default::default()
    };
    check::<crate::stages::similarity::Similarity>(&cfg, sample());
}

#[test]
fn style_halves_merge_to_one_pass() {
    let cfg = crate::stages::style::Config {
        pf: vec!["bold-lists-distill-3b:bold-lists-7b".into()],
        pf_baseline: None,
        token_len: true,
    };
    check::<crate::stages::style::Style>(&cfg, sample());
}

#[test]
fn shared_halves_merge_to_one_pass() {
    check::<crate::stages::shared::Shared>(&Default::default(), sample());
}

#[test]
fn keywords_halves_merge_to_one_pass() {
    let cfg = crate::stages::keywords::Config {
        a: vec!["bold-lists-7b".into()],
        b: vec!["plain-prose-13b".into(), "terse-1b".into()],
        ..Default::default()
    };
    check::<crate::stages::keywords::Keywords>(&cfg, sample());
}

#[test]
fn agreement_halves_merge_to_one_pass() {
    // Each sample response three times, as runs a, b, c, the third run of
    // every fifth conversation different.
    let mut runs = Vec::new();
    for (i, r) in sample().into_iter().enumerate() {
        for run in ["a", "b", "c"] {
            let mut x = r.clone();
            x.run = Some(run.into());
            if run == "c" && i % 5 == 0 {
                x.text.push_str(" (rerun 42)");
            }
            runs.push(x);
        }
    }
    let cfg = crate::stages::agreement::Config {
        answer_regex: Some("([0-9]+)".into()),
        ..Default::default()
    };
    check::<crate::stages::agreement::Agreement>(&cfg, runs);
}
