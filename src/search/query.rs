//! Query text → tantivy query. Text inside double quotes (`"…"`, `“…”`, `«…»`) is a phrase that
//! must appear as written (exact field: lower-cased, unaccented, unstemmed). The other words are
//! matched with BM25 in both the French and the English field, weighted towards the query's
//! language when whatlang is sure of it (never for one to three words), and need not all be
//! present, so natural-language questions work. Boosts reward exact-form matches, the query's
//! words together as a phrase or close to each other, and matches in the title or section.

use std::collections::HashSet;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::bonus::BonusQuery;
use super::highlight::{MatchTerms, QueryWord};
use super::suggest;
use super::SearchRequest;
use crate::analysis::dictionary::Dictionary;
use crate::analysis::synonyms::Synonyms;
use crate::analysis::thesaurus::LazyThesaurus;
use crate::analysis::{
    analyze, is_stop_word, lang, number_words, AnalyzedToken, Analyzer, NumberMode,
};
use crate::index::Fields;
use crate::model::Lang;

/// Relative weights of the query parts.
mod boost {
    /// The field of the query's detected language, and the other one.
    pub const LANG_MAIN: f32 = 1.0;
    pub const LANG_OTHER: f32 = 0.35;
    /// Both language fields when the language is unknown.
    pub const LANG_UNSURE: f32 = 0.7;
    /// A word matched in its exact (unstemmed) form.
    pub const EXACT_TERM: f32 = 0.4;
    /// All query words adjacent, in order.
    pub const PHRASE: f32 = 2.0;
    /// All query words within a few positions of each other (stemmed).
    pub const PROXIMITY: f32 = 1.0;
    pub const PROXIMITY_SLOP: u32 = 4;
    /// Words found in the document title or the passage's section heading (0.3 → 0.6 moved
    /// MRR@10 0.888 → 0.894, crosslingual 0.778 → 0.823: the fiche or jalon a passage belongs to
    /// names what the passage is about).
    pub const HEADING: f32 = 0.6;
    /// A term brought by a synonym (below the words typed).
    pub const SYNONYM: f32 = 0.5;
    /// Share of a word's other synonyms' scores added to the best one's.
    pub const SYNONYM_TIE_BREAKER: f32 = 0.1;
    /// One word of a multi-word synonym found alone (`public` of `public féminin`).
    pub const SYNONYM_PART: f32 = 0.6;
    /// A multi-word synonym found as a phrase.
    pub const SYNONYM_PHRASE: f32 = 1.5;
    /// A French translation of an English word from the bilingual dictionary (below the
    /// synonyms, which were written for this corpus).
    pub const DICTIONARY: f32 = 0.5;
    /// A synonym from the general thesaurus, for a word the passages rarely use.
    pub const THESAURUS: f32 = 0.5;
    /// A small number typed as a word found as digits, or the other way round.
    pub const NUMBER_WRITING: f32 = 0.8;
    /// An indexed word within edit distance 1–2 of a query word the index lacks.
    pub const FUZZY: f32 = 0.3;
    /// Passages holding at least half the query's words.
    pub const COORDINATION: f32 = 3.0;
}

/// A query word found in at most this many passages gets the single words of its multi-word
/// synonyms as alternatives.
const RARE_WORD_PASSAGES: u64 = 2;

/// A quantity question counts the first content words after `combien`/`how many`: two, so
/// that an adjective before the noun (`grands thèmes`) or after it (`orientations majeures`)
/// still leaves the noun in. Measured on the eval set and on 22 quantity questions written
/// apart from it: one word 0.903 / 0.808 MRR@10, two 0.905 / 0.795, every query word 0.908 /
/// 0.788 (no boost: 0.900 / 0.722).
const QUANTITY_FOCUS_WORDS: usize = 2;

/// A question word found in at most this many passages gets the thesaurus's synonyms.
const RARE_FOR_THESAURUS: u64 = 5;
/// At most this many thesaurus synonyms per word, in the thesaurus's order (first senses
/// first).
const MAX_RELATED: usize = 12;

/// At most this many indexed words stand in for a word the index lacks.
const MAX_NEAR_TERMS: usize = 8;

/// The query split into quoted phrases and free text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    pub phrases: Vec<String>,
    pub free: String,
}

/// Splits out quoted phrases; an unclosed quote is ignored (its words stay free).
pub fn parse(text: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut free = String::new();
    let mut rest = text;
    while let Some(open_at) = rest.find(['"', '“', '«', '„']) {
        let open = rest[open_at..].chars().next().unwrap_or('"');
        let close = match open {
            '“' | '„' => '”',
            '«' => '»',
            _ => '"',
        };
        let after_open = &rest[open_at + open.len_utf8()..];
        // `"` may also close a `“`: people mix them
        let close_at = after_open.find([close, '"']);
        let Some(close_at) = close_at else {
            break;
        };
        free.push_str(&rest[..open_at]);
        free.push(' ');
        let phrase = after_open[..close_at].trim();
        if !phrase.is_empty() {
            parsed.phrases.push(phrase.to_string());
        }
        let close_len = after_open[close_at..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        rest = &after_open[close_at + close_len..];
    }
    free.push_str(&rest.replace(['"', '“', '”', '«', '»', '„'], " "));
    parsed.free = free.split_whitespace().collect::<Vec<_>>().join(" ");
    parsed
}

/// A built query plus what the highlighter needs.
pub struct BuiltQuery {
    /// `None` when the query has no searchable word (e.g. only punctuation).
    pub query: Option<Box<dyn Query>>,
    /// The boosts that read term positions (the words as a phrase, the words close together),
    /// added to the best passages of `query` only (see [`super::rescore`]): they never change
    /// which passages match, only how high.
    pub rescore: Vec<Box<dyn Query>>,
    pub match_terms: MatchTerms,
    /// The query's content words, to measure how much of the query a passage covers.
    pub words: Vec<QueryWord>,
    /// Query words the index finds neither as typed nor by their stems: candidates for "did
    /// you mean".
    pub unknown_words: Vec<String>,
    pub lang: Option<Lang>,
    /// Is the query a question (a `?`, or a question word first)?
    pub question: bool,
    /// What a question asks for, when it asks for a quantity or a date, and the words its
    /// answer states it beside.
    pub answer_focus: Option<AnswerFocus>,
}

/// What kind of thing a question asks for, recognisable in a passage that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// `Combien de défis …`, `How many partners …`: a number.
    Quantity,
    /// `Quand …`, `En quelle année …`, `Depuis combien de temps …`, `When …`: a date or a
    /// duration.
    Time,
}

/// The kind of answer a question asks for and the query terms it is stated beside: for a
/// quantity, the word counted (`défis`); for a date, every content word.
pub struct AnswerFocus {
    pub kind: AnswerKind,
    pub terms: MatchTerms,
}

/// The query-mode analyzers, built once (stop-word sets and stemmers are not free to build)
/// and cloned per query (cheap: the sets are shared).
#[derive(Clone)]
pub struct QueryAnalyzers {
    french: TextAnalyzer,
    english: TextAnalyzer,
    exact: TextAnalyzer,
}

impl Default for QueryAnalyzers {
    fn default() -> Self {
        QueryAnalyzers {
            french: Analyzer::French.build(NumberMode::Query),
            english: Analyzer::English.build(NumberMode::Query),
            exact: Analyzer::Exact.build(NumberMode::Query),
        }
    }
}

impl QueryAnalyzers {
    pub fn tokens(&self, analyzer: Analyzer, text: &str) -> Vec<AnalyzedToken> {
        let mut a = match analyzer {
            Analyzer::French => self.french.clone(),
            Analyzer::English => self.english.clone(),
            Analyzer::Exact => self.exact.clone(),
        };
        analyze(&mut a, text)
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// The best-scoring of several alternatives, plus a small share of the others (a word's
/// synonyms: one found counts, several found count a little more).
fn best_of(alternatives: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(DisjunctionMaxQuery::with_tie_breaker(
        alternatives,
        boost::SYNONYM_TIE_BREAKER,
    ))
}

/// The tokens as a phrase (positions kept, so removed stop words leave their gap).
fn phrase(field: Field, tokens: &[AnalyzedToken], slop: u32) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [one] => Some(term_query(field, &one.text)),
        _ => {
            let first = tokens[0].position;
            let terms = tokens
                .iter()
                .map(|t| (t.position - first, Term::from_field_text(field, &t.text)))
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop)))
        }
    }
}

/// Words that only make a sentence a question (`Combien`, `How many`): dropped, but only
/// from queries that are questions, where they carry no subject.
const QUESTION_FILLER: &[&str] = &[
    "combien",
    "comment",
    "pourquoi",
    "quand",
    "quoi",
    "lequel",
    "laquelle",
    "lesquels",
    "lesquelles",
    "est-ce",
    "existe",
    // modal and frame verbs of a question (`Comment l'IMT compte-t-il …`, `veut-elle`)
    "compte",
    "comptent",
    "veut",
    "veulent",
    "souhaite",
    "souhaitent",
    "entend",
    "entendent",
    "prevoit",
    "prevoient",
    "envisage",
    "envisagent",
    "cherche",
    "cherchent",
    "intend",
    "intends",
    "doit",
    "doivent",
    "peut",
    "peuvent",
    "va",
    "vont",
    "t",
    "many",
    "much",
    "kind",
    "kinds",
    "tell",
    "does",
    "did",
    "do",
    "is",
    "are",
];

/// Is the `i`th word a question word or a frame verb? `compte` frames a question only as
/// `compter` + infinitive (`compte-t-il renouveler`, `compte développer`); elsewhere it is
/// the noun the question is about (`rend-on compte`, `prendre en compte`, `compte rendu`).
/// `words` are the folded words.
fn is_question_filler(words: &[&str], i: usize) -> bool {
    let word = words[i];
    if !QUESTION_FILLER.contains(&word) {
        return false;
    }
    match word {
        "compte" | "comptent" => words.get(i + 1).is_some_and(|next| {
            ["t", "il", "elle", "ils", "elles", "on"].contains(next)
                || ["er", "ir", "re"].iter().any(|end| next.ends_with(end))
        }),
        _ => true,
    }
}

/// Fixed phrases that only articulate a question (`à la fois`, `en quoi`, `to what extent`),
/// as folded words: dropped from questions like the filler words above. Their words alone
/// mean something (`fois` in `deux fois plus`, `extent`), so only the whole phrase goes.
const QUESTION_FILLER_PHRASES: &[&[&str]] = &[
    &["a", "la", "fois"],
    &["en", "quoi"],
    &["de", "quelle", "maniere"],
    &["de", "quelle", "facon"],
    &["dans", "quelle", "mesure"],
    &["a", "quel", "point"],
    &["par", "exemple"],
    &["en", "particulier"],
    &["at", "the", "same", "time"],
    &["in", "what", "way"],
    &["to", "what", "extent"],
    &["for", "example"],
    &["in", "particular"],
];

const QUESTION_STARTS: &[&str] = &[
    "qui", "que", "qu", "quel", "quelle", "quels", "quelles", "quoi", "combien", "comment",
    "pourquoi", "quand", "ou", "est", "what", "which", "who", "whom", "whose", "when", "where",
    "why", "how", "is", "are", "does", "do", "did", "can",
];

/// The indexes of the words that belong to a [`QUESTION_FILLER_PHRASES`] phrase.
/// `words` are the folded words.
fn in_filler_phrases(words: &[&str]) -> Vec<usize> {
    let mut found = Vec::new();
    for filler in QUESTION_FILLER_PHRASES {
        for (i, window) in words.windows(filler.len()).enumerate() {
            if window == *filler {
                found.extend(i..i + filler.len());
            }
        }
    }
    found.sort_unstable();
    found
}

/// Where a question asks for a quantity: the index of `combien` (not `combien de temps`,
/// which asks for a duration) or of `many`/`much` after `how`. `words` are the folded words.
pub fn quantity_asked_at(words: &[&str]) -> Option<usize> {
    words.iter().enumerate().position(|(i, word)| {
        let next = words.get(i + 1).copied();
        match *word {
            "combien" => next != Some("temps") && words.get(i + 2).copied() != Some("temps"),
            "many" | "much" => i > 0 && words[i - 1] == "how",
            _ => false,
        }
    })
}

/// Does a question ask for a date or a duration (`quand`, `en quelle année`, `depuis combien
/// de temps`, `when`, `what year`, `how long`)? `words` are the folded words.
pub fn time_asked(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, word)| {
        let next = words.get(i + 1).copied().unwrap_or_default();
        let after = words.get(i + 2).copied().unwrap_or_default();
        match *word {
            "quand" | "when" => true,
            "quelle" | "quel" | "what" | "which" => TIME_NOUNS.contains(&next),
            "combien" => next == "temps" || (next == "de" && after == "temps"),
            "how" => next == "long",
            _ => false,
        }
    })
}

/// Nouns that make `quelle …`/`what …` ask for a date.
const TIME_NOUNS: &[&str] = &[
    "annee", "date", "jour", "mois", "epoque", "year", "day", "month",
];

/// Is the text a question (a `?`, or a question word first)?
pub fn is_question(text: &str, first_word: Option<&str>) -> bool {
    text.trim_end().ends_with('?') || first_word.is_some_and(|w| QUESTION_STARTS.contains(&w))
}

/// Everything one query word can match as, for scoring and for coverage.
#[derive(Default)]
struct WordForms {
    /// The word as typed.
    typed: String,
    exact: String,
    french: Option<String>,
    english: Option<String>,
    /// Terms from synonyms: (field analyzer, term).
    french_alt: Vec<String>,
    english_alt: Vec<String>,
    /// Multi-word synonyms, as phrases in the exact field, and their words one by one.
    phrase_alt: Vec<(Box<dyn Query>, f32)>,
    /// The French stems of those phrases, to tell where in a passage it speaks of the word.
    phrase_french: Vec<String>,
    /// The same phrases in the title and section field (French analysis).
    heading_phrase_alt: Vec<(Box<dyn Query>, f32)>,
    french_part: Vec<String>,
    english_part: Vec<String>,
    /// French translations of the English word, from the bilingual dictionary.
    french_translations: Vec<String>,
    /// Stems of the word's French synonyms from the thesaurus, for a word the passages
    /// rarely use.
    french_related: Vec<String>,
    /// The same small number written otherwise (`quatre` → `4`), in the exact field.
    exact_alt: Vec<String>,
    /// Not in the index at all: probably a typo.
    unknown: bool,
    /// Passages holding the word (stemmed French form when it has one, else exact).
    doc_freq: u64,
    /// How many content words of the query make up the longest multi-word term a synonym rule
    /// names that covers this word (`conseil d'administration`: 2); 0 or 1 when none does.
    term_words: usize,
}

impl WordForms {
    /// The word's forms, for the highlighter.
    fn add_match_terms(&self, terms: &mut MatchTerms) {
        terms.exact.insert(self.exact.clone());
        terms.exact.extend(self.exact_alt.iter().cloned());
        terms.french.extend(self.french.iter().cloned());
        terms.english.extend(self.english.iter().cloned());
        terms.french.extend(self.french_alt.iter().cloned());
        terms
            .french
            .extend(self.french_translations.iter().cloned());
        terms.english.extend(self.english_alt.iter().cloned());
        terms.french.extend(self.french_related.iter().cloned());
    }
}

pub fn build(
    fields: &Fields,
    analyzers: &QueryAnalyzers,
    synonyms: &Synonyms,
    dictionary: &Dictionary,
    thesaurus: &LazyThesaurus,
    searcher: &Searcher,
    request: &SearchRequest,
) -> BuiltQuery {
    let parsed = parse(&request.query);
    let detected = lang::detect_query(&parsed.free);
    let mut match_terms = MatchTerms::default();
    let mut words: Vec<QueryWord> = Vec::new();
    let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();

    for text in &parsed.phrases {
        let tokens = analyzers.tokens(Analyzer::Exact, text);
        match_terms
            .exact
            .extend(tokens.iter().map(|t| t.text.clone()));
        words.extend(
            tokens
                .iter()
                .filter(|t| !is_stop_word(&t.text))
                .map(|t| QueryWord {
                    exact: vec![t.text.clone()],
                    french: Vec::new(),
                    english: Vec::new(),
                    phrase_french: Vec::new(),
                    weight: 1.0,
                }),
        );
        if let Some(q) = phrase(fields.exact, &tokens, 0) {
            required.push((Occur::Must, q));
        }
    }

    let exact_all = analyzers.tokens(Analyzer::Exact, &parsed.free);
    let question = is_question(&parsed.free, exact_all.first().map(|t| t.text.as_str()));
    let folded: Vec<&str> = exact_all.iter().map(|t| t.text.as_str()).collect();
    let quantity_at = if question {
        quantity_asked_at(&folded)
    } else {
        None
    };
    // Stop words of either language are noise in both fields (`de` is no English stop word,
    // yet it would match every French passage through the English field); so are question
    // words in a question.
    let noise = |i: usize| is_stop_word(folded[i]) || (question && is_question_filler(&folded, i));
    let mut noise_spans: HashSet<(usize, usize)> = (0..exact_all.len())
        .filter(|&i| noise(i))
        .map(|i| (exact_all[i].from, exact_all[i].to))
        .collect();
    if question {
        noise_spans.extend(
            in_filler_phrases(&folded)
                .into_iter()
                .map(|i| (exact_all[i].from, exact_all[i].to)),
        );
    }
    let french = analyzers.tokens(Analyzer::French, &parsed.free);
    let english = analyzers.tokens(Analyzer::English, &parsed.free);
    let same_span = |tokens: &[AnalyzedToken], t: &AnalyzedToken| {
        tokens
            .iter()
            .find(|o| o.from == t.from && o.to == t.to)
            .map(|o| o.text.clone())
    };
    let mut content: Vec<(usize, WordForms)> = Vec::new();
    for (i, t) in exact_all.iter().enumerate() {
        if noise_spans.contains(&(t.from, t.to)) {
            continue;
        }
        let doc_freq = searcher
            .doc_freq(&Term::from_field_text(fields.exact, &t.text))
            .unwrap_or(0);
        let french_form = same_span(&french, t);
        let stem_freq = french_form.as_ref().map_or(doc_freq, |f| {
            searcher
                .doc_freq(&Term::from_field_text(fields.text_fr, f))
                .unwrap_or(0)
                .max(doc_freq)
        });
        content.push((
            i,
            WordForms {
                typed: parsed.free[t.from..t.to].to_string(),
                exact: t.text.clone(),
                french: same_span(&french, t),
                english: same_span(&english, t),
                exact_alt: number_words::other_writings(&t.text),
                unknown: doc_freq == 0,
                doc_freq: stem_freq,
                ..WordForms::default()
            },
        ));
    }
    // Only stop words typed (`de la`)? Then they are what is sought.
    if content.is_empty() {
        content = exact_all
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    i,
                    WordForms {
                        exact: t.text.clone(),
                        ..WordForms::default()
                    },
                )
            })
            .collect();
    }

    // Synonyms: each expansion's terms join the words it covers.
    for expansion in synonyms.expand(&folded, detected) {
        let span = expansion.start..expansion.end;
        let term_words = content.iter().filter(|(i, _)| span.contains(i)).count();
        for (i, forms) in content.iter_mut() {
            if span.contains(i) {
                forms.term_words = forms.term_words.max(term_words);
            }
        }
        for phrase_text in &expansion.phrases {
            let fr_tokens: Vec<AnalyzedToken> = analyzers
                .tokens(Analyzer::French, phrase_text)
                .into_iter()
                .filter(|t| !is_stop_word(&t.text))
                .collect();
            let fr: Vec<String> = fr_tokens.iter().map(|t| t.text.clone()).collect();
            let en: Vec<String> = analyzers
                .tokens(Analyzer::English, phrase_text)
                .into_iter()
                .filter(|t| !is_stop_word(&t.text))
                .map(|t| t.text)
                .collect();
            // A one-word expansion is another form of the words it covers; a longer one
            // counts only as a phrase (its words one by one — `part`, `public` — would match
            // everything), in the passage and in its title and section.
            let exact_tokens = analyzers.tokens(Analyzer::Exact, phrase_text);
            let (as_phrase, heading_phrase) = if exact_tokens.len() >= 2 {
                (
                    phrase(fields.exact, &exact_tokens, 1),
                    (fr_tokens.len() >= 2)
                        .then(|| phrase(fields.heading_fr, &fr_tokens, 1))
                        .flatten(),
                )
            } else {
                (None, None)
            };
            // A phrase's score adds up its words' weights: a seven-word expansion of a
            // two-word query phrase (`Académie franco-allemande` => `Franco-German Academy for
            // the Industry of the Future`) would outweigh the words typed; it counts for the
            // share of its length that the words it replaces make.
            let covered = (expansion.end - expansion.start) as f32;
            let phrase_weight = (covered / exact_tokens.len().max(1) as f32).min(1.0);
            for (i, forms) in content.iter_mut() {
                if (expansion.start..expansion.end).contains(i) {
                    match &as_phrase {
                        Some(q) => {
                            forms.phrase_alt.push((q.box_clone(), phrase_weight));
                            forms.phrase_french.extend(fr.iter().cloned());
                            if let Some(h) = &heading_phrase {
                                forms
                                    .heading_phrase_alt
                                    .push((h.box_clone(), phrase_weight));
                            }
                            // Its words one by one only stand in for a word the documents
                            // rarely use (an English word in a French corpus): for a word they
                            // do use, `taux` or `public` alone would match half the corpus.
                            if forms.doc_freq <= RARE_WORD_PASSAGES {
                                forms.french_part.extend(fr.iter().cloned());
                                forms.english_part.extend(en.iter().cloned());
                            }
                        }
                        None => {
                            forms.french_alt.extend(fr.iter().cloned());
                            forms.english_alt.extend(en.iter().cloned());
                        }
                    }
                }
            }
        }
    }

    // An English question about French text: the dictionary's translations of its words, those
    // the French passages use.
    if detected != Some(Lang::Fr) && !dictionary.is_empty() {
        for (_, forms) in content.iter_mut() {
            let Some(en) = &forms.english else { continue };
            // A word the synonyms file covers is translated there, for this corpus: the
            // dictionary's general senses would only add noise (measured: crosslingual MRR@10
            // 0.778 -> 0.738 when both apply).
            if !forms.french_alt.is_empty() || !forms.phrase_alt.is_empty() {
                continue;
            }
            for translation in dictionary.translate(en) {
                for t in analyzers.tokens(Analyzer::French, translation) {
                    let used = searcher
                        .doc_freq(&Term::from_field_text(fields.text_fr, &t.text))
                        .unwrap_or(0)
                        > 0;
                    if used
                        && !is_stop_word(&t.text)
                        && !forms.french_translations.contains(&t.text)
                    {
                        forms.french_translations.push(t.text);
                    }
                }
            }
        }
    }

    // A French question in words the passages rarely use (`dessein`, `remanié`): the
    // thesaurus's synonyms of those words that the passages do use (`objectif`, `révisé`).
    let rare = |forms: &WordForms| forms.french.is_some() && forms.doc_freq <= RARE_FOR_THESAURUS;
    if question && detected != Some(Lang::En) && content.iter().any(|(_, f)| rare(f)) {
        let thesaurus = thesaurus.get();
        let query_stems: HashSet<String> = content
            .iter()
            .filter_map(|(_, f)| f.french.clone())
            .collect();
        for (_, forms) in content.iter_mut() {
            if !rare(forms) {
                continue;
            }
            forms.french_related = thesaurus
                .related(&forms.typed)
                .iter()
                .filter(|s| !query_stems.contains(*s) && !forms.french_alt.contains(s))
                .take(MAX_RELATED)
                .cloned()
                .collect();
        }
    }

    let (w_fr, w_en) = match detected {
        Some(Lang::Fr) => (boost::LANG_MAIN, boost::LANG_OTHER),
        Some(Lang::En) => (boost::LANG_OTHER, boost::LANG_MAIN),
        None => (boost::LANG_UNSURE, boost::LANG_UNSURE),
    };
    let boosted = |q: Box<dyn Query>, w: f32| -> Box<dyn Query> { Box::new(BoostQuery::new(q, w)) };
    let typed: HashSet<&str> = content.iter().map(|(_, f)| f.exact.as_str()).collect();
    // One clause per query word: any of its forms, in any field.
    let mut word_clauses: Vec<Box<dyn Query>> = Vec::new();
    for (_, forms) in &content {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut add = |q: Box<dyn Query>, w: f32| alternatives.push((Occur::Should, boosted(q, w)));
        if let Some(fr) = &forms.french {
            add(term_query(fields.text_fr, fr), w_fr);
            add(term_query(fields.heading_fr, fr), boost::HEADING * w_fr);
        }
        if let Some(en) = &forms.english {
            add(term_query(fields.text_en, en), w_en);
            add(term_query(fields.heading_en, en), boost::HEADING * w_en);
        }
        add(term_query(fields.exact, &forms.exact), boost::EXACT_TERM);
        for other in &forms.exact_alt {
            add(term_query(fields.exact, other), boost::NUMBER_WRITING);
        }
        // A word's synonyms count as one more way to find it, the best of them in full: a
        // passage listing every school's full name must not outscore one that answers.
        // (terms, field, weight), in order of preference: a term already brought by an
        // earlier group is not searched twice.
        let term_groups = [
            (&forms.french_alt, fields.text_fr, 1.0),
            (&forms.english_alt, fields.text_en, 0.5),
            (&forms.french_part, fields.text_fr, boost::SYNONYM_PART),
            (
                &forms.english_part,
                fields.text_en,
                0.5 * boost::SYNONYM_PART,
            ),
            (
                &forms.french_translations,
                fields.text_fr,
                boost::DICTIONARY,
            ),
        ];
        let mut seen = HashSet::new();
        let mut synonym_terms: Vec<Box<dyn Query>> = Vec::new();
        for (terms, field, weight) in term_groups {
            for term in terms.iter().filter(|t| seen.insert((field, t.as_str()))) {
                synonym_terms.push(boosted(term_query(field, term), weight));
            }
        }
        for (q, w) in &forms.phrase_alt {
            synonym_terms.push(boosted(q.box_clone(), boost::SYNONYM_PHRASE * w));
        }
        if !synonym_terms.is_empty() {
            add(best_of(synonym_terms), boost::SYNONYM);
        }
        // A multi-word synonym naming what the section is about (`IMT-BS` in the fiche titled
        // `Institut Mines-Télécom Business School`), weighted as a heading word.
        if !forms.heading_phrase_alt.is_empty() {
            let heading_phrases = forms
                .heading_phrase_alt
                .iter()
                .map(|(q, w)| boosted(q.box_clone(), *w))
                .collect();
            add(best_of(heading_phrases), boost::HEADING);
        }
        if forms.unknown && forms.exact.chars().count() >= 5 {
            // Indexed words within edit distance 1 (2 from 8 letters) sharing the first letter:
            // typos, and English cognates of French words (`additional`/`additionnel`).
            for near in suggest::near_terms(searcher, fields.exact, &forms.exact, MAX_NEAR_TERMS) {
                // `parts` → `paris` in a query that already says `Paris` would count that
                // word twice.
                if typed.contains(near.term.as_str()) {
                    continue;
                }
                add(term_query(fields.exact, &near.term), boost::FUZZY);
                // Highlighted, but not counted as the word where coverage is measured
                // (confidence, word density): many are an English word's French cognate.
                match_terms.exact.insert(near.term);
            }
        }
        word_clauses.push(Box::new(BooleanQuery::new(alternatives)));
    }

    // Coordination: a flat bonus per query word present, whatever its frequency, so passages
    // holding more of the query's words rise above those repeating one of them.
    // The bonus is the word's IDF: a rare word found counts more than `IMT` found.
    // The words of a term the synonyms name (`conseil d'administration`, `élèves ingénieurs`)
    // say one thing: each earns its bonus divided by √(the term's length), so the term counts
    // more than one word and less than two against the query's other words.
    let coordinated = word_clauses.len() >= 2;
    let mut scoring: Vec<(Occur, Box<dyn Query>)> = word_clauses
        .into_iter()
        .zip(&content)
        .map(|(q, (_, forms))| -> (Occur, Box<dyn Query>) {
            if coordinated {
                let idf = idf(searcher, forms.doc_freq) / (forms.term_words.max(1) as f32).sqrt();
                (
                    Occur::Should,
                    Box::new(BonusQuery::new(q, boost::COORDINATION * idf)),
                )
            } else {
                (Occur::Should, q)
            }
        })
        .collect();
    // A word's thesaurus synonyms: the best one found, apart from the word's clause (a
    // general thesaurus is too loose to count as the word for the coordination bonus).
    for (_, forms) in &content {
        if forms.french_related.is_empty() {
            continue;
        }
        let related = forms
            .french_related
            .iter()
            .map(|t| term_query(fields.text_fr, t))
            .collect();
        scoring.push((
            Occur::Should,
            boosted(best_of(related), boost::THESAURUS * w_fr),
        ));
    }
    let mut positional: Vec<Box<dyn Query>> = Vec::new();
    if exact_all.len() >= 2 {
        if let Some(q) = phrase(fields.exact, &exact_all, 0) {
            positional.push(boosted(q, boost::PHRASE));
        }
    }
    let (main_field, main_tokens) = if w_en > w_fr {
        (fields.text_en, &english)
    } else {
        (fields.text_fr, &french)
    };
    let main_tokens: Vec<AnalyzedToken> = main_tokens
        .iter()
        .filter(|t| !noise_spans.contains(&(t.from, t.to)))
        .cloned()
        .collect();
    if main_tokens.len() >= 2 {
        if let Some(q) = phrase(main_field, &main_tokens, boost::PROXIMITY_SLOP) {
            positional.push(boosted(q, boost::PROXIMITY));
        }
    }

    for (_, forms) in &content {
        forms.add_match_terms(&mut match_terms);
        words.push(QueryWord {
            weight: idf(searcher, forms.doc_freq),
            exact: std::iter::once(&forms.exact)
                .chain(&forms.exact_alt)
                .cloned()
                .collect(),
            french: forms
                .french
                .iter()
                .chain(&forms.french_alt)
                .chain(&forms.french_translations)
                .cloned()
                .collect(),
            phrase_french: forms.phrase_french.clone(),
            english: forms
                .english
                .iter()
                .chain(&forms.english_alt)
                .cloned()
                .collect(),
        });
    }
    // The words a quantity question counts: the content words after `combien`/`many`; a
    // question about a date is answered beside any of its words.
    let focus = match quantity_at {
        Some(at) => Some((AnswerKind::Quantity, at + 1, QUANTITY_FOCUS_WORDS)),
        None if question && time_asked(&folded) => Some((AnswerKind::Time, 0, usize::MAX)),
        None => None,
    };
    let answer_focus = focus.map(|(kind, from, count)| {
        let mut terms = MatchTerms::default();
        for (_, forms) in content.iter().filter(|(i, _)| *i >= from).take(count) {
            forms.add_match_terms(&mut terms);
        }
        AnswerFocus { kind, terms }
    });
    // A word the index lacks but finds through its stem (`test` in `tester`; `doc_freq`
    // counts the French stem) is no typo: "did you mean" would turn it into an unrelated word
    // (`tes`).
    let english_stem_found = |stem: &Option<String>| {
        stem.as_ref().is_some_and(|s| {
            searcher
                .doc_freq(&Term::from_field_text(fields.text_en, s))
                .unwrap_or(0)
                > 0
        })
    };
    let unknown_words: Vec<String> = content
        .iter()
        .filter(|(_, f)| f.unknown && f.doc_freq == 0 && !english_stem_found(&f.english))
        .map(|(_, f)| f.exact.clone())
        .collect();

    if !scoring.is_empty() {
        required.push((Occur::Must, Box::new(BooleanQuery::new(scoring))));
    }
    if required.is_empty() {
        return BuiltQuery {
            query: None,
            rescore: Vec::new(),
            match_terms,
            words,
            unknown_words,
            lang: detected,
            question,
            answer_focus,
        };
    }
    // Filters restrict without scoring.
    if let Some(lang) = request.lang {
        required.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                term_query(fields.lang, lang.code()),
                0.0,
            )),
        ));
    }
    if let Some(doc) = &request.doc {
        required.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(term_query(fields.doc_id, doc), 0.0)),
        ));
    }
    BuiltQuery {
        query: Some(Box::new(BooleanQuery::new(required))),
        rescore: positional,
        match_terms,
        words,
        unknown_words,
        lang: detected,
        question,
        answer_focus,
    }
}

/// A word's inverse document frequency (BM25's), from the passages holding it.
fn idf(searcher: &Searcher, doc_freq: u64) -> f32 {
    let docs = searcher.num_docs() as f32;
    let df = doc_freq as f32;
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_are_split_out() {
        let p = parse(r#"écoles "innover et entreprendre" 2023"#);
        assert_eq!(p.phrases, ["innover et entreprendre"]);
        assert_eq!(p.free, "écoles 2023");
        let p = parse("« raison d’être » de “Télécom Paris”");
        assert_eq!(p.phrases, ["raison d’être", "Télécom Paris"]);
        assert_eq!(p.free, "de");
        let p = parse(r#"unclosed "quote here"#);
        assert!(p.phrases.is_empty());
        assert_eq!(p.free, "unclosed quote here");
    }

    #[test]
    fn fixed_question_phrases_are_found_whole() {
        let found = |q: &str| {
            let words: Vec<&str> = q.split(' ').collect();
            in_filler_phrases(&words)
        };
        assert_eq!(
            found("en quoi l ecole est elle a la fois generaliste"),
            [0, 1, 6, 7, 8]
        );
        assert_eq!(found("to what extent is the school funded"), [0, 1, 2]);
        // the words alone are not filler
        assert!(found("deux fois plus d eleves").is_empty());
        assert!(found("la fois suivante").is_empty());
    }

    #[test]
    fn compte_frames_a_question_only_before_an_infinitive() {
        let filler = |q: &str| {
            let words: Vec<&str> = q.split(' ').collect();
            let at = words.iter().position(|w| *w == "compte").unwrap_or(0);
            is_question_filler(&words, at)
        };
        assert!(filler(
            "comment l imt compte t il renouveler ses competences"
        ));
        assert!(filler("l ecole compte developper quoi"));
        assert!(!filler(
            "devant quelles instances rend on compte une fois par an"
        ));
        assert!(!filler("comment l imt prend il en compte la transition"));
        assert!(!filler("qui lit le compte rendu"));
    }

    #[test]
    fn date_questions_are_recognised() {
        let asked = |q: &str| {
            let words: Vec<&str> = q.split(' ').collect();
            time_asked(&words)
        };
        assert!(asked("quand l imt a t il ouvert son bachelor"));
        assert!(asked("depuis quand existe t elle"));
        assert!(asked("en quelle annee la cti a t elle renouvele"));
        assert!(asked("a quelle date le conseil a t il vote"));
        assert!(asked("depuis combien de temps"));
        assert!(asked("on what day did the board approve"));
        assert!(asked("how long has the school"));
        assert!(!asked("combien de doctorants"));
        assert!(!asked("quelle ecole"));
        assert!(!asked("how many students"));
    }

    #[test]
    fn quantity_questions_are_recognised() {
        let at = |q: &str| {
            let words: Vec<&str> = q.split(' ').collect();
            quantity_asked_at(&words)
        };
        assert_eq!(at("combien de doctorants en 2027"), Some(0));
        assert_eq!(at("de combien le taux a t il progresse"), Some(1));
        assert_eq!(at("how many strategic partners"), Some(1));
        assert_eq!(at("how much funding"), Some(1));
        // a duration, not a count
        assert_eq!(at("depuis combien de temps"), None);
        assert_eq!(at("many partners"), None);
        assert_eq!(at("how is the school funded"), None);
    }
}
