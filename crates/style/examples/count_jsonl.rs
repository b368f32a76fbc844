//! Read JSON Lines from stdin, one JSON string (a response text) per line, and
//! write one JSON object of [`wildstat_style::StyleCounts`] per line to stdout.
//!
//! `--bench`: write nothing, report responses/s of `count` (one thread) on stderr.
//! `--html`: write the rendered HTML (as a JSON string) instead of counts.
//! `--scan-html`: treat each text as HTML and write only its element counts
//! as BeautifulSoup's `html.parser` sees them (plus `"rejected"`).

use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;
use wildstat_style::{count, render, StyleCounts};

/// Decode one JSON string literal (the whole line, surrounding whitespace allowed).
fn parse_json_string(line: &str) -> Result<String, String> {
    let s = line.trim();
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'"' || b[b.len() - 1] != b'"' {
        return Err("line is not a JSON string".into());
    }
    let body = &s[1..s.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let mut pending_high: Option<u32> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            if let Some(h) = pending_high.take() {
                let _ = h;
                out.push('\u{FFFD}');
            }
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or("dangling backslash")?;
        let ch = match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                if (0xD800..0xDC00).contains(&v) {
                    if pending_high.replace(v).is_some() {
                        out.push('\u{FFFD}');
                    }
                    continue;
                }
                if (0xDC00..0xE000).contains(&v) {
                    match pending_high.take() {
                        Some(h) => {
                            let cp = 0x10000 + ((h - 0xD800) << 10) + (v - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        None => out.push('\u{FFFD}'),
                    }
                    continue;
                }
                char::from_u32(v).unwrap_or('\u{FFFD}')
            }
            _ => return Err(format!("bad escape \\{e}")),
        };
        if pending_high.take().is_some() {
            out.push('\u{FFFD}');
        }
        out.push(ch);
    }
    if pending_high.is_some() {
        out.push('\u{FFFD}');
    }
    Ok(out)
}

fn write_json_string(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    w.write_all(b"\"")?;
    for c in s.chars() {
        match c {
            '"' => w.write_all(b"\\\"")?,
            '\\' => w.write_all(b"\\\\")?,
            '\n' => w.write_all(b"\\n")?,
            c if (c as u32) < 0x20 => write!(w, "\\u{:04x}", c as u32)?,
            c => write!(w, "{c}")?,
        }
    }
    w.write_all(b"\"")
}

fn write_counts(w: &mut impl Write, c: &StyleCounts) -> std::io::Result<()> {
    w.write_all(b"{")?;
    for (i, name) in StyleCounts::ELEMENTS.iter().enumerate() {
        write!(w, "\"{name}\":{},", c.element(i))?;
    }
    write!(
        w,
        "\"len\":{},\"words\":{},\"lines\":{},\"code_blocks\":{},\"list_depth\":{},\"code_langs\":{{",
        c.len, c.words, c.lines, c.code_blocks, c.list_depth
    )?;
    for (i, (k, v)) in c.code_langs.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_json_string(w, k)?;
        write!(w, ":{v}")?;
    }
    w.write_all(b"}}\n")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let html = args.iter().any(|a| a == "--html");
    let scan_html = args.iter().any(|a| a == "--scan-html");
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut texts = Vec::new();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.expect("read stdin");
        match parse_json_string(&line) {
            Ok(t) => texts.push(t),
            Err(e) => {
                eprintln!("line {}: {e}", n + 1);
                std::process::exit(2);
            }
        }
    }
    if bench {
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        let t0 = Instant::now();
        let mut total = StyleCounts::default();
        for t in &texts {
            total.merge(&count(t));
        }
        let dt = t0.elapsed().as_secs_f64();
        eprintln!(
            "{} responses ({:.1} MB) in {:.3}s: {:.0} responses/s, {:.1} MB/s (p={})",
            texts.len(),
            bytes as f64 / 1e6,
            dt,
            texts.len() as f64 / dt,
            bytes as f64 / 1e6 / dt,
            total.p
        );
        return;
    }
    for t in &texts {
        if scan_html {
            let (c, rejected) = wildstat_style::count_html_elements(t);
            out.write_all(b"{").unwrap();
            for (i, name) in StyleCounts::ELEMENTS.iter().enumerate() {
                write!(out, "\"{name}\":{},", c[i]).unwrap();
            }
            writeln!(out, "\"rejected\":{rejected}}}").unwrap();
        } else if html {
            let mut h = String::new();
            render::render_html(t, &mut h);
            write_json_string(&mut out, &h).unwrap();
            out.write_all(b"\n").unwrap();
        } else {
            write_counts(&mut out, &count(t)).unwrap();
        }
    }
}
