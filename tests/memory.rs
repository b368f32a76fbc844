//! `--memory`: the default budget is derived from the machine and printed,
//! and a local similarity run whose selection does not fit spills it into
//! conversation-id buckets, processes them bucket by bucket, writes the
//! same bytes as an in-memory run and removes its spill.

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
        .filter(|n| n.contains("spill") || n.starts_with('.'));
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let beside = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.")));
    inside.chain(beside).collect()
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
