//! `wildstat style INPUT... --out DIR`: the paper's Table 3 counts block.
//! For every selected response, the HTML elements a CommonMark renderer
//! emits for it (h1..h6, p, ul, ol, li, strong, em, code, pre, blockquote,
//! table, hr, a, img, del) and its length; per model totals, means and
//! shares; and proportional frequencies PF(A||B) with `--pf A:B`.
//!
//! Writes `DIR/responses.parquet` (one row per response), `DIR/table.{md,tex,
//! csv,json}`, `DIR/code_languages.csv` and `DIR/style.svg`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use wildstat_reader::read_unit;
use wildstat_style::{count, StyleCounts};

use crate::common::SelectArgs;
use crate::output::OutDir;
use crate::progress::Progress;
use crate::style::{element_names, merge_into, pf_table, tables, tidy, ModelStyle, Styles};

/// Count Markdown elements per response and per model (Table 3).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists.
    #[arg(long)]
    pub force: bool,
    /// Add PF(A||B) rows (repeatable), e.g. --pf student:teacher.
    #[arg(long, value_name = "A:B")]
    pub pf: Vec<String>,
    /// Add PF(x||M) rows for every other model x.
    #[arg(long, value_name = "M")]
    pub pf_baseline: Option<String>,
}

/// One counted response, as written to `responses.parquet`.
struct Counted {
    model: Arc<str>,
    hash: String,
    turn: u32,
    counts: StyleCounts,
}

/// Runs `style`.
pub fn run(args: Args) -> Result<(), String> {
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let (rows, _) = inputs.totals();
    let progress = Progress::new("style", "rows", rows, args.select.quiet);
    let mut writer = ResponsesWriter::create(&out.path("responses.parquet"))?;
    let mut styles = Styles::new();
    // Units are counted in parallel a window at a time and written in unit
    // order, so memory stays bounded and the output is the same for any
    // thread count.
    let window = rayon::current_num_threads().max(1) * 4;
    for chunk in inputs.units.chunks(window) {
        let parts: Vec<(Vec<Counted>, Styles)> = chunk
            .par_iter()
            .map(|&u| {
                let f = &inputs.files[u.file];
                let (responses, _) =
                    read_unit(f, u, &inputs.selection).map_err(|e| e.to_string())?;
                let mut part = Styles::new();
                let counted: Vec<Counted> = responses
                    .into_iter()
                    .map(|r| {
                        let counts = count(&r.text);
                        part.entry(r.model.to_string()).or_default().add(&counts);
                        Counted {
                            model: r.model,
                            hash: r.conversation_hash,
                            turn: r.turn,
                            counts,
                        }
                    })
                    .collect();
                progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
                Ok((counted, part))
            })
            .collect::<Result<_, String>>()?;
        for (counted, part) in parts {
            writer.write(&counted)?;
            merge_into(&mut styles, &part);
        }
    }
    progress.finish();
    writer.finish()?;
    if styles.is_empty() {
        return Err("style: no responses selected".into());
    }

    let mut pairs: Vec<(String, String)> = Vec::new();
    for spec in &args.pf {
        let (a, b) = spec
            .split_once(':')
            .ok_or_else(|| format!("--pf {spec:?}: expected A:B (two model names)"))?;
        pairs.push((a.to_string(), b.to_string()));
    }
    if let Some(base) = &args.pf_baseline {
        for m in styles.keys() {
            if m != base {
                pairs.push((m.clone(), base.clone()));
            }
        }
    }
    for (a, b) in &pairs {
        for m in [a, b] {
            if !styles.contains_key(m) {
                return Err(format!(
                    "PF: unknown model {m:?} (models: {})",
                    names(&styles)
                ));
            }
        }
    }

    let ts = tables(&styles, &pairs);
    out.write(
        "table.md",
        ts.iter()
            .map(|t| t.to_markdown())
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    out.write(
        "table.tex",
        ts.iter()
            .map(|t| t.to_latex())
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    let tidy = tidy(&styles, &pairs);
    out.write("table.csv", tidy.to_csv())?;
    out.write("table.json", tidy.to_json())?;
    out.write("code_languages.csv", code_languages(&styles))?;
    out.write("style.svg", profile_svg(&styles))?;
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!("style: {} models; wrote {}", styles.len(), dir.display());
    }
    print!("{}", ts[1].to_markdown());
    if !pairs.is_empty() {
        println!();
        print!("{}", pf_table(&styles, &pairs).to_markdown());
    }
    Ok(())
}

fn names(styles: &Styles) -> String {
    styles.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// `model,language,code_blocks` for fenced code blocks by info-string tag.
fn code_languages(styles: &Styles) -> String {
    let mut s = String::from("model,language,code_blocks\n");
    for (m, st) in styles {
        for (lang, n) in &st.totals.code_langs {
            s += &format!(
                "{},{},{n}\n",
                wildstat_stats::table::escape_csv(m),
                wildstat_stats::table::escape_csv(lang)
            );
        }
    }
    s
}

/// Per-model style profile: per-response rates of the elements as a heat
/// table (models x elements), readable with 40 models.
fn profile_svg(styles: &Styles) -> String {
    let labels: Vec<String> = styles.keys().cloned().collect();
    let elements: Vec<String> = element_names()
        .iter()
        .take(20)
        .map(|e| e.to_string())
        .collect();
    let values: Vec<Vec<f64>> = styles
        .values()
        .map(|s: &ModelStyle| {
            (0..20)
                .map(|i| {
                    if s.responses == 0 {
                        f64::NAN
                    } else {
                        s.total(i) as f64 / s.responses as f64
                    }
                })
                .collect()
        })
        .collect();
    wildstat_stats::svg::style_profile(
        &labels,
        &elements,
        &values,
        "Markdown elements per response, by model",
        2,
    )
}

/// Streams counted responses into `responses.parquet`.
struct ResponsesWriter {
    writer: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
}

const EXTRA: [&str; 4] = ["words", "lines", "code_blocks", "list_depth"];

impl ResponsesWriter {
    fn create(path: &std::path::Path) -> Result<Self, String> {
        let mut fields = vec![
            Field::new("model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
        ];
        for e in element_names().into_iter().chain(EXTRA) {
            fields.push(Field::new(e, DataType::UInt64, false));
        }
        let schema = Arc::new(Schema::new(fields));
        let file = std::fs::File::create(path)
            .map_err(|e| format!("{}: cannot create: {e}", path.display()))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("valid level"),
            ))
            .build();
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| e.to_string())?;
        Ok(ResponsesWriter { writer, schema })
    }

    fn write(&mut self, rows: &[Counted]) -> Result<(), String> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| &*r.model),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.hash.as_str()),
            )),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.turn))),
        ];
        for i in 0..20 {
            cols.push(Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.counts.element(i)),
            )));
        }
        let extra: [fn(&StyleCounts) -> u64; 5] = [
            |c| c.len,
            |c| c.words,
            |c| c.lines,
            |c| c.code_blocks,
            |c| c.list_depth,
        ];
        for f in extra {
            cols.push(Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| f(&r.counts)),
            )));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer
            .write(&batch)
            .map_err(|e| format!("responses.parquet: {e}"))
    }

    fn finish(self) -> Result<(), String> {
        self.writer
            .close()
            .map_err(|e| format!("responses.parquet: {e}"))?;
        Ok(())
    }
}
