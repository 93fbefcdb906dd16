//! The running server's outer shell: it holds the current API router (over one opened index
//! generation) and swaps in a new one after `POST /api/admin/reindex`, without a restart.
//! Each request clones the router it starts with, so requests in flight finish on the
//! generation they began with. The admin call needs the token given at start-up
//! (`SOURCIER_ADMIN_TOKEN`); without one it is disabled. With `watch`, the server also checks
//! the corpus periodically and re-indexes by itself when it changed.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

use super::limits::Limits;
use crate::ingest::{self, IngestOptions, Quiet};
use crate::search::Engine;

/// What re-indexing needs: the admin call and the watcher.
#[derive(Debug, Clone)]
pub struct Admin {
    /// Compared with the request's `Authorization: Bearer …`; `None`: the admin call is off.
    pub token: Option<String>,
    /// Check the corpus this often and re-index when it changed; `None`: no watching.
    pub watch: Option<Duration>,
    pub corpus: PathBuf,
    pub index: PathBuf,
    pub ingest: IngestOptions,
}

struct Live {
    router: RwLock<Router>,
    site: super::Site,
    /// Carried to each generation's router (see [`Limits::inline_max_passages`]).
    inline_max_passages: usize,
    admin: Option<Admin>,
    /// One re-index at a time from this server.
    reindexing: tokio::sync::Mutex<()>,
}

/// The API over `engine`, swappable by the admin call. API requests that take longer than
/// `limits.timeout` are answered 503; the admin call, which runs a whole ingest, is not cut
/// short.
pub fn app(engine: Arc<Engine>, admin: Option<Admin>, limits: Limits, site: super::Site) -> Router {
    let live = Arc::new(Live {
        router: RwLock::new(super::app(engine, &site, limits.inline_max_passages)),
        site,
        inline_max_passages: limits.inline_max_passages,
        admin,
        reindexing: tokio::sync::Mutex::new(()),
    });
    if let Some(every) = live.admin.as_ref().and_then(|a| a.watch) {
        tokio::spawn(watch(live.clone(), every));
    }
    let current = live.clone();
    let forward = tower::service_fn(move |request: Request<Body>| {
        let router = match current.router.read() {
            Ok(router) => router.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        async move { router.oneshot(request).await }
    });
    let api = Router::new()
        .fallback_service(forward)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.timeout,
        ));
    Router::new()
        .route("/api/admin/reindex", post(reindex))
        .with_state(live)
        .fallback_service(api)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into(), "code": code });
    (status, Json(body)).into_response()
}

impl Live {
    /// Serves `engine` from the next request on.
    fn swap(&self, engine: Engine) {
        let router = super::app(Arc::new(engine), &self.site, self.inline_max_passages);
        match self.router.write() {
            Ok(mut current) => *current = router,
            Err(poisoned) => *poisoned.into_inner() = router,
        }
    }
}

/// Ingests (incrementally) and opens the new generation. Blocking.
fn rebuild(admin: &Admin) -> crate::Result<(ingest::IngestReport, Engine)> {
    let report = ingest::ingest_with(&admin.corpus, &admin.index, &admin.ingest, &Quiet)?;
    let engine = Engine::open(&admin.index)?;
    engine.load_thesaurus();
    Ok((report, engine))
}

/// Every `every`, re-indexes when the corpus no longer matches the index (files added,
/// changed or removed). Failures are logged; the current generation keeps serving.
async fn watch(live: Arc<Live>, every: Duration) {
    let Some(admin) = live.admin.clone() else {
        return;
    };
    loop {
        tokio::time::sleep(every).await;
        let check = admin.clone();
        let stale = tokio::task::spawn_blocking(move || {
            ingest::index_is_stale(&check.corpus, &check.index)
        })
        .await;
        if !matches!(stale, Ok(Ok(true))) {
            continue;
        }
        let _running = live.reindexing.lock().await;
        let job = admin.clone();
        match tokio::task::spawn_blocking(move || rebuild(&job)).await {
            Ok(Ok((report, engine))) => {
                live.swap(engine);
                tracing::info!(files = report.files_indexed, "corpus changed: re-indexed");
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "watch: re-index failed"),
            Err(e) => tracing::warn!(error = %e, "watch: re-index task failed"),
        }
    }
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same_token(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn reindex(State(live): State<Arc<Live>>, headers: HeaderMap) -> Response {
    let Some((admin, token)) = live
        .admin
        .clone()
        .and_then(|a| a.token.clone().map(|t| (a, t)))
    else {
        return error(
            StatusCode::FORBIDDEN,
            "admin_disabled",
            "the admin API is off: start the server with SOURCIER_ADMIN_TOKEN set",
        );
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_token(given.trim(), &token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "bad_token",
            "missing or wrong `Authorization: Bearer <token>`",
        );
    }
    let Ok(_running) = live.reindexing.try_lock() else {
        return error(
            StatusCode::CONFLICT,
            "reindex_running",
            "a re-index is already running",
        );
    };
    let job = tokio::task::spawn_blocking(move || rebuild(&admin)).await;
    match job {
        Ok(Ok((report, engine))) => {
            live.swap(engine);
            Json(report).into_response()
        }
        Ok(Err(e @ crate::Error::Locked { .. })) => {
            error(StatusCode::CONFLICT, "locked", e.to_string())
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "re-index failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("re-index failed: {e}"),
            )
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("re-index task failed: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::same_token;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("s3cret", "s3cret"));
        assert!(!same_token("s3cre", "s3cret"));
        assert!(!same_token("", "s3cret"));
        assert!(!same_token("s3creT", "s3cret"));
    }
}
