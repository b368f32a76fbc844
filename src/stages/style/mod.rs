//! The style stage, the counts block of the paper's Table 3: for every
//! selected response, the HTML elements a CommonMark renderer emits for it
//! (h1..h6, p, ul, ol, li, strong, em, code, pre, blockquote, table, hr, a,
//! img, del) and its length; per-model totals, means and shares; and
//! proportional frequencies PF(A||B).
//!
//! Writes `responses.parquet` (one row per response; with `--token-len` a
//! `token_len` column, o200k_base tokens by the judge stage's function),
//! `table.{md,tex,csv,json}`, `code_languages.csv` and `style.svg`.

pub mod tables;

use std::sync::Arc;

use anyhow::bail;
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_judge::style::token_len;
use wildstat_reader::Response;
use wildstat_style::{count, StyleCounts};

use tables::{element_names, pf_table, tidy, ModelStyle, Styles};
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The style stage's options.
#[derive(Debug, Clone, Default, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Add PF(A||B) rows (repeatable), e.g. --pf student:teacher.
    #[arg(long, value_name = "A:B")]
    pub pf: Vec<String>,
    /// Add PF(x||M) rows for every other model x.
    #[arg(long, value_name = "M")]
    pub pf_baseline: Option<String>,
    /// Add a `token_len` column (o200k_base tokens, as Arena-Hard-Auto
    /// counts them) to responses.parquet; off by default, BPE is slow
    /// beside the counts (docs/style.md).
    #[arg(long)]
    pub token_len: bool,
}

impl StageConfig for Config {
    fn validate(&self) -> wildstat_engine::Result<()> {
        for spec in &self.pf {
            if !matches!(spec.split_once(':'), Some((a, b)) if !a.is_empty() && !b.is_empty()) {
                bail!("--pf {spec:?}: expected A:B (two model names)");
            }
        }
        Ok(())
    }
}

/// Per-response figures beyond the elements and `len`.
const EXTRA: [&str; 4] = ["words", "lines", "code_blocks", "list_depth"];

impl Accumulator for ModelStyle {
    fn merge(&mut self, other: Self) -> wildstat_engine::Result<()> {
        ModelStyle::merge(self, &other);
        Ok(())
    }
}

/// The style stage: whether it counts tokens too, and its row schema.
pub struct Style {
    token_len: bool,
    schema: SchemaRef,
}

impl Stage for Style {
    const NAME: &'static str = "style";
    const SPLIT: Split = Split::Units;
    const ROWS: Option<&'static str> = Some("responses.parquet");
    const UNIT: &'static str = "rows";
    type Config = Config;
    type Acc = Styles;

    fn prepare(cfg: &Config, _: &Context) -> wildstat_engine::Result<Self> {
        Ok(Style {
            token_len: cfg.token_len,
            schema: Self::row_schema(cfg).expect("schema"),
        })
    }

    fn empty(&self) -> Styles {
        Styles::new()
    }

    fn schema() -> Option<SchemaRef> {
        let mut fields = vec![
            Field::new("model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
        ];
        for e in element_names().into_iter().chain(EXTRA) {
            fields.push(Field::new(e, DataType::UInt64, false));
        }
        Some(Arc::new(Schema::new(fields)))
    }

    fn row_schema(cfg: &Config) -> Option<SchemaRef> {
        let base = Self::schema()?;
        if !cfg.token_len {
            return Some(base);
        }
        let mut fields: Vec<Field> = base.fields().iter().map(|f| (**f).clone()).collect();
        fields.push(Field::new("token_len", DataType::UInt64, false));
        Some(Arc::new(Schema::new(fields)))
    }

    fn process(
        &self,
        batch: Vec<Response>,
        emit: &mut Emit<'_, Styles>,
    ) -> wildstat_engine::Result<()> {
        let counts: Vec<StyleCounts> = batch.par_iter().map(|r| count(&r.text)).collect();
        let tokens: Option<Vec<u64>> = self
            .token_len
            .then(|| batch.par_iter().map(|r| token_len(&r.text)).collect());
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                batch.iter().map(|r| &*r.model),
            )),
            Arc::new(StringArray::from_iter_values(
                batch.iter().map(|r| r.conversation_hash.as_str()),
            )),
            Arc::new(UInt32Array::from_iter_values(batch.iter().map(|r| r.turn))),
        ];
        for k in 0..20 {
            cols.push(Arc::new(UInt64Array::from_iter_values(
                counts.iter().map(|c| c.element(k)),
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
                counts.iter().map(f),
            )));
        }
        if let Some(t) = tokens {
            cols.push(Arc::new(UInt64Array::from(t)));
        }
        for (r, c) in batch.iter().zip(&counts) {
            match emit.acc.get_mut(&*r.model) {
                Some(s) => s.add(c),
                None => emit.acc.entry(r.model.to_string()).or_default().add(c),
            }
        }
        emit.rows(RecordBatch::try_new(self.schema.clone(), cols)?)
    }

    fn finish(cfg: &Config, _: &Context, styles: Styles) -> wildstat_engine::Result<Outputs> {
        if styles.is_empty() {
            bail!("style: no responses selected");
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for spec in &cfg.pf {
            let (a, b) = spec.split_once(':').expect("validated");
            pairs.push((a.to_string(), b.to_string()));
        }
        if let Some(base) = &cfg.pf_baseline {
            for m in styles.keys() {
                if m != base {
                    pairs.push((m.clone(), base.to_string()));
                }
            }
        }
        for (a, b) in &pairs {
            for m in [a, b] {
                if !styles.contains_key(m) {
                    bail!("PF: unknown model {m:?} (models: {})", names(&styles));
                }
            }
        }
        let ts = tables::tables(&styles, &pairs);
        let join = |f: &dyn Fn(&wildstat_stats::Table) -> String| {
            ts.iter().map(f).collect::<Vec<_>>().join("\n")
        };
        let mut out = Outputs::default();
        out.file("table.md", join(&|t| t.to_markdown()));
        out.file("table.tex", join(&|t| t.to_latex()));
        let tidy = tidy(&styles, &pairs);
        out.file("table.csv", tidy.to_csv());
        out.file("table.json", tidy.to_json());
        out.file("code_languages.csv", code_languages(&styles));
        out.file("style.svg", profile_svg(&styles));
        out.stdout = ts[1].to_markdown();
        if !pairs.is_empty() {
            out.stdout += "\n";
            out.stdout += &pf_table(&styles, &pairs).to_markdown();
        }
        out.summary = format!("{} models", styles.len());
        Ok(out)
    }
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
