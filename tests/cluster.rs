//! Sharded runs without a scheduler: every rank run by hand (as a Slurm or
//! Kubernetes array would), then `wildstat merge`. The final files must be
//! the bytes of a single-process run for any world size; finished ranks are
//! skipped on rerun; a killed rank is redone; merge names missing ranks.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const SIM_FILES: [&str; 8] = [
    "pairs.parquet",
    "table.md",
    "table.tex",
    "table.csv",
    "table.json",
    "matrix.csv",
    "matrix.md",
    "matrix.svg",
];
const STYLE_FILES: [&str; 7] = [
    "responses.parquet",
    "table.md",
    "table.tex",
    "table.csv",
    "table.json",
    "style.svg",
    "code_languages.csv",
];

fn assert_same(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{}: {e}", a.join(f).display()));
        let y = std::fs::read(b.join(f)).unwrap_or_else(|e| panic!("{}: {e}", b.join(f).display()));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn run_ranks(stage: &str, input: &Path, out: &Path, world: usize, extra: &[&str]) {
    for r in 0..world {
        let (rank, ws) = (r.to_string(), world.to_string());
        let mut args = vec![
            stage,
            "-q",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--rank",
            &rank,
            "--world-size",
            &ws,
        ];
        args.extend_from_slice(extra);
        ok(args);
    }
}

#[test]
fn similarity_same_bytes_for_world_sizes_1_3_8_direct_and_partitioned() {
    let dir = tempdir("cluster-sim");
    let local = dir.join("local");
    ok([
        "similarity",
        "-q",
        sample().to_str().unwrap(),
        "--refs",
        "all",
        "--out",
        local.to_str().unwrap(),
    ]);
    for world in [1usize, 3, 8] {
        // Each rank reads the whole input and keeps its conversation-id range.
        let out = dir.join(format!("direct-{world}"));
        run_ranks("similarity", &sample(), &out, world, &["--refs", "all"]);
        ok(["merge", "-q", out.to_str().unwrap()]);
        assert_same(&local, &out, &SIM_FILES);

        // Partitioned: each rank reads only its bucket.
        let p: PathBuf = dir.join(format!("partition-{world}"));
        ok([
            "partition",
            "-q",
            sample().to_str().unwrap(),
            "--out",
            p.to_str().unwrap(),
            "--buckets",
            &world.to_string(),
        ]);
        let out = dir.join(format!("bucketed-{world}"));
        run_ranks("similarity", &p, &out, world, &["--refs", "all"]);
        ok(["merge", "-q", out.to_str().unwrap()]);
        assert_same(&local, &out, &SIM_FILES);
    }
}

#[test]
fn style_same_bytes_for_world_sizes_1_3_8() {
    let dir = tempdir("cluster-style");
    let local = dir.join("local");
    let pf = ["--pf", "terse-1b:headings-70b"];
    let s = sample();
    let mut args = vec![
        "style",
        "-q",
        s.to_str().unwrap(),
        "--out",
        local.to_str().unwrap(),
    ];
    args.extend_from_slice(&pf);
    ok(args);
    for world in [1usize, 3, 8] {
        let out = dir.join(format!("w{world}"));
        run_ranks("style", &sample(), &out, world, &pf);
        ok(["merge", "-q", out.to_str().unwrap()]);
        assert_same(&local, &out, &STYLE_FILES);
    }
}

#[test]
fn reruns_skip_finished_ranks_redo_killed_ones_and_merge_names_missing() {
    let dir = tempdir("cluster-rerun");
    let local = dir.join("local");
    ok([
        "similarity",
        "-q",
        sample().to_str().unwrap(),
        "--refs",
        "all",
        "--out",
        local.to_str().unwrap(),
    ]);
    let out = dir.join("out");
    let (s, o) = (sample(), out.clone());
    let rank = |r: &str| {
        wildstat([
            "similarity",
            "-q",
            s.to_str().unwrap(),
            "--refs",
            "all",
            "--out",
            o.to_str().unwrap(),
            "--rank",
            r,
            "--world-size",
            "3",
        ])
    };
    assert!(rank("0").status.success());
    assert!(rank("2").status.success());
    // Rank 1 "was killed": it left a stale temporary file and no marker.
    std::fs::write(
        out.with_file_name("out.work")
            .join("parts/.similarity-00001.rows.parquet.tmp-999"),
        b"half",
    )
    .unwrap();
    let e = fails(["merge", out.to_str().unwrap()]);
    assert!(e.contains("ranks not finished: 1 of 3"), "{e}");

    // A finished rank is skipped: its part is not rewritten.
    let part0 = out
        .with_file_name("out.work")
        .join("parts/similarity-00000.rows.parquet");
    let before = std::fs::metadata(&part0).unwrap().modified().unwrap();
    let again = rank("0");
    assert!(again.status.success());
    assert_eq!(
        std::fs::metadata(&part0).unwrap().modified().unwrap(),
        before
    );

    assert!(rank("1").status.success());
    assert!(
        !out.with_file_name("out.work")
            .join("parts/.similarity-00001.rows.parquet.tmp-999")
            .exists(),
        "stale temporary file kept"
    );
    ok(["merge", "-q", out.to_str().unwrap()]);
    assert_same(&local, &out, &SIM_FILES);
}

#[test]
fn rank_flags_and_environment_are_checked() {
    let e = fails([
        "similarity",
        sample().to_str().unwrap(),
        "--out",
        "/tmp/never",
        "--rank",
        "3",
        "--world-size",
        "3",
    ]);
    assert!(e.contains("--rank 3 is not below --world-size 3"), "{e}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wildstat"))
        .args(["style", sample().to_str().unwrap(), "--out", "/tmp/never"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--rank needs --world-size"),
        "{err}"
    );
}
