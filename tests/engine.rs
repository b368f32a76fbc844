//! End-to-end tests of the stage engine through the real binary: output
//! folders that never destroy inputs or foreign files, sharded reruns that
//! notice changed settings or inputs, merges that refuse bad parts, runs
//! killed at every failpoint, two attempts at one rank, numeric flag ranges
//! and deterministic provenance.

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

/// `p` as a command-line argument.
fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Owned argument list.
fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

/// The top-level files of an output folder with their bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_type().expect("type").is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

/// Asserts that two output folders hold the same files with the same bytes
/// (`wildstat.json` included when `provenance`).
fn assert_same_outputs(a: &Path, b: &Path, provenance: bool) {
    let (mut fa, mut fb) = (files(a), files(b));
    if !provenance {
        fa.remove("wildstat.json");
        fb.remove("wildstat.json");
    }
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{} and {} hold other files",
        a.display(),
        b.display()
    );
    for (name, bytes) in &fa {
        assert!(
            *bytes == fb[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Names of temporary or replaced folders and files (`.X.tmp-*`,
/// `.X.old-*`) in `dir` and in every `*.work/parts` folder below it.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).expect("list").flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with('.') && (n.contains(".tmp-") || n.contains(".old-")) {
            found.push(s(&e.path()));
        }
        if n.ends_with(".work") {
            let parts = e.path().join("parts");
            for p in std::fs::read_dir(&parts).into_iter().flatten().flatten() {
                let n = p.file_name().to_string_lossy().into_owned();
                if n.starts_with('.') && n.contains(".tmp-") {
                    found.push(s(&p.path()));
                }
            }
        }
    }
    found
}

/// A failing run: exit 1, one `wildstat: error:` line that contains every
/// one of `words`.
fn refused(args: &[String], words: &[&str]) -> String {
    let line = fails(args);
    for w in words {
        assert!(line.contains(w), "error line lacks {w:?}: {line}");
    }
    line
}

/// Asserts that a run was aborted (as by `kill -9`, here SIGABRT from a
/// failpoint), not an ordinary exit.
fn assert_aborted(out: &Output, what: &str) {
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGABRT),
        "{what}: expected an abort, got {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `similarity` arguments over `input` into `out` with `opts`.
fn similarity(input: &Path, out: &Path, opts: &[&str]) -> Vec<String> {
    let mut a = argv(&["similarity", &s(input), "--out", &s(out), "-q"]);
    a.extend(argv(opts));
    a
}

/// The same, as rank `rank` of `world`.
fn sim_rank(input: &Path, out: &Path, opts: &[&str], rank: usize, world: usize) -> Vec<String> {
    let mut a = similarity(input, out, opts);
    a.extend([
        "--rank".into(),
        rank.to_string(),
        "--world-size".into(),
        world.to_string(),
    ]);
    a
}

/// The parts folder of output `out`.
fn parts_of(out: &Path) -> PathBuf {
    let name = out.file_name().expect("name").to_string_lossy();
    out.with_file_name(format!("{name}.work")).join("parts")
}

/// Runs every rank of `world`, all of which must succeed.
fn all_ranks(input: &Path, out: &Path, opts: &[&str], world: usize) {
    for r in 0..world {
        ok(sim_rank(input, out, opts, r, world));
    }
}

/// Options of the similarity runs below: every reference model, a cheap
/// bootstrap.
const ALL: [&str; 4] = ["--refs", "all", "--bootstrap", "100"];

#[test]
fn outputs_overlapping_inputs_or_foreign_folders_are_refused_even_with_force() {
    let t = tempdir("force");
    let input = t.join("in");
    copy_dir(&sample(), &input);
    std::fs::create_dir(input.join("sub")).unwrap();
    std::os::unix::fs::symlink(&input, t.join("link")).unwrap();
    let foreign = t.join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.tex"), "my only copy\n").unwrap();
    // A real wildstat output to which a foreign file was added.
    let mixed = t.join("mixed");
    ok(similarity(&input, &mixed, &["--refs", "2"]));
    std::fs::write(mixed.join("notes.txt"), "mine\n").unwrap();
    // A folder whose wildstat.json is not a provenance file.
    let fake = t.join("fake");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("wildstat.json"), "{\"mine\": 1}\n").unwrap();

    let overlaps: Vec<(PathBuf, &str)> = vec![
        (input.clone(), "the output is the input"),
        (input.join("sub"), "the output lies inside the input"),
        (input.join("sub/new"), "the output lies inside the input"),
        (input.join("new"), "the output lies inside the input"),
        (t.clone(), "the output holds the input"),
        (input.join("."), "the output is the input"),
        (input.join("sub/.."), "the output is the input"),
        (input.join("nosuch/.."), "the output is the input"),
        (t.join("link"), "the output is the input"),
        (t.join("link/new"), "the output lies inside the input"),
        (t.join("link/.."), "the output holds the input"),
    ];
    let input_before = snapshot(&input);
    let before = snapshot(&t);
    for (out, why) in &overlaps {
        for stage in ["similarity", "style"] {
            let local = argv(&[stage, &s(&input), "--out", &s(out), "--force", "-q"]);
            let mut rank = local.clone();
            rank.extend(argv(&["--rank", "0", "--world-size", "2"]));
            for args in [local, rank] {
                refused(&args, &[&s(out), why, &s(&input)]);
                assert!(snapshot(&t) == before, "{args:?} changed files under {t:?}");
            }
        }
    }
    // An input given as a file is protected as well.
    let file = input.join("terse-1b.parquet");
    for out in [input.clone(), file.clone(), file.join("x")] {
        refused(
            &argv(&["style", &s(&file), "--out", &s(&out), "--force"]),
            &[&s(&out), "the input"],
        );
        assert!(snapshot(&t) == before);
    }
    // Folders wildstat did not write, or not only wildstat.
    let foreign_cases: [(&Path, &str); 3] = [
        (&foreign, "not written by wildstat"),
        (&mixed, "holds \"notes.txt\", which wildstat did not write"),
        (&fake, "is not wildstat's provenance file"),
    ];
    for (out, why) in foreign_cases {
        for stage in ["similarity", "style"] {
            refused(
                &argv(&[stage, &s(&input), "--out", &s(out), "--force", "-q"]),
                &[&s(out), why],
            );
            assert!(snapshot(&t) == before, "{stage} --force changed {out:?}");
        }
        // Without --force an existing folder is never touched either.
        refused(
            &argv(&["style", &s(&input), "--out", &s(out), "-q"]),
            &[&s(out), "output exists (use --force to replace it)"],
        );
        assert!(snapshot(&t) == before);
    }
    // A merge into a foreign folder is refused too.
    for r in 0..2 {
        ok(argv(&[
            "style",
            &s(&input),
            "--out",
            &s(&foreign),
            "-q",
            "--rank",
            &r.to_string(),
            "--world-size",
            "2",
        ]));
    }
    let foreign_before = snapshot(&foreign);
    refused(
        &argv(&["merge", &s(&foreign), "--force", "-q"]),
        &[&s(&foreign), "not written by wildstat"],
    );
    assert!(snapshot(&foreign) == foreign_before);
    assert!(snapshot(&input) == input_before);

    // --force replaces a folder wildstat wrote, completely.
    let real = t.join("real");
    ok(similarity(
        &input,
        &real,
        &["--refs", "2", "--bootstrap", "100"],
    ));
    let table = std::fs::read_to_string(real.join("table.md")).unwrap();
    assert!(table.contains("references: 2 reference models per target drawn with seed 0"));
    assert!(!real.join("matrix.csv").exists());
    ok(similarity(
        &input,
        &real,
        &["--refs", "all", "--bootstrap", "100", "--force"],
    ));
    let table = std::fs::read_to_string(real.join("table.md")).unwrap();
    assert!(table.contains("references: every other model."), "{table}");
    let fresh = t.join("fresh");
    ok(similarity(&input, &fresh, &ALL));
    assert_same_outputs(&real, &fresh, true);
    assert_eq!(leftovers(&t), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn sharded_rerun_with_other_settings_or_inputs_is_refused_and_force_redoes_it() {
    let t = tempdir("rerun");
    let input = t.join("in");
    copy_dir(&sample(), &input);
    let out = t.join("out");
    all_ranks(&input, &out, &ALL, 3);
    let parts = parts_of(&out);
    let before = snapshot(&parts);

    // Identical settings: skipped, nothing rewritten.
    let same = wildstat(
        sim_rank(&input, &out, &ALL, 1, 3)
            .iter()
            .filter(|a| *a != "-q"),
    );
    assert!(same.status.success());
    assert!(
        String::from_utf8_lossy(&same.stderr)
            .contains("similarity: rank 1 of 3 already done; skipping"),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(snapshot(&parts) == before);

    let part = s(&parts.join("similarity-00001.part"));
    let two: [&str; 6] = ["--refs", "2", "--seed", "9", "--bootstrap", "100"];
    let none: [&str; 6] = ["--refs", "all", "--bootstrap", "100", "--stemmer", "none"];
    let models: [&str; 6] = [
        "--refs",
        "all",
        "--bootstrap",
        "100",
        "--models",
        "terse-1b,headings-70b",
    ];
    // (options, world size, what the rerun names, what the merge names)
    let settings: [(&[&str], usize, &str, &str); 4] = [
        (
            &two,
            3,
            "option refs: \"all\" vs \"2\"",
            "option refs: \"2\" vs \"all\"",
        ),
        (
            &none,
            3,
            "option stemmer: \"porter\" vs \"none\"",
            "option stemmer: \"none\" vs \"porter\"",
        ),
        (
            &models,
            3,
            "selection models: [] vs [\"terse-1b,headings-70b\"]",
            "selection models: [\"terse-1b,headings-70b\"] vs []",
        ),
        (&ALL, 4, "world size 3 vs 4", "world size 4 vs 3"),
    ];
    for (opts, world, why, _) in settings {
        let line = refused(
            &sim_rank(&input, &out, opts, 1, world),
            &[
                &part,
                "rank 1 of",
                "finished with other settings or inputs",
                why,
                "--force",
            ],
        );
        assert!(snapshot(&parts) == before, "{line} changed the parts");
    }

    // Changed inputs: appended bytes, another file of the same name, one
    // more file.
    let terse = input.join("terse-1b.parquet");
    let original = std::fs::read(&terse).unwrap();
    let other = t.join("other");
    ok(argv(&["synth", "--out", &s(&other), "--seed", "8"]));
    let other_terse = std::fs::read(other.join("terse-1b.parquet")).unwrap();
    assert_ne!(other_terse, original);
    let mut appended = original.clone();
    appended.extend_from_slice(b"appended");
    let changes: [(&str, Vec<u8>, String); 3] = [
        ("terse-1b.parquet", appended, s(&terse)),
        ("terse-1b.parquet", other_terse.clone(), s(&terse)),
        (
            "zz-extra.parquet",
            other_terse,
            "inputs: 5 files vs 6".into(),
        ),
    ];
    let restore = |name: &str| {
        if name == "terse-1b.parquet" {
            std::fs::write(&terse, &original).unwrap();
        } else {
            std::fs::remove_file(input.join(name)).unwrap();
        }
    };
    for (name, bytes, why) in &changes {
        std::fs::write(input.join(name), bytes).unwrap();
        refused(
            &sim_rank(&input, &out, &ALL, 1, 3),
            &[&part, "finished with other settings or inputs", why],
        );
        assert!(snapshot(&parts) == before);
        restore(name);
    }
    // With the parts untouched the merge is of the first settings.
    ok(argv(&["merge", &s(&out), "-q"]));
    let merged = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(merged.contains("references: every other model."));
    std::fs::remove_dir_all(&out).unwrap();

    // --force redoes the rank; the merge then refuses the mixture, naming
    // what differs, and writes nothing.
    for (opts, world, _, why) in settings {
        ok(sim_rank(&input, &out, opts, 1, world)
            .into_iter()
            .chain(["--force".into()]));
        refused(
            &argv(&["merge", &s(&out)]),
            &[&part, "rank 1 was made by another run than rank 0", why],
        );
        assert!(!out.exists());
        ok(sim_rank(&input, &out, &ALL, 1, 3)
            .into_iter()
            .chain(["--force".into()]));
    }
    // (Appended bytes make the file unreadable: only the valid changes.)
    for (name, bytes, _) in &changes[1..] {
        std::fs::write(input.join(name), bytes).unwrap();
        ok(sim_rank(&input, &out, &ALL, 1, 3)
            .into_iter()
            .chain(["--force".into()]));
        restore(name);
        let why = if name.starts_with("zz") {
            "inputs: 6 files vs 5".to_string()
        } else {
            s(&terse)
        };
        refused(
            &argv(&["merge", &s(&out)]),
            &[&part, "made by another run than rank 0", &why],
        );
        assert!(!out.exists());
        ok(sim_rank(&input, &out, &ALL, 1, 3)
            .into_iter()
            .chain(["--force".into()]));
    }
    // Rank 0 redone for a smaller world: the old rank 2 is refused.
    ok(sim_rank(&input, &out, &ALL, 0, 2)
        .into_iter()
        .chain(["--force".into()]));
    refused(
        &argv(&["merge", &s(&out)]),
        &["holds a part of rank 2, but the run has 2 ranks"],
    );
    assert!(!out.exists());

    // Every rank redone with the new settings: the merge is theirs and
    // equals a local run with them.
    for r in 0..3 {
        ok(sim_rank(&input, &out, &two, r, 3)
            .into_iter()
            .chain(["--force".into()]));
    }
    ok(argv(&["merge", &s(&out), "-q"]));
    let merged = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(!merged.contains("every other model"), "{merged}");
    assert!(merged.contains("references: 2 reference models per target drawn with seed 9."));
    let local = t.join("local");
    ok(similarity(&input, &local, &two));
    assert_same_outputs(&out, &local, true);
    assert_eq!(leftovers(&t), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn sharded_rerun_notices_a_same_size_edit_in_the_middle_of_a_large_input() {
    let t = tempdir("midedit");
    let input = t.join("big");
    ok(argv(&[
        "synth",
        "--out",
        &s(&input),
        "--conversations",
        "3000",
    ]));
    let out = t.join("out");
    let opts = ["--refs", "all", "--bootstrap", "10"];
    ok(sim_rank(&input, &out, &opts, 0, 2));
    // Change one letter of a response text far from both ends of the file
    // (the text is stored uncompressed there, so the file stays readable).
    let file = input.join("terse-1b.parquet");
    let mut bytes = std::fs::read(&file).unwrap();
    let (lo, hi) = (100 << 10, bytes.len() - (100 << 10));
    assert!(lo < hi, "the synthetic file is larger than 200 KiB");
    // A run of words (lowercase letters and spaces): response text.
    let prose = |w: &[u8]| {
        w.iter().all(|b| b.is_ascii_lowercase() || *b == b' ')
            && w.iter().filter(|b| **b == b' ').count() >= 4
    };
    let at = (lo..hi - 40)
        .find(|&i| prose(&bytes[i..i + 40]) && bytes[i].is_ascii_lowercase())
        .expect("response text in the middle of the file");
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&file, &bytes).unwrap();
    // The changed file is still a readable input.
    let changed = t.join("changed");
    ok(similarity(&input, &changed, &opts));
    refused(
        &sim_rank(&input, &out, &opts, 0, 2),
        &["finished with other settings or inputs", &s(&file)],
    );
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn merge_names_missing_ranks_of_a_huge_world_in_a_short_line() {
    let t = tempdir("hugeworld");
    let out = t.join("out");
    ok(sim_rank(
        &sample(),
        &out,
        &["--models", "terse-1b,headings-70b", "--bootstrap", "10"],
        0,
        1_000_000,
    ));
    let line = refused(
        &argv(&["merge", &s(&out)]),
        &["similarity ranks not finished: 1, 2", "of 1000000"],
    );
    assert!(line.len() < 500, "{} bytes of error", line.len());
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn merge_refuses_missing_damaged_foreign_or_mismatched_parts() {
    let t = tempdir("merge");
    let input = sample();
    let base = t.join("base");
    all_ranks(&input, &base, &ALL, 3);
    let refs2 = t.join("refs2");
    all_ranks(&input, &refs2, &["--refs", "2", "--bootstrap", "100"], 3);
    for r in 0..3 {
        ok(argv(&[
            "style",
            &s(&input),
            "--out",
            &s(&t.join("style")),
            "-q",
            "--rank",
            &r.to_string(),
            "--world-size",
            "3",
        ]));
    }
    let world4 = t.join("world4");
    ok(sim_rank(&input, &world4, &ALL, 3, 4));

    type Damage = fn(&Path, &Path);
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "missing",
            |d, _| {
                for ext in ["part", "done", "rows.parquet"] {
                    std::fs::remove_file(d.join(format!("similarity-00001.{ext}"))).unwrap();
                }
            },
            "similarity ranks not finished: 1 of 3",
        ),
        (
            "undone",
            |d, _| std::fs::remove_file(d.join("similarity-00002.done")).unwrap(),
            "similarity ranks not finished: 2 of 3",
        ),
        (
            "rank0",
            |d, _| {
                for ext in ["part", "done", "rows.parquet"] {
                    std::fs::remove_file(d.join(format!("similarity-00000.{ext}"))).unwrap();
                }
            },
            "similarity ranks not finished: 0 of 3",
        ),
        (
            "emptied",
            |d, _| std::fs::write(d.join("similarity-00001.part"), b"").unwrap(),
            "similarity-00001.part: not a wildstat part file (empty, truncated or foreign)",
        ),
        (
            "emptied0",
            |d, _| std::fs::write(d.join("similarity-00000.part"), b"").unwrap(),
            "similarity-00000.part: not a wildstat part file",
        ),
        (
            "truncated",
            |d, _| {
                let f = d.join("similarity-00001.part");
                let b = std::fs::read(&f).unwrap();
                std::fs::write(&f, &b[..b.len() - 10]).unwrap();
            },
            "similarity-00001.part: truncated part file",
        ),
        (
            "flipped",
            |d, _| {
                let f = d.join("similarity-00002.part");
                let mut b = std::fs::read(&f).unwrap();
                let mid = b.len() / 2;
                b[mid] ^= 0x55;
                std::fs::write(&f, &b).unwrap();
            },
            "similarity-00002.part: corrupt part file (checksum mismatch)",
        ),
        (
            "foreign",
            |d, _| {
                std::fs::copy(
                    sample().join("terse-1b.parquet"),
                    d.join("similarity-00001.part"),
                )
                .unwrap();
            },
            "similarity-00001.part: not a wildstat part file",
        ),
        (
            "other-stage",
            |d, t| {
                let style = t.join("style.work/parts/style-00001.part");
                std::fs::copy(style, d.join("similarity-00001.part")).unwrap();
            },
            "similarity-00001.part: rank 1 was made by another run than rank 0 (stage style vs similarity)",
        ),
        (
            "two-configs",
            |d, t| {
                let other = t.join("refs2.work/parts");
                for ext in ["part", "done", "rows.parquet"] {
                    let n = format!("similarity-00001.{ext}");
                    std::fs::copy(other.join(&n), d.join(&n)).unwrap();
                }
            },
            "similarity-00001.part: rank 1 was made by another run than rank 0 (option refs: \"2\" vs \"all\")",
        ),
        (
            "beyond-world",
            |d, t| {
                let other = t.join("world4.work/parts");
                for ext in ["part", "done", "rows.parquet"] {
                    let n = format!("similarity-00003.{ext}");
                    std::fs::copy(other.join(&n), d.join(&n)).unwrap();
                }
            },
            "holds a part of rank 3, but the run has 3 ranks",
        ),
        (
            "rows-missing",
            |d, _| std::fs::remove_file(d.join("similarity-00001.rows.parquet")).unwrap(),
            "similarity-00001.rows.parquet",
        ),
        (
            "rows-truncated",
            |d, _| {
                let f = d.join("similarity-00001.rows.parquet");
                let b = std::fs::read(&f).unwrap();
                std::fs::write(&f, &b[..b.len() / 2]).unwrap();
            },
            "similarity-00001.rows.parquet",
        ),
    ];
    for (name, damage, why) in cases {
        let out = t.join(name);
        let dir = parts_of(&out);
        copy_dir(&parts_of(&base), &dir);
        damage(&dir, &t);
        refused(&argv(&["merge", &s(&out)]), &[why]);
        assert!(!out.exists(), "{name}: merge wrote {out:?}");
        assert_eq!(leftovers(&t), Vec::<String>::new(), "{name}");
    }
    // The undamaged parts merge.
    ok(argv(&["merge", &s(&base), "-q"]));
    assert!(base.join("table.md").is_file());
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn runs_killed_at_any_failpoint_leave_nothing_and_rerun_to_the_same_bytes() {
    let t = tempdir("kill");
    let input = sample();
    for stage in ["similarity", "style"] {
        let opts: &[&str] = if stage == "similarity" { &ALL } else { &[] };
        let run = |out: &Path, extra: &[&str]| {
            let mut a = argv(&[stage, &s(&input), "--out", &s(out), "-q"]);
            a.extend(argv(opts));
            a.extend(argv(extra));
            a
        };
        let clean = t.join(format!("{stage}-clean"));
        ok(run(&clean, &[]));

        // Local runs.
        for point in ["local-before-finish", "out-before-rename"] {
            let out = t.join(format!("{stage}-{point}"));
            let o = wildstat_env(run(&out, &[]), &[("WILDSTAT_FAILPOINT", point)]);
            assert_aborted(&o, point);
            assert!(!out.exists(), "{point}: {out:?} exists");
            // The killed run's temporary folder is there until the rerun.
            assert_eq!(leftovers(&t).len(), 1, "{point}");
            ok(run(&out, &[]));
            assert_same_outputs(&out, &clean, true);
            assert_eq!(leftovers(&t), Vec::<String>::new(), "{stage} {point}");
        }
        // A forced replacement killed before its rename keeps the old output.
        let old = t.join(format!("{stage}-replaced"));
        ok(run(&old, &[]));
        let kept = snapshot(&old);
        let o = wildstat_env(
            run(&old, &["--force"]),
            &[("WILDSTAT_FAILPOINT", "out-before-rename")],
        );
        assert_aborted(&o, "forced out-before-rename");
        assert!(snapshot(&old) == kept);
        assert_eq!(leftovers(&t).len(), 1);
        ok(run(&old, &["--force"]));
        assert_same_outputs(&old, &clean, true);
        assert_eq!(leftovers(&t), Vec::<String>::new());

        // A rank.
        let rank = |out: &Path, r: usize| {
            let mut a = run(out, &[]);
            a.extend(argv(&["--rank", &r.to_string(), "--world-size", "3"]));
            a
        };
        for point in ["rank-before-part", "rank-before-done"] {
            let out = t.join(format!("{stage}-{point}"));
            ok(rank(&out, 0));
            ok(rank(&out, 2));
            let o = wildstat_env(rank(&out, 1), &[("WILDSTAT_FAILPOINT", point)]);
            assert_aborted(&o, point);
            let parts = parts_of(&out);
            assert!(!parts.join(format!("{stage}-00001.done")).exists());
            assert_eq!(
                parts.join(format!("{stage}-00001.part")).exists(),
                point == "rank-before-done"
            );
            refused(
                &argv(&["merge", &s(&out)]),
                &[&format!("{stage} ranks not finished: 1 of 3")],
            );
            assert!(!out.exists());
            let again = wildstat(rank(&out, 1).iter().filter(|a| *a != "-q"));
            let err = String::from_utf8_lossy(&again.stderr);
            assert!(again.status.success(), "{err}");
            assert!(err.contains(&format!("{stage}: rank 1 of 3 done")), "{err}");
            assert!(!err.contains("skipping"), "{err}");
            ok(argv(&["merge", &s(&out), "-q"]));
            assert_same_outputs(&out, &clean, false);
            assert_eq!(leftovers(&t), Vec::<String>::new(), "{stage} {point}");
        }

        // A merge.
        for point in ["merge-before-finish", "out-before-rename"] {
            let out = t.join(format!("{stage}-merge-{point}"));
            for r in 0..3 {
                ok(rank(&out, r));
            }
            let o = wildstat_env(
                argv(&["merge", &s(&out), "-q"]),
                &[("WILDSTAT_FAILPOINT", point)],
            );
            assert_aborted(&o, point);
            assert!(!out.exists(), "merge {point}: {out:?} exists");
            assert_eq!(leftovers(&t).len(), 1, "merge {point}");
            ok(argv(&["merge", &s(&out), "-q"]));
            assert_same_outputs(&out, &clean, false);
            assert_eq!(leftovers(&t), Vec::<String>::new(), "{stage} merge {point}");
        }
    }
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn two_attempts_at_one_rank_do_not_destroy_each_other() {
    let t = tempdir("concurrent");
    let input = t.join("big");
    ok(argv(&[
        "synth",
        "--out",
        &s(&input),
        "--conversations",
        "3000",
    ]));
    let out = t.join("out");
    let opts = ["--refs", "all", "--bootstrap", "10"];
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_wildstat"))
            .args(
                sim_rank(&input, &out, &opts, 0, 2)
                    .iter()
                    .filter(|a| *a != "-q"),
            )
            .env("RAYON_NUM_THREADS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (start(), start());
    let results = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let mut done = 0;
    let mut skipped = 0;
    let mut locked = 0;
    for r in &results {
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(r.status.signal(), None, "{err}");
        if r.status.success() && err.contains("similarity: rank 0 of 2 done") {
            done += 1;
        } else if r.status.success() && err.contains("rank 0 of 2 already done; skipping") {
            skipped += 1;
        } else {
            assert_eq!(r.status.code(), Some(1), "{err}");
            let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("wildstat:")).collect();
            assert_eq!(lines.len(), 1, "{err}");
            assert!(
                lines[0].contains("similarity-00000: another process is running this rank"),
                "{err}"
            );
            locked += 1;
        }
    }
    assert_eq!(done, 1, "exactly one attempt does the rank");
    assert_eq!(skipped + locked, 1);
    ok(sim_rank(&input, &out, &opts, 1, 2));
    ok(argv(&["merge", &s(&out), "-q"]));
    let local = t.join("local");
    ok(similarity(&input, &local, &opts));
    assert_same_outputs(&out, &local, true);
    assert_eq!(leftovers(&t), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&t);
}

/// Every object key in `v`, recursively.
fn json_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                json_keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_keys(x, out)),
        _ => {}
    }
}

/// A numeric flag: the command before it, its range and arguments that
/// make a run at the maximum cheap (`None`: the maximum is too slow to run,
/// only the values beyond it are tried).
struct Flag {
    args: Vec<String>,
    flag: &'static str,
    lo: u64,
    hi: u64,
    at_max: Option<Vec<String>>,
}

#[test]
fn numeric_flags_reject_out_of_range_values_with_one_line_and_accept_their_range() {
    let t = tempdir("flags");
    let sample = s(&sample());
    let runs = t.join("runs");
    ok(argv(&[
        "synth",
        "--out",
        &s(&runs),
        "--conversations",
        "20",
        "--runs",
        "3",
    ]));
    let two = ["--models", "terse-1b,headings-70b"];
    let sim = |extra: &[&str]| {
        let mut a = argv(&["similarity", &sample, "-q", "--bootstrap", "10"]);
        a.extend(argv(&two));
        a.extend(argv(extra));
        a
    };
    let shared = |extra: &[&str]| {
        let mut a = argv(&["shared", &sample, "-q"]);
        a.extend(argv(extra));
        a
    };
    let agreement = |extra: &[&str]| {
        let mut a = argv(&["agreement", &s(&runs), "-q"]);
        a.extend(argv(extra));
        a
    };
    let synth = |extra: &[&str]| {
        argv(&["synth", "--conversations", "1"])
            .into_iter()
            .chain(argv(extra))
            .collect::<Vec<_>>()
    };
    let max = u64::MAX;
    let flag = |args: Vec<String>, flag, lo, hi, at_max: Option<Vec<String>>| Flag {
        args,
        flag,
        lo,
        hi,
        at_max,
    };
    // `--bootstrap` on similarity fixes its own value: build it apart.
    let sim_boot = argv(&[
        "similarity",
        &sample,
        "-q",
        "--models",
        "terse-1b,headings-70b",
    ]);
    let flags = vec![
        flag(sim_boot.clone(), "--bootstrap", 0, 100_000, Some(vec![])),
        flag(sim(&[]), "--memory", 1, 1 << 20, Some(vec![])),
        flag(sim(&[]), "--refs", 1, 100_000, Some(vec![])),
        flag(sim(&[]), "--sample", 1, u32::MAX as u64, Some(vec![])),
        flag(sim(&[]), "--seed", 0, max, Some(vec![])),
        flag(
            sim(&["--world-size", "1000000"]),
            "--rank",
            0,
            999_999,
            Some(vec![]),
        ),
        flag(
            sim(&["--rank", "0"]),
            "--world-size",
            1,
            1_000_000,
            Some(vec![]),
        ),
        flag(shared(&[]), "--ngram", 1, 10_000, Some(vec![])),
        flag(shared(&[]), "--window", 1, 10_000, Some(vec![])),
        flag(
            shared(&[]),
            "--min-code-chars",
            0,
            1_000_000_000,
            Some(vec![]),
        ),
        flag(shared(&[]), "--top", 0, 100_000, Some(vec![])),
        flag(shared(&[]), "--memory", 1, 1 << 20, Some(vec![])),
        flag(agreement(&[]), "--bootstrap", 0, 100_000, Some(vec![])),
        flag(agreement(&[]), "--top", 0, 100_000, Some(vec![])),
        // 1000 buckets: see partition_accepts_its_largest_bucket_count.
        flag(
            argv(&["partition", &sample, "-q"]),
            "--buckets",
            1,
            1000,
            None,
        ),
        // Ten million conversations take minutes: only beyond is tried.
        flag(argv(&["synth"]), "--conversations", 1, 10_000_000, None),
        flag(synth(&[]), "--row-group-rows", 1, 1_000_000, Some(vec![])),
        flag(
            synth(&["--run-models", "1"]),
            "--runs",
            2,
            1000,
            Some(vec![]),
        ),
        // 10000 models of 2 runs of 1 conversation: 10000 small files.
        flag(
            synth(&["--runs", "2"]),
            "--run-models",
            1,
            10_000,
            Some(vec![]),
        ),
        flag(
            synth(&["--runs", "2", "--run-models", "1"]),
            "--agreement",
            0,
            100,
            Some(vec![]),
        ),
    ];
    let mut n = 0;
    for f in &flags {
        let mut values: Vec<(String, bool)> = vec![
            ("0".into(), f.lo == 0),
            ("-1".into(), false),
            ("18446744073709551616".into(), false),
        ];
        if f.lo > 0 {
            values.push((f.lo.to_string(), true));
        }
        if f.hi < max {
            values.push(((f.hi + 1).to_string(), false));
            values.push((max.to_string(), false));
        } else {
            values.push((max.to_string(), true));
        }
        if f.at_max.is_some() {
            values.push((f.hi.to_string(), true));
        }
        for (v, valid) in values {
            n += 1;
            let out = t.join(format!("out-{n}"));
            let mut a = f.args.clone();
            a.push(format!("{}={v}", f.flag));
            if v == f.hi.to_string() {
                a.extend(f.at_max.clone().unwrap_or_default());
            }
            a.extend(["--out".into(), s(&out)]);
            let o = wildstat(&a);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!err.contains("panicked"), "{a:?}: {err}");
            assert_eq!(o.status.signal(), None, "{a:?}: {err}");
            if valid {
                assert!(o.status.success(), "{a:?} must run: {err}");
                continue;
            }
            assert!(
                matches!(o.status.code(), Some(1 | 2)),
                "{a:?}: {:?}: {err}",
                o.status
            );
            let lines: Vec<&str> = err
                .lines()
                .filter(|l| l.starts_with("error:") || l.starts_with("wildstat: error:"))
                .collect();
            assert_eq!(lines.len(), 1, "{a:?}: {err}");
            assert!(lines[0].contains(f.flag), "{a:?}: {}", lines[0]);
            assert!(
                lines[0].contains(&format!("{} to {}", f.lo, f.hi)) || f.flag == "--seed",
                "{a:?}: the error states no range: {}",
                lines[0]
            );
            assert!(!out.exists(), "{a:?} wrote {out:?}");
        }
    }
    // Rank and world size from the environment.
    for (env, why) in [
        (
            [("WILDSTAT_RANK", "-1"), ("WILDSTAT_WORLD_SIZE", "2")],
            "WILDSTAT_RANK=\"-1\"",
        ),
        (
            [
                ("WILDSTAT_RANK", "18446744073709551616"),
                ("WILDSTAT_WORLD_SIZE", "2"),
            ],
            "WILDSTAT_RANK=\"18446744073709551616\"",
        ),
        (
            [("WILDSTAT_RANK", "0"), ("WILDSTAT_WORLD_SIZE", "1000001")],
            "WILDSTAT_WORLD_SIZE=\"1000001\": 1000001 is out of range",
        ),
        (
            [("WILDSTAT_RANK", "0"), ("WILDSTAT_WORLD_SIZE", "0")],
            "--world-size 0",
        ),
        (
            [
                ("SLURM_ARRAY_TASK_ID", "x"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
            "SLURM_ARRAY_TASK_ID=\"x\"",
        ),
    ] {
        let out = t.join("env");
        let o = wildstat_env(sim(&["--out", &s(&out)]), &env);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{env:?}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{env:?}: {err}");
        assert!(
            lines[0].starts_with("wildstat: error:") && lines[0].contains(why),
            "{err}"
        );
        assert!(!out.exists() && !t.join("env.work").exists());
    }
    // A rank at or beyond the world size is refused in one line.
    refused(
        &sim(&[
            "--rank",
            "3",
            "--world-size",
            "3",
            "--out",
            &s(&t.join("r")),
        ]),
        &["--rank 3 is not below --world-size 3"],
    );
    refused(
        &sim(&["--rank", "1", "--out", &s(&t.join("r"))]),
        &["--rank needs --world-size"],
    );
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn partition_accepts_its_largest_bucket_count() {
    let t = tempdir("buckets");
    let out = t.join("p");
    ok(argv(&[
        "partition",
        &s(&sample()),
        "--out",
        &s(&out),
        "--buckets",
        "1000",
        "-q",
    ]));
    assert!(out.join("partition.toml").is_file());
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn provenance_is_deterministic_and_equal_for_local_runs_and_merges() {
    let t = tempdir("provenance");
    let input = sample();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let year = (1970 + secs / 31_556_952).to_string();
    let host = std::fs::read_to_string("/etc/hostname")
        .unwrap_or_default()
        .trim()
        .to_string();
    for (stage, opts) in [
        ("similarity", &ALL[..]),
        ("style", &[][..]),
        ("shared", &[][..]),
    ] {
        let run = |out: &Path, extra: &[&str]| {
            let mut a = argv(&[stage, &s(&input), "--out", &s(out), "-q"]);
            a.extend(argv(opts));
            a.extend(argv(extra));
            a
        };
        let one = t.join(format!("{stage}-1"));
        let o = wildstat_env(run(&one, &[]), &[("RAYON_NUM_THREADS", "1")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let two = t.join(format!("{stage}-2"));
        ok(run(&two, &[]));
        assert_same_outputs(&one, &two, true);
        let merged = t.join(format!("{stage}-merged"));
        for r in 0..3 {
            ok(run(
                &merged,
                &["--rank", &r.to_string(), "--world-size", "3"],
            ));
        }
        ok(argv(&["merge", &s(&merged), "-q"]));
        assert_same_outputs(&one, &merged, true);

        let text = std::fs::read_to_string(one.join("wildstat.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "config",
                "inputs",
                "outputs",
                "selection",
                "stage",
                "wildstat"
            ]
        );
        assert_eq!(v["stage"], stage);
        assert_eq!(v["wildstat"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["selection"]["seed"], 0);
        assert_eq!(v["selection"]["turns"], "first");
        if stage == "similarity" {
            assert_eq!(v["config"]["refs"], "all");
            assert_eq!(v["config"]["bootstrap"], 100);
        }
        let inputs = v["inputs"].as_array().unwrap();
        let mut expected: Vec<PathBuf> = std::fs::read_dir(&input)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        expected.sort();
        assert_eq!(inputs.len(), expected.len());
        for (i, p) in inputs.iter().zip(&expected) {
            assert_eq!(i["path"], s(p));
            assert_eq!(i["bytes"], std::fs::metadata(p).unwrap().len());
            let h = i["hash"].as_str().unwrap();
            assert!(h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()));
        }
        let listed: Vec<String> = v["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect();
        let mut present: Vec<String> = files(&one)
            .into_keys()
            .filter(|n| n != "wildstat.json")
            .collect();
        present.sort();
        assert_eq!(listed, present);
        assert!(!listed.is_empty());
        // Nothing that varies between machines or runs: no such key, and
        // apart from the input paths no host name and no current year.
        let mut keys = Vec::new();
        json_keys(&v, &mut keys);
        for k in &keys {
            for word in [
                "date", "time", "host", "thread", "rayon", "pid", "user", "cpu",
            ] {
                assert!(
                    !k.to_lowercase().contains(word),
                    "{stage}: key {k:?}: {text}"
                );
            }
        }
        let mut rest = text.clone();
        for p in &expected {
            rest = rest.replace(&s(p), "");
        }
        assert!(host.is_empty() || !rest.contains(&host), "{text}");
        assert!(
            !rest.contains(&year),
            "{stage}: provenance holds the year: {text}"
        );
    }
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn stale_temporary_names_are_cleared_only_when_wildstat_wrote_them() {
    let t = tempdir("stale-names");
    let out = t.join("out");
    // Folders under the names wildstat gives its temporary and replaced
    // outputs, but holding files it did not write (no wildstat.json).
    let tmp = t.join(".out.tmp-999999");
    let old = t.join(".out.old-999998");
    for d in [&tmp, &old] {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("thesis.tex"), "my only copy\n").unwrap();
    }
    // What a run killed before writing its marker leaves: an empty folder.
    let empty = t.join(".out.tmp-999997");
    std::fs::create_dir(&empty).unwrap();
    ok(similarity(&sample(), &out, &["--refs", "1"]));
    for d in [&tmp, &old] {
        assert_eq!(
            std::fs::read_to_string(d.join("thesis.tex")).unwrap(),
            "my only copy\n"
        );
    }
    assert!(!empty.exists());
    assert!(out.join("wildstat.json").is_file());
}
