//! Highlighting: which byte ranges of a passage matched the query (data), and their rendering
//! as HTML with `<mark>` (a separate step). Matching re-runs the index analyzers over the
//! passage, so stemmed, unaccented and number-joined forms light up the words as written.

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{analyze, Analyzer, NumberMode};

/// The analysed query terms to look for, per analyzer.
#[derive(Debug, Default, Clone)]
pub struct MatchTerms {
    pub french: HashSet<String>,
    pub english: HashSet<String>,
    pub exact: HashSet<String>,
}

/// Index-mode analyzers kept around for highlighting.
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

impl Highlighter {
    /// Byte ranges of `text` that match, sorted and merged.
    pub fn ranges(&mut self, text: &str, terms: &MatchTerms) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        for (analyzer, wanted) in [
            (&mut self.french, &terms.french),
            (&mut self.english, &terms.english),
            (&mut self.exact, &terms.exact),
        ] {
            if wanted.is_empty() {
                continue;
            }
            for token in analyze(analyzer, text) {
                if wanted.contains(&token.text) {
                    ranges.push((token.from, token.to));
                }
            }
        }
        merge(ranges)
    }
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
