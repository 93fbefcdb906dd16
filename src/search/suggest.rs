//! "Did you mean": the indexed word closest to a word the index does not contain, by edit
//! distance (1 for short words, 2 from 8 letters), the most frequent among equals. Like
//! Lucene's `DirectSpellChecker` (minPrefix 1), the first letter is trusted. Candidates come from
//! a Levenshtein automaton run over the term dictionary, so the look-up does not scan the
//! vocabulary.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// Levenshtein distance between `a` and `b`, or `None` when above `max`.
pub fn bounded_levenshtein(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let d = previous[b.len()];
    (d <= max).then_some(d)
}

/// The largest edit distance tolerated for a word: 1, or 2 from 8 letters.
pub fn max_distance(word: &str) -> usize {
    if word.chars().count() >= 8 {
        2
    } else {
        1
    }
}

/// A term near a word: its edit distance and how many passages hold it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NearTerm {
    pub distance: usize,
    /// Reversed so that sorting puts the most frequent first among equal distances.
    pub rarity: std::cmp::Reverse<u32>,
    pub term: String,
}

/// The indexed words of `field` within [`max_distance`] of `word` and sharing its first letter,
/// closest and most frequent first, at most `limit` of them. Numbers are never near terms.
pub fn near_terms(searcher: &Searcher, field: Field, word: &str, limit: usize) -> Vec<NearTerm> {
    let max = max_distance(word);
    let Some(first) = word.chars().next() else {
        return Vec::new();
    };
    let length = word.chars().count();
    // A Levenshtein automaton walks only the branches of the term dictionary that can end
    // within `max` edits of the word: the cost grows with the word, not with the vocabulary.
    // Building it is the dearest step (a DFA over every edit state), so it is built once and
    // run over each segment.
    let Ok(dfa) =
        FuzzyTermQuery::new(Term::from_field_text(field, word), max as u8, false).automaton()
    else {
        return Vec::new();
    };
    let mut found: Vec<NearTerm> = Vec::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        // Only the terms sharing the word's first letter are candidates: the walk is kept to
        // that range of the dictionary (terms sort by their UTF-8 bytes, that is by code
        // point).
        let mut from = [0u8; 4];
        let mut search = inverted
            .terms()
            .search(&dfa)
            .ge(first.encode_utf8(&mut from));
        let mut to = [0u8; 4];
        if let Some(next) = char::from_u32(u32::from(first) + 1) {
            search = search.lt(next.encode_utf8(&mut to));
        }
        let Ok(mut stream) = search.into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !term.starts_with(first)
                || term.chars().count().abs_diff(length) > max
                || term.chars().any(|c| c.is_ascii_digit())
            {
                continue;
            }
            if let Some(distance) = bounded_levenshtein(word, term, max) {
                if distance == 0 {
                    continue;
                }
                let doc_freq = stream.value().doc_freq;
                match found.iter_mut().find(|n| n.term == term) {
                    // the same term in another segment
                    Some(n) => n.rarity.0 += doc_freq,
                    None => found.push(NearTerm {
                        distance,
                        rarity: std::cmp::Reverse(doc_freq),
                        term: term.to_string(),
                    }),
                }
            }
        }
    }
    found.sort();
    found.truncate(limit);
    found
}

/// Past this many words, the near-term cache starts again.
const MAX_CACHED_WORDS: usize = 10_000;

/// Near terms are looked up this many at least, so that the plan's look-up and the "did you
/// mean" one for the same word share an entry.
const KEPT_PER_WORD: usize = 8;

/// The near terms of the words already looked up on one opened index (whose searcher never
/// changes): a word the index lacks comes back in many queries (an English word over French
/// passages, a common typo), and building its automaton costs more than the rest of its plan.
/// Bounded by words, not by the corpus: at most [`MAX_CACHED_WORDS`] entries of a few terms.
pub struct NearTermCache {
    field: Field,
    kept: Mutex<HashMap<String, Kept>>,
}

/// One word's near terms, looked up with `limit`.
struct Kept {
    limit: usize,
    terms: Arc<[NearTerm]>,
}

impl NearTermCache {
    /// A cache for the words of `field`.
    pub fn new(field: Field) -> NearTermCache {
        NearTermCache {
            field,
            kept: Mutex::new(HashMap::default()),
        }
    }

    /// [`near_terms`] of `word` in the cache's field, at most `limit` of them.
    pub fn near_terms(&self, searcher: &Searcher, word: &str, limit: usize) -> Vec<NearTerm> {
        let kept = |kept: &HashMap<String, Kept>| {
            kept.get(word)
                .filter(|k| k.limit >= limit || k.terms.len() < k.limit)
                .map(|k| k.terms.iter().take(limit).cloned().collect())
        };
        if let Some(found) = kept(&self.kept.lock().unwrap_or_else(PoisonError::into_inner)) {
            return found;
        }
        let looked_up = limit.max(KEPT_PER_WORD);
        let terms: Arc<[NearTerm]> = near_terms(searcher, self.field, word, looked_up).into();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_CACHED_WORDS {
            kept.clear();
        }
        kept.insert(
            word.to_string(),
            Kept {
                limit: looked_up,
                terms: terms.clone(),
            },
        );
        terms.iter().take(limit).cloned().collect()
    }

    /// The indexed term closest to `word`.
    pub fn closest_term(&self, searcher: &Searcher, word: &str) -> Option<String> {
        self.near_terms(searcher, word, 1)
            .into_iter()
            .next()
            .map(|n| n.term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_is_bounded() {
        assert_eq!(
            bounded_levenshtein("feminisaton", "feminisation", 2),
            Some(1)
        );
        assert_eq!(bounded_levenshtein("ecole", "ecoles", 1), Some(1));
        assert_eq!(bounded_levenshtein("abc", "xyz", 2), None);
        assert_eq!(bounded_levenshtein("a", "abcd", 2), None);
    }
}
