//! `--memory`: the default budget is derived from the machine and printed,
//! and a local similarity or agreement run whose selection does not fit
//! spills it into conversation-id buckets, processes them bucket by bucket,
//! writes the same bytes as an in-memory run and removes its spill; a
//! spilled similarity run writes the bytes the aggregator before the
//! compact per-conversation values wrote; ranks that do not fit spill
//! their own share and merge to the local bytes, the merge moving their
//! values to files past the same budget.

mod common;

use std::path::Path;

use common::*;
use wildstat_engine::memory::default_mib_from;

/// Every output file but the provenance (which records `--memory`).
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "wildstat.json")
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Names in `dir` and beside it that a spill or a temporary folder would
/// leave.
fn leftovers(out: &Path) -> Vec<String> {
    let inside = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("spill") || n.contains("scratch") || n.starts_with('.'));
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let beside = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.")));
    inside.chain(beside).collect()
}

/// `wildstat synth` of 1,500 conversations in 200-row groups, in `dir/corpus`.
fn synth_1500(dir: &Path) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    let c = corpus.to_str().unwrap();
    ok([
        "synth",
        "--out",
        c,
        "--conversations",
        "1500",
        "--row-group-rows",
        "200",
    ]);
    corpus
}

fn run(args: &[&str], threads: &str) -> String {
    let out = wildstat_env(args, &[("RAYON_NUM_THREADS", threads)]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "wildstat failed: {err}");
    err
}

#[test]
fn a_spilled_run_writes_the_bytes_of_an_in_memory_run_and_removes_its_spill() {
    let dir = tempdir("memory-spill");
    let corpus = synth_1500(&dir);
    let c = corpus.to_str().unwrap();
    for refs in ["5", "all"] {
        let mem = dir.join(format!("mem-{refs}"));
        let err = run(
            &[
                "similarity",
                c,
                "--refs",
                refs,
                "--memory",
                "4096",
                "--out",
                mem.to_str().unwrap(),
            ],
            "2",
        );
        assert!(!err.contains("spilling"), "{err}");
        for threads in ["1", "2"] {
            let spill = dir.join(format!("spill-{refs}-{threads}"));
            let err = run(
                &[
                    "similarity",
                    c,
                    "--refs",
                    refs,
                    "--memory",
                    "1",
                    "--out",
                    spill.to_str().unwrap(),
                ],
                threads,
            );
            assert!(
                err.contains("similarity: memory budget 1 MiB (--memory)"),
                "{err}"
            );
            let buckets: usize = err
                .split("spilling it into ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no spill: {err}"));
            assert!(buckets >= 4, "{err}");
            assert_eq!(
                outputs(&spill),
                outputs(&mem),
                "refs {refs}, {threads} threads"
            );
            assert_eq!(leftovers(&spill), Vec::<String>::new());
        }
        let pairs = outputs(&mem);
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"pairs.parquet"), "{names:?}");
        assert!(pairs.iter().all(|(_, b)| !b.is_empty()));
    }
}

#[test]
fn the_default_budget_is_derived_from_the_machine_and_printed() {
    let dir = tempdir("memory-default");
    let sample = sample();
    let s = sample.to_str().unwrap();
    let out = dir.join("default");
    let err = run(&["similarity", s, "--out", out.to_str().unwrap()], "2");
    let line = err
        .lines()
        .find(|l| l.starts_with("similarity: memory budget "))
        .unwrap_or_else(|| panic!("no budget line: {err}"));
    assert!(
        line.ends_with("MiB (half of MemAvailable, 512 MiB to 64 GiB; set --memory to change)"),
        "{line}"
    );
    let mib: u64 = line["similarity: memory budget ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = default_mib_from(std::fs::read_to_string("/proc/meminfo").ok().as_deref());
    assert!((512..=65_536).contains(&mib), "{line}");
    // MemAvailable moves while the tests run: within 20% of it now.
    assert!(mib.abs_diff(now) * 5 <= now, "{line} vs {now} MiB now");
    // The provenance records that no budget was given.
    let prov = std::fs::read_to_string(out.join("wildstat.json")).unwrap();
    assert!(prov.contains("\"memory\": null"), "{prov}");

    let given = dir.join("given");
    let err = run(
        &[
            "similarity",
            s,
            "--memory",
            "700",
            "--out",
            given.to_str().unwrap(),
        ],
        "2",
    );
    assert!(
        err.lines()
            .any(|l| l == "similarity: memory budget 700 MiB (--memory)"),
        "{err}"
    );
    assert_eq!(outputs(&given), outputs(&out));
    let quiet = dir.join("quiet");
    let err = run(
        &["similarity", s, "-q", "--out", quiet.to_str().unwrap()],
        "2",
    );
    assert!(!err.contains("memory budget"), "{err}");
}

/// `case/file -> sha256` of the outputs the binary before the compact
/// aggregator wrote (`similarity --memory 4096`) on `synth --conversations
/// 1500 --row-group-rows 200`.
fn old_digests() -> std::collections::BTreeMap<String, String> {
    include_str!("fixtures/digests/memory-synth-1500.txt")
        .lines()
        .filter_map(|l| {
            let (h, f) = l.split_once("  ")?;
            Some((f.to_string(), h.to_string()))
        })
        .collect()
}

#[test]
fn a_spilled_run_with_the_compact_aggregator_writes_the_old_bytes() {
    use sha2::{Digest, Sha256};
    let dir = tempdir("memory-old-bytes");
    let corpus = synth_1500(&dir);
    let c = corpus.to_str().unwrap();
    let want = old_digests();
    let mut got = std::collections::BTreeMap::new();
    for (refs, how) in [("1", "honest"), ("all", "honest"), ("all", "paper")] {
        let case = format!("refs-{refs}-{how}");
        let out = dir.join(&case);
        let err = run(
            &[
                "similarity",
                c,
                "--refs",
                refs,
                "--aggregate",
                how,
                "--memory",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
            "2",
        );
        assert!(err.contains("spilling it into "), "{err}");
        // 1,500 conversations x 5 targets pass 1/16 of 1 MiB of values.
        assert!(
            err.contains(" per-conversation values went through files"),
            "{err}"
        );
        assert_eq!(leftovers(&out), Vec::<String>::new());
        for (name, bytes) in outputs(&out) {
            got.insert(
                format!("{case}/{name}"),
                format!("{:x}", Sha256::digest(&bytes)),
            );
        }
    }
    assert_eq!(got, want);
}

/// Runs `agreement` on `input` with the answer regex and `extra`.
fn agreement(input: &Path, out: &Path, extra: &[&str], threads: &str) -> String {
    let mut args = vec![
        "agreement",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--answer-regex",
        r"Answer: (\d+)",
    ];
    args.extend_from_slice(extra);
    run(&args, threads)
}

fn spilled_buckets(err: &str) -> usize {
    err.split("spilling it into ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no spill: {err}"))
}

#[test]
fn a_spilled_agreement_run_writes_the_bytes_of_an_in_memory_run() {
    let dir = tempdir("memory-agreement");
    let corpus = dir.join("corpus");
    let c = corpus.to_str().unwrap();
    ok([
        "synth",
        "--out",
        c,
        "--runs",
        "4",
        "--conversations",
        "1500",
        "--row-group-rows",
        "300",
    ]);
    // A second copy of one model's file, read after the first: every one of
    // its responses is a duplicate (prompt, run), and the first one read
    // must be the one kept in memory and spilled alike.
    let copy = corpus.join("det-1x.parquet");
    std::fs::copy(corpus.join("det-1.parquet"), &copy).unwrap();
    let gold = corpus.join("gold.tsv");
    let g = gold.to_str().unwrap();
    let mem = dir.join("mem");
    let err = agreement(&corpus, &mem, &["--gold", g, "--memory", "4096"], "2");
    assert!(
        err.contains("agreement: memory budget 4096 MiB (--memory)"),
        "{err}"
    );
    assert!(!err.contains("spilling"), "{err}");
    let table = std::fs::read_to_string(mem.join("table.md")).unwrap();
    assert!(
        table.contains("6000 duplicate (prompt, run) responses dropped"),
        "{table}"
    );
    for threads in ["1", "2"] {
        let spill = dir.join(format!("spill-{threads}"));
        let err = agreement(&corpus, &spill, &["--gold", g, "--memory", "1"], threads);
        assert!(spilled_buckets(&err) >= 4, "{err}");
        // Its per-prompt values went through files in its scratch folder,
        // which is gone afterwards (no leftovers below).
        assert!(
            err.contains(" per-prompt values went through files"),
            "{err}"
        );
        assert_eq!(outputs(&spill), outputs(&mem), "{threads} threads");
        assert_eq!(leftovers(&spill), Vec::<String>::new());
    }
    // Three ranks at the same budget, merged: the merge moves the ranks'
    // per-prompt values to files in its scratch folder and writes the
    // in-memory run's bytes.
    let sharded = dir.join("sharded");
    for rank in ["0", "1", "2"] {
        let args = [
            "--gold",
            g,
            "--memory",
            "1",
            "--rank",
            rank,
            "--world-size",
            "3",
        ];
        agreement(&corpus, &sharded, &args, "2");
    }
    let err = run(&["merge", sharded.to_str().unwrap()], "2");
    assert!(
        err.contains(" per-prompt values went through files"),
        "{err}"
    );
    assert_eq!(outputs(&sharded), outputs(&mem));
    assert_eq!(leftovers(&sharded), Vec::<String>::new());
    let names: Vec<String> = outputs(&mem).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"runs.csv".to_string()), "{names:?}");

    // Runs from file names: the spill keeps the file's run id, not the
    // bucket's name. Runs run-a and run-b of det-0 and det-1, each a copy
    // of the model's file (the four runs of a prompt inside one file become
    // duplicates of that file's run).
    let files = dir.join("files");
    for model in ["det-0", "det-1"] {
        std::fs::create_dir_all(files.join(model)).unwrap();
        for run in ["run-a", "run-b"] {
            std::fs::copy(
                corpus.join(format!("{model}.parquet")),
                files.join(model).join(format!("{run}.parquet")),
            )
            .unwrap();
        }
    }
    let by_file = ["--run-from", "file"];
    let mem = dir.join("files-mem");
    let mut args = by_file.to_vec();
    args.extend(["--memory", "4096"]);
    agreement(&files, &mem, &args, "2");
    let spill = dir.join("files-spill");
    let mut args = by_file.to_vec();
    args.extend(["--memory", "1"]);
    let err = agreement(&files, &spill, &args, "2");
    assert!(spilled_buckets(&err) >= 2, "{err}");
    assert_eq!(outputs(&spill), outputs(&mem));
    let table = std::fs::read_to_string(mem.join("table.md")).unwrap();
    assert!(table.contains("| det-0 |    1500 |"), "{table}");
    assert!(table.contains("| det-1 |    1500 |"), "{table}");
    assert!(
        table.contains("18000 duplicate (prompt, run) responses dropped"),
        "{table}"
    );
}

#[test]
fn ranks_that_do_not_fit_spill_their_share_and_merge_to_the_local_bytes() {
    let dir = tempdir("memory-rank-spill");
    let corpus = synth_1500(&dir);
    let c = corpus.to_str().unwrap();
    let local = dir.join("local");
    ok(["similarity", c, "--out", local.to_str().unwrap(), "-q"]);
    let out = dir.join("sharded");
    let o = out.to_str().unwrap();
    // What a killed attempt at rank 0 would have left: its spill folder,
    // named after its temporary rows file.
    let parts = dir.join("sharded.work/parts");
    let stale = parts.join(".similarity-00000.rows.parquet.tmp-999999.spill");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("bucket-0000.parquet"), b"x").unwrap();
    // Files wildstat did not write, even under the rank's name: kept.
    let foreign = [
        parts.join("notes.txt"),
        parts.join(".similarity-00000.notes"),
    ];
    for f in &foreign {
        std::fs::write(f, b"mine").unwrap();
    }
    for rank in ["0", "1"] {
        let err = run(
            &[
                "similarity",
                c,
                "--memory",
                "1",
                "--rank",
                rank,
                "--world-size",
                "2",
                "--out",
                o,
            ],
            "2",
        );
        assert!(err.contains("spilling it into "), "rank {rank}: {err}");
    }
    let left: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("spill") || n.contains(".tmp-"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
    for f in &foreign {
        assert_eq!(std::fs::read(f).unwrap(), b"mine", "{}", f.display());
    }
    // The merge is bounded by the ranks' budget too: past its share, the
    // ranks' per-conversation values go through files in its scratch
    // folder, which it removes.
    let err = run(&["merge", o], "2");
    assert!(
        err.contains(" per-conversation values went through files"),
        "{err}"
    );
    assert_eq!(outputs(&out), outputs(&local));
    assert_eq!(leftovers(&out), Vec::<String>::new());
    assert!(outputs(&local).iter().any(|(n, _)| n == "pairs.parquet"));
}
