//! The raw AlpacaEval JSON outputs of the 40 models, read with
//! `--model-from file --id-from prompt`, give every stage the same values
//! as the WildChat-schema Parquet corpus made from them: byte-identical
//! pairs, counts, spans and tables (only the provenance, which lists the
//! inputs, differs). Skips with a notice when `../shared` is absent.

mod common;

use common::{ok, root, tempdir};

#[test]
fn alpaca_eval_json_and_parquet_give_identical_outputs_in_every_stage() {
    let json = root().join("../shared/corpora/alpaca-eval-json");
    let parquet = root().join("../shared/corpora/alpaca-eval");
    if !json.is_dir() || !parquet.is_dir() {
        eprintln!("notice: ../shared/corpora is absent; skipping the JSON vs Parquet test");
        return;
    }
    let dir = tempdir("formats");
    let j = ["--model-from", "file", "--id-from", "prompt"];
    for (stage, extra) in [
        ("similarity", vec!["--sample", "200"]),
        ("style", vec!["--turns", "all"]),
        ("shared", vec![]),
    ] {
        let a = dir.join(format!("{stage}-json"));
        let b = dir.join(format!("{stage}-parquet"));
        let mut args = vec![
            stage,
            json.to_str().unwrap(),
            "-q",
            "--out",
            a.to_str().unwrap(),
        ];
        args.extend(j);
        args.extend(&extra);
        ok(&args);
        let mut args = vec![
            stage,
            parquet.to_str().unwrap(),
            "-q",
            "--out",
            b.to_str().unwrap(),
        ];
        args.extend(&extra);
        ok(&args);
        let mut compared = 0;
        for e in std::fs::read_dir(&b).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name == "wildstat.json" {
                continue;
            }
            let x = std::fs::read(&p).unwrap();
            let y = std::fs::read(a.join(&name)).unwrap_or_else(|e| panic!("{stage}/{name}: {e}"));
            assert!(x == y, "{stage}/{name} differs between JSON and Parquet");
            compared += 1;
        }
        assert!(compared >= 4, "{stage}: only {compared} files compared");
    }
}

/// One JSONL chat transcript.
fn chat(id: &str, model: &str, answer: &str) -> String {
    format!(
        "{{\"id\": \"{id}\", \"model\": \"{model}\", \"messages\": [{{\"role\": \"user\", \"content\": \"q {id}\"}}, {{\"role\": \"assistant\", \"content\": \"{answer}\"}}]}}\n"
    )
}

#[test]
fn selections_and_results_that_select_nothing_are_errors() {
    let dir = tempdir("formats-empty");
    let s = common::sample();
    let s = s.to_str().unwrap();
    let out = dir.join("o");
    let o = out.to_str().unwrap();
    let e = common::fails(["similarity", s, "--out", o, "--models", "gpt4"]);
    assert!(
        e.contains(
            "--models: no model named \"gpt4\" (closest: terse-1b, headings-70b, bold-lists-7b)"
        ),
        "{e}"
    );
    let e = common::fails(["style", s, "--out", o, "--language", "en"]);
    assert!(
        e.contains("--language en: no conversation has this language (present, in conversations: English 539, Chinese 35, French 20)"),
        "{e}"
    );
    let ids = dir.join("ids.txt");
    std::fs::write(&ids, "\u{feff}deadbeef\n").unwrap();
    let e = common::fails([
        "similarity",
        s,
        "--out",
        o,
        "--conversations",
        ids.to_str().unwrap(),
    ]);
    assert!(
        e.contains("--conversations: none of the 1 listed ids is a conversation of the inputs"),
        "{e}"
    );
    // Two models that answered different prompts: no pair to score.
    let disjoint = dir.join("disjoint.jsonl");
    std::fs::write(
        &disjoint,
        [
            chat("1", "a", "x y"),
            chat("2", "a", "y z"),
            chat("3", "b", "x y"),
            chat("4", "b", "z"),
        ]
        .concat(),
    )
    .unwrap();
    let d = disjoint.to_str().unwrap();
    let e = common::fails(["similarity", d, "--out", o]);
    assert!(
        e.contains("similarity: 0 pairs: the 2 models share no conversation (4 responses read)"),
        "{e}"
    );
    let e = common::fails(["shared", d, "--out", o]);
    assert!(
        e.contains("shared: no conversation was answered by two of the 2 models"),
        "{e}"
    );
    // One run per prompt: nothing to compare across runs.
    let e = common::fails(["agreement", d, "--out", o, "--run-from", "file"]);
    assert!(
        e.contains("agreement: no prompt has two or more runs (4 prompts of 2 models seen)"),
        "{e}"
    );
    assert!(!out.exists());
}
