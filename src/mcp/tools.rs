//! The tools an assistant calls, their JSON-Schema arguments and their results. `search` and
//! `fetch` have the shapes ChatGPT's connectors and deep research require; the others wrap
//! the answer, figure and context look-ups. Every result is one text item holding JSON, also
//! given as structured content, and stays under `max_tokens`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{schemars, tool, tool_router, ErrorData};
use serde::Deserialize;
use serde_json::{json, Value};

use super::budget::{self, fit};
use super::Sourcier;
use crate::answer::{self, AnswerRequest};
use crate::context::{self, tokens, ContextRequest};
use crate::error::{Error, Result};
use crate::figures::{figure_lookup, FigureQuery, Unit};
use crate::links::{self, Links};
use crate::model::{Lang, SourceRef};
use crate::search::{SearchRequest, MAX_LIMIT};

/// Most documents one `list_documents` call returns.
const MAX_DOCUMENTS: usize = 100;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    /// What to look for, in French or English: words, a question, a figure, a "phrase".
    pub query: String,
    /// Only passages in this language: `fr` or `en`.
    pub lang: Option<String>,
    /// Only passages of this document id (see `list_documents`).
    pub doc: Option<String>,
    /// Number of results, 1 to 100 (default 10).
    pub limit: Option<usize>,
    /// Budget of the result in tokens (default 4000, at most 20000).
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct FetchArgs {
    /// A passage id returned by `search`, `context`, `ask` or `trace_figure`.
    pub id: String,
    /// Budget of the result in tokens (default 4000, at most 20000).
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AskArgs {
    /// The question, in French or English.
    pub question: String,
    /// Only passages in this language: `fr` or `en`.
    pub lang: Option<String>,
    /// Budget of the result in tokens (default 4000, at most 20000).
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TraceArgs {
    /// The figure as written anywhere: `13600`, `13 600`, `13,6 k`, `38 %`, `75 M€`.
    pub value: String,
    /// Only figures with these words around them (`étudiants`, `budget`).
    pub words: Option<String>,
    /// Only figures of this unit: percent, EUR, USD, year or count.
    pub unit: Option<String>,
    /// Only figures of this document id.
    pub doc: Option<String>,
    /// Most places returned, 1 to 1000 (default 20).
    pub limit: Option<usize>,
    /// Budget of the result in tokens (default 4000, at most 20000).
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListArgs {
    /// Documents per call, 1 to 100 (default 50).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous call, to continue the list.
    pub cursor: Option<String>,
    /// Budget of the result in tokens (default 4000, at most 20000).
    pub max_tokens: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ContextArgs {
    /// Words or a question, in French or English.
    pub query: String,
    /// Budget of the context text in tokens (default 2000, at most 20000).
    pub max_tokens: Option<usize>,
    /// Only passages in this language: `fr` or `en`.
    pub lang: Option<String>,
    /// Only passages of this document id.
    pub doc: Option<String>,
}

fn lang(code: Option<&str>) -> Result<Option<Lang>> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => Lang::parse(c).map(Some).ok_or_else(|| {
            Error::bad_request(
                "bad_lang",
                format!("`lang` must be `fr` or `en`, got {c:?}"),
            )
        }),
    }
}

/// A non-empty, trimmed optional argument.
fn text(arg: Option<String>) -> Option<String> {
    arg.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `title` and `url` of a citation.
fn cite(links: &Links, source: &SourceRef) -> (String, String) {
    (links::title(source), links.source_url(source))
}

/// `fetch`'s result: the passage and what is needed to cite it and read around it.
fn fetch(engine: &crate::search::Engine, links: &Links, args: FetchArgs) -> Result<Value> {
    let max = budget::max_tokens(args.max_tokens, budget::DEFAULT_MAX_TOKENS)?;
    let found = engine.passage(args.id.trim())?;
    let p = found.passage;
    let (title, url) = cite(links, &p.source);
    let render = |text: &str, truncated: bool| {
        json!({
            "id": p.id, "title": title, "text": text, "url": url,
            "metadata": {
                "doc_id": p.source.doc_id, "document": p.source.title,
                "page_start": p.source.page_start, "page_end": p.source.page_end,
                "section": p.source.section, "language": p.lang,
                "char_start": p.source.char_start, "char_end": p.source.char_end,
                "prev_id": found.prev_id, "next_id": found.next_id,
            },
            "truncated": truncated,
        })
    };
    let whole = render(&p.text, false);
    if budget::cost(&whole) <= max {
        return Ok(whole);
    }
    let room = max.saturating_sub(budget::cost(&render("", true)));
    let (start, _) = tokens::cut(&p.text, room);
    Ok(render(start, true))
}

/// `ask`'s result: the answering sentences with their citations, or why there is none.
fn ask(engine: &crate::search::Engine, links: &Links, args: AskArgs) -> Result<Value> {
    let max = budget::max_tokens(args.max_tokens, budget::DEFAULT_MAX_TOKENS)?;
    let request = AnswerRequest {
        lang: lang(args.lang.as_deref())?,
        ..AnswerRequest::new(args.question)
    };
    let response = answer::answer(engine, &request)?;
    let answered = !response.answers.is_empty();
    let answers: Vec<Value> = response
        .answers
        .iter()
        .map(|a| {
            let (title, url) = cite(links, &a.source);
            json!({"text": a.text, "confidence": a.confidence, "id": a.passage_id,
                   "title": title, "url": url, "section": a.source.section})
        })
        .collect();
    let closest: Vec<Value> = response
        .passages
        .iter()
        .take(3)
        .map(|h| {
            let (title, url) = cite(links, &h.source);
            json!({"id": h.id, "title": title, "url": url})
        })
        .collect();
    let note = if answered {
        "The first answer is the best; cite its title and url."
    } else {
        "The documents do not answer this question: say so. The closest passages are listed; \
         `fetch` one to check."
    };
    Ok(fit(&answers, max, |start, truncated| {
        json!({"question": response.query, "answered": answered, "answers": start,
               "closest": if answered { &[][..] } else { &closest[..] },
               "note": note, "truncated": truncated})
    }))
}

/// `trace_figure`'s result: every place the figure is stated.
fn trace(engine: &crate::search::Engine, links: &Links, args: TraceArgs) -> Result<Value> {
    let max = budget::max_tokens(args.max_tokens, budget::DEFAULT_MAX_TOKENS)?;
    let unit = match text(args.unit) {
        None => None,
        Some(u) => Some(Unit::parse(&u).ok_or_else(|| {
            Error::bad_request(
                "bad_unit",
                format!("`unit` must be percent, EUR, USD, year or count, got {u:?}"),
            )
        })?),
    };
    let query = FigureQuery {
        q: text(args.words),
        value: Some(args.value),
        unit,
        doc: text(args.doc),
        limit: args.limit.unwrap_or(20),
    };
    let response = figure_lookup(engine.figures(), |d| engine.has_document(d), &query)?;
    let places: Vec<Value> = response
        .figures
        .iter()
        .map(|f| {
            let (title, url) = cite(links, &f.source);
            json!({"figure": f.raw, "sentence": f.sentence, "id": f.passage_id,
                   "title": title, "url": url, "section": f.source.section})
        })
        .collect();
    Ok(fit(&places, max, |start, truncated| {
        json!({"value": response.value, "read_as": response.parsed_value,
               "total": response.total, "places": start, "truncated": truncated})
    }))
}

/// `list_documents`'s result: a page of the indexed documents.
fn list(engine: &crate::search::Engine, links: &Links, args: ListArgs) -> Result<Value> {
    let max = budget::max_tokens(args.max_tokens, budget::DEFAULT_MAX_TOKENS)?;
    let limit = args.limit.unwrap_or(50);
    if !(1..=MAX_DOCUMENTS).contains(&limit) {
        return Err(Error::bad_request(
            "bad_limit",
            format!("`limit` must be between 1 and {MAX_DOCUMENTS}"),
        ));
    }
    // The cursor is the position in the document list, written out: opaque to the client.
    let offset = match text(args.cursor) {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            Error::bad_request(
                "bad_cursor",
                format!("unknown cursor {c:?}: pass next_cursor"),
            )
        })?,
    };
    let documents = engine.documents();
    let total = documents.len();
    let listed: Vec<Value> = documents
        .iter()
        .skip(offset)
        .take(limit)
        .map(|d| {
            json!({"id": d.id, "title": d.title, "kind": d.kind, "language": d.lang,
                   "pages": d.pages, "passages": d.passages, "url": links.document_url(d)})
        })
        .collect();
    Ok(fit(&listed, max, |start, truncated| {
        let next = offset + start.len();
        json!({"documents": start, "total": total, "truncated": truncated,
               "next_cursor": (next < total).then(|| next.to_string())})
    }))
}

#[tool_router(vis = "pub(super)")]
impl Sourcier {
    #[tool(
        description = "Search the documents (French and English reports and web pages) for \
        passages matching a query in either language. Returns {\"results\":[{\"id\",\"title\",\
        \"url\"}]}, best first: `id` is a passage to read with `fetch`, `title` names the \
        document and page, `url` opens the source at that page; cite them.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| {
            let max = budget::max_tokens(args.max_tokens, budget::DEFAULT_MAX_TOKENS)?;
            let request = SearchRequest {
                limit: args.limit.unwrap_or(10).min(MAX_LIMIT),
                lang: lang(args.lang.as_deref())?,
                doc: text(args.doc),
                ..SearchRequest::new(args.query)
            };
            let response = engine.search(&request)?;
            let results: Vec<Value> = response
                .hits
                .iter()
                .map(|h| {
                    let (title, url) = cite(links, &h.source);
                    json!({"id": h.id, "title": title, "url": url})
                })
                .collect();
            Ok(fit(
                &results,
                max,
                |start, truncated| json!({"results": start, "truncated": truncated}),
            ))
        })
        .await
    }

    #[tool(
        description = "Read one passage by the `id` that search, context, ask or trace_figure \
        returned. Returns {id, title, text, url, metadata}: the passage text verbatim, a url \
        opening the source at its page, and in metadata the document, pages, section, \
        language, character offsets, and prev_id/next_id to read the passages around it.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn fetch(
        &self,
        Parameters(args): Parameters<FetchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| fetch(engine, links, args))
            .await
    }

    #[tool(
        description = "Answer a factual question from the documents with the sentence that \
        states it, verbatim, and its citation. Returns {answered, answers:[{text, confidence, \
        id, title, url}]}; when answered is false the documents do not say it: tell the user \
        so rather than guessing.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn ask(
        &self,
        Parameters(args): Parameters<AskArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| ask(engine, links, args))
            .await
    }

    #[tool(
        description = "Find every place the documents state a figure, however it is written \
        (13600, 13 600, 13,6 k; 38 %; 75 M€). Returns {total, places:[{figure, sentence, id, \
        title, url}]}: use it to check a number or show where it comes from; `words` keeps \
        the figures with those words around them.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn trace_figure(
        &self,
        Parameters(args): Parameters<TraceArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| trace(engine, links, args))
            .await
    }

    #[tool(
        description = "List the indexed documents: id (the `doc` filter of search and \
        context), title, kind, language, pages, passages and url. Returns {documents, total, \
        next_cursor}; pass next_cursor as `cursor` to continue.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_documents(
        &self,
        Parameters(args): Parameters<ListArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| list(engine, links, args))
            .await
    }

    #[tool(
        description = "Get the best passages for a query as one text ready to ground an \
        answer, within max_tokens. Returns {context: \"[1] …\\n\\n[2] …\", citations: [{n, id, \
        title, url, page_start, page_end, section}], match}: cite [n] with its title and url; \
        a match other than \"strong\" means the documents likely do not cover the query.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn context(
        &self,
        Parameters(args): Parameters<ContextArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |engine, links| {
            let request = ContextRequest {
                max_tokens: budget::max_tokens(args.max_tokens, context::DEFAULT_MAX_TOKENS)?,
                lang: lang(args.lang.as_deref())?,
                doc: text(args.doc),
                ..ContextRequest::new(args.query)
            };
            Ok(serde_json::to_value(context::context(
                engine, links, &request,
            )?)?)
        })
        .await
    }
}
