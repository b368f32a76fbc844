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
