//! Minimal reader for the flat JSON-lines records used by the METEOR
//! fixtures and `examples/meteor_pairs.rs` (objects whose values are
//! strings, numbers or arrays of strings). Shared via `#[path]`.
#![allow(dead_code)]

/// A JSON value of the subset used by the METEOR fixtures.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (escapes decoded, surrogate pairs joined).
    Str(String),
    /// A number, parsed as f64 (shortest round-trip text is exact).
    Num(f64),
    /// An array of values.
    Arr(Vec<Value>),
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(x) => Some(*x),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", b as char, self.i))
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or("truncated \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16)
            .map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let e = *self.s.get(self.i + 1).ok_or("truncated escape")?;
                    self.i += 2;
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
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.s.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(format!("bad escape at byte {}", self.i)),
                    }
                }
                _ => return Err("unterminated string".into()),
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Arr(items));
                        }
                        _ => return Err(format!("bad array at byte {}", self.i)),
                    }
                }
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                t.parse()
                    .map(Value::Num)
                    .map_err(|_| format!("bad number {t:?}"))
            }
        }
    }
}

/// Parses one JSON object line into (key, value) pairs in order.
pub fn parse_object(line: &str) -> Result<Vec<(String, Value)>, String> {
    let mut p = Parser {
        s: line.as_bytes(),
        i: 0,
    };
    p.eat(b'{')?;
    let mut out = Vec::new();
    p.ws();
    if p.s.get(p.i) == Some(&b'}') {
        return Ok(out);
    }
    loop {
        let k = p.string()?;
        p.eat(b':')?;
        let v = p.value()?;
        out.push((k, v));
        p.ws();
        match p.s.get(p.i) {
            Some(b',') => p.i += 1,
            Some(b'}') => return Ok(out),
            _ => return Err(format!("bad object at byte {}", p.i)),
        }
    }
}

/// The value of `key` in a parsed object.
pub fn get<'a>(obj: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    obj.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[test]
fn parses_escapes_numbers_and_arrays() {
    let o = parse_object(r#"{"a": "x\u00e9\ud83d\ude00\n\"", "b": 0.12820512820512822, "c": ["p", "q"], "d": 1e-07}"#)
        .unwrap();
    assert_eq!(get(&o, "a").unwrap().as_str(), Some("x\u{e9}\u{1f600}\n\""));
    assert_eq!(get(&o, "b").unwrap().as_f64(), Some(0.12820512820512822));
    assert_eq!(
        get(&o, "c"),
        Some(&Value::Arr(vec![
            Value::Str("p".into()),
            Value::Str("q".into())
        ]))
    );
    assert_eq!(get(&o, "d").unwrap().as_f64(), Some(1e-7));
    assert!(parse_object("{\"a\": }").is_err());
}
