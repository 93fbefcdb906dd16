//! The index statistics a query plan is weighed with (passage counts, near words), behind a
//! trait so that a plan can be built and tested without an index.

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::suggest::NearTermCache;
use super::term::term_info;
use crate::index::Fields;

/// The indexed fields a plan asks statistics of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermField {
    /// Folded, unstemmed words.
    Exact,
    /// French stems.
    French,
    /// English stems.
    English,
}

/// Term statistics of the index, as the planner needs them.
pub trait TermStats {
    /// Passages in the index.
    fn num_docs(&self) -> u64;
    /// Passages holding `term` in `field`.
    fn doc_freq(&self, field: TermField, term: &str) -> u64;
    /// Indexed exact words within a small edit distance of `word`, closest first.
    fn near_terms(&self, word: &str, limit: usize) -> Vec<String>;
}

/// Which terms the index holds.
pub trait Lexicon {
    /// Does any passage hold `text` in `field`?
    fn holds(&self, field: Field, text: &str) -> bool;
}

/// A searcher's BM25 statistics for one request, each read from the index once: BM25 weighs
/// every clause of a query, and a query's clauses name the same few terms and fields many
/// times (a word in its clause, its bonus, the headings, the positional boosts), which the
/// plan has already counted. The same numbers as the searcher's, so the same scores.
pub struct RequestStatistics<'a> {
    searcher: &'a Searcher,
    num_docs: Cell<Option<u64>>,
    tokens: RefCell<Vec<(Field, u64)>>,
    doc_freqs: RefCell<HashMap<Term, u64>>,
}

impl<'a> RequestStatistics<'a> {
    pub fn new(searcher: &'a Searcher) -> RequestStatistics<'a> {
        RequestStatistics {
            searcher,
            num_docs: Cell::new(None),
            tokens: RefCell::new(Vec::new()),
            doc_freqs: RefCell::new(HashMap::default()),
        }
    }

    pub fn searcher(&self) -> &'a Searcher {
        self.searcher
    }
}

impl Bm25StatisticsProvider for RequestStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&(_, n)) = self.tokens.borrow().iter().find(|(f, _)| *f == field) {
            return Ok(n);
        }
        let n = Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        self.tokens.borrow_mut().push((field, n));
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        if let Some(n) = self.num_docs.get() {
            return Ok(n);
        }
        let n = Bm25StatisticsProvider::total_num_docs(self.searcher)?;
        self.num_docs.set(Some(n));
        Ok(n)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.doc_freqs.borrow().get(term) {
            return Ok(n);
        }
        // the searcher's own count, each segment's look-up remembered for the scorers
        let mut n = 0;
        for reader in self.searcher.segment_readers() {
            n += term_info(reader, term)?.map_or(0, |info| u64::from(info.doc_freq));
        }
        self.doc_freqs.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }
}

impl Lexicon for RequestStatistics<'_> {
    fn holds(&self, field: Field, text: &str) -> bool {
        // on a read error, kept: the query then reports it
        self.doc_freq(&Term::from_field_text(field, text))
            .map_or(true, |n| n > 0)
    }
}

/// [`TermStats`] of an opened index.
pub struct IndexStats<'a> {
    pub statistics: &'a RequestStatistics<'a>,
    pub fields: &'a Fields,
    /// The index's near terms already looked up (of the exact field).
    pub near: &'a NearTermCache,
}

impl TermStats for IndexStats<'_> {
    fn num_docs(&self) -> u64 {
        self.statistics.searcher().num_docs()
    }

    fn doc_freq(&self, field: TermField, term: &str) -> u64 {
        let field: Field = match field {
            TermField::Exact => self.fields.exact,
            TermField::French => self.fields.text_fr,
            TermField::English => self.fields.text_en,
        };
        self.statistics
            .doc_freq(&Term::from_field_text(field, term))
            .unwrap_or(0)
    }

    fn near_terms(&self, word: &str, limit: usize) -> Vec<String> {
        self.near
            .near_terms(self.statistics.searcher(), word, limit)
            .into_iter()
            .map(|near| near.term)
            .collect()
    }
}

/// Statistics of an imaginary index, for tests: every listed term (in any field) with its
/// passage count, in an index of 1,000 passages.
#[cfg(test)]
pub struct FixedStats(pub std::collections::HashMap<&'static str, u64>);

#[cfg(test)]
impl TermStats for FixedStats {
    fn num_docs(&self) -> u64 {
        1000
    }

    fn doc_freq(&self, _: TermField, term: &str) -> u64 {
        self.0.get(term).copied().unwrap_or(0)
    }

    fn near_terms(&self, word: &str, limit: usize) -> Vec<String> {
        let mut near: Vec<&str> = self
            .0
            .keys()
            .copied()
            .filter(|t| super::suggest::bounded_levenshtein(word, t, 2).is_some())
            .collect();
        near.sort_unstable();
        near.into_iter().take(limit).map(str::to_string).collect()
    }
}
