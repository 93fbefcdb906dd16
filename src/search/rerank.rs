//! The question rerank, and the per-request store of fetched passages it shares with
//! highlighting (each passage is read and tokenised once, then kept for later requests in the
//! engine's [`PassageCache`]).
//!
//! A question is answered where its words stand together: each of the best
//! [`Ranking::answer_pool`] passages is multiplied by 1 + [`Ranking::density_boost`] × the
//! share of the question's words it holds within [`Ranking::density_window`] words. A question
//! asking for a quantity (`Combien de défis …`) is answered by a passage stating a number next
//! to the words counted (`4 défis`); one asking for a date or a duration, by a passage stating
//! one near its words: those passages are also multiplied by the kind's boost.

use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use tantivy::{DocAddress, Searcher};

use super::highlight::{Highlighter, PassageTokens, WordStems};
use super::passage_cache::{Fetched, PassageCache};
use super::plan::{AnswerKind, Plan};
use super::ranking::Ranking;
use crate::error::Result;
use crate::index::PassageStore;

/// The passages a request has read, by address: from the engine's [`PassageCache`] when
/// kept there, else from the store (and then kept).
pub struct FetchedPassages<'a> {
    searcher: &'a Searcher,
    store: &'a PassageStore,
    cache: &'a PassageCache,
    read: HashMap<DocAddress, Arc<Fetched>>,
}

impl<'a> FetchedPassages<'a> {
    pub fn new(
        searcher: &'a Searcher,
        store: &'a PassageStore,
        cache: &'a PassageCache,
    ) -> FetchedPassages<'a> {
        FetchedPassages {
            searcher,
            store,
            cache,
            read: HashMap::default(),
        }
    }

    /// The passage at `address`, read and tokenised on first use.
    pub fn get(&mut self, address: DocAddress, highlighter: &mut Highlighter) -> Result<&Fetched> {
        Ok(match self.read.entry(address) {
            Entry::Occupied(kept) => kept.into_mut(),
            Entry::Vacant(slot) => slot.insert(read(
                self.searcher,
                self.store,
                self.cache,
                address,
                highlighter,
            )?),
        })
    }

    /// Takes the passage out (read first when needed), for a hit.
    pub fn take(
        &mut self,
        address: DocAddress,
        highlighter: &mut Highlighter,
    ) -> Result<Arc<Fetched>> {
        match self.read.remove(&address) {
            Some(kept) => Ok(kept),
            None => read(self.searcher, self.store, self.cache, address, highlighter),
        }
    }
}

/// The passage at `address`: kept, or read from the store, tokenised and kept.
fn read(
    searcher: &Searcher,
    store: &PassageStore,
    cache: &PassageCache,
    address: DocAddress,
    highlighter: &mut Highlighter,
) -> Result<Arc<Fetched>> {
    if let Some(kept) = cache.get(searcher, address) {
        return Ok(kept);
    }
    let fetched = Arc::new(Fetched::new(store.read(searcher, address)?, highlighter));
    cache.insert(searcher, address, fetched.clone());
    Ok(fetched)
}

/// What the rerank did to one passage: the factors its score was multiplied by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RerankFactors {
    /// 1 + density boost × the densest share of the question's words.
    pub density: f32,
    /// The answer kind's boost when the passage states one beside the words asked about,
    /// else 1.
    pub answer: f32,
}

/// Reranks `top` (the query's ranking, at least `answer_pool` long when that many passages
/// match) in place; returns the factors applied to each passage scored again.
pub fn rerank(
    plan: &Plan,
    word_density: bool,
    wanted: usize,
    ranking: &Ranking,
    highlighter: &mut Highlighter,
    fetched: &mut FetchedPassages,
    top: &mut [(f32, DocAddress)],
) -> Result<HashMap<DocAddress, RerankFactors>> {
    // what states the answer a question asks for, how near its words, and its boost
    type StatedBeside = fn(&Highlighter, &PassageTokens, &[(usize, usize)], usize) -> bool;
    let focus = plan.answer_focus.as_ref().map(|focus| {
        let (stated, window, boost): (StatedBeside, _, _) = match focus.kind {
            AnswerKind::Quantity => (
                Highlighter::number_beside_match,
                ranking.quantity_window,
                ranking.quantity_boost,
            ),
            AnswerKind::Time => (
                Highlighter::time_beside_match,
                ranking.time_window,
                ranking.time_boost,
            ),
        };
        (focus.terms.prepare(), stated, window, boost)
    });
    let density = word_density.then(|| WordStems::of(&plan.coverage_words, true));
    let max_factor = density
        .as_ref()
        .map_or(1.0, |_| 1.0 + ranking.density_boost)
        * focus
            .as_ref()
            .map_or(1.0, |(.., answer_boost)| *answer_boost);
    // Only the first passages are scored again, however many are asked for, so a page's order
    // does not depend on its size. The factors only raise a score, so the passages after the
    // pool stay below every passage in it.
    let pool = top.len().min(ranking.answer_pool);
    // A passage whose best possible score would stay below the last wanted passage's score
    // cannot enter the page: it is not read.
    let floor = if wanted > 0 && wanted < pool {
        top[wanted - 1].0 / max_factor
    } else {
        0.0
    };
    let mut factors = HashMap::default();
    for (score, address) in top[..pool].iter_mut().filter(|(s, _)| *s >= floor) {
        let mut applied = RerankFactors {
            density: 1.0,
            answer: 1.0,
        };
        let read = fetched.get(*address, highlighter)?;
        if let Some(stems) = &density {
            let heading = read.heading(highlighter);
            let share =
                highlighter.densest_share(&read.tokens, heading, stems, ranking.density_window);
            applied.density = 1.0 + ranking.density_boost * share;
        }
        if let Some((terms, stated, window, answer_boost)) = &focus {
            let ranges = highlighter.ranges(&read.tokens, terms);
            if stated(highlighter, &read.tokens, &ranges, *window) {
                applied.answer = *answer_boost;
            }
        }
        *score *= applied.density;
        *score *= applied.answer;
        factors.insert(*address, applied);
    }
    // stable: equal scores keep the index's order
    top[..pool].sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(factors)
}
