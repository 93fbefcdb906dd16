//! A query's words → the question they ask, if any: is the query a question, what does each
//! word do in it (the subject, a question word only, a word naming the answer's kind), and
//! what kind of answer is asked for (a quantity with its unit or counted noun, a date or a
//! duration, a name, anything). One model for the whole engine: search reads it to drop the
//! filler and to favour passages stating the kind of answer asked beside the words asked
//! about; answers read it to score sentences.
//!
//! Input is the query's folded words (the exact analyzer's tokens: lower-cased, unaccented,
//! numbers joined) and the raw text (for `?`, `%`, `€`).

use super::is_stop_word;
use crate::model::Unit;

/// What kind of answer a question asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A number (`Combien de défis…`, `How many partners…`, `Quel pourcentage…`); `unit` when
    /// the question names one (`%`, `€`), `counted` (folded) when it asks for a count of
    /// something (`combien d’étudiants` → `etudiants`).
    Quantity {
        unit: Option<Unit>,
        counted: Option<String>,
    },
    /// A date or a duration (`Quand…`, `En quelle année…`, `Depuis combien de temps…`, `How
    /// long…`, `When…`).
    Time,
    /// A person or an organisation (`Qui…`, `Par qui…`, `Who…`).
    Name,
    /// No particular kind (`Quelle est la raison d’être de l’IMT ?`).
    Any,
}

/// What one word does in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// What the query is about: searched, and expected in an answering sentence.
    Content,
    /// Only makes the sentence a question (`combien`, `does`, `compte-t-il`, the words of `à
    /// la fois`): not searched when the query is a question, not expected in the answer.
    Filler,
    /// Names the kind of answer (`pourcentage`, `année`, `nombre`, `depuis`): searched, since
    /// passages say `taux de féminisation`, but an answer states a value, not the word.
    Cue,
    /// A stop word of either language.
    Stop,
}

/// A query, read as a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// A `?` at the end, or a question word first.
    pub is_question: bool,
    pub expected: Expected,
    /// One per folded word.
    pub roles: Vec<Role>,
    /// For a quantity, the index of the word that asks for it (`combien`, `many`,
    /// `pourcentage`): the words after it say what is measured.
    pub quantity_at: Option<usize>,
    /// Is the quantity a count (`combien`, `how many`)? Its answer is a number beside the
    /// counted noun (`4 défis`); a share or an amount (`quel pourcentage`, `quel montant`) is
    /// often stated farther from the words that follow the cue.
    pub counts: bool,
}

impl Question {
    /// The indexes of the content words, in order.
    pub fn content(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.roles.len()).filter(|&i| self.roles[i] == Role::Content)
    }

    /// Should search leave out the `i`th word? Stop words always (unless nothing else is
    /// typed, which the caller decides); filler in a question.
    pub fn is_noise(&self, i: usize) -> bool {
        match self.roles[i] {
            Role::Stop => true,
            Role::Filler => self.is_question,
            Role::Content | Role::Cue => false,
        }
    }
}

/// Words that only make a sentence a question (`Combien`, `How many`).
const FILLER: &[&str] = &[
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
    "whose",
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

/// Fixed phrases that only articulate a question (`à la fois`, `en quoi`, `to what extent`).
/// Their words alone mean something (`fois` in `deux fois plus`, `extent`), so only the whole
/// phrase is filler.
const FILLER_PHRASES: &[&[&str]] = &[
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

/// Words that name the kind of answer asked for.
const CUES: &[&str] = &[
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
    "part",
    "count",
    "depuis",
];

/// First words that make a query a question without a `?`.
const QUESTION_STARTS: &[&str] = &[
    "qui", "que", "qu", "quel", "quelle", "quels", "quelles", "quoi", "combien", "comment",
    "pourquoi", "quand", "ou", "est", "what", "which", "who", "whom", "whose", "when", "where",
    "why", "how", "is", "are", "does", "do", "did", "can",
];

/// Nouns that make `quelle …`/`what …` ask for a date.
const TIME_NOUNS: &[&str] = &[
    "annee", "date", "jour", "mois", "epoque", "year", "day", "month",
];

/// Phrases asking for a number besides `combien` and `how many`/`how much`; the last word is
/// where the quantity is asked (the counted words follow it).
const QUANTITY_CUES: &[&str] = &[
    "quel pourcentage",
    "quelle part",
    "quelle proportion",
    "quel taux",
    "quel montant",
    "quel budget",
    "quel nombre",
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

/// Words saying the number asked for is a share.
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

/// Words saying the number asked for is money.
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

/// Phrases asking for a name besides a first `qui`/`who`.
const NAME_CUES: &[&str] = &[
    "par qui",
    "avec qui",
    "by whom",
    "with whom",
    "quel est le nom",
    "what is the name",
];

/// Where `phrase` (words separated by one space) starts in `words`.
fn phrase_at(words: &[&str], phrase: &str) -> Option<usize> {
    let first = phrase.split(' ').next().unwrap_or_default();
    // the phrase's words are compared only where its first word is
    (0..words.len()).find(|&i| {
        words[i] == first && {
            let mut from_here = words[i..].iter().copied();
            phrase.split(' ').all(|word| from_here.next() == Some(word))
        }
    })
}

fn has_any(words: &[&str], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| phrase_at(words, p).is_some())
}

/// Does the query ask for a date or a duration (`quand`, `en quelle année`, `depuis combien
/// de temps`, `when`, `what year`, `how long`)?
fn asks_time(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, word)| {
        let next = words.get(i + 1).copied().unwrap_or_default();
        let after = words.get(i + 2).copied().unwrap_or_default();
        match *word {
            "quand" | "when" => true,
            "quel" | "quelle" | "quels" | "quelles" | "what" | "which" => {
                TIME_NOUNS.contains(&next)
            }
            "combien" => next == "temps" || (next == "de" && after == "temps"),
            "how" => next == "long",
            _ => false,
        }
    })
}

/// Where the query asks for a quantity, and is it a count: `combien` (not `combien de
/// temps`, a duration) and `many`/`much` after `how` are; else the last word of the first
/// quantity cue (`quel pourcentage`, `nombre de`: the `de` is a stop word).
fn quantity_asked_at(words: &[&str]) -> Option<(usize, bool)> {
    let direct = words.iter().enumerate().position(|(i, word)| {
        let next = words.get(i + 1).copied();
        match *word {
            "combien" => next != Some("temps") && words.get(i + 2).copied() != Some("temps"),
            "many" | "much" => i > 0 && words[i - 1] == "how",
            _ => false,
        }
    });
    direct.map(|at| (at, true)).or_else(|| {
        QUANTITY_CUES
            .iter()
            .filter_map(|cue| phrase_at(words, cue).map(|at| at + cue.split(' ').count() - 1))
            .min()
            .map(|at| (at, false))
    })
}

/// The word after `combien de`, `how many`, `nombre de`, `number of`.
fn counted_noun(words: &[&str]) -> Option<String> {
    (0..words.len()).find_map(|i| {
        let next = |k: usize| words.get(i + k).copied();
        let noun = match words[i] {
            "combien" | "nombre" => match next(1) {
                Some("de" | "d") => next(2),
                _ => None,
            },
            "many" => next(1),
            "number" if next(1) == Some("of") => next(2),
            _ => None,
        };
        noun.filter(|n| !is_stop_word(n) && n.chars().any(char::is_alphabetic))
            .map(str::to_string)
    })
}

/// Is the `i`th word filler? `compte` frames a question as `compter` + infinitive (`compte-t-il
/// renouveler`) or, after `combien`, as "has" (`Combien d'étudiants compte l'IMT`); elsewhere
/// it is the noun asked about (`rend-on compte`, `prendre en compte`, `compte rendu`).
fn is_filler(words: &[&str], i: usize, asks_quantity: bool) -> bool {
    let word = words[i];
    if !FILLER.contains(&word) {
        return false;
    }
    match word {
        "compte" | "comptent" => {
            asks_quantity
                || words.get(i + 1).is_some_and(|next| {
                    ["t", "il", "elle", "ils", "elles", "on"].contains(next)
                        || ["er", "ir", "re"].iter().any(|end| next.ends_with(end))
                })
        }
        _ => true,
    }
}

/// Reads a query as a question. `words` are its folded words, `text` the query as typed.
pub fn analyse(text: &str, words: &[&str]) -> Question {
    let is_question = text.trim_end().ends_with('?')
        || words.first().is_some_and(|w| QUESTION_STARTS.contains(w));
    let time = asks_time(words);
    let asked = if time { None } else { quantity_asked_at(words) };
    let quantity_at = asked.map(|(at, _)| at);
    let expected = if time {
        Expected::Time
    } else if quantity_at.is_some() {
        let unit = if has_any(words, PERCENT_CUES) || text.contains('%') {
            Some(Unit::Percent)
        } else if has_any(words, MONEY_CUES) || text.contains('€') {
            Some(Unit::Eur)
        } else {
            None
        };
        Expected::Quantity {
            unit,
            counted: counted_noun(words),
        }
    } else if matches!(words.first(), Some(&("qui" | "who" | "whom"))) || has_any(words, NAME_CUES)
    {
        Expected::Name
    } else {
        Expected::Any
    };
    let mut roles: Vec<Role> = (0..words.len())
        .map(|i| {
            if is_stop_word(words[i]) {
                Role::Stop
            } else if is_filler(words, i, quantity_at.is_some()) {
                Role::Filler
            } else if CUES.contains(&words[i]) {
                Role::Cue
            } else {
                Role::Content
            }
        })
        .collect();
    for phrase in FILLER_PHRASES {
        for (at, window) in words.windows(phrase.len()).enumerate() {
            if window == *phrase {
                for role in &mut roles[at..at + phrase.len()] {
                    *role = Role::Filler;
                }
            }
        }
    }
    Question {
        is_question,
        expected,
        roles,
        quantity_at,
        counts: asked.is_some_and(|(_, counts)| counts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Analyzer, NumberMode};

    fn read(text: &str) -> (Question, Vec<String>) {
        let mut folder = Analyzer::Exact.build(NumberMode::Query);
        let words: Vec<String> = analyze(&mut folder, text)
            .into_iter()
            .map(|t| t.text)
            .collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        (analyse(text, &refs), words)
    }

    fn expected(text: &str) -> Expected {
        read(text).0.expected
    }

    fn content(text: &str) -> Vec<String> {
        let (q, words) = read(text);
        q.content().map(|i| words[i].clone()).collect()
    }

    #[test]
    fn durations_are_time_questions() {
        // decided: a duration is answered like a date (`depuis 1990`, `depuis 70 ans`)
        assert_eq!(
            expected("Depuis combien de temps l'IMT existe-t-il ?"),
            Expected::Time
        );
        assert_eq!(expected("How long has the school existed?"), Expected::Time);
        assert_eq!(expected("Depuis quand l'IMT existe-t-il ?"), Expected::Time);
        assert_eq!(expected("En quelle année ?"), Expected::Time);
        assert_eq!(
            expected("When was the mission statement adopted?"),
            Expected::Time
        );
    }

    #[test]
    fn quantities_name_their_unit_and_counted_noun() {
        assert_eq!(
            expected("Combien d'étudiants compte l'IMT ?"),
            Expected::Quantity {
                unit: None,
                counted: Some("etudiants".into())
            }
        );
        // decided: a share is a quantity for search too (its answer is a number beside the
        // words after `pourcentage`)
        let (q, words) = read("Quel pourcentage du budget provient de ressources propres ?");
        assert!(matches!(
            q.expected,
            Expected::Quantity {
                unit: Some(Unit::Percent),
                ..
            }
        ));
        assert_eq!(
            q.quantity_at.map(|i| words[i].as_str()),
            Some("pourcentage")
        );
        assert!(!q.counts, "a share is no count");
        assert!(matches!(
            expected("What share of students are international?"),
            Expected::Quantity {
                unit: Some(Unit::Percent),
                ..
            }
        ));
        assert!(matches!(
            expected("Quel est le montant de la recherche partenariale ?"),
            Expected::Quantity {
                unit: Some(Unit::Eur),
                ..
            }
        ));
        let (q, words) = read("How many partners does the school have?");
        assert_eq!(q.quantity_at.map(|i| words[i].as_str()), Some("many"));
        assert!(q.counts);
    }

    #[test]
    fn names_and_anything_else() {
        assert_eq!(expected("Qui dirige l'IMT ?"), Expected::Name);
        assert_eq!(expected("Par qui est-elle financée ?"), Expected::Name);
        assert_eq!(expected("raison d'être de l'IMT"), Expected::Any);
    }

    #[test]
    fn filler_and_cues_are_not_content() {
        assert_eq!(
            content("Combien d'étudiants compte l'IMT ?"),
            ["etudiants", "imt"]
        );
        assert_eq!(
            content("Comment l'IMT compte-t-il renouveler ses partenariats ?"),
            ["imt", "renouveler", "partenariats"]
        );
        // `compte` as a noun is what is asked about
        assert_eq!(
            content("Comment l'école rend-elle compte de ses résultats ?"),
            ["ecole", "rend", "compte", "resultats"]
        );
        assert_eq!(
            content("En quoi l'IMT est-il à la fois national et régional ?"),
            ["imt", "national", "regional"]
        );
        let (q, words) = read("Quel pourcentage du budget ?");
        let cue = words.iter().position(|w| w == "pourcentage");
        assert_eq!(cue.map(|i| q.roles[i]), Some(Role::Cue));
        assert!(!q.is_noise(cue.unwrap_or_default()));
    }

    #[test]
    fn filler_is_noise_only_in_a_question() {
        let (q, words) = read("ce que l'école peut faire");
        assert!(!q.is_question);
        let at = words.iter().position(|w| w == "peut").unwrap_or_default();
        assert_eq!(q.roles[at], Role::Filler);
        assert!(
            !q.is_noise(at),
            "not a question: `peut` may be what is sought"
        );
        let (q, _) = read("ce que l'école peut faire ?");
        assert!(q.is_question && q.is_noise(at));
    }
}
