//! Query-time synonyms in the format Solr and Elasticsearch users know:
//!
//! ```text
//! # comment
//! élèves, étudiants                 equivalent: each expands to the others
//! engineering students => élèves ingénieurs, étudiants ingénieurs    one-way
//! ```
//!
//! Terms are matched on the query's folded words (case and accents ignored), so one entry
//! covers `Élèves` and `eleves`, or on their Snowball stem in the query's language (both
//! stems when it is unsure), so `students` matches a rule written `student` and `évaluera`
//! one written `évaluer`. Expansions are
//! searched beside the words typed, never instead of them, and weigh less.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use tantivy::tokenizer::TextAnalyzer;

use super::{analyze, is_stop_word, AnalyzedToken, Analyzer, NumberMode};
use crate::model::Lang;

/// A rule: the folded words to find in the query, and what to add.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    words: Vec<WordKeys>,
    expansions: Vec<Arc<Phrase>>,
}

/// What a rule adds: a word or a phrase as written, and its terms through each query-mode
/// analyzer, computed once when the rules are read (they do not depend on the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub text: String,
    /// The French analyzer's terms, stop words removed.
    pub french: Vec<AnalyzedToken>,
    /// The English analyzer's terms, stop words removed.
    pub english: Vec<AnalyzedToken>,
    /// The exact analyzer's terms, stop words kept.
    pub exact: Vec<AnalyzedToken>,
}

/// The query-mode analyzers a rule's phrases are analysed with, as the query is.
struct PhraseAnalyzers {
    french: TextAnalyzer,
    english: TextAnalyzer,
    exact: TextAnalyzer,
}

impl PhraseAnalyzers {
    fn new() -> PhraseAnalyzers {
        PhraseAnalyzers {
            french: Analyzer::French.build(NumberMode::Query),
            english: Analyzer::English.build(NumberMode::Query),
            exact: Analyzer::Exact.build(NumberMode::Query),
        }
    }

    fn phrase(&mut self, text: &str) -> Phrase {
        let without_stop_words = |tokens: Vec<AnalyzedToken>| -> Vec<AnalyzedToken> {
            tokens
                .into_iter()
                .filter(|t| !is_stop_word(&t.text))
                .collect()
        };
        Phrase {
            text: text.to_string(),
            french: without_stop_words(analyze(&mut self.french, text)),
            english: without_stop_words(analyze(&mut self.english, text)),
            exact: analyze(&mut self.exact, text),
        }
    }
}

/// The ways a word can be matched: folded, and its French and English stems.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WordKeys {
    folded: String,
    french: String,
    english: String,
}

/// Stems shorter than this match only as typed: `ai` and `a` stem alike but mean nothing alike.
const MIN_STEM_CHARS: usize = 4;

impl WordKeys {
    fn new(stemmers: &Stemmers, folded: &str) -> WordKeys {
        WordKeys {
            folded: folded.to_string(),
            french: stemmers.french.stem(folded).into_owned(),
            english: stemmers.english.stem(folded).into_owned(),
        }
    }

    /// A query word's keys, stemmed only in the languages [`WordKeys::matches`] and
    /// [`WordKeys::lookup_keys`] read for `lang` (the other stem is left empty).
    fn of_query_word(stemmers: &Stemmers, folded: &str, lang: Option<Lang>) -> WordKeys {
        WordKeys {
            folded: folded.to_string(),
            french: match lang {
                Some(Lang::En) => String::new(),
                _ => stemmers.french.stem(folded).into_owned(),
            },
            english: match lang {
                Some(Lang::Fr) => String::new(),
                _ => stemmers.english.stem(folded).into_owned(),
            },
        }
    }

    /// The keys a rule is filed under (`None`: every key), or looked up for a query word in
    /// `lang` (its stem in that language only: the French stem of `statement` is that of
    /// `state`), each handed to `f` (written in `buffer`, not allocated).
    fn each_lookup_key(&self, lang: Option<Lang>, buffer: &mut String, mut f: impl FnMut(&str)) {
        f(&self.folded);
        let mut prefixed = |prefix: &str, stem: &str| {
            buffer.clear();
            buffer.push_str(prefix);
            buffer.push_str(stem);
            f(buffer);
        };
        if lang != Some(Lang::En) && self.french.chars().count() >= MIN_STEM_CHARS {
            prefixed("fr:", &self.french);
        }
        if lang != Some(Lang::Fr) && self.english.chars().count() >= MIN_STEM_CHARS {
            prefixed("en:", &self.english);
        }
    }

    /// Does this query word, in a query in `lang`, match the rule's word `other`?
    fn matches(&self, other: &WordKeys, lang: Option<Lang>) -> bool {
        let long = |stem: &str| stem.chars().count() >= MIN_STEM_CHARS;
        self.folded == other.folded
            || (lang != Some(Lang::En) && self.french == other.french && long(&self.french))
            || (lang != Some(Lang::Fr) && self.english == other.english && long(&self.english))
    }
}

struct Stemmers {
    french: Stemmer,
    english: Stemmer,
}

impl Stemmers {
    fn new() -> Stemmers {
        Stemmers {
            french: Stemmer::create(Algorithm::French),
            english: Stemmer::create(Algorithm::English),
        }
    }
}

/// Query words' keys remembered per thread, at most this many: Snowball stemming a word
/// costs far more than copying its keys, and users ask about the same words again and again.
const MAX_KEPT_KEYS: usize = 10_000;

struct KeptKeys {
    stemmers: Stemmers,
    /// By the query's language: unknown, French, English.
    keys: [FxHashMap<Box<str>, WordKeys>; 3],
}

thread_local! {
    static KEPT_KEYS: RefCell<KeptKeys> = RefCell::new(KeptKeys {
        stemmers: Stemmers::new(),
        keys: Default::default(),
    });
}

/// [`WordKeys::of_query_word`], remembered.
fn kept_keys(folded: &str, lang: Option<Lang>) -> WordKeys {
    KEPT_KEYS.with(|kept| {
        let kept = &mut *kept.borrow_mut();
        let by_word = match lang {
            None => &mut kept.keys[0],
            Some(Lang::Fr) => &mut kept.keys[1],
            Some(Lang::En) => &mut kept.keys[2],
        };
        if let Some(keys) = by_word.get(folded) {
            return keys.clone();
        }
        let keys = WordKeys::of_query_word(&kept.stemmers, folded, lang);
        if by_word.len() >= MAX_KEPT_KEYS {
            by_word.clear();
        }
        by_word.insert(Box::from(folded), keys.clone());
        keys
    })
}

/// A parsed synonyms file.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: Vec<Rule>,
    /// Rule indexes by each lookup key of their first word.
    by_first_word: HashMap<String, Vec<usize>>,
}

/// A match of a rule in the query: token indexes `[start, end)` and the phrases to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion<'a> {
    pub start: usize,
    pub end: usize,
    pub phrases: &'a [Arc<Phrase>],
}

impl Expansion<'_> {
    /// The phrases as written.
    pub fn texts(&self) -> Vec<&str> {
        self.phrases.iter().map(|p| p.text.as_str()).collect()
    }
}

impl Synonyms {
    /// Reads `path`; a missing file is an empty list. Returns the list and the lines that could
    /// not be read (number and reason).
    pub fn load(path: &Path) -> (Synonyms, Vec<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => Synonyms::parse(&text),
            Err(_) => (Synonyms::default(), Vec::new()),
        }
    }

    pub fn parse(text: &str) -> (Synonyms, Vec<String>) {
        let mut folder = Analyzer::Exact.build(NumberMode::Query);
        let stemmers = Stemmers::new();
        let mut analyzers = PhraseAnalyzers::new();
        // each phrase analysed once, however many rules add it
        let mut analysed: HashMap<String, Arc<Phrase>> = HashMap::new();
        let mut synonyms = Synonyms::default();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let split = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            };
            let (sources, targets, one_way) = match line.split_once("=>") {
                Some((l, r)) => (split(l), split(r), true),
                None => {
                    let all = split(line);
                    (all.clone(), all, false)
                }
            };
            if sources.is_empty() || targets.is_empty() || (!one_way && sources.len() < 2) {
                problems.push(format!("line {}: expected `a, b` or `a => b`", i + 1));
                continue;
            }
            for source in &sources {
                let words = fold(&mut folder, source);
                if words.is_empty() {
                    continue;
                }
                let expansions: Vec<Arc<Phrase>> = targets
                    .iter()
                    .filter(|t| fold(&mut folder, t) != words)
                    .map(|t| {
                        analysed
                            .entry(t.clone())
                            .or_insert_with(|| Arc::new(analyzers.phrase(t)))
                            .clone()
                    })
                    .collect();
                if expansions.is_empty() {
                    continue;
                }
                let words: Vec<WordKeys> =
                    words.iter().map(|w| WordKeys::new(&stemmers, w)).collect();
                let index = synonyms.rules.len();
                let by_first_word = &mut synonyms.by_first_word;
                words[0].each_lookup_key(None, &mut String::new(), |key| {
                    by_first_word
                        .entry(key.to_string())
                        .or_default()
                        .push(index);
                });
                synonyms.rules.push(Rule { words, expansions });
            }
        }
        (synonyms, problems)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The expansions that apply to a query, given its folded words in order and its
    /// language when known (its words are then stemmed in that language only).
    pub fn expand(&self, words: &[&str], lang: Option<Lang>) -> Vec<Expansion<'_>> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let keys: Vec<WordKeys> = words.iter().map(|w| kept_keys(w, lang)).collect();
        let mut out = Vec::new();
        let mut buffer = String::new();
        let mut candidates: Vec<usize> = Vec::new();
        for start in 0..keys.len() {
            candidates.clear();
            keys[start].each_lookup_key(lang, &mut buffer, |k| {
                if let Some(rules) = self.by_first_word.get(k) {
                    candidates.extend(rules);
                }
            });
            candidates.sort_unstable();
            candidates.dedup();
            for rule in candidates.iter().map(|&i| &self.rules[i]) {
                let end = start + rule.words.len();
                if end <= keys.len()
                    && keys[start..end]
                        .iter()
                        .zip(&rule.words)
                        .all(|(a, b)| a.matches(b, lang))
                {
                    out.push(Expansion {
                        start,
                        end,
                        phrases: &rule.expansions,
                    });
                }
            }
        }
        out
    }
}

fn fold(folder: &mut TextAnalyzer, text: &str) -> Vec<String> {
    analyze(folder, text).into_iter().map(|t| t.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_matches_folded_words() {
        let (s, problems) = Synonyms::parse(
            "# comment\n\nÉlèves, étudiants\nengineering students => élèves ingénieurs\nbroken line\n",
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(s.len(), 3);
        let e = s.expand(&["les", "eleves"], None);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].start, e[0].end), (1, 2));
        assert_eq!(e[0].texts(), ["étudiants"]);
        let e = s.expand(&["engineering", "students"], None);
        assert_eq!(e[0].texts(), ["élèves ingénieurs"]);
        assert_eq!((e[0].start, e[0].end), (0, 2));
        assert!(s.expand(&["students"], None).is_empty());
    }

    #[test]
    fn words_match_by_stem_but_short_stems_only_as_typed() {
        let (s, _) = Synonyms::parse(
            "évaluer => mesurer\nstudent => étudiant\nai => intelligence artificielle\n",
        );
        assert_eq!(s.expand(&["evaluera"], None)[0].texts(), ["mesurer"]);
        assert_eq!(s.expand(&["students"], None)[0].texts(), ["étudiant"]);
        assert_eq!(s.expand(&["ai"], None).len(), 1);
        assert!(s.expand(&["aie"], None).is_empty());
    }

    #[test]
    fn a_query_word_is_stemmed_in_the_query_language_only() {
        let (s, _) = Synonyms::parse("state => État\névaluer => mesurer\n");
        // French Snowball cuts both `statement` and `state` to `stat`; English does not
        assert_eq!(s.expand(&["statement"], None).len(), 1);
        assert!(s.expand(&["statement"], Some(Lang::En)).is_empty());
        assert_eq!(s.expand(&["states"], Some(Lang::En))[0].texts(), ["État"]);
        assert_eq!(
            s.expand(&["evaluera"], Some(Lang::Fr))[0].texts(),
            ["mesurer"]
        );
        assert!(s.expand(&["evaluera"], Some(Lang::En)).is_empty());
        // a word typed as the rule writes it matches in any language
        assert_eq!(s.expand(&["evaluer"], Some(Lang::En)).len(), 1);
    }

    #[test]
    fn phrases_are_analysed_when_read_as_a_query_would_be() {
        let (s, _) = Synonyms::parse(
            "ca => Conseil d’administration, CA\nbureau => Conseil d’administration\n",
        );
        let e = s.expand(&["ca"], None);
        let texts = |tokens: &[AnalyzedToken]| -> Vec<String> {
            tokens.iter().map(|t| t.text.clone()).collect()
        };
        let phrase = &e[0].phrases[0];
        assert_eq!(phrase.text, "Conseil d’administration");
        assert_eq!(texts(&phrase.exact), ["conseil", "d", "administration"]);
        let stemmed = |analyzer: Analyzer| -> Vec<String> {
            analyze(&mut analyzer.build(NumberMode::Query), &phrase.text)
                .into_iter()
                .filter(|t| !is_stop_word(&t.text))
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(texts(&phrase.french), stemmed(Analyzer::French));
        assert_eq!(texts(&phrase.english), stemmed(Analyzer::English));
        assert!(!texts(&phrase.french).contains(&"d".to_string()));
        // `CA` folds as the word matched: not added; a phrase two rules add is analysed once
        assert_eq!(e[0].texts(), ["Conseil d’administration"]);
        let other = s.expand(&["bureau"], None);
        assert!(Arc::ptr_eq(phrase, &other[0].phrases[0]));
    }
}
