//! `wildstat shared INPUT... --out DIR`: which models give the same answer,
//! word for word. For each conversation, finds the spans that answers of
//! different models share verbatim: fenced code blocks equal up to comments
//! and whitespace, and runs of at least `--ngram` tokens (rouge-score's
//! tokenizer, unstemmed), by winnowed fingerprints in per-conversation hash
//! maps (linear in the corpus, never model pairs). See `crates/shared`.
//!
//! Writes `DIR/spans.parquet` (one row per shared span: conversation_hash,
//! turn, kind, fingerprint, models, n_models, length, excerpt; in
//! conversation-id order), `DIR/table.{md,csv,json}` (per model pair: common
//! conversations, conversations with a shared span and the share; per model:
//! responses and the share with a span shared by at least 3 other models;
//! the top shared spans) and `DIR/families.svg` (pair shares as a heatmap,
//! models ordered by average-linkage clustering on 1 - share).
//!
//! With `--rank R --world-size W` (or a Slurm array's environment) it
//! handles only the R-th of W contiguous conversation-id ranges and writes
//! `DIR/parts/shared-R.*`; `wildstat merge DIR` then writes the same final
//! files, byte for byte. Given a folder made by `wildstat partition`, rank R
//! reads only its bucket.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_reader::{scan_keys, Selection, UnitStats};
use wildstat_shared::{shared_spans, Params, Span};
use wildstat_stats::table::{escape_csv, full_precision};
use wildstat_stats::{upgma_order, Cell, Column, Table};

use crate::cmd::similarity::{rank_input, read_batches, read_toml, Stats};
use crate::common::{Inputs, SelectArgs};
use crate::output::OutDir;
use crate::progress::Progress;
use crate::shard::{commit, tmp_path, write_atomic, Part, Shard, ShardArgs};

/// Find spans that answers of different models share verbatim.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists (single-process runs).
    #[arg(long)]
    pub force: bool,
    /// Tokens per n-gram: the shortest shared run that can be found.
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub ngram: usize,
    /// Winnowing window in n-grams: shared runs of N + W - 1 tokens or more
    /// are always found (30 with the defaults).
    #[arg(long, default_value_t = 6, value_name = "W")]
    pub window: usize,
    /// Ignore fenced code blocks with fewer characters once comments and
    /// whitespace are removed.
    #[arg(long, default_value_t = 40, value_name = "C")]
    pub min_code_chars: usize,
    /// Rows of the top shared spans table.
    #[arg(long, default_value_t = 20, value_name = "K")]
    pub top: usize,
    /// Memory budget for response text held at once, in MiB; the corpus is
    /// split into conversation-id ranges that fit.
    #[arg(long, default_value_t = 4096, value_name = "MIB")]
    pub memory: u64,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// What a rank records next to its parts, and merge checks and reuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMeta {
    /// Stage name.
    pub stage: String,
    /// Number of ranks.
    pub world: usize,
    /// All models, in index order.
    pub models: Vec<String>,
    /// Tokens per n-gram.
    pub ngram: usize,
    /// Winnowing window.
    pub window: usize,
    /// Minimum normalized code characters.
    pub min_code_chars: usize,
    /// Rows of the top spans table.
    pub top: usize,
    /// Duplicate responses dropped in this rank.
    pub duplicates: u64,
    /// Reader counts over the whole selected input.
    pub stats: Stats,
}

impl Args {
    fn params(&self) -> Result<Params, String> {
        if self.ngram == 0 || self.window == 0 {
            return Err("--ngram and --window must be at least 1".into());
        }
        Ok(Params {
            ngram: self.ngram,
            window: self.window,
            min_code_chars: self.min_code_chars,
        })
    }

    fn meta(&self, world: usize, models: &[String], duplicates: u64, stats: Stats) -> PartMeta {
        PartMeta {
            stage: "shared".into(),
            world,
            models: models.to_vec(),
            ngram: self.ngram,
            window: self.window,
            min_code_chars: self.min_code_chars,
            top: self.top,
            duplicates,
            stats,
        }
    }
}

/// Integer counts behind the tables; parts add up exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Number of models.
    n: usize,
    /// Responses per model.
    responses: Vec<u64>,
    /// Responses with at least one shared span.
    with_shared: Vec<u64>,
    /// Responses with a span shared by at least 3 other models.
    with_wide: Vec<u64>,
    /// Conversation turns both models answered, `a * n + b` for `a < b`.
    common: Vec<u64>,
    /// Conversation turns where both models hold a common span.
    sharing: Vec<u64>,
    /// Spans of each kind: code, ngram.
    spans: [u64; 2],
}

/// Models a span must reach (itself plus 3 others) for the per-model share.
const WIDE: usize = 4;

impl Tally {
    /// Zero counts for `n` models.
    pub fn new(n: usize) -> Self {
        Tally {
            n,
            responses: vec![0; n],
            with_shared: vec![0; n],
            with_wide: vec![0; n],
            common: vec![0; n * n],
            sharing: vec![0; n * n],
            spans: [0; 2],
        }
    }

    /// Adds one conversation turn: the models that answered (ascending,
    /// distinct) and the spans found.
    pub fn add(&mut self, answered: &[usize], spans: &[Span]) {
        let n = self.n;
        let mut pair = vec![false; n * n];
        let mut shared = vec![false; n];
        let mut wide = vec![false; n];
        for s in spans {
            self.spans[s.kind as usize] += 1;
            for (i, &a) in s.models.iter().enumerate() {
                shared[a] = true;
                wide[a] |= s.models.len() >= WIDE;
                for &b in &s.models[i + 1..] {
                    pair[a * n + b] = true;
                }
            }
        }
        for (i, &a) in answered.iter().enumerate() {
            self.responses[a] += 1;
            self.with_shared[a] += shared[a] as u64;
            self.with_wide[a] += wide[a] as u64;
            for &b in &answered[i + 1..] {
                self.common[a * n + b] += 1;
                self.sharing[a * n + b] += pair[a * n + b] as u64;
            }
        }
    }

    /// Adds another tally of the same models.
    pub fn merge(&mut self, o: &Tally) {
        let add = |x: &mut Vec<u64>, y: &Vec<u64>| {
            for (a, b) in x.iter_mut().zip(y) {
                *a += b;
            }
        };
        add(&mut self.responses, &o.responses);
        add(&mut self.with_shared, &o.with_shared);
        add(&mut self.with_wide, &o.with_wide);
        add(&mut self.common, &o.common);
        add(&mut self.sharing, &o.sharing);
        self.spans[0] += o.spans[0];
        self.spans[1] += o.spans[1];
    }

    /// Text form for a rank's part file: one line per counter vector.
    pub fn encode(&self) -> String {
        let line = |name: &str, v: &[u64]| {
            let v: Vec<String> = v.iter().map(u64::to_string).collect();
            format!("{name}\t{}\n", v.join("\t"))
        };
        let mut out = format!("models\t{}\n", self.n);
        out += &line("responses", &self.responses);
        out += &line("with_shared", &self.with_shared);
        out += &line("with_wide", &self.with_wide);
        out += &line("common", &self.common);
        out += &line("sharing", &self.sharing);
        out += &line("spans", &self.spans);
        out
    }

    /// Parses [`Tally::encode`] output for `n` models.
    pub fn decode(text: &str, n: usize) -> Result<Tally, String> {
        let mut t = Tally::new(n);
        let mut seen = 0;
        for line in text.lines() {
            let mut f = line.split('\t');
            let name = f.next().unwrap_or("");
            let nums: Vec<u64> = f
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| format!("malformed tally line {name:?}"))?;
            let dst: &mut [u64] = match name {
                "models" if nums == [n as u64] => {
                    seen += 1;
                    continue;
                }
                "responses" => &mut t.responses,
                "with_shared" => &mut t.with_shared,
                "with_wide" => &mut t.with_wide,
                "common" => &mut t.common,
                "sharing" => &mut t.sharing,
                "spans" => &mut t.spans,
                _ => return Err(format!("malformed tally line {name:?}")),
            };
            if dst.len() != nums.len() {
                return Err(format!("tally line {name:?} has the wrong length"));
            }
            dst.copy_from_slice(&nums);
            seen += 1;
        }
        if seen != 7 {
            return Err("incomplete tally".into());
        }
        Ok(t)
    }
}

/// Runs `shared`.
pub fn run(args: Args) -> Result<(), String> {
    args.params()?;
    match args.shard.resolve()? {
        None => run_local(&args),
        Some(shard) => run_rank(&args, shard),
    }
}

/// One conversation turn's result.
struct Found {
    hash: String,
    turn: u32,
    answered: Vec<usize>,
    spans: Vec<Span>,
}

/// Receives each conversation turn's result, in (id, turn) order.
type Sink<'a> = dyn FnMut(&Found) -> Result<(), String> + 'a;

/// Finds the shared spans of the conversations of `ids` (sorted) that
/// `keep` accepts, in memory-sized contiguous id ranges, in id order.
#[allow(clippy::too_many_arguments)]
fn find_ids(
    inputs: &Inputs,
    selection: &Selection,
    ids: &[String],
    keep: &(dyn Fn(&str) -> bool + Sync),
    memory_mib: u64,
    models: &[String],
    params: &Params,
    progress: &Progress,
    sink: &mut Sink<'_>,
) -> Result<(UnitStats, u64), String> {
    let index = |m: &str| models.binary_search_by(|x| x.as_str().cmp(m)).ok();
    let mut duplicates = 0;
    let stats = read_batches(
        inputs,
        selection,
        ids,
        keep,
        memory_mib,
        &mut |_, _, responses| {
            // Group by conversation turn; the first answer read of a model wins.
            let mut by_conv: BTreeMap<(String, u32), BTreeMap<usize, String>> = BTreeMap::new();
            let mut count = 0u64;
            for r in responses {
                let Some(m) = index(&r.model) else {
                    continue;
                };
                let slot = by_conv.entry((r.conversation_hash, r.turn)).or_default();
                match slot.entry(m) {
                    std::collections::btree_map::Entry::Occupied(_) => duplicates += 1,
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(r.text);
                        count += 1;
                    }
                }
            }
            progress.set_total(progress.done() + count);
            let convs: Vec<((String, u32), BTreeMap<usize, String>)> =
                by_conv.into_iter().collect();
            let found: Vec<Found> = convs
                .into_par_iter()
                .map(|((hash, turn), answers)| {
                    let list: Vec<(usize, &str)> =
                        answers.iter().map(|(&m, t)| (m, t.as_str())).collect();
                    let spans = if list.len() >= 2 {
                        shared_spans(&list, params)
                    } else {
                        Vec::new()
                    };
                    progress.add(list.len() as u64, 0);
                    Found {
                        hash,
                        turn,
                        answered: answers.keys().copied().collect(),
                        spans,
                    }
                })
                .collect();
            for f in &found {
                sink(f)?;
            }
            Ok(())
        },
    )?;
    Ok((stats, duplicates))
}

fn run_local(args: &Args) -> Result<(), String> {
    let params = args.params()?;
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let keys =
        scan_keys(&inputs.files, &inputs.units, &inputs.selection).map_err(|e| e.to_string())?;
    let models = keys.models.clone();
    if models.len() < 2 {
        return Err(format!(
            "shared needs at least two models with responses; found {}",
            models.len()
        ));
    }
    let progress = Progress::new("shared", "responses", 0, args.select.quiet);
    let mut tally = Tally::new(models.len());
    let mut writer = SpansWriter::create(&out.path("spans.parquet"), &models, args.top)?;
    let (stats, duplicates) = find_ids(
        &inputs,
        &inputs.selection,
        &keys.conversations,
        &|_| true,
        args.memory,
        &models,
        &params,
        &progress,
        &mut |f| {
            tally.add(&f.answered, &f.spans);
            writer.push(&f.hash, f.turn, &f.spans)
        },
    )?;
    progress.finish();
    let top = writer.finish()?;
    let meta = args.meta(1, &models, duplicates, Stats::from(&stats));
    let summary = write_tables(
        &mut |name, bytes| out.write(name, bytes),
        &meta,
        &tally,
        &top,
    )?;
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!("shared: {summary}; wrote {}", dir.display());
    }
    Ok(())
}

fn run_rank(args: &Args, shard: Shard) -> Result<(), String> {
    let params = args.params()?;
    let Some(part) = Part::start(&args.out, "shared", shard, args.select.quiet)? else {
        return Ok(());
    };
    let ri = rank_input(&args.select, shard)?;
    if ri.models.len() < 2 {
        return Err(format!(
            "shared needs at least two models with responses; found {}",
            ri.models.len()
        ));
    }
    let progress = Progress::new(
        &format!("shared rank {}/{}", shard.rank, shard.world),
        "responses",
        0,
        args.select.quiet,
    );
    let mut tally = Tally::new(ri.models.len());
    let path = part.path("spans.parquet");
    let tmp = tmp_path(&path);
    let mut writer = SpansWriter::create(&tmp, &ri.models, args.top)?;
    let (read_stats, duplicates) = find_ids(
        &ri.inputs,
        &ri.selection,
        &ri.ids,
        &*ri.keep,
        args.memory,
        &ri.models,
        &params,
        &progress,
        &mut |f| {
            tally.add(&f.answered, &f.spans);
            writer.push(&f.hash, f.turn, &f.spans)
        },
    )?;
    progress.finish();
    writer.finish()?;
    commit(&tmp, &path)?;
    write_atomic(&part.path("agg"), tally.encode().as_bytes())?;
    let meta = args.meta(
        shard.world,
        &ri.models,
        duplicates,
        ri.stats.unwrap_or_else(|| Stats::from(&read_stats)),
    );
    let text = toml::to_string(&meta).map_err(|e| e.to_string())?;
    write_atomic(&part.path("toml"), text.as_bytes())?;
    part.mark_done()?;
    if !args.select.quiet {
        eprintln!("shared: rank {} of {} done", shard.rank, shard.world);
    }
    Ok(())
}

/// Combines the parts of a sharded `shared` run in `out` (ranks `0..world`,
/// all done) into the final files: the bytes of a single-process run.
pub fn merge(out: &Path, world: usize, quiet: bool) -> Result<(), String> {
    let metas: Vec<PartMeta> = (0..world)
        .map(|r| read_toml(&Part::new(out, "shared", r).path("toml")))
        .collect::<Result<_, _>>()?;
    let first = &metas[0];
    for (r, m) in metas.iter().enumerate() {
        let mut same = m.clone();
        same.duplicates = first.duplicates;
        if &same != first {
            return Err(format!(
                "{}: shared rank {r} ran with other options or inputs than rank 0",
                out.display()
            ));
        }
    }
    let final_spans = out.join("spans.parquet");
    let tmp = tmp_path(&final_spans);
    let mut writer = SpansWriter::create(&tmp, &first.models, first.top)?;
    let mut tally = Tally::new(first.models.len());
    for r in 0..world {
        let part = Part::new(out, "shared", r);
        writer.push_part(&part.path("spans.parquet"))?;
        let agg = part.path("agg");
        let text = std::fs::read_to_string(&agg).map_err(|e| format!("{}: {e}", agg.display()))?;
        tally.merge(
            &Tally::decode(&text, first.models.len())
                .map_err(|e| format!("{}: {e}", agg.display()))?,
        );
    }
    let top = writer.finish()?;
    commit(&tmp, &final_spans)?;
    let mut meta = first.clone();
    meta.world = 1;
    meta.duplicates = metas.iter().map(|m| m.duplicates).sum();
    let summary = write_tables(
        &mut |name, bytes| write_atomic(&out.join(name), bytes.as_bytes()),
        &meta,
        &tally,
        &top,
    )?;
    if !quiet {
        eprintln!(
            "merge: shared from {world} parts: {summary}; wrote {}",
            out.display()
        );
    }
    Ok(())
}

/// One row of `spans.parquet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanRow {
    /// Conversation id.
    pub hash: String,
    /// Assistant turn (1 = first).
    pub turn: u32,
    /// `code` or `ngram`.
    pub kind: String,
    /// Fingerprint as 16 hex digits.
    pub fingerprint: String,
    /// Model names, sorted, comma-joined.
    pub models: String,
    /// Number of models.
    pub n_models: u32,
    /// Tokens (ngram) or normalized characters (code).
    pub length: u32,
    /// The start of the span's text.
    pub excerpt: String,
}

impl SpanRow {
    /// The order of the top spans table: most models, then longest, then
    /// kind, conversation, turn and fingerprint (a total order, so the top
    /// K are the same however rows are batched or sharded).
    fn top_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.n_models),
            std::cmp::Reverse(self.length),
            &self.kind,
            &self.hash,
            self.turn,
            &self.fingerprint,
        )
    }
}

/// Streams span rows into `spans.parquet` in record batches of exactly
/// [`SpansWriter::CHUNK`] rows (so the same row sequence gives the same
/// bytes whether written at once or merged from parts), keeping for the
/// tables the top K conversation turns by their best span (one row per
/// conversation turn, since a shared passage often yields several
/// overlapping spans with growing model sets).
pub struct SpansWriter {
    writer: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
    models: Vec<String>,
    rows: Vec<SpanRow>,
    /// Best row of the conversation turn being written.
    best: Option<SpanRow>,
    top: Vec<SpanRow>,
    k: usize,
}

impl SpansWriter {
    /// Rows per record batch.
    pub const CHUNK: usize = 65_536;

    /// Creates the file at `path` for spans of `models`, keeping the top `k`.
    pub fn create(path: &Path, models: &[String], k: usize) -> Result<Self, String> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
            Field::new("kind", DataType::Utf8, false),
            Field::new("fingerprint", DataType::Utf8, false),
            Field::new("models", DataType::Utf8, false),
            Field::new("n_models", DataType::UInt32, false),
            Field::new("length", DataType::UInt32, false),
            Field::new("excerpt", DataType::Utf8, false),
        ]));
        let writer = crate::output::parquet_writer(path, schema.clone(), None)?;
        Ok(SpansWriter {
            writer,
            schema,
            models: models.to_vec(),
            rows: Vec::new(),
            best: None,
            top: Vec::new(),
            k,
        })
    }

    /// Adds the spans of one conversation turn.
    pub fn push(&mut self, hash: &str, turn: u32, spans: &[Span]) -> Result<(), String> {
        for s in spans {
            let names: Vec<&str> = s.models.iter().map(|&m| self.models[m].as_str()).collect();
            self.push_row(SpanRow {
                hash: hash.to_string(),
                turn,
                kind: s.kind.name().to_string(),
                fingerprint: format!("{:016x}", s.fingerprint),
                models: names.join(","),
                n_models: s.models.len() as u32,
                length: s.length.min(u32::MAX as usize) as u32,
                excerpt: s.excerpt.clone(),
            })?;
        }
        Ok(())
    }

    /// Adds one row.
    pub fn push_row(&mut self, row: SpanRow) -> Result<(), String> {
        if self.k > 0 {
            match &self.best {
                Some(b) if (&b.hash, b.turn) == (&row.hash, row.turn) => {
                    if row.top_key() < b.top_key() {
                        self.best = Some(row.clone());
                    }
                }
                _ => {
                    self.close_group();
                    self.best = Some(row.clone());
                }
            }
        }
        self.rows.push(row);
        if self.rows.len() == Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Offers the finished conversation turn's best row to the top list.
    fn close_group(&mut self) {
        if let Some(b) = self.best.take() {
            self.top.push(b);
            if self.top.len() >= 2 * self.k.max(64) {
                self.trim_top();
            }
        }
    }

    fn trim_top(&mut self) {
        self.top.sort_by(|a, b| a.top_key().cmp(&b.top_key()));
        self.top.truncate(self.k);
    }

    /// Adds the rows of a part file written by a rank, in order.
    pub fn push_part(&mut self, path: &Path) -> Result<(), String> {
        for row in read_spans(path)? {
            self.push_row(row)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let s = |f: fn(&SpanRow) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
        };
        let u = |f: fn(&SpanRow) -> u32| -> ArrayRef {
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(f)))
        };
        let cols: Vec<ArrayRef> = vec![
            s(|r| &r.hash),
            u(|r| r.turn),
            s(|r| &r.kind),
            s(|r| &r.fingerprint),
            s(|r| &r.models),
            u(|r| r.n_models),
            u(|r| r.length),
            s(|r| &r.excerpt),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer
            .write(&batch)
            .map_err(|e| format!("spans.parquet: {e}"))
    }

    /// Writes the last rows and the footer; returns the top K rows.
    pub fn finish(mut self) -> Result<Vec<SpanRow>, String> {
        self.flush()?;
        self.close_group();
        self.trim_top();
        self.writer
            .close()
            .map_err(|e| format!("spans.parquet: {e}"))?;
        Ok(self.top)
    }
}

/// Reads the rows of a `spans.parquet` file (a part or a final file).
pub fn read_spans(path: &Path) -> Result<Vec<SpanRow>, String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt32Type;
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let f =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| err(&e))?;
    let mut out = Vec::new();
    for batch in reader {
        let b = batch.map_err(|e| err(&e))?;
        if b.num_columns() != 8 {
            return Err(err(&"not a spans file"));
        }
        let s = |i: usize| b.column(i).as_string_opt::<i32>();
        let u = |i: usize| b.column(i).as_primitive_opt::<UInt32Type>();
        let (Some(h), Some(t), Some(k), Some(fp), Some(m), Some(nm), Some(l), Some(e)) =
            (s(0), u(1), s(2), s(3), s(4), u(5), u(6), s(7))
        else {
            return Err(err(&"unexpected column types"));
        };
        for i in 0..b.num_rows() {
            out.push(SpanRow {
                hash: h.value(i).to_string(),
                turn: t.value(i),
                kind: k.value(i).to_string(),
                fingerprint: fp.value(i).to_string(),
                models: m.value(i).to_string(),
                n_models: nm.value(i),
                length: l.value(i),
                excerpt: e.value(i).to_string(),
            });
        }
    }
    Ok(out)
}

/// `x / y`, NaN when `y` is 0.
fn ratio(x: u64, y: u64) -> f64 {
    if y == 0 {
        f64::NAN
    } else {
        x as f64 / y as f64
    }
}

/// A span excerpt for a table cell: whitespace runs collapsed to one space,
/// cut to `max` characters with an ellipsis.
fn short(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Pair rows `(a, b, common, sharing)` sorted by share descending (pairs
/// without common conversations last), then by names.
fn pair_rows(meta: &PartMeta, t: &Tally) -> Vec<(usize, usize, u64, u64)> {
    let n = meta.models.len();
    let mut rows: Vec<(usize, usize, u64, u64)> = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            rows.push((a, b, t.common[a * n + b], t.sharing[a * n + b]));
        }
    }
    rows.sort_by(|x, y| {
        let (sx, sy) = (ratio(x.3, x.2), ratio(y.3, y.2));
        let key = |s: f64| if s.is_nan() { -1.0 } else { s };
        key(sy)
            .total_cmp(&key(sx))
            .then((x.0, x.1).cmp(&(y.0, y.1)))
    });
    rows
}

/// Writes `table.{md,csv,json}` and `families.svg` of a finished run through
/// `write` and prints the per-model and top-span tables; returns a one-line
/// summary. Shared by single-process runs and merge, so both give the same
/// bytes.
pub fn write_tables(
    write: &mut dyn FnMut(&str, String) -> Result<(), String>,
    meta: &PartMeta,
    t: &Tally,
    top: &[SpanRow],
) -> Result<String, String> {
    let models = &meta.models;
    let n = models.len();
    let method = format!(
        "Spans shared verbatim within a conversation turn: fenced code blocks equal without comments and whitespace (at least {} characters), and runs of at least {} rouge-score tokens (unstemmed), winnowed with window {}, so every shared run of {} tokens or more is found.",
        meta.min_code_chars,
        meta.ngram,
        meta.window,
        meta.ngram + meta.window - 1
    );
    let reads = format!(
        "Responses read: {} ({} empty); skipped: {} null content, {} without assistant turn, {} duplicate. Spans: {} code, {} ngram.",
        meta.stats.responses,
        meta.stats.empty,
        meta.stats.null_content,
        meta.stats.no_assistant,
        meta.duplicates,
        t.spans[0],
        t.spans[1]
    );

    let pairs = pair_rows(meta, t);
    let mut pt = Table::new("Model pairs: conversations where both share at least one span");
    pt.columns.push(Column::new("Model A"));
    pt.columns.push(Column::new("Model B"));
    pt.columns
        .push(Column::numeric("Common conversations", None));
    pt.columns.push(Column::numeric("With shared span", None));
    pt.columns.push(Column::numeric("Share", None));
    for &(a, b, c, s) in &pairs {
        pt.rows.push(vec![
            Cell::text(&models[a]),
            Cell::text(&models[b]),
            Cell::Int(c),
            Cell::Int(s),
            Cell::float(ratio(s, c), 4),
        ]);
    }
    pt.notes.push(method.clone());
    pt.notes.push(
        "Share = conversations (turns) where the two models' answers hold a common span / conversations both answered. Sorted by share.".into(),
    );

    let mut mt = Table::new("Models: responses with a span shared with other models");
    mt.columns.push(Column::new("Model"));
    mt.columns.push(Column::numeric("Responses", None));
    mt.columns.push(Column::numeric("With shared span", None));
    mt.columns.push(Column::numeric("Share", None));
    mt.columns
        .push(Column::numeric("With span shared by >= 3 others", None));
    mt.columns
        .push(Column::numeric("Share (>= 3 others)", None));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| {
        let key = |m: usize| {
            let s = ratio(t.with_wide[m], t.responses[m]);
            if s.is_nan() {
                -1.0
            } else {
                s
            }
        };
        key(y).total_cmp(&key(x)).then(x.cmp(&y))
    });
    for &m in &order {
        mt.rows.push(vec![
            Cell::text(&models[m]),
            Cell::Int(t.responses[m]),
            Cell::Int(t.with_shared[m]),
            Cell::float(ratio(t.with_shared[m], t.responses[m]), 4),
            Cell::Int(t.with_wide[m]),
            Cell::float(ratio(t.with_wide[m], t.responses[m]), 4),
        ]);
    }
    mt.notes.push(reads.clone());

    let mut st = Table::new(
        "Top shared spans (most models, then longest; the best span of each conversation)",
    );
    st.columns.push(Column::numeric("Models", None));
    st.columns.push(Column::new("Kind"));
    st.columns.push(Column::numeric("Length", None));
    st.columns.push(Column::new("Conversation"));
    st.columns.push(Column::new("Model names"));
    st.columns.push(Column::new("Excerpt"));
    for r in top {
        st.rows.push(vec![
            Cell::Int(r.n_models as u64),
            Cell::text(&r.kind),
            Cell::Int(r.length as u64),
            Cell::text(&r.hash),
            Cell::text(&r.models),
            Cell::text(short(&r.excerpt, 100)),
        ]);
    }
    st.notes.push(
        "Length: tokens (ngram) or characters without comments and whitespace (code). Excerpt: the start of the span in the first listed model's answer.".into(),
    );

    write(
        "table.md",
        [&mt, &pt, &st]
            .iter()
            .map(|x| x.to_markdown())
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    write("table.csv", tidy_csv(meta, t, &pairs))?;
    let mut spans_json = st.clone();
    for (row, r) in spans_json.rows.iter_mut().zip(top) {
        row[5] = Cell::text(&r.excerpt);
    }
    write(
        "table.json",
        format!(
            "{{\"models\": {},\n\"pairs\": {},\n\"top_spans\": {}}}\n",
            mt.to_json().trim_end(),
            pt.to_json().trim_end(),
            spans_json.to_json().trim_end()
        ),
    )?;
    write("families.svg", families_svg(models, t))?;
    print!("{}", mt.to_markdown());
    println!();
    print!("{}", st.to_markdown());
    Ok(format!(
        "{} spans ({} code, {} ngram) over {} models",
        t.spans[0] + t.spans[1],
        t.spans[0],
        t.spans[1],
        n
    ))
}

/// `table.csv`: one tidy table of the model and pair rows: `table` is
/// `model` (total = responses, shared = with a shared span, wide = with a
/// span shared by at least 3 other models; model_b empty) or `pair` (total =
/// common conversations, shared = with a common span; wide empty).
fn tidy_csv(meta: &PartMeta, t: &Tally, pairs: &[(usize, usize, u64, u64)]) -> String {
    let m = &meta.models;
    let mut csv = String::from("table,model_a,model_b,total,shared,share,wide,wide_share\r\n");
    let num = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            full_precision(x)
        }
    };
    for (i, name) in m.iter().enumerate() {
        let _ = write!(
            csv,
            "model,{},,{},{},{},{},{}\r\n",
            escape_csv(name),
            t.responses[i],
            t.with_shared[i],
            num(ratio(t.with_shared[i], t.responses[i])),
            t.with_wide[i],
            num(ratio(t.with_wide[i], t.responses[i]))
        );
    }
    for &(a, b, c, s) in pairs {
        let _ = write!(
            csv,
            "pair,{},{},{c},{s},{},,\r\n",
            escape_csv(&m[a]),
            escape_csv(&m[b]),
            num(ratio(s, c))
        );
    }
    csv
}

/// Heatmap of pair shares, models ordered by UPGMA on 1 - share (pairs
/// without common conversations at distance 1).
fn families_svg(models: &[String], t: &Tally) -> String {
    let n = models.len();
    let share = |a: usize, b: usize| -> f64 {
        let (x, y) = (a.min(b), a.max(b));
        ratio(t.sharing[x * n + y], t.common[x * n + y])
    };
    let dist: Vec<Vec<f64>> = (0..n)
        .map(|a| {
            (0..n)
                .map(|b| {
                    if a == b {
                        0.0
                    } else {
                        let s = share(a, b);
                        if s.is_nan() {
                            1.0
                        } else {
                            1.0 - s
                        }
                    }
                })
                .collect()
        })
        .collect();
    let order = upgma_order(&dist);
    let labels: Vec<String> = order.iter().map(|&i| models[i].clone()).collect();
    let values: Vec<Vec<f64>> = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| if i == j { f64::NAN } else { share(i, j) })
                .collect()
        })
        .collect();
    let opts = wildstat_stats::svg::HeatmapOptions {
        title: "Share of common conversations with a verbatim shared span".into(),
        scale: wildstat_stats::svg::ColorScale::Blues,
        digits: 2,
        ..Default::default()
    };
    wildstat_stats::svg::heatmap(&labels, &values, &opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wildstat_shared::Kind;

    fn span(models: &[usize]) -> Span {
        Span {
            kind: Kind::Ngram,
            fingerprint: 1,
            models: models.to_vec(),
            length: 30,
            excerpt: String::new(),
        }
    }

    #[test]
    fn tally_counts_and_round_trips() {
        let mut t = Tally::new(5);
        t.add(&[0, 1, 2, 3, 4], &[span(&[0, 1, 2, 3]), span(&[1, 4])]);
        t.add(&[0, 1, 3], &[]);
        assert_eq!(t.responses, vec![2, 2, 1, 2, 1]);
        assert_eq!(t.with_shared, vec![1, 1, 1, 1, 1]);
        assert_eq!(t.with_wide, vec![1, 1, 1, 1, 0]);
        assert_eq!((t.common[1], t.sharing[1]), (2, 1)); // (0, 1)
        assert_eq!((t.common[4], t.sharing[4]), (1, 0)); // (0, 4)
        assert_eq!((t.common[5 + 4], t.sharing[5 + 4]), (1, 1)); // (1, 4)
        assert_eq!(Tally::decode(&t.encode(), 5).unwrap(), t);
        assert!(Tally::decode("models\t5\n", 5).is_err());
    }
}
