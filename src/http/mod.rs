//! The HTTP API (axum). Handlers parse and validate parameters, call the [`Engine`] on the
//! blocking pool, and return JSON; every error goes through [`ApiError`], so a bad request is a
//! JSON 4xx and only a fault of Sourcier itself is a (logged, generic) 500. `/` is the search
//! page ([`ui`]).

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

use crate::error::Error;
use crate::model::Lang;
use crate::search::{Engine, SearchRequest};

/// Shared state: the engine behind an `Arc`.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
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
                if name == "limit" {
                    "bad_limit"
                } else {
                    "bad_parameter"
                },
                format!("`{name}` must be a non-negative integer, got {v:?}"),
            )
        }),
    }
}

/// Turns query parameters into a validated search request.
fn search_request(params: Params) -> Result<SearchRequest, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let q = params.get("q").cloned().ok_or_else(|| {
        ApiError::bad_request("empty_query", "the query parameter `q` is required")
    })?;
    let lang = match params
        .get("lang")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(code) => Some(match code {
            "fr" => Lang::Fr,
            "en" => Lang::En,
            other => {
                return Err(ApiError::bad_request(
                    "bad_lang",
                    format!("`lang` must be `fr` or `en`, got {other:?}"),
                ))
            }
        }),
    };
    let request = SearchRequest {
        query: q,
        limit: parse_usize(&params, "limit", 10)?,
        offset: parse_usize(&params, "offset", 0)?,
        lang,
        doc: params
            .get("doc")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
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

/// Runs engine work off the async threads.
async fn blocking<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
{
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| ApiError(Error::Internal(format!("search task failed: {e}"))))?
        .map_err(ApiError)
}

async fn search(State(state): State<AppState>, params: Params) -> Result<Response, ApiError> {
    let request = search_request(params)?;
    let response = blocking(&state, move |engine| engine.search(&request)).await?;
    Ok(Json(response).into_response())
}

async fn passage(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let passage = blocking(&state, move |engine| engine.passage(&id)).await?;
    Ok(Json(passage).into_response())
}

#[derive(Serialize)]
struct DocumentsBody<'a> {
    documents: &'a [crate::model::DocumentInfo],
    skipped: &'a [crate::index::Skipped],
}

async fn documents(State(state): State<AppState>) -> Response {
    let manifest = state.engine.manifest();
    Json(DocumentsBody {
        documents: &manifest.documents,
        skipped: &manifest.skipped,
    })
    .into_response()
}

/// The original file of an indexed document. The path comes from the index manifest, never
/// from the request.
async fn document_file(
    State(state): State<AppState>,
    Path(doc_id): Path<String>,
) -> Result<Response, ApiError> {
    let (info, path) = state.engine.document_file(&doc_id)?;
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
        id: "see /, /api/search, /api/passages/{id}, /api/documents, /healthz".into(),
    })
}

/// The router, without a listener: tests call it in process, `serve` binds it.
pub fn app(engine: Arc<Engine>) -> Router {
    let cors = CorsLayer::new().allow_origin(Any).allow_methods([
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
    ]);
    Router::new()
        .route("/", get(ui::index))
        .route("/ui/app.js", get(ui::app_js))
        .route("/ui/style.css", get(ui::style_css))
        .route("/api/search", get(search))
        .route("/api/passages/{id}", get(passage))
        .route("/api/documents", get(documents))
        .route("/api/documents/{doc_id}/file", get(document_file))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(AppState { engine })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(10),
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
}

/// Serves until Ctrl-C or SIGTERM. `on_listening` receives the bound address (port 0 → the
/// real port).
pub async fn serve(
    engine: Arc<Engine>,
    addr: SocketAddr,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_listening(listener.local_addr()?);
    // Without TCP_NODELAY a small response written in two pieces waits for the client's
    // delayed ACK: ~40 ms per request, measured from the search page (see README).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(engine))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
