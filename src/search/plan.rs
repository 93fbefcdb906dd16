//! Query text → [`Plan`]: what will be searched, as plain data. The quoted phrases, the
//! query's language and question shape, and for each content word every form it is searched
//! as (stem, exact form, synonyms, translations, thesaurus, near words) with the statistics
//! that weigh it. Nothing here builds a tantivy query (that is [`super::compile`]); the index
//! is only asked for term statistics, through [`TermStats`], so a plan is built and tested
//! without one. `sourcier search --explain` prints it.

use std::collections::HashSet;

use super::expand::{self, Vocabulary};
use super::highlight::{MatchTerms, QueryWord};
use super::parse::parse;
use super::ranking::Ranking;
use super::stats::{TermField, TermStats};
use super::word::WordPlan;
use super::SearchRequest;
use crate::analysis::question::{self, Expected, Question};
use crate::analysis::{is_stop_word, lang, number_words, AnalyzedToken, Analyzer};
use crate::model::Lang;

/// What kind of answer a question's passage states, recognisable in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// A number.
    Quantity,
    /// A date or a duration.
    Time,
}

/// The kind of answer a question asks for and the query terms it is stated beside: for a
/// quantity, the words counted (`défis`); for a date, every content word.
#[derive(Debug, Clone)]
pub struct AnswerFocus {
    pub kind: AnswerKind,
    pub terms: MatchTerms,
    /// The words, folded (for display).
    pub words: Vec<String>,
}

/// Filters: they restrict without scoring.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub lang: Option<Lang>,
    pub doc: Option<String>,
}

/// A query, planned.
#[derive(Debug, Clone)]
pub struct Plan {
    pub query: String,
    /// Quoted phrases, folded: each must appear as written.
    pub phrases: Vec<Vec<AnalyzedToken>>,
    /// The free text's folded words, stop words included (the whole-query phrase boost).
    pub folded: Vec<AnalyzedToken>,
    pub question: Question,
    /// The language whatlang is sure of (never for one to three words).
    pub lang: Option<Lang>,
    /// Weights of the French and English fields.
    pub french_weight: f32,
    pub english_weight: f32,
    /// The content words.
    pub words: Vec<WordPlan>,
    /// The content words' stems in the main language, positions kept: searched close
    /// together.
    pub proximity: Vec<AnalyzedToken>,
    pub proximity_lang: Lang,
    pub filters: Filters,
    /// What the highlighter marks.
    pub match_terms: MatchTerms,
    /// The query's words as coverage is measured.
    pub coverage_words: Vec<QueryWord>,
    /// Set for a question asking for a quantity or a date.
    pub answer_focus: Option<AnswerFocus>,
    /// Words the index finds neither as typed nor by their stems: candidates for "did you
    /// mean".
    pub unknown_words: Vec<String>,
}

/// BM25's inverse document frequency.
pub fn idf(num_docs: u64, doc_freq: u64) -> f32 {
    let docs = num_docs as f32;
    let df = doc_freq as f32;
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

fn same_span(tokens: &[AnalyzedToken], t: &AnalyzedToken) -> Option<String> {
    tokens
        .iter()
        .find(|o| o.from == t.from && o.to == t.to)
        .map(|o| o.text.clone())
}

impl Plan {
    /// Plans `request` against an index's statistics.
    pub fn build(
        request: &SearchRequest,
        vocabulary: &Vocabulary,
        stats: &dyn TermStats,
        ranking: &Ranking,
    ) -> Plan {
        let analyzers = vocabulary.analyzers;
        let parsed = parse(&request.query);
        let detected = lang::detect_query(&parsed.free);
        let phrases: Vec<Vec<AnalyzedToken>> = parsed
            .phrases
            .iter()
            .map(|text| analyzers.tokens(Analyzer::Exact, text))
            .collect();
        let folded_tokens = analyzers.tokens(Analyzer::Exact, &parsed.free);
        let folded: Vec<&str> = folded_tokens.iter().map(|t| t.text.as_str()).collect();
        let question = question::analyse(&parsed.free, &folded);
        let french = analyzers.tokens(Analyzer::French, &parsed.free);
        let english = analyzers.tokens(Analyzer::English, &parsed.free);

        let mut words = content_words(&folded_tokens, &question, &parsed.free, &french, &english);
        count_passages(&mut words, stats);
        // Only stop words typed (`de la`)? Then they are what is sought.
        if words.is_empty() {
            words = folded_tokens
                .iter()
                .enumerate()
                .map(|(at, t)| WordPlan {
                    at,
                    exact: t.text.clone(),
                    ..WordPlan::default()
                })
                .collect();
        }
        expand::add_synonyms(&mut words, &folded, detected, vocabulary, ranking);
        if detected != Some(Lang::Fr) && !vocabulary.dictionary.is_empty() {
            expand::add_translations(&mut words, vocabulary, stats);
        }
        if question.is_question && detected != Some(Lang::En) {
            expand::add_related(&mut words, vocabulary.thesaurus, ranking);
        }
        expand::add_near_terms(&mut words, stats, ranking);

        weigh(&mut words, stats.num_docs(), ranking);

        let (french_weight, english_weight) = match detected {
            Some(Lang::Fr) => (ranking.lang_main, ranking.lang_other),
            Some(Lang::En) => (ranking.lang_other, ranking.lang_main),
            None => (ranking.lang_unsure, ranking.lang_unsure),
        };
        let proximity_lang = if english_weight > french_weight {
            Lang::En
        } else {
            Lang::Fr
        };
        let noise: HashSet<(usize, usize)> = (0..folded_tokens.len())
            .filter(|&i| question.is_noise(i))
            .map(|i| (folded_tokens[i].from, folded_tokens[i].to))
            .collect();
        let proximity = match proximity_lang {
            Lang::En => &english,
            Lang::Fr => &french,
        }
        .iter()
        .filter(|t| !noise.contains(&(t.from, t.to)))
        .cloned()
        .collect();

        let (match_terms, coverage_words) = marked_and_measured(&phrases, &words);
        let answer_focus = answer_focus(&question, &words, ranking);
        // A word the index lacks but finds through a stem (`test` in `tester`) is no typo:
        // "did you mean" would turn it into an unrelated word (`tes`).
        let english_stem_found = |stem: &Option<String>| {
            stem.as_ref()
                .is_some_and(|s| stats.doc_freq(TermField::English, s) > 0)
        };
        let unknown_words = words
            .iter()
            .filter(|w| w.unknown && w.doc_freq == 0 && !english_stem_found(&w.english))
            .map(|w| w.exact.clone())
            .collect();
        Plan {
            query: request.query.clone(),
            phrases,
            folded: folded_tokens.clone(),
            question,
            lang: detected,
            french_weight,
            english_weight,
            words,
            proximity,
            proximity_lang,
            filters: Filters {
                lang: request.lang,
                doc: request.doc.clone(),
            },
            match_terms,
            coverage_words,
            answer_focus,
            unknown_words,
        }
    }

    /// Is the query a question whose passages are scored again (see [`super::rerank`])?
    pub fn reranks(&self, word_density: bool) -> bool {
        self.question.is_question && (word_density || self.answer_focus.is_some())
    }
}

/// How many passages hold each word: its folded form, or its French stem when more do.
fn count_passages(words: &mut [WordPlan], stats: &dyn TermStats) {
    for word in words {
        let exact_freq = stats.doc_freq(TermField::Exact, &word.exact);
        word.unknown = exact_freq == 0;
        word.doc_freq = word.french.as_ref().map_or(exact_freq, |f| {
            stats.doc_freq(TermField::French, f).max(exact_freq)
        });
    }
}

/// Each word's IDF and coordination bonus (none for a one-word query).
fn weigh(words: &mut [WordPlan], num_docs: u64, ranking: &Ranking) {
    let coordinated = words.len() >= 2;
    for word in words {
        word.idf = idf(num_docs, word.doc_freq);
        // The words of a term the synonyms name (`conseil d'administration`) say one thing:
        // each earns its bonus divided by √(the term's length), so the term counts more than
        // one word and less than two.
        word.coordination = if coordinated {
            ranking.coordination * word.idf / (word.term_words.max(1) as f32).sqrt()
        } else {
            0.0
        };
    }
}

/// What the highlighter marks (quoted phrases' words, every form of every word, near words)
/// and the words coverage is measured on. Near words are marked but not counted as the word
/// where coverage is measured: many are an English word's French cognate.
fn marked_and_measured(
    phrases: &[Vec<AnalyzedToken>],
    words: &[WordPlan],
) -> (MatchTerms, Vec<QueryWord>) {
    let mut match_terms = MatchTerms::default();
    let mut coverage_words = Vec::new();
    for tokens in phrases {
        match_terms
            .exact
            .extend(tokens.iter().map(|t| t.text.clone()));
        coverage_words.extend(tokens.iter().filter(|t| !is_stop_word(&t.text)).map(|t| {
            QueryWord {
                exact: vec![t.text.clone()],
                french: Vec::new(),
                english: Vec::new(),
                phrase_french: Vec::new(),
                weight: 1.0,
            }
        }));
    }
    for word in words {
        word.add_match_terms(&mut match_terms);
        match_terms.exact.extend(word.near.iter().cloned());
        coverage_words.push(word.query_word());
    }
    (match_terms, coverage_words)
}

/// The query's content words with their stems. Stop words of either language are noise in
/// both fields (`de` is no English stop word, yet it would match every French passage
/// through the English field); so are question words in a question.
fn content_words(
    folded: &[AnalyzedToken],
    question: &Question,
    free: &str,
    french: &[AnalyzedToken],
    english: &[AnalyzedToken],
) -> Vec<WordPlan> {
    let noise: HashSet<(usize, usize)> = (0..folded.len())
        .filter(|&i| question.is_noise(i))
        .map(|i| (folded[i].from, folded[i].to))
        .collect();
    folded
        .iter()
        .enumerate()
        .filter(|(_, t)| !noise.contains(&(t.from, t.to)))
        .map(|(at, t)| WordPlan {
            at,
            typed: free[t.from..t.to].to_string(),
            exact: t.text.clone(),
            french: same_span(french, t),
            english: same_span(english, t),
            number_writings: number_words::other_writings(&t.text),
            ..WordPlan::default()
        })
        .collect()
}

/// The words a count question counts (the first content words after `combien`/`many`); a
/// date question is answered beside any of its words. A share or an amount (`quel
/// pourcentage`) gets no focus: its figure is often stated away from the words after the cue
/// (measured in `docs/relevance.md`).
fn answer_focus(question: &Question, words: &[WordPlan], ranking: &Ranking) -> Option<AnswerFocus> {
    if !question.is_question {
        return None;
    }
    let (kind, from, count) = match (&question.expected, question.quantity_at) {
        (Expected::Quantity { .. }, Some(at)) if question.counts => {
            (AnswerKind::Quantity, at + 1, ranking.quantity_focus_words)
        }
        (Expected::Time, _) => (AnswerKind::Time, 0, usize::MAX),
        _ => return None,
    };
    let mut terms = MatchTerms::default();
    let mut focus_words = Vec::new();
    for word in words.iter().filter(|w| w.at >= from).take(count) {
        word.add_match_terms(&mut terms);
        focus_words.push(word.exact.clone());
    }
    Some(AnswerFocus {
        kind,
        terms,
        words: focus_words,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::analysis::dictionary::Dictionary;
    use crate::analysis::synonyms::Synonyms;
    use crate::analysis::thesaurus::LazyThesaurus;
    use crate::search::parse::QueryAnalyzers;
    use crate::search::stats::FixedStats;

    /// A plan of `query` over an imaginary index holding the listed terms.
    pub(crate) fn plan_of(query: &str, synonyms: &str, stats: &[(&'static str, u64)]) -> Plan {
        let analyzers = QueryAnalyzers::default();
        let (synonyms, _) = Synonyms::parse(synonyms);
        let vocabulary = Vocabulary {
            analyzers: &analyzers,
            synonyms: &synonyms,
            dictionary: &Dictionary::default(),
            thesaurus: &LazyThesaurus::new(crate::analysis::thesaurus::Thesaurus::default),
        };
        let stats = FixedStats(stats.iter().copied().collect());
        Plan::build(
            &SearchRequest::new(query),
            &vocabulary,
            &stats,
            &Ranking::default(),
        )
    }

    fn exact_words(plan: &Plan) -> Vec<&str> {
        plan.words.iter().map(|w| w.exact.as_str()).collect()
    }

    #[test]
    fn words_get_stems_statistics_and_a_coordination_bonus() {
        let plan = plan_of(
            "taux de féminisation",
            "",
            &[("taux", 40), ("feminisation", 3), ("feminis", 3)],
        );
        assert_eq!(exact_words(&plan), ["taux", "feminisation"]);
        let [taux, fem] = &plan.words[..] else {
            panic!("{plan}")
        };
        assert_eq!(fem.french.as_deref(), Some("feminis"));
        assert_eq!(fem.doc_freq, 3);
        assert!(fem.idf > taux.idf, "a rarer word weighs more");
        assert!(fem.coordination > 0.0 && taux.coordination > 0.0);
        assert!(plan.match_terms.exact.contains("feminisation"));
        assert!(!plan.question.is_question);
        assert!(plan.answer_focus.is_none());
    }

    #[test]
    fn one_word_gets_no_coordination_bonus() {
        let plan = plan_of("feminisation", "", &[("feminisation", 3)]);
        assert_eq!(plan.words[0].coordination, 0.0);
    }

    #[test]
    fn question_filler_is_dropped_and_the_counted_words_focused() {
        let plan = plan_of(
            "Combien de défis stratégiques compte l'IMT ?",
            "",
            &[("defis", 5), ("imt", 300)],
        );
        assert_eq!(exact_words(&plan), ["defis", "strategiques", "imt"]);
        let focus = plan
            .answer_focus
            .as_ref()
            .map(|f| (f.kind, f.words.clone()));
        assert_eq!(
            focus,
            Some((
                AnswerKind::Quantity,
                vec!["defis".to_string(), "strategiques".to_string()]
            ))
        );
        assert!(plan.to_string().contains("dropped   combien de compte l"));
    }

    #[test]
    fn a_duration_question_is_answered_beside_every_word() {
        let plan = plan_of(
            "Depuis combien de temps l'école existe-t-elle ?",
            "",
            &[("ecole", 50)],
        );
        let focus = plan.answer_focus.as_ref().map(|f| f.kind);
        assert_eq!(focus, Some(AnswerKind::Time));
    }

    #[test]
    fn synonyms_join_the_words_they_cover() {
        let plan = plan_of(
            "ecoles partenaires",
            "écoles partenaires, établissements associés\nfeminisation => parité",
            &[("ecoles", 30), ("partenaires", 30)],
        );
        for word in &plan.words {
            assert_eq!(word.term_words, 2, "{plan}");
            assert_eq!(word.synonym_phrases.len(), 1, "{plan}");
            assert!(word.french_parts.is_empty(), "common words get no parts");
        }
        let one = plan_of("feminisation", "feminisation => parité", &[]);
        assert_eq!(one.words[0].french_synonyms, ["parit"]);
    }

    #[test]
    fn an_unknown_word_gets_near_words_and_a_suggestion() {
        let plan = plan_of("feminisaton", "", &[("feminisation", 3)]);
        assert_eq!(plan.words[0].near, ["feminisation"]);
        assert_eq!(plan.unknown_words, ["feminisaton"]);
        assert!(plan.match_terms.exact.contains("feminisation"));
    }

    #[test]
    fn filters_and_language_are_kept() {
        let mut request = SearchRequest::new("how many students does the school have");
        request.lang = Some(Lang::Fr);
        request.doc = Some("cop".into());
        let analyzers = QueryAnalyzers::default();
        let vocabulary = Vocabulary {
            analyzers: &analyzers,
            synonyms: &Synonyms::default(),
            dictionary: &Dictionary::default(),
            thesaurus: &LazyThesaurus::new(crate::analysis::thesaurus::Thesaurus::default),
        };
        let plan = Plan::build(
            &request,
            &vocabulary,
            &FixedStats(HashMap::new()),
            &Ranking::default(),
        );
        assert_eq!(plan.lang, Some(Lang::En));
        assert!(plan.english_weight > plan.french_weight);
        assert_eq!(plan.proximity_lang, Lang::En);
        assert_eq!(plan.filters.doc.as_deref(), Some("cop"));
        assert_eq!(exact_words(&plan), ["students", "school"]);
        assert!(plan.to_string().contains("filter    lang = fr"));
    }
}
