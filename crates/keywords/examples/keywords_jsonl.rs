//! Key words of two JSON Lines files of texts, for parity checks before the
//! CLI stage exists.
//!
//! usage: keywords_jsonl A.jsonl B.jsonl OUT_DIR [--prior-scale S]
//!        [--min-count N] [--top K] [--stopwords] [--threads T]
//!        [--label-a NAME] [--label-b NAME]
//!
//! Each line of A and B is `{"text": "..."}` (blank lines are skipped).
//! Writes keywords.csv, .md, .tex, .json and keywords.svg into OUT_DIR and
//! reports timings on stderr: reading, counting (T threads, one `Counts`
//! per contiguous chunk, merged), scoring; wall time, and the process's
//! CPU time (Linux `/proc/self/stat`, 10 ms ticks), which a busy machine
//! does not inflate.

use std::path::{Path, PathBuf};
use std::time::Instant;

use wildstat_keywords::{chart_svg, fightin_words, tables, Counts, Stopwords};

struct Args {
    a: PathBuf,
    b: PathBuf,
    out: PathBuf,
    prior_scale: f64,
    min_count: u64,
    top: usize,
    stopwords: bool,
    threads: usize,
    label_a: String,
    label_b: String,
}

fn parse_args() -> Result<Args, String> {
    let mut pos = Vec::new();
    let mut args = Args {
        a: PathBuf::new(),
        b: PathBuf::new(),
        out: PathBuf::new(),
        prior_scale: 1.0,
        min_count: 1,
        top: 20,
        stopwords: false,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        label_a: "a".into(),
        label_b: "b".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let num = |name: &str, v: String| format!("{name}: not a number: {v:?}");
        match x.as_str() {
            "--prior-scale" => {
                let v = val(&x)?;
                args.prior_scale = v.parse().map_err(|_| num(&x, v))?
            }
            "--min-count" => {
                let v = val(&x)?;
                args.min_count = v.parse().map_err(|_| num(&x, v))?
            }
            "--top" => {
                let v = val(&x)?;
                args.top = v.parse().map_err(|_| num(&x, v))?
            }
            "--threads" => {
                let v = val(&x)?;
                args.threads = v.parse().map_err(|_| num(&x, v))?
            }
            "--label-a" => args.label_a = val(&x)?,
            "--label-b" => args.label_b = val(&x)?,
            "--stopwords" => args.stopwords = true,
            _ if x.starts_with("--") => return Err(format!("unknown option {x}")),
            _ => pos.push(PathBuf::from(x)),
        }
    }
    let [a, b, out]: [PathBuf; 3] = pos
        .try_into()
        .map_err(|_| "usage: keywords_jsonl A.jsonl B.jsonl OUT_DIR [options]".to_string())?;
    (args.a, args.b, args.out) = (a, b, out);
    args.threads = args.threads.max(1);
    Ok(args)
}

/// CPU seconds (user + system, all threads) used by this process so far,
/// if `/proc/self/stat` can be read (Linux; clock ticks of 10 ms).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, 12th and 13th after the name.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The `text` field of every non-blank line.
fn read_texts(path: &Path) -> Result<Vec<String>, String> {
    let data = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut texts = Vec::new();
    for (i, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: not JSON: {e}", path.display(), i + 1))?;
        match v.get("text").and_then(|t| t.as_str()) {
            Some(t) => texts.push(t.to_string()),
            None => {
                return Err(format!(
                    "{}:{}: field \"text\" is missing or not a string",
                    path.display(),
                    i + 1
                ))
            }
        }
    }
    Ok(texts)
}

/// Counts `texts` in `threads` contiguous chunks, merged in chunk order.
fn count(texts: &[String], threads: usize, stop: Option<&Stopwords>) -> Counts {
    let chunk = texts.len().div_ceil(threads).max(1);
    let parts: Vec<Counts> = std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|ch| {
                s.spawn(move || {
                    let mut c = Counts::new();
                    for t in ch {
                        c.add_text(t, stop);
                    }
                    c
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("counting thread panicked"))
            .collect()
    });
    let mut total = Counts::new();
    for p in &parts {
        total.merge(p);
    }
    total
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let t0 = Instant::now();
    let (ta, tb) = (read_texts(&args.a)?, read_texts(&args.b)?);
    let bytes: usize = ta.iter().chain(&tb).map(String::len).sum();
    let t1 = Instant::now();
    let c1 = cpu_seconds();
    let stop = args.stopwords.then(Stopwords::english);
    let (ca, cb) = (
        count(&ta, args.threads, stop.as_ref()),
        count(&tb, args.threads, stop.as_ref()),
    );
    let t2 = Instant::now();
    let c2 = cpu_seconds();
    let scores = fightin_words(&ca, &cb, args.prior_scale, args.min_count)?;
    let t3 = Instant::now();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create: {e}", args.out.display()))?;
    let mut files = tables(&scores, args.top, &args.label_a, &args.label_b).files;
    files.push((
        "keywords.svg",
        chart_svg(&scores, args.top, &args.label_a, &args.label_b),
    ));
    for (name, body) in files {
        let p = args.out.join(name);
        std::fs::write(&p, body).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
    }
    eprintln!(
        "{} + {} texts, {:.1} MB; words a {} ({} distinct), b {} ({} distinct); {} scored",
        ta.len(),
        tb.len(),
        bytes as f64 / 1e6,
        ca.total(),
        ca.distinct(),
        cb.total(),
        cb.distinct(),
        scores.len()
    );
    let cpu = match (c1, c2) {
        (Some(x), Some(y)) => format!("{:.2}", y - x),
        _ => "n/a".into(),
    };
    eprintln!(
        "read {:.3} s, count {:.3} s wall, {cpu} s CPU ({} threads, {:.0} MB/s wall), score {:.3} s",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        args.threads,
        bytes as f64 / 1e6 / (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64()
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("keywords_jsonl: {e}");
        std::process::exit(1);
    }
}
