//! Unions of a few clauses: a word's forms, a word's synonyms, a query's words. They score
//! exactly as tantivy's `BooleanQuery` of `Should` clauses (the sum) and `DisjunctionMaxQuery`
//! (the best, plus a share of the others) do: with tantivy's own score combiners, adding the
//! clauses' scores in the same order.
//!
//! tantivy's union scorer buffers a window of 4,096 passages, with one score accumulator
//! each: 16–48 KB allocated and filled for every union, however few passages it will visit.
//! A query compiles to several nested unions; on a segment smaller than that window, each
//! union here only keeps its clauses' scorers and steps the lowest ones, which costs nothing
//! to set up. On a larger segment, where the window pays for itself, tantivy's own union
//! scores it.

use std::fmt;
use std::sync::Arc;

use tantivy::query::{
    BooleanWeight, DisjunctionMaxCombiner, EmptyScorer, EnableScoring, Explanation, Occur, Query,
    ScoreCombiner, Scorer, SumCombiner, Weight,
};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term, TERMINATED};

/// Segments up to this many passages are scored by [`UnionScorer`]: tantivy's union window
/// would hold all of them at once.
pub const SMALL_SEGMENT: u32 = 4096;

/// How the scores of the clauses a passage matches combine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Combine {
    /// Their sum (a `BooleanQuery` of `Should` clauses).
    Sum,
    /// The best one, plus `tie_breaker` × the others (a `DisjunctionMaxQuery`).
    BestOf { tie_breaker: Score },
}

impl Combine {
    fn name(self) -> &'static str {
        match self {
            Combine::Sum => "Sum",
            Combine::BestOf { .. } => "BestOf",
        }
    }
}

/// Passages that match any of `clauses`, scored by `combine`.
pub struct UnionQuery {
    clauses: Vec<Box<dyn Query>>,
    combine: Combine,
}

impl UnionQuery {
    pub fn new(clauses: Vec<Box<dyn Query>>, combine: Combine) -> UnionQuery {
        UnionQuery { clauses, combine }
    }
}

impl Clone for UnionQuery {
    fn clone(&self) -> Self {
        UnionQuery {
            clauses: self.clauses.iter().map(|q| q.box_clone()).collect(),
            combine: self.combine,
        }
    }
}

impl fmt::Debug for UnionQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}({:?})", self.combine.name(), self.clauses)
    }
}

impl Query for UnionQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let clauses = self
            .clauses
            .iter()
            .map(|q| q.weight(enable_scoring).map(Arc::from))
            .collect::<tantivy::Result<Vec<Arc<dyn Weight>>>>()?;
        let shared = || -> Vec<(Occur, Box<dyn Weight>)> {
            clauses
                .iter()
                .map(|w| {
                    (
                        Occur::Should,
                        Box::new(Shared(w.clone())) as Box<dyn Weight>,
                    )
                })
                .collect()
        };
        let scoring = enable_scoring.is_scoring_enabled();
        let large: Box<dyn Weight> = match self.combine {
            Combine::Sum => Box::new(BooleanWeight::with_minimum_number_should_match(
                shared(),
                0,
                scoring,
                Box::new(SumCombiner::default),
            )),
            Combine::BestOf { tie_breaker } => {
                Box::new(BooleanWeight::with_minimum_number_should_match(
                    shared(),
                    1,
                    scoring,
                    Box::new(move || DisjunctionMaxCombiner::with_tie_breaker(tie_breaker)),
                ))
            }
        };
        Ok(Box::new(UnionWeight {
            clauses,
            combine: self.combine,
            large,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct UnionWeight {
    clauses: Vec<Arc<dyn Weight>>,
    combine: Combine,
    /// The same union as tantivy builds it, for large segments.
    large: Box<dyn Weight>,
}

impl Weight for UnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if reader.max_doc() > SMALL_SEGMENT {
            return self.large.scorer(reader, boost);
        }
        let mut clauses = Vec::with_capacity(self.clauses.len());
        for weight in &self.clauses {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                clauses.push(scorer);
            }
        }
        Ok(match clauses.len() {
            0 => Box::new(EmptyScorer),
            // one clause scores alone as in the union: 0 + s, or s + 0 × tie_breaker
            1 => clauses.swap_remove(0),
            _ => match self.combine {
                Combine::Sum => Box::new(UnionScorer::new(clauses, SumCombiner::default())),
                Combine::BestOf { tie_breaker } => Box::new(UnionScorer::new(
                    clauses,
                    DisjunctionMaxCombiner::with_tie_breaker(tie_breaker),
                )),
            },
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.large.explain(reader, doc)
    }
}

/// A clause's weight, shared by both ways of scoring its union.
struct Shared(Arc<dyn Weight>);

impl Weight for Shared {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        self.0.scorer_danger(reader, target, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }
}

/// The union of its clauses' scorers, each kept on its next passage; a passage's score is
/// theirs combined by tantivy's own combiner `C`.
struct UnionScorer<C> {
    /// The clauses not yet exhausted, in clause order (the order their scores add up in).
    clauses: Vec<Box<dyn Scorer>>,
    /// Each clause's current passage, read here rather than through a call per clause and
    /// passage.
    docs: Vec<DocId>,
    /// An empty accumulator, copied for each passage scored.
    combiner: C,
    doc: DocId,
}

impl<C: ScoreCombiner> UnionScorer<C> {
    fn new(clauses: Vec<Box<dyn Scorer>>, combiner: C) -> UnionScorer<C> {
        let docs = clauses.iter().map(|c| c.doc()).collect();
        let mut union = UnionScorer {
            clauses,
            docs,
            combiner,
            doc: TERMINATED,
        };
        union.doc = union.lowest();
        union
    }

    /// Drops the exhausted clauses and returns the lowest passage of the others.
    fn lowest(&mut self) -> DocId {
        if self.docs.contains(&TERMINATED) {
            let mut i = 0;
            while i < self.docs.len() {
                if self.docs[i] == TERMINATED {
                    // `remove`, not `swap_remove`: the clause order is the order of the sum
                    self.docs.remove(i);
                    self.clauses.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        self.docs.iter().copied().min().unwrap_or(TERMINATED)
    }
}

impl<C: ScoreCombiner> DocSet for UnionScorer<C> {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        if current == TERMINATED {
            return TERMINATED;
        }
        for (clause, doc) in self.clauses.iter_mut().zip(&mut self.docs) {
            if *doc == current {
                *doc = clause.advance();
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for (clause, doc) in self.clauses.iter_mut().zip(&mut self.docs) {
            if *doc < target {
                *doc = clause.seek(target);
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        // at most all of them, at least the largest
        self.clauses
            .iter()
            .map(|c| c.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.clauses.iter().map(|c| c.cost()).sum()
    }
}

impl<C: ScoreCombiner> Scorer for UnionScorer<C> {
    fn score(&mut self) -> Score {
        let mut combiner = self.combiner;
        for (clause, doc) in self.clauses.iter_mut().zip(&self.docs) {
            if *doc == self.doc {
                combiner.update(clause);
            }
        }
        combiner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, Searcher};

    fn searcher_of(bodies: &[&str]) -> tantivy::Result<(Searcher, tantivy::schema::Field)> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for body in bodies {
            writer.add_document(doc!(text => *body))?;
        }
        writer.commit()?;
        Ok((index.reader()?.searcher(), text))
    }

    fn term(field: tantivy::schema::Field, t: &str, boost: f32) -> Box<dyn Query> {
        Box::new(BoostQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            )),
            boost,
        ))
    }

    fn top(searcher: &Searcher, q: &dyn Query) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        searcher.search(q, &TopDocs::with_limit(100).order_by_score())
    }

    const BODIES: [&str; 9] = [
        "a b", "a a c", "b c", "c", "a", "b b b a", "d", "c d a", "e",
    ];

    /// The same passages, in the same order, with bit-identical scores as tantivy's own
    /// union queries, alone and nested under a required clause; on a small segment and on
    /// one larger than tantivy's union window.
    #[test]
    fn scores_as_tantivy_boolean_and_disjunction_max() -> tantivy::Result<()> {
        scores_as_tantivy(&BODIES)?;
        let many: Vec<&str> = BODIES.iter().copied().cycle().take(5000).collect();
        scores_as_tantivy(&many)
    }

    fn scores_as_tantivy(bodies: &[&str]) -> tantivy::Result<()> {
        let (searcher, text) = searcher_of(bodies)?;
        let clauses = |t: &[(&str, f32)]| -> Vec<Box<dyn Query>> {
            t.iter().map(|(w, b)| term(text, w, *b)).collect()
        };
        let words = [("a", 1.0), ("b", 0.7), ("c", 1.3), ("zz", 2.0), ("d", 0.2)];
        let tantivy_sum = BooleanQuery::new(
            clauses(&words)
                .into_iter()
                .map(|q| (Occur::Should, q))
                .collect(),
        );
        let sum = UnionQuery::new(clauses(&words), Combine::Sum);
        assert_eq!(top(&searcher, &tantivy_sum)?, top(&searcher, &sum)?);
        let tantivy_best = DisjunctionMaxQuery::with_tie_breaker(clauses(&words), 0.3);
        let best = UnionQuery::new(clauses(&words), Combine::BestOf { tie_breaker: 0.3 });
        assert_eq!(top(&searcher, &tantivy_best)?, top(&searcher, &best)?);
        // nested, and intersected with a required word (seek instead of advance)
        let nested = |inner: Box<dyn Query>| {
            BooleanQuery::new(vec![
                (Occur::Must, term(text, "a", 1.0)),
                (Occur::Must, inner),
            ])
        };
        assert_eq!(
            top(&searcher, &nested(Box::new(tantivy_sum)))?,
            top(&searcher, &nested(Box::new(sum.clone())))?
        );
        let hits = top(&searcher, &sum)?;
        assert_eq!(
            hits.len(),
            100.min(bodies.len() * 8 / 9),
            "every passage but `e`"
        );
        let explained = sum.explain(&searcher, hits[0].1)?;
        assert_eq!(explained.value(), hits[0].0);
        assert!(sum.explain(&searcher, DocAddress::new(0, 8)).is_err());
        Ok(())
    }

    /// Unions with no clause left, or one, match what their clauses match.
    #[test]
    fn empty_and_single_clause_unions() -> tantivy::Result<()> {
        let (searcher, text) = searcher_of(&BODIES)?;
        let none = UnionQuery::new(vec![term(text, "zz", 1.0)], Combine::Sum);
        assert!(top(&searcher, &none)?.is_empty());
        let one = UnionQuery::new(
            vec![term(text, "zz", 1.0), term(text, "d", 0.5)],
            Combine::BestOf { tie_breaker: 0.1 },
        );
        assert_eq!(
            top(&searcher, &one)?,
            top(&searcher, term(text, "d", 0.5).as_ref())?
        );
        Ok(())
    }
}
