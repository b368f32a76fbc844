//! The judge stage (the paper's Table 4): win rates, single-grade scores,
//! the preference matrix (PrefRt), FlipCt and Bradley-Terry ratings from
//! the judgment files AlpacaEval, FastChat MT-Bench and Chatbot Arena
//! publish. Every number is computed by `crates/judge` (checked there
//! against AlpacaEval, FastChat and scikit-learn); this stage reads whole
//! files ([`Split::Files`]) into normalized judgments, whose sorted
//! concatenation is the accumulator, so any sharding gives the same bytes.
//!
//! Writes `winrates.{csv,md,tex,json}`, `matrix.{csv,md,svg}`,
//! `ratings.{csv,md}` and with `--flip` `flips.md` when there are pairwise
//! verdicts; `scores.{csv,md,tex,json}` when there are single grades, and
//! with `--questions` `radar.svg`. With `--answers`, the judged answers
//! (any transcript input, read with the reader) give Arena-Hard-Auto's
//! style-controlled ratings next to the raw ones. See docs/judge.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_judge::bt::{battles, bradley_terry, BtOptions};
use wildstat_judge::matrix::{flip_count, matrix_svg, parse_flip, preference_matrix};
use wildstat_judge::scores::{radar_svg, scores, ScoreRow};
use wildstat_judge::style::{bradley_terry_style, style_features, styled_battles, StyleFeatures};
use wildstat_judge::winrate::win_rates;
use wildstat_judge::{load_judgments, load_questions, pairs, singles, tables, Judgment};
use wildstat_reader::{Response, Turns};
use wildstat_stats::{Cell, Column, Table};

use wildstat_engine::input::{open, Select};
use wildstat_engine::named::range_usize;
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The judge stage's options (the question file for categories is the
/// selection's `--questions`).
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// FlipCt of the students SX, SY of the teachers X, Y: the items whose
    /// verdict X vs Y and SX vs SY point opposite ways (ties never flip).
    #[arg(long, value_name = "SX:X,SY:Y")]
    pub flip: Option<String>,
    /// Bootstrap resamples for the win-rate 95% intervals (0 to 100000; 0
    /// leaves them empty).
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = range_usize(0, 100_000))]
    pub bootstrap: usize,
    /// Bootstrap resamples for the Bradley-Terry 95% intervals (0 to
    /// 100000; 0 leaves them empty).
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = range_usize(0, 100_000))]
    pub bt_bootstrap: usize,
    /// The judged answers (transcript files or folders, all assistant
    /// turns of a model on an item summed) for style-controlled ratings
    /// beside the raw ones; joined to the verdicts by model and item id.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    pub answers: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

impl StageConfig for Config {
    fn validate(&self) -> wildstat_engine::Result<()> {
        if let Some(f) = &self.flip {
            parse_flip(f).map_err(anyhow::Error::msg)?;
        }
        Ok(())
    }
    fn files(&self) -> Vec<PathBuf> {
        match wildstat_reader::discover(&self.answers) {
            Ok(found) if !self.answers.is_empty() => found.into_iter().map(|(p, _)| p).collect(),
            _ => self.answers.clone(),
        }
    }
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        self.answers.iter_mut().collect()
    }
}

/// The judgments read so far and the files they came from.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct JudgeAcc {
    judgments: Vec<Judgment>,
    files: Vec<String>,
}

impl Accumulator for JudgeAcc {
    fn merge(&mut self, o: Self) -> wildstat_engine::Result<()> {
        self.judgments.extend(o.judgments);
        self.files.extend(o.files);
        Ok(())
    }
}

/// A prepared judge shard (nothing to prepare: every file stands alone).
pub struct Judge;

impl Stage for Judge {
    const NAME: &'static str = "judge";
    const SPLIT: Split = Split::Files;
    const ROWS: Option<&'static str> = None;
    const UNIT: &'static str = "files";
    type Config = Config;
    type Acc = JudgeAcc;

    fn prepare(_: &Config, ctx: &Context) -> wildstat_engine::Result<Self> {
        if let Some(q) = &ctx.select.questions {
            load_questions(q).map_err(anyhow::Error::msg)?;
        }
        Ok(Judge)
    }

    fn empty(&self) -> JudgeAcc {
        JudgeAcc::default()
    }

    fn process(&self, _: Vec<Response>, _: &mut Emit<'_, JudgeAcc>) -> wildstat_engine::Result<()> {
        bail!("judge reads whole judgment files, not responses")
    }

    fn process_file(
        &self,
        path: &Path,
        emit: &mut Emit<'_, JudgeAcc>,
    ) -> wildstat_engine::Result<()> {
        let name = path.to_string_lossy();
        if [".parquet", ".gz", ".zst"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            bail!("{name}: judgment files are plain JSON or JSON Lines (AlpacaEval annotations, FastChat judgments, Arena battles)");
        }
        let j = load_judgments(path).map_err(anyhow::Error::msg)?;
        emit.acc.judgments.extend(j);
        emit.acc.files.push(name.into_owned());
        Ok(())
    }

    fn finish(cfg: &Config, ctx: &Context, mut acc: JudgeAcc) -> wildstat_engine::Result<Outputs> {
        acc.judgments.sort();
        let j = &acc.judgments;
        if j.is_empty() {
            let folders: BTreeSet<String> = acc
                .files
                .iter()
                .map(|f| {
                    Path::new(f)
                        .parent()
                        .map_or(String::from("."), |p| p.display().to_string())
                })
                .collect();
            bail!(
                "{}: no judgments in its {} file(s) (expected AlpacaEval annotations, FastChat MT-Bench judgments or Chatbot Arena battles)",
                folders.into_iter().collect::<Vec<_>>().join(", "),
                acc.files.len()
            );
        }
        let mut out = Outputs::default();
        let mut summary = Vec::new();
        let n_pairs = pairs(j).count();
        if n_pairs > 0 {
            let wr = tables::winrates_table(&win_rates(j, cfg.bootstrap, ctx.seed));
            out.stdout = wr.to_markdown();
            write_table(&mut out, "winrates", &wr, true);
            let m = preference_matrix(j);
            let judges = judge_names(pairs(j).map(|p| p.judge.as_str()));
            write_table(&mut out, "matrix", &tables::matrix_table(&m), false);
            out.file(
                "matrix.svg",
                matrix_svg(
                    &m,
                    &format!("PrefRt of the row model over the column model (judge: {judges})"),
                ),
            );
            let (models, b) = battles(j);
            let opts = BtOptions {
                resamples: cfg.bt_bootstrap,
                seed: ctx.seed,
                ..BtOptions::default()
            };
            match bradley_terry(&models, &b, &opts) {
                Ok(r) => {
                    let styled = if cfg.answers.is_empty() {
                        None
                    } else {
                        let f = answer_features(&cfg.answers, ctx.seed)?;
                        let (models, sb) =
                            styled_battles(j, &f).map_err(|e| anyhow::anyhow!("--answers: {e}"))?;
                        let s = bradley_terry_style(&models, &sb, &opts)
                            .map_err(|e| anyhow::anyhow!("--answers: style control: {e}"))?;
                        summary.push(format!("style control over {} answers", f.len()));
                        Some(s)
                    };
                    let t = tables::ratings_table(&r, styled.as_ref());
                    out.file("ratings.csv", t.to_csv());
                    out.file("ratings.md", t.to_markdown());
                }
                Err(e) => {
                    eprintln!("wildstat: notice: judge: no Bradley-Terry ratings (ratings.* not written): {e}");
                    summary.push("no Bradley-Terry ratings (see the notice)".to_string());
                }
            }
            if let Some(spec) = &cfg.flip {
                out.file("flips.md", flips_table(j, spec)?.to_markdown());
            }
            summary.push(format!(
                "{n_pairs} pairwise verdicts of {} models",
                m.models.len()
            ));
        }
        let n_singles = singles(j).count();
        if n_singles > 0 {
            let questions = match &ctx.select.questions {
                Some(q) => Some(load_questions(q).map_err(anyhow::Error::msg)?),
                None => None,
            };
            let rows = scores(j, questions.as_ref()).map_err(anyhow::Error::msg)?;
            let st = tables::scores_table(&rows);
            if out.stdout.is_empty() {
                out.stdout = st.to_markdown();
            }
            write_table(&mut out, "scores", &st, true);
            if questions.is_some() {
                out.file("radar.svg", radar(&rows));
            }
            summary.push(format!("{n_singles} single grades"));
        }
        out.summary = format!("{} from {} files", summary.join(", "), acc.files.len());
        Ok(out)
    }
}

/// The style features of every judged answer, keyed by (model, item id),
/// summed over the assistant turns of the conversation; a (model, item,
/// turn) answered twice is an error (the join would be ambiguous).
fn answer_features(
    paths: &[PathBuf],
    seed: u64,
) -> wildstat_engine::Result<BTreeMap<(String, String), StyleFeatures>> {
    let select = Select {
        turns: Turns::All,
        seed,
        ..Select::default()
    };
    let inputs = open(paths, &select).context("--answers")?;
    let per_unit: Vec<Vec<(String, String, u32, StyleFeatures)>> = inputs
        .units
        .par_iter()
        .map(|&u| {
            let (rs, _) = wildstat_reader::read_unit(&inputs.files[u.file], u, &inputs.selection)?;
            Ok(rs
                .into_iter()
                .map(|r| {
                    (
                        r.model.to_string(),
                        r.conversation_hash,
                        r.turn,
                        style_features(&r.text),
                    )
                })
                .collect())
        })
        .collect::<wildstat_engine::Result<_>>()?;
    let mut seen = BTreeSet::new();
    let mut out: BTreeMap<(String, String), StyleFeatures> = BTreeMap::new();
    for (model, item, turn, f) in per_unit.into_iter().flatten() {
        if !seen.insert((model.clone(), item.clone(), turn)) {
            bail!("--answers: {model} answers item {item:?} turn {turn} more than once");
        }
        let e = out.entry((model, item)).or_default();
        e.token_len += f.token_len;
        e.headers += f.headers;
        e.lists += f.lists;
        e.bold += f.bold;
    }
    Ok(out)
}

/// Writes `NAME.csv` and `NAME.md`, and with `full` `NAME.tex` and
/// `NAME.json` (the document form, keeping title and notes).
fn write_table(out: &mut Outputs, name: &str, t: &Table, full: bool) {
    out.file(&format!("{name}.csv"), t.to_csv());
    out.file(&format!("{name}.md"), t.to_markdown());
    if full {
        out.file(&format!("{name}.tex"), t.to_latex());
        out.file(&format!("{name}.json"), t.to_json_document());
    }
}

/// The distinct judge names, comma-separated.
fn judge_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The FlipCt table of `--flip SX:X,SY:Y`; a model without pairwise
/// verdicts is an error (a misspelt name would otherwise count 0).
fn flips_table(j: &[Judgment], spec: &str) -> wildstat_engine::Result<Table> {
    let (sx, x, sy, y) = parse_flip(spec).map_err(anyhow::Error::msg)?;
    let known: BTreeSet<&str> = pairs(j)
        .flat_map(|p| [p.model_a.as_str(), p.model_b.as_str()])
        .collect();
    if let Some(m) = [&sx, &x, &sy, &y]
        .into_iter()
        .find(|m| !known.contains(m.as_str()))
    {
        bail!("--flip {spec:?}: model {m:?} has no pairwise judgments");
    }
    let f = flip_count(j, &sx, &x, &sy, &y);
    let mut t = Table::new("FlipCt: reversals of judgment between teachers and students");
    t.columns = vec![
        Column::new("teachers"),
        Column::new("students"),
        Column::numeric("items_both", None),
        Column::numeric("flips", None),
    ];
    t.rows.push(vec![
        Cell::text(format!("{x} vs {y}")),
        Cell::text(format!("{sx} vs {sy}")),
        Cell::Int(f.items_both),
        Cell::Int(f.flips),
    ]);
    t.notes.push(
        "Our reading of the paper's FlipCt: items (judge, item, turn) judged both for X vs Y and for SX vs SY \
         whose verdicts point opposite ways (X over Y while SY over SX, or the reverse); an item's direction is \
         the sign of its mean score - 0.5; ties never flip."
            .into(),
    );
    Ok(t)
}

/// The per-category means as one radar: one polygon per model (per model
/// and judge when several judges graded), axes the categories of all.
fn radar(rows: &[ScoreRow]) -> String {
    let cats: Vec<String> = rows
        .iter()
        .filter_map(|r| r.category.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let judges = judge_names(rows.iter().map(|r| r.judge.as_str()));
    let several = judges.contains(", ");
    let mut series: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for r in rows {
        if let Some(c) = &r.category {
            let i = cats.binary_search(c).expect("collected above");
            series
                .entry((&r.model, &r.judge))
                .or_insert_with(|| vec![f64::NAN; cats.len()])[i] = r.mean;
        }
    }
    let series: Vec<(String, Vec<f64>)> = series
        .into_iter()
        .map(|((m, jd), v)| {
            (
                if several {
                    format!("{m} ({jd})")
                } else {
                    m.to_string()
                },
                v,
            )
        })
        .collect();
    let max = rows
        .iter()
        .map(|r| r.mean)
        .filter(|v| v.is_finite())
        .fold(10.0, f64::max)
        .ceil();
    radar_svg(
        &format!("Mean grade by category (judge: {judges})"),
        &cats,
        &series,
        max,
    )
}
