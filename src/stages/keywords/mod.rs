//! The keywords stage (the paper's Figures 3-4): the words that set the
//! responses of two groups of models apart (or, with `--judgments`, the
//! judge's explanations about them), by the weighted log-odds ratio
//! with an informative Dirichlet prior of Monroe, Colaresi and Quinn (2008),
//! with z-scores. Word counts are integers, so shards merge exactly. See
//! `crates/keywords` for the word rule and the formula.
//!
//! Writes `keywords.{csv,md,tex,json}` and `keywords.svg`.

use anyhow::bail;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_keywords::{chart_svg, fightin_words, tables, Counts, Stopwords};
use wildstat_reader::Response;

use wildstat_engine::named::{range, range_usize};
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The keywords stage's options.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Models of group A (comma-separated or repeated).
    #[arg(long = "a", value_delimiter = ',', value_name = "MODELS")]
    pub a: Vec<String>,
    /// Models of group B (comma-separated or repeated).
    #[arg(long = "b", value_delimiter = ',', value_name = "MODELS")]
    pub b: Vec<String>,
    /// Drop stop words while counting: english (NLTK's list of 179 words)
    /// or none.
    #[arg(long, default_value = "none", value_name = "LIST")]
    pub stopwords: String,
    /// Leave out of the tables words whose pooled count is below N (0 to
    /// 1000000000; they still count in the totals and the prior).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = range(0, 1_000_000_000))]
    pub min_count: u64,
    /// Scale of the informative prior: alpha_w = scale x the word's pooled
    /// count (a positive number).
    #[arg(long, default_value_t = 1.0, value_name = "S")]
    pub prior_scale: f64,
    /// INPUT are judgment files (FastChat pair and single judgments,
    /// AlpacaEval annotations), and the texts are the judge's explanations
    /// about each model: a pair judgment's `g1_judgment` and `g2_judgment`
    /// count for both models of the game, a single grade's `judgment` for its
    /// model, an AlpacaEval annotation's `raw_completion` (its
    /// `concise_explanation` when it has one) for both generators.
    #[arg(long)]
    pub judgments: bool,
    /// Words of each side in the Markdown and LaTeX tables and the chart (1
    /// to 100000).
    #[arg(long, default_value_t = 30, value_name = "K", value_parser = range_usize(1, 100_000))]
    pub top: usize,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

impl StageConfig for Config {
    fn validate(&self) -> wildstat_engine::Result<()> {
        if self.a.is_empty() || self.b.is_empty() {
            bail!("keywords needs two groups of models: --a MODELS --b MODELS");
        }
        if let Some(m) = self.a.iter().find(|m| self.b.contains(m)) {
            bail!("model {m:?} is in both --a and --b");
        }
        if !matches!(self.stopwords.as_str(), "english" | "none") {
            bail!(
                "unknown --stopwords {:?}: expected english or none",
                self.stopwords
            );
        }
        if !(self.prior_scale.is_finite() && self.prior_scale > 0.0) {
            bail!(
                "--prior-scale {} must be a positive number",
                self.prior_scale
            );
        }
        Ok(())
    }
}

/// Word counts of the two groups.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct KeywordsAcc {
    a: Counts,
    b: Counts,
    /// Responses counted per group.
    responses: [u64; 2],
}

impl KeywordsAcc {
    /// Adds another shard's or thread's counts.
    fn add(&mut self, o: Self) {
        self.a.merge(&o.a);
        self.b.merge(&o.b);
        self.responses[0] += o.responses[0];
        self.responses[1] += o.responses[1];
    }
}

impl Accumulator for KeywordsAcc {
    fn merge(&mut self, o: Self) -> wildstat_engine::Result<()> {
        self.add(o);
        Ok(())
    }
}

/// A prepared keywords shard.
pub struct Keywords {
    a: Vec<String>,
    b: Vec<String>,
    stopwords: Option<Stopwords>,
}

impl Stage for Keywords {
    const NAME: &'static str = "keywords";
    const SPLIT: Split = Split::Units;
    const ROWS: Option<&'static str> = None;
    const UNIT: &'static str = "rows";
    type Config = Config;
    type Acc = KeywordsAcc;

    fn split(cfg: &Config) -> Split {
        if cfg.judgments {
            Split::Files
        } else {
            Split::Units
        }
    }

    fn process_file(
        &self,
        path: &std::path::Path,
        emit: &mut Emit<'_, KeywordsAcc>,
    ) -> wildstat_engine::Result<()> {
        let texts = wildstat_judge::explanations(path).map_err(anyhow::Error::msg)?;
        let batch = texts
            .into_iter()
            .map(|(model, text)| Response {
                model: model.into(),
                conversation_hash: String::new(),
                turn: 1,
                role: wildstat_reader::Role::Assistant,
                language: None,
                text,
                run: None,
            })
            .collect();
        self.process(batch, emit)
    }

    fn prepare(cfg: &Config, _: &Context) -> wildstat_engine::Result<Self> {
        Ok(Keywords {
            a: cfg.a.clone(),
            b: cfg.b.clone(),
            stopwords: (cfg.stopwords == "english").then(Stopwords::english),
        })
    }

    fn empty(&self) -> KeywordsAcc {
        KeywordsAcc::default()
    }

    fn process(
        &self,
        batch: Vec<Response>,
        emit: &mut Emit<'_, KeywordsAcc>,
    ) -> wildstat_engine::Result<()> {
        let sw = self.stopwords.as_ref();
        let part = batch
            .par_chunks(256)
            .map(|chunk| {
                let mut acc = KeywordsAcc::default();
                for r in chunk {
                    let m: &str = &r.model;
                    if self.a.iter().any(|x| x == m) {
                        acc.a.add_text(&r.text, sw);
                        acc.responses[0] += 1;
                    } else if self.b.iter().any(|x| x == m) {
                        acc.b.add_text(&r.text, sw);
                        acc.responses[1] += 1;
                    }
                }
                acc
            })
            .reduce(KeywordsAcc::default, |mut x, y| {
                x.add(y);
                x
            });
        emit.acc.add(part);
        Ok(())
    }

    fn finish(cfg: &Config, _: &Context, acc: KeywordsAcc) -> wildstat_engine::Result<Outputs> {
        for (side, n, models) in [
            ("a", acc.responses[0], &cfg.a),
            ("b", acc.responses[1], &cfg.b),
        ] {
            if n == 0 {
                bail!(
                    "keywords: group {side} ({}) has no selected responses; check the model names with `wildstat inspect`",
                    models.join(", ")
                );
            }
        }
        let scores = fightin_words(&acc.a, &acc.b, cfg.prior_scale, cfg.min_count)
            .map_err(anyhow::Error::msg)?;
        let (la, lb) = (cfg.a.join(", "), cfg.b.join(", "));
        let t = tables(&scores, cfg.top, &la, &lb);
        let mut out = Outputs::default();
        for (name, text) in t.files {
            if name == "keywords.md" {
                out.stdout = text.clone();
            }
            out.file(name, text);
        }
        out.file("keywords.svg", chart_svg(&scores, cfg.top, &la, &lb));
        out.summary = format!(
            "{} words over {} + {} responses",
            scores.len(),
            acc.responses[0],
            acc.responses[1]
        );
        Ok(out)
    }
}
