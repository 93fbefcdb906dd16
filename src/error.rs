//! The crate's one error type, split by cause: what the user asked for, what a source file
//! contains, and what went wrong inside. It knows nothing about HTTP or the terminal; the
//! HTTP layer and the CLI map it to status codes and exit codes.

use std::path::PathBuf;

/// Everything that can go wrong in Sourcier.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong (empty query, bad limit, unknown language…).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },

    /// The thing asked for does not exist (unknown passage or document id).
    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },

    /// A source file could not be turned into text; the ingest skips it and goes on.
    #[error("{path}: {reason}")]
    Extract { path: PathBuf, reason: String },

    /// No usable index at this location.
    #[error("no index at {path}: {reason} (run `sourcier ingest` first)")]
    NoIndex { path: PathBuf, reason: String },

    /// Another process is writing the index.
    #[error("index at {path} is locked by another ingest ({holder}); try again when it ends")]
    Locked { path: PathBuf, holder: String },

    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),

    #[error("query error: {0}")]
    QueryParser(#[from] tantivy::query::QueryParserError),

    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),

    /// A broken invariant inside Sourcier.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Error {
        Error::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// True when the caller, not Sourcier, is at fault.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::BadRequest { .. } | Error::NotFound { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
