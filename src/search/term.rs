//! A term clause scored as tantivy's `TermQuery` scores it, with its BM25 weight remembered.
//!
//! A query compiles to dozens of term clauses. For each, tantivy's `TermQuery` builds a BM25
//! weight from scratch (an explanation of its IDF in words, and a table of 256 length
//! factors), then copies that explanation again for each segment's scorer. The weight depends
//! only on the term's passage count, the number of passages and the field's total length,
//! and the same few recur from query to query: it is built once per thread and kept, without
//! the explanation (`--explain` reads scores only). Scores are tantivy's own
//! `Bm25Weight::score`, bit for bit.
//!
//! Only on small segments, the ones [`super::union`] scores itself. On a larger one tantivy's
//! union scores the clauses, and it treats its own term scorers specially (they are much
//! faster to traverse there), while the weight's set-up is nothing beside the traversal of
//! long postings: the clause is then tantivy's `TermQuery`.
//!
//! On those small segments a term's postings are also decoded once per thread and kept
//! (bounded): the scorer walks a plain list instead of opening tantivy's block format, which
//! cost more than the walk itself.
//!
//! A term's place in a segment's dictionary ([`term_info`]) is remembered per thread too:
//! looking it up walks the dictionary, and a request looks each term up twice (its passage
//! count for BM25 when planning, its postings when scoring), while the next requests ask for
//! the same frequent words again. A segment never changes, so a kept entry never goes stale.

use std::cell::RefCell;
use std::sync::Arc;
use std::thread::LocalKey;

use rustc_hash::FxHashMap as HashMap;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{
    Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TantivyError, Term, TERMINATED};

use super::union::SMALL_SEGMENT;

/// Weights kept per thread: past this many, the memory starts again (a few dozen bytes each:
/// the table of length factors is shared by every weight of a field).
const MAX_KEPT: usize = 10_000;

/// What a term's BM25 weight depends on: its field, the passages holding it, the passages in
/// the index and the field's total length in tokens.
type WeightKey = (Field, u64, u64, u64);

thread_local! {
    static WEIGHTS: RefCell<HashMap<WeightKey, Bm25Weight>> = RefCell::new(HashMap::default());
}

/// Values kept per thread for (segment, term) pairs: a segment never changes, so an entry
/// never goes stale. Past `max` in size (each entry counts its own size), the memory starts
/// again.
pub(super) struct SegmentTermMemo<V> {
    segments: HashMap<SegmentId, HashMap<Term, V>>,
    size: usize,
    max: usize,
}

impl<V: Clone> SegmentTermMemo<V> {
    pub(super) fn new(max: usize) -> SegmentTermMemo<V> {
        SegmentTermMemo {
            segments: HashMap::default(),
            size: 0,
            max,
        }
    }

    pub(super) fn get(&self, segment: SegmentId, term: &Term) -> Option<V> {
        self.segments.get(&segment)?.get(term).cloned()
    }

    pub(super) fn insert(&mut self, segment: SegmentId, term: &Term, value: V, size: usize) {
        if self.size + size > self.max {
            self.segments.clear();
            self.size = 0;
        }
        self.size += size;
        self.segments
            .entry(segment)
            .or_default()
            .insert(term.clone(), value);
    }
}

thread_local! {
    static TERM_INFOS: RefCell<SegmentTermMemo<Option<TermInfo>>> =
        RefCell::new(SegmentTermMemo::new(MAX_KEPT));
}

/// Where `term`'s postings are in the segment (`None`: no passage of it holds the term).
pub fn term_info(reader: &SegmentReader, term: &Term) -> tantivy::Result<Option<TermInfo>> {
    let segment = reader.segment_id();
    if let Some(info) = TERM_INFOS.with(|kept| kept.borrow().get(segment, term)) {
        return Ok(info);
    }
    let info = reader.inverted_index(term.field())?.get_term_info(term)?;
    TERM_INFOS.with(|kept| kept.borrow_mut().insert(segment, term, info.clone(), 1));
    Ok(info)
}

/// The BM25 weight of a term held by `doc_freq` of `num_docs` passages, in a field of
/// `num_tokens` tokens: the one tantivy's `TermQuery` computes, without its explanation.
fn bm25_weight(field: Field, doc_freq: u64, num_docs: u64, num_tokens: u64) -> Bm25Weight {
    WEIGHTS.with(|weights| {
        let mut weights = weights.borrow_mut();
        let key = (field, doc_freq, num_docs, num_tokens);
        if let Some(weight) = weights.get(&key) {
            return weight.clone();
        }
        // the average as tantivy's `Bm25Weight::for_terms` works it out
        let average_length = num_tokens as Score / num_docs as Score;
        let weight = Bm25Weight::for_one_term_without_explain(doc_freq, num_docs, average_length);
        if weights.len() >= MAX_KEPT {
            weights.clear();
        }
        weights.insert(key, weight.clone());
        weight
    })
}

/// Are all the searcher's segments scored by [`super::union`]'s own union?
pub(super) fn small_segments(searcher: &Searcher) -> bool {
    searcher
        .segment_readers()
        .iter()
        .all(|reader| reader.max_doc() <= SMALL_SEGMENT)
}

/// Passages holding a term (its frequencies read), scored by BM25.
#[derive(Clone, Debug)]
pub struct TermClause {
    term: Term,
}

impl TermClause {
    pub fn new(field: Field, text: &str) -> TermClause {
        TermClause {
            term: Term::from_field_text(field, text),
        }
    }

    fn tantivy_query(&self) -> TermQuery {
        TermQuery::new(self.term.clone(), IndexRecordOption::WithFreqs)
    }
}

impl Query for TermClause {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let field = self.term.field();
        let indexed = enable_scoring.schema().get_field_entry(field).is_indexed();
        match enable_scoring {
            // tantivy's own answer to an unindexed field, a large segment, or a query that
            // does not score
            EnableScoring::Enabled {
                searcher,
                statistics_provider: statistics,
            } if indexed && small_segments(searcher) => Ok(Box::new(TermClauseWeight {
                term: self.term.clone(),
                bm25: bm25_weight(
                    field,
                    statistics.doc_freq(&self.term)?,
                    statistics.total_num_docs()?,
                    statistics.total_num_tokens(field)?,
                ),
            })),
            _ => self.tantivy_query().weight(enable_scoring),
        }
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.term, false);
    }
}

struct TermClauseWeight {
    term: Term,
    bm25: Bm25Weight,
}

impl Weight for TermClauseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let Some(postings) = decoded_postings(reader, &self.term)? else {
            return Ok(Box::new(EmptyScorer));
        };
        let lengths = match reader.fieldnorms_readers().get_field(self.term.field())? {
            Some(lengths) => lengths,
            None => FieldNormReader::constant(reader.max_doc(), 1),
        };
        let doc = postings.docs.first().copied().unwrap_or(TERMINATED);
        Ok(Box::new(TermClauseScorer {
            postings,
            at: 0,
            doc,
            lengths,
            bm25: self.bm25.boost_by(boost),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "Document #({doc}) does not match"
            )));
        }
        Ok(Explanation::new("BM25", scorer.score()))
    }
}

/// A term's postings in a small segment, decoded: the passages holding it, in order, and how
/// many times each holds it.
struct DecodedPostings {
    docs: Vec<DocId>,
    freqs: Vec<u32>,
}

/// About 2 MB per thread: a few hundred frequent terms of small segments.
const MAX_KEPT_POSTINGS: usize = 1 << 18;

thread_local! {
    /// Decoded postings, sized by their passages. Opening a term's postings in tantivy's
    /// block format costs more than walking a small segment's list, and the same terms come
    /// back request after request.
    static POSTINGS: RefCell<SegmentTermMemo<Arc<DecodedPostings>>> =
        RefCell::new(SegmentTermMemo::new(MAX_KEPT_POSTINGS));
}

/// `term`'s postings in a small segment, decoded once per thread (`None`: no passage of the
/// segment holds the term).
fn decoded_postings(
    reader: &SegmentReader,
    term: &Term,
) -> tantivy::Result<Option<Arc<DecodedPostings>>> {
    let option = IndexRecordOption::WithFreqs;
    kept_or_decoded(&POSTINGS, reader, term, option, |mut postings, len| {
        let mut decoded = DecodedPostings {
            docs: Vec::with_capacity(len),
            freqs: Vec::with_capacity(len),
        };
        while postings.doc() != TERMINATED {
            decoded.docs.push(postings.doc());
            decoded.freqs.push(postings.term_freq());
            postings.advance();
        }
        (decoded, len)
    })
}

/// `term`'s value in `reader`'s segment from this thread's `memo`, or else made by `decode`
/// from the term's postings (opened with `option`) and its passage count, and kept with the
/// size `decode` gives it. `None`: no passage of the segment holds the term.
pub(super) fn kept_or_decoded<V>(
    memo: &'static LocalKey<RefCell<SegmentTermMemo<Arc<V>>>>,
    reader: &SegmentReader,
    term: &Term,
    option: IndexRecordOption,
    decode: impl FnOnce(SegmentPostings, usize) -> (V, usize),
) -> tantivy::Result<Option<Arc<V>>> {
    let segment = reader.segment_id();
    if let Some(kept) = memo.with(|kept| kept.borrow().get(segment, term)) {
        return Ok(Some(kept));
    }
    let Some(info) = term_info(reader, term)? else {
        return Ok(None);
    };
    let postings = reader
        .inverted_index(term.field())?
        .read_postings_from_terminfo(&info, option)?;
    let (value, size) = decode(postings, info.doc_freq as usize);
    let value = Arc::new(value);
    memo.with(|kept| kept.borrow_mut().insert(segment, term, value.clone(), size));
    Ok(Some(value))
}

/// tantivy's `TermScorer`, as far as a search without top-k pruning uses it, over decoded
/// postings.
struct TermClauseScorer {
    postings: Arc<DecodedPostings>,
    /// Where the scorer is in the postings.
    at: usize,
    doc: DocId,
    lengths: FieldNormReader,
    bm25: Bm25Weight,
}

impl TermClauseScorer {
    /// Makes the passage at `at` the current one (TERMINATED past the end); returns it.
    fn land(&mut self) -> DocId {
        self.doc = self
            .postings
            .docs
            .get(self.at)
            .copied()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for TermClauseScorer {
    fn advance(&mut self) -> DocId {
        self.at += 1;
        self.land()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let rest = self.postings.docs.get(self.at..).unwrap_or_default();
        self.at += rest.partition_point(|&doc| doc < target);
        self.land()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.postings.docs.len() as u32
    }
}

impl Scorer for TermClauseScorer {
    fn score(&mut self) -> Score {
        let length = self.lengths.fieldnorm_id(self.doc);
        let freq = self
            .postings
            .freqs
            .get(self.at)
            .copied()
            .unwrap_or_default();
        self.bm25.score(length, freq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::union::{Combine, UnionQuery};
    use tantivy::collector::TopDocs;
    use tantivy::query::BoostQuery;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, DocAddress, Index};

    const TEXTS: [&str; 5] = [
        "ecole ecole partenaires",
        "ecole",
        "les ecoles de l institut et leurs partenaires industriels",
        "partenaires",
        "ecole ecole ecole ecole d ingenieurs et de management du numerique",
    ];

    /// An index of `copies` × the texts, in two segments.
    fn index(copies: usize) -> tantivy::Result<(Index, Field)> {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for copy in 0..copies {
            for text in TEXTS {
                writer.add_document(doc!(body => text))?;
            }
            if copy == copies / 2 {
                writer.commit()?;
            }
        }
        writer.commit()?;
        Ok((index, body))
    }

    /// A union of each word's clause (tantivy's `TermQuery` or ours), boosted.
    fn union(body: Field, ours: bool, boost: f32) -> UnionQuery {
        let clauses = ["ecole", "partenaires", "absent"]
            .iter()
            .map(|word| -> Box<dyn Query> {
                let term: Box<dyn Query> = if ours {
                    Box::new(TermClause::new(body, word))
                } else {
                    Box::new(TermQuery::new(
                        Term::from_field_text(body, word),
                        IndexRecordOption::WithFreqs,
                    ))
                };
                Box::new(BoostQuery::new(term, boost))
            })
            .collect();
        UnionQuery::new(clauses, Combine::Sum)
    }

    #[test]
    fn term_infos_are_remembered_as_the_dictionary_gives_them() -> tantivy::Result<()> {
        let (index, body) = index(4)?;
        let searcher = index.reader()?.searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        for word in ["ecole", "partenaires", "absent"] {
            let term = Term::from_field_text(body, word);
            for reader in searcher.segment_readers() {
                let read = reader.inverted_index(body)?.get_term_info(&term)?;
                // the first time looked up, then remembered
                assert_eq!(term_info(reader, &term)?, read);
                assert_eq!(term_info(reader, &term)?, read);
                assert_eq!(read.is_some(), word != "absent");
            }
        }
        Ok(())
    }

    #[test]
    fn scores_as_tantivy_term_query_bit_for_bit() -> tantivy::Result<()> {
        // One copy: small segments, where our union scores the clauses and the weight is
        // remembered. Two thousand: two segments of about 5,000 passages, where tantivy's
        // union scores them and the clause is tantivy's own.
        for copies in [1, 2000] {
            let (index, body) = index(copies)?;
            let searcher = index.reader()?.searcher();
            assert_eq!(small_segments(&searcher), copies == 1);
            for boost in [1.0, 0.35, 2.5] {
                let (ours, theirs) = (union(body, true, boost), union(body, false, boost));
                let top = |q: &dyn Query| -> tantivy::Result<Vec<(Score, DocAddress)>> {
                    searcher.search(q, &TopDocs::with_limit(5000).order_by_score())
                };
                let (a, b) = (top(&ours)?, top(&theirs)?);
                assert_eq!(a.len(), b.len());
                for ((sa, da), (sb, db)) in a.iter().zip(&b) {
                    assert_eq!((sa.to_bits(), da), (sb.to_bits(), db), "×{boost}");
                }
                // asked again, from the remembered weights
                assert_eq!(top(&ours)?, a);
                // explained as tantivy explains it (the boost applied to the explained score)
                let one = BoostQuery::new(Box::new(TermClause::new(body, "ecole")), boost);
                let tantivy_one = BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(body, "ecole"),
                        IndexRecordOption::WithFreqs,
                    )),
                    boost,
                );
                for (_, address) in top(&one)?.into_iter().take(20) {
                    assert_eq!(
                        one.explain(&searcher, address)?.value().to_bits(),
                        tantivy_one.explain(&searcher, address)?.value().to_bits()
                    );
                }
                // the fourth passage of each copy is `partenaires` alone
                assert!(one.explain(&searcher, DocAddress::new(0, 3)).is_err());
            }
        }
        Ok(())
    }
}
