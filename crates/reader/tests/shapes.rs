//! One test per transcript shape and variant: the same small records written
//! as JSON Lines and as Parquet give the same responses, and those are the
//! hand-worked ones.

mod common;

use std::io::Write;

use arrow_schema::{DataType, Schema};
use common::*;
use serde_json::{json, Value};
use wildstat_reader::{open_all, Columns, IdFrom, ModelFrom, OpenOptions, Roles, Selection, Turns};

type Key = (String, String, String, u32, String);

fn k(model: &str, id: &str, role: &str, turn: u32, text: &str) -> Key {
    (model.into(), id.into(), role.into(), turn, text.into())
}

fn both_all() -> Selection {
    Selection {
        roles: Roles::Both,
        turns: Turns::All,
        ..Selection::default()
    }
}

/// Writes `json` as `NAME.jsonl` and `parquet` (with `schema`) as
/// `NAME.parquet`, checks both give `want` (roles both, all turns) and that
/// both are described as `variant`.
fn check(
    name: &str,
    json: &[Value],
    parquet: &[Value],
    schema: Schema,
    opts: &OpenOptions,
    variant: &str,
    want: &[Key],
) {
    let dir = tempdir(name);
    let (jl, pq) = (
        dir.join(format!("{name}.jsonl")),
        dir.join(format!("{name}.parquet")),
    );
    write_jsonl(&jl, json);
    write_parquet(&pq, schema, parquet);
    let mut want = want.to_vec();
    want.sort();
    for p in [&jl, &pq] {
        let rs = read_all(std::slice::from_ref(p), opts, &both_all()).unwrap();
        assert_eq!(keys(&rs), want, "{}", p.display());
        let (files, _) = open_all(std::slice::from_ref(p), opts).unwrap();
        let d = files[0].layout.describe();
        assert!(d.starts_with(&format!("{variant} (")), "{d}");
    }
}

#[test]
fn wildchat() {
    let recs = vec![
        json!({"conversation_hash": "h1", "model": "m", "conversation": [
            {"role": "user", "content": "hi", "language": "English"},
            {"role": "assistant", "content": "hello", "language": "English"},
            {"role": "user", "content": "more"},
            {"role": "assistant", "content": "sure"}]}),
        json!({"conversation_hash": "h2", "model": "m", "conversation": [
            {"role": "user", "content": "q"}, {"role": "assistant", "content": null}]}),
    ];
    let schema = Schema::new(vec![
        field("conversation_hash", DataType::Utf8),
        field("model", DataType::Utf8),
        field(
            "conversation",
            list_of_structs(&["content", "language", "role"]),
        ),
    ]);
    let want = [
        k("m", "h1", "user", 1, "hi"),
        k("m", "h1", "assistant", 1, "hello"),
        k("m", "h1", "user", 2, "more"),
        k("m", "h1", "assistant", 2, "sure"),
        k("m", "h2", "user", 1, "q"),
    ];
    check(
        "wildchat",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "wildchat",
        &want,
    );
}

#[test]
fn sharegpt_with_id_column() {
    let recs = vec![json!({"id": "s1", "model": "m", "conversations": [
        {"from": "system", "value": "be nice"},
        {"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]})];
    let schema = Schema::new(vec![
        field("id", DataType::Utf8),
        field("model", DataType::Utf8),
        field("conversations", list_of_structs(&["from", "value"])),
    ]);
    let want = [
        k("m", "s1", "user", 1, "a"),
        k("m", "s1", "assistant", 1, "b"),
    ];
    check(
        "sharegpt",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "sharegpt",
        &want,
    );
}

#[test]
fn chat_messages_skip_system_turns() {
    let recs = vec![
        json!({"conversation_id": 7, "model": "m", "messages": [
            {"role": "system", "content": "sys"}, {"role": "user", "content": "u1"},
            {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"},
            {"role": "assistant", "content": "a2"}]}),
        json!({"conversation_id": 8, "model": "n", "messages": [
            {"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}),
    ];
    let schema = Schema::new(vec![
        field("conversation_id", DataType::Int64),
        field("model", DataType::Utf8),
        field("messages", list_of_structs(&["role", "content"])),
    ]);
    let want = [
        k("m", "7", "user", 1, "u1"),
        k("m", "7", "assistant", 1, "a1"),
        k("m", "7", "user", 2, "u2"),
        k("m", "7", "assistant", 2, "a2"),
        k("n", "8", "user", 1, "x"),
        k("n", "8", "assistant", 1, "y"),
    ];
    check(
        "chat",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "chat",
        &want,
    );
}

#[test]
fn flat_default_names() {
    let recs = vec![
        json!({"conversation_hash": "h", "model": "m", "turn": 1, "text": "one"}),
        json!({"conversation_hash": "h", "model": "m", "turn": 2, "text": "two"}),
    ];
    let schema = Schema::new(vec![
        field("conversation_hash", DataType::Utf8),
        field("model", DataType::Utf8),
        field("turn", DataType::Int64),
        field("text", DataType::Utf8),
    ]);
    let want = [
        k("m", "h", "assistant", 1, "one"),
        k("m", "h", "assistant", 2, "two"),
    ];
    check(
        "flat",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "flat",
        &want,
    );
}

#[test]
fn flat_named_columns() {
    let recs = vec![
        json!({"qid": "q1", "llm": "m", "t": 1, "question": "p1", "answer": "r1"}),
        json!({"qid": "q2", "llm": "m", "t": 1, "question": "p2", "answer": "r2"}),
    ];
    let schema = Schema::new(vec![
        field("qid", DataType::Utf8),
        field("llm", DataType::Utf8),
        field("t", DataType::Int64),
        field("question", DataType::Utf8),
        field("answer", DataType::Utf8),
    ]);
    let opts = OpenOptions {
        columns: Columns {
            text: Some("answer".into()),
            prompt: Some("question".into()),
            model: Some("llm".into()),
            id: Some("qid".into()),
            turn: Some("t".into()),
        },
        ..OpenOptions::default()
    };
    let want = [
        k("m", "q1", "user", 1, "p1"),
        k("m", "q1", "assistant", 1, "r1"),
        k("m", "q2", "user", 1, "p2"),
        k("m", "q2", "assistant", 1, "r2"),
    ];
    check("flatnamed", &recs, &recs, schema, &opts, "flat", &want);
}

fn mt_bench_records() -> (Vec<Value>, Schema) {
    let recs = vec![
        json!({"question_id": 81, "answer_id": "x", "model_id": "phi-3", "tstamp": 1.5,
               "choices": [{"index": 0, "turns": ["first answer", "second answer"]}]}),
        json!({"question_id": 82, "answer_id": "y", "model_id": "phi-3", "tstamp": 1.5,
               "choices": [{"index": 0, "turns": ["only"]}]}),
    ];
    let turns = DataType::List(std::sync::Arc::new(field("item", DataType::Utf8)));
    let choice =
        DataType::Struct(vec![field("index", DataType::Int64), field("turns", turns)].into());
    let schema = Schema::new(vec![
        field("question_id", DataType::Int64),
        field("model_id", DataType::Utf8),
        field(
            "choices",
            DataType::List(std::sync::Arc::new(field("item", choice))),
        ),
    ]);
    (recs, schema)
}

#[test]
fn mt_bench_answers() {
    let (recs, schema) = mt_bench_records();
    let want = [
        k("phi-3", "81", "assistant", 1, "first answer"),
        k("phi-3", "81", "assistant", 2, "second answer"),
        k("phi-3", "82", "assistant", 1, "only"),
    ];
    check(
        "mtbench",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "mt-bench",
        &want,
    );
}

#[test]
fn mt_bench_answers_with_questions() {
    let (recs, schema) = mt_bench_records();
    let dir = tempdir("mtq");
    let q = dir.join("question.jsonl");
    let mut f = std::fs::File::create(&q).unwrap();
    writeln!(
        f,
        "{}",
        json!({"question_id": 81, "category": "writing", "turns": ["Q1", "Q2"]})
    )
    .unwrap();
    writeln!(f, "{}", json!({"question_id": 82, "turns": ["Q only"]})).unwrap();
    let opts = OpenOptions {
        questions: Some(q),
        ..OpenOptions::default()
    };
    let want = [
        k("phi-3", "81", "user", 1, "Q1"),
        k("phi-3", "81", "assistant", 1, "first answer"),
        k("phi-3", "81", "user", 2, "Q2"),
        k("phi-3", "81", "assistant", 2, "second answer"),
        k("phi-3", "82", "user", 1, "Q only"),
        k("phi-3", "82", "assistant", 1, "only"),
    ];
    check("mtbenchq", &recs, &recs, schema, &opts, "mt-bench", &want);
}

#[test]
fn alpaca_eval_outputs_with_varying_fields() {
    // Fields vary between files and rows: no `dataset`, an extra `metadata`.
    let json = vec![
        json!({"instruction": "Say hi", "output": "Hi!", "generator": "g", "dataset": "helpful_base"}),
        json!({"instruction": "Count", "output": "1 2 3", "generator": "g", "metadata": {"x": 1}}),
    ];
    let schema = Schema::new(vec![
        field("instruction", DataType::Utf8),
        field("output", DataType::Utf8),
        field("generator", DataType::Utf8),
        field("dataset", DataType::Utf8),
    ]);
    let opts = OpenOptions {
        id_from: IdFrom::Prompt,
        ..OpenOptions::default()
    };
    // hashlib.md5(b"Say hi").hexdigest() and hashlib.md5(b"Count").hexdigest().
    let m1 = "b3383c585e752cdd03718d0df6a0efbd";
    let m2 = "e93f994f01c537c4e2f7d8528c3eb5e9";
    let want = [
        k("g", m1, "user", 1, "Say hi"),
        k("g", m1, "assistant", 1, "Hi!"),
        k("g", m2, "user", 1, "Count"),
        k("g", m2, "assistant", 1, "1 2 3"),
    ];
    check("alpaca", &json, &json, schema, &opts, "alpaca-eval", &want);
}

#[test]
fn arena_hard_answers() {
    let json = vec![
        json!({"uid": "u1", "ans_id": "a", "model": "gpt-4-0314", "tstamp": 1.0,
        "messages": [{"role": "user", "content": "prompt"},
                     {"role": "assistant", "content": {"answer": "reply"}}]}),
    ];
    // Parquet cannot mix a string and a struct in one column: plain strings.
    let pq = vec![json!({"uid": "u1", "model": "gpt-4-0314",
        "messages": [{"role": "user", "content": "prompt"},
                     {"role": "assistant", "content": "reply"}]})];
    let schema = Schema::new(vec![
        field("uid", DataType::Utf8),
        field("model", DataType::Utf8),
        field("messages", list_of_structs(&["role", "content"])),
    ]);
    let want = [
        k("gpt-4-0314", "u1", "user", 1, "prompt"),
        k("gpt-4-0314", "u1", "assistant", 1, "reply"),
    ];
    check(
        "arenahard",
        &json,
        &pq,
        schema,
        &OpenOptions::default(),
        "arena-hard",
        &want,
    );
}

#[test]
fn arena_hard_v01_answers() {
    let recs = vec![
        json!({"question_id": "q9", "answer_id": "a", "model_id": "claude",
        "choices": [{"index": 0, "turns": [{"content": "t1", "token_len": 3}]}]}),
    ];
    let turn = DataType::Struct(vec![field("content", DataType::Utf8)].into());
    let turns = DataType::List(std::sync::Arc::new(field("item", turn)));
    let choice =
        DataType::Struct(vec![field("index", DataType::Int64), field("turns", turns)].into());
    let schema = Schema::new(vec![
        field("question_id", DataType::Utf8),
        field("model_id", DataType::Utf8),
        field(
            "choices",
            DataType::List(std::sync::Arc::new(field("item", choice))),
        ),
    ]);
    let want = [k("claude", "q9", "assistant", 1, "t1")];
    check(
        "arenav01",
        &recs,
        &recs,
        schema,
        &OpenOptions::default(),
        "arena-hard-v0.1",
        &want,
    );
}

/// The same chat records as JSON Lines, a JSON array (pretty-printed, with
/// a BOM), and gzip and zstd JSON Lines give the same responses.
#[test]
fn json_array_and_compressed_files() {
    let recs: Vec<Value> = (0..50)
        .map(|i| {
            json!({"id": format!("c{i}"), "model": "m", "messages": [
                {"role": "user", "content": format!("q \"{i}\" ]}},[")},
                {"role": "assistant", "content": format!("a\n{i}")}]})
        })
        .collect();
    let dir = tempdir("formats");
    let jl = dir.join("m.jsonl");
    write_jsonl(&jl, &recs);
    let arr = dir.join("m.json");
    let mut text = String::from("\u{feff}");
    text.push_str(&serde_json::to_string_pretty(&recs).unwrap());
    std::fs::write(&arr, text).unwrap();
    let raw = std::fs::read(&jl).unwrap();
    let gz = dir.join("m.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&raw).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let zst = dir.join("m.ndjson.zst");
    std::fs::write(&zst, zstd::encode_all(&raw[..], 3).unwrap()).unwrap();
    let want = keys(&read_all(&[jl], &OpenOptions::default(), &both_all()).unwrap());
    assert_eq!(want.len(), 100);
    assert_eq!(want[0], k("m", "c0", "assistant", 1, "a\n0"));
    for p in [arr, gz, zst] {
        let got = read_all(
            std::slice::from_ref(&p),
            &OpenOptions::default(),
            &both_all(),
        );
        assert_eq!(keys(&got.unwrap()), want, "{}", p.display());
    }
}

#[test]
fn model_from_file_strips_every_extension() {
    let dir = tempdir("stems");
    let recs = vec![json!({"id": "1", "text": "t"})];
    write_jsonl(&dir.join("my-model.v2.jsonl"), &recs);
    let rs = read_all(
        std::slice::from_ref(&dir),
        &OpenOptions {
            model_from: ModelFrom::File,
            ..OpenOptions::default()
        },
        &Selection::default(),
    )
    .unwrap();
    assert_eq!(&*rs[0].model, "my-model.v2");
    assert_eq!(wildstat_reader::file_stem("a/b/x.jsonl.gz".as_ref()), "x");
    assert_eq!(wildstat_reader::file_stem("x.ndjson.zst".as_ref()), "x");
    assert_eq!(wildstat_reader::file_stem("x.parquet".as_ref()), "x");
}

#[test]
fn first_turns_and_user_roles() {
    let recs = vec![json!({"id": "1", "model": "m", "messages": [
        {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]})];
    let dir = tempdir("roles");
    let p = dir.join("c.jsonl");
    write_jsonl(&p, &recs);
    let run = |roles, turns| {
        let sel = Selection {
            roles,
            turns,
            ..Selection::default()
        };
        keys(&read_all(std::slice::from_ref(&p), &OpenOptions::default(), &sel).unwrap())
    };
    assert_eq!(
        run(Roles::Assistant, Turns::First),
        vec![k("m", "1", "assistant", 1, "a1")]
    );
    assert_eq!(
        run(Roles::User, Turns::All),
        vec![k("m", "1", "user", 1, "u1"), k("m", "1", "user", 2, "u2")]
    );
    assert_eq!(
        run(Roles::Both, Turns::First),
        vec![
            k("m", "1", "assistant", 1, "a1"),
            k("m", "1", "user", 1, "u1")
        ]
    );
}

/// Files larger than a chunk split into several units at record boundaries;
/// together they read exactly what one pass would.
#[test]
fn large_files_split_into_units() {
    let recs: Vec<Value> = (0..40_000)
        .map(|i| {
            json!({"id": i, "model": "m", "messages": [
                {"role": "user", "content": format!("question {i} with [brackets] and {{braces}}")},
                {"role": "assistant", "content": format!("answer {i}: \"quoted\" \\ text ").repeat(3)}]})
        })
        .collect();
    let dir = tempdir("large");
    let jl = dir.join("big.jsonl");
    write_jsonl(&jl, &recs);
    let arr = dir.join("big.json");
    std::fs::write(&arr, serde_json::to_string_pretty(&recs).unwrap()).unwrap();
    for p in [&jl, &arr] {
        let (files, units) = open_all(std::slice::from_ref(p), &OpenOptions::default()).unwrap();
        assert!(units.len() >= 3, "{} units", units.len());
        assert_eq!(files[0].rows(), 40_000);
        let rs = read_all(
            std::slice::from_ref(p),
            &OpenOptions::default(),
            &Selection::default(),
        )
        .unwrap();
        assert_eq!(rs.len(), 40_000);
        for (i, r) in rs.iter().enumerate() {
            assert_eq!(r.conversation_hash, i.to_string());
        }
    }
}
