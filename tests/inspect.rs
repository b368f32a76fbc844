//! End-to-end tests of the reader through `wildstat inspect`: the sample,
//! each schema variant, selection options and each kind of bad input.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, StringArray};
use common::*;

/// Parses inspect's model table into (model, responses) rows.
fn model_rows(out: &str) -> Vec<(String, u64)> {
    out.lines()
        .skip_while(|l| !l.starts_with("| model |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let c: Vec<&str> = l.split('|').map(str::trim).collect();
            (c[1].to_string(), c[2].parse().expect("count"))
        })
        .collect()
}

#[test]
fn inspect_sample_lists_every_model() {
    let out = ok(["inspect", "-q", sample().to_str().unwrap()]);
    let rows = model_rows(&out);
    let names: Vec<&str> = rows.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        names,
        [
            "bold-lists-7b",
            "bold-lists-distill-3b",
            "headings-70b",
            "plain-prose-13b",
            "terse-1b"
        ]
    );
    assert!(
        out.contains("inputs: 5 files, 20 row groups, 594 rows"),
        "{out}"
    );
    assert!(
        out.contains("responses: 576 (first assistant turn) from 5 models; empty 23"),
        "{out}"
    );
    assert!(out.contains("null content 18"), "{out}");
    // Distinct conversation ids per language: 120 prompts in all.
    assert!(out.contains("| English | 109 |"), "{out}");
    assert!(
        out.contains("| Chinese | 7 |") && out.contains("| French | 4 |"),
        "{out}"
    );
    assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), 576);
}

#[test]
fn turns_all_counts_second_turns() {
    let first: u64 = model_rows(&ok(["inspect", "-q", sample().to_str().unwrap()]))
        .iter()
        .map(|r| r.1)
        .sum();
    let all: u64 = model_rows(&ok([
        "inspect",
        "-q",
        "--turns",
        "all",
        sample().to_str().unwrap(),
    ]))
    .iter()
    .map(|r| r.1)
    .sum();
    assert!(all > first, "all={all} first={first}");
}

#[test]
fn selection_models_language_and_conversations() {
    let s = sample();
    let out = ok([
        "inspect",
        "-q",
        "--models",
        "terse-1b,headings-70b",
        "--language",
        "french",
        s.to_str().unwrap(),
    ]);
    let rows = model_rows(&out);
    assert_eq!(rows.len(), 2);
    assert!(out.contains("| French |"), "{out}");
    assert!(!out.contains("| English |"), "{out}");

    // A conversation list restricts to those hashes.
    let dir = tempdir("convlist");
    let first_hash = {
        let f = std::fs::File::open(s.join("terse-1b.parquet")).unwrap();
        let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap();
        let b = r.into_iter().next().unwrap().unwrap();
        let a = b.column_by_name("conversation_hash").unwrap();
        a.as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0)
            .to_string()
    };
    std::fs::write(dir.join("c.txt"), format!("{first_hash}\n")).unwrap();
    let out = ok([
        "inspect",
        "-q",
        "--conversations",
        dir.join("c.txt").to_str().unwrap(),
        s.to_str().unwrap(),
    ]);
    let rows = model_rows(&out);
    assert!(rows.iter().all(|r| r.1 <= 1) && !rows.is_empty(), "{out}");
}

#[test]
fn sample_is_seeded_and_per_model() {
    let s = sample();
    let a = ok([
        "inspect",
        "-q",
        "--sample",
        "10",
        "--seed",
        "3",
        s.to_str().unwrap(),
    ]);
    let b = ok([
        "inspect",
        "-q",
        "--sample",
        "10",
        "--seed",
        "3",
        s.to_str().unwrap(),
    ]);
    let c = ok([
        "inspect",
        "-q",
        "--sample",
        "10",
        "--seed",
        "4",
        s.to_str().unwrap(),
    ]);
    assert_eq!(a, b);
    for (_, n) in model_rows(&a) {
        assert!((8..=10).contains(&n), "{a}");
    }
    assert_ne!(a, c, "a different seed should pick other conversations");
}

#[test]
fn schema_variants_are_detected() {
    let dir = tempdir("variants");
    for (variant, expect) in [
        (
            "sharegpt",
            "sharegpt (id: conversation_hash, messages: conversations.{from,value}",
        ),
        ("conversation-id", "wildchat (id: conversation_id"),
        ("no-model", "model: file name"),
    ] {
        let out_dir = dir.join(variant);
        ok([
            "synth",
            "--variant",
            variant,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let out = ok(["inspect", "-q", out_dir.to_str().unwrap()]);
        assert!(out.contains(expect), "{variant}: {out}");
        let rows = model_rows(&out);
        assert_eq!(rows.len(), 5, "{variant}: {out}");
        assert_eq!(
            rows.iter().map(|r| r.1).sum::<u64>(),
            576,
            "{variant}: {out}"
        );
    }
}

#[test]
fn model_from_dir_and_file() {
    let dir = tempdir("modelfrom");
    ok(["synth", "--out", dir.join("x").to_str().unwrap()]);
    // corpus/<model>/data/part.parquet, as WildChat-50M is laid out.
    let nested = dir.join("corpus/my-model/data");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(
        dir.join("x/terse-1b.parquet"),
        nested.join("train-0.parquet"),
    )
    .unwrap();
    let out = ok([
        "inspect",
        "-q",
        "--model-from",
        "dir",
        dir.join("corpus").to_str().unwrap(),
    ]);
    assert_eq!(model_rows(&out), vec![("my-model".to_string(), 108)]);
    let out = ok([
        "inspect",
        "-q",
        "--model-from",
        "file",
        dir.join("corpus").to_str().unwrap(),
    ]);
    assert_eq!(model_rows(&out), vec![("train-0".to_string(), 108)]);
}

#[test]
fn missing_path_is_one_line_error() {
    let e = fails(["inspect", "/no/such/corpus"]);
    assert!(
        e.contains("/no/such/corpus") && e.contains("cannot open"),
        "{e}"
    );
}

#[test]
fn empty_and_non_parquet_files_are_refused() {
    let dir = tempdir("bad-files");
    let empty = dir.join("empty.parquet");
    std::fs::write(&empty, b"").unwrap();
    let e = fails(["inspect", empty.to_str().unwrap()]);
    assert!(
        e.contains("empty.parquet") && e.contains("empty file"),
        "{e}"
    );

    let text = dir.join("notes.parquet");
    std::fs::write(&text, b"this is a text file, not parquet\n").unwrap();
    let e = fails(["inspect", text.to_str().unwrap()]);
    assert!(
        e.contains("notes.parquet") && e.contains("not a readable Parquet file"),
        "{e}"
    );

    let trunc = dir.join("truncated.parquet");
    let bytes = std::fs::read(sample().join("headings-70b.parquet")).unwrap();
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(["inspect", trunc.to_str().unwrap()]);
    assert!(e.contains("truncated.parquet"), "{e}");
}

#[test]
fn truncated_row_group_data_names_the_row_group() {
    // Keep the footer, corrupt the data pages: the error must name a row group.
    let dir = tempdir("corrupt");
    let p = dir.join("corrupt.parquet");
    let mut bytes = std::fs::read(sample().join("headings-70b.parquet")).unwrap();
    for b in bytes.iter_mut().skip(8).take(4000) {
        *b = 0xff;
    }
    std::fs::write(&p, &bytes).unwrap();
    let e = fails(["inspect", p.to_str().unwrap()]);
    assert!(e.contains("corrupt.parquet: row group 0"), "{e}");
}

#[test]
fn missing_columns_are_named() {
    let dir = tempdir("missing-cols");
    let p = dir.join("nohash.parquet");
    write_parquet(
        &p,
        vec![
            ("model", strings(&["m"])),
            (
                "conversation",
                conversation(&[vec![("assistant", Some("hi"))]]),
            ),
        ],
    );
    let e = fails(["inspect", p.to_str().unwrap()]);
    assert!(
        e.contains("nohash.parquet") && e.contains("column conversation_hash"),
        "{e}"
    );

    let p = dir.join("noconv.parquet");
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&["h"])),
            ("model", strings(&["m"])),
        ],
    );
    let e = fails(["inspect", p.to_str().unwrap()]);
    assert!(
        e.contains("noconv.parquet") && e.contains("column conversation"),
        "{e}"
    );

    let p = dir.join("nomodel.parquet");
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&["h"])),
            (
                "conversation",
                conversation(&[vec![("assistant", Some("hi"))]]),
            ),
        ],
    );
    let e = fails(["inspect", "--model-from", "column", p.to_str().unwrap()]);
    assert!(
        e.contains("nomodel.parquet") && e.contains("column model"),
        "{e}"
    );
}

#[test]
fn content_of_the_wrong_type_is_named() {
    let dir = tempdir("badtype");
    let p = dir.join("intcontent.parquet");
    let rows = vec![vec![("user", None), ("assistant", None)]];
    let roles: ArrayRef = Arc::new(StringArray::from(vec!["user", "assistant"]));
    let contents: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&["h"])),
            ("model", strings(&["m"])),
            ("conversation", messages(&rows, roles, contents)),
        ],
    );
    let e = fails(["inspect", p.to_str().unwrap()]);
    assert!(
        e.contains("intcontent.parquet")
            && e.contains("column conversation.content")
            && e.contains("Int64"),
        "{e}"
    );
}

#[test]
fn null_content_and_no_assistant_are_counted_not_fatal() {
    let dir = tempdir("nulls");
    let p = dir.join("odd.parquet");
    let conv = conversation(&[
        vec![("user", Some("q")), ("assistant", Some("fine"))],
        vec![("user", Some("q")), ("assistant", None)],
        vec![("user", Some("only a question"))],
        vec![],
    ]);
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&["a", "b", "c", "d"])),
            ("model", strings(&["m", "m", "m", "m"])),
            ("conversation", conv),
            ("turn", ints(&[1, 1, 1, 0])),
        ],
    );
    let out = ok(["inspect", "-q", p.to_str().unwrap()]);
    assert!(
        out.contains("responses: 1 (first assistant turn) from 1 models"),
        "{out}"
    );
    assert!(out.contains("null content 1"), "{out}");
    assert!(out.contains("no assistant turn 2"), "{out}");
}

#[test]
fn demo_pipeline_prints_a_row_per_sample_model() {
    let out = ok([
        "run",
        "-q",
        root().join("pipelines/demo.toml").to_str().unwrap(),
    ]);
    for m in [
        "bold-lists-7b",
        "bold-lists-distill-3b",
        "headings-70b",
        "plain-prose-13b",
        "terse-1b",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("| {m} |"))),
            "{m}: {out}"
        );
    }
}

#[test]
fn shared_corpus_has_forty_models() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let out = ok(["inspect", "-q", corpus.to_str().unwrap()]);
    let rows = model_rows(&out);
    assert_eq!(rows.len(), 40, "{out}");
    // 805 prompts; the llama-2-70b-chat-hf file really holds 804 rows.
    for (m, n) in &rows {
        let want = if m == "llama-2-70b-chat-hf" { 804 } else { 805 };
        assert_eq!(*n, want, "{m}");
    }
}

/// `data/sample` is exactly `wildstat synth` with its defaults: the
/// generator and the committed sample cannot drift apart.
#[test]
fn synth_defaults_rebuild_the_committed_sample() {
    let dir = tempdir("synth-sample");
    let out = dir.join("sample");
    let log =
        String::from_utf8(wildstat(["synth", "--out", out.to_str().unwrap()]).stderr).unwrap();
    assert!(log.contains("wrote 594 transcripts of 5 models"), "{log}");
    let files = |d: &std::path::Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (made, committed) = (files(&out), files(&sample()));
    assert_eq!(made.len(), 5);
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&made), names(&committed));
    for (m, c) in made.iter().zip(&committed) {
        assert!(m.1 == c.1, "{} differs from data/sample", m.0);
    }
}
