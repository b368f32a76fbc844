//! JSON and JSON Lines inputs: splitting a file into chunks of whole records
//! at open time, and handing each record of a chunk to a decoder.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

use crate::layout::Kind;
use crate::{Error, Result};

/// Target bytes of one JSON chunk (a unit of parallel work).
const CHUNK_BYTES: u64 = 4 << 20;
/// Bytes read at a time while indexing.
const BLOCK: usize = 1 << 20;

/// JSON Lines or one JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Lines,
    Array,
}

/// Compression of a JSON file, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn of_magic(m: &[u8]) -> Compression {
        if m.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if m.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// A run of whole records: bytes `start..end` of the (uncompressed) file,
/// the line its first record starts on and how many records it holds.
/// A compressed file is one chunk covering the whole file, rows not counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub start: u64,
    pub end: u64,
    pub first_line: u64,
    pub rows: u64,
}

/// Top-level fields of a record and their kinds.
pub(crate) type Fields = Vec<(String, Kind)>;

/// User turns by question id, from a `--questions` file.
pub(crate) type Questions = HashMap<String, Vec<String>>;

/// Splits the top-level elements of a JSON array (or, from depth 1, a run
/// of elements) out of a byte stream fed in pieces. Strings are skipped with
/// `memchr`, so the scan runs at memory speed on text-heavy records.
pub(crate) struct ArrayScanner {
    depth: u32,
    in_str: bool,
    escape: bool,
    line: u64,
    start: Option<(u64, u64)>,
    closed: bool,
}

impl ArrayScanner {
    /// A scanner at the start of a file (`inside` false) or inside the
    /// array, at the first element of a chunk starting on `line`.
    pub(crate) fn new(inside: bool, line: u64) -> Self {
        ArrayScanner {
            depth: u32::from(inside),
            in_str: false,
            escape: false,
            line,
            start: None,
            closed: false,
        }
    }

    /// Feeds `buf`, found at byte `base` of the stream; calls `f(start, end,
    /// line)` for each complete element. Returns an error message for bytes
    /// that cannot start or continue an array.
    pub(crate) fn feed(
        &mut self,
        buf: &[u8],
        base: u64,
        f: &mut dyn FnMut(u64, u64, u64) -> Result<()>,
        path: &Path,
    ) -> Result<()> {
        let mut i = 0;
        while i < buf.len() {
            if self.in_str {
                if self.escape {
                    self.escape = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                    None => return Ok(()),
                    Some(k) => {
                        i += k;
                        if buf[i] == b'\\' {
                            self.escape = true;
                        } else {
                            self.in_str = false;
                        }
                        i += 1;
                        continue;
                    }
                }
            }
            let b = buf[i];
            let at = base + i as u64;
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ if self.closed => {
                    return Err(Error::file(path, "data after the end of the JSON array")
                        .at_line(self.line))
                }
                b'[' if self.depth == 0 => self.depth = 1,
                _ if self.depth == 0 => {
                    return Err(Error::file(path, "expected a JSON array").at_line(self.line))
                }
                b',' if self.depth == 1 => {
                    if let Some((s, l)) = self.start.take() {
                        f(s, at, l)?;
                    }
                }
                b']' | b'}' => {
                    if self.depth == 1 {
                        if let Some((s, l)) = self.start.take() {
                            f(s, at, l)?;
                        }
                        self.closed = true;
                        self.depth = 0;
                    } else {
                        self.depth -= 1;
                        if self.depth == 1 {
                            if let Some((s, l)) = self.start.take() {
                                f(s, at + 1, l)?;
                            }
                        }
                    }
                }
                _ => {
                    if self.depth == 1 && self.start.is_none() {
                        self.start = Some((at, self.line));
                    }
                    match b {
                        b'"' => self.in_str = true,
                        b'[' | b'{' => self.depth += 1,
                        _ => {}
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Ends the stream: emits a last element not followed by `,` or `]`.
    pub(crate) fn finish(
        &mut self,
        end: u64,
        f: &mut dyn FnMut(u64, u64, u64) -> Result<()>,
    ) -> Result<()> {
        if let Some((s, l)) = self.start.take() {
            f(s, end, l)?;
        }
        Ok(())
    }
}

/// Skips a UTF-8 byte order mark.
pub(crate) fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

fn decoder<'a>(file: &'a mut File, c: Compression, path: &Path) -> Result<Box<dyn Read + 'a>> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    Ok(match c {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(file)
                .map_err(|e| Error::file(path, format!("cannot read zstd: {e}")))?,
        ),
    })
}

fn parse(path: &Path, bytes: &[u8], line: u64) -> Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::file(path, format!("invalid JSON: {e}")).at_line(line))
}

fn top_fields(path: &Path, v: &Value, line: u64) -> Result<Vec<(String, Kind)>> {
    match v {
        Value::Object(m) => Ok(m
            .iter()
            .map(|(k, v)| (k.clone(), Kind::of_json(v)))
            .collect()),
        _ => Err(Error::file(path, "expected a JSON object per record").at_line(line)),
    }
}

/// Indexes a JSON file: its kind (lines or array), its chunks and the
/// top-level fields of its first record (for layout detection). An
/// uncompressed file is scanned once; a compressed one is decompressed only
/// up to its first record and makes a single chunk.
pub(crate) fn index(
    path: &Path,
    file: &mut File,
    c: Compression,
) -> Result<(JsonKind, Vec<Chunk>, Fields)> {
    let io = |e: std::io::Error| Error::file(path, format!("cannot read: {e}"));
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut r = BufReader::with_capacity(BLOCK, decoder(file, c, path)?);
    // The kind, from the first byte that is not a BOM or whitespace.
    let mut offset = 0u64;
    let mut line = 1u64;
    let kind = loop {
        let buf = r.fill_buf().map_err(io)?;
        if buf.is_empty() {
            return Err(Error::file(path, "no JSON records (the file is blank)"));
        }
        let mut n = 0;
        if offset == 0 && buf.starts_with(b"\xef\xbb\xbf") {
            n = 3;
        }
        let mut found = None;
        for &b in &buf[n..] {
            match b {
                b'\n' => line += 1,
                b' ' | b'\t' | b'\r' => {}
                b'[' => found = Some(JsonKind::Array),
                b'{' => found = Some(JsonKind::Lines),
                _ => {
                    return Err(Error::file(
                        path,
                        "not Parquet or JSON (expected a JSON array or one object per line)",
                    )
                    .at_line(line))
                }
            }
            if found.is_some() {
                break;
            }
            n += 1;
        }
        offset += n as u64;
        r.consume(n);
        if let Some(k) = found {
            break k;
        }
    };
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut first: Option<Vec<(String, Kind)>> = None;
    let mut cur: Option<Chunk> = None;
    let compressed = c != Compression::None;
    match kind {
        JsonKind::Lines => {
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = r.read_until(b'\n', &mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                let (start, end) = (offset, offset + n as u64);
                offset = end;
                let this = line;
                line += 1;
                if buf.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                if first.is_none() {
                    first = Some(top_fields(path, &parse(path, &buf, this)?, this)?);
                    if compressed {
                        break;
                    }
                }
                add(&mut cur, &mut chunks, start, end, this);
            }
        }
        JsonKind::Array => {
            let mut sc = ArrayScanner::new(false, line);
            let mut pending: Vec<u8> = Vec::new();
            let mut firsts: Option<(u64, u64, u64)> = None;
            let mut spans: Vec<(u64, u64, u64)> = Vec::new();
            loop {
                let buf = r.fill_buf().map_err(io)?;
                if buf.is_empty() {
                    break;
                }
                let n = buf.len();
                if first.is_none() {
                    pending.extend_from_slice(buf);
                }
                sc.feed(
                    buf,
                    offset,
                    &mut |s, e, l| {
                        firsts.get_or_insert((s, e, l));
                        spans.push((s, e, l));
                        Ok(())
                    },
                    path,
                )?;
                offset += n as u64;
                r.consume(n);
                if first.is_none() {
                    if let Some((s, e, l)) = firsts {
                        let base = offset - pending.len() as u64;
                        let bytes = &pending[(s - base) as usize..(e - base) as usize];
                        first = Some(top_fields(path, &parse(path, bytes, l)?, l)?);
                        pending = Vec::new();
                        if compressed {
                            break;
                        }
                    }
                }
                for (s, e, l) in spans.drain(..) {
                    add(&mut cur, &mut chunks, s, e, l);
                }
            }
            if !compressed {
                sc.finish(offset, &mut |s, e, l| {
                    add(&mut cur, &mut chunks, s, e, l);
                    Ok(())
                })?;
            }
        }
    }
    let Some(first) = first else {
        return Err(Error::file(path, "no JSON records"));
    };
    if compressed {
        chunks = vec![Chunk {
            start: 0,
            end: size,
            first_line: 1,
            rows: 0,
        }];
    } else if let Some(c) = cur {
        chunks.push(c);
    }
    Ok((kind, chunks, first))
}

/// Adds record `start..end` (starting on `line`) to the open chunk, closing
/// it first when full.
fn add(cur: &mut Option<Chunk>, chunks: &mut Vec<Chunk>, start: u64, end: u64, line: u64) {
    if let Some(c) = cur {
        if c.end - c.start < CHUNK_BYTES {
            c.end = end;
            c.rows += 1;
            return;
        }
        chunks.push(cur.take().expect("checked"));
    }
    *cur = Some(Chunk {
        start,
        end,
        first_line: line,
        rows: 1,
    });
}

/// Calls `f(line, record)` for every record of chunk `chunk` of a JSON file,
/// in file order. Only the chunk's bytes are held (a compressed file is
/// decompressed once, whole).
pub(crate) fn for_each_record(
    path: &Path,
    kind: JsonKind,
    c: Compression,
    chunk: &Chunk,
    f: &mut dyn FnMut(u64, Value) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::file(path, format!("cannot read: {e}"));
    let mut file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    let mut buf = Vec::new();
    let whole = c != Compression::None;
    if whole {
        decoder(&mut file, c, path)?
            .read_to_end(&mut buf)
            .map_err(io)?;
    } else {
        buf.resize((chunk.end - chunk.start) as usize, 0);
        file.seek(SeekFrom::Start(chunk.start)).map_err(io)?;
        file.read_exact(&mut buf).map_err(io)?;
    }
    let bytes: &[u8] = if whole { strip_bom(&buf) } else { &buf };
    match kind {
        JsonKind::Lines => {
            for (line, l) in (chunk.first_line..).zip(bytes.split(|&b| b == b'\n')) {
                if !l.iter().all(|b| b.is_ascii_whitespace()) {
                    f(line, parse(path, l, line)?)?;
                }
            }
        }
        JsonKind::Array => {
            let mut sc = ArrayScanner::new(!whole, chunk.first_line);
            let mut each = |s: u64, e: u64, l: u64| -> Result<()> {
                f(l, parse(path, &bytes[s as usize..e as usize], l)?)
            };
            sc.feed(bytes, 0, &mut each, path)?;
            sc.finish(bytes.len() as u64, &mut each)?;
        }
    }
    Ok(())
}

/// The text of a turn given as a string or as `{key: string}`.
pub(crate) fn turn_text<'a>(v: &'a Value, key: &str) -> std::result::Result<Option<&'a str>, ()> {
    match v {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        Value::Object(m) => match m.get(key) {
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Null) | None => Ok(None),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// An id value as text: a string, or an integer written in decimal.
pub(crate) fn id_text(v: &Value) -> std::result::Result<Option<String>, ()> {
    match v {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Value::Null => Ok(None),
        _ => Err(()),
    }
}

/// Reads a `--questions` file: JSON Lines of `{question_id | uid | id,
/// turns: [string | {content}]}` or `{..., prompt: string}`.
pub(crate) fn read_questions(path: &Path) -> Result<Questions> {
    let text = std::fs::read(path)
        .map_err(|e| Error::file(path, format!("cannot read questions: {e}")))?;
    let mut out = Questions::new();
    for (i, l) in strip_bom(&text).split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        if l.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let v = parse(path, l, line)?;
        let bad = |what: &str| Error::file(path, what.to_string()).at_line(line);
        let id = ["question_id", "uid", "id"]
            .iter()
            .find_map(|k| v.get(k))
            .ok_or_else(|| bad("a question needs question_id, uid or id"))?;
        let id = id_text(id)
            .ok()
            .flatten()
            .ok_or_else(|| bad("question id must be a string or integer"))?;
        let turns: Vec<String> = match (v.get("turns"), v.get("prompt")) {
            (Some(Value::Array(ts)), _) => ts
                .iter()
                .map(|t| match turn_text(t, "content") {
                    Ok(Some(s)) => Ok(s.to_string()),
                    _ => Err(bad("question turns must be strings or {content: string}")),
                })
                .collect::<Result<_>>()?,
            (_, Some(Value::String(p))) => vec![p.clone()],
            _ => return Err(bad("a question needs turns (a list) or prompt (a string)")),
        };
        out.insert(id, turns);
    }
    Ok(out)
}
