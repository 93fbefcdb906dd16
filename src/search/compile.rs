//! [`Plan`] → tantivy queries. Each content word becomes one clause (any of its forms, in any
//! field, each weighted by the [`Ranking`]) that earns the word's coordination bonus; quoted
//! phrases are required; the positional boosts (the query as a phrase, its words close
//! together) are kept apart, for [`super::rescore`]; filters restrict without scoring.
//! Every scoring part is also named in [`Compiled::signals`], so `--explain` can say what each
//! one gave a passage.

use rustc_hash::FxHashSet as HashSet;
use std::sync::Arc;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur, PhraseQuery, Query, Weight,
};
use tantivy::schema::Field;
use tantivy::Term;

use super::bonus::BonusQuery;
use super::phrase::PhraseClause;
use super::plan::{Filters, Plan};
use super::ranking::Ranking;
use super::stats::Lexicon;
use super::term::TermClause;
use super::union::{Combine, UnionQuery};
use super::word::WordPlan;
use crate::analysis::AnalyzedToken;
use crate::index::Fields;
use crate::model::Lang;

/// A named part of the score.
pub struct Signal {
    /// What it rewards (`word feminisation`, `phrase`, `proximity`…).
    pub name: String,
    pub query: Box<dyn Query>,
    /// Added to the best passages after the main query (positional boosts).
    pub rescore: bool,
}

/// The compiled queries of a plan.
pub struct Compiled {
    /// `None` when the query has no searchable word (only punctuation, say).
    pub query: Option<Box<dyn Query>>,
    /// The boosts that read term positions, added to the best passages of `query` only: they
    /// never change which passages match, only how high.
    pub rescore: Vec<Box<dyn Query>>,
    /// Every scoring part, named; their scores add up to a passage's score before the
    /// question rerank.
    pub signals: Vec<Signal>,
}

/// A query both searched and named as a signal, held once: a deep copy of a word's clause
/// (its forms, synonyms and phrases) for a signal only `--explain` reads would cost as much
/// as building it.
#[derive(Clone, Debug)]
struct SharedQuery(Arc<dyn Query>);

impl SharedQuery {
    /// The query, and a handle on it for its signal.
    fn split(query: Box<dyn Query>) -> (Box<dyn Query>, Box<dyn Query>) {
        let shared = SharedQuery(Arc::from(query));
        (Box::new(shared.clone()), Box::new(shared))
    }
}

impl Query for SharedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        self.0.weight(enable_scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermClause::new(field, text))
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}

/// The tokens as a phrase (positions kept, so removed stop words leave their gap).
fn phrase(field: Field, tokens: &[AnalyzedToken], slop: u32) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [one] => Some(term_query(field, &one.text)),
        _ => Some(Box::new(PhraseClause::new(
            phrase_terms(field, tokens),
            slop,
        ))),
    }
}

/// A quoted phrase: tantivy's own clause. It is required, so tantivy intersects it with the
/// rest of the query, in an order (and a sum of scores) set by its own scorers' costs.
fn quoted_phrase(field: Field, tokens: &[AnalyzedToken]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [one] => Some(term_query(field, &one.text)),
        _ => Some(Box::new(PhraseQuery::new_with_offset(phrase_terms(
            field, tokens,
        )))),
    }
}

/// The terms of a phrase, each at its position in the phrase.
fn phrase_terms(field: Field, tokens: &[AnalyzedToken]) -> Vec<(usize, Term)> {
    let first = tokens.first().map_or(0, |t| t.position);
    tokens
        .iter()
        .map(|t| (t.position - first, Term::from_field_text(field, &t.text)))
        .collect()
}

/// The best-scoring of several alternatives, plus a small share of the others (a word's
/// synonyms: one found counts, several found count a little more).
fn best_of(alternatives: Vec<Box<dyn Query>>, ranking: &Ranking) -> Box<dyn Query> {
    Box::new(UnionQuery::new(
        alternatives,
        Combine::BestOf {
            tie_breaker: ranking.synonym_tie_breaker,
        },
    ))
}

/// Does the index hold every one of `tokens` in `field`? An alternative with a term no
/// passage holds can match nothing: it is left out of its union, which scores the same
/// without the cost of setting it up.
fn held(lexicon: &dyn Lexicon, field: Field, tokens: &[AnalyzedToken]) -> bool {
    tokens.iter().all(|t| lexicon.holds(field, &t.text))
}

/// One word's clause: any of its forms, in any field.
fn word_clause(
    word: &WordPlan,
    plan: &Plan,
    fields: &Fields,
    ranking: &Ranking,
    lexicon: &dyn Lexicon,
) -> Box<dyn Query> {
    let (w_fr, w_en) = (plan.french_weight, plan.english_weight);
    // in a fixed order: the union adds the scores up in this order
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    let add_term = |alternatives: &mut Vec<Box<dyn Query>>, field: Field, text: &str, w: f32| {
        if lexicon.holds(field, text) {
            alternatives.push(boosted(term_query(field, text), w));
        }
    };
    if let Some(fr) = &word.french {
        add_term(&mut alternatives, fields.text_fr, fr, w_fr);
        add_term(
            &mut alternatives,
            fields.heading_fr,
            fr,
            ranking.heading * w_fr,
        );
    }
    if let Some(en) = &word.english {
        add_term(&mut alternatives, fields.text_en, en, w_en);
        add_term(
            &mut alternatives,
            fields.heading_en,
            en,
            ranking.heading * w_en,
        );
    }
    add_term(
        &mut alternatives,
        fields.exact,
        &word.exact,
        ranking.exact_term,
    );
    for other in &word.number_writings {
        add_term(
            &mut alternatives,
            fields.exact,
            other,
            ranking.number_writing,
        );
    }
    // A word's synonyms count as one more way to find it, the best of them in full. (terms,
    // field, weight), in order of preference: a term already brought by an earlier group is
    // not searched twice.
    let term_groups = [
        (
            &word.french_synonyms,
            fields.text_fr,
            ranking.synonym_french,
        ),
        (
            &word.english_synonyms,
            fields.text_en,
            ranking.synonym_english,
        ),
        (&word.french_parts, fields.text_fr, ranking.synonym_part),
        (
            &word.english_parts,
            fields.text_en,
            ranking.synonym_english * ranking.synonym_part,
        ),
        (&word.translations, fields.text_fr, ranking.dictionary),
    ];
    let mut seen = HashSet::default();
    let mut synonyms: Vec<Box<dyn Query>> = Vec::new();
    for (terms, field, weight) in term_groups {
        for term in terms.iter().filter(|t| seen.insert((field, t.as_str()))) {
            if lexicon.holds(field, term) {
                synonyms.push(boosted(term_query(field, term), weight));
            }
        }
    }
    for p in &word.synonym_phrases {
        if !held(lexicon, fields.exact, &p.exact) {
            continue;
        }
        if let Some(q) = phrase(fields.exact, &p.exact, 1) {
            synonyms.push(boosted(q, ranking.synonym_phrase * p.weight));
        }
    }
    if !synonyms.is_empty() {
        alternatives.push(boosted(best_of(synonyms, ranking), ranking.synonym));
    }
    // A multi-word synonym naming what the section is about (`IMT-BS` in the fiche titled
    // `Institut Mines-Télécom Business School`), weighted as a heading word.
    let heading_phrases: Vec<Box<dyn Query>> = word
        .synonym_phrases
        .iter()
        .filter_map(|p| {
            let tokens = p.heading_french.as_ref()?;
            if !held(lexicon, fields.heading_fr, tokens) {
                return None;
            }
            phrase(fields.heading_fr, tokens, 1).map(|q| boosted(q, p.weight))
        })
        .collect();
    if !heading_phrases.is_empty() {
        alternatives.push(boosted(best_of(heading_phrases, ranking), ranking.heading));
    }
    for near in &word.near {
        add_term(&mut alternatives, fields.exact, near, ranking.fuzzy);
    }
    let clause: Box<dyn Query> = Box::new(UnionQuery::new(alternatives, Combine::Sum));
    if word.coordination > 0.0 {
        Box::new(BonusQuery::new(clause, word.coordination))
    } else {
        clause
    }
}

/// Compiles a plan, with its filters.
pub fn compile(plan: &Plan, fields: &Fields, ranking: &Ranking, lexicon: &dyn Lexicon) -> Compiled {
    compile_filtered(plan, &plan.filters, fields, ranking, lexicon)
}

/// Compiles a plan with other filters than its own (none, for a filtered search's facets).
pub fn compile_filtered(
    plan: &Plan,
    filters: &Filters,
    fields: &Fields,
    ranking: &Ranking,
    lexicon: &dyn Lexicon,
) -> Compiled {
    let mut signals = Vec::new();
    let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for tokens in &plan.phrases {
        if let Some(q) = quoted_phrase(fields.exact, tokens) {
            let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
            let (q, signal) = SharedQuery::split(q);
            signals.push(Signal {
                name: format!("quoted \"{}\"", words.join(" ")),
                query: signal,
                rescore: false,
            });
            required.push((Occur::Must, q));
        }
    }
    let mut scoring: Vec<Box<dyn Query>> = Vec::new();
    for word in &plan.words {
        let (clause, signal) =
            SharedQuery::split(word_clause(word, plan, fields, ranking, lexicon));
        signals.push(Signal {
            name: format!("word {}", word.exact),
            query: signal,
            rescore: false,
        });
        scoring.push(clause);
    }
    // A word's thesaurus synonyms: the best one found, apart from the word's clause (too
    // loose to count as the word for the coordination bonus).
    for word in plan.words.iter().filter(|w| !w.related.is_empty()) {
        let related = word
            .related
            .iter()
            .filter(|t| lexicon.holds(fields.text_fr, t))
            .map(|t| term_query(fields.text_fr, t))
            .collect();
        let (q, signal) = SharedQuery::split(boosted(
            best_of(related, ranking),
            ranking.thesaurus * plan.french_weight,
        ));
        signals.push(Signal {
            name: format!("thesaurus {}", word.exact),
            query: signal,
            rescore: false,
        });
        scoring.push(q);
    }
    let mut rescore: Vec<Box<dyn Query>> = Vec::new();
    let mut positional = |name: &str, q: Box<dyn Query>| {
        let (q, signal) = SharedQuery::split(q);
        signals.push(Signal {
            name: name.to_string(),
            query: signal,
            rescore: true,
        });
        rescore.push(q);
    };
    if plan.folded.len() >= 2 {
        if let Some(q) = phrase(fields.exact, &plan.folded, 0) {
            positional("phrase", boosted(q, ranking.phrase));
        }
    }
    if plan.proximity.len() >= 2 {
        let field = match plan.proximity_lang {
            Lang::En => fields.text_en,
            Lang::Fr => fields.text_fr,
        };
        if let Some(q) = phrase(field, &plan.proximity, ranking.proximity_slop) {
            positional("proximity", boosted(q, ranking.proximity));
        }
    }
    if !scoring.is_empty() {
        required.push((
            Occur::Must,
            Box::new(UnionQuery::new(scoring, Combine::Sum)),
        ));
    }
    if required.is_empty() {
        return Compiled {
            query: None,
            rescore: Vec::new(),
            signals: Vec::new(),
        };
    }
    if let Some(lang) = filters.lang {
        required.push((Occur::Must, filter(term_query(fields.lang, lang.code()))));
    }
    if let Some(doc) = &filters.doc {
        required.push((Occur::Must, filter(term_query(fields.doc_id, doc))));
    }
    Compiled {
        query: Some(Box::new(BooleanQuery::new(required))),
        rescore,
        signals,
    }
}

fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::plan::tests::plan_of;

    /// An index that holds every term.
    struct HoldsAll;

    impl Lexicon for HoldsAll {
        fn holds(&self, _: Field, _: &str) -> bool {
            true
        }
    }

    fn names(compiled: &Compiled) -> Vec<(String, bool)> {
        compiled
            .signals
            .iter()
            .map(|s| (s.name.clone(), s.rescore))
            .collect()
    }

    #[test]
    fn each_word_is_a_signal_and_positions_are_rescored_apart() {
        let plan = plan_of(
            "taux de féminisation",
            "",
            &[("taux", 40), ("feminisation", 3)],
        );
        let compiled = compile(&plan, &Fields::new(), &Ranking::default(), &HoldsAll);
        assert!(compiled.query.is_some());
        assert_eq!(compiled.rescore.len(), 2, "the phrase and the proximity");
        assert_eq!(
            names(&compiled),
            [
                ("word taux".to_string(), false),
                ("word feminisation".to_string(), false),
                ("phrase".to_string(), true),
                ("proximity".to_string(), true),
            ]
        );
    }

    #[test]
    fn quoted_phrases_are_required_signals() {
        let plan = plan_of("\"écoles partenaires\" 2027", "", &[("2027", 10)]);
        let compiled = compile(&plan, &Fields::new(), &Ranking::default(), &HoldsAll);
        let names = names(&compiled);
        assert_eq!(
            names[0],
            ("quoted \"ecoles partenaires\"".to_string(), false)
        );
        assert!(names.contains(&("word 2027".to_string(), false)));
    }

    #[test]
    fn punctuation_alone_compiles_to_nothing() {
        let plan = plan_of("?!", "", &[]);
        let compiled = compile(&plan, &Fields::new(), &Ranking::default(), &HoldsAll);
        assert!(compiled.query.is_none() && compiled.signals.is_empty());
    }

    #[test]
    fn a_filter_changes_no_signal() {
        let mut plan = plan_of("taux feminisation", "", &[("taux", 40)]);
        let unfiltered = names(&compile(
            &plan,
            &Fields::new(),
            &Ranking::default(),
            &HoldsAll,
        ));
        plan.filters.doc = Some("cop".into());
        let filtered = compile(&plan, &Fields::new(), &Ranking::default(), &HoldsAll);
        assert_eq!(names(&filtered), unfiltered);
        assert!(format!("{:?}", filtered.query).contains("cop"));
    }
}
