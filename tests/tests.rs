//! Sourcier's one integration-test binary: it drives the real `sourcier` binary and a real
//! HTTP server on 127.0.0.1:0 over the real default corpus.

mod answers;
mod browser;
mod cli;
mod context;
mod extraction;
mod http;
mod mcp;
mod relevance;
mod reliability;
mod scale;
mod server;
mod util;
