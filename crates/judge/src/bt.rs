//! Bradley-Terry ratings fitted by maximum likelihood, as Chatbot Arena's
//! `compute_mle_elo` (its leaderboard notebook): a logistic regression
//! without intercept on the design `+ln(base)` in model A's column and
//! `-ln(base)` in model B's, outcome "A won", a tie counted as half a win
//! each way (Arena adds each tie as one row each way at half the weight of a
//! win; here a soft label 0.5, the same likelihood), unpenalized (the
//! reference is scikit-learn `LogisticRegression(fit_intercept=False,
//! penalty=None)`), ratings `scale * coef + init` (400, 10, 1000).
//!
//! The likelihood only sees rating differences, so the coefficients are
//! fixed up to a common shift. scikit-learn's solver starts at zero and every
//! gradient sums to zero over the model columns, so it returns the
//! sum-zero solution: mean rating = `init`. We fit that solution exactly
//! (Newton's method on `H + v v^T`, `v` = ones over the model columns, whose
//! steps keep the sum at zero), then optionally anchor one model to a fixed
//! rating as Arena anchors Mixtral at 1114.
//!
//! Optional extra covariates (style control, [`crate::style`]) enter the same
//! regression as further columns; their coefficients are reported as fitted.
//!
//! The MLE exists only when every split of the models into two groups has a
//! win (or tie) each way; otherwise Newton diverges and the fit is an error.
//! Seeded bootstrap: each resample draws the battles with replacement
//! (per-resample SplitMix64 streams, so the result does not depend on the
//! thread count; plain ratings draw from the battles listed by (pair,
//! score), so neither does it depend on the input order), refits, and the 95% interval is the numpy-linear 2.5 and
//! 97.5 percentiles of the refitted ratings; resamples whose MLE does not
//! exist are skipped and counted.

use crate::{pairs, Judgment};
use std::collections::BTreeMap;
use wildstat_stats::bootstrap::percentile_interval;
use wildstat_stats::rng::SplitMix64;

/// One battle between two models (indices into a model list).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Battle {
    /// Model A.
    pub a: usize,
    /// Model B.
    pub b: usize,
    /// A's score: 1 win, 0 loss, 0.5 tie (fractional for weighted judges).
    pub score_a: f64,
}

/// Rating scale and bootstrap settings (Arena's defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct BtOptions {
    /// Rating points per factor `base` in odds (400).
    pub scale: f64,
    /// Odds base (10).
    pub base: f64,
    /// Mean rating (1000).
    pub init: f64,
    /// Shift all ratings so this model has this rating.
    pub anchor: Option<(String, f64)>,
    /// Bootstrap resamples (0 = no intervals).
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

impl Default for BtOptions {
    fn default() -> Self {
        BtOptions {
            scale: 400.0,
            base: 10.0,
            init: 1000.0,
            anchor: None,
            resamples: 100,
            seed: 0,
        }
    }
}

/// Fitted ratings.
#[derive(Clone, Debug, PartialEq)]
pub struct Ratings {
    /// Models, sorted by name.
    pub models: Vec<String>,
    /// Rating of each model.
    pub rating: Vec<f64>,
    /// 95% bootstrap interval of each rating (NaN without resamples).
    pub ci: Vec<(f64, f64)>,
    /// Fitted coefficients of the extra covariates (empty without them).
    pub coefficients: Vec<f64>,
    /// 95% bootstrap intervals of the coefficients.
    pub coefficient_ci: Vec<(f64, f64)>,
    /// Bootstrap resamples skipped because their MLE does not exist.
    pub failed_resamples: usize,
}

/// The models (sorted) and battles of all pairwise verdicts in `judgments`
/// (self-pairs skipped: they carry no information on differences).
pub fn battles(judgments: &[Judgment]) -> (Vec<String>, Vec<Battle>) {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pairs(judgments) {
        index.insert(&p.model_a, 0);
        index.insert(&p.model_b, 0);
    }
    for (i, v) in index.values_mut().enumerate() {
        *v = i;
    }
    let battles = pairs(judgments)
        .filter(|p| p.model_a != p.model_b)
        .map(|p| Battle {
            a: index[p.model_a.as_str()],
            b: index[p.model_b.as_str()],
            score_a: 2.0 - p.preference,
        })
        .collect();
    (index.keys().map(|s| s.to_string()).collect(), battles)
}

/// One regression row: `w` battles of `a` vs `b` with mean score `y` for `a`.
#[derive(Clone, Copy)]
pub(crate) struct Row {
    pub(crate) a: usize,
    pub(crate) b: usize,
    pub(crate) y: f64,
    pub(crate) w: f64,
}

fn log_sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Solve `m x = g` for symmetric positive definite `m` (d x d, row-major) by Cholesky.
fn cholesky_solve(mut m: Vec<f64>, mut g: Vec<f64>) -> Option<Vec<f64>> {
    let d = g.len();
    for j in 0..d {
        let mut s = m[j * d + j];
        for k in 0..j {
            s -= m[j * d + k] * m[j * d + k];
        }
        if s <= 0.0 || !s.is_finite() {
            return None;
        }
        let l = s.sqrt();
        m[j * d + j] = l;
        for i in j + 1..d {
            let mut t = m[i * d + j];
            for k in 0..j {
                t -= m[i * d + k] * m[j * d + k];
            }
            m[i * d + j] = t / l;
        }
    }
    for i in 0..d {
        let mut t = g[i];
        for k in 0..i {
            t -= m[i * d + k] * g[k];
        }
        g[i] = t / m[i * d + i];
    }
    for i in (0..d).rev() {
        let mut t = g[i];
        for k in i + 1..d {
            t -= m[k * d + i] * g[k];
        }
        g[i] = t / m[i * d + i];
    }
    Some(g)
}

/// Maximum-likelihood coefficients (p model columns, then `k` covariates;
/// `feats[r * k + j]` is row r's covariate j) of the soft-label logistic
/// regression, sum-zero over the model columns.
fn fit(p: usize, rows: &[Row], k: usize, feats: &[f64], c: f64) -> Result<Vec<f64>, String> {
    let d = p + k;
    let logit = |theta: &[f64], r: usize, row: &Row| -> f64 {
        let mut z = c * (theta[row.a] - theta[row.b]);
        for j in 0..k {
            z += feats[r * k + j] * theta[p + j];
        }
        z
    };
    let loglik = |theta: &[f64]| -> f64 {
        rows.iter()
            .enumerate()
            .map(|(r, row)| {
                let z = logit(theta, r, row);
                row.w * (row.y * log_sigmoid(z) + (1.0 - row.y) * log_sigmoid(-z))
            })
            .sum()
    };
    let mut theta = vec![0.0; d];
    let mut ll = loglik(&theta);
    let mut xs: Vec<(usize, f64)> = Vec::with_capacity(2 + k);
    for iteration in 0..200 {
        let mut g = vec![0.0; d];
        let mut h = vec![0.0; d * d];
        for (r, row) in rows.iter().enumerate() {
            let s = sigmoid(logit(&theta, r, row));
            xs.clear();
            xs.push((row.a, c));
            xs.push((row.b, -c));
            xs.extend((0..k).map(|j| (p + j, feats[r * k + j])));
            let (res, wt) = (row.w * (row.y - s), row.w * s * (1.0 - s));
            for &(i, xi) in &xs {
                g[i] += res * xi;
                for &(j, xj) in &xs {
                    h[i * d + j] += wt * xi * xj;
                }
            }
        }
        for i in 0..p {
            for j in 0..p {
                h[i * d + j] += 1.0;
            }
        }
        let Some(step) = cholesky_solve(h, g) else {
            return Err(if iteration == 0 {
                "the ratings are not identified: some models are not connected to the others by battles (or covariates are collinear)"
            } else {
                NO_MLE
            }
            .into());
        };
        let mut t = 1.0;
        let (next, next_ll) = loop {
            let cand: Vec<f64> = theta.iter().zip(&step).map(|(x, s)| x + t * s).collect();
            let cand_ll = loglik(&cand);
            if cand_ll >= ll - 1e-12 * ll.abs().max(1.0) || t < 1e-6 {
                break (cand, cand_ll);
            }
            t /= 2.0;
        };
        let max_step = step.iter().fold(0.0f64, |m, s| m.max((t * s).abs()));
        theta = next;
        ll = next_ll;
        if max_step < 1e-11 {
            return Ok(theta);
        }
    }
    Err(NO_MLE.into())
}

const NO_MLE: &str =
    "the maximum-likelihood ratings do not exist: some group of models never loses (or never wins) against the rest";

/// The battles as classes of equal (pair (min, max), score of min): the
/// classes sorted, with their battle counts. A bootstrap index `i` names the
/// `i`-th battle of the battles listed class by class, so resampling does
/// not depend on the input order and reads only this small table.
struct Classes {
    /// `(a, b, y)` with `a < b`, sorted (y by total order).
    class: Vec<(usize, usize, f64)>,
    /// End offset of each class in the class-by-class listing.
    end: Vec<usize>,
}

impl Classes {
    fn new(battles: &[Battle]) -> Classes {
        let mut keys: Vec<(usize, usize, f64)> = battles
            .iter()
            .filter(|b| b.a != b.b)
            .map(|b| {
                if b.a < b.b {
                    (b.a, b.b, b.score_a)
                } else {
                    (b.b, b.a, 1.0 - b.score_a)
                }
            })
            .collect();
        keys.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
        let mut class: Vec<(usize, usize, f64)> = Vec::new();
        let mut end = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if class
                .last()
                .is_some_and(|c| c.0 == k.0 && c.1 == k.1 && c.2.to_bits() == k.2.to_bits())
            {
                *end.last_mut().expect("a class per end") = i + 1;
            } else {
                class.push(*k);
                end.push(i + 1);
            }
        }
        Classes { class, end }
    }

    /// Battles in the listing (self-pairs excluded).
    fn len(&self) -> usize {
        self.end.last().copied().unwrap_or(0)
    }

    /// One regression row per pair from per-class battle counts: same likelihood.
    fn rows(&self, counts: &[u64]) -> Vec<Row> {
        // Row.y holds the score sum until the division at the end.
        let mut rows: Vec<Row> = Vec::new();
        for (&(a, b, y), &n) in self.class.iter().zip(counts).filter(|(_, &n)| n > 0) {
            let w = n as f64;
            match rows.last_mut() {
                Some(r) if r.a == a && r.b == b => {
                    r.y += y * w;
                    r.w += w;
                }
                _ => rows.push(Row { a, b, y: y * w, w }),
            }
        }
        for r in &mut rows {
            r.y /= r.w;
        }
        rows
    }

    /// Rows of the resample `idx` (indices into the class-by-class listing).
    fn resample_rows(&self, idx: &[usize]) -> Vec<Row> {
        let mut counts = vec![0u64; self.class.len()];
        for &i in idx {
            counts[self.end.partition_point(|&e| e <= i)] += 1;
        }
        self.rows(&counts)
    }
}

/// Ratings and covariate coefficients from fitted coefficients.
fn to_ratings(models: &[String], theta: &[f64], opts: &BtOptions) -> Result<Vec<f64>, String> {
    let p = models.len();
    let mut r: Vec<f64> = theta[..p]
        .iter()
        .map(|t| opts.scale * t + opts.init)
        .collect();
    if let Some((name, value)) = &opts.anchor {
        let i = models
            .iter()
            .position(|m| m == name)
            .ok_or_else(|| format!("anchor model {name:?} has no battles"))?;
        let shift = value - r[i];
        r.iter_mut().for_each(|x| *x += shift);
    }
    Ok(r)
}

/// Builds the regression rows and covariates (row-major) of the battles
/// `idx` (`None` = all battles once).
pub(crate) type RowsOf<'a> = dyn Fn(Option<&[usize]>) -> (Vec<Row>, Vec<f64>) + Sync + 'a;

/// Fit, then bootstrap: shared by [`bradley_terry`] and the style-controlled fit.
/// `rows_of` builds the regression rows (and covariates) of a battle sample.
pub(crate) fn fit_with_bootstrap(
    models: &[String],
    n_battles: usize,
    k: usize,
    rows_of: &RowsOf,
    opts: &BtOptions,
) -> Result<Ratings, String> {
    let p = models.len();
    let c = opts.base.ln();
    let (rows, feats) = rows_of(None);
    let theta = fit(p, &rows, k, &feats, c)?;
    let rating = to_ratings(models, &theta, opts)?;
    let mut master = SplitMix64::new(opts.seed);
    let seeds: Vec<u64> = (0..opts.resamples).map(|_| master.next_u64()).collect();
    let one = |s: u64| -> Option<Vec<f64>> {
        let mut rng = SplitMix64::new(s);
        let idx: Vec<usize> = (0..n_battles)
            .map(|_| rng.below(n_battles as u64) as usize)
            .collect();
        let (rows, feats) = rows_of(Some(&idx));
        let th = fit(p, &rows, k, &feats, c).ok()?;
        let mut out = to_ratings(models, &th, opts).ok()?;
        out.extend_from_slice(&th[p..]);
        Some(out)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, seeds.len().max(1));
    let per = seeds.len().div_ceil(threads).max(1);
    let samples: Vec<Option<Vec<f64>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = seeds
            .chunks(per)
            .map(|ss| scope.spawn(move || ss.iter().map(|&s| one(s)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let ok: Vec<&Vec<f64>> = samples.iter().flatten().collect();
    let interval = |j: usize| -> (f64, f64) {
        if ok.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            percentile_interval(ok.iter().map(|s| s[j]).collect(), 0.95)
        }
    };
    Ok(Ratings {
        models: models.to_vec(),
        rating,
        ci: (0..p).map(interval).collect(),
        coefficients: theta[p..].to_vec(),
        coefficient_ci: (p..p + k).map(interval).collect(),
        failed_resamples: samples.len() - ok.len(),
    })
}

/// Bradley-Terry ratings of `models` from `battles` (see the module docs).
pub fn bradley_terry(
    models: &[String],
    battles: &[Battle],
    opts: &BtOptions,
) -> Result<Ratings, String> {
    if let Some(b) = battles
        .iter()
        .find(|b| b.a >= models.len() || b.b >= models.len())
    {
        return Err(format!(
            "battle names model index {} of {}",
            b.a.max(b.b),
            models.len()
        ));
    }
    let classes = Classes::new(battles);
    let all: Vec<u64> = classes
        .end
        .iter()
        .scan(0, |start, &e| {
            let n = (e - *start) as u64;
            *start = e;
            Some(n)
        })
        .collect();
    let rows_of = |idx: Option<&[usize]>| match idx {
        None => (classes.rows(&all), Vec::new()),
        Some(idx) => (classes.resample_rows(idx), Vec::new()),
    };
    fit_with_bootstrap(models, classes.len(), 0, &rows_of, opts)
}
