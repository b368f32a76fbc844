//! Fixture loading for the style tests: a minimal JSON reader (the crate has
//! no JSON dependency) and the reference cases of
//! `tests/fixtures/style/cases.jsonl` (made by
//! `scripts/fixtures/make_style_fixtures.py` from markdown-it-py + BeautifulSoup).

#![allow(dead_code)]

use std::collections::BTreeMap;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    pub fn get(&self, k: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.get(k),
            _ => None,
        }
    }
    pub fn as_u64(&self) -> u64 {
        match self {
            Json::Num(n) => *n as u64,
            other => panic!("not a number: {other:?}"),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                loop {
                    self.ws();
                    if self.s[self.i] == b'}' {
                        self.i += 1;
                        return Json::Obj(m);
                    }
                    let k = match self.value() {
                        Json::Str(k) => k,
                        v => panic!("object key {v:?}"),
                    };
                    self.ws();
                    assert_eq!(self.s[self.i], b':');
                    self.i += 1;
                    let v = self.value();
                    m.insert(k, v);
                    self.ws();
                    if self.s[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                loop {
                    self.ws();
                    if self.s[self.i] == b']' {
                        self.i += 1;
                        return Json::Arr(a);
                    }
                    a.push(self.value());
                    self.ws();
                    if self.s[self.i] == b',' {
                        self.i += 1;
                    }
                }
            }
            b'"' => Json::Str(self.string()),
            b't' => {
                self.i += 4;
                Json::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Json::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let st = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[st..self.i]).unwrap();
                Json::Num(t.parse().unwrap_or_else(|_| panic!("bad number {t}")))
            }
        }
    }
    fn hex4(&mut self) -> u32 {
        let h = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
        self.i += 4;
        u32::from_str_radix(h, 16).unwrap()
    }
    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).unwrap(),
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let v = self.hex4();
                            if (0xD800..0xDC00).contains(&v) {
                                assert_eq!(&self.s[self.i..self.i + 2], b"\\u");
                                self.i += 2;
                                let lo = self.hex4();
                                char::from_u32(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                                    .unwrap()
                            } else {
                                char::from_u32(v).unwrap()
                            }
                        }
                        _ => panic!("bad escape"),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}

/// Parse one JSON document.
pub fn parse_json(s: &str) -> Json {
    P {
        s: s.as_bytes(),
        i: 0,
    }
    .value()
}

/// One reference case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub text: String,
    pub repeat: usize,
    pub json: Json,
}

impl Case {
    /// The full text (`text * repeat`).
    pub fn full_text(&self) -> String {
        self.text.repeat(self.repeat)
    }
    /// Reference count of element `tag`.
    pub fn count(&self, tag: &str) -> u64 {
        self.json.get("counts").unwrap().get(tag).unwrap().as_u64()
    }
    /// Reference value of a top-level integer field.
    pub fn field(&self, k: &str) -> u64 {
        self.json.get(k).unwrap().as_u64()
    }
    /// Reference code blocks by language.
    pub fn langs(&self) -> BTreeMap<String, u64> {
        match self.json.get("code_langs").unwrap() {
            Json::Obj(m) => m.iter().map(|(k, v)| (k.clone(), v.as_u64())).collect(),
            _ => panic!(),
        }
    }
}

/// All cases of `tests/fixtures/style/cases.jsonl`.
pub fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/style/cases.jsonl"
    );
    let data = std::fs::read_to_string(path).expect("read cases.jsonl");
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let json = parse_json(l);
            Case {
                name: json.get("name").unwrap().as_str().to_string(),
                text: json.get("text").unwrap().as_str().to_string(),
                repeat: json.get("repeat").map(|r| r.as_u64() as usize).unwrap_or(1),
                json,
            }
        })
        .collect()
}

/// Small cases only (the multi-megabyte one has its own test).
pub fn small_cases() -> Vec<Case> {
    cases().into_iter().filter(|c| c.repeat == 1).collect()
}
