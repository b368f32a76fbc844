//! Prints the library's results as JSON lines for the parity scripts
//! (scripts/parity/judge_*.py) and the benchmark (scripts/bench/judge.sh).
//!
//! usage: judge_dump winrates FILE... | scores QUESTIONS FILE... |
//!        bt RESAMPLES FILE... | style RESAMPLES FILE
//! `style` reads Arena battles carrying `style_a` / `style_b` objects
//! (`token_len`, `headers`, `lists`, `bold`).

use serde_json::{json, Value};
use std::path::Path;
use wildstat_judge::bt::{battles, bradley_terry, Battle, BtOptions};
use wildstat_judge::style::{bradley_terry_style, StyleFeatures, StyledBattle};
use wildstat_judge::{
    load_judgments, load_questions, scores::scores, winrate::win_rates, Judgment,
};

fn load_all(files: &[String]) -> Result<Vec<Judgment>, String> {
    let mut all = Vec::new();
    for f in files {
        all.extend(load_judgments(Path::new(f))?);
    }
    all.sort();
    Ok(all)
}

fn ratings_json(r: &wildstat_judge::bt::Ratings) -> Value {
    json!({
        "models": r.models, "rating": r.rating,
        "ci": r.ci.iter().map(|c| [c.0, c.1]).collect::<Vec<_>>(),
        "coefficients": r.coefficients, "failed_resamples": r.failed_resamples,
    })
}

fn style_battles(file: &str) -> Result<(Vec<String>, Vec<StyledBattle>), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let judgments = load_all(&[file.to_string()])?;
    let (models, _) = battles(&judgments);
    let feat = |v: &Value| -> Result<StyleFeatures, String> {
        let g = |k: &str| {
            v[k].as_u64()
                .ok_or(format!("{file}: style field {k} missing"))
        };
        Ok(StyleFeatures {
            token_len: g("token_len")?,
            headers: g("headers")?,
            lists: g("lists")?,
            bold: g("bold")?,
        })
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let idx = |k: &str| {
            models
                .iter()
                .position(|m| v[k].as_str() == Some(m))
                .ok_or("model")
        };
        let score_a = match v["winner"].as_str() {
            Some("model_a") => 1.0,
            Some("model_b") => 0.0,
            _ => 0.5,
        };
        out.push(StyledBattle {
            battle: Battle {
                a: idx("model_a")?,
                b: idx("model_b")?,
                score_a,
            },
            a: feat(&v["style_a"])?,
            b: feat(&v["style_b"])?,
        });
    }
    Ok((models, out))
}

fn run(args: &[String]) -> Result<(), String> {
    let cmd = args.first().map(String::as_str).unwrap_or("");
    match cmd {
        "winrates" => {
            for r in win_rates(&load_all(&args[1..])?, 200, 0) {
                println!(
                    "{}",
                    json!({"judge": r.judge, "model": r.model, "opponent": r.opponent,
                        "n_total": r.n_total, "n_wins": r.n_wins, "n_losses": r.n_losses, "n_draws": r.n_draws,
                        "win_rate": r.win_rate, "standard_error": r.standard_error,
                        "discrete_win_rate": r.discrete_win_rate, "ci": [r.ci.0, r.ci.1]})
                );
            }
        }
        "scores" => {
            let q = load_questions(Path::new(&args[1]))?;
            for r in scores(&load_all(&args[2..])?, Some(&q))? {
                println!(
                    "{}",
                    json!({"judge": r.judge, "model": r.model, "turn": r.turn, "category": r.category, "n": r.n, "mean": r.mean})
                );
            }
        }
        "bt" => {
            let resamples: usize = args[1].parse().map_err(|_| "RESAMPLES")?;
            let t = std::time::Instant::now();
            let judgments = load_all(&args[2..])?;
            let loaded = t.elapsed().as_secs_f64();
            let (models, b) = battles(&judgments);
            let opts = BtOptions {
                resamples,
                ..BtOptions::default()
            };
            let r = bradley_terry(&models, &b, &opts)?;
            let rated = t.elapsed().as_secs_f64();
            let wr = win_rates(&judgments, resamples, 0);
            let mut out = ratings_json(&r);
            out["load_seconds"] = json!(loaded);
            out["ratings_seconds"] = json!(rated - loaded);
            out["winrates_seconds"] = json!(t.elapsed().as_secs_f64() - rated);
            out["total_seconds"] = json!(t.elapsed().as_secs_f64());
            out["battles"] = json!(b.len());
            out["winrate_rows"] = json!(wr.len());
            println!("{out}");
        }
        "style" => {
            let resamples: usize = args[1].parse().map_err(|_| "RESAMPLES")?;
            let (models, sb) = style_battles(&args[2])?;
            let opts = BtOptions {
                resamples,
                ..BtOptions::default()
            };
            println!(
                "{}",
                ratings_json(&bradley_terry_style(&models, &sb, &opts)?)
            );
        }
        _ => return Err("usage: judge_dump winrates|scores|bt|style ...".into()),
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
