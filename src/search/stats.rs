//! The index statistics a query plan is weighed with (passage counts, near words), behind a
//! trait so that a plan can be built and tested without an index.

use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::suggest;
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

/// [`TermStats`] of an opened index.
pub struct IndexStats<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
}

impl TermStats for IndexStats<'_> {
    fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn doc_freq(&self, field: TermField, term: &str) -> u64 {
        let field: Field = match field {
            TermField::Exact => self.fields.exact,
            TermField::French => self.fields.text_fr,
            TermField::English => self.fields.text_en,
        };
        self.searcher
            .doc_freq(&Term::from_field_text(field, term))
            .unwrap_or(0)
    }

    fn near_terms(&self, word: &str, limit: usize) -> Vec<String> {
        suggest::near_terms(self.searcher, self.fields.exact, word, limit)
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
            .filter(|t| suggest::bounded_levenshtein(word, t, 2).is_some())
            .collect();
        near.sort_unstable();
        near.into_iter().take(limit).map(str::to_string).collect()
    }
}
