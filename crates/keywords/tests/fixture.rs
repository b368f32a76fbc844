//! Hand-worked fixture of the Monroe et al. (2008) z-scores, and the
//! rendered tables and chart of it.

use wildstat_keywords::{chart_svg, fightin_words, tables, Counts, WordScore};

fn counts(texts: &[&str]) -> Counts {
    let mut c = Counts::new();
    for t in texts {
        c.add_text(t, None);
    }
    c
}

/// Group a: "The cat sat." + "the CAT" -> the 2, cat 2, sat 1; n_a = 5.
/// Group b: "The dog sat!"            -> the 1, dog 1, sat 1; n_b = 3.
/// Prior scale 1: alpha_w = pooled count, alpha_0 = N = 8.
fn fixture() -> Vec<WordScore> {
    let a = counts(&["The cat sat.", "the CAT"]);
    let b = counts(&["The dog sat!"]);
    fightin_words(&a, &b, 1.0, 1).unwrap()
}

fn close(x: f64, want: f64) {
    assert!((x - want).abs() < 1e-15, "{x} != {want}");
}

#[test]
fn hand_computed_z() {
    let s = fixture();
    let order: Vec<&str> = s.iter().map(|w| w.word.as_str()).collect();
    assert_eq!(order, ["cat", "the", "sat", "dog"]);
    let get = |w: &str| s.iter().find(|x| x.word == w).unwrap();

    // "cat": y_a = 2, y_b = 0, alpha = 2.
    //   a: (2 + 2) / (5 + 8 - 2 - 2) = 4/9;  b: (0 + 2) / (3 + 8 - 0 - 2) = 2/9
    //   delta = ln(4/9) - ln(2/9) = ln 2 = 0.693147180559945309...
    //   sigma^2 = 1/4 + 1/2 = 3/4;  z = ln 2 / sqrt(3/4) = 0.800377422568629118...
    let cat = get("cat");
    assert_eq!((cat.count_a, cat.count_b), (2, 0));
    close(cat.log_odds, std::f64::consts::LN_2);
    assert_eq!(cat.variance, 0.75);
    close(cat.z, 0.800_377_422_568_629_1);

    // "dog": y_a = 0, y_b = 1, alpha = 1.
    //   a: (0 + 1) / (5 + 8 - 0 - 1) = 1/12;  b: (1 + 1) / (3 + 8 - 1 - 1) = 2/9
    //   delta = ln(1/12) - ln(2/9) = ln(3/8) = -0.980829253011726236...
    //   sigma^2 = 1/1 + 1/2 = 3/2;  z = ln(3/8) / sqrt(3/2) = -0.800843731557970003...
    let dog = get("dog");
    assert_eq!((dog.count_a, dog.count_b), (0, 1));
    close(dog.log_odds, -0.980_829_253_011_726_2);
    assert_eq!(dog.variance, 1.5);
    close(dog.z, -0.800_843_731_557_97);

    // "the": a 5/8, b 4/7: delta = ln(35/32) = 0.0896121586896871326...,
    // sigma^2 = 1/5 + 1/4 = 0.45, z = 0.133585918960425940...
    close(get("the").z, 0.133_585_918_960_425_94);
    // "sat": a 3/10, b 3/8: delta = ln(4/5), sigma^2 = 2/3, z = -0.273293920056184278...
    close(get("sat").z, -0.273_293_920_056_184_3);
}

#[test]
fn tables_of_the_fixture() {
    let out = tables(&fixture(), 1, "model <A>", "b|c");
    let names: Vec<&str> = out.files.iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        [
            "keywords.csv",
            "keywords.md",
            "keywords.tex",
            "keywords.json"
        ]
    );
    let csv = &out.files[0].1;
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "word,count_a,count_b,log_odds,variance,z");
    // Full precision, in the documented order (ln(4/9) - ln(2/9) is one ulp
    // above ln 2 in f64).
    let delta = (4f64 / 9.0).ln() - (2f64 / 9.0).ln();
    assert_eq!(delta, 0.6931471805599454);
    assert_eq!(
        lines[1],
        format!("cat,2,0,{delta},0.75,{}", delta / 0.75f64.sqrt())
    );
    assert_eq!(lines.len(), 6); // header, 4 words, trailing empty
    assert!(lines[4].starts_with("dog,0,1,"));

    let md = &out.files[1].1;
    assert!(
        md.starts_with(
            "**Key words: model \\<A\\> vs b\\|c**\n\n\
         | rank | model \\<A\\> |    z | b\\|c |     z |\n\
         | ---: | :---------- | ---: | :--- | ----: |\n\
         |    1 | cat         | 0.80 | dog  | -0.80 |\n"
        ),
        "{md}"
    );
    let tex = &out.files[2].1;
    assert!(tex.contains("model \\textless{}A\\textgreater{}"), "{tex}");
    let json = &out.files[3].1;
    assert!(json.contains("{\"group\": \"model \\u003cA\\u003e\", \"rank\": 1, \"word\": \"cat\", \"count_a\": 2, \"count_b\": 0,"), "{json}");
    assert!(
        json.contains("\"group\": \"b|c\", \"rank\": 1, \"word\": \"dog\""),
        "{json}"
    );
}

#[test]
fn chart_escapes_and_is_deterministic() {
    let scores = fixture();
    let svg = chart_svg(&scores, 2, "<script>alert(1)</script>", "b & \"c\"");
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(svg.contains("More typical of b &amp; &quot;c&quot;"));
    // Font 11 + 17 |z| / max|z|: dog (the largest, 0.8008) 28px, cat
    // (0.8004) 27.99 -> 28.0, the (0.1336) 13.84 -> 13.8.
    assert!(svg.contains("font-size=\"28.0\" fill=\"#b2182b\"><title>dog: z = -0.80 (a: 0, b: 1)</title>dog</text>"), "{svg}");
    assert!(svg.contains("font-size=\"28.0\" fill=\"#2166ac\"><title>cat: z = 0.80 (a: 2, b: 0)</title>cat</text>"), "{svg}");
    assert!(svg.contains("font-size=\"13.8\" fill=\"#2166ac\"><title>the: z = 0.13 (a: 2, b: 1)</title>the</text>"), "{svg}");
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"164\"")
    );
    let mut reversed = scores.clone();
    reversed.reverse();
    assert_eq!(
        chart_svg(&reversed, 2, "<script>alert(1)</script>", "b & \"c\""),
        svg
    );
    // No words on a side: a placeholder, not an empty column.
    let only_b: Vec<WordScore> = scores.into_iter().filter(|s| s.z < 0.0).collect();
    assert!(chart_svg(&only_b, 5, "a", "b").contains("(no words)"));
}

#[test]
fn no_scores_render_empty_tables_and_chart() {
    let out = tables(&[], 5, "a", "b");
    assert_eq!(
        out.files[0].1,
        "word,count_a,count_b,log_odds,variance,z\r\n"
    );
    assert!(
        out.files[3].1.contains("\"rows\": []"),
        "{}",
        out.files[3].1
    );
    let svg = chart_svg(&[], 5, "a", "b");
    assert_eq!(svg.matches("(no words)").count(), 2);
    // top = 0 keeps the full CSV but no side rows.
    let zero = tables(&fixture(), 0, "a", "b");
    assert_eq!(zero.files[0].1.lines().count(), 5);
    assert!(!zero.files[1].1.contains("cat"));
}
