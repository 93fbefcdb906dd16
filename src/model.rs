//! Shared vocabulary of the pipeline: languages, document kinds, passages, hits and their
//! citations. Plain data with serde; no behaviour beyond parsing and naming.

use serde::{Deserialize, Serialize};

/// The two languages Sourcier analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Parses an ISO 639-1 code (`fr`, `en`, also `fr-FR`, `en_GB`), case-insensitive.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" | "fra" | "fre" | "french" => Some(Lang::Fr),
            "en" | "eng" | "english" => Some(Lang::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What a source file is, decided by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Pdf,
    Html,
    Markdown,
    Text,
}

impl DocKind {
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Html => "html",
            DocKind::Markdown => "markdown",
            DocKind::Text => "text",
        }
    }

    pub fn parse(name: &str) -> Option<DocKind> {
        match name {
            "pdf" => Some(DocKind::Pdf),
            "html" => Some(DocKind::Html),
            "markdown" => Some(DocKind::Markdown),
            "text" => Some(DocKind::Text),
            _ => None,
        }
    }

    /// The content type the original file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Html => "text/html; charset=utf-8",
            DocKind::Markdown => "text/markdown; charset=utf-8",
            DocKind::Text => "text/plain; charset=utf-8",
        }
    }
}

/// Where a passage comes from: everything a citation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    pub doc_id: String,
    pub title: String,
    /// Path of the original file as given to the ingester (`corpus/…`).
    pub path: String,
    pub url: Option<String>,
    pub kind: DocKind,
    /// 1-based page numbers as a PDF viewer shows them; 1 for single-page kinds.
    pub page_start: u32,
    pub page_end: u32,
    pub section: Option<String>,
    /// Offsets in Unicode scalar values into the extracted text of `page_start`.
    pub char_start: usize,
    pub char_end: usize,
}

/// A passage as stored in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub id: String,
    /// Position of the passage in its document (0-based).
    pub ordinal: u32,
    pub text: String,
    pub lang: Lang,
    pub source: SourceRef,
    /// What the footnotes in the passage annotate: the words before each note's call
    /// (`Carnot Télécom Société numérique` for `20 Partenaires : …`), searched like the
    /// passage's section title.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotates: Vec<String>,
}

/// One ranked search result, as the HTTP API and `search --json` return it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub text: String,
    /// The passage HTML-escaped, with matched words wrapped in `<mark>…</mark>`.
    pub highlight: String,
    pub lang: Lang,
    pub source: SourceRef,
}

/// How convincingly the best passage answers the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchStrength {
    /// Most of the query's words are in the best passage.
    Strong,
    /// Something matched, but the best passage misses most of the query: likely not there.
    Weak,
    /// Nothing matched.
    None,
}

/// A search response, identical in the HTTP API and `search --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResponse {
    pub query: String,
    pub total: usize,
    pub took_ms: f64,
    /// Language the query was analysed as (`null` when too short to tell).
    pub query_lang: Option<Lang>,
    /// "Did you mean": the query with the words the index lacks replaced by the closest
    /// indexed words (`null` when every word is known).
    pub suggestion: Option<String>,
    /// Share (0–1) of the query's words found in the best passage, in any form (stemmed,
    /// unaccented, translated through synonyms).
    pub confidence: f32,
    /// `strong`, `weak` or `none`: a chat front end should say "not found" unless `strong`.
    #[serde(rename = "match")]
    pub strength: MatchStrength,
    pub hits: Vec<Hit>,
    /// Matching passages per document and per language, so a filter's count is known before
    /// it is applied (see [`Facets`]).
    #[serde(default)]
    pub facets: Facets,
}

/// Counts of matching passages per document and per language. Each facet ignores its own
/// filter but honours the other one: with `lang=en`, `docs` counts English matches in every
/// document, and `langs` still shows how many French matches the query has. A query matching
/// more passages than the search ranks in full is counted over its best ones (`complete` is
/// then false): where the best matches lie, at a cost that does not grow with the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    /// Most matches first; at most 50 documents (the filtered one always among them).
    pub docs: Vec<DocFacet>,
    /// Most matches first.
    pub langs: Vec<LangFacet>,
    /// Every match was counted (false: only the best [`crate::search::facets::FACET_POOL`]).
    #[serde(default = "yes")]
    pub complete: bool,
}

fn yes() -> bool {
    true
}

impl Default for Facets {
    fn default() -> Self {
        Facets {
            docs: Vec::new(),
            langs: Vec::new(),
            complete: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocFacet {
    pub doc_id: String,
    pub title: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LangFacet {
    pub lang: Lang,
    pub count: usize,
}

/// An indexed document, as listed by `/api/documents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub id: String,
    pub title: String,
    pub kind: DocKind,
    pub lang: Lang,
    pub pages: u32,
    pub passages: u32,
    pub url: Option<String>,
    pub path: String,
    /// Path inside the corpus folder (how the original file is found again).
    #[serde(default)]
    pub rel_path: String,
    /// SHA-256 of the file content, hex.
    pub sha256: String,
    pub bytes: u64,
    /// What produced the text: `pdf-extract` or `pdftotext` for PDFs, else the kind's name.
    #[serde(default)]
    pub extractor: String,
    /// Pages without text (kept out of the index), when others have text.
    #[serde(default)]
    pub empty_pages: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parses_regional_codes() {
        assert_eq!(Lang::parse("fr-FR"), Some(Lang::Fr));
        assert_eq!(Lang::parse("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }
}

/// What a figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    /// A share; the value is a fraction (32% → 0.32).
    #[serde(rename = "percent")]
    Percent,
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "USD")]
    Usd,
    /// A calendar year (or a range of years, see `value_end`).
    #[serde(rename = "year")]
    Year,
    /// A number of things, named by the figure's `noun`.
    #[serde(rename = "count")]
    Count,
}

impl Unit {
    /// The unit's name in the API, as serde writes it (`percent`, `EUR`, `USD`, `year`,
    /// `count`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Eur => "EUR",
            Unit::Usd => "USD",
            Unit::Year => "year",
            Unit::Count => "count",
        }
    }

    /// Parses a unit as a user types it (`percent`, `%`, `EUR`, `€`, `year`, `count`…).
    pub fn parse(text: &str) -> Option<Unit> {
        match text.trim().to_lowercase().as_str() {
            "percent" | "%" | "pct" | "pourcent" | "pourcentage" => Some(Unit::Percent),
            "eur" | "€" | "euro" | "euros" => Some(Unit::Eur),
            "usd" | "$" | "dollar" | "dollars" => Some(Unit::Usd),
            "year" | "years" | "annee" | "année" | "date" => Some(Unit::Year),
            "count" | "nombre" | "number" => Some(Unit::Count),
            _ => None,
        }
    }

    /// Money and shares: a value written with one of these means that unit only.
    pub fn is_explicit(self) -> bool {
        matches!(self, Unit::Percent | Unit::Eur | Unit::Usd)
    }
}
