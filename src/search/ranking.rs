//! Every weight and threshold of the ranking, in one place, each with the reason for its
//! value. The stages (plan, compile, rerank, answers) receive a `&Ranking` and use no number of
//! their own. How each value was measured is in `docs/relevance.md`.

/// The ranking's weights and thresholds. [`Ranking::default`] is what the engine uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    // ---- query language ----
    /// Weight of the field of the query's detected language.
    pub lang_main: f32,
    /// Weight of the other language's field: a French passage answers an English question.
    pub lang_other: f32,
    /// Weight of both language fields when the language is unknown (one to three words).
    pub lang_unsure: f32,

    // ---- one query word ----
    /// A word matched in its exact (unstemmed, unaccented) form, on top of its stem.
    pub exact_term: f32,
    /// The word in the document title or the passage's section heading: the fiche or jalon a
    /// passage belongs to names what the passage is about.
    pub heading: f32,
    /// All of a word's synonyms, the best one in full: below the words typed.
    pub synonym: f32,
    /// Share of a word's other synonyms' scores added to the best one's (one found counts,
    /// several count a little more; a list of every school's name must not outscore an
    /// answer).
    pub synonym_tie_breaker: f32,
    /// A French one-word synonym (the synonyms file is written for a French corpus).
    pub synonym_french: f32,
    /// An English one-word synonym.
    pub synonym_english: f32,
    /// One word of a multi-word synonym found alone (`public` of `public féminin`), for a word
    /// the passages rarely use.
    pub synonym_part: f32,
    /// A multi-word synonym found as a phrase.
    pub synonym_phrase: f32,
    /// A French translation of an English word from the bilingual dictionary: below the
    /// synonyms, which were written for this corpus.
    pub dictionary: f32,
    /// The best thesaurus synonym of a rare French question word: a general thesaurus is too
    /// loose to count as the word itself.
    pub thesaurus: f32,
    /// A small number typed as a word found as digits, or the other way round.
    pub number_writing: f32,
    /// An indexed word within edit distance 1–2 of a query word the index lacks.
    pub fuzzy: f32,
    /// Coordination: × each word's IDF, added to every passage holding the word at all, so
    /// passages holding more of the query's words rise above those repeating one of them.
    pub coordination: f32,

    // ---- positions (rescored over the best passages) ----
    /// All query words adjacent, in order.
    pub phrase: f32,
    /// All query words within [`Ranking::proximity_slop`] positions of each other.
    pub proximity: f32,
    pub proximity_slop: u32,

    // ---- when a word gets more forms ----
    /// A query word found in at most this many passages gets the single words of its
    /// multi-word synonyms as alternatives (`taux` alone would match half the corpus).
    pub rare_word_passages: u64,
    /// A question word found in at most this many passages gets the thesaurus's synonyms.
    pub rare_for_thesaurus: u64,
    /// At most this many thesaurus synonyms per word, first senses first.
    pub max_related: usize,
    /// A word the index lacks gets near words from this many letters (shorter words have
    /// too many neighbours to guess from).
    pub fuzzy_min_chars: usize,
    /// At most this many indexed words stand in for a word the index lacks.
    pub max_near_terms: usize,

    // ---- question rerank ----
    /// Passages scored again for a question: the order of a page does not depend on its size.
    pub answer_pool: usize,
    /// How many consecutive words of a passage a question's words are looked for together in.
    pub density_window: usize,
    /// A question's passage is multiplied by 1 + this × the share of the question's words (by
    /// IDF) it holds within [`Ranking::density_window`] words: a passage saying what is asked
    /// in one sentence rises above one scattering the words over several topics.
    pub density_boost: f32,
    /// A quantity question counts the first content words after `combien`/`how many`: two, so
    /// that an adjective before or after the noun leaves the noun in.
    pub quantity_focus_words: usize,
    /// How far (in words) a number may stand from a counted word.
    pub quantity_window: usize,
    /// Multiplier for a passage stating a number beside the words asked about.
    pub quantity_boost: f32,
    /// How far (in words) a date may stand from a word of the question: a date is stated a
    /// few words from what happened.
    pub time_window: usize,
    /// Multiplier for a passage stating a date or duration beside the question's words;
    /// milder than a quantity's, since a year is in most passages of a five-year contract.
    pub time_boost: f32,

    // ---- match strength ----
    /// Below this share of the query's words in the best passage, the match is weak.
    pub strong_coverage: f32,
    /// Below this many matching passages, a query with an unknown word gets a suggestion.
    pub few_results: usize,

    // ---- answer sentences (the four weights sum to 1) ----
    /// Share of the question's words (by IDF among the retrieved passages) the sentence
    /// holds; words found only elsewhere in its passage or heading count
    /// [`Ranking::answer_elsewhere`].
    pub answer_coverage: f32,
    pub answer_elsewhere: f32,
    /// How close together the question's words stand in the sentence.
    pub answer_proximity: f32,
    /// Does the sentence hold the kind of answer asked for (a number with its unit, a date, a
    /// name)?
    pub answer_type: f32,
    /// The passage's retrieval score, relative to the search's best.
    pub answer_retrieval: f32,
    /// A type match that is only partial (a number without the asked unit or noun; one
    /// capitalised word for a name).
    pub answer_type_partial: f32,
    /// A sentence of fewer words is a heading or a fragment: it says too little.
    pub answer_min_words: usize,
    pub answer_short_factor: f32,
    /// A sentence of more words is hardly an answer (a table or a run-on list).
    pub answer_max_words: usize,
    pub answer_long_factor: f32,
    /// A footnote or a link list (`http`, `www.`) is not an answer.
    pub answer_link_factor: f32,
    /// The search itself says the match is weak.
    pub answer_weak_factor: f32,
    /// Answers below this confidence are not returned, so a question the corpus does not
    /// answer gets no answer.
    pub answer_min_confidence: f32,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            lang_main: 1.0,
            lang_other: 0.35,
            lang_unsure: 0.7,
            exact_term: 0.4,
            heading: 0.6,
            synonym: 0.5,
            synonym_tie_breaker: 0.1,
            synonym_french: 1.0,
            synonym_english: 0.5,
            synonym_part: 0.6,
            synonym_phrase: 1.5,
            dictionary: 0.5,
            thesaurus: 0.5,
            number_writing: 0.8,
            fuzzy: 0.3,
            coordination: 3.0,
            phrase: 2.0,
            proximity: 1.0,
            proximity_slop: 4,
            rare_word_passages: 2,
            rare_for_thesaurus: 5,
            max_related: 12,
            fuzzy_min_chars: 5,
            max_near_terms: 8,
            answer_pool: 20,
            density_window: 16,
            density_boost: 0.5,
            quantity_focus_words: 2,
            quantity_window: 2,
            quantity_boost: 1.5,
            time_window: 5,
            time_boost: 1.2,
            strong_coverage: 0.66,
            few_results: 5,
            answer_coverage: 0.45,
            answer_elsewhere: 0.5,
            answer_proximity: 0.10,
            answer_type: 0.25,
            answer_retrieval: 0.20,
            answer_type_partial: 0.5,
            answer_min_words: 4,
            answer_short_factor: 0.6,
            answer_max_words: 90,
            answer_long_factor: 0.8,
            answer_link_factor: 0.5,
            answer_weak_factor: 0.6,
            answer_min_confidence: 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_weights_sum_to_one() {
        let r = Ranking::default();
        let sum = r.answer_coverage + r.answer_proximity + r.answer_type + r.answer_retrieval;
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
    }

    #[test]
    fn the_typed_language_weighs_most() {
        let r = Ranking::default();
        assert!(r.lang_main > r.lang_unsure && r.lang_unsure > r.lang_other);
        assert!(r.synonym < r.lang_main && r.fuzzy < r.exact_term.max(r.synonym));
    }
}
