//! The executor: runs any stage locally (shard 0 of 1), as rank R of W of a
//! sharded run, or merges a sharded run's parts. One code path reads and
//! processes a shard for all three, so a local run and a merge of any number
//! of ranks write the same bytes.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use rayon::prelude::*;
use wildstat_reader::{discover, Response, UnitStats};

use super::input::{
    conversation_share, fingerprint, open, ConversationShare, InputArgs, InputId, Select,
};
use super::memory::{Budget, MIB};
use super::named::range_usize;
use super::out::{check_disjoint, failpoint, OutDir, Provenance};
use super::partition::{Partition, Spill, MAX_SPILL_BUCKETS};
use super::parts::{self, work_dir, Header, Part, PartFile};
use super::progress::Progress;
use super::rows::RowWriter;
use super::stage::{Context, Emit, Outputs, ReadStats, Split, Stage};
use super::Result;

/// Output and execution options every stage takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists and wildstat wrote it; with --rank, redo the
    /// rank even if it finished.
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// This task's rank, 0-based. Default: SLURM_ARRAY_TASK_ID or
    /// WILDSTAT_RANK when set. With a rank, the stage writes only its part
    /// under DIR.work/parts/ and `wildstat merge DIR` makes the final files.
    #[arg(long, value_name = "R", value_parser = range_usize(0, 999_999))]
    pub rank: Option<usize>,
    /// Number of tasks (1 to 1000000). Default: SLURM_ARRAY_TASK_COUNT or
    /// WILDSTAT_WORLD_SIZE when set.
    #[arg(long, value_name = "W", value_parser = range_usize(1, 1_000_000))]
    pub world_size: Option<usize>,
}

fn env_usize(names: &[&str]) -> Result<Option<usize>> {
    for n in names {
        if let Ok(v) = std::env::var(n) {
            return match range_usize(0, 1_000_000)(&v) {
                Ok(x) => Ok(Some(x)),
                Err(e) => bail!("{n}={v:?}: {e}"),
            };
        }
    }
    Ok(None)
}

impl RunArgs {
    /// `(rank, world)` of a sharded run, or `None` for a local run.
    pub fn shard(&self) -> Result<Option<(usize, usize)>> {
        let rank = match self.rank {
            Some(r) => Some(r),
            None => env_usize(&["SLURM_ARRAY_TASK_ID", "WILDSTAT_RANK"])?,
        };
        let world = match self.world_size {
            Some(w) => Some(w),
            None => env_usize(&["SLURM_ARRAY_TASK_COUNT", "WILDSTAT_WORLD_SIZE"])?,
        };
        match (rank, world) {
            (None, None) => Ok(None),
            (Some(r), Some(w)) if w > 0 && r < w => Ok(Some((r, w))),
            (Some(r), Some(w)) => bail!("--rank {r} is not below --world-size {w}"),
            (Some(_), None) => bail!("--rank needs --world-size (or SLURM_ARRAY_TASK_COUNT)"),
            (None, Some(_)) => bail!("--world-size needs --rank (or SLURM_ARRAY_TASK_ID)"),
        }
    }
}

/// Runs stage `S` as its command line asked: locally, or as one rank.
pub fn run<S: Stage>(input: &InputArgs, cfg: &S::Config, run: &RunArgs) -> Result<()> {
    use super::StageConfig;
    cfg.validate()?;
    S::warm_up(cfg);
    match run.shard()? {
        None => local::<S>(&input.inputs, &input.select, cfg, run, true),
        Some((rank, world)) => shard::<S>(&input.inputs, &input.select, cfg, run, rank, world),
    }
}

/// Runs stage `S` over the whole input in this process, as a local run
/// does, whatever the rank variables of the environment say, and without
/// printing the tables on stdout: for callers that read the output folder
/// themselves (the Python package's stage functions).
pub fn run_embedded<S: Stage>(input: &InputArgs, cfg: &S::Config, run: &RunArgs) -> Result<()> {
    use super::StageConfig;
    cfg.validate()?;
    S::warm_up(cfg);
    local::<S>(&input.inputs, &input.select, cfg, run, false)
}

/// The files a run depends on, in order: the inputs as discovered (a
/// partition's manifest and buckets), then option files.
fn input_files<S: Stage>(
    paths: &[PathBuf],
    select: &Select,
    cfg: &S::Config,
) -> Result<Vec<PathBuf>> {
    use super::StageConfig;
    let mut files: Vec<PathBuf> = discover(paths)?.into_iter().map(|(p, _)| p).collect();
    if let Some(p) = Partition::at(paths)? {
        files.insert(0, p.manifest_path());
    }
    files.extend(select.files());
    files.extend(cfg.files());
    Ok(files)
}

/// The header of this run.
fn run_header<S: Stage>(
    paths: &[PathBuf],
    select: &Select,
    cfg: &S::Config,
    world: usize,
) -> Result<Header> {
    Ok(parts::header(
        S::NAME,
        serde_json::to_string(cfg)?,
        serde_json::to_string(select)?,
        fingerprint(&input_files::<S>(paths, select, cfg)?)?,
        world,
    ))
}

/// What processing one shard produced.
struct Processed<A> {
    acc: A,
    stats: ReadStats,
    models: Vec<String>,
    /// The row output, its last rows and footer not yet written (so that
    /// a local run writes them while the stage finishes).
    rows: Option<RowWriter>,
}

/// Writes a row output's last rows and footer; returns its number of rows
/// (0 without one).
fn finish_rows(rows: Option<RowWriter>) -> Result<u64> {
    rows.map_or(Ok(0), RowWriter::finish)
}

/// A prepared stage with its accumulator, row output and progress: what
/// every split feeds batches into.
struct Runner<S: Stage> {
    stage: S,
    acc: S::Acc,
    rows: Option<RowWriter>,
    progress: Progress,
}

impl<S: Stage> Runner<S> {
    fn new(cfg: &S::Config, ctx: &Context, rows_path: &Path, progress: Progress) -> Result<Self> {
        let stage = S::prepare(cfg, ctx)?;
        let rows = match (S::ROWS, S::row_schema(cfg)) {
            (Some(_), Some(schema)) => Some(RowWriter::create(rows_path, schema)?),
            _ => None,
        };
        Ok(Runner {
            acc: stage.empty(),
            stage,
            rows,
            progress,
        })
    }

    /// Runs `f` with the stage and an [`Emit`] for batch `b` of `batches`.
    fn feed(
        &mut self,
        b: usize,
        batches: usize,
        f: impl FnOnce(&S, &mut Emit<'_, S::Acc>) -> Result<()>,
    ) -> Result<()> {
        let mut emit = Emit {
            acc: &mut self.acc,
            rows: self.rows.as_mut(),
            progress: &self.progress,
            batch: b,
            batches,
        };
        f(&self.stage, &mut emit)
    }

    fn finish(self, stats: ReadStats, models: Vec<String>) -> Result<Processed<S::Acc>> {
        self.progress.finish();
        Ok(Processed {
            acc: self.acc,
            stats,
            models,
            rows: self.rows,
        })
    }
}

/// Reads shard `rank` of `world` and runs the stage over it, writing rows
/// to `rows_path` when the stage has a row output.
fn process<S: Stage>(
    paths: &[PathBuf],
    select: &Select,
    cfg: &S::Config,
    rank: usize,
    world: usize,
    rows_path: &Path,
    quiet: bool,
) -> Result<Processed<S::Acc>> {
    use super::StageConfig;
    let label = if world == 1 {
        S::NAME.to_string()
    } else {
        format!("{} rank {rank}/{world}", S::NAME)
    };
    let mut ctx = Context {
        seed: select.seed,
        select: select.clone(),
        quiet,
        scratch: (world == 1).then(|| scratch_of(rows_path)),
        ..Context::default()
    };
    let slice = |n: usize| rank * n / world..(rank + 1) * n / world;
    match S::split(cfg) {
        Split::Units => {
            let mut inputs = open(paths, select)?;
            cfg.adjust(&mut inputs.files)?;
            let units = &inputs.units[slice(inputs.units.len())];
            let (total, _) = inputs.totals(units);
            let progress = Progress::new(&label, "rows", total, quiet);
            let mut run = Runner::<S>::new(cfg, &ctx, rows_path, progress)?;
            let mut stats = UnitStats::default();
            let window = rayon::current_num_threads().max(1) * 4;
            for chunk in units.chunks(window) {
                let progress = &run.progress;
                let parts: Vec<(Vec<Response>, UnitStats)> = chunk
                    .par_iter()
                    .map(|&u| {
                        let f = &inputs.files[u.file];
                        let r = wildstat_reader::read_unit(f, u, &inputs.selection)?;
                        progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
                        Ok(r)
                    })
                    .collect::<Result<_>>()?;
                let mut batch = Vec::new();
                for (rs, st) in parts {
                    stats.merge(&st);
                    batch.extend(rs);
                }
                run.feed(0, 1, |stage, emit| stage.process(batch, emit))?;
            }
            run.finish(stats.into(), Vec::new())
        }
        Split::Files => {
            let files: Vec<PathBuf> = discover(paths)?.into_iter().map(|(p, _)| p).collect();
            let mine = &files[slice(files.len())];
            let progress = Progress::new(&label, "files", mine.len() as u64, quiet);
            let mut run = Runner::<S>::new(cfg, &ctx, rows_path, progress)?;
            for f in mine {
                run.feed(0, 1, |stage, emit| stage.process_file(f, emit))?;
                run.progress.add(1, 0);
            }
            run.finish(ReadStats::default(), Vec::new())
        }
        Split::Conversations => {
            let mut share = conversation_share(paths, select, rank, world, &|f| cfg.adjust(f))?;
            ctx.models = share.models.clone();
            let progress = Progress::new(&label, S::UNIT, 0, quiet);
            let mut run = Runner::<S>::new(cfg, &ctx, rows_path, progress)?;
            let read = if S::SPILL {
                let budget = Budget::resolve(cfg.memory_mib());
                if !quiet {
                    eprintln!("{}", budget.describe(S::NAME));
                }
                // Beside the rows being written: inside OUT's temporary
                // folder for a local run, and for a rank named after its
                // attempt's temporary rows file (its lock clears it if the
                // attempt is killed).
                let mut spill_dir = rows_path.as_os_str().to_owned();
                spill_dir.push(".spill");
                budgeted(
                    &mut run,
                    &mut share,
                    budget,
                    Path::new(&spill_dir),
                    cfg,
                    select.seed,
                    quiet,
                )?
            } else {
                let batches = share.text_batches(cfg.memory_mib().unwrap_or(4096));
                share.read_batches(batches, &mut |b, batches, responses| {
                    run.feed(b, batches, |stage, emit| stage.process(responses, emit))
                })?
            };
            let stats = share.stats.clone().unwrap_or_else(|| read.into());
            run.finish(stats, share.models)
        }
    }
}

/// The stage's scratch folder of a local run ([`Context::scratch`]): beside
/// its rows, inside OUT's temporary folder.
fn scratch_of(rows_path: &Path) -> PathBuf {
    let mut dir = rows_path.as_os_str().to_owned();
    dir.push(".scratch");
    PathBuf::from(dir)
}

/// Removes the stage's scratch folder, which lies inside OUT's temporary
/// folder: it must go before that is renamed into place.
fn remove_scratch(rows_path: &Path) -> Result<()> {
    let scratch = scratch_of(rows_path);
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("{}: cannot remove", scratch.display()))?;
    }
    Ok(())
}

/// How many times what a stage holds across batches is counted against the
/// budget (see `budgeted`).
const HELD_FACTOR: u64 = 2;

/// Feeds a conversation share to a stage whose `--memory` bounds the whole
/// process ([`Stage::SPILL`]): in one batch when the estimate of its text
/// fits the budget; else one pass spills the shard's selected responses
/// into conversation-id buckets in `spill` and runs of consecutive buckets
/// that fit are processed in id order, the allowance recomputed before
/// each from what the stage holds. Every batching of contiguous
/// id ranges gives the same bytes. Returns the reader counts.
fn budgeted<S: Stage>(
    run: &mut Runner<S>,
    share: &mut ConversationShare,
    budget: Budget,
    spill: &Path,
    cfg: &S::Config,
    seed: u64,
    quiet: bool,
) -> Result<UnitStats> {
    use super::StageConfig;
    // Held bytes count twice: they are small long-lived allocations made
    // during batches (conversation ids, per-conversation values) that
    // fragment the heap the batches reuse (measured: 400,000 synthetic
    // conversations at --memory 1024 peaked at 1.26x the budget when they
    // counted once).
    let held = |run: &Runner<S>, share: &ConversationShare| {
        (run.stage.held_bytes(&run.acc) + share.ids_bytes()).saturating_mul(HELD_FACTOR)
    };
    let (text, responses) = share.estimate();
    let need = run.stage.batch_bytes(text, responses);
    let allowance = budget.batch_allowance(held(run, share));
    let feed = |run: &mut Runner<S>, b: usize, n: usize, rs: Vec<Response>| {
        run.feed(b, n, |stage, emit| stage.process(rs, emit))
    };
    if need <= allowance {
        return share.read_batches(1, &mut |b, n, rs| feed(run, b, n, rs));
    }
    let parts = need.div_ceil(allowance).max(2);
    let buckets = (parts * 2).min(MAX_SPILL_BUCKETS as u64) as usize;
    let n = share.ids.len();
    let bounds: Vec<String> = (1..buckets)
        .map(|i| share.ids.get(i * n / buckets).cloned().unwrap_or_default())
        .collect();
    // The buckets are drawn: the id list (about 70 bytes per conversation)
    // is not needed any more.
    share.ids = Vec::new();
    if !quiet {
        eprintln!(
            "{}: the selected input needs about {} MiB (up to {} MiB of text), more than the budget leaves for a batch ({} MiB): spilling it into {buckets} conversation-id buckets",
            S::NAME,
            need / MIB,
            text / MIB,
            allowance / MIB
        );
    }
    let (rows, _) = share.inputs.totals(&share.inputs.units);
    let progress = Progress::new(&format!("{} spill", S::NAME), "rows", rows, quiet);
    let spill = Spill::write(
        &share.inputs,
        &*share.keep,
        &bounds,
        spill,
        allowance,
        S::SPILL_RUNS,
        &progress,
    )?;
    let cost = |stage: &S, r: std::ops::Range<usize>| {
        let (t, n) = spill.buckets[r]
            .iter()
            .fold((0, 0), |(t, n), b| (t + b.text_bytes, n + b.responses));
        stage.batch_bytes(t, n)
    };
    // The end of the longest run of buckets from `start` that fits
    // `allowance` (at least one bucket).
    let end_of = |stage: &S, start: usize, allowance: u64| {
        let mut end = start + 1;
        while end < spill.buckets.len() && cost(stage, start..end + 1) <= allowance {
            end += 1;
        }
        end
    };
    let (mut start, mut b) = (0, 0);
    while start < spill.buckets.len() {
        let allowance = budget.batch_allowance(held(run, share));
        let end = end_of(&run.stage, start, allowance);
        let mut left = 0;
        let mut at = end;
        while at < spill.buckets.len() {
            at = end_of(&run.stage, at, allowance);
            left += 1;
        }
        let responses = spill.read(start..end, seed, &|f| cfg.adjust(f))?;
        feed(run, b, b + 1 + left, responses)?;
        crate::memory::release_free();
        start = end;
        b += 1;
    }
    Ok(spill.stats.clone())
}

/// Writes a finished stage's files and provenance into `out`, renames it
/// into place and, when `print`, prints the tables: the last step of local
/// runs and merges.
fn complete(
    out: OutDir,
    stage: &str,
    header: &Header,
    outputs: Outputs,
    quiet: bool,
    print: bool,
) -> Result<()> {
    for (name, bytes) in &outputs.files {
        out.write(name, bytes)?;
    }
    let prov = Provenance {
        wildstat: header.wildstat.clone(),
        stage: stage.to_string(),
        config: serde_json::from_str(&header.config)?,
        selection: serde_json::from_str(&header.selection)?,
        inputs: header.inputs.clone(),
        outputs: Vec::new(),
    };
    let dir = out.commit(prov)?;
    if print {
        print!("{}", outputs.stdout);
    }
    if !quiet {
        eprintln!("{stage}: {}; wrote {}", outputs.summary, dir.display());
    }
    Ok(())
}

fn local<S: Stage>(
    paths: &[PathBuf],
    select: &Select,
    cfg: &S::Config,
    run: &RunArgs,
    print: bool,
) -> Result<()> {
    let out = OutDir::create(&run.out, run.force, paths)?;
    let header = run_header::<S>(paths, select, cfg, 1)?;
    let rows_path = out.path(S::ROWS.unwrap_or("rows.parquet"));
    let p = process::<S>(paths, select, cfg, 0, 1, &rows_path, run.quiet)?;
    failpoint("local-before-finish");
    let ctx = Context {
        models: p.models,
        seed: select.seed,
        select: select.clone(),
        stats: p.stats,
        quiet: run.quiet,
        scratch: None,
    };
    // The row file's last rows are written while the stage finishes (its
    // tables, a bootstrap).
    let (rows, outputs) = rayon::join(|| finish_rows(p.rows), || S::finish(cfg, &ctx, p.acc));
    rows?;
    let outputs = outputs?;
    remove_scratch(&rows_path)?;
    complete(out, S::NAME, &header, outputs, run.quiet, print)
}

fn shard<S: Stage>(
    paths: &[PathBuf],
    select: &Select,
    cfg: &S::Config,
    run: &RunArgs,
    rank: usize,
    world: usize,
) -> Result<()> {
    let dir = work_dir(&run.out).join("parts");
    check_disjoint(&run.out, paths)?;
    check_disjoint(&dir, paths)?;
    let part = Part::new(&dir, S::NAME, rank);
    let _lock = part.lock()?;
    let header = run_header::<S>(paths, select, cfg, world)?;
    if part.done() {
        let why = match part.read() {
            Ok(old) => old.header.differs(&header),
            Err(e) => Some(format!("{e:#}")),
        };
        match why {
            None if !run.force => {
                if !run.quiet {
                    eprintln!("{}: rank {rank} of {world} already done; skipping", S::NAME);
                }
                return Ok(());
            }
            Some(why) if !run.force => bail!(
                "{}: rank {rank} of {world} was finished with other settings or inputs ({why}); rerun with --force to redo it, or use another --out",
                part.path("part").display()
            ),
            _ => {}
        }
    }
    part.remove()?;
    let rows_tmp = part.tmp("rows.parquet");
    let mut p = process::<S>(paths, select, cfg, rank, world, &rows_tmp, run.quiet)?;
    let rows = finish_rows(p.rows.take())?;
    if S::ROWS.is_some() {
        std::fs::rename(&rows_tmp, part.path("rows.parquet"))
            .with_context(|| format!("{}: cannot move into place", rows_tmp.display()))?;
    }
    failpoint("rank-before-part");
    part.write(&PartFile {
        header,
        rank,
        models: p.models,
        stats: p.stats,
        rows,
        acc: postcard::to_stdvec(&p.acc).context("cannot encode the accumulator")?,
    })?;
    failpoint("rank-before-done");
    part.mark_done()?;
    if !run.quiet {
        eprintln!("{}: rank {rank} of {world} done", S::NAME);
    }
    Ok(())
}

/// Whether `out.work/parts` holds parts of stage `S`.
pub fn has_parts<S: Stage>(out: &Path) -> bool {
    !parts::ranks_present(&work_dir(out).join("parts"), S::NAME).is_empty()
}

/// Merges the parts of a sharded run of `S` into `out`: refuses missing,
/// unreadable or mismatching parts before writing anything, then writes the
/// same files a local run writes, atomically.
pub fn merge<S: Stage>(out: &Path, force: bool, quiet: bool) -> Result<()> {
    let dir = work_dir(out).join("parts");
    let present = parts::ranks_present(&dir, S::NAME);
    let first = Part::new(&dir, S::NAME, 0);
    if !first.done() {
        parts::check_complete(&dir, S::NAME, present.last().map_or(1, |r| r + 1))?;
    }
    let p0 = first.read()?;
    let world = p0.header.world;
    parts::check_complete(&dir, S::NAME, world)?;
    if let Some(&extra) = present.iter().find(|&&r| r >= world) {
        bail!(
            "{}: holds a part of rank {extra}, but the run has {world} ranks: it belongs to another run; remove {} or rerun every rank with --force",
            dir.display(),
            Part::new(&dir, S::NAME, extra).path("part").display()
        );
    }
    // Check every part before writing anything, keeping only what is
    // small: the accumulators are read again one at a time below.
    let drop_acc = |mut p: PartFile| {
        p.acc = Vec::new();
        p
    };
    let mut all = vec![drop_acc(p0)];
    for r in 1..world {
        let p = Part::new(&dir, S::NAME, r).read()?;
        if let Some(why) = p.header.differs(&all[0].header) {
            bail!(
                "{}: rank {r} was made by another run than rank 0 ({why}); rerun the ranks with the same settings (--force), then merge",
                Part::new(&dir, S::NAME, r).path("part").display()
            );
        }
        if p.rank != r || p.models != all[0].models {
            bail!(
                "{}: not rank {r} of this run",
                Part::new(&dir, S::NAME, r).path("part").display()
            );
        }
        all.push(drop_acc(p));
    }
    let header = all[0].header.clone();
    let models = all[0].models.clone();
    let cfg: S::Config = serde_json::from_str(&header.config)
        .with_context(|| format!("{}: cannot read the recorded config", dir.display()))?;
    let select: Select = serde_json::from_str(&header.selection)
        .with_context(|| format!("{}: cannot read the recorded selection", dir.display()))?;
    let input_paths: Vec<PathBuf> = header
        .inputs
        .iter()
        .map(|i| PathBuf::from(&i.path))
        .collect();
    if out.exists() && !force && already_merged(out, &header) {
        if !quiet {
            eprintln!("merge: {} is already merged; nothing to do", out.display());
        }
        return Ok(());
    }
    let out_dir = OutDir::create(out, force, &input_paths)?;
    let rows_path = out_dir.path(S::ROWS.unwrap_or("rows.parquet"));
    if S::ROWS.is_some() {
        let schema = S::row_schema(&cfg).context("a stage with rows has a schema")?;
        let mut w = RowWriter::create(&rows_path, schema)?;
        for (r, p) in all.iter().enumerate() {
            let before = w.rows_written();
            w.push_file(&Part::new(&dir, S::NAME, r).path("rows.parquet"))?;
            if w.rows_written() - before != p.rows {
                bail!(
                    "{}: holds {} rows, its part records {}",
                    Part::new(&dir, S::NAME, r).path("rows.parquet").display(),
                    w.rows_written() - before,
                    p.rows
                );
            }
        }
        w.finish()?;
    }
    let mut stats = ReadStats::default();
    for p in &all {
        match S::split(&cfg) {
            Split::Units | Split::Files => stats.add(&p.stats),
            Split::Conversations => stats = p.stats.clone(),
        }
    }
    let ctx = Context {
        models,
        seed: select.seed,
        select: select.clone(),
        stats,
        quiet,
        scratch: Some(scratch_of(&rows_path)),
    };
    let mut acc: Option<S::Acc> = S::merge_base(&cfg, &ctx);
    for (r, checked) in all.iter().enumerate() {
        let part = Part::new(&dir, S::NAME, r);
        let p = part.read()?;
        if p.header != checked.header || p.rank != r || p.stats != checked.stats {
            bail!(
                "{}: changed while the merge read it; merge again once no rank is running",
                part.path("part").display()
            );
        }
        let a: S::Acc = postcard::from_bytes(&p.acc).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot decode the accumulator ({e})",
                part.path("part").display()
            )
        })?;
        drop(p);
        match &mut acc {
            None => acc = Some(a),
            Some(x) => super::Accumulator::merge(x, a)?,
        }
    }
    failpoint("merge-before-finish");
    let outputs = S::finish(&cfg, &ctx, acc.expect("world >= 1"))?;
    remove_scratch(&rows_path)?;
    complete(out_dir, S::NAME, &header, outputs, quiet, true)
}

/// Whether `out` already holds the merge of the run `header` describes.
fn already_merged(out: &Path, header: &Header) -> bool {
    let Ok(text) = std::fs::read_to_string(out.join(super::out::PROVENANCE)) else {
        return false;
    };
    let Ok(p) = serde_json::from_str::<Provenance>(&text) else {
        return false;
    };
    let same = |a: &serde_json::Value, b: &str| {
        serde_json::from_str::<serde_json::Value>(b).is_ok_and(|b| *a == b)
    };
    p.stage == header.stage
        && same(&p.config, &header.config)
        && same(&p.selection, &header.selection)
        && p.inputs == header.inputs
}

/// The inputs recorded for provenance (used by `partition`).
pub fn fingerprint_of(paths: &[PathBuf]) -> Result<Vec<InputId>> {
    fingerprint(
        &discover(paths)?
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
    )
}
