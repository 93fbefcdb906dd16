//! "Did you mean": the indexed word closest to a word the index does not contain, by edit
//! distance (1 for short words, 2 from 8 letters), the most frequent among equals. Like
//! Lucene's `DirectSpellChecker` (minPrefix 1), the first letter is trusted. Candidates come from
//! a Levenshtein automaton run over the term dictionary, so the look-up does not scan the
//! vocabulary.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::schema::Field;
use tantivy::Searcher;
use tantivy_fst::Automaton;

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
    let Some(automaton) = NearWords::new(word, max) else {
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
            .search(&automaton)
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

/// The longest word (in chars) [`NearWords`] follows, longer than any indexed term (they are
/// cut at 60 bytes); longer ones have no near terms.
const MAX_WORD_CHARS: usize = 63;

/// The words within `max` edits (insertions, deletions, substitutions of chars) of a word,
/// as an automaton over the UTF-8 bytes of the term dictionary: the same words as a
/// Levenshtein DFA (tantivy's `FuzzyTermQuery`), but each state (a row of the edit-distance
/// table) is computed when the walk reaches it, where a DFA is built whole before the walk,
/// at a cost that dwarfed the walk itself.
struct NearWords {
    word: Vec<char>,
    max: u8,
}

/// A row of the edit-distance table: `row[j]` is the distance between the chars read so
/// far and the word's first `j` chars (capped at `max + 1`); with the bytes of a char not
/// yet complete.
#[derive(Clone)]
struct Row {
    row: [u8; MAX_WORD_CHARS + 1],
    pending: u32,
    pending_bytes: u8,
}

impl NearWords {
    /// `None` for a word longer than [`MAX_WORD_CHARS`].
    fn new(word: &str, max: usize) -> Option<NearWords> {
        let word: Vec<char> = word.chars().collect();
        (word.len() <= MAX_WORD_CHARS).then(|| NearWords {
            word,
            max: u8::try_from(max).unwrap_or(u8::MAX - 1),
        })
    }

    /// The row after reading `c`.
    fn step(&self, state: &Row, c: char) -> Row {
        let cap = self.max.saturating_add(1);
        let mut next = Row {
            row: [cap; MAX_WORD_CHARS + 1],
            pending: 0,
            pending_bytes: 0,
        };
        next.row[0] = state.row[0].saturating_add(1).min(cap);
        for (j, &w) in self.word.iter().enumerate() {
            let substitute = state.row[j] + u8::from(w != c);
            let delete = state.row[j + 1].saturating_add(1);
            let insert = next.row[j].saturating_add(1);
            next.row[j + 1] = substitute.min(delete).min(insert).min(cap);
        }
        next
    }
}

impl Automaton for NearWords {
    type State = Row;

    fn start(&self) -> Row {
        let mut row = [0; MAX_WORD_CHARS + 1];
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = u8::try_from(j)
                .unwrap_or(u8::MAX)
                .min(self.max.saturating_add(1));
        }
        Row {
            row,
            pending: 0,
            pending_bytes: 0,
        }
    }

    fn is_match(&self, state: &Row) -> bool {
        state.pending_bytes == 0 && state.row[self.word.len()] <= self.max
    }

    fn can_match(&self, state: &Row) -> bool {
        state.row[..=self.word.len()].iter().any(|&d| d <= self.max)
    }

    fn accept(&self, state: &Row, byte: u8) -> Row {
        match byte {
            0x00..=0x7F => self.step(state, char::from(byte)),
            // a char's continuation byte
            0x80..=0xBF => {
                let pending = (state.pending << 6) | u32::from(byte & 0x3F);
                if state.pending_bytes <= 1 {
                    let c = char::from_u32(pending).unwrap_or(char::REPLACEMENT_CHARACTER);
                    self.step(state, c)
                } else {
                    Row {
                        pending,
                        pending_bytes: state.pending_bytes - 1,
                        ..state.clone()
                    }
                }
            }
            // a char's first byte: how many follow, and its own bits
            _ => {
                let (pending_bytes, bits) = match byte {
                    0xC0..=0xDF => (1, byte & 0x1F),
                    0xE0..=0xEF => (2, byte & 0x0F),
                    _ => (3, byte & 0x07),
                };
                Row {
                    pending: u32::from(bits),
                    pending_bytes,
                    ..state.clone()
                }
            }
        }
    }
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
    use proptest::prelude::*;
    use tantivy::query::FuzzyTermQuery;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter, Term};

    /// Runs the automaton over `term`'s bytes: does it accept, and did it ever rule the term
    /// out before its end?
    fn run(automaton: &NearWords, term: &str) -> (bool, bool) {
        let mut state = automaton.start();
        let mut ruled_out = false;
        for &b in term.as_bytes() {
            ruled_out |= !automaton.can_match(&state);
            state = automaton.accept(&state, b);
        }
        (automaton.is_match(&state), ruled_out)
    }

    proptest! {
        /// Accepts exactly the words within the distance, and never rules out a prefix of
        /// one of them.
        #[test]
        fn accepts_the_words_within_the_distance(
            word in "[abé漢😀]{0,9}",
            term in "[abcé漢😀]{0,11}",
            max in 0usize..3,
        ) {
            let automaton = NearWords::new(&word, max).expect("a short word");
            let (accepted, ruled_out) = run(&automaton, &term);
            let near = bounded_levenshtein(&word, &term, max).is_some();
            prop_assert_eq!(accepted, near);
            if near {
                prop_assert!(!ruled_out);
            }
        }
    }

    /// The same terms as tantivy's Levenshtein DFA, over a real term dictionary.
    #[test]
    fn walks_the_dictionary_as_the_dfa_does() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        let words = [
            "feminisation",
            "feminisatio",
            "feminization",
            "feminisations",
            "femme",
            "ecole",
            "ecoles",
            "eole",
            "ecolo",
            "école",
            "écoles",
            "ecolé",
            "partenaires",
            "partenaire",
            "parte",
            "additionnel",
            "additional",
            "additionnels",
            "strasbourg",
            "strasburg",
        ];
        for w in words {
            writer.add_document(doc!(field => w))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let segment = &searcher.segment_readers()[0];
        let inverted = segment.inverted_index(field)?;
        fn matched<A: Automaton>(mut terms: tantivy::termdict::TermStreamer<'_, A>) -> Vec<String>
        where
            A::State: Clone,
        {
            let mut out = Vec::new();
            while terms.advance() {
                out.push(String::from_utf8_lossy(terms.key()).into_owned());
            }
            out
        }
        for word in [
            "feminisaton",
            "ecole",
            "ecoles",
            "additional",
            "strasbourg",
            "é",
            "",
        ] {
            for max in [1u8, 2] {
                let dfa = FuzzyTermQuery::new(Term::from_field_text(field, word), max, false)
                    .automaton()?;
                let expected = matched(inverted.terms().search(dfa).into_stream()?);
                let ours = NearWords::new(word, usize::from(max)).expect("a short word");
                let got = matched(inverted.terms().search(&ours).into_stream()?);
                assert_eq!(got, expected, "{word} within {max}");
            }
        }
        Ok(())
    }

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
