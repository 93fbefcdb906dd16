//! Rescoring: the boosts that read term positions (the query's words as a phrase, its words
//! close together) are the dearest part of a query, and scored over every match they grow with
//! the corpus. They only raise the score of passages that already match, so, like Lucene's
//! `QueryRescorer`, they are added to the best [`RESCORE_POOL`] passages of the rest of the
//! query: the same scores as one query over the whole corpus for every passage in the pool,
//! at a cost that does not grow with the corpus.

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, SeekDangerResult};

use super::collect::keep_best;
use super::stats::RequestStatistics;
use crate::error::Result;

/// Passages whose positional boosts are computed. A passage ranked below this many by its
/// words alone would need a phrase boost worth more than the gap to reach the first page.
pub const RESCORE_POOL: usize = 1000;

/// Adds the score of each of `boosts` to each passage of `top` it matches, then keeps the
/// best `keep` passages, sorted by score (ties by address, as tantivy ranks them).
pub fn rescore(
    statistics: &RequestStatistics,
    boosts: &[Box<dyn Query>],
    top: &mut Vec<(f32, DocAddress)>,
    keep: usize,
) -> Result<()> {
    // Visit the candidates segment by segment, in doc id order, so each scorer only moves
    // forward.
    let searcher = statistics.searcher();
    let mut order: Vec<usize> = (0..top.len()).collect();
    order.sort_unstable_by_key(|&i| top[i].1);
    for boost in boosts {
        let weight = boost.weight(EnableScoring::enabled_from_statistics_provider(
            statistics, searcher,
        ))?;
        let mut segment = None;
        let mut scorer = None;
        // After `seek_danger` misses, the scorer's position means nothing until it hits again.
        let mut positioned = true;
        for &i in &order {
            let address = top[i].1;
            if segment != Some(address.segment_ord) {
                segment = Some(address.segment_ord);
                let reader = searcher.segment_reader(address.segment_ord);
                scorer = Some(weight.scorer(reader, 1.0)?);
                positioned = true;
            }
            let Some(scorer) = scorer.as_mut() else {
                continue;
            };
            let target = address.doc_id;
            // `seek_danger` checks the one passage asked about: a phrase's `seek` would check
            // the positions of every passage between two candidates.
            let found = if positioned && scorer.doc() >= target {
                scorer.doc() == target
            } else {
                let hit = scorer.seek_danger(target) == SeekDangerResult::Found;
                positioned = hit;
                hit
            };
            if found {
                top[i].0 += scorer.score();
            }
        }
    }
    keep_best(top, keep);
    Ok(())
}
