//! A question → what its answering sentence should hold: the question's content words in
//! every analysed form (folded, French stem, English stem) and the kind of answer expected.
//! Which words are content and what is expected come from the engine's one question model,
//! [`crate::analysis::question`]; this module only adds the forms a sentence is matched on.

use std::collections::HashSet;
use std::sync::OnceLock;

use tantivy::tokenizer::{Language, TextAnalyzer};

use crate::analysis::question::{self as model, Expected as Asked};
use crate::analysis::{analyze, word_stemmer, Analyzer, NumberMode};
use crate::model::Unit;
use crate::search::highlight::QueryWord;

/// What kind of answer the question asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A number; `unit` when the question names one (`%`, `€`), `noun` (its forms) when it
    /// asks for a count of something (`combien d’étudiants`).
    Number {
        unit: Option<Unit>,
        noun: Option<Vec<String>>,
    },
    /// A date or a duration.
    Date,
    Name,
    /// No particular type (`Quelle est la raison d’être de l’IMT ?`).
    Any,
}

/// A content word of the question, in every form a sentence may hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub french: String,
    pub english: String,
}

/// A question, analysed.
#[derive(Debug, Clone)]
pub struct Question {
    pub words: Vec<Word>,
    pub expected: Expected,
}

impl Question {
    /// The content words as the search's matcher looks for them in a sentence: as typed
    /// (folded) or by their French or English stem.
    pub fn query_words(&self) -> Vec<QueryWord> {
        self.words
            .iter()
            .map(|w| QueryWord {
                exact: vec![w.folded.clone()],
                french: vec![w.french.clone()],
                english: vec![w.english.clone()],
                phrase_french: Vec::new(),
                weight: 1.0,
            })
            .collect()
    }

    /// The content words alone, as a search query.
    pub fn keywords(&self) -> String {
        self.words
            .iter()
            .map(|w| w.folded.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

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

/// A folded word's French and English stems.
fn stems(folded: &str) -> (String, String) {
    let s = stemmers();
    let stem = |stemmer: &TextAnalyzer| {
        let mut a = stemmer.clone();
        analyze(&mut a, folded)
            .into_iter()
            .next()
            .map_or_else(|| folded.to_string(), |t| t.text)
    };
    (stem(&s.french), stem(&s.english))
}

/// A folded word's forms: itself, its French stem, its English stem (each once).
pub fn forms(folded: &str) -> Vec<String> {
    let (french, english) = stems(folded);
    let mut out = vec![folded.to_string()];
    for stem in [french, english] {
        if !out.contains(&stem) {
            out.push(stem);
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

/// Analyses a question (or any query).
pub fn analyse(query: &str) -> Question {
    let folded: Vec<String> = tokens(query).into_iter().map(|t| t.0).collect();
    let words: Vec<&str> = folded.iter().map(String::as_str).collect();
    let read = model::analyse(query, &words);
    let expected = match &read.expected {
        Asked::Quantity { unit, counted } => Expected::Number {
            unit: *unit,
            noun: counted.as_deref().map(forms),
        },
        Asked::Time => Expected::Date,
        Asked::Name => Expected::Name,
        Asked::Any => Expected::Any,
    };
    let mut seen = HashSet::new();
    let words = read
        .content()
        .map(|i| words[i])
        .filter(|w| seen.insert(*w))
        .map(|w| {
            let (french, english) = stems(w);
            Word {
                folded: w.to_string(),
                french,
                english,
            }
        })
        .collect();
    Question { words, expected }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        analyse(q).words.into_iter().map(|w| w.folded).collect()
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
        // a duration is answered like a date (`depuis 70 ans`)
        assert_eq!(
            analyse("Depuis combien de temps l'IMT existe-t-il ?").expected,
            Expected::Date
        );
        assert_eq!(
            analyse("How long has the school existed?").expected,
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
