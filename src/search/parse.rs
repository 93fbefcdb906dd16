//! Query text → its parts: quoted phrases apart from the free text, and the query-mode
//! analyzers that turn either into tokens.

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{analyze, AnalyzedToken, Analyzer, NumberMode};

/// The query split into quoted phrases and free text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    pub phrases: Vec<String>,
    pub free: String,
}

/// Splits out quoted phrases (`"…"`, `“…”`, `«…»`); an unclosed quote is ignored (its words
/// stay free).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_are_split_out() {
        let p = parse(r#"taux "écoles partenaires" «plan stratégique» 2027"#);
        assert_eq!(p.phrases, ["écoles partenaires", "plan stratégique"]);
        assert_eq!(p.free, "taux 2027");
        assert_eq!(parse(r#"unclosed "quote here"#).free, "unclosed quote here");
    }
}
