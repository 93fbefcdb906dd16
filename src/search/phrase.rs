//! A phrase clause scored as tantivy's `PhraseQuery` scores it.
//!
//! A query holds several phrases: each multi-word synonym of its words (a word apart
//! allowed), the whole query for the positional boost, its words close together. For each,
//! tantivy opens every word's postings and positions in its block format, a kilobyte-sized
//! structure copied several times, before it reads a single passage. On the small segments
//! [`super::union`] scores itself, the words' postings and positions are decoded once per
//! thread instead (bounded), and the phrase is matched over plain lists. It is counted as
//! tantivy counts it: the same intersections (tantivy's own, in [`super::phrase_count`]),
//! over the words in the same order; and scored by tantivy's BM25 weight, so scores are the
//! same bit for bit.
//! On a large segment the clause is tantivy's.

use std::cell::RefCell;
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::query::{
    Bm25Weight, EmptyScorer, EnableScoring, Explanation, PhraseQuery, Query, Scorer, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocId, DocSet, Score, SeekDangerResult, SegmentReader, TantivyError, Term, TERMINATED,
};

use super::phrase_count::{
    intersection, intersection_count, intersection_count_with_carrying_slop,
    intersection_count_with_slop,
};
use super::term::{kept_or_decoded, small_segments, term_info, SegmentTermMemo};

/// The words of a phrase, each with its position in the phrase, and how far apart in all
/// they may stand from there (`slop`).
#[derive(Clone, Debug)]
pub struct PhraseClause {
    terms: Vec<(usize, Term)>,
    slop: u32,
}

impl PhraseClause {
    /// `terms`: at least two, of one field.
    pub fn new(terms: Vec<(usize, Term)>, slop: u32) -> PhraseClause {
        PhraseClause { terms, slop }
    }

    fn tantivy_query(&self) -> PhraseQuery {
        PhraseQuery::new_with_offset_and_slop(self.terms.clone(), self.slop)
    }
}

impl Query for PhraseClause {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let positions = self.terms.first().is_some_and(|(_, term)| {
            enable_scoring
                .schema()
                .get_field_entry(term.field())
                .field_type()
                .get_index_record_option()
                .is_some_and(IndexRecordOption::has_positions)
        });
        match enable_scoring {
            EnableScoring::Enabled {
                searcher,
                statistics_provider,
            } if positions && self.terms.len() >= 2 && small_segments(searcher) => {
                let terms: Vec<Term> = self.terms.iter().map(|(_, t)| t.clone()).collect();
                Ok(Box::new(PhraseClauseWeight {
                    terms: self.terms.clone(),
                    slop: self.slop,
                    bm25: Bm25Weight::for_terms(statistics_provider, &terms)?,
                }))
            }
            _ => self.tantivy_query().weight(enable_scoring),
        }
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (_, term) in &self.terms {
            visitor(term, true);
        }
    }
}

struct PhraseClauseWeight {
    terms: Vec<(usize, Term)>,
    slop: u32,
    bm25: Bm25Weight,
}

impl Weight for PhraseClauseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // a word no passage of the segment holds: no match, and no other word decoded
        for (_, term) in &self.terms {
            if term_info(reader, term)?.is_none() {
                return Ok(Box::new(EmptyScorer));
            }
        }
        let mut words = Vec::with_capacity(self.terms.len());
        for (offset, term) in &self.terms {
            let Some(postings) = positional_postings(reader, term)? else {
                return Ok(Box::new(EmptyScorer));
            };
            words.push((*offset, postings));
        }
        // tantivy's intersection visits its words from the one in the fewest passages (a
        // stable sort), and the phrase is counted in that order
        words.sort_by_key(|(_, postings)| postings.docs.len());
        let last_offset = words.iter().map(|(offset, _)| *offset).max().unwrap_or(0);
        let words = words
            .into_iter()
            .map(|(offset, postings)| Word {
                shift: (last_offset - offset) as u32,
                postings,
                at: 0,
            })
            .collect();
        let field = self.terms[0].1.field();
        let lengths = match reader.fieldnorms_readers().get_field(field)? {
            Some(lengths) => lengths,
            None => FieldNormReader::constant(reader.max_doc(), 1),
        };
        let mut scorer = PhraseClauseScorer {
            words,
            slop: self.slop,
            doc: 0,
            count: 0,
            buffers: Buffers::default(),
            lengths,
            bm25: self.bm25.boost_by(boost),
        };
        scorer.doc = scorer.next_match(0);
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "Document #({doc}) does not match"
            )));
        }
        Ok(Explanation::new("Phrase Scorer", scorer.score()))
    }
}

/// A term's postings in a small segment with their positions, decoded: the passages holding
/// it, and its positions in each (`positions[starts[i]..starts[i + 1]]` for `docs[i]`).
struct PositionalPostings {
    docs: Vec<DocId>,
    starts: Vec<u32>,
    positions: Vec<u32>,
}

impl PositionalPostings {
    fn positions_at(&self, at: usize) -> &[u32] {
        let from = self.starts.get(at).copied().unwrap_or_default() as usize;
        let to = self.starts.get(at + 1).copied().unwrap_or_default() as usize;
        self.positions.get(from..to).unwrap_or_default()
    }
}

/// About 2 MB per thread.
const MAX_KEPT_POSITIONS: usize = 1 << 18;

thread_local! {
    /// Positional postings, sized by their passages and positions.
    static POSITIONS: RefCell<SegmentTermMemo<Arc<PositionalPostings>>> =
        RefCell::new(SegmentTermMemo::new(MAX_KEPT_POSITIONS));
}

/// `term`'s postings and positions in a small segment, decoded once per thread (`None`: no
/// passage of the segment holds the term).
fn positional_postings(
    reader: &SegmentReader,
    term: &Term,
) -> tantivy::Result<Option<Arc<PositionalPostings>>> {
    let option = IndexRecordOption::WithFreqsAndPositions;
    kept_or_decoded(&POSITIONS, reader, term, option, |mut postings, len| {
        let mut decoded = PositionalPostings {
            docs: Vec::with_capacity(len),
            starts: Vec::with_capacity(len + 1),
            positions: Vec::new(),
        };
        decoded.starts.push(0);
        let mut positions = Vec::new();
        while postings.doc() != TERMINATED {
            decoded.docs.push(postings.doc());
            postings.positions(&mut positions);
            decoded.positions.extend_from_slice(&positions);
            decoded.starts.push(decoded.positions.len() as u32);
            postings.advance();
        }
        let size = decoded.docs.len() + decoded.positions.len();
        (decoded, size)
    })
}

/// One word of the phrase: its postings, where the scorer is in them, and what its positions
/// are shifted by so that a phrase's words all land on one position (its last word's).
struct Word {
    shift: u32,
    postings: Arc<PositionalPostings>,
    at: usize,
}

impl Word {
    fn doc(&self) -> DocId {
        self.postings
            .docs
            .get(self.at)
            .copied()
            .unwrap_or(TERMINATED)
    }

    /// Moves to the first passage at or after `target`; returns it.
    fn seek(&mut self, target: DocId) -> DocId {
        let rest = self.postings.docs.get(self.at..).unwrap_or_default();
        self.at += rest.partition_point(|&doc| doc < target);
        self.doc()
    }

    /// Its positions in the current passage, shifted, into `out` (emptied first).
    fn positions(&self, out: &mut Vec<u32>) {
        out.clear();
        out.extend(
            self.postings
                .positions_at(self.at)
                .iter()
                .map(|p| p + self.shift),
        );
    }
}

/// tantivy's `PhraseScorer`, over decoded postings.
struct PhraseClauseScorer {
    words: Vec<Word>,
    slop: u32,
    doc: DocId,
    /// How many times the current passage holds the phrase.
    count: u32,
    buffers: Buffers,
    lengths: FieldNormReader,
    bm25: Bm25Weight,
}

/// The positions being intersected, and their slops, kept from one passage to the next.
#[derive(Default)]
struct Buffers {
    left: Vec<u32>,
    right: Vec<u32>,
    left_slops: Vec<u8>,
    positions: Vec<u32>,
    slops: Vec<u8>,
}

impl PhraseClauseScorer {
    /// The first passage at or after `target` holding every word.
    fn next_common(&mut self, mut target: DocId) -> DocId {
        'again: loop {
            for word in &mut self.words {
                let doc = word.seek(target);
                if doc == TERMINATED {
                    return TERMINATED;
                }
                if doc > target {
                    target = doc;
                    continue 'again;
                }
            }
            return target;
        }
    }

    /// The first passage at or after `target` holding the phrase (its count set).
    fn next_match(&mut self, mut target: DocId) -> DocId {
        loop {
            let doc = self.next_common(target);
            if doc == TERMINATED || self.count_phrase() > 0 {
                return doc;
            }
            target = doc + 1;
        }
    }

    /// Counts the phrase in the passage every word is on (and keeps the count).
    fn count_phrase(&mut self) -> u32 {
        self.count = self.phrase_count();
        self.count
    }

    /// As tantivy's `compute_phrase_match` then `compute_phrase_count`: the positions of the
    /// words but the last intersected in turn, then counted against the last word's.
    fn phrase_count(&mut self) -> u32 {
        let (slop, b) = (self.slop, &mut self.buffers);
        let several = self.words.len() > 2;
        let Some((last, first)) = self.words.split_last() else {
            return 0;
        };
        let Some((head, middle)) = first.split_first() else {
            return 0;
        };
        head.positions(&mut b.left);
        b.left_slops.clear();
        for word in middle {
            word.positions(&mut b.right);
            if slop > 0 {
                intersection_count_with_carrying_slop(
                    &mut b.left,
                    &mut b.left_slops,
                    &b.right,
                    slop,
                    true,
                    &mut b.positions,
                    &mut b.slops,
                );
            } else {
                intersection(&mut b.left, &b.right);
            }
            if b.left.is_empty() {
                return 0;
            }
        }
        last.positions(&mut b.right);
        if slop == 0 {
            intersection_count(&b.left, &b.right) as u32
        } else if several {
            intersection_count_with_carrying_slop(
                &mut b.left,
                &mut b.left_slops,
                &b.right,
                slop,
                false,
                &mut b.positions,
                &mut b.slops,
            )
        } else {
            intersection_count_with_slop(&mut b.left, &b.right, slop, false) as u32
        }
    }
}

impl DocSet for PhraseClauseScorer {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.next_match(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = self.next_match(target);
        }
        self.doc
    }

    /// Checks the one passage asked about: a `seek` would check the positions of every
    /// passage between the current one and `target`.
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= TERMINATED {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        let doc = self.next_common(target);
        if doc != target {
            return SeekDangerResult::SeekLowerBound(doc);
        }
        if self.count_phrase() > 0 {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            SeekDangerResult::SeekLowerBound(target + 1)
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.words
            .iter()
            .map(|w| w.postings.docs.len() as u32)
            .min()
            .unwrap_or(0)
    }
}

impl Scorer for PhraseClauseScorer {
    fn score(&mut self) -> Score {
        self.bm25
            .score(self.lengths.fieldnorm_id(self.doc), self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, Searcher};

    fn searcher_of(texts: &[String]) -> tantivy::Result<(Searcher, tantivy::schema::Field)> {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for text in texts {
            writer.add_document(doc!(body => text.as_str()))?;
        }
        writer.commit()?;
        Ok((index.reader()?.searcher(), body))
    }

    fn top(searcher: &Searcher, query: &dyn Query) -> tantivy::Result<Vec<(u32, DocAddress)>> {
        let hits = searcher.search(query, &TopDocs::with_limit(1000).order_by_score())?;
        Ok(hits.into_iter().map(|(s, a)| (s.to_bits(), a)).collect())
    }

    /// Texts of a few words, so that phrases repeat, overlap and fall a word or two apart.
    fn texts() -> impl Strategy<Value = Vec<String>> {
        let word = prop::sample::select(vec!["a", "b", "c", "d"]);
        let text = prop::collection::vec(word, 1..14).prop_map(|w| w.join(" "));
        prop::collection::vec(text, 1..40)
    }

    /// A phrase of two to four words, with gaps (stop words taken out) and a slop.
    fn phrases() -> impl Strategy<Value = (Vec<(usize, &'static str)>, u32)> {
        let word = prop::sample::select(vec!["a", "b", "c", "d"]);
        let words = prop::collection::vec((word, 0usize..2), 2..5).prop_map(|words| {
            let mut at = 0;
            words
                .into_iter()
                .map(|(w, gap)| {
                    at += gap;
                    let here = at;
                    at += 1;
                    (here, w)
                })
                .collect()
        });
        (words, 0u32..3)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Matches and scores as tantivy's `PhraseQuery`, bit for bit, and so does the
        /// rescoring's one-passage check (`seek_danger`).
        #[test]
        fn scores_as_tantivy_phrase_query((texts, (words, slop)) in (texts(), phrases())) {
            let (searcher, body) = searcher_of(&texts).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let terms: Vec<(usize, Term)> = words
                .iter()
                .map(|(at, w)| (*at, Term::from_field_text(body, w)))
                .collect();
            let ours = PhraseClause::new(terms.clone(), slop);
            let theirs = PhraseQuery::new_with_offset_and_slop(terms, slop);
            let run = |q: &dyn Query| top(&searcher, q).map_err(|e| TestCaseError::fail(e.to_string()));
            prop_assert_eq!(run(&ours)?, run(&theirs)?);
            let scoring = || EnableScoring::enabled_from_searcher(&searcher);
            let reader = searcher.segment_reader(0);
            let fail = |e: tantivy::TantivyError| TestCaseError::fail(e.to_string());
            let mut a = ours.weight(scoring()).map_err(fail)?.scorer(reader, 1.0).map_err(fail)?;
            let mut b = theirs.weight(scoring()).map_err(fail)?.scorer(reader, 1.0).map_err(fail)?;
            for target in (1..reader.max_doc()).step_by(2) {
                let (found_a, found_b) = (a.seek_danger(target), b.seek_danger(target));
                prop_assert_eq!(found_a == SeekDangerResult::Found, found_b == SeekDangerResult::Found);
                if found_a == SeekDangerResult::Found {
                    prop_assert_eq!(a.score().to_bits(), b.score().to_bits());
                }
            }
        }
    }
}
