//! A query's own score plus a flat bonus wherever it matches: the coordination bonus of a
//! query word ("this passage holds the word at all") on top of the word's BM25 score.
//!
//! Written as two clauses (the word, and the word again under a constant score), the word's
//! postings are read twice per passage; here they are read once and the bonus is added as
//! the passage is scored, which gives the same scores for half the posting traversal.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term, COLLECT_BLOCK_BUFFER_LEN,
};

/// `query`'s score + `bonus` on every passage `query` matches.
pub struct BonusQuery {
    query: Box<dyn Query>,
    bonus: Score,
}

impl BonusQuery {
    pub fn new(query: Box<dyn Query>, bonus: Score) -> BonusQuery {
        BonusQuery { query, bonus }
    }
}

impl Clone for BonusQuery {
    fn clone(&self) -> Self {
        BonusQuery {
            query: self.query.box_clone(),
            bonus: self.bonus,
        }
    }
}

impl fmt::Debug for BonusQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Bonus(bonus={}, query={:?})", self.bonus, self.query)
    }
}

impl Query for BonusQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let scoring = enable_scoring.is_scoring_enabled();
        let inner = self.query.weight(enable_scoring)?;
        Ok(if scoring {
            Box::new(BonusWeight {
                inner,
                bonus: self.bonus,
            })
        } else {
            inner
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct BonusWeight {
    inner: Box<dyn Weight>,
    bonus: Score,
}

impl Weight for BonusWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(BonusScorer {
            inner: self.inner.scorer(reader, boost)?,
            bonus: boost * self.bonus,
        }))
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let (found, inner) = self.inner.scorer_danger(reader, target, boost)?;
        let scorer = BonusScorer {
            inner,
            bonus: boost * self.bonus,
        };
        Ok((found, Box::new(scorer)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new("Bonus", inner.value() + self.bonus);
        explanation.add_detail(inner);
        explanation.add_const("bonus", self.bonus);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct BonusScorer {
    inner: Box<dyn Scorer>,
    bonus: Score,
}

impl DocSet for BonusScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.inner.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for BonusScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.bonus
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    /// The bonus scores every passage as the word plus the word under a constant score did.
    #[test]
    fn scores_as_the_word_and_its_constant_clause() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for body in ["a b", "a a c", "b c", "c", "a", "b b b a"] {
            writer.add_document(doc!(text => body))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(text, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        let word = || -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (Occur::Should, term("a")),
                (Occur::Should, term("b")),
            ]))
        };
        let two_clauses = BooleanQuery::new(vec![
            (Occur::Should, word()),
            (Occur::Should, Box::new(ConstScoreQuery::new(word(), 0.7))),
            (Occur::Should, term("c")),
        ]);
        let bonus = BooleanQuery::new(vec![
            (Occur::Should, Box::new(BonusQuery::new(word(), 0.7))),
            (Occur::Should, term("c")),
        ]);
        let top = |q: &dyn Query| searcher.search(q, &TopDocs::with_limit(10).order_by_score());
        let (expected, got) = (top(&two_clauses)?, top(&bonus)?);
        assert_eq!(expected.len(), 6);
        assert_eq!(expected.len(), got.len());
        for ((s1, a1), (s2, a2)) in expected.iter().zip(&got) {
            assert_eq!(a1, a2);
            assert!((s1 - s2).abs() < 1e-5, "{s1} vs {s2}");
        }
        let explained = bonus.explain(&searcher, got[0].1)?;
        assert!((explained.value() - got[0].0).abs() < 1e-5);
        Ok(())
    }
}
