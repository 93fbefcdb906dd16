//! Question → what its answer should look like: the content words the answer sentence should
//! hold (in every analysed form: folded, French stem, English stem) and the expected answer
//! type: `combien`/`how many`/`quel pourcentage`/`what share` want a number (with a unit or a
//! counted noun when the question names one), `quand`/`when`/`depuis quand` a date, `qui`/`who`
//! a name.

use std::collections::HashSet;
use std::sync::OnceLock;

use tantivy::tokenizer::{Language, TextAnalyzer};

use crate::analysis::{analyze, is_stop_word, word_stemmer, Analyzer, NumberMode};
use crate::figures::Unit;

/// What kind of answer the question asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A number; `unit` when the question names one (`%`, `€`), `noun` (stemmed forms) when it
    /// asks for a count of something (`combien d’étudiants`).
    Number {
        unit: Option<Unit>,
        noun: Option<Vec<String>>,
    },
    Date,
    Name,
    /// No particular type (`Quelle est la raison d’être de l’IMT ?`).
    Any,
}

/// A content word of the question, in every form a sentence may hold it (the first is the
/// folded word itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub forms: Vec<String>,
}

/// A question, analysed.
#[derive(Debug, Clone)]
pub struct Question {
    pub words: Vec<Word>,
    pub expected: Expected,
}

impl Question {
    /// The content words alone, as a search query.
    pub fn keywords(&self) -> String {
        self.words
            .iter()
            .filter_map(|w| w.forms.first().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Words that only make the sentence a question, or only name the answer's type: not
/// expected in the answer sentence.
const QUESTION_WORDS: &[&str] = &[
    "combien",
    "comment",
    "pourquoi",
    "quand",
    "quoi",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "lequel",
    "laquelle",
    "lesquels",
    "lesquelles",
    "est-ce",
    "depuis",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "many",
    "much",
    "does",
    "did",
    "do",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "pourcentage",
    "percentage",
    "proportion",
    "share",
    "nombre",
    "number",
    "montant",
    "amount",
    "annee",
    "year",
    "date",
    "ou",
    "qui",
    "que",
    "qu",
    "part",
    "compte",
    "comptent",
    "count",
    "existe",
    "y",
];

/// Cues, as folded word sequences, checked in this order.
const DATE_CUES: &[&str] = &[
    "quand",
    "depuis quand",
    "en quelle annee",
    "quelle annee",
    "quelle date",
    "a quelle date",
    "when",
    "since when",
    "what year",
    "which year",
    "what date",
    "in what year",
];
const NUMBER_CUES: &[&str] = &[
    "combien",
    "how many",
    "how much",
    "quel pourcentage",
    "quelle part",
    "quelle proportion",
    "quel taux",
    "quel montant",
    "quel budget",
    "quel nombre",
    "quel est le nombre",
    "nombre de",
    "number of",
    "what share",
    "what percentage",
    "what proportion",
    "what rate",
    "what amount",
    "what budget",
    "what fraction",
    "what part",
    "what portion",
    "pourcentage",
    "percentage",
    "montant",
    "amount",
    "taux",
    "ratio",
    "rate",
];
const PERCENT_CUES: &[&str] = &[
    "pourcentage",
    "part",
    "proportion",
    "taux",
    "share",
    "percentage",
    "rate",
    "fraction",
    "portion",
    "pourcent",
    "percent",
    "ratio",
];
const MONEY_CUES: &[&str] = &[
    "montant",
    "budget",
    "euros",
    "euro",
    "cout",
    "coute",
    "amount",
    "cost",
    "much",
    "financement",
    "funding",
    "revenue",
    "recettes",
    "eur",
];
const NAME_CUES: &[&str] = &[
    "par qui",
    "avec qui",
    "by whom",
    "with whom",
    "quel est le nom",
    "what is the name",
];

struct Stemmers {
    french: TextAnalyzer,
    english: TextAnalyzer,
    exact: TextAnalyzer,
}

fn stemmers() -> &'static Stemmers {
    static STEMMERS: OnceLock<Stemmers> = OnceLock::new();
    STEMMERS.get_or_init(|| Stemmers {
        french: word_stemmer(Language::French),
        english: word_stemmer(Language::English),
        exact: Analyzer::Exact.build(NumberMode::Query),
    })
}

/// A folded word's forms: itself, its French stem, its English stem.
pub fn forms(folded: &str) -> Vec<String> {
    let s = stemmers();
    let mut out = vec![folded.to_string()];
    for stemmer in [&s.french, &s.english] {
        let mut a = stemmer.clone();
        if let Some(t) = analyze(&mut a, folded).into_iter().next() {
            if !out.contains(&t.text) {
                out.push(t.text);
            }
        }
    }
    out
}

/// The text's words, folded and with numbers joined as the index does (byte ranges kept).
pub fn tokens(text: &str) -> Vec<(String, usize, usize)> {
    let mut a = stemmers().exact.clone();
    analyze(&mut a, text)
        .into_iter()
        .map(|t| (t.text, t.from, t.to))
        .collect()
}

fn has_phrase(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(a, b)| a == b))
}

/// The word after `combien de`, `how many`, `nombre de`, `number of`.
fn counted_noun(words: &[String]) -> Option<String> {
    for (i, w) in words.iter().enumerate() {
        let next = |k: usize| words.get(i + k).cloned();
        let noun = match w.as_str() {
            "combien" | "nombre" => match next(1).as_deref() {
                Some("de" | "d") => next(2),
                _ => None,
            },
            "many" => next(1),
            "number" if next(1).as_deref() == Some("of") => next(2),
            _ => None,
        };
        if let Some(n) = noun.filter(|n| !is_stop_word(n) && n.chars().any(char::is_alphabetic)) {
            return Some(n);
        }
    }
    None
}

/// Analyses a question (or any query).
pub fn analyse(query: &str) -> Question {
    let folded_words: Vec<String> = tokens(query).into_iter().map(|t| t.0).collect();
    let any = |cues: &[&str]| cues.iter().any(|c| has_phrase(&folded_words, c));
    let first = folded_words.first().map(String::as_str);
    let expected = if any(DATE_CUES) && !has_phrase(&folded_words, "depuis combien") {
        Expected::Date
    } else if any(NUMBER_CUES) {
        let unit = if any(PERCENT_CUES) || query.contains('%') {
            Some(Unit::Percent)
        } else if any(MONEY_CUES) || query.contains('€') {
            Some(Unit::Eur)
        } else {
            None
        };
        Expected::Number {
            unit,
            noun: counted_noun(&folded_words).map(|n| forms(&n)),
        }
    } else if matches!(first, Some("qui" | "who" | "whom")) || any(NAME_CUES) {
        Expected::Name
    } else {
        Expected::Any
    };
    let mut seen = HashSet::new();
    let words = folded_words
        .iter()
        .filter(|w| !is_stop_word(w) && !QUESTION_WORDS.contains(&w.as_str()))
        .filter(|w| seen.insert(w.to_string()))
        .map(|w| Word { forms: forms(w) })
        .collect();
    Question { words, expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        analyse(q)
            .words
            .into_iter()
            .map(|w| w.forms[0].clone())
            .collect()
    }

    #[test]
    fn answer_types() {
        let q = analyse("Combien d'étudiants compte l'IMT ?");
        match q.expected {
            Expected::Number {
                unit: None,
                noun: Some(noun),
            } => assert_eq!(noun[0], "etudiants"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            words("Combien d'étudiants compte l'IMT ?"),
            ["etudiants", "imt"]
        );
        assert!(matches!(
            analyse("Quel pourcentage du budget provient de ressources propres ?").expected,
            Expected::Number {
                unit: Some(Unit::Percent),
                ..
            }
        ));
        assert!(matches!(
            analyse("What share of students are international?").expected,
            Expected::Number {
                unit: Some(Unit::Percent),
                ..
            }
        ));
        assert!(matches!(
            analyse("Quel est le montant de la recherche partenariale ?").expected,
            Expected::Number {
                unit: Some(Unit::Eur),
                ..
            }
        ));
        assert_eq!(
            analyse("Depuis quand l'IMT existe-t-il ?").expected,
            Expected::Date
        );
        assert_eq!(
            analyse("When was the mission statement adopted?").expected,
            Expected::Date
        );
        assert_eq!(analyse("Qui dirige l'IMT ?").expected, Expected::Name);
        assert_eq!(analyse("raison d'être de l'IMT").expected, Expected::Any);
    }
}
