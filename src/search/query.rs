//! Query text → tantivy query. Text inside double quotes (`"…"`, `“…”`, `«…»`) is a phrase that
//! must appear as written (exact field: lower-cased, unaccented, unstemmed). The other words are
//! matched with BM25 in both the French and the English field, weighted towards the query's
//! language when whatlang is sure of it (never for one to three words), and need not all be
//! present, so natural-language questions work. Boosts reward exact-form matches, the query's
//! words together as a phrase or close to each other, and matches in the title or section.

use std::collections::HashSet;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use super::highlight::{MatchTerms, QueryWord};
use super::SearchRequest;
use crate::analysis::{analyze, is_stop_word, lang, AnalyzedToken, Analyzer, NumberMode};
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
    /// Words found in the document title or the passage's section heading.
    pub const HEADING: f32 = 0.3;
}

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
    pub match_terms: MatchTerms,
    /// The query's content words, to measure how much of the query a passage covers.
    pub words: Vec<QueryWord>,
    pub lang: Option<Lang>,
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

/// A disjunction of the tokens' terms (deduplicated), boosted.
fn any_term(field: Field, tokens: &[AnalyzedToken], weight: f32) -> Option<Box<dyn Query>> {
    let mut seen = HashSet::new();
    let clauses: Vec<(Occur, Box<dyn Query>)> = tokens
        .iter()
        .filter(|t| seen.insert(t.text.as_str()))
        .map(|t| (Occur::Should, term_query(field, &t.text)))
        .collect();
    if clauses.is_empty() {
        return None;
    }
    Some(Box::new(BoostQuery::new(
        Box::new(BooleanQuery::new(clauses)),
        weight,
    )))
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

pub fn build(fields: &Fields, analyzers: &QueryAnalyzers, request: &SearchRequest) -> BuiltQuery {
    let parsed = parse(&request.query);
    let detected = lang::detect(&parsed.free);
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
                    exact: t.text.clone(),
                    french: None,
                    english: None,
                }),
        );
        if let Some(q) = phrase(fields.exact, &tokens, 0) {
            required.push((Occur::Must, q));
        }
    }

    let mut scoring: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let exact_all = analyzers.tokens(Analyzer::Exact, &parsed.free);
    // A stop word of either language is noise in both fields (`de` is no English stop word,
    // yet it would match every French passage through the English field).
    let stop_spans: HashSet<(usize, usize)> = exact_all
        .iter()
        .filter(|t| is_stop_word(&t.text))
        .map(|t| (t.from, t.to))
        .collect();
    let content = |tokens: Vec<AnalyzedToken>| -> Vec<AnalyzedToken> {
        tokens
            .into_iter()
            .filter(|t| !stop_spans.contains(&(t.from, t.to)))
            .collect()
    };
    let french = content(analyzers.tokens(Analyzer::French, &parsed.free));
    let english = content(analyzers.tokens(Analyzer::English, &parsed.free));
    let exact_words = content(exact_all.clone());
    let (w_fr, w_en) = match detected {
        Some(Lang::Fr) => (boost::LANG_MAIN, boost::LANG_OTHER),
        Some(Lang::En) => (boost::LANG_OTHER, boost::LANG_MAIN),
        None => (boost::LANG_UNSURE, boost::LANG_UNSURE),
    };
    scoring.extend(any_term(fields.text_fr, &french, w_fr).map(|q| (Occur::Should, q)));
    scoring.extend(any_term(fields.text_en, &english, w_en).map(|q| (Occur::Should, q)));
    // Only stop words typed (`de la`)? Then the words themselves are what is sought.
    let exact_terms = if exact_words.is_empty() {
        &exact_all
    } else {
        &exact_words
    };
    scoring
        .extend(any_term(fields.exact, exact_terms, boost::EXACT_TERM).map(|q| (Occur::Should, q)));
    scoring.extend(
        any_term(fields.heading_fr, &french, boost::HEADING * w_fr).map(|q| (Occur::Should, q)),
    );
    scoring.extend(
        any_term(fields.heading_en, &english, boost::HEADING * w_en).map(|q| (Occur::Should, q)),
    );
    if exact_all.len() >= 2 {
        if let Some(q) = phrase(fields.exact, &exact_all, 0) {
            scoring.push((Occur::Should, Box::new(BoostQuery::new(q, boost::PHRASE))));
        }
    }
    let main_field = if w_en > w_fr {
        (fields.text_en, &english)
    } else {
        (fields.text_fr, &french)
    };
    if main_field.1.len() >= 2 {
        if let Some(q) = phrase(main_field.0, main_field.1, boost::PROXIMITY_SLOP) {
            scoring.push((
                Occur::Should,
                Box::new(BoostQuery::new(q, boost::PROXIMITY)),
            ));
        }
    }
    let same_span = |tokens: &[AnalyzedToken], t: &AnalyzedToken| {
        tokens
            .iter()
            .find(|o| o.from == t.from && o.to == t.to)
            .map(|o| o.text.clone())
    };
    words.extend(exact_terms.iter().map(|t| QueryWord {
        exact: t.text.clone(),
        french: same_span(&french, t),
        english: same_span(&english, t),
    }));
    match_terms
        .french
        .extend(french.iter().map(|t| t.text.clone()));
    match_terms
        .english
        .extend(english.iter().map(|t| t.text.clone()));
    match_terms
        .exact
        .extend(exact_terms.iter().map(|t| t.text.clone()));

    if !scoring.is_empty() {
        required.push((Occur::Must, Box::new(BooleanQuery::new(scoring))));
    }
    if required.is_empty() {
        return BuiltQuery {
            query: None,
            match_terms,
            words,
            lang: detected,
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
        match_terms,
        words,
        lang: detected,
    }
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
}
