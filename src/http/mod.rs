//! The HTTP API (axum). Handlers parse and validate parameters, call the [`Engine`] on the
//! blocking pool, and return JSON; every error goes through [`ApiError`], so a bad request is a
//! JSON 4xx and only a fault of Sourcier itself is a (logged, generic) 500. `/` is the search
//! page ([`ui`]). [`serve`] wraps the API in [`live`] (re-index without restart) and [`limits`]
//! (what one client may ask).

pub mod limits;
pub mod live;
mod paging;
mod ui;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::answer::{self, AnswerRequest};
use crate::context::{self, ContextRequest};
use crate::error::Error;
use crate::figures::{figure_lookup, FigureQuery, Unit};
use crate::links::Links;
use crate::model::Lang;
use crate::search::{Engine, SearchRequest};

/// Shared state: the engine behind an `Arc`, how links to the sources are written, and the
/// slots for the engine's work.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub links: Links,
    /// Engine calls running at once: one per core, shared with `/mcp`'s tools. A search is
    /// CPU work; sixty-four run together would each take thirty-two times as long and hold
    /// their memory meanwhile, while in a first-come queue each runs at full speed and the
    /// slowest wait least.
    workers: Arc<tokio::sync::Semaphore>,
    /// Run engine work on the async workers (see [`limits::Limits::inline_max_passages`]).
    inline: bool,
}

/// How clients reach the server: the base of the absolute links it hands out, and the `Host`
/// names its MCP endpoint answers (a check against DNS rebinding: a web page elsewhere must
/// not drive a local server through a name that resolves to 127.0.0.1).
#[derive(Debug, Clone)]
pub struct Site {
    pub links: Links,
    /// Empty: any host.
    pub allowed_hosts: Vec<String>,
}

impl Site {
    /// The site of a server bound to `bound`: links to `public_url` when given, else to the
    /// bound address. Loopback names are always allowed, and so are the bound address and the
    /// public URL's host; a server bound to every interface (`0.0.0.0`, with `--public`) and
    /// given no public URL has no name to check against and accepts any.
    pub fn new(bound: SocketAddr, public_url: Option<Links>) -> Site {
        let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        if !bound.ip().is_unspecified() {
            allowed_hosts.push(bound.ip().to_string());
        }
        if let Some(public) = &public_url {
            allowed_hosts.push(public.host().to_string());
        } else if bound.ip().is_unspecified() {
            allowed_hosts.clear();
        }
        Site {
            links: public_url.unwrap_or_else(|| Links::listening_on(bound)),
            allowed_hosts,
        }
    }
}

/// The JSON error body: `{"error": "...", "code": "..."}`.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
    code: String,
}

/// Every handler error.
#[derive(Debug)]
pub struct ApiError(Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError(Error::bad_request(code, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self.0 {
            Error::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, *code, message.clone())
            }
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", self.0.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log".to_string(),
                )
            }
        };
        let body = ErrorBody {
            error: message,
            code: code.to_string(),
        };
        (status, Json(body)).into_response()
    }
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn parse_usize(
    params: &HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            ApiError::bad_request(
                if name.ends_with("limit") {
                    "bad_limit"
                } else {
                    "bad_parameter"
                },
                format!("`{name}` must be a non-negative integer, got {v:?}"),
            )
        }),
    }
}

/// The query parameter `q`, required (the engine says when it is empty).
fn query_param(params: &HashMap<String, String>) -> Result<String, ApiError> {
    params
        .get("q")
        .cloned()
        .ok_or_else(|| ApiError::bad_request("empty_query", "the query parameter `q` is required"))
}

/// Turns query parameters into a validated search request.
fn search_request(params: Params) -> Result<SearchRequest, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let q = query_param(&params)?;
    let lang = lang_param(&params)?;
    let request = SearchRequest {
        limit: parse_usize(&params, "limit", 10)?,
        offset: parse_usize(&params, "offset", 0)?,
        lang,
        doc: text_param(&params, "doc"),
        ..SearchRequest::new(q)
    };
    request.validate()?;
    if request.offset > 10_000 {
        return Err(ApiError::bad_request(
            "bad_offset",
            "`offset` must be at most 10000",
        ));
    }
    Ok(request)
}

/// Runs engine work: on the async worker that took the request on a small index (handing it
/// to another thread and back cost a third of the server's CPU per search there, see
/// docs/query-speed.md), on the blocking pool on a larger one (see
/// [`limits::Limits::inline_max_passages`]).
async fn run_engine<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
{
    let engine = state.engine.clone();
    let slot = state
        .workers
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError(Error::Internal(format!("no worker slot: {e}"))))?;
    if state.inline {
        // as the blocking pool would: a panic is this request's error, not the connection's
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&engine)))
            .map_err(|_| ApiError(Error::Internal("the search failed".into())))?
            .map_err(ApiError);
    }
    // The slot is held by the work itself: a request that times out still occupies its core
    // until the search ends.
    tokio::task::spawn_blocking(move || {
        let result = f(&engine);
        drop(slot);
        result
    })
    .await
    .map_err(|e| ApiError(Error::Internal(format!("search task failed: {e}"))))?
    .map_err(ApiError)
}

async fn search(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let request = search_request(params)?;
    let response = run_engine(&state, move |engine| engine.search(&request)).await?;
    Ok(Json(response).into_response())
}

/// The query parameter `lang`, if given: `fr` or `en`.
fn lang_param(params: &HashMap<String, String>) -> Result<Option<Lang>, ApiError> {
    match params
        .get("lang")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some("fr") => Ok(Some(Lang::Fr)),
        Some("en") => Ok(Some(Lang::En)),
        Some(other) => Err(ApiError::bad_request(
            "bad_lang",
            format!("`lang` must be `fr` or `en`, got {other:?}"),
        )),
    }
}

/// A non-empty, trimmed text parameter.
fn text_param(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params
        .get(name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `GET /api/answer?q=&limit=3&lang=`: the sentences that answer a question.
async fn answer(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let query = query_param(&params)?;
    let request = AnswerRequest {
        query,
        limit: parse_usize(&params, "limit", 3)?,
        lang: lang_param(&params)?,
    };
    let response = run_engine(&state, move |engine| answer::answer(engine, &request)).await?;
    Ok(Json(response).into_response())
}

/// `GET /api/figures?q=&value=&unit=&doc=&limit=`: where figures are stated.
async fn figures(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let unit = match text_param(&params, "unit") {
        None => None,
        Some(u) => Some(Unit::parse(&u).ok_or_else(|| {
            ApiError::bad_request(
                "bad_unit",
                format!("`unit` must be percent, EUR, USD, year or count, got {u:?}"),
            )
        })?),
    };
    let query = FigureQuery {
        q: text_param(&params, "q"),
        value: text_param(&params, "value"),
        unit,
        doc: text_param(&params, "doc"),
        limit: parse_usize(&params, "limit", 20)?,
    };
    let response = run_engine(&state, move |engine| {
        figure_lookup(engine.figures(), |d| engine.has_document(d), &query)
    })
    .await?;
    Ok(Json(response).into_response())
}

/// `GET /api/context?q=&max_tokens=2000&lang=&doc=`: the best passages packed into a token
/// budget, numbered, with their citations.
async fn context(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let query = query_param(&params)?;
    let request = ContextRequest {
        max_tokens: parse_usize(&params, "max_tokens", context::DEFAULT_MAX_TOKENS)?,
        lang: lang_param(&params)?,
        doc: text_param(&params, "doc"),
        ..ContextRequest::new(query)
    };
    let links = state.links.clone();
    let response = run_engine(&state, move |engine| {
        context::context(engine, &links, &request)
    })
    .await?;
    Ok(Json(response).into_response())
}

async fn passage(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let passage = run_engine(&state, move |engine| engine.passage(&id)).await?;
    Ok(Json(passage).into_response())
}

/// One page of `GET /api/documents`: documents and skipped files are two lists, each with its
/// own window (`limit`/`offset` and `skipped_limit`/`skipped_offset`), in manifest order.
#[derive(Serialize)]
struct DocumentsBody<'a> {
    documents: &'a [crate::model::DocumentInfo],
    total: usize,
    offset: usize,
    limit: usize,
    next_offset: Option<usize>,
    skipped: &'a [crate::index::Skipped],
    skipped_total: usize,
    skipped_offset: usize,
    skipped_limit: usize,
    skipped_next_offset: Option<usize>,
}

/// `{prefix}limit` and `{prefix}offset`: the limit between `min_limit` and
/// [`paging::MAX_LIMIT`] (default [`paging::DEFAULT_LIMIT`]), any offset (default 0).
fn page_params(
    params: &HashMap<String, String>,
    prefix: &str,
    min_limit: usize,
) -> Result<(usize, usize), ApiError> {
    let name = format!("{prefix}limit");
    let limit = parse_usize(params, &name, paging::DEFAULT_LIMIT)?;
    if !(min_limit..=paging::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_limit",
            format!(
                "`{name}` must be between {min_limit} and {}, got {limit}",
                paging::MAX_LIMIT
            ),
        ));
    }
    let offset = parse_usize(params, &format!("{prefix}offset"), 0)?;
    Ok((limit, offset))
}

/// `GET /api/documents?limit=100&offset=0&skipped_limit=100&skipped_offset=0`: a page of the
/// indexed documents and a page of the skipped files. `skipped_limit=0` leaves the skipped
/// files out (their count stays in `skipped_total`).
async fn documents(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let (limit, offset) = page_params(&params, "", 1)?;
    let (skipped_limit, skipped_offset) = page_params(&params, "skipped_", 0)?;
    let manifest = state.engine.manifest();
    let documents = paging::page(&manifest.documents, offset, limit);
    let skipped = paging::page(&manifest.skipped, skipped_offset, skipped_limit);
    Ok(Json(DocumentsBody {
        documents: documents.items,
        total: documents.total,
        offset,
        limit,
        next_offset: documents.next_offset,
        skipped: skipped.items,
        skipped_total: skipped.total,
        skipped_offset,
        skipped_limit,
        skipped_next_offset: skipped.next_offset,
    })
    .into_response())
}

/// The original file of an indexed document. The path comes from the index manifest, never
/// from the request.
async fn document_file(
    State(state): State<AppState>,
    Path(doc_id): Path<String>,
) -> Result<Response, ApiError> {
    let (info, path) = state.engine.document_file(&doc_id)?;
    // only the indexed file itself: never a path (or a link) leading out of the corpus
    let root = &state.engine.manifest().corpus_root;
    let inside = tokio::fs::canonicalize(&path)
        .await
        .is_ok_and(|real| real.starts_with(root));
    if !inside {
        tracing::warn!(path = %path.display(), "document file is outside the corpus");
        return Err(ApiError(Error::NotFound {
            what: "file of document",
            id: doc_id.clone(),
        }));
    }
    let content_type = info.kind.content_type();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().replace(['"', '\\'], "_"))
        .unwrap_or_else(|| info.id.clone());
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "indexed file is gone");
        ApiError(Error::NotFound {
            what: "file of document",
            id: doc_id.clone(),
        })
    })?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The OpenAPI 3 description of this API, embedded in the binary.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    documents: usize,
    passages: usize,
}

async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        documents: state.engine.documents().len(),
        passages: state.engine.passage_count(),
    })
}

async fn not_found() -> ApiError {
    ApiError(Error::NotFound {
        what: "route",
        id: "see /openapi.json".into(),
    })
}

/// The router, without a listener: tests call it in process, `serve` binds it. Engine work
/// runs on the async worker when the index has at most `inline_max_passages` passages.
pub fn app(engine: Arc<Engine>, site: &Site, inline_max_passages: usize) -> Router {
    let cors = CorsLayer::new().allow_origin(Any).allow_methods([
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
    ]);
    let workers = crate::mcp::engine_slots();
    Router::new()
        .route("/", get(ui::index))
        .route("/ui/app.js", get(ui::app_js))
        .route("/ui/style.css", get(ui::style_css))
        .route("/api/search", get(search))
        .route("/api/answer", get(answer))
        .route("/api/figures", get(figures))
        .route("/api/context", get(context))
        .route("/api/passages/{id}", get(passage))
        .route("/api/documents", get(documents))
        .route("/api/documents/{doc_id}/file", get(document_file))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .nest_service(
            "/mcp",
            crate::mcp::http_service(
                engine.clone(),
                site.links.clone(),
                site.allowed_hosts.clone(),
                workers.clone(),
            ),
        )
        .fallback(not_found)
        .with_state(AppState {
            inline: engine.passage_count() <= inline_max_passages,
            engine,
            links: site.links.clone(),
            workers,
        })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(10),
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
}

/// How the server runs beyond its address.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub limits: limits::Limits,
    /// `POST /api/admin/reindex`; `None` turns it off.
    pub admin: Option<live::Admin>,
    /// The address clients reach the server at (`--public-url`), when not the bound one.
    pub public_url: Option<Links>,
}

/// Serves with the default limits and no admin API until Ctrl-C or SIGTERM. `on_listening`
/// receives the bound address (port 0 → the real port).
pub async fn serve(
    engine: Arc<Engine>,
    addr: SocketAddr,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    serve_with(engine, addr, ServeOptions::default(), on_listening).await
}

/// The whole service: the swappable API inside the limits.
pub fn service(engine: Arc<Engine>, options: ServeOptions, site: Site) -> Router {
    let guard = limits::Guard::new(options.limits);
    live::app(engine, options.admin, options.limits, site)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            options.limits.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(guard, limits::guard))
}

/// Serves until Ctrl-C or SIGTERM, then stops accepting and finishes the requests in flight.
pub async fn serve_with(
    engine: Arc<Engine>,
    addr: SocketAddr,
    options: ServeOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let stop = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    on_listening(bound);
    let site = Site::new(bound, options.public_url.clone());
    // Without TCP_NODELAY a small response written in two pieces waits for the client's
    // delayed ACK: ~40 ms per request, measured from the search page.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, service(engine, options, site))
        .with_graceful_shutdown(stop)
        .await
}

/// Ctrl-C or SIGTERM. The handlers are registered when this is called, not when the future
/// is first polled: axum polls the shutdown future on a task of its own, which may run after
/// the first requests are served, and a SIGTERM arriving before would kill the process
/// instead of stopping it gracefully (seen in CI on a 2-core machine).
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
