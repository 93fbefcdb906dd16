//! One content word of a query plan and every form it is searched as, with the statistics
//! that weigh it; and what the highlighter and coverage make of it.

use super::highlight::{MatchTerms, QueryWord};
use crate::analysis::AnalyzedToken;

/// A multi-word synonym of a query word, searched as a phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct SynonymPhrase {
    /// Its folded words, positions kept (slop 1 in the exact field).
    pub exact: Vec<AnalyzedToken>,
    /// Its French stems, when two or more: also searched in the title and section.
    pub heading_french: Option<Vec<AnalyzedToken>>,
    /// The share of its length that the query words it stands for make, at most 1: a
    /// seven-word expansion of a two-word name must not outweigh the words typed.
    pub weight: f32,
}

/// One content word of the query and every form it is searched as.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WordPlan {
    /// Index of the word among the query's folded words.
    pub at: usize,
    /// As typed.
    pub typed: String,
    /// Folded.
    pub exact: String,
    pub french: Option<String>,
    pub english: Option<String>,
    /// The same small number written otherwise (`quatre` → `4`), exact field.
    pub number_writings: Vec<String>,
    /// One-word synonyms, analysed per field.
    pub french_synonyms: Vec<String>,
    pub english_synonyms: Vec<String>,
    /// Multi-word synonyms.
    pub synonym_phrases: Vec<SynonymPhrase>,
    /// The French stems of those phrases, to tell where a passage speaks of the word.
    pub phrase_french: Vec<String>,
    /// Their words one by one, for a word the passages rarely use.
    pub french_parts: Vec<String>,
    pub english_parts: Vec<String>,
    /// French translations of the English word (bilingual dictionary), those the passages use.
    pub translations: Vec<String>,
    /// French thesaurus synonyms of a rare question word.
    pub related: Vec<String>,
    /// Indexed words close to a word the index lacks (typos, cognates).
    pub near: Vec<String>,
    /// The index has no passage with the word as typed.
    pub unknown: bool,
    /// Passages holding the word (French stem when it has one, else exact form).
    pub doc_freq: u64,
    /// BM25's IDF of `doc_freq`.
    pub idf: f32,
    /// Content words of the query in the longest multi-word term a synonym rule names that
    /// covers this word (`conseil d'administration`: 2); 0 or 1 when none does.
    pub term_words: usize,
    /// The flat bonus a passage holding the word gets (0 for a one-word query).
    pub coordination: f32,
}

impl WordPlan {
    /// The word's forms, for the highlighter.
    pub fn add_match_terms(&self, terms: &mut MatchTerms) {
        terms.exact.insert(self.exact.clone());
        terms.exact.extend(self.number_writings.iter().cloned());
        terms.french.extend(self.french.iter().cloned());
        terms.english.extend(self.english.iter().cloned());
        terms.french.extend(self.french_synonyms.iter().cloned());
        terms.french.extend(self.translations.iter().cloned());
        terms.english.extend(self.english_synonyms.iter().cloned());
        terms.french.extend(self.related.iter().cloned());
    }

    /// The word as the highlighter measures coverage with.
    pub fn query_word(&self) -> QueryWord {
        QueryWord {
            weight: self.idf,
            exact: std::iter::once(&self.exact)
                .chain(&self.number_writings)
                .cloned()
                .collect(),
            french: self
                .french
                .iter()
                .chain(&self.french_synonyms)
                .chain(&self.translations)
                .cloned()
                .collect(),
            phrase_french: self.phrase_french.clone(),
            english: self
                .english
                .iter()
                .chain(&self.english_synonyms)
                .cloned()
                .collect(),
        }
    }
}
