//! Context for retrieval-augmented generation: a query → the best passages as one text a
//! language model reads, under a token budget, each numbered (`[1] …`) with a citation it can
//! give back. Passages are taken greedily in rank order; one cut mid-thought (ending on `:` or
//! without closing punctuation, or starting in lowercase) brings its neighbour along; a
//! passage quoted already, or with the same text as one quoted, is left out. Used as is by
//! `GET /api/context` and the MCP `context` tool.

pub mod tokens;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::links::{self, Links};
use crate::model::{Lang, MatchStrength, SourceRef};
use crate::search::{Engine, SearchRequest, MAX_LIMIT};

/// Budget when none is asked for: a few passages, a small share of any model's window.
pub const DEFAULT_MAX_TOKENS: usize = 2000;
/// Largest budget: beyond it a client should page through `search` instead.
pub const MAX_TOKENS: usize = 32_000;
/// Between two numbered passages.
const SEPARATOR: &str = "\n\n";

/// A context as asked for.
#[derive(Debug, Clone)]
pub struct ContextRequest {
    pub query: String,
    pub max_tokens: usize,
    pub lang: Option<Lang>,
    pub doc: Option<String>,
}

impl ContextRequest {
    pub fn new(query: impl Into<String>) -> ContextRequest {
        ContextRequest {
            query: query.into(),
            max_tokens: DEFAULT_MAX_TOKENS,
            lang: None,
            doc: None,
        }
    }
}

/// What `[n]` in the context refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub n: usize,
    /// The passage the search found (see `GET /api/passages/{id}`).
    pub id: String,
    /// Document and pages: `Contrat d’objectifs … · p. 19`.
    pub title: String,
    pub page_start: u32,
    pub page_end: u32,
    pub section: Option<String>,
    /// Opens the source where the quoted text starts.
    pub url: String,
    /// Every passage quoted under this number, in reading order: the one found and the
    /// neighbours added to finish its thought.
    pub passages: Vec<String>,
}

/// The body of `GET /api/context` and the MCP `context` tool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContextResponse {
    pub query: String,
    /// `[1] …\n\n[2] …`
    pub context: String,
    pub citations: Vec<Citation>,
    /// Tokens of `context` (o200k_base), at most the budget.
    pub tokens: usize,
    /// True when a passage found was left out or cut for the budget.
    pub truncated: bool,
    /// The search's verdict: unless `strong`, the documents likely do not say it.
    #[serde(rename = "match")]
    pub strength: MatchStrength,
}

/// A passage, ready to quote.
#[derive(Debug, Clone)]
struct Piece {
    id: String,
    text: String,
    source: SourceRef,
}

/// Does the text stop before its thought ends?
fn ends_mid_thought(text: &str) -> bool {
    const CLOSING: &[char] = &['.', '!', '?', '…', ';', '»', '"', '”', ')'];
    text.trim_end()
        .chars()
        .last()
        .is_some_and(|c| !CLOSING.contains(&c))
}

/// Does the text start inside a sentence begun before it?
fn starts_mid_thought(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(char::is_lowercase)
}

/// Whitespace and case do not make two passages different.
fn fingerprint(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The numbered passages taken so far.
struct Packer<'a> {
    links: &'a Links,
    max_tokens: usize,
    entries: Vec<String>,
    citations: Vec<Citation>,
    used: usize,
    quoted: HashSet<String>,
    texts: HashSet<String>,
    truncated: bool,
}

impl<'a> Packer<'a> {
    fn new(links: &'a Links, max_tokens: usize) -> Packer<'a> {
        Packer {
            links,
            max_tokens,
            entries: Vec::new(),
            citations: Vec::new(),
            used: 0,
            quoted: HashSet::new(),
            texts: HashSet::new(),
            truncated: false,
        }
    }

    fn is_quoted(&self, piece: &Piece) -> bool {
        self.quoted.contains(&piece.id) || self.texts.contains(&fingerprint(&piece.text))
    }

    /// The entry `[n] text` for these pieces, and what it costs with its separator.
    fn entry(&self, pieces: &[Piece]) -> (String, usize) {
        let text: Vec<&str> = pieces.iter().map(|p| p.text.trim()).collect();
        let entry = format!("[{}] {}", self.entries.len() + 1, text.join("\n"));
        let separator = if self.entries.is_empty() { 0 } else { 1 };
        let cost = tokens::count(&entry) + separator;
        (entry, cost)
    }

    /// Takes the pieces under the next number if they fit; `found` is the one the search found.
    fn offer(&mut self, pieces: &[Piece], found: &Piece) -> bool {
        let (entry, cost) = self.entry(pieces);
        if self.used + cost > self.max_tokens {
            return false;
        }
        self.push(entry, cost, pieces, found);
        true
    }

    fn push(&mut self, entry: String, cost: usize, pieces: &[Piece], found: &Piece) {
        let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
            return;
        };
        let source = SourceRef {
            page_start: first.source.page_start,
            page_end: last.source.page_end,
            ..found.source.clone()
        };
        self.citations.push(Citation {
            n: self.entries.len() + 1,
            id: found.id.clone(),
            title: links::title(&source),
            page_start: source.page_start,
            page_end: source.page_end,
            section: found.source.section.clone(),
            url: self.links.source_url(&source),
            passages: pieces.iter().map(|p| p.id.clone()).collect(),
        });
        for p in pieces {
            self.quoted.insert(p.id.clone());
            self.texts.insert(fingerprint(&p.text));
        }
        self.entries.push(entry);
        self.used += cost;
    }

    /// When nothing fitted: the start of the best passage, cut at a word to fill the budget.
    fn cut_first(&mut self, found: &Piece) {
        let room = self.max_tokens.saturating_sub(tokens::count("[1] "));
        let (start, _) = tokens::cut(found.text.trim(), room);
        if !start.is_empty() {
            let piece = Piece {
                text: start.to_string(),
                ..found.clone()
            };
            let (entry, cost) = self.entry(std::slice::from_ref(&piece));
            if cost <= self.max_tokens {
                self.push(entry, cost, &[piece], found);
            }
        }
        self.truncated = true;
    }

    fn finish(mut self, query: String, strength: MatchStrength) -> ContextResponse {
        // Counted entry by entry; the whole is counted again, as the encoding of a
        // concatenation may differ by a token at the joins.
        let mut context = self.entries.join(SEPARATOR);
        let mut count = tokens::count(&context);
        while count > self.max_tokens && self.entries.pop().is_some() {
            self.citations.pop();
            self.truncated = true;
            context = self.entries.join(SEPARATOR);
            count = tokens::count(&context);
        }
        ContextResponse {
            query,
            context,
            citations: self.citations,
            tokens: count,
            truncated: self.truncated,
            strength,
        }
    }
}

/// One passage by id, ready to quote.
fn piece(engine: &Engine, id: &str) -> Result<Piece> {
    let p = engine.passage(id)?.passage;
    Ok(Piece {
        id: p.id,
        text: p.text,
        source: p.source,
    })
}

/// The found passage with the neighbours that finish its thought, in reading order.
fn with_neighbours(engine: &Engine, found: &Piece, packer: &Packer) -> Result<Vec<Piece>> {
    let before = starts_mid_thought(&found.text);
    let after = ends_mid_thought(&found.text);
    if !before && !after {
        return Ok(vec![found.clone()]);
    }
    let around = engine.passage(&found.id)?;
    let neighbour = |id: Option<&String>| -> Result<Option<Piece>> {
        match id {
            Some(id) => Ok(Some(piece(engine, id)?).filter(|p| !packer.is_quoted(p))),
            None => Ok(None),
        }
    };
    let prev = if before {
        neighbour(around.prev_id.as_ref())?
    } else {
        None
    };
    let next = if after {
        neighbour(around.next_id.as_ref())?
    } else {
        None
    };
    Ok(prev
        .into_iter()
        .chain([found.clone()])
        .chain(next)
        .collect())
}

/// The best passages for `request.query` packed into `request.max_tokens`.
pub fn context(
    engine: &Engine,
    links: &Links,
    request: &ContextRequest,
) -> Result<ContextResponse> {
    if request.max_tokens == 0 || request.max_tokens > MAX_TOKENS {
        return Err(Error::bad_request(
            "bad_max_tokens",
            format!("`max_tokens` must be between 1 and {MAX_TOKENS}"),
        ));
    }
    // Passages hold 100 to 300 tokens: enough candidates to fill the budget after
    // duplicates and misfits are dropped.
    let search = SearchRequest {
        limit: (request.max_tokens / 100).clamp(10, MAX_LIMIT),
        lang: request.lang,
        doc: request.doc.clone(),
        ..SearchRequest::new(request.query.clone())
    };
    let response = engine.search(&search)?;
    let mut packer = Packer::new(links, request.max_tokens);
    for hit in response.hits {
        let found = Piece {
            id: hit.id,
            text: hit.text,
            source: hit.source,
        };
        if packer.is_quoted(&found) {
            continue;
        }
        let block = with_neighbours(engine, &found, &packer)?;
        let taken = packer.offer(&block, &found)
            || (block.len() > 1 && packer.offer(std::slice::from_ref(&found), &found));
        if !taken {
            if packer.entries.is_empty() {
                packer.cut_first(&found);
            } else {
                packer.truncated = true;
            }
        }
    }
    Ok(packer.finish(response.query, response.strength))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocKind;

    fn piece(id: &str, text: &str, page: u32) -> Piece {
        Piece {
            id: id.into(),
            text: text.into(),
            source: SourceRef {
                doc_id: "cop".into(),
                title: "Contrat".into(),
                path: "corpus/cop.pdf".into(),
                url: None,
                kind: DocKind::Pdf,
                page_start: page,
                page_end: page,
                section: Some("Égalité".into()),
                char_start: 0,
                char_end: text.chars().count(),
            },
        }
    }

    #[test]
    fn thoughts_cut_midway_are_recognised() {
        assert!(ends_mid_thought("Premier bilan des"));
        assert!(ends_mid_thought("Les objectifs sont :"));
        assert!(!ends_mid_thought("formation continue, etc.  "));
        assert!(starts_mid_thought("ingénieurs en 2027."));
        assert!(!starts_mid_thought("Le taux"));
        assert!(!starts_mid_thought("13 600 étudiants"));
    }

    #[test]
    fn entries_are_numbered_deduplicated_and_kept_in_budget() {
        let links = Links::new("http://127.0.0.1:8080").expect("valid");
        let mut packer = Packer::new(&links, 40);
        let a = piece("a", "Le taux de féminisation atteint 30 %.", 18);
        let b = piece("b", "en 2027 pour les élèves ingénieurs.", 19);
        assert!(packer.offer(&[a.clone(), b.clone()], &b));
        assert!(packer.is_quoted(&a) && packer.is_quoted(&b));
        assert!(packer.is_quoted(&piece("c", "le TAUX de  féminisation atteint 30 %.", 3)));
        let long = piece("d", &"mot ".repeat(100), 4);
        assert!(!packer.offer(std::slice::from_ref(&long), &long));
        let response = packer.finish("taux".into(), MatchStrength::Strong);
        assert_eq!(
            response.context,
            "[1] Le taux de féminisation atteint 30 %.\nen 2027 pour les élèves ingénieurs."
        );
        assert!(response.tokens <= 40);
        let c = &response.citations[0];
        assert_eq!(
            (c.n, c.id.as_str(), c.page_start, c.page_end),
            (1, "b", 18, 19)
        );
        assert_eq!(c.passages, ["a", "b"]);
        assert_eq!(
            c.url,
            "http://127.0.0.1:8080/api/documents/cop/file#page=18"
        );
        assert_eq!(c.title, "Contrat · pp. 18-19");
    }

    #[test]
    fn a_passage_larger_than_the_budget_is_cut() {
        let links = Links::new("http://127.0.0.1:8080").expect("valid");
        let mut packer = Packer::new(&links, 12);
        let long = piece("d", &"financement ".repeat(50), 4);
        assert!(!packer.offer(std::slice::from_ref(&long), &long));
        packer.cut_first(&long);
        let response = packer.finish("x".into(), MatchStrength::Strong);
        assert!(response.truncated);
        assert!(response.tokens <= 12 && response.context.starts_with("[1] financement"));
    }
}
