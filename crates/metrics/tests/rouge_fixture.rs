//! rouge-score 0.1.2 parity on the golden fixture
//! `tests/fixtures/metrics/rouge.jsonl` (written by
//! `scripts/fixtures/make_metrics_fixtures.py` with the real rouge-score).
//! Every float is compared bit for bit: no tolerance.

use std::path::PathBuf;

use wildstat_metrics::rouge::rouge_tokens_naive;
use wildstat_metrics::tokenize::{tokenize, TokenStemmer};
use wildstat_metrics::{rouge_prepared, rouge_str, Preparer, Prf, Scratch, StemmerChoice};

/// The subset of JSON the fixture uses: objects, arrays, strings.
#[derive(Debug)]
enum Json {
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, b: u8) {
        self.ws();
        assert_eq!(self.s[self.i], b, "at byte {}", self.i);
        self.i += 1;
    }
    fn hex4(&mut self) -> u32 {
        let h = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
        self.i += 4;
        u32::from_str_radix(h, 16).unwrap()
    }
    fn string(&mut self) -> String {
        self.eat(b'"');
        let mut out = String::new();
        loop {
            let b = self.s[self.i];
            self.i += 1;
            match b {
                b'"' => return out,
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut c = self.hex4();
                            if (0xD800..0xDC00).contains(&c) {
                                assert_eq!(&self.s[self.i..self.i + 2], b"\\u");
                                self.i += 2;
                                let lo = self.hex4();
                                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                            }
                            out.push(char::from_u32(c).expect("scalar value"));
                        }
                        _ => panic!("bad escape"),
                    }
                }
                _ => {
                    // Raw UTF-8 byte run: copy the whole character.
                    let start = self.i - 1;
                    let len = match b {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    self.i = start + len;
                    out.push_str(std::str::from_utf8(&self.s[start..self.i]).unwrap());
                }
            }
        }
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'"' => Json::Str(self.string()),
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(v);
                }
                loop {
                    v.push(self.value());
                    self.ws();
                    let b = self.s[self.i];
                    self.i += 1;
                    if b == b']' {
                        return Json::Arr(v);
                    }
                    assert_eq!(b, b',');
                }
            }
            b'{' => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    let k = self.string();
                    self.eat(b':');
                    v.push((k, self.value()));
                    self.ws();
                    let b = self.s[self.i];
                    self.i += 1;
                    if b == b'}' {
                        return Json::Obj(v);
                    }
                    assert_eq!(b, b',');
                }
            }
            c => panic!("unexpected {:?}", c as char),
        }
    }
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(v) => &v.iter().find(|(k, _)| k == key).expect(key).1,
            _ => panic!("not an object"),
        }
    }
    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("not a string"),
        }
    }
    /// A `[p, r, f]` triple of repr(float) strings.
    fn prf(&self) -> Prf {
        match self {
            Json::Arr(v) => {
                let f = |j: &Json| j.str().parse::<f64>().expect("float");
                Prf {
                    precision: f(&v[0]),
                    recall: f(&v[1]),
                    fmeasure: f(&v[2]),
                }
            }
            _ => panic!("not an array"),
        }
    }
}

struct Case {
    target: String,
    prediction: String,
    expected: [Prf; 3],
}

fn cases() -> Vec<Case> {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/metrics/rouge.jsonl");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .map(|line| {
            let j = Parser {
                s: line.as_bytes(),
                i: 0,
            }
            .value();
            Case {
                target: j.get("target").str().to_string(),
                prediction: j.get("prediction").str().to_string(),
                expected: [
                    j.get("rouge1").prf(),
                    j.get("rouge2").prf(),
                    j.get("rougeL").prf(),
                ],
            }
        })
        .collect()
}

fn bits(p: &Prf) -> [u64; 3] {
    [
        p.precision.to_bits(),
        p.recall.to_bits(),
        p.fmeasure.to_bits(),
    ]
}

fn check(name: &str, got: &[Prf; 3], c: &Case, bad: &mut Vec<String>) {
    for k in 0..3 {
        if bits(&got[k]) != bits(&c.expected[k]) {
            bad.push(format!(
                "{name} rouge[{k}] target={:.60?} prediction={:.60?}: want {:?} got {:?}",
                c.target, c.prediction, c.expected[k], got[k]
            ));
        }
    }
}

#[test]
fn prepared_path_matches_rouge_score_bitwise() {
    let cases = cases();
    assert!(cases.len() > 1500, "fixture too small");
    let prep = Preparer::rouge_only(StemmerChoice::Porter);
    let mut scratch = Scratch::new();
    let mut bad = Vec::new();
    for c in &cases {
        let t = prep.prepare(&c.target);
        let r = prep.prepare(&c.prediction);
        let got = rouge_prepared(&t, &r, &mut scratch);
        check("prepared", &got, c, &mut bad);
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

#[test]
fn naive_path_and_rouge_str_match_rouge_score_bitwise() {
    let stem = TokenStemmer::new(StemmerChoice::Porter);
    let mut bad = Vec::new();
    for c in cases()
        .iter()
        .filter(|c| c.target.len() + c.prediction.len() < 40_000)
    {
        let (t, p) = (tokenize(&c.target, &stem), tokenize(&c.prediction, &stem));
        check("naive", &rouge_tokens_naive(&t, &p), c, &mut bad);
        check(
            "rouge_str",
            &rouge_str(&c.target, &c.prediction),
            c,
            &mut bad,
        );
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

#[test]
fn fixture_covers_the_edge_cases() {
    // Guard against a regenerated fixture silently losing coverage.
    let cases = cases();
    let has = |f: &dyn Fn(&Case) -> bool| cases.iter().any(f);
    assert!(has(&|c| c.target.is_empty() && c.prediction.is_empty()));
    assert!(has(
        &|c| c.target.contains('İ') && c.target.contains('\u{212A}')
    ));
    assert!(has(&|c| c.target.split_whitespace().count() >= 20_000));
    assert!(has(
        &|c| c.expected[2].fmeasure == 0.0 && !c.target.is_empty()
    ));
}
