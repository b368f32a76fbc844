//! What the inputs hold, from their id, model and language columns only:
//! the seeded sample, the sorted conversation ids and models, and the
//! check that a selection selects something.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::files::{InputFile, Unit};
use crate::hash::keyed_hash;
use crate::read::read_keys;
use crate::select::{SamplePlan, Selection};
use crate::Result;

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

/// Scans the conversation-level keys of every unit (see [`Keys`]). Units
/// are read in parallel windows and their ids folded into one set as they
/// come, so memory follows the distinct conversations, not the rows (every
/// model repeats every id).
pub fn scan_keys(files: &[InputFile], units: &[Unit], selection: &Selection) -> Result<Keys> {
    type Sets = (std::collections::BTreeSet<String>, Vec<String>);
    let mut models = std::collections::BTreeSet::new();
    let mut distinct: HashSet<String> = HashSet::new();
    for window in units.chunks(rayon::current_num_threads().max(1) * 4) {
        let parts: Vec<Sets> = window
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
        for (m, ids) in parts {
            models.extend(m);
            distinct.extend(ids);
        }
    }
    let mut conversations: Vec<String> = distinct.into_iter().collect();
    conversations.par_sort_unstable();
    Ok(Keys {
        models: models.into_iter().collect(),
        conversations,
    })
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
