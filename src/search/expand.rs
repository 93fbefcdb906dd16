//! Each content word of a plan → the other forms it is searched as: synonyms (one-word
//! forms, multi-word phrases and, for rare words, their parts), dictionary translations of
//! English words, thesaurus synonyms of rare French question words, and indexed words near a
//! word the index lacks.

use std::collections::HashSet;

use super::parse::QueryAnalyzers;
use super::ranking::Ranking;
use super::stats::{TermField, TermStats};
use super::word::{SynonymPhrase, WordPlan};
use crate::analysis::dictionary::Dictionary;
use crate::analysis::synonyms::Synonyms;
use crate::analysis::thesaurus::LazyThesaurus;
use crate::analysis::{is_stop_word, Analyzer};
use crate::model::Lang;

/// What a plan reads besides the query and the index statistics.
pub struct Vocabulary<'a> {
    pub analyzers: &'a QueryAnalyzers,
    pub synonyms: &'a Synonyms,
    pub dictionary: &'a Dictionary,
    pub thesaurus: &'a LazyThesaurus,
}

/// Synonyms: each expansion's terms join the words it covers. A one-word expansion is another
/// form of the words it covers; a longer one counts only as a phrase (its words one by one,
/// `part`, `public`, would match everything), except for a word the passages rarely use.
/// The expansions' analyses were made when the synonyms were read.
pub fn add_synonyms(
    words: &mut [WordPlan],
    folded: &[&str],
    detected: Option<Lang>,
    vocabulary: &Vocabulary,
    ranking: &Ranking,
) {
    for expansion in vocabulary.synonyms.expand(folded, detected) {
        let span = expansion.start..expansion.end;
        let term_words = words.iter().filter(|w| span.contains(&w.at)).count();
        for word in words.iter_mut().filter(|w| span.contains(&w.at)) {
            word.term_words = word.term_words.max(term_words);
        }
        for phrase in expansion.phrases {
            let fr = || phrase.french.iter().map(|t| t.text.clone());
            let en = || phrase.english.iter().map(|t| t.text.clone());
            let covered = span.len() as f32;
            let as_phrase = (phrase.exact.len() >= 2).then(|| SynonymPhrase {
                weight: (covered / phrase.exact.len() as f32).min(1.0),
                heading_french: (phrase.french.len() >= 2).then(|| phrase.french.clone()),
                exact: phrase.exact.clone(),
            });
            for word in words.iter_mut().filter(|w| span.contains(&w.at)) {
                match &as_phrase {
                    Some(as_phrase) => {
                        word.synonym_phrases.push(as_phrase.clone());
                        word.phrase_french.extend(fr());
                        if word.doc_freq <= ranking.rare_word_passages {
                            word.french_parts.extend(fr());
                            word.english_parts.extend(en());
                        }
                    }
                    None => {
                        word.french_synonyms.extend(fr());
                        word.english_synonyms.extend(en());
                    }
                }
            }
        }
    }
}

/// An English question about French text: the dictionary's translations of its words, those
/// the French passages use. A word the synonyms file covers is translated there, for this
/// corpus: the dictionary's general senses would only add noise.
pub fn add_translations(words: &mut [WordPlan], vocabulary: &Vocabulary, stats: &dyn TermStats) {
    for word in words.iter_mut() {
        let Some(en) = &word.english else { continue };
        if !word.french_synonyms.is_empty() || !word.synonym_phrases.is_empty() {
            continue;
        }
        for translation in vocabulary.dictionary.translate(en) {
            for t in vocabulary.analyzers.tokens(Analyzer::French, translation) {
                if stats.doc_freq(TermField::French, &t.text) > 0
                    && !is_stop_word(&t.text)
                    && !word.translations.contains(&t.text)
                {
                    word.translations.push(t.text);
                }
            }
        }
    }
}

/// A French question in words the passages rarely use (`dessein`, `remanié`): the
/// thesaurus's synonyms of those words that the passages do use (`objectif`, `révisé`).
pub fn add_related(words: &mut [WordPlan], thesaurus: &LazyThesaurus, ranking: &Ranking) {
    let rare = |w: &WordPlan| w.french.is_some() && w.doc_freq <= ranking.rare_for_thesaurus;
    if !words.iter().any(rare) {
        return;
    }
    let thesaurus = thesaurus.get();
    let query_stems: HashSet<String> = words.iter().filter_map(|w| w.french.clone()).collect();
    for word in words.iter_mut().filter(|w| rare(w)) {
        word.related = thesaurus
            .related(&word.typed)
            .iter()
            .filter(|s| !query_stems.contains(*s) && !word.french_synonyms.contains(s))
            .take(ranking.max_related)
            .cloned()
            .collect();
    }
}

/// Indexed words within edit distance 1 (2 from 8 letters) of a word the index lacks:
/// typos, and English cognates of French words (`additional`/`additionnel`). A near word
/// the query already holds (`parts` → `paris` beside `Paris`) would count that word twice.
pub fn add_near_terms(words: &mut [WordPlan], stats: &dyn TermStats, ranking: &Ranking) {
    let typed: HashSet<String> = words.iter().map(|w| w.exact.clone()).collect();
    for word in words.iter_mut() {
        if word.unknown && word.exact.chars().count() >= ranking.fuzzy_min_chars {
            word.near = stats
                .near_terms(&word.exact, ranking.max_near_terms)
                .into_iter()
                .filter(|near| !typed.contains(near))
                .collect();
        }
    }
}
