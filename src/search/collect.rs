//! The collector of a query's candidates: its best passages, chosen as tantivy's `TopDocs`
//! chooses them (the same [`TopNComputer`], so the same passages on equal scores), and how
//! many passages match, in one pass. Unlike `TopDocs`, it leaves them unsorted: the rescoring
//! sorts them again anyway, and sorting the thousand a query keeps for its facets cost more
//! than choosing them.

use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{Collector, SegmentCollector, TopNComputer};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// A query's best `limit` passages (in no order) and its number of matches.
pub struct Candidates {
    pub limit: usize,
}

/// Best passages, unsorted, and the number of matches.
pub type Fruit = (Vec<(Score, DocAddress)>, usize);

/// The best first (as tantivy's `TopDocs` ranks: by score, then by address).
fn best_first(a: &(Score, DocAddress), b: &(Score, DocAddress)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// Sorts passages best first.
pub fn sort(top: &mut [(Score, DocAddress)]) {
    top.sort_unstable_by(best_first);
}

/// Keeps the best `keep` passages, sorted best first. They are chosen before they are sorted:
/// a page needs ten of the thousand candidates in order. No two passages share an address, so
/// the order is total and the result is the head of the full sort.
pub fn keep_best(top: &mut Vec<(Score, DocAddress)>, keep: usize) {
    if keep == 0 {
        top.clear();
        return;
    }
    if keep < top.len() {
        top.select_nth_unstable_by(keep - 1, best_first);
        top.truncate(keep);
    }
    sort(top);
}

fn computer<D: Ord>(limit: usize) -> TopNComputer<Score, D, NaturalComparator> {
    TopNComputer::new_with_comparator(limit, NaturalComparator)
}

impl Collector for Candidates {
    type Fruit = Fruit;
    type Child = SegmentCandidates;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        _: &SegmentReader,
    ) -> tantivy::Result<SegmentCandidates> {
        Ok(SegmentCandidates {
            top: computer(self.limit),
            segment_ord,
            matches: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        if fruits.len() == 1 {
            return Ok(fruits.into_iter().next().unwrap_or_default());
        }
        let mut top = computer(self.limit);
        let mut matches = 0;
        // segment by segment, as `TopDocs` merges them (so ties go the same way)
        for (segment_top, segment_matches) in fruits {
            for (score, address) in segment_top {
                top.push(score, address);
            }
            matches += segment_matches;
        }
        let top = top
            .into_vec()
            .into_iter()
            .map(|c| (c.sort_key, c.doc))
            .collect();
        Ok((top, matches))
    }
}

/// One segment's part of [`Candidates`].
pub struct SegmentCandidates {
    top: TopNComputer<Score, DocId, NaturalComparator>,
    segment_ord: SegmentOrdinal,
    matches: usize,
}

impl SegmentCollector for SegmentCandidates {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.matches += 1;
        self.top.push(score, doc);
    }

    fn harvest(self) -> Fruit {
        let segment_ord = self.segment_ord;
        let top = self
            .top
            .into_vec()
            .into_iter()
            .map(|c| (c.sort_key, DocAddress::new(segment_ord, c.doc)))
            .collect();
        (top, self.matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter, Term};

    /// The same passages as `TopDocs` and `Count`, ties included, over several segments and
    /// at limits that make a segment choose.
    #[test]
    fn chooses_as_top_docs_does() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        // many passages with the same score, in three segments
        for segment in 0..3 {
            for i in 0..40 {
                let body = match (i + segment) % 4 {
                    0 => "a b",
                    1 => "a",
                    2 => "a a b c",
                    _ => "b c",
                };
                writer.add_document(doc!(text => body))?;
            }
            writer.commit()?;
        }
        let searcher = index.reader()?.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let query = TermQuery::new(
            Term::from_field_text(text, "a"),
            IndexRecordOption::WithFreqs,
        );
        for limit in [1, 3, 7, 20, 45, 100, 1000] {
            let (expected, expected_count) = searcher.search(
                &query as &dyn Query,
                &(TopDocs::with_limit(limit).order_by_score(), Count),
            )?;
            let (mut got, count) = searcher.search(&query, &Candidates { limit })?;
            sort(&mut got);
            assert_eq!(count, expected_count);
            assert_eq!(got, expected, "limit {limit}");
        }
        Ok(())
    }
}
