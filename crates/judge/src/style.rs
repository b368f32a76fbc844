//! Style control: does the judge prefer length and Markdown over content?
//!
//! Per answer, Arena-Hard-Auto's `utils/add_markdown_info.py` metadata:
//! - `token_len`: tokens of the o200k_base encoding (`tiktoken`'s gpt-4o
//!   encoder, `encode(text, disallowed_special=())`, i.e. special-token
//!   text encoded as ordinary text), via `tiktoken-rs`;
//! - header (`h1`..`h6`), list (`ordered`, `unordered`) and bold (`**`,
//!   `__`) counts by its regexes, after deleting code blocks its way: every
//!   `` ```([^`]*)``` `` match's inner text is removed (all its occurrences,
//!   in match order, fences left in place). Python's `\s` also matches
//!   U+001C..U+001F, which Rust's does not, so the classes spell them out.
//!
//! Style-controlled ratings follow its `show_result.py`
//! `print_leaderboard_with_style_features`: per battle, length feature
//! `(len_a - len_b) / (len_a + len_b)`, Markdown densities `count / token_len`
//! with feature `(d_a - d_b) / (d_a + d_b + 1)`; each feature standardized
//! over the battles (mean, sample std ddof 1, as `torch.std`), then added as
//! covariates to the Bradley-Terry regression of [`crate::bt`]. The fitted
//! coefficients are in logits per standard deviation of the feature,
//! ordered length, headers, lists, bold; the bootstrap resamples battles with
//! the standardized features fixed, as Arena-Hard-Auto does. (Arena-Hard-Auto
//! fits in float32 with torch; this is the float64 fit of the same design.)

use crate::bt::{fit_with_bootstrap, Battle, BtOptions, Ratings, Row};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use wildstat_stats::numpy;

/// Arena-Hard-Auto's Markdown counts of one answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkdownCounts {
    /// `h1`..`h6` header lines.
    pub header: [u64; 6],
    /// Ordered list items (`1. `).
    pub ordered: u64,
    /// Unordered list items (`- `, `* `, `+ `).
    pub unordered: u64,
    /// `**bold**` spans.
    pub bold_star: u64,
    /// `__bold__` spans.
    pub bold_underscore: u64,
}

struct Patterns {
    code: Regex,
    header: Vec<Regex>,
    ordered: Regex,
    unordered: Regex,
    bold_star: Regex,
    bold_underscore: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("valid pattern");
        Patterns {
            code: re(r"```([^`]*)```"),
            header: (1..=6)
                .map(|n| re(&format!(r"(?m)^#{{{n}}}[\s\x1c-\x1f]")))
                .collect(),
            ordered: re(r"(?m)^[\s\x1c-\x1f]*\d+\.[\s\x1c-\x1f]"),
            unordered: re(r"(?m)^[\s\x1c-\x1f]*[-*+][\s\x1c-\x1f]"),
            bold_star: re(r"\*\*[^*\n]+\*\*"),
            bold_underscore: re(r"__[^_\n]+__"),
        }
    })
}

/// Markdown counts of `answer` (code blocks removed first, see module docs).
pub fn markdown_counts(answer: &str) -> MarkdownCounts {
    let p = patterns();
    let mut text = answer.to_string();
    let blocks: Vec<&str> = p
        .code
        .captures_iter(answer)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    for b in blocks.into_iter().filter(|b| !b.is_empty()) {
        text = text.replace(b, "");
    }
    let count = |r: &Regex| r.find_iter(&text).count() as u64;
    let mut header = [0; 6];
    for (h, r) in header.iter_mut().zip(&p.header) {
        *h = count(r);
    }
    MarkdownCounts {
        header,
        ordered: count(&p.ordered),
        unordered: count(&p.unordered),
        bold_star: count(&p.bold_star),
        bold_underscore: count(&p.bold_underscore),
    }
}

/// Tokens of `text` in o200k_base (gpt-4o), special-token text as ordinary text.
pub fn token_len(text: &str) -> u64 {
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len() as u64
}

/// The four style quantities of one answer that the regression uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StyleFeatures {
    /// o200k_base tokens.
    pub token_len: u64,
    /// Header count (h1..h6 summed).
    pub headers: u64,
    /// List item count (ordered + unordered).
    pub lists: u64,
    /// Bold count (`**` + `__`).
    pub bold: u64,
}

/// [`StyleFeatures`] of one answer.
pub fn style_features(answer: &str) -> StyleFeatures {
    let m = markdown_counts(answer);
    StyleFeatures {
        token_len: token_len(answer),
        headers: m.header.iter().sum(),
        lists: m.ordered + m.unordered,
        bold: m.bold_star + m.bold_underscore,
    }
}

/// A battle with the style features of both answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StyledBattle {
    /// Who played and the score of A.
    pub battle: Battle,
    /// Answer A's features.
    pub a: StyleFeatures,
    /// Answer B's features.
    pub b: StyleFeatures,
}

/// Join pairwise verdicts with the style features of the judged answers,
/// keyed by (model, item): the battles of [`crate::bt::battles`] with both
/// answers' features. Errors naming the first verdict whose answer is missing.
pub fn styled_battles(
    judgments: &[crate::Judgment],
    features: &BTreeMap<(String, String), StyleFeatures>,
) -> Result<(Vec<String>, Vec<StyledBattle>), String> {
    let (models, battles) = crate::bt::battles(judgments);
    let pairs = crate::pairs(judgments).filter(|p| p.model_a != p.model_b);
    let mut out = Vec::with_capacity(battles.len());
    for (battle, p) in battles.into_iter().zip(pairs) {
        let get = |model: &str| {
            features
                .get(&(model.to_string(), p.item.clone()))
                .copied()
                .ok_or_else(|| {
                    format!(
                        "no answer of {model} to item {:?} for style control",
                        p.item
                    )
                })
        };
        out.push(StyledBattle {
            battle,
            a: get(&p.model_a)?,
            b: get(&p.model_b)?,
        });
    }
    Ok((models, out))
}

/// Standardized style covariates of each battle (length, headers, lists,
/// bold). Errors on an answer without tokens or a constant feature.
pub fn style_covariates(battles: &[StyledBattle]) -> Result<Vec<[f64; 4]>, String> {
    let mut raw = Vec::with_capacity(battles.len());
    for (i, sb) in battles.iter().enumerate() {
        let (la, lb) = (sb.a.token_len as f64, sb.b.token_len as f64);
        if la == 0.0 || lb == 0.0 {
            return Err(format!(
                "battle {i}: an answer has no tokens, its Markdown densities are undefined"
            ));
        }
        let dens = |x: u64, y: u64| {
            let (da, db) = (x as f64 / la, y as f64 / lb);
            (da - db) / (da + db + 1.0)
        };
        raw.push([
            (la - lb) / (la + lb),
            dens(sb.a.headers, sb.b.headers),
            dens(sb.a.lists, sb.b.lists),
            dens(sb.a.bold, sb.b.bold),
        ]);
    }
    for (j, name) in ["length", "header density", "list density", "bold density"]
        .iter()
        .enumerate()
    {
        let col: Vec<f64> = raw.iter().map(|r| r[j]).collect();
        let (m, s) = (numpy::mean(&col), numpy::std(&col, 1));
        if !(s > 0.0 && s.is_finite()) {
            return Err(format!(
                "style feature {name} is constant over the battles; it cannot be standardized"
            ));
        }
        for r in raw.iter_mut() {
            r[j] = (r[j] - m) / s;
        }
    }
    Ok(raw)
}

/// Style-controlled Bradley-Terry ratings: [`crate::bt::bradley_terry`]'s
/// design plus the four [`style_covariates`]; `Ratings::coefficients` holds
/// the style coefficients (length, headers, lists, bold).
pub fn bradley_terry_style(
    models: &[String],
    battles: &[StyledBattle],
    opts: &BtOptions,
) -> Result<Ratings, String> {
    if let Some(b) = battles
        .iter()
        .find(|b| b.battle.a >= models.len() || b.battle.b >= models.len())
    {
        return Err(format!(
            "battle names model index {} of {}",
            b.battle.a.max(b.battle.b),
            models.len()
        ));
    }
    let cov = style_covariates(battles)?;
    let rows_of = |idx: Option<&[usize]>| {
        let all: Vec<usize>;
        let idx = match idx {
            Some(i) => i,
            None => {
                all = (0..battles.len()).collect();
                &all
            }
        };
        let mut rows = Vec::with_capacity(idx.len());
        let mut feats = Vec::with_capacity(idx.len() * 4);
        for &i in idx
            .iter()
            .filter(|&&i| battles[i].battle.a != battles[i].battle.b)
        {
            let b = battles[i].battle;
            rows.push(Row {
                a: b.a,
                b: b.b,
                y: b.score_a,
                w: 1.0,
            });
            feats.extend_from_slice(&cov[i]);
        }
        (rows, feats)
    };
    fit_with_bootstrap(models, battles.len(), 4, &rows_of, opts)
}
