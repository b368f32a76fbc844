//! Errors with their exact messages, and input hygiene: each file read once
//! however reached, symlink loops, FIFOs, byte order marks, dictionary
//! strings, model names, `--models` parsing, Hugging Face cache folders.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use common::*;
use serde_json::json;
use wildstat_reader::{
    check_selection, discover, open_all, parse_model_names, read_id_list, IdFrom, ModelFrom,
    OpenOptions, Selection,
};

fn open_err(inputs: &[PathBuf], opts: &OpenOptions) -> String {
    match open_all(inputs, opts) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn no_id_and_no_prompt_says_which_option() {
    let dir = tempdir("noid");
    let p = dir.join("m.jsonl");
    write_jsonl(&p, &[json!({"model": "m", "text": "t"})]);
    assert_eq!(
        open_err(std::slice::from_ref(&p), &OpenOptions::default()),
        format!(
            "{}: column conversation_hash: no id column (looked for conversation_hash, conversation_id, id, uid, \
             question_id): use --id-column NAME",
            p.display()
        )
    );
    let q = dir.join("alpaca.json");
    std::fs::write(
        &q,
        r#"[{"instruction": "i", "output": "o", "generator": "g"}]"#,
    )
    .unwrap();
    assert_eq!(
        open_err(std::slice::from_ref(&q), &OpenOptions::default()),
        format!(
            "{}: column conversation_hash: no id column (looked for conversation_hash, conversation_id, id, uid, \
             question_id): use --id-from prompt (md5 of the first user turn) or --id-column NAME",
            q.display()
        )
    );
    let opts = OpenOptions {
        id_from: IdFrom::Prompt,
        ..OpenOptions::default()
    };
    assert_eq!(
        open_err(std::slice::from_ref(&p), &opts),
        format!(
            "{}: --id-from prompt needs a user turn in the file: this one has none \
             (use --id-column NAME)",
            p.display()
        )
    );
}

#[test]
fn shard_file_names_are_not_models() {
    let dir = tempdir("shard");
    let p = dir.join("train-00000-of-00002.jsonl");
    write_jsonl(&p, &[json!({"id": "1", "text": "t"})]);
    assert_eq!(
        open_err(std::slice::from_ref(&p), &OpenOptions::default()),
        format!(
            "{}: no model column, and the file name \"train-00000-of-00002\" looks like a \
             dataset shard, not a model: use --model-from dir (or --model-column NAME)",
            p.display()
        )
    );
    for s in ["0000", "part-0", "data_3", "train-00000-of-00002", "test.1"] {
        assert!(wildstat_reader::looks_like_shard(s), "{s}");
    }
    for s in ["gpt-4", "phi-3", "train", "vicuna-7b-v1.5", "part-a"] {
        assert!(!wildstat_reader::looks_like_shard(s), "{s}");
    }
}

#[test]
fn hugging_face_cache_folder_names_the_model() {
    let root = tempdir("hub");
    let d = root.join("datasets--someorg--mymodel-outputs/snapshots/0123abc/data");
    std::fs::create_dir_all(&d).unwrap();
    write_jsonl(
        &d.join("train-00000-of-00001.jsonl"),
        &[json!({"id": "1", "text": "t"})],
    );
    let opts = OpenOptions {
        model_from: ModelFrom::Dir,
        ..OpenOptions::default()
    };
    let rs = read_all(&[root], &opts, &Selection::default()).unwrap();
    assert_eq!(&*rs[0].model, "mymodel-outputs");
}

#[test]
fn model_names_with_line_breaks_or_nul_are_refused() {
    let dir = tempdir("badmodel");
    let p = dir.join("m.jsonl");
    write_jsonl(
        &p,
        &[
            json!({"id": "1", "model": "ok", "text": "t"}),
            json!({"id": "2", "model": "bad\nname", "text": "t"}),
        ],
    );
    let e = read_all(
        std::slice::from_ref(&p),
        &OpenOptions::default(),
        &Selection::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        format!(
            "{}: line 2: column model: model name \"bad\\nname\" contains a line break or NUL",
            p.display()
        )
    );
    let q = dir.join("n.parquet");
    write_parquet(
        &q,
        Schema::new(vec![
            field("id", DataType::Utf8),
            field("model", DataType::Utf8),
            field("text", DataType::Utf8),
        ]),
        &[json!({"id": "1", "model": "a\u{0}b", "text": "t"})],
    );
    let e = read_all(
        std::slice::from_ref(&q),
        &OpenOptions::default(),
        &Selection::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        format!(
            "{}: row group 0: row 0: column model: model name \"a\\0b\" contains a line break \
             or NUL",
            q.display()
        )
    );
}

fn corpus(name: &str) -> PathBuf {
    let dir = tempdir(name);
    write_jsonl(
        &dir.join("c.jsonl"),
        &[
            json!({"id": "1", "model": "gpt-4-0314", "language": "English", "text": "a"}),
            json!({"id": "2", "model": "gpt-4-0613", "language": "English", "text": "b"}),
            json!({"id": "3", "model": "gpt-3.5-turbo", "language": "Chinese", "text": "c"}),
            json!({"id": "4", "model": "a,b", "language": "English", "text": "d"}),
        ],
    );
    dir
}

fn check(dir: &PathBuf, sel: &Selection) -> Result<(), String> {
    let (files, units) = open_all(std::slice::from_ref(dir), &OpenOptions::default()).unwrap();
    check_selection(&files, &units, sel)
}

fn set(v: &[&str]) -> Option<std::collections::HashSet<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn models_matching_nothing_list_the_closest() {
    let dir = corpus("models");
    let sel = Selection {
        models: set(&["gpt4"]),
        ..Selection::default()
    };
    assert_eq!(
        check(&dir, &sel).unwrap_err(),
        "--models: no model named \"gpt4\" (closest: gpt-4-0314, gpt-4-0613, gpt-3.5-turbo); \
         4 conversations of 4 models seen"
    );
    // A name with a comma is selected by escaping it.
    let names = parse_model_names(&["a\\,b".into(), "gpt-4-0314,gpt-4-0613".into()]);
    assert_eq!(names, ["a,b", "gpt-4-0314", "gpt-4-0613"]);
    let sel = Selection {
        models: Some(names.into_iter().collect()),
        ..Selection::default()
    };
    assert_eq!(check(&dir, &sel), Ok(()));
}

#[test]
fn languages_absent_or_no_language_column() {
    let dir = corpus("langs");
    let sel = Selection {
        language: Some("en".into()),
        ..Selection::default()
    };
    assert_eq!(
        check(&dir, &sel).unwrap_err(),
        "--language en: no conversation has this language (present, in conversations: \
         English 3, Chinese 1)"
    );
    let sel = Selection {
        language: Some("english".into()),
        ..Selection::default()
    };
    assert_eq!(check(&dir, &sel), Ok(()));
    let bare = tempdir("nolang");
    write_jsonl(
        &bare.join("c.jsonl"),
        &[json!({"id": "1", "model": "m", "text": "a"})],
    );
    let sel = Selection {
        language: Some("English".into()),
        ..Selection::default()
    };
    assert_eq!(
        check(&bare, &sel).unwrap_err(),
        "--language English: the inputs have no language column"
    );
}

#[test]
fn conversation_lists_matching_nothing_and_empty_selections() {
    let dir = corpus("convs");
    let sel = Selection {
        conversations: set(&["x", "y"]),
        ..Selection::default()
    };
    assert_eq!(
        check(&dir, &sel).unwrap_err(),
        "--conversations: none of the 2 listed ids is a conversation of the inputs; \
         4 conversations of 4 models seen"
    );
    // Each part selects something, together nothing.
    let sel = Selection {
        models: set(&["gpt-3.5-turbo"]),
        language: Some("English".into()),
        ..Selection::default()
    };
    assert_eq!(
        check(&dir, &sel).unwrap_err(),
        "the selection keeps no conversation; 4 conversations of 4 models seen"
    );
    // Excluded ids are dropped.
    let sel = Selection {
        exclude: set(&["1", "2", "3"]),
        ..Selection::default()
    };
    let rs = read_all(std::slice::from_ref(&dir), &OpenOptions::default(), &sel).unwrap();
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].conversation_hash, "4");
}

#[test]
fn id_lists_ignore_a_byte_order_mark() {
    let dir = tempdir("bom");
    let p = dir.join("ids.txt");
    std::fs::write(&p, "\u{feff}abc\r\n\n  def \n").unwrap();
    let ids = read_id_list(&p).unwrap();
    assert_eq!(ids, set(&["abc", "def"]).unwrap());
    let e = dir.join("empty.txt");
    std::fs::write(&e, "\u{feff}\n").unwrap();
    assert_eq!(
        read_id_list(&e).unwrap_err(),
        format!("{}: conversation list is empty", e.display())
    );
}

#[test]
fn each_file_is_read_once_however_reached() {
    let dir = tempdir("once");
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    write_jsonl(
        &sub.join("m.jsonl"),
        &[json!({"id": "1", "model": "m", "text": "t"})],
    );
    std::os::unix::fs::symlink(&dir, sub.join("loop")).unwrap();
    std::os::unix::fs::symlink(sub.join("m.jsonl"), dir.join("alias.jsonl")).unwrap();
    let found = discover(&[dir.clone(), dir.clone(), sub.clone(), sub.join("m.jsonl")]).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn fifos_are_skipped_not_waited_on() {
    let dir = tempdir("fifo");
    write_jsonl(
        &dir.join("a.jsonl"),
        &[json!({"id": "1", "model": "m", "text": "t"})],
    );
    let fifo = dir.join("b.jsonl");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !ok.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo unavailable");
        return;
    }
    let found = discover(&[dir.clone(), fifo.clone()]).unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].0.ends_with("a.jsonl"));
}

#[test]
fn folders_without_inputs_and_unknown_content() {
    let dir = tempdir("nothing");
    std::fs::write(dir.join("notes.txt"), "x").unwrap();
    assert_eq!(
        open_err(std::slice::from_ref(&dir), &OpenOptions::default()),
        format!(
            "{}: directory holds no *.parquet, *.jsonl, *.ndjson or *.json files \
             (nor .gz/.zst of the JSON ones)",
            dir.display()
        )
    );
    let p = dir.join("notes.txt");
    assert_eq!(
        open_err(std::slice::from_ref(&p), &OpenOptions::default()),
        format!(
            "{}: line 1: not Parquet or JSON (expected a JSON array or one object per line)",
            p.display()
        )
    );
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\": \"1\", \"model\": \"m\", \"text\": \"t\"}\n{\"id\": 2,\n",
    )
    .unwrap();
    let e = read_all(
        std::slice::from_ref(&bad),
        &OpenOptions::default(),
        &Selection::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        format!(
            "{}: line 2: invalid JSON: EOF while parsing a value at line 1 column 9",
            bad.display()
        )
    );
    let typed = dir.join("typed.jsonl");
    write_jsonl(
        &typed,
        &[json!({"id": "1", "model": "m", "messages": [{"role": "assistant", "content": 5}]})],
    );
    let e = read_all(
        std::slice::from_ref(&typed),
        &OpenOptions::default(),
        &Selection::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        format!(
            "{}: line 1: column messages.content: expected a string or {{answer: string}}",
            typed.display()
        )
    );
}

#[test]
fn dictionary_encoded_strings_are_read() {
    let dir = tempdir("dict");
    let p = dir.join("d.parquet");
    let models: DictionaryArray<Int32Type> = vec!["m1", "m2", "m1"].into_iter().collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new(
            "model",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        ),
        Field::new("text", DataType::Utf8, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["1", "2", "3"])),
        Arc::new(models),
        Arc::new(StringArray::from(vec!["a", "b", "c"])),
    ];
    let f = std::fs::File::create(&p).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, schema.clone(), None).unwrap();
    w.write(&RecordBatch::try_new(schema, cols).unwrap())
        .unwrap();
    w.close().unwrap();
    let rs = read_all(&[p], &OpenOptions::default(), &Selection::default()).unwrap();
    let got: Vec<(&str, &str)> = rs.iter().map(|r| (&*r.model, r.text.as_str())).collect();
    assert_eq!(got, [("m1", "a"), ("m2", "b"), ("m1", "c")]);
}
