use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::files::{InputFile, Unit};
use crate::hash::keyed_hash;
use crate::read::read_keys;
use crate::Result;

/// Which assistant turns of a conversation become responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Turns {
    /// Only the first assistant turn (the paper's choice).
    #[default]
    First,
    /// Every assistant turn.
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

/// Which transcripts a stage looks at; shared by every stage.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep only these models (all when `None`).
    pub models: Option<HashSet<String>>,
    /// Keep only these conversation ids (all when `None`).
    pub conversations: Option<HashSet<String>>,
    /// Keep only conversations in this language (compared case-insensitively).
    pub language: Option<String>,
    /// First assistant turn, or all of them.
    pub turns: Turns,
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
