//! Deterministic synthetic corpora in the WildChat-1M-Full schema (or a
//! variant), for the sample in `data/`, tests and benchmarks: fake models
//! whose styles differ clearly, shared prompts, multi-turn and non-English
//! conversations and a few empty or null responses ([`sample`]).
//!
//! [`multi_run`] makes a multi-run corpus for the agreement stage: models
//! `det-0`, `det-1`, ... (one batch each, with a `run` column 0..N-1) answer
//! single-turn English prompts N times, with known agreement. For model m
//! with agreement percent p, the first floor(n * p / 100) prompts (in
//! generation order) get the same text in every run; in each other prompt
//! every run's text differs (N distinct outputs), and the parsed answer
//! (`Answer: K`) is the same in every run for the 1st, 3rd, 5th... such
//! prompt and differs in the last run (K + 1) for the 2nd, 4th.... The gold
//! file holds `hash<TAB>K` for every prompt, so runs 0..N-2 are always
//! correct and run N-1 is wrong exactly on the prompts whose answers
//! disagree.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};

/// The schema a corpus is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// WildChat-1M-Full's columns.
    Wildchat,
    /// ShareGPT's `conversations` of `from`/`value` messages.
    Sharegpt,
    /// WildChat with the id column named `conversation_id`.
    ConversationId,
    /// WildChat without the `model` column.
    NoModel,
}

impl Variant {
    /// The variant called `name` (`wildchat`, `sharegpt`, `conversation-id`, `no-model`).
    pub fn parse(name: &str) -> Result<Variant, String> {
        Ok(match name {
            "wildchat" => Variant::Wildchat,
            "sharegpt" => Variant::Sharegpt,
            "conversation-id" => Variant::ConversationId,
            "no-model" => Variant::NoModel,
            _ => {
                return Err(format!(
                    "unknown variant {name:?}: expected wildchat, sharegpt, conversation-id or no-model"
                ))
            }
        })
    }
}

/// A generated corpus: one batch per model, in file order.
pub struct Corpus {
    /// `(model, transcripts)`, one Parquet file each.
    pub models: Vec<(String, RecordBatch)>,
    /// Multi-run corpora: `hash<TAB>answer` lines of the gold answers.
    pub gold: Option<String>,
}

impl Corpus {
    /// Transcripts in all batches.
    pub fn rows(&self) -> usize {
        self.models.iter().map(|(_, b)| b.num_rows()).sum()
    }
}

/// The sample corpus: the five fake models answering `conversations` prompts.
pub fn sample(conversations: usize, seed: u64, variant: Variant) -> Result<Corpus, ArrowError> {
    let ps = prompts(conversations, seed);
    let models = MODELS
        .iter()
        .map(|&(model, style)| {
            let rows = rows_for(model, style, &ps, seed);
            Ok((model.to_string(), to_batch(&rows, variant)?))
        })
        .collect::<Result<_, ArrowError>>()?;
    Ok(Corpus { models, gold: None })
}

/// A multi-run corpus (see the module doc): `models` models, model m with
/// agreement percent `agreement[m % agreement.len()]`, each prompt answered
/// `runs` times.
pub fn multi_run(
    conversations: usize,
    seed: u64,
    runs: usize,
    agreement: &[u64],
    models: usize,
) -> Result<Corpus, ArrowError> {
    let ps = prompts(conversations, seed);
    let batches = (0..models)
        .map(|m| {
            let model = format!("det-{m}");
            let pct = agreement[m % agreement.len()];
            let rows = multi_run_rows(&model, pct, &ps, runs, seed);
            Ok((model, to_batch(&rows, Variant::Wildchat)?))
        })
        .collect::<Result<_, ArrowError>>()?;
    let gold = ps
        .iter()
        .map(|p| format!("{}\t{}\n", p.hash, gold_answer(p, seed)))
        .collect();
    Ok(Corpus {
        models: batches,
        gold: Some(gold),
    })
}

/// The fake models and their house styles.
const MODELS: [(&str, Style); 5] = [
    ("bold-lists-7b", Style::BoldLists),
    ("bold-lists-distill-3b", Style::Student),
    ("headings-70b", Style::Headings),
    ("plain-prose-13b", Style::Prose),
    ("terse-1b", Style::Terse),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    BoldLists,
    Student,
    Headings,
    Prose,
    Terse,
}

#[rustfmt::skip]
const TOPICS: [&str; 24] = [
    "bread", "rivers", "volcanoes", "python", "gardening", "chess", "saturn", "coffee",
    "bicycles", "jazz", "glaciers", "tax", "sleep", "bridges", "honeybees", "solar", "vaccines",
    "poetry", "sourdough", "sql", "marathons", "owls", "ceramics", "recycling",
];
#[rustfmt::skip]
const VERBS: [&str; 16] = [
    "improves", "depends on", "changes", "supports", "explains", "requires", "affects", "shapes",
    "protects", "measures", "reduces", "builds", "connects", "follows", "creates", "balances",
];
#[rustfmt::skip]
const NOUNS: [&str; 24] = [
    "temperature", "timing", "structure", "practice", "energy", "patience", "history", "quality",
    "water", "pressure", "design", "balance", "safety", "budget", "memory", "routine",
    "community", "tools", "data", "evidence", "weather", "culture", "health", "speed",
];
#[rustfmt::skip]
const ADJS: [&str; 12] = [
    "important", "simple", "careful", "steady", "useful", "common", "practical", "gentle",
    "reliable", "clear", "small", "essential",
];
#[rustfmt::skip]
const FRENCH: [&str; 12] = [
    "le", "pain", "est", "une", "bonne", "idée", "pour", "la", "santé", "et", "très", "souvent",
];
#[rustfmt::skip]
const CHINESE: [&str; 8] = [
    "这是", "一个", "很好", "的", "问题", "我们", "可以", "讨论",
];

/// SplitMix64: a tiny deterministic generator, so the sample never changes
/// with a dependency upgrade.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One synthetic conversation prompt.
struct Prompt {
    hash: String,
    topic: &'static str,
    language: &'static str,
    turns: usize,
}

fn sentence(rng: &mut Rng, topic: &str) -> String {
    format!(
        "{} {} {} and {} {}.",
        capitalize(topic),
        rng.pick(&VERBS),
        rng.pick(&NOUNS),
        rng.pick(&ADJS),
        rng.pick(&NOUNS)
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A response in a model's house style. `base` seeds the content shared by
/// all models answering the prompt, so their answers overlap like real ones.
fn respond(style: Style, p: &Prompt, turn: usize, seed: u64) -> String {
    let base = seed ^ crate_hash(&p.hash) ^ (turn as u64) << 40;
    if p.language != "English" {
        let mut rng = Rng(base ^ style as u64);
        let words: &[&str] = if p.language == "French" {
            &FRENCH
        } else {
            &CHINESE
        };
        let n = 8 + rng.below(12);
        let sep = if p.language == "French" { " " } else { "" };
        return (0..n)
            .map(|_| rng.pick(words))
            .collect::<Vec<_>>()
            .join(sep);
    }
    // Content every model shares for this prompt, in the same order.
    let mut shared = Rng(base);
    let points: Vec<String> = (0..6).map(|_| sentence(&mut shared, p.topic)).collect();
    let mut own = Rng(base ^ 0x5151 ^ style as u64);
    match style {
        Style::BoldLists => bold_lists(p, &points, &mut own),
        Style::Student => {
            // A distilled student: the teacher's answer with some words swapped.
            let teacher = bold_lists(
                p,
                &points,
                &mut Rng(base ^ 0x5151 ^ Style::BoldLists as u64),
            );
            teacher
                .split(' ')
                .map(|w| if own.chance(12) { own.pick(&NOUNS) } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Style::Headings => {
            let mut s = format!("# {}\n\n", capitalize(p.topic));
            for (i, pt) in points.iter().take(4).enumerate() {
                s += &format!("## Part {}\n\n{pt}\n\n", i + 1);
                if own.chance(25) {
                    s += &format!("### Detail\n\n{}\n\n", sentence(&mut own, p.topic));
                }
            }
            if own.chance(40) {
                s += &format!("```python\nprint(\"{}\")\n```\n", p.topic);
            }
            s
        }
        Style::Prose => {
            let mut s = String::new();
            for chunk in points.chunks(3) {
                s += &chunk.join(" ");
                s += &format!(" {}\n\n", sentence(&mut own, p.topic));
            }
            if own.chance(20) {
                s += &format!("In short, *{}* matters.", p.topic);
            }
            s.trim_end().to_string()
        }
        Style::Terse => points[0].clone(),
    }
}

fn bold_lists(p: &Prompt, points: &[String], rng: &mut Rng) -> String {
    let mut s = format!("Here is an overview of **{}**:\n\n", p.topic);
    for (i, pt) in points.iter().enumerate() {
        if i == 3 {
            s += "\n**More details:**\n\n";
        }
        if i >= 3 {
            s += &format!("{}. **{}**: {pt}\n", i - 2, capitalize(rng.pick(&NOUNS)));
        } else {
            s += &format!("- **{}**: {pt}\n", capitalize(rng.pick(&NOUNS)));
            if rng.chance(30) {
                s += &format!("  - {}\n", rng.pick(&ADJS));
            }
        }
    }
    s
}

fn crate_hash(s: &str) -> u64 {
    wildstat_reader::keyed_hash(0, s)
}

fn prompts(n: usize, seed: u64) -> Vec<Prompt> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let roll = rng.below(100);
            let language = match roll {
                0..=5 => "French",
                6..=9 => "Chinese",
                _ => "English",
            };
            let turns = if rng.chance(15) { 2 } else { 1 };
            let h1 = wildstat_reader::keyed_hash(seed, &format!("prompt-{i}"));
            let h2 = wildstat_reader::keyed_hash(seed ^ 1, &format!("prompt-{i}"));
            Prompt {
                hash: format!("{h1:016x}{h2:016x}"),
                topic: TOPICS[rng.below(TOPICS.len())],
                language,
                turns,
            }
        })
        .collect()
}

/// One transcript row before it becomes Arrow columns.
struct Row {
    hash: String,
    model: String,
    language: &'static str,
    /// (role, content) messages; `None` content is a null.
    messages: Vec<(&'static str, Option<String>)>,
    /// Run id (multi-run corpora only; no `run` column otherwise).
    run: Option<i64>,
}

fn rows_for(model: &str, style: Style, ps: &[Prompt], seed: u64) -> Vec<Row> {
    let mut rng = Rng(seed ^ crate_hash(model));
    let mut rows = Vec::new();
    for p in ps {
        // The terse model skips some prompts: missing conversations happen.
        if style == Style::Terse && rng.chance(8) {
            continue;
        }
        let mut messages = Vec::new();
        for t in 0..p.turns {
            let q = if t == 0 {
                format!("Tell me about {}.", p.topic)
            } else {
                "Can you say more?".to_string()
            };
            messages.push(("user", Some(q)));
            let answer = if rng.chance(2) {
                None
            } else if rng.chance(3) {
                Some(String::new())
            } else {
                Some(respond(style, p, t, seed))
            };
            messages.push(("assistant", answer));
        }
        rows.push(Row {
            hash: p.hash.clone(),
            model: model.to_string(),
            language: p.language,
            messages,
            run: None,
        });
    }
    rows
}

/// The rows of one model of the multi-run corpus (see the module doc).
fn multi_run_rows(model: &str, pct: u64, ps: &[Prompt], runs: usize, seed: u64) -> Vec<Row> {
    let n = ps.len();
    let identical = n * pct as usize / 100;
    let mut rows = Vec::with_capacity(n * runs);
    for (i, p) in ps.iter().enumerate() {
        let mut rng = Rng(seed ^ crate_hash(model) ^ crate_hash(&p.hash));
        let answer = gold_answer(p, seed);
        let stem = format!(
            "{} {} {}",
            capitalize(p.topic),
            rng.pick(&VERBS),
            rng.pick(&NOUNS)
        );
        for r in 0..runs {
            let text = if i < identical {
                format!("{stem}. Answer: {answer}")
            } else {
                let k = i - identical;
                let a = if k % 2 == 1 && r == runs - 1 {
                    answer + 1
                } else {
                    answer
                };
                format!("{stem}, take {r}, {}. Answer: {a}", rng.pick(&ADJS))
            };
            rows.push(Row {
                hash: p.hash.clone(),
                model: model.to_string(),
                language: "English",
                messages: vec![
                    ("user", Some(format!("Tell me about {}.", p.topic))),
                    ("assistant", Some(text)),
                ],
                run: Some(r as i64),
            });
        }
    }
    rows
}

/// The gold answer of a multi-run prompt.
fn gold_answer(p: &Prompt, seed: u64) -> u64 {
    wildstat_reader::keyed_hash(seed, &p.hash) % 1000
}

fn to_batch(rows: &[Row], variant: Variant) -> Result<RecordBatch, ArrowError> {
    let sharegpt = variant == Variant::Sharegpt;
    let (role_name, content_name) = if sharegpt {
        ("from", "value")
    } else {
        ("role", "content")
    };
    let mut content = StringBuilder::new();
    let mut role = StringBuilder::new();
    let mut lang = StringBuilder::new();
    let mut toxic = BooleanBuilder::new();
    let mut turn_id = Int64Builder::new();
    let mut offsets = vec![0i32];
    for r in rows {
        for (i, (who, text)) in r.messages.iter().enumerate() {
            let who = match (sharegpt, *who) {
                (true, "user") => "human",
                (true, _) => "gpt",
                (false, w) => w,
            };
            role.append_value(who);
            content.append_option(text.as_deref());
            lang.append_value(r.language);
            toxic.append_value(false);
            turn_id.append_value((crate_hash(&r.hash) >> 34) as i64 + i as i64);
        }
        offsets.push(offsets.last().copied().unwrap_or(0) + r.messages.len() as i32);
    }
    let mut msg_fields: Vec<(Arc<Field>, ArrayRef)> = vec![
        (
            Arc::new(Field::new(content_name, DataType::Utf8, true)),
            Arc::new(content.finish()),
        ),
        (
            Arc::new(Field::new(role_name, DataType::Utf8, true)),
            Arc::new(role.finish()),
        ),
    ];
    if !sharegpt {
        msg_fields.push((
            Arc::new(Field::new("language", DataType::Utf8, true)),
            Arc::new(lang.finish()),
        ));
        msg_fields.push((
            Arc::new(Field::new("toxic", DataType::Boolean, true)),
            Arc::new(toxic.finish()),
        ));
        msg_fields.push((
            Arc::new(Field::new("turn_identifier", DataType::Int64, true)),
            Arc::new(turn_id.finish()),
        ));
    }
    let messages = StructArray::from(msg_fields);
    let item = Arc::new(Field::new("element", messages.data_type().clone(), true));
    let list = ListArray::try_new(
        item,
        OffsetBuffer::new(offsets.into()),
        Arc::new(messages),
        None,
    )?;

    let n = rows.len();
    let id_name = if variant == Variant::ConversationId {
        "conversation_id"
    } else {
        "conversation_hash"
    };
    let mut cols: Vec<(&str, ArrayRef)> = vec![(
        id_name,
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.hash))),
    )];
    if variant != Variant::NoModel {
        cols.push((
            "model",
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.model))),
        ));
    }
    cols.push((
        if sharegpt {
            "conversations"
        } else {
            "conversation"
        },
        Arc::new(list),
    ));
    cols.push((
        "turn",
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| (r.messages.len() / 2) as i64),
        )),
    ));
    cols.push((
        "language",
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.language),
        )),
    ));
    if !sharegpt {
        // Moderation columns as in WildChat: present, and never decoded by stages.
        let mut flagged = BooleanBuilder::new();
        let mut score = Float64Builder::new();
        for r in rows {
            flagged.append_value(false);
            score.append_value((crate_hash(&r.hash) % 1000) as f64 / 1e6);
        }
        let scores = StructArray::from(vec![(
            Arc::new(Field::new("harassment", DataType::Float64, true)),
            Arc::new(score.finish()) as ArrayRef,
        )]);
        let moderation = StructArray::from(vec![
            (
                Arc::new(Field::new(
                    "category_scores",
                    scores.data_type().clone(),
                    true,
                )),
                Arc::new(scores) as ArrayRef,
            ),
            (
                Arc::new(Field::new("flagged", DataType::Boolean, true)),
                Arc::new(flagged.finish()) as ArrayRef,
            ),
        ]);
        let offs: Vec<i32> = (0..=n as i32).collect();
        let mod_list = ListArray::try_new(
            Arc::new(Field::new("element", moderation.data_type().clone(), true)),
            OffsetBuffer::new(offs.into()),
            Arc::new(moderation),
            None,
        )?;
        cols.push(("openai_moderation", Arc::new(mod_list)));
        cols.push(("toxic", Arc::new(BooleanArray::from(vec![false; n]))));
        cols.push(("redacted", Arc::new(BooleanArray::from(vec![false; n]))));
        cols.push((
            "detoxify_score",
            Arc::new(Float64Array::from_iter_values(
                rows.iter()
                    .map(|r| (crate_hash(&r.model) % 97) as f64 / 1e3),
            )),
        ));
    }
    if rows.first().is_some_and(|r| r.run.is_some()) {
        cols.push((
            "run",
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.run.unwrap_or(0)),
            )),
        ));
    }
    let fields: Fields = cols
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    RecordBatch::try_new(schema, cols.into_iter().map(|(_, a)| a).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use std::collections::HashMap;

    /// Texts of one multi-run batch by prompt hash, in run order.
    fn texts_by_prompt(b: &RecordBatch) -> HashMap<String, Vec<String>> {
        let hashes = b.column(0).as_string::<i32>();
        let conv = b.column_by_name("conversation").unwrap().as_list::<i32>();
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for i in 0..b.num_rows() {
            let msgs = conv.value(i);
            let content = msgs
                .as_struct()
                .column(0)
                .as_string::<i32>()
                .value(1)
                .to_string();
            m.entry(hashes.value(i).to_string())
                .or_default()
                .push(content);
        }
        m
    }

    #[test]
    fn multi_run_agreement_is_the_planted_share() {
        let c = multi_run(50, 3, 4, &[90, 30], 2).unwrap();
        assert_eq!(c.models.len(), 2);
        assert_eq!(c.rows(), 2 * 50 * 4);
        assert_eq!(c.gold.as_ref().unwrap().lines().count(), 50);
        for ((model, batch), pct) in c.models.iter().zip([90usize, 30]) {
            let same = texts_by_prompt(batch)
                .values()
                .filter(|runs| runs.iter().all(|t| t == &runs[0]))
                .count();
            assert_eq!(same, 50 * pct / 100, "{model}");
        }
    }

    #[test]
    fn sample_is_deterministic_and_variants_rename_columns() {
        let a = sample(30, 7, Variant::Wildchat).unwrap();
        let b = sample(30, 7, Variant::Wildchat).unwrap();
        assert_eq!(a.models.len(), 5);
        for ((ma, ba), (mb, bb)) in a.models.iter().zip(&b.models) {
            assert_eq!((ma, ba), (mb, bb));
        }
        let names = |v| {
            let c = sample(5, 7, v).unwrap();
            let s = c.models[0].1.schema();
            s.fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()
        };
        assert!(names(Variant::ConversationId).contains(&"conversation_id".to_string()));
        assert!(!names(Variant::NoModel).contains(&"model".to_string()));
        assert!(names(Variant::Sharegpt).contains(&"conversations".to_string()));
        assert!(Variant::parse("csv")
            .unwrap_err()
            .contains("expected wildchat"));
    }
}
