//! `wildstat merge OUT`: combines the parts that the ranks of a sharded run
//! left in `OUT/parts/` into the final files in OUT - the same bytes a
//! single-process run writes. Parts are read in rank order; pair and
//! response rows are re-chunked identically; aggregates merge exactly.
//! Refuses to run while any rank is missing, naming the missing ranks.

use std::path::{Path, PathBuf};

use crate::cmd::agreement;
use crate::cmd::similarity::{self, read_toml, PairsWriter};
use crate::cmd::style::{self, decode_styles, ResponsesWriter};
use crate::shard::{commit, tmp_path, write_atomic, Part};
use crate::similarity::aggregate::Aggregator;
use crate::style::{merge_into, Styles};

/// Combine the parts of a sharded run into the final files.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The --out folder the ranks wrote to.
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// The world size recorded by the parts of `stage`, checking every rank is
/// done; `None` when the stage has no parts.
fn world_of(out: &Path, stage: &str) -> Result<Option<usize>, String> {
    let dir = out.join("parts");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    let prefix = format!("{stage}-");
    let mut any = false;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".toml") {
            any = true;
        }
    }
    if !any {
        // Ranks that never finished leave no .toml; look for any part at all.
        return Ok(None);
    }
    let world = {
        let first = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                n.starts_with(&prefix) && n.ends_with(".toml")
            })
            .min()
            .expect("at least one part");
        let v: toml::Value = read_toml(&first)?;
        v.get("world")
            .and_then(|w| w.as_integer())
            .ok_or_else(|| format!("{}: no world size", first.display()))? as usize
    };
    let missing: Vec<String> = (0..world)
        .filter(|&r| !Part::new(out, stage, r).done())
        .map(|r| r.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{}: {stage} ranks not finished: {} of {world} (rerun them, then merge)",
            out.display(),
            missing.join(", ")
        ));
    }
    Ok(Some(world))
}

/// Runs `merge`.
pub fn run(args: Args) -> Result<(), String> {
    let out = &args.out;
    let mut merged = 0;
    if let Some(world) = world_of(out, "similarity")? {
        merge_similarity(out, world, args.quiet)?;
        merged += 1;
    }
    if let Some(world) = world_of(out, "style")? {
        merge_style(out, world, args.quiet)?;
        merged += 1;
    }
    if let Some(world) = world_of(out, "agreement")? {
        merge_agreement(out, world, args.quiet)?;
        merged += 1;
    }
    if let Some(world) = world_of(out, "shared")? {
        crate::cmd::shared::merge(out, world, args.quiet)?;
        merged += 1;
    }
    if merged == 0 {
        return Err(format!(
            "{}: no finished parts to merge in {}/parts",
            out.display(),
            out.display()
        ));
    }
    Ok(())
}

fn write_into(out: &Path) -> impl FnMut(&str, String) -> Result<(), String> + '_ {
    move |name, bytes| write_atomic(&out.join(name), bytes.as_bytes())
}

fn merge_similarity(out: &Path, world: usize, quiet: bool) -> Result<(), String> {
    let metas: Vec<similarity::PartMeta> = (0..world)
        .map(|r| read_toml(&Part::new(out, "similarity", r).path("toml")))
        .collect::<Result<_, _>>()?;
    let first = &metas[0];
    for (r, m) in metas.iter().enumerate() {
        let same = m.world == first.world
            && m.models == first.models
            && (&m.refs, &m.aggregate, m.bootstrap, m.seed)
                == (&first.refs, &first.aggregate, first.bootstrap, first.seed)
            && m.stats == first.stats;
        if !same {
            return Err(format!(
                "{}: similarity rank {r} ran with other options or inputs than rank 0",
                out.display()
            ));
        }
    }
    let final_pairs = out.join("pairs.parquet");
    let tmp = tmp_path(&final_pairs);
    let mut writer = PairsWriter::create(&tmp, &first.models)?;
    let mut agg = Aggregator::new(first.models.len());
    for r in 0..world {
        let part = Part::new(out, "similarity", r);
        writer.push_part(&part.path("pairs.parquet"))?;
        let text = std::fs::read_to_string(part.path("agg"))
            .map_err(|e| format!("{}: {e}", part.path("agg").display()))?;
        agg.merge(
            Aggregator::decode(&text, first.models.len())
                .map_err(|e| format!("{}: {e}", part.path("agg").display()))?,
        );
    }
    writer.finish()?;
    commit(&tmp, &final_pairs)?;
    let mut meta = first.clone();
    meta.world = 1;
    meta.duplicates = metas.iter().map(|m| m.duplicates).sum();
    let summary = similarity::write_tables(&mut write_into(out), &meta, agg)?;
    if !quiet {
        eprintln!(
            "merge: similarity from {world} parts: {summary}; wrote {}",
            out.display()
        );
    }
    Ok(())
}

fn merge_style(out: &Path, world: usize, quiet: bool) -> Result<(), String> {
    let metas: Vec<style::PartMeta> = (0..world)
        .map(|r| read_toml(&Part::new(out, "style", r).path("toml")))
        .collect::<Result<_, _>>()?;
    if metas.iter().any(|m| m != &metas[0]) {
        return Err(format!(
            "{}: style ranks ran with different options",
            out.display()
        ));
    }
    let final_rows = out.join("responses.parquet");
    let tmp = tmp_path(&final_rows);
    let mut writer = ResponsesWriter::create(&tmp)?;
    let mut styles = Styles::new();
    for r in 0..world {
        let part = Part::new(out, "style", r);
        writer.push_part(&part.path("responses.parquet"))?;
        let text = std::fs::read_to_string(part.path("agg"))
            .map_err(|e| format!("{}: {e}", part.path("agg").display()))?;
        merge_into(
            &mut styles,
            &decode_styles(&text).map_err(|e| format!("{}: {e}", part.path("agg").display()))?,
        );
    }
    writer.finish()?;
    commit(&tmp, &final_rows)?;
    style::write_tables(
        &mut write_into(out),
        &styles,
        &metas[0].pf,
        metas[0].pf_baseline.as_deref(),
    )?;
    if !quiet {
        eprintln!("merge: style from {world} parts; wrote {}", out.display());
    }
    Ok(())
}

fn merge_agreement(out: &Path, world: usize, quiet: bool) -> Result<(), String> {
    let metas: Vec<agreement::PartMeta> = (0..world)
        .map(|r| read_toml(&Part::new(out, "agreement", r).path("toml")))
        .collect::<Result<_, _>>()?;
    let first = &metas[0];
    for (r, m) in metas.iter().enumerate() {
        let same = (
            m.world,
            &m.answer_regex,
            m.gold,
            m.bootstrap,
            m.seed,
            m.top,
            &m.stats,
        ) == (
            first.world,
            &first.answer_regex,
            first.gold,
            first.bootstrap,
            first.seed,
            first.top,
            &first.stats,
        );
        if !same {
            return Err(format!(
                "{}: agreement rank {r} ran with other options or inputs than rank 0",
                out.display()
            ));
        }
    }
    let mut records = Vec::new();
    for r in 0..world {
        records.extend(agreement::read_part(
            &Part::new(out, "agreement", r).path("prompts.tsv"),
        )?);
    }
    crate::agreement::sort_records(&mut records);
    let mut meta = first.clone();
    meta.world = 1;
    meta.duplicates = metas.iter().map(|m| m.duplicates).sum();
    let summary = agreement::write_outputs(&mut write_into(out), &records, &meta)?;
    if !quiet {
        eprintln!(
            "merge: agreement from {world} parts: {summary}; wrote {}",
            out.display()
        );
    }
    Ok(())
}
