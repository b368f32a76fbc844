use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::files::{InputFile, Unit};
use crate::hash::keyed_hash;
use crate::read::{read_keys, Role};
use crate::Result;

/// Which turns of a conversation become responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Turns {
    /// Only the first turn of each selected role (the paper's choice).
    #[default]
    First,
    /// Every turn of the selected roles.
    All,
}

impl std::str::FromStr for Turns {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "first" => Ok(Turns::First),
            "all" => Ok(Turns::All),
            _ => Err(format!("unknown --turns {s:?}: expected first or all")),
        }
    }
}

/// Which roles' turns become responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Roles {
    /// Assistant turns only (every stage's default).
    #[default]
    Assistant,
    /// User turns only.
    User,
    /// Both, each numbered within its role.
    Both,
}

impl Roles {
    /// Whether turns of `role` are selected.
    pub fn includes(self, role: Role) -> bool {
        match self {
            Roles::Assistant => role == Role::Assistant,
            Roles::User => role == Role::User,
            Roles::Both => true,
        }
    }
}

impl std::str::FromStr for Roles {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "assistant" => Ok(Roles::Assistant),
            "user" => Ok(Roles::User),
            "both" => Ok(Roles::Both),
            _ => Err(format!(
                "unknown --roles {s:?}: expected assistant, user or both"
            )),
        }
    }
}

/// Which transcripts a stage looks at; shared by every stage.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep only these models (all when `None`).
    pub models: Option<HashSet<String>>,
    /// Keep only these conversation ids (all when `None`).
    pub conversations: Option<HashSet<String>>,
    /// Drop these conversation ids.
    pub exclude: Option<HashSet<String>>,
    /// Keep only conversations in this language (compared case-insensitively).
    pub language: Option<String>,
    /// First turn (of each selected role), or all of them.
    pub turns: Turns,
    /// Which roles' turns to yield.
    pub roles: Roles,
    /// Seeded per-model sample, computed by [`sample_plan`].
    pub sample: Option<Arc<SamplePlan>>,
}

impl Selection {
    /// Whether a conversation of `model` with id `id` and `language` is kept.
    pub fn keeps(&self, model: &str, id: &str, language: Option<&str>) -> bool {
        self.keeps_before_sample(model, id, language)
            && self.sample.as_ref().is_none_or(|s| s.contains(model, id))
    }

    fn keeps_before_sample(&self, model: &str, id: &str, language: Option<&str>) -> bool {
        if let Some(m) = &self.models {
            if !m.contains(model) {
                return false;
            }
        }
        if let Some(c) = &self.conversations {
            if !c.contains(id) {
                return false;
            }
        }
        if let Some(x) = &self.exclude {
            if x.contains(id) {
                return false;
            }
        }
        if let Some(want) = &self.language {
            match language {
                Some(l) if l.eq_ignore_ascii_case(want) => {}
                _ => return false,
            }
        }
        true
    }
}

/// A seeded sample: for each model, the conversation ids it keeps.
///
/// Each model keeps the `n` conversations whose keyed hash (seeded) is
/// smallest. Because the key depends only on the conversation id, models that
/// answered the same prompts keep largely the same conversations, which is
/// what pairwise similarity wants; and the sample does not depend on file
/// order, thread count or sharding.
#[derive(Debug, Clone, Default)]
pub struct SamplePlan {
    keep: HashMap<String, HashSet<String>>,
}

impl SamplePlan {
    /// Whether `model` keeps conversation `id`.
    pub fn contains(&self, model: &str, id: &str) -> bool {
        self.keep.get(model).is_some_and(|s| s.contains(id))
    }

    /// Conversations kept per model.
    pub fn sizes(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = self
            .keep
            .iter()
            .map(|(m, s)| (m.clone(), s.len()))
            .collect();
        v.sort();
        v
    }
}

/// Computes the seeded sample of `n` conversations per model over the
/// transcripts that `selection` keeps, reading only conversation-level
/// columns (no message text).
pub fn sample_plan(
    files: &[InputFile],
    units: &[Unit],
    selection: &Selection,
    n: usize,
    seed: u64,
) -> Result<SamplePlan> {
    /// The `n` smallest (key, id) of one model, with a set to skip repeats.
    #[derive(Default)]
    struct Smallest {
        heap: BinaryHeap<(u64, String)>,
        ids: HashSet<String>,
    }
    type Heaps = HashMap<Arc<str>, Smallest>;
    let push = |heaps: &mut Heaps, model: &Arc<str>, id: &str| {
        let s = heaps.entry(model.clone()).or_default();
        if s.ids.contains(id) {
            return;
        }
        let k = keyed_hash(seed, id);
        if s.heap.len() < n {
            s.heap.push((k, id.to_string()));
            s.ids.insert(id.to_string());
        } else if let Some(top) = s.heap.peek() {
            if (k, id) < (top.0, top.1.as_str()) {
                if let Some((_, old)) = s.heap.pop() {
                    s.ids.remove(&old);
                }
                s.heap.push((k, id.to_string()));
                s.ids.insert(id.to_string());
            }
        }
    };
    let partials: Vec<Heaps> = units
        .par_iter()
        .map(|&u| {
            let mut heaps = Heaps::new();
            read_keys(&files[u.file], u, &mut |model, id, lang| {
                if selection.keeps_before_sample(model, id, lang) {
                    push(&mut heaps, model, id);
                }
            })?;
            Ok(heaps)
        })
        .collect::<Result<_>>()?;
    let mut all = Heaps::new();
    for p in partials {
        for (model, smallest) in p {
            for (_, id) in smallest.heap {
                push(&mut all, &model, &id);
            }
        }
    }
    let keep = all
        .into_iter()
        .map(|(m, s)| (m.to_string(), s.ids))
        .collect();
    Ok(SamplePlan { keep })
}

/// The models and conversation ids of the selected transcripts, both sorted
/// and distinct, found by reading only conversation-level columns. Stages
/// that pair models need every model before they read any text, and the ids
/// let them cut the corpus into contiguous hash ranges, so that output
/// comes out in one global order however the work is batched or sharded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keys {
    /// Model names, sorted.
    pub models: Vec<String>,
    /// Conversation ids, sorted (byte order), distinct.
    pub conversations: Vec<String>,
}

impl Keys {
    /// `parts - 1` ascending boundaries splitting the conversation ids into
    /// `parts` contiguous ranges of nearly equal size.
    pub fn boundaries(&self, parts: usize) -> Vec<String> {
        let n = self.conversations.len();
        (1..parts.max(1))
            .map(|i| {
                self.conversations
                    .get(i * n / parts)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// The range (0..=boundaries.len()) that conversation `id` falls into.
pub fn range_of(boundaries: &[String], id: &str) -> usize {
    boundaries.partition_point(|b| b.as_str() <= id)
}

/// Scans the conversation-level keys of every unit (see [`Keys`]).
pub fn scan_keys(files: &[InputFile], units: &[Unit], selection: &Selection) -> Result<Keys> {
    type Sets = (std::collections::BTreeSet<String>, Vec<String>);
    let parts: Vec<Sets> = units
        .par_iter()
        .map(|&u| {
            let (mut models, mut ids) = Sets::default();
            read_keys(&files[u.file], u, &mut |model, id, lang| {
                if selection.keeps(model, id, lang) {
                    if !models.contains(&**model) {
                        models.insert(model.to_string());
                    }
                    ids.push(id.to_string());
                }
            })?;
            Ok((models, ids))
        })
        .collect::<Result<_>>()?;
    let mut models = std::collections::BTreeSet::new();
    let mut conversations = Vec::new();
    for (m, ids) in parts {
        models.extend(m);
        conversations.extend(ids);
    }
    conversations.par_sort_unstable();
    conversations.dedup();
    Ok(Keys {
        models: models.into_iter().collect(),
        conversations,
    })
}

/// Reads a list of conversation ids, one per line (`--conversations`,
/// `--exclude-conversations`): blank lines skipped, surrounding whitespace
/// and a UTF-8 byte order mark ignored. An empty list is an error.
pub fn read_id_list(path: &std::path::Path) -> std::result::Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read conversation list: {e}", path.display()))?;
    let set: HashSet<String> = strip_bom(&text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if set.is_empty() {
        return Err(format!("{}: conversation list is empty", path.display()));
    }
    Ok(set)
}

/// `text` without a leading UTF-8 byte order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Splits `--models` values into names: each value is a comma-separated
/// list in which `\,` is a comma inside a name and `\\` a backslash; the
/// flag may be repeated.
pub fn parse_model_names(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        let mut cur = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n @ (',' | '\\')) => cur.push(n),
                    Some(n) => {
                        cur.push('\\');
                        cur.push(n);
                    }
                    None => cur.push('\\'),
                },
                ',' => out.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        out.push(cur);
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Checks, before a stage does any work, that every part of `selection`
/// selects something, reading only id, model and language columns: every
/// `--models` name exists (else the closest names are listed), the
/// `--language` is present (else the languages present are listed with
/// their counts, or the inputs have no language column), some id of
/// `--conversations` exists, and the whole selection keeps a conversation.
/// The error is one line naming the option.
pub fn check_selection(
    files: &[InputFile],
    units: &[Unit],
    selection: &Selection,
) -> std::result::Result<(), String> {
    #[derive(Default)]
    struct Seen {
        models: HashMap<String, u64>,
        languages: HashMap<String, u64>,
        listed: HashSet<String>,
        rows: u64,
        kept: u64,
    }
    let listed = selection.conversations.as_ref();
    let parts: Vec<Seen> = units
        .par_iter()
        .map(|&u| {
            let mut s = Seen::default();
            read_keys(&files[u.file], u, &mut |model, id, lang| {
                s.rows += 1;
                if let Some(n) = s.models.get_mut(&**model) {
                    *n += 1;
                } else {
                    s.models.insert(model.to_string(), 1);
                }
                if let Some(l) = lang {
                    *s.languages.entry(l.to_string()).or_default() += 1;
                }
                if listed.is_some_and(|c| c.contains(id)) {
                    s.listed.insert(id.to_string());
                }
                if selection.keeps_before_sample(model, id, lang) {
                    s.kept += 1;
                }
            })?;
            Ok(s)
        })
        .collect::<Result<_>>()
        .map_err(|e| e.to_string())?;
    let mut all = Seen::default();
    for p in parts {
        for (m, n) in p.models {
            *all.models.entry(m).or_default() += n;
        }
        for (l, n) in p.languages {
            *all.languages.entry(l).or_default() += n;
        }
        all.listed.extend(p.listed);
        all.rows += p.rows;
        all.kept += p.kept;
    }
    let seen = format!(
        "{} conversations of {} models seen",
        all.rows,
        all.models.len()
    );
    if let Some(want) = &selection.models {
        let mut want: Vec<&String> = want
            .iter()
            .filter(|m| !all.models.contains_key(*m))
            .collect();
        want.sort();
        if !want.is_empty() {
            let names: Vec<String> = want
                .iter()
                .map(|w| format!("{w:?} (closest: {})", closest(w, all.models.keys())))
                .collect();
            return Err(format!(
                "--models: no model named {}; {seen}",
                names.join(", ")
            ));
        }
    }
    if let Some(want) = &selection.language {
        let has_column = files
            .iter()
            .any(|f| f.layout.language_column.is_some() || f.layout.message_language);
        if !has_column {
            return Err(format!(
                "--language {want}: the inputs have no language column"
            ));
        }
        if !all.languages.keys().any(|l| l.eq_ignore_ascii_case(want)) {
            let mut present: Vec<(&String, &u64)> = all.languages.iter().collect();
            present.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = present
                .iter()
                .take(10)
                .map(|(l, n)| format!("{l} {n}"))
                .collect();
            let more = present.len().saturating_sub(10);
            return Err(format!(
                "--language {want}: no conversation has this language (present, in \
                 conversations: {}{})",
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    if let Some(c) = listed {
        if all.listed.is_empty() {
            return Err(format!(
                "--conversations: none of the {} listed ids is a conversation of the inputs; {seen}",
                c.len()
            ));
        }
    }
    if all.kept == 0 {
        return Err(format!("the selection keeps no conversation; {seen}"));
    }
    Ok(())
}

/// The three names closest to `want` (case-insensitive): fewest edits to
/// turn `want` into a part of the name, then to the whole name.
fn closest<'a>(want: &str, names: impl Iterator<Item = &'a String>) -> String {
    let w: Vec<char> = want.to_lowercase().chars().collect();
    let mut scored: Vec<(usize, usize, &String)> = names
        .map(|n| {
            let n_chars: Vec<char> = n.to_lowercase().chars().collect();
            (
                edit_distance(&w, &n_chars, true),
                edit_distance(&w, &n_chars, false),
                n,
            )
        })
        .collect();
    scored.sort();
    let best: Vec<&str> = scored.iter().take(3).map(|(_, _, n)| n.as_str()).collect();
    if best.is_empty() {
        "none".into()
    } else {
        best.join(", ")
    }
}

/// Levenshtein distance over chars from `a` to `b`, or with `part` to the
/// closest substring of `b`.
fn edit_distance(a: &[char], b: &[char], part: bool) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| if part { 0 } else { j }).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    if part {
        prev.into_iter().min().unwrap_or(0)
    } else {
        prev[b.len()]
    }
}
