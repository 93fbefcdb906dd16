//! Query-time synonyms in the format Solr and Elasticsearch users know:
//!
//! ```text
//! # comment
//! élèves, étudiants                 equivalent: each expands to the others
//! engineering students => élèves ingénieurs, étudiants ingénieurs    one-way
//! ```
//!
//! Terms are matched on the query's folded words (case and accents ignored), so one entry
//! covers `Élèves` and `eleves`; stemming then covers plurals. Expansions are searched beside
//! the words typed, never instead of them, and weigh less.

use std::collections::HashMap;
use std::path::Path;

use tantivy::tokenizer::TextAnalyzer;

use super::{analyze, Analyzer, NumberMode};

/// A rule: the folded words to find in the query, and what to add.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    words: Vec<String>,
    expansions: Vec<String>,
}

/// A parsed synonyms file.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Rules by their first word.
    by_first_word: HashMap<String, Vec<Rule>>,
    rules: usize,
}

/// A match of a rule in the query: token indexes `[start, end)` and the phrases to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub start: usize,
    pub end: usize,
    pub phrases: Vec<String>,
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
                let expansions: Vec<String> = targets
                    .iter()
                    .filter(|t| fold(&mut folder, t) != words)
                    .cloned()
                    .collect();
                if expansions.is_empty() {
                    continue;
                }
                synonyms.rules += 1;
                synonyms
                    .by_first_word
                    .entry(words[0].clone())
                    .or_default()
                    .push(Rule { words, expansions });
            }
        }
        for rules in synonyms.by_first_word.values_mut() {
            // longest first, so `engineering students` wins over `students`
            rules.sort_by_key(|r| std::cmp::Reverse(r.words.len()));
        }
        (synonyms, problems)
    }

    pub fn len(&self) -> usize {
        self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules == 0
    }

    /// The expansions that apply to a query, given its folded words in order.
    pub fn expand(&self, words: &[&str]) -> Vec<Expansion> {
        let mut out = Vec::new();
        for start in 0..words.len() {
            let Some(rules) = self.by_first_word.get(words[start]) else {
                continue;
            };
            for rule in rules {
                let end = start + rule.words.len();
                if end <= words.len()
                    && words[start..end]
                        .iter()
                        .zip(&rule.words)
                        .all(|(a, b)| a == b)
                {
                    out.push(Expansion {
                        start,
                        end,
                        phrases: rule.expansions.clone(),
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
        let e = s.expand(&["les", "eleves"]);
        assert_eq!(
            e,
            vec![Expansion {
                start: 1,
                end: 2,
                phrases: vec!["étudiants".into()]
            }]
        );
        let e = s.expand(&["engineering", "students"]);
        assert_eq!(e[0].phrases, vec!["élèves ingénieurs".to_string()]);
        assert_eq!((e[0].start, e[0].end), (0, 2));
        assert!(s.expand(&["students"]).is_empty());
    }
}
