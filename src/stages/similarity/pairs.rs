//! Choosing which (target, reference) model pairs to score, grouping a batch
//! of responses by conversation, and scoring the pairs in parallel.

use std::collections::BTreeMap;

use rayon::prelude::*;
use wildstat_metrics::{score, score_both, Prepared, Preparer, Scores, Scratch};
use wildstat_reader::{keyed_hash, Response};

/// How many reference models each target is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refs {
    /// K other models per target, drawn with the seed (the paper used 5).
    K(usize),
    /// Every other model: the full model x model matrix.
    All,
}

/// The largest `--refs K`.
pub const MAX_REFS: usize = 100_000;

impl std::str::FromStr for Refs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Refs::All);
        }
        match s.parse::<usize>() {
            Ok(k) if (1..=MAX_REFS).contains(&k) => Ok(Refs::K(k)),
            _ => Err(format!(
                "invalid --refs {s:?}: expected a number from 1 to {MAX_REFS}, or all"
            )),
        }
    }
}

impl wildstat_engine::named::Named for Refs {
    fn name(&self) -> String {
        match self {
            Refs::All => "all".into(),
            Refs::K(k) => k.to_string(),
        }
    }
}

/// For each target model (by index into `models`), the reference models it is
/// compared with, sorted by index. A draw depends only on the seed and the
/// model names, never on file order or thread count.
pub fn plan_refs(models: &[String], refs: Refs, seed: u64) -> Vec<Vec<usize>> {
    (0..models.len())
        .map(|t| {
            let mut others: Vec<usize> = (0..models.len()).filter(|&r| r != t).collect();
            if let Refs::K(k) = refs {
                others.sort_by_key(|&r| {
                    (
                        keyed_hash(seed, &format!("{}\u{0}{}", models[t], models[r])),
                        r,
                    )
                });
                others.truncate(k);
                others.sort_unstable();
            }
            others
        })
        .collect()
}

/// Python's `str.strip()`: removes leading and trailing characters for which
/// `str.isspace()` is true (Unicode White_Space plus U+001C..U+001F).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// One conversation turn of a batch: the models that answered it and where
/// their responses are.
#[derive(Debug)]
pub struct Conversation {
    /// Conversation id.
    pub hash: String,
    /// Assistant turn (1 = first).
    pub turn: u32,
    /// (model index, index into the batch's responses), by model.
    pub answers: Vec<(usize, usize)>,
}

/// A batch grouped by conversation turn.
pub struct Batch {
    /// Conversations in (hash, turn) order.
    pub conversations: Vec<Conversation>,
    /// The responses kept, indexed by `Conversation::answers`.
    pub responses: Vec<Response>,
    /// Responses dropped because the same model answered the same
    /// conversation turn twice (the first one read is kept).
    pub duplicates: u64,
}

/// Groups `responses` (in read order) by conversation turn; `model_index`
/// maps a model name to its index (responses of other models are left
/// out).
pub fn group(responses: Vec<Response>, model_index: &dyn Fn(&str) -> Option<usize>) -> Batch {
    let mut by_conv: BTreeMap<(String, u32), BTreeMap<usize, usize>> = BTreeMap::new();
    let mut kept: Vec<Response> = Vec::with_capacity(responses.len());
    let mut duplicates = 0;
    for r in responses {
        let Some(m) = model_index(&r.model) else {
            continue;
        };
        let slot = by_conv
            .entry((r.conversation_hash.clone(), r.turn))
            .or_default();
        if slot.contains_key(&m) {
            duplicates += 1;
            continue;
        }
        slot.insert(m, kept.len());
        kept.push(r);
    }
    let conversations = by_conv
        .into_iter()
        .map(|((hash, turn), answers)| Conversation {
            hash,
            turn,
            answers: answers.into_iter().collect(),
        })
        .collect();
    Batch {
        conversations,
        responses: kept,
        duplicates,
    }
}

/// Number of pairs `score_batch` will score in `batch`.
pub fn count_pairs(batch: &Batch, refs: &[Vec<usize>]) -> u64 {
    batch.conversations.iter().map(|c| pairs_of(c, refs)).sum()
}

/// Number of planned pairs of one conversation turn whose reference
/// answered.
fn pairs_of(c: &Conversation, refs: &[Vec<usize>]) -> u64 {
    let mut n = 0;
    for &(t, _) in &c.answers {
        n += refs[t]
            .iter()
            .filter(|&&r| c.answers.binary_search_by_key(&r, |a| a.0).is_ok())
            .count() as u64;
    }
    n
}

/// Consecutive ranges of the batch's conversations of about `per` pairs
/// each (at least one conversation each), covering them all in order.
pub fn slices(batch: &Batch, refs: &[Vec<usize>], per: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut pairs) = (0, 0);
    for (i, c) in batch.conversations.iter().enumerate() {
        pairs += pairs_of(c, refs);
        if pairs >= per {
            out.push(start..i + 1);
            (start, pairs) = (i + 1, 0);
        }
    }
    if start < batch.conversations.len() {
        out.push(start..batch.conversations.len());
    }
    out
}

/// Scores of one pair, in the column order of `pairs.parquet`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairScore {
    /// Target model index.
    pub target: usize,
    /// Reference model index.
    pub reference: usize,
    /// ROUGE-1 F1.
    pub rouge1: f64,
    /// ROUGE-2 F1.
    pub rouge2: f64,
    /// ROUGE-L F1.
    pub rouge_l: f64,
    /// METEOR.
    pub meteor: f64,
}

impl PairScore {
    /// The four metrics in table order.
    pub fn metrics(&self) -> [f64; 4] {
        [self.rouge1, self.rouge2, self.rouge_l, self.meteor]
    }
}

/// Scored pairs of one conversation turn, plus references that were planned
/// but had no answer.
#[derive(Debug, Default)]
pub struct Scored {
    /// Pairs in (target, reference) order.
    pub pairs: Vec<PairScore>,
    /// Planned (target, reference) pairs skipped because the reference model
    /// did not answer this conversation.
    pub missing: u64,
}

/// Prepares and scores every planned pair of the batch's conversations in
/// `range`, spreading conversations over threads; the result is in
/// conversation order whatever the thread count. A conversation's responses
/// are prepared (each once, and only those in a planned pair) by the
/// thread that scores it, just before, and dropped after: prepared texts
/// (about 8 bytes per text byte) never accumulate over the batch.
/// `preparer` gives the preparer for a conversation's language (that of
/// its lowest-index model's response; all its responses use it, so their
/// ids compare). A pair whose reverse is planned too (every pair with
/// `--refs all`) is scored once for both directions ([`score_both`], the
/// same bits as two calls of `score`).
pub fn score_batch<'p>(
    batch: &Batch,
    range: std::ops::Range<usize>,
    refs: &[Vec<usize>],
    preparer: &(dyn Fn(Option<&str>) -> &'p Preparer + Sync),
    done: &(dyn Fn(u64) + Sync),
) -> Vec<Scored> {
    let planned = |t: usize, r: usize| refs[t].binary_search(&r).is_ok();
    batch.conversations[range]
        .par_iter()
        .map_init(
            // Scores of (r, t) computed with (t, r), t < r, in (t, r)
            // order: answers and refs ascend. Then the conversation's
            // prepared responses, by answer position.
            || {
                (
                    Scratch::default(),
                    Vec::<((usize, usize), Scores)>::new(),
                    Vec::<Option<Prepared>>::new(),
                )
            },
            |(scratch, reverse, prepared), c| {
                reverse.clear();
                prepared.clear();
                prepared.resize_with(c.answers.len(), || None);
                let lang = c
                    .answers
                    .first()
                    .and_then(|&(_, i)| batch.responses[i].language.as_deref());
                let p = preparer(lang);
                let mut out = Scored::default();
                for (tp, &(t, _)) in c.answers.iter().enumerate() {
                    for &r in &refs[t] {
                        let Ok(rp) = c.answers.binary_search_by_key(&r, |a| a.0) else {
                            out.missing += 1;
                            continue;
                        };
                        for at in [tp, rp] {
                            if prepared[at].is_none() {
                                let text = &batch.responses[c.answers[at].1].text;
                                prepared[at] = Some(p.prepare(py_strip(text)));
                            }
                        }
                        let (a, b) = (
                            prepared[tp].as_ref().expect("prepared"),
                            prepared[rp].as_ref().expect("prepared"),
                        );
                        let s = if !planned(r, t) {
                            score(a, b, scratch)
                        } else if t < r {
                            let (ab, ba) = score_both(a, b, scratch);
                            reverse.push(((t, r), ba));
                            ab
                        } else {
                            let k = reverse
                                .binary_search_by_key(&(r, t), |e| e.0)
                                .expect("the reverse pair was scored first");
                            reverse[k].1
                        };
                        out.pairs.push(PairScore {
                            target: t,
                            reference: r,
                            rouge1: s.rouge1.fmeasure,
                            rouge2: s.rouge2.fmeasure,
                            rouge_l: s.rouge_l.fmeasure,
                            meteor: s.meteor,
                        });
                    }
                }
                done(out.pairs.len() as u64);
                out
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_k_draws_k_distinct_others_deterministically() {
        let models: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
        let a = plan_refs(&models, Refs::K(5), 1);
        assert_eq!(a, plan_refs(&models, Refs::K(5), 1));
        assert_ne!(a, plan_refs(&models, Refs::K(5), 2));
        for (t, r) in a.iter().enumerate() {
            assert_eq!(r.len(), 5);
            assert!(!r.contains(&t));
            assert!(r.windows(2).all(|w| w[0] < w[1]));
        }
        let all = plan_refs(&models, Refs::All, 1);
        assert_eq!(all[3], vec![0, 1, 2, 4, 5, 6, 7, 8, 9]);
        // K larger than the number of other models is every other model.
        assert_eq!(plan_refs(&models, Refs::K(50), 1), all);
    }

    #[test]
    fn slices_cover_the_conversations_in_order_by_pairs() {
        // Three models, every one the others' reference; conversation i
        // is answered by models 0..(i % 3) + 1, so it has 0, 2 or 6 pairs.
        let refs = plan_refs(&["a".into(), "b".into(), "c".into()], Refs::All, 0);
        let conversations: Vec<Conversation> = (0..10)
            .map(|i| Conversation {
                hash: format!("h{i}"),
                turn: 1,
                answers: (0..i % 3 + 1).map(|m| (m, 0)).collect(),
            })
            .collect();
        let batch = Batch {
            conversations,
            responses: Vec::new(),
            duplicates: 0,
        };
        assert_eq!(count_pairs(&batch, &refs), 24);
        assert_eq!(slices(&batch, &refs, 7), vec![0..3, 3..6, 6..9, 9..10]);
        assert_eq!(
            slices(&batch, &refs, 1),
            vec![0..2, 2..3, 3..5, 5..6, 6..8, 8..9, 9..10]
        );
        assert_eq!(slices(&batch, &refs, 100), vec![0..10]);
        let empty = Batch {
            conversations: Vec::new(),
            responses: Vec::new(),
            duplicates: 0,
        };
        assert!(slices(&empty, &refs, 5).is_empty());
    }

    #[test]
    fn py_strip_matches_python_isspace() {
        assert_eq!(py_strip("\u{1c}\u{85} hi \u{3000}\u{1f}"), "hi");
        // U+200B (zero width space) is not whitespace for Python.
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
    }
}
