//! The shared real corpora: AlpacaEval's raw JSON outputs read with
//! `--model-from file --id-from prompt` give exactly the responses of the
//! Parquet corpus made from them; FastChat and Arena-Hard answer files read
//! directly. Skips with a notice when ../shared is absent.

mod common;

use common::*;
use wildstat_reader::{open_all, IdFrom, ModelFrom, OpenOptions, Roles, Selection, Turns};

#[test]
fn alpaca_eval_json_equals_parquet() {
    let Some(shared) = shared() else { return };
    let all = Selection {
        turns: Turns::All,
        roles: Roles::Both,
        ..Selection::default()
    };
    let pq = read_all(
        &[shared.join("corpora/alpaca-eval")],
        &OpenOptions::default(),
        &all,
    )
    .unwrap();
    let json = read_all(
        &[shared.join("corpora/alpaca-eval-json")],
        &OpenOptions {
            model_from: ModelFrom::File,
            id_from: IdFrom::Prompt,
            ..OpenOptions::default()
        },
        &all,
    )
    .unwrap();
    // 40 models x 805 prompts, less one missing llama-2-70b-chat-hf answer;
    // a user and an assistant turn each.
    assert_eq!(pq.len(), 2 * 32_199);
    assert_eq!(keys(&pq), keys(&json));
}

#[test]
fn fastchat_and_arena_hard_answers_read_directly() {
    let Some(shared) = shared() else { return };
    let all = Selection {
        turns: Turns::All,
        ..Selection::default()
    };
    let cases = [
        ("corpora/mt-bench/model_answer", 2, 320, "mt-bench"),
        ("corpora/arena-hard/model_answer", 3, 1500, "arena-hard"),
        ("corpora/arena-hard/v2.0/model_answer", 1, 750, "arena-hard"),
    ];
    for (dir, files_n, responses, variant) in cases {
        let p = shared.join(dir);
        let (files, _) = open_all(std::slice::from_ref(&p), &OpenOptions::default()).unwrap();
        assert_eq!(files.len(), files_n, "{dir}");
        assert!(files[0].layout.describe().starts_with(variant), "{dir}");
        let rs = read_all(&[p], &OpenOptions::default(), &all).unwrap();
        assert_eq!(rs.len(), responses, "{dir}");
    }
}
