//! `wildstat style INPUT... --out DIR`: the paper's Table 3 counts block.
//! For every selected response, the HTML elements a CommonMark renderer
//! emits for it (h1..h6, p, ul, ol, li, strong, em, code, pre, blockquote,
//! table, hr, a, img, del) and its length; per model totals, means and
//! shares; and proportional frequencies PF(A||B) with `--pf A:B`.
//!
//! Writes `DIR/responses.parquet` (one row per response), `DIR/table.{md,tex,
//! csv,json}`, `DIR/code_languages.csv` and `DIR/style.svg`.
//!
//! With `--rank R --world-size W` (or a Slurm array's environment) it counts
//! only the R-th of W contiguous slices of (file, row group) units and writes
//! `DIR/parts/style-R.*`; `wildstat merge DIR` then writes the same final
//! files, byte for byte.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use wildstat_reader::read_unit;
use wildstat_style::{count, StyleCounts};

use crate::common::SelectArgs;
use crate::output::OutDir;
use crate::progress::Progress;
use crate::shard::{commit, slice, tmp_path, write_atomic, Part, Shard, ShardArgs};
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
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Number of count columns of `responses.parquet` after `turn`: the 20
/// elements, `len`, then [`EXTRA`].
pub const COUNT_COLUMNS: usize = 25;
/// Per-response figures beyond the elements and `len`.
const EXTRA: [&str; 4] = ["words", "lines", "code_blocks", "list_depth"];

/// One row of `responses.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    model: Arc<str>,
    hash: String,
    turn: u32,
    counts: [u64; COUNT_COLUMNS],
}

fn row_of(model: Arc<str>, hash: String, turn: u32, c: &StyleCounts) -> Row {
    let mut counts = [0u64; COUNT_COLUMNS];
    counts[..20].copy_from_slice(&c.elements());
    counts[20..].copy_from_slice(&[c.len, c.words, c.lines, c.code_blocks, c.list_depth]);
    Row {
        model,
        hash,
        turn,
        counts,
    }
}

/// What a rank records next to its parts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartMeta {
    /// Stage name.
    pub stage: String,
    /// Number of ranks.
    pub world: usize,
    /// PF pairs asked for.
    pub pf: Vec<String>,
    /// PF baseline asked for.
    pub pf_baseline: Option<String>,
}

/// Runs `style`.
pub fn run(args: Args) -> Result<(), String> {
    match args.shard.resolve()? {
        None => run_local(&args),
        Some(shard) => run_rank(&args, shard),
    }
}

/// Counts the responses of `units` a window at a time (in parallel inside a
/// window, written in unit order), feeding rows to `writer`.
fn count_units(
    inputs: &crate::common::Inputs,
    units: &[wildstat_reader::Unit],
    writer: &mut ResponsesWriter,
    progress: &Progress,
) -> Result<Styles, String> {
    let mut styles = Styles::new();
    let window = rayon::current_num_threads().max(1) * 4;
    for chunk in units.chunks(window) {
        let parts: Vec<(Vec<Row>, Styles)> = chunk
            .par_iter()
            .map(|&u| {
                let f = &inputs.files[u.file];
                let (responses, _) =
                    read_unit(f, u, &inputs.selection).map_err(|e| e.to_string())?;
                let mut part = Styles::new();
                let rows: Vec<Row> = responses
                    .into_iter()
                    .map(|r| {
                        let counts = count(&r.text);
                        part.entry(r.model.to_string()).or_default().add(&counts);
                        row_of(r.model, r.conversation_hash, r.turn, &counts)
                    })
                    .collect();
                progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
                Ok((rows, part))
            })
            .collect::<Result<_, String>>()?;
        for (rows, part) in parts {
            for r in rows {
                writer.push(r)?;
            }
            merge_into(&mut styles, &part);
        }
    }
    Ok(styles)
}

fn run_local(args: &Args) -> Result<(), String> {
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let (rows, _) = inputs.totals();
    let progress = Progress::new("style", "rows", rows, args.select.quiet);
    let mut writer = ResponsesWriter::create(&out.path("responses.parquet"))?;
    let styles = count_units(&inputs, &inputs.units, &mut writer, &progress)?;
    progress.finish();
    writer.finish()?;
    write_tables(
        &mut |name, bytes| out.write(name, bytes),
        &styles,
        &args.pf,
        args.pf_baseline.as_deref(),
    )?;
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!("style: {} models; wrote {}", styles.len(), dir.display());
    }
    Ok(())
}

fn run_rank(args: &Args, shard: Shard) -> Result<(), String> {
    let Some(part) = Part::start(&args.out, "style", shard, args.select.quiet)? else {
        return Ok(());
    };
    let inputs = args.select.open()?;
    let (lo, hi) = slice(inputs.units.len(), shard);
    let units = &inputs.units[lo..hi];
    let rows: u64 = units
        .iter()
        .map(|u| inputs.files[u.file].rows_in(u.row_group))
        .sum();
    let progress = Progress::new(
        &format!("style rank {}/{}", shard.rank, shard.world),
        "rows",
        rows,
        args.select.quiet,
    );
    let path = part.path("responses.parquet");
    let tmp = tmp_path(&path);
    let mut writer = ResponsesWriter::create(&tmp)?;
    let styles = count_units(&inputs, units, &mut writer, &progress)?;
    progress.finish();
    writer.finish()?;
    commit(&tmp, &path)?;
    write_atomic(&part.path("agg"), encode_styles(&styles).as_bytes())?;
    let meta = PartMeta {
        stage: "style".into(),
        world: shard.world,
        pf: args.pf.clone(),
        pf_baseline: args.pf_baseline.clone(),
    };
    write_atomic(
        &part.path("toml"),
        toml::to_string(&meta)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    part.mark_done()?;
    if !args.select.quiet {
        eprintln!("style: rank {} of {} done", shard.rank, shard.world);
    }
    Ok(())
}

/// Writes the tables and figures of a finished run through `write` and
/// prints the means table (and PF rows). Shared by single-process runs and
/// merge, so both give the same bytes.
pub fn write_tables(
    write: &mut dyn FnMut(&str, String) -> Result<(), String>,
    styles: &Styles,
    pf: &[String],
    pf_baseline: Option<&str>,
) -> Result<(), String> {
    if styles.is_empty() {
        return Err("style: no responses selected".into());
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for spec in pf {
        let (a, b) = spec
            .split_once(':')
            .ok_or_else(|| format!("--pf {spec:?}: expected A:B (two model names)"))?;
        pairs.push((a.to_string(), b.to_string()));
    }
    if let Some(base) = pf_baseline {
        for m in styles.keys() {
            if m != base {
                pairs.push((m.clone(), base.to_string()));
            }
        }
    }
    for (a, b) in &pairs {
        for m in [a, b] {
            if !styles.contains_key(m) {
                return Err(format!(
                    "PF: unknown model {m:?} (models: {})",
                    names(styles)
                ));
            }
        }
    }
    let ts = tables(styles, &pairs);
    write(
        "table.md",
        ts.iter()
            .map(|t| t.to_markdown())
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    write(
        "table.tex",
        ts.iter()
            .map(|t| t.to_latex())
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    let tidy = tidy(styles, &pairs);
    write("table.csv", tidy.to_csv())?;
    write("table.json", tidy.to_json())?;
    write("code_languages.csv", code_languages(styles))?;
    write("style.svg", profile_svg(styles))?;
    print!("{}", ts[1].to_markdown());
    if !pairs.is_empty() {
        println!();
        print!("{}", pf_table(styles, &pairs).to_markdown());
    }
    Ok(())
}

/// The integer aggregates as text lines, for a rank's part file.
pub fn encode_styles(styles: &Styles) -> String {
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let mut out = String::new();
    for (m, s) in styles {
        let t = &s.totals;
        let mut nums: Vec<u64> = vec![s.responses];
        nums.extend(s.with_any);
        nums.extend(t.elements());
        nums.extend([t.len, t.words, t.lines, t.code_blocks, t.list_depth]);
        let nums: Vec<String> = nums.iter().map(u64::to_string).collect();
        out += &format!("model\t{}\t{}\n", hex(m), nums.join("\t"));
        for (lang, n) in &t.code_langs {
            out += &format!("lang\t{}\t{}\t{n}\n", hex(m), hex(lang));
        }
    }
    out
}

/// Parses [`encode_styles`] output.
pub fn decode_styles(text: &str) -> Result<Styles, String> {
    let unhex = |s: &str| -> Option<String> {
        let bytes: Option<Vec<u8>> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect();
        String::from_utf8(bytes?).ok()
    };
    let bad = |l: &str| format!("malformed style aggregate line: {:.80}", l);
    let mut styles = Styles::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "model" if f.len() == 2 + 1 + 20 + 20 + 5 => {
                let m = unhex(f[1]).ok_or_else(|| bad(line))?;
                let n: Vec<u64> = f[2..]
                    .iter()
                    .map(|x| x.parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad(line))?;
                let s = styles.entry(m).or_default();
                s.responses = n[0];
                s.with_any.copy_from_slice(&n[1..21]);
                for i in 0..20 {
                    *s.totals.element_mut(i) = n[21 + i];
                }
                let t = &mut s.totals;
                (t.len, t.words, t.lines, t.code_blocks, t.list_depth) =
                    (n[41], n[42], n[43], n[44], n[45]);
            }
            "lang" if f.len() == 4 => {
                let m = unhex(f[1]).ok_or_else(|| bad(line))?;
                let lang = unhex(f[2]).ok_or_else(|| bad(line))?;
                let n: u64 = f[3].parse().map_err(|_| bad(line))?;
                styles
                    .entry(m)
                    .or_default()
                    .totals
                    .code_langs
                    .insert(lang, n);
            }
            _ => return Err(bad(line)),
        }
    }
    Ok(styles)
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

/// Streams rows into `responses.parquet` in record batches of exactly
/// [`ResponsesWriter::CHUNK`] rows, so the same rows always give the same
/// bytes (single-process runs and merges agree).
pub struct ResponsesWriter {
    writer: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
    rows: Vec<Row>,
}

impl ResponsesWriter {
    /// Rows per record batch.
    pub const CHUNK: usize = 65_536;

    /// Creates the file at `path`.
    pub fn create(path: &std::path::Path) -> Result<Self, String> {
        let mut fields = vec![
            Field::new("model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
        ];
        for e in element_names().into_iter().chain(EXTRA) {
            fields.push(Field::new(e, DataType::UInt64, false));
        }
        let schema = Arc::new(Schema::new(fields));
        let writer = crate::output::parquet_writer(path, schema.clone(), None)?;
        Ok(ResponsesWriter {
            writer,
            schema,
            rows: Vec::new(),
        })
    }

    /// Adds one row.
    pub fn push(&mut self, row: Row) -> Result<(), String> {
        self.rows.push(row);
        if self.rows.len() == Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds the rows of a part file written by a rank, in order.
    #[allow(clippy::needless_range_loop)] // one index into several columns
    pub fn push_part(&mut self, path: &std::path::Path) -> Result<(), String> {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{UInt32Type, UInt64Type};
        let f = std::fs::File::open(path)
            .map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.build())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        for batch in reader {
            let b = batch.map_err(|e| format!("{}: {e}", path.display()))?;
            let models = b.column(0).as_string::<i32>();
            let hashes = b.column(1).as_string::<i32>();
            let turns = b.column(2).as_primitive::<UInt32Type>();
            let counts: Vec<&[u64]> = (0..COUNT_COLUMNS)
                .map(|k| {
                    b.column(3 + k)
                        .as_primitive::<UInt64Type>()
                        .values()
                        .as_ref()
                })
                .collect();
            let mut last: Option<Arc<str>> = None;
            for i in 0..b.num_rows() {
                let m = models.value(i);
                let model = match &last {
                    Some(a) if &**a == m => a.clone(),
                    _ => {
                        let a: Arc<str> = Arc::from(m);
                        last = Some(a.clone());
                        a
                    }
                };
                let mut c = [0u64; COUNT_COLUMNS];
                for (k, col) in counts.iter().enumerate() {
                    c[k] = col[i];
                }
                self.push(Row {
                    model,
                    hash: hashes.value(i).to_string(),
                    turn: turns.value(i),
                    counts: c,
                })?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| &*r.model),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.hash.as_str()),
            )),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.turn))),
        ];
        for k in 0..COUNT_COLUMNS {
            cols.push(Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.counts[k]),
            )));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer
            .write(&batch)
            .map_err(|e| format!("responses.parquet: {e}"))
    }

    /// Writes the last rows and the footer.
    pub fn finish(mut self) -> Result<(), String> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| format!("responses.parquet: {e}"))?;
        Ok(())
    }
}
