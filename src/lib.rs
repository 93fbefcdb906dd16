//! Sourcier: a bilingual (French/English) document search and question-answering index.
//!
//! Data flows one way:
//!
//! ```text
//! extract (file → pages of text with headings)
//!   → segment (→ passages with exact character offsets)
//!     → figures (→ the numbers each passage states)
//!       → analysis + index (→ tantivy, French/English/exact fields, figures beside)
//!         → search (query → ranked, highlighted passages)
//!           → answer, context (→ answer sentences; passages packed into a token budget)
//!             → http (axum JSON API) / mcp (tools for chat assistants) / cli (terminal)
//!               / eval (scores)
//! ```
//!
//! `model` (shared vocabulary) and `error` (the one error type) are used by every stage,
//! `links` (a citation's title and URL) by `context` and the front ends; `ingest` drives
//! extract → segment → figures → index over a folder. A module uses only modules before it in
//! this flow (no cycles); `ARCHITECTURE.md` says what each hands on.

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
