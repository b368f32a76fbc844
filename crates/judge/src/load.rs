//! Reading published judgment files into [`Judgment`] records.
//!
//! A file is a JSON array (AlpacaEval `annotations.json`) or JSON Lines
//! (FastChat, Chatbot Arena), told apart by its first non-blank byte. Each
//! record's format is detected by its keys:
//!
//! | keys | format | item | judge |
//! |---|---|---|---|
//! | `generator_1`, `generator_2`, `preference` | AlpacaEval annotation | `instruction` | `annotator` |
//! | `model_1`, `model_2`, `g1_winner`, `g2_winner` | FastChat MT-Bench pair | `question_id` | `judge[0]` |
//! | `model`, `score`, `question_id` | FastChat single grade | `question_id` | `judge[0]` |
//! | `model_a`, `model_b`, `winner` | Chatbot Arena battle | `question_id`, else `file#record` | `arena` |
//!
//! FastChat's `judge` is `[judge model, prompt template]`; the template
//! differs between turns and categories (`pair-v2`, `pair-v2-multi-turn`,
//! `pair-math-v1`), so only the judge model names the judge, as FastChat's
//! `show_result.py` pools all rows of one judge's file.
//!
//! Verdicts become an AlpacaEval-scale `preference` in `[1, 2]` (1 =
//! `model_a` preferred, 2 = `model_b` preferred, 1.5 = draw):
//! - AlpacaEval: `preference` as published, `0` read as the draw `1.5`
//!   (AlpacaEval's own backward-compatibility rule), `null` dropped (no
//!   verdict); anything outside `[1, 2]` is an error.
//! - FastChat pair: `show_result.py`'s rule: a win only when `g1_winner ==
//!   g2_winner != "tie"`, otherwise a tie; a row with an `error` winner is
//!   dropped, as `show_result.py` drops it.
//! - FastChat single: `score == -1` (FastChat's parse failure) is dropped.
//! - Arena: `model_a` = 1, `model_b` = 2, `tie` and `tie (bothbad)` = 1.5.

use crate::{Judgment, PairJudgment, SingleGrade, Source};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::path::Path;

/// A present field as `Some` (JSON `null` included), so that a missing field
/// stays `None` and a `null` one is `Some(Value::Null)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The fields any supported format uses; all others are skipped unparsed
/// (prompts, outputs, log-probabilities), which keeps reading fast.
macro_rules! fields {
    ($($name:ident),*) => {
        #[derive(Deserialize)]
        struct Fields {
            $(#[serde(default, deserialize_with = "present")] $name: Option<Value>,)*
        }
        impl Fields {
            fn get(&self, key: &str) -> Option<&Value> {
                match key {
                    $(stringify!($name) => self.$name.as_ref(),)*
                    _ => None,
                }
            }
        }
    };
}
fields!(
    generator_1,
    generator_2,
    preference,
    instruction,
    annotator,
    raw_completion,
    question_id,
    model_1,
    model_2,
    g1_winner,
    g2_winner,
    g1_judgment,
    g2_judgment,
    judge,
    turn,
    model,
    score,
    judgment,
    model_a,
    model_b,
    winner,
    category
);

/// One record of a file, with where it came from for error messages.
struct Record<'a> {
    value: Fields,
    line: usize,
    index: usize,
    file: &'a str,
}

impl Record<'_> {
    fn err(&self, field: &str, what: &str) -> String {
        format!("{}:{}: field `{field}`: {what}", self.file, self.line)
    }

    fn get(&self, field: &str) -> Result<&Value, String> {
        self.value
            .get(field)
            .ok_or_else(|| self.err(field, "missing"))
    }

    fn string(&self, field: &str) -> Result<String, String> {
        match self.get(field)? {
            Value::String(s) => Ok(s.clone()),
            v => Err(self.err(field, &format!("expected a string, got {}", short(v)))),
        }
    }

    /// A string or an integer, as text (question ids are either).
    fn key(&self, field: &str) -> Result<String, String> {
        match self.get(field)? {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            v => Err(self.err(
                field,
                &format!("expected a string or an integer, got {}", short(v)),
            )),
        }
    }

    fn turn(&self) -> Result<u32, String> {
        match self.value.get("turn") {
            None | Some(Value::Null) => Ok(1),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| self.err("turn", &format!("expected a turn number, got {n}"))),
            Some(v) => Err(self.err("turn", &format!("expected a turn number, got {}", short(v)))),
        }
    }

    /// FastChat's `judge`: `["gpt-4", "pair-v2"]` -> `gpt-4`; a plain string as is.
    fn fastchat_judge(&self) -> Result<String, String> {
        match self.get("judge")? {
            Value::String(s) => Ok(s.clone()),
            Value::Array(a) => match a.first() {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(self.err("judge", "expected [judge model, prompt name]")),
            },
            v => Err(self.err("judge", &format!("expected a list, got {}", short(v)))),
        }
    }
}

/// A value shortened for an error message.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Call `f` on each JSON object record of `text` in order, with its line
/// number (records are parsed one at a time, never all held).
fn for_each_record<'a>(
    file: &'a str,
    text: &str,
    mut f: impl FnMut(Record<'a>) -> Result<(), String>,
) -> Result<(), String> {
    let object = |text: &str, line: usize, index: usize| -> Result<Record<'a>, String> {
        match serde_json::from_str::<Fields>(text) {
            Ok(value) => Ok(Record {
                value,
                line,
                index,
                file,
            }),
            Err(e) if e.is_data() => Err(format!("{file}:{line}: record: expected a JSON object")),
            Err(e) => Err(format!("{file}:{line}: field `(json)`: {e}")),
        }
    };
    if text.trim_start().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text)
            .map_err(|e| format!("{file}:{}: field `(json)`: {e}", e.line()))?;
        let (mut seen, mut line) = (0, 1);
        for (index, raw) in items.into_iter().enumerate() {
            let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            line += count_newlines(&text.as_bytes()[seen..offset]);
            seen = offset;
            f(object(raw.get(), line, index)?)?;
        }
    } else {
        let mut index = 0;
        for (i, l) in text.lines().enumerate() {
            if !l.trim().is_empty() {
                f(object(l, i + 1, index)?)?;
                index += 1;
            }
        }
    }
    Ok(())
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn alpaca(r: &Record) -> Result<Option<Judgment>, String> {
    let preference = match r.get("preference")? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        v => {
            return Err(r.err(
                "preference",
                &format!("expected a number in [1, 2], 0 or null, got {}", short(v)),
            ))
        }
    };
    let preference = if preference == 0.0 { 1.5 } else { preference };
    if !(1.0..=2.0).contains(&preference) {
        return Err(r.err(
            "preference",
            &format!("expected a number in [1, 2], 0 or null, got {preference}"),
        ));
    }
    let judge = match r.value.get("annotator") {
        None | Some(Value::Null) => "alpaca_eval".to_string(),
        Some(_) => r.string("annotator")?,
    };
    Ok(Some(Judgment::Pair(PairJudgment {
        source: Source::AlpacaEval,
        judge,
        item: r.string("instruction")?,
        turn: 1,
        model_a: r.string("generator_1")?,
        model_b: r.string("generator_2")?,
        preference,
    })))
}

fn fastchat_pair(r: &Record) -> Result<Option<Judgment>, String> {
    let winner = |field: &str| -> Result<String, String> {
        let w = r.string(field)?;
        match w.as_str() {
            "model_1" | "model_2" | "tie" | "error" => Ok(w),
            _ => Err(r.err(
                field,
                &format!("expected model_1, model_2, tie or error, got {w:?}"),
            )),
        }
    };
    let (g1, g2) = (winner("g1_winner")?, winner("g2_winner")?);
    if g1 == "error" || g2 == "error" {
        return Ok(None);
    }
    let preference = if g1 == "tie" || g1 != g2 {
        1.5
    } else if g1 == "model_1" {
        1.0
    } else {
        2.0
    };
    Ok(Some(Judgment::Pair(PairJudgment {
        source: Source::FastChat,
        judge: r.fastchat_judge()?,
        item: r.key("question_id")?,
        turn: r.turn()?,
        model_a: r.string("model_1")?,
        model_b: r.string("model_2")?,
        preference,
    })))
}

fn fastchat_single(r: &Record) -> Result<Option<Judgment>, String> {
    let score = match r.get("score")? {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        v => return Err(r.err("score", &format!("expected a number, got {}", short(v)))),
    };
    if score == -1.0 {
        return Ok(None);
    }
    if !score.is_finite() {
        return Err(r.err("score", "expected a finite number"));
    }
    Ok(Some(Judgment::Single(SingleGrade {
        judge: r.fastchat_judge()?,
        item: r.key("question_id")?,
        turn: r.turn()?,
        model: r.string("model")?,
        score,
    })))
}

fn arena(r: &Record) -> Result<Option<Judgment>, String> {
    let w = r.string("winner")?;
    let preference = match w.as_str() {
        "model_a" => 1.0,
        "model_b" => 2.0,
        "tie" | "tie (bothbad)" => 1.5,
        _ => {
            return Err(r.err(
                "winner",
                &format!("expected model_a, model_b, tie or tie (bothbad), got {w:?}"),
            ))
        }
    };
    let item = match r.value.get("question_id") {
        None | Some(Value::Null) => format!("{}#{}", r.file, r.index),
        Some(_) => r.key("question_id")?,
    };
    Ok(Some(Judgment::Pair(PairJudgment {
        source: Source::Arena,
        judge: "arena".to_string(),
        item,
        turn: 1,
        model_a: r.string("model_a")?,
        model_b: r.string("model_b")?,
        preference,
    })))
}

/// The published formats a record can have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Alpaca,
    FastChatPair,
    FastChatSingle,
    Arena,
}

/// Which format a record has, by its keys.
fn detect(r: &Record) -> Result<Format, String> {
    let has = |k: &str| r.value.get(k).is_some();
    if has("generator_1") && has("generator_2") {
        Ok(Format::Alpaca)
    } else if has("g1_winner") || has("g2_winner") {
        Ok(Format::FastChatPair)
    } else if has("model_a") && has("model_b") {
        Ok(Format::Arena)
    } else if has("model") && has("score") {
        Ok(Format::FastChatSingle)
    } else {
        Err(format!(
            "{}:{}: record: not a judgment (expected AlpacaEval generator_1/generator_2/preference, \
             FastChat model_1/model_2/g1_winner/g2_winner or model/score, or Arena model_a/model_b/winner)",
            r.file, r.line
        ))
    }
}

/// Parse the judgments in `text` (a file's contents; `file` names it in
/// errors). Records in file order; dropped verdicts (null, error, -1) left out.
pub fn parse_judgments(file: &str, text: &str) -> Result<Vec<Judgment>, String> {
    let mut out = Vec::new();
    for_each_record(file, text, |r| {
        let read = match detect(&r)? {
            Format::Alpaca => alpaca,
            Format::FastChatPair => fastchat_pair,
            Format::FastChatSingle => fastchat_single,
            Format::Arena => arena,
        };
        if let Some(j) = read(&r)? {
            out.push(j);
        }
        Ok(())
    })?;
    Ok(out)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Read one judgment file (see [`parse_judgments`]).
pub fn load_judgments(path: &Path) -> Result<Vec<Judgment>, String> {
    parse_judgments(&path.display().to_string(), &read(path)?)
}

/// The judge's explanation text of each record in `text`, attached to the
/// models it speaks about, for keyword statistics. Attachment rule:
/// - FastChat pair: `g1_judgment` and `g2_judgment` (the two position
///   orders) each attached to both `model_1` and `model_2`: one explanation
///   compares both answers, so it is evidence about both.
/// - FastChat single: `judgment` attached to its `model`.
/// - AlpacaEval: `raw_completion` when it is a string, except that a string
///   holding a JSON object, or an object, contributes its
///   `concise_explanation` if it has one, else its `text` (the completion
///   text of an OpenAI response object); attached to both generators.
/// - Arena battles carry no explanation.
///
/// Records whose verdict is dropped still contribute their text.
pub fn parse_explanations(file: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for_each_record(file, text, |r| {
        let format = detect(&r)?;
        let opt_text = |field: &str| -> Result<Option<String>, String> {
            match r.value.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v) => Err(r.err(field, &format!("expected a string, got {}", short(v)))),
            }
        };
        if format == Format::FastChatPair {
            let models = [r.string("model_1")?, r.string("model_2")?];
            for field in ["g1_judgment", "g2_judgment"] {
                if let Some(t) = opt_text(field)? {
                    for m in &models {
                        out.push((m.clone(), t.clone()));
                    }
                }
            }
        } else if format == Format::FastChatSingle {
            if let Some(t) = opt_text("judgment")? {
                out.push((r.string("model")?, t));
            }
        } else if format == Format::Alpaca {
            let text = match r.value.get("raw_completion") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Object(o)) => object_explanation(&o),
                    _ => Some(s.clone()),
                },
                Some(Value::Object(o)) => object_explanation(o),
                Some(v) => {
                    return Err(r.err(
                        "raw_completion",
                        &format!("expected a string or an object, got {}", short(v)),
                    ))
                }
            };
            if let Some(t) = text {
                for field in ["generator_1", "generator_2"] {
                    out.push((r.string(field)?, t.clone()));
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn object_explanation(o: &Map<String, Value>) -> Option<String> {
    ["concise_explanation", "text"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string))
}

/// [`parse_explanations`] of one file.
pub fn explanations(path: &Path) -> Result<Vec<(String, String)>, String> {
    parse_explanations(&path.display().to_string(), &read(path)?)
}

/// MT-Bench `question.jsonl`: `question_id` (as text) -> `category`, sorted.
pub fn load_questions(path: &Path) -> Result<std::collections::BTreeMap<String, String>, String> {
    let file = path.display().to_string();
    let text = read(path)?;
    let mut out = std::collections::BTreeMap::new();
    for_each_record(&file, &text, |r| {
        out.insert(r.key("question_id")?, r.string("category")?);
        Ok(())
    })?;
    Ok(out)
}
