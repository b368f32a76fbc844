//! `wildstat inspect INPUT...`: what a corpus holds before any stage runs:
//! the schema found, files, rows, models with response counts, languages,
//! and the share of empty and null responses.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use rayon::prelude::*;
use wildstat_reader::{read_unit, UnitStats};

use wildstat_engine::input::{open, InputArgs, Inputs, Select};
use wildstat_engine::progress::{human_bytes, Progress};
use wildstat_engine::Result;

/// Show the schema, files, rows, models, languages and empty/null shares of
/// a corpus.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
}

/// Per-model counts.
#[derive(Debug, Default, Clone)]
struct ModelCounts {
    responses: u64,
    /// Distinct conversation ids.
    conversations: HashSet<String>,
    empty: u64,
    chars: u64,
}

/// Everything inspect counts, merged across units by addition.
#[derive(Debug, Default)]
struct Summary {
    models: BTreeMap<String, ModelCounts>,
    /// Distinct conversation ids per language.
    languages: BTreeMap<String, HashSet<String>>,
    stats: UnitStats,
}

impl Summary {
    fn merge(&mut self, o: Summary) {
        for (m, c) in o.models {
            let e = self.models.entry(m).or_default();
            e.responses += c.responses;
            e.conversations.extend(c.conversations);
            e.empty += c.empty;
            e.chars += c.chars;
        }
        for (l, ids) in o.languages {
            self.languages.entry(l).or_default().extend(ids);
        }
        self.stats.merge(&o.stats);
    }
}

/// Runs `inspect`.
pub fn run(args: Args) -> Result<()> {
    print(&args.input, args.quiet)
}

/// Prints the summary of `input` (also a pipeline's `inspect` stage).
pub fn print(input: &InputArgs, quiet: bool) -> Result<()> {
    let inputs = open(&input.inputs, &input.select)?;
    let summary = summarize(&inputs, quiet)?;
    print!("{}", render(&inputs, &summary, &input.select));
    Ok(())
}

fn summarize(inputs: &Inputs, quiet: bool) -> Result<Summary> {
    let (rows, _) = inputs.totals(&inputs.units);
    let progress = Progress::new("inspect", "rows", rows, quiet);
    let parts: Vec<Summary> = inputs
        .units
        .par_iter()
        .map(|&u| {
            let f = &inputs.files[u.file];
            let (responses, stats) = read_unit(f, u, &inputs.selection)?;
            let mut s = Summary {
                stats,
                ..Summary::default()
            };
            for r in &responses {
                let c = s.models.entry(r.model.to_string()).or_default();
                c.responses += 1;
                c.chars += r.text.chars().count() as u64;
                if r.text.trim().is_empty() {
                    c.empty += 1;
                }
                if !c.conversations.contains(&r.conversation_hash) {
                    c.conversations.insert(r.conversation_hash.clone());
                }
                let lang = r.language.as_deref().unwrap_or("(none)");
                let ids = s.languages.entry(lang.to_string()).or_default();
                if !ids.contains(&r.conversation_hash) {
                    ids.insert(r.conversation_hash.clone());
                }
            }
            progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
            Ok(s)
        })
        .collect::<Result<_>>()?;
    progress.finish();
    let mut total = Summary::default();
    for p in parts {
        total.merge(p);
    }
    Ok(total)
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "n/a".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

fn render(inputs: &Inputs, s: &Summary, args: &Select) -> String {
    let mut o = String::new();
    let (_, bytes) = inputs.totals(&inputs.units);
    let _ = writeln!(
        o,
        "inputs: {} files, {} row groups, {} rows, {} to read (projected columns only)",
        inputs.files.len(),
        inputs.units.len(),
        s.stats.rows,
        human_bytes(bytes)
    );
    let mut layouts: BTreeMap<String, usize> = BTreeMap::new();
    for f in &inputs.files {
        *layouts.entry(f.layout.describe()).or_default() += 1;
    }
    for (d, n) in &layouts {
        let _ = writeln!(o, "schema: {d}: {n} file{}", if *n == 1 { "" } else { "s" });
    }
    let turns = match args.turns {
        wildstat_reader::Turns::First => "first assistant turn",
        wildstat_reader::Turns::All => "all assistant turns",
    };
    let st = &s.stats;
    let _ = writeln!(
        o,
        "responses: {} ({turns}) from {} models; empty {} ({}), null content {} ({})",
        st.responses,
        s.models.len(),
        st.empty,
        pct(st.empty, st.responses),
        st.null_content,
        pct(st.null_content, st.responses + st.null_content)
    );
    let _ = writeln!(
        o,
        "skipped rows: no assistant turn {}, null id {}, null model {}, not selected {}",
        st.no_assistant, st.null_id, st.null_model, st.filtered
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| model | responses | conversations | empty | mean chars |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|");
    for (m, c) in &s.models {
        let mean = if c.responses > 0 {
            c.chars as f64 / c.responses as f64
        } else {
            0.0
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {:.1} |",
            m.replace('|', "\\|"),
            c.responses,
            c.conversations.len(),
            c.empty,
            mean
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "| language | conversations (distinct ids) |");
    let _ = writeln!(o, "|---|---:|");
    let mut langs: Vec<(&String, usize)> =
        s.languages.iter().map(|(l, ids)| (l, ids.len())).collect();
    langs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (l, n) in langs {
        let _ = writeln!(o, "| {} | {n} |", l.replace('|', "\\|"));
    }
    o
}
