//! End-to-end tests of `wildstat keywords` on the built-in sample: the
//! groups' word counts and z-scores, the same bytes for any shard count,
//! and one-line errors for groups that select nothing.

mod common;

use common::{fails, ok, sample, tempdir};

fn csv_row<'a>(csv: &'a str, word: &str) -> Vec<&'a str> {
    csv.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[0] == word)
        .unwrap_or_else(|| panic!("no row for {word:?}"))
}

#[test]
fn keywords_separate_two_models_and_shard_to_the_same_bytes() {
    let dir = tempdir("keywords");
    let s = sample();
    let (a, b) = ("--a=bold-lists-7b", "--b=plain-prose-13b");
    let local = dir.join("local");
    let out = ok([
        "keywords",
        s.to_str().unwrap(),
        a,
        b,
        "-q",
        "--out",
        local.to_str().unwrap(),
    ]);
    assert!(out.contains("Key words"), "{out}");
    let csv = std::fs::read_to_string(local.join("keywords.csv")).unwrap();
    assert!(
        csv.starts_with("word,count_a,count_b,log_odds,variance,z"),
        "{csv:.200}"
    );
    // Rows are sorted by z, descending: the first row leans to group a, the
    // last to group b.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let z = |r: &Vec<&str>| r[5].parse::<f64>().unwrap();
    assert!(z(&rows[0]) > 0.0 && z(rows.last().unwrap()) < 0.0);
    assert!(rows.windows(2).all(|w| z(&w[0]) >= z(&w[1])));
    // The z of a word recomputed from its counts and the group totals.
    let (na, nb): (f64, f64) = rows.iter().fold((0.0, 0.0), |(x, y), r| {
        (
            x + r[1].parse::<f64>().unwrap(),
            y + r[2].parse::<f64>().unwrap(),
        )
    });
    let r = csv_row(&csv, rows[0][0]);
    let (ya, yb): (f64, f64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
    let alpha = ya + yb;
    let a0 = na + nb;
    let delta =
        ((ya + alpha) / (na + a0 - ya - alpha)).ln() - ((yb + alpha) / (nb + a0 - yb - alpha)).ln();
    let zz = delta / (1.0 / (ya + alpha) + 1.0 / (yb + alpha)).sqrt();
    assert!((zz - z(&rows[0])).abs() < 1e-9, "{zz} vs {}", z(&rows[0]));

    let sharded = dir.join("sharded");
    for r in ["0", "1", "2"] {
        ok([
            "keywords",
            s.to_str().unwrap(),
            a,
            b,
            "-q",
            "--out",
            sharded.to_str().unwrap(),
            "--rank",
            r,
            "--world-size",
            "3",
        ]);
    }
    ok(["merge", "-q", sharded.to_str().unwrap()]);
    for f in [
        "keywords.csv",
        "keywords.md",
        "keywords.tex",
        "keywords.json",
        "keywords.svg",
        "wildstat.json",
    ] {
        assert_eq!(
            std::fs::read(local.join(f)).unwrap(),
            std::fs::read(sharded.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn keyword_groups_that_select_nothing_are_errors() {
    let dir = tempdir("keywords-bad");
    let s = sample();
    let o = dir.join("o");
    let e = fails([
        "keywords",
        s.to_str().unwrap(),
        "--a=gpt4",
        "--b=plain-prose-13b",
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(
        e.contains("group a (gpt4) has no selected responses"),
        "{e}"
    );
    let e = fails([
        "keywords",
        s.to_str().unwrap(),
        "--a=x",
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(e.contains("--a MODELS --b MODELS"), "{e}");
    let e = fails([
        "keywords",
        s.to_str().unwrap(),
        "--a=x",
        "--b=x",
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(e.contains("in both --a and --b"), "{e}");
    assert!(!o.exists());
}

#[test]
fn judgments_count_for_the_models_they_are_about_and_shard_by_file() {
    let dir = tempdir("keywords-judgments");
    let j = dir.join("judgments");
    std::fs::create_dir_all(&j).unwrap();
    // A pair judgment's two explanations count for both models of the game;
    // a single grade's for its model. So x: good 2, bad 1; y: good 2, bad 3.
    std::fs::write(
        j.join("pair.jsonl"),
        "{\"question_id\": 1, \"model_1\": \"x\", \"model_2\": \"y\", \"g1_winner\": \"model_1\", \"g2_winner\": \"model_1\", \"judge\": [\"gpt-4\", \"pair-v2\"], \"g1_judgment\": \"good good\", \"g2_judgment\": \"bad\", \"turn\": 1, \"tstamp\": 0}\n",
    )
    .unwrap();
    std::fs::write(
        j.join("single.jsonl"),
        "{\"question_id\": 1, \"model\": \"y\", \"judge\": [\"gpt-4\", \"single-v1\"], \"judgment\": \"bad bad\", \"score\": 3, \"turn\": 1, \"tstamp\": 0}\n",
    )
    .unwrap();
    let local = dir.join("local");
    let args = |out: &std::path::Path| -> Vec<String> {
        [
            j.to_str().unwrap(),
            "--judgments",
            "--a=x",
            "--b=y",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let mut a = vec!["keywords".to_string()];
    a.extend(args(&local));
    ok(&a);
    let csv = std::fs::read_to_string(local.join("keywords.csv")).unwrap();
    assert_eq!(&csv_row(&csv, "good")[1..3], ["2", "2"]);
    assert_eq!(&csv_row(&csv, "bad")[1..3], ["1", "3"]);
    let sharded = dir.join("sharded");
    for r in ["0", "1"] {
        let mut a = vec!["keywords".to_string()];
        a.extend(args(&sharded));
        a.extend(["--rank".into(), r.into(), "--world-size".into(), "2".into()]);
        ok(&a);
    }
    ok(["merge", "-q", sharded.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(local.join("keywords.csv")).unwrap(),
        std::fs::read(sharded.join("keywords.csv")).unwrap()
    );
}
