//! What one client may ask of the server, enforced before any handler runs: URL and header
//! sizes, request body size, a cap on requests in flight (the next one gets `503` with
//! `Retry-After` at once instead of waiting in an unbounded queue), and `nosniff` on every
//! response. Limits are JSON errors in the API's usual shape.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::Semaphore;

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests handled at once; more get `503 Service Unavailable` with `Retry-After`.
    pub max_in_flight: usize,
    /// Longest request line target (path and query), in bytes.
    pub max_uri_bytes: usize,
    /// Most headers, and their total size in bytes.
    pub max_headers: usize,
    pub max_header_bytes: usize,
    /// Largest request body (the API takes none beyond the admin call), in bytes.
    pub max_body_bytes: usize,
    /// A request that takes longer is answered `503`.
    pub timeout: Duration,
    /// On an index of up to this many passages, engine work runs on the async worker that
    /// took the request (a search there takes well under a millisecond, less than handing it
    /// to another thread); on a larger one, on the blocking pool, so that a long search never
    /// holds up the other connections a worker serves.
    pub inline_max_passages: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_in_flight: 256,
            max_uri_bytes: 4096,
            max_headers: 64,
            max_header_bytes: 16 * 1024,
            max_body_bytes: 64 * 1024,
            timeout: Duration::from_secs(10),
            inline_max_passages: 50_000,
        }
    }
}

/// The state of the guard middleware.
#[derive(Clone)]
pub struct Guard {
    limits: Limits,
    slots: Arc<Semaphore>,
}

impl Guard {
    pub fn new(limits: Limits) -> Guard {
        Guard {
            limits,
            slots: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
        }
    }
}

fn refuse(status: StatusCode, code: &str, message: String) -> Response {
    let body = serde_json::json!({ "error": message, "code": code });
    (status, Json(body)).into_response()
}

/// Checks the request's size, takes an in-flight slot (or refuses at once), runs the rest of
/// the stack, and marks the response `nosniff`.
pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let limits = &guard.limits;
    let uri_len = request.uri().to_string().len();
    let mut response = if uri_len > limits.max_uri_bytes {
        refuse(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the URL has {uri_len} bytes; the limit is {}",
                limits.max_uri_bytes
            ),
        )
    } else if request.headers().len() > limits.max_headers
        || header_bytes(&request) > limits.max_header_bytes
    {
        refuse(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "at most {} headers and {} bytes of headers",
                limits.max_headers, limits.max_header_bytes
            ),
        )
    } else {
        match guard.slots.clone().try_acquire_owned() {
            Ok(_slot) => next.run(request).await,
            Err(_) => {
                let mut busy = refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "too many requests at once; retry in a second".into(),
                );
                busy.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                busy
            }
        }
    };
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn header_bytes(request: &Request) -> usize {
    request
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum()
}
