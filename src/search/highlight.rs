//! Highlighting: which byte ranges of a passage matched the query (data), and their rendering
//! as HTML with `<mark>` (a separate step). Matching re-runs the index analyzers over the
//! passage, so stemmed, unaccented and number-joined forms light up the words as written.

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{analyze, AnalyzedToken, Analyzer, NumberMode};

/// The analysed query terms to look for, per analyzer.
#[derive(Debug, Default, Clone)]
pub struct MatchTerms {
    pub french: HashSet<String>,
    pub english: HashSet<String>,
    pub exact: HashSet<String>,
}

/// Index-mode analyzers kept around for highlighting; clone one per request (cheap).
#[derive(Clone)]
pub struct Highlighter {
    french: TextAnalyzer,
    english: TextAnalyzer,
    exact: TextAnalyzer,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter {
            french: Analyzer::French.build(NumberMode::Index),
            english: Analyzer::English.build(NumberMode::Index),
            exact: Analyzer::Exact.build(NumberMode::Index),
        }
    }
}

/// One word of the query in its three analysed forms (a stop word has no French/English form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    pub exact: String,
    pub french: Option<String>,
    pub english: Option<String>,
}

/// A passage's analysed tokens, computed once for highlighting and coverage.
pub struct PassageTokens {
    french: Vec<AnalyzedToken>,
    english: Vec<AnalyzedToken>,
    exact: Vec<AnalyzedToken>,
}

impl Highlighter {
    pub fn analyze(&mut self, text: &str) -> PassageTokens {
        PassageTokens {
            french: analyze(&mut self.french, text),
            english: analyze(&mut self.english, text),
            exact: analyze(&mut self.exact, text),
        }
    }

    /// Byte ranges of `text` that match, sorted and merged.
    pub fn ranges(&mut self, text: &str, terms: &MatchTerms) -> Vec<(usize, usize)> {
        let tokens = self.analyze(text);
        ranges(&tokens, terms)
    }
}

/// Byte ranges of the passage whose tokens are wanted, sorted and merged.
pub fn ranges(tokens: &PassageTokens, terms: &MatchTerms) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    for (found, wanted) in [
        (&tokens.french, &terms.french),
        (&tokens.english, &terms.english),
        (&tokens.exact, &terms.exact),
    ] {
        for token in found {
            if wanted.contains(&token.text) {
                ranges.push((token.from, token.to));
            }
        }
    }
    merge(ranges)
}

/// Share of the query's words present in the passage in any of their forms.
pub fn coverage(tokens: &PassageTokens, words: &[QueryWord]) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    fn set(v: &[AnalyzedToken]) -> HashSet<&str> {
        v.iter().map(|t| t.text.as_str()).collect()
    }
    let (fr, en, ex) = (
        set(&tokens.french),
        set(&tokens.english),
        set(&tokens.exact),
    );
    let found = words
        .iter()
        .filter(|w| {
            ex.contains(w.exact.as_str())
                || w.french.as_deref().is_some_and(|t| fr.contains(t))
                || w.english.as_deref().is_some_and(|t| en.contains(t))
        })
        .count();
    found as f32 / words.len() as f32
}

fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// Escapes `&`, `<`, `>`, `"` and `'`.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The text HTML-escaped with each range wrapped in `<mark>…</mark>`.
pub fn render_html(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut at = 0;
    for &(from, to) in ranges {
        if from < at
            || to > text.len()
            || !text.is_char_boundary(from)
            || !text.is_char_boundary(to)
        {
            continue;
        }
        escape_html(&text[at..from], &mut out);
        out.push_str("<mark>");
        escape_html(&text[from..to], &mut out);
        out.push_str("</mark>");
        at = to;
    }
    escape_html(&text[at..], &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: Analyzer, query: &str) -> HashSet<String> {
        analyze(&mut analyzer.build(NumberMode::Query), query)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn marks_stemmed_unaccented_and_number_forms() {
        let mut h = Highlighter::default();
        let wanted = MatchTerms {
            french: terms(Analyzer::French, "feminisation etudiant"),
            exact: terms(Analyzer::Exact, "13600"),
            ..MatchTerms::default()
        };
        let text = "Le taux de féminisation <des> 13 600 étudiants.";
        let html = render_html(text, &h.ranges(text, &wanted));
        assert_eq!(
            html,
            "Le taux de <mark>féminisation</mark> &lt;des&gt; <mark>13 600</mark> <mark>étudiants</mark>."
        );
    }

    #[test]
    fn ranges_merge() {
        assert_eq!(
            merge(vec![(5, 8), (0, 3), (2, 4), (8, 9)]),
            vec![(0, 4), (5, 9)]
        );
    }
}
