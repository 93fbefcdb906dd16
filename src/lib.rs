//! Sourcier: a bilingual (French/English) document search and question-answering index.
//!
//! Data flows one way:
//!
//! ```text
//! extract (file → pages of text with headings)
//!   → segment (→ passages with exact character offsets)
//!     → analysis + index (→ tantivy, French/English/exact fields)
//!       → search (query → ranked, highlighted passages)
//!         → answer, figures, context (→ answers, figure look-ups, a token-budgeted context)
//!           → http (axum JSON API) / mcp (tools for chat assistants) / cli (terminal)
//! ```
//!
//! `model` (shared vocabulary) and `error` (the one error type) are used by every stage,
//! `links` (a citation's title and URL) by `context` and the front ends; `ingest` drives
//! extract → segment → index over a folder.

pub mod analysis;
pub mod answer;
pub mod context;
pub mod error;
pub mod eval;
pub mod extract;
pub mod figures;
pub mod http;
pub mod index;
pub mod ingest;
pub mod links;
pub mod mcp;
pub mod model;
pub mod search;
pub mod segment;

pub use error::{Error, Result};
