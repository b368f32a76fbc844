//! A minimal JSON reader for the test fixtures and the parity examples
//! (objects, arrays and strings only: all that those files contain).
//! Shared by `#[path]` inclusion, so the crate needs no JSON dependency.

#![allow(dead_code)]

use wildstat_metrics::Prf;

/// The subset of JSON the fixture uses: objects, arrays, strings.
#[derive(Debug)]
pub enum Json {
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

pub struct Parser<'a> {
    pub s: &'a [u8],
    pub i: usize,
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
    pub fn value(&mut self) -> Json {
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
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(v) => &v.iter().find(|(k, _)| k == key).expect(key).1,
            _ => panic!("not an object"),
        }
    }
    pub fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("not a string"),
        }
    }
    /// A `[p, r, f]` triple of repr(float) strings.
    pub fn prf(&self) -> Prf {
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

/// Parses one JSON value from `line`.
pub fn parse(line: &str) -> Json {
    Parser {
        s: line.as_bytes(),
        i: 0,
    }
    .value()
}
