//! Every stage's outputs on the shared AlpacaEval corpus are byte-identical
//! to those of the commit before the stage engine (checked-in SHA-256
//! digests in `tests/fixtures/digests/alpaca-eval.txt`), for a local run on
//! 1 and 2 threads, 3 ranks merged, and 3 ranks reading a partition (and,
//! for similarity, local runs with `--memory 64`, which spills the corpus
//! into buckets, and `--memory 4096`, which holds it in memory). The
//! provenance file `wildstat.json` is new and not part of the digests.
//! Skips with a notice when `../shared` is absent.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{ok, shared_corpus, tempdir};
use sha2::{Digest, Sha256};

/// `stage/file -> sha256` from the checked-in list.
fn expected() -> BTreeMap<String, String> {
    let text = include_str!("fixtures/digests/alpaca-eval.txt");
    text.lines()
        .filter_map(|l| {
            let (h, f) = l.split_once("  ")?;
            Some((f.to_string(), h.to_string()))
        })
        .collect()
}

/// Digests of every file of `dir` but the provenance, as `label/file`.
fn digests(dir: &Path, label: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == "wildstat.json" {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        m.insert(
            format!("{label}/{name}"),
            format!("{:x}", Sha256::digest(&bytes)),
        );
    }
    m
}

fn run_threads(threads: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_wildstat"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check(label: &str, got: BTreeMap<String, String>) {
    let want: BTreeMap<String, String> = expected()
        .into_iter()
        .filter(|(k, _)| k.starts_with(&format!("{label}/")))
        .collect();
    assert!(!want.is_empty(), "no digests for {label}");
    assert_eq!(got, want, "{label} differs from the checked-in digests");
}

/// Runs `stage INPUT args` locally (1 and 2 threads), as 3 ranks, and
/// (conversation splits) as 3 ranks over a partition, and checks each
/// against the digests of `label`.
fn every_way(dir: &Path, label: &str, stage: &str, input: &str, args: &[&str], partition: bool) {
    let cmd = |inp: &str, out: &Path, extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec![stage.into(), inp.into(), "-q".into(), "--out".into()];
        v.push(out.to_str().unwrap().into());
        v.extend(args.iter().chain(extra).map(|s| s.to_string()));
        v
    };
    for threads in ["1", "2"] {
        let out = dir.join(format!("{label}-local-{threads}"));
        let a = cmd(input, &out, &[]);
        run_threads(threads, &a.iter().map(String::as_str).collect::<Vec<_>>());
        check(label, digests(&out, label));
    }
    let mut ways = vec![(input.to_string(), "ranks")];
    if partition {
        let p = dir.join(format!("{label}-partition"));
        ok([
            "partition",
            input,
            "-q",
            "--out",
            p.to_str().unwrap(),
            "--buckets",
            "3",
        ]);
        ways.push((p.to_str().unwrap().to_string(), "partitioned"));
    }
    for (inp, how) in ways {
        let out = dir.join(format!("{label}-{how}"));
        for r in ["0", "1", "2"] {
            let a = cmd(&inp, &out, &["--rank", r, "--world-size", "3"]);
            run_threads("2", &a.iter().map(String::as_str).collect::<Vec<_>>());
        }
        ok(["merge", "-q", out.to_str().unwrap()]);
        check(label, digests(&out, label));
    }
}

/// A local similarity run with `--memory MIB` checked against `label`.
fn with_memory(dir: &Path, label: &str, input: &str, args: &[&str], mib: &str) {
    let out = dir.join(format!("{label}-memory-{mib}"));
    let o = out.to_str().unwrap();
    let mut a = vec!["similarity", input, "-q", "--out", o, "--memory", mib];
    a.extend(args);
    run_threads("2", &a);
    check(label, digests(&out, label));
}

#[test]
fn stage_outputs_match_the_checked_in_digests() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let c = corpus.to_str().unwrap();
    let dir = tempdir("digest");
    every_way(&dir, "sim-all", "similarity", c, &["--refs", "all"], true);
    every_way(&dir, "sim5", "similarity", c, &[], true);
    for mib in ["64", "4096"] {
        with_memory(&dir, "sim-all", c, &["--refs", "all"], mib);
        with_memory(&dir, "sim5", c, &[], mib);
    }
    let pf = ["--turns", "all", "--pf", "claude-2.1:gpt4_1106_preview"];
    every_way(&dir, "style", "style", c, &pf, false);
    every_way(&dir, "shared", "shared", c, &[], true);
    let runs = dir.join("runs");
    let r = runs.to_str().unwrap();
    ok(["synth", "--out", r, "--runs", "3", "--conversations", "400"]);
    let gold = runs.join("gold.tsv");
    let g = gold.to_str().unwrap();
    every_way(
        &dir,
        "agree",
        "agreement",
        r,
        &["--answer-regex", "([0-9]+)", "--gold", g],
        false,
    );
}
