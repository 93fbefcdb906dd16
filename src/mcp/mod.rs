//! The Model Context Protocol server: chat assistants (ChatGPT connectors, Claude Desktop and
//! Claude Code, Cursor, …) search the documents, read passages, get answers and trace figures
//! through MCP tools ([`tools`]), each result with a title naming the document and page and a
//! URL opening the source there ([`crate::links`]), kept under a token budget ([`budget`]).
//!
//! Two transports over the same tools: streamable HTTP ([`http_service`], mounted at `/mcp`
//! by the HTTP server) and stdio ([`serve_stdio`], `sourcier mcp`). The HTTP one is stateless:
//! no session is kept, so a restart or a second replica never breaks a client, and each
//! answer is plain JSON.

mod budget;
mod tools;

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool_handler, ErrorData, ServerHandler, ServiceExt};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::error::Error;
use crate::links::Links;
use crate::search::Engine;

/// What the server tells an assistant when it connects.
const INSTRUCTIONS: &str = "Sourcier searches a folder of French and English documents \
(reports as PDF, web pages). Use `context` to ground an answer in one call, or `search` then \
`fetch` to read passages; `ask` for a factual question, `trace_figure` to check a number. Cite \
every fact with the `title` and `url` the tools return: the url opens the source at the page. \
When a result says the documents do not cover something, say so rather than guessing.";

/// The MCP server over one opened index. Cheap to clone: the HTTP transport makes one per
/// request.
#[derive(Clone)]
pub struct Sourcier {
    engine: Arc<Engine>,
    links: Links,
    /// Engine calls running at once, shared with the HTTP API's (see [`engine_slots`]).
    workers: Arc<Semaphore>,
    tool_router: ToolRouter<Sourcier>,
}

/// Slots for engine work: one per core. A search is CPU work; calls beyond the cores wait in
/// arrival order and then run at full speed, rather than all sharing the cores at once.
pub fn engine_slots() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Sourcier {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("sourcier", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

impl Sourcier {
    pub fn new(engine: Arc<Engine>, links: Links, workers: Arc<Semaphore>) -> Sourcier {
        Sourcier {
            engine,
            links,
            workers,
            tool_router: Sourcier::tool_router(),
        }
    }

    /// Runs engine work on the blocking pool and turns its outcome into a tool result: what
    /// the caller got wrong (bad argument, unknown id) is a tool error the assistant reads
    /// and can act on; a fault of Sourcier is a logged JSON-RPC internal error.
    async fn run<F>(&self, work: F) -> Result<CallToolResult, ErrorData>
    where
        F: FnOnce(&Engine, &Links) -> crate::Result<Value> + Send + 'static,
    {
        let engine = Arc::clone(&self.engine);
        let links = self.links.clone();
        let outcome = match Arc::clone(&self.workers).acquire_owned().await {
            // The slot is held by the work itself, until it ends.
            Ok(slot) => tokio::task::spawn_blocking(move || {
                let result = work(&engine, &links);
                drop(slot);
                result
            })
            .await
            .map_err(|e| Error::Internal(format!("tool task failed: {e}")))
            .and_then(|r| r),
            Err(e) => Err(Error::Internal(format!("no worker slot: {e}"))),
        };
        match outcome {
            Ok(value) => Ok(CallToolResult::structured(value)),
            Err(e) if e.is_user_error() => Ok(CallToolResult::error(vec![ContentBlock::text(
                e.to_string(),
            )])),
            Err(e) => {
                tracing::error!(error = %e, "MCP tool failed");
                Err(ErrorData::internal_error(
                    "internal error; see the server log",
                    None,
                ))
            }
        }
    }
}

/// Streamable HTTP, stateless (no session: any replica answers any request) with JSON
/// answers. `allowed_hosts` are the `Host` names accepted (empty: any).
pub fn http_service(
    engine: Arc<Engine>,
    links: Links,
    allowed_hosts: Vec<String>,
    workers: Arc<Semaphore>,
) -> StreamableHttpService<Sourcier, NeverSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(allowed_hosts);
    // Built once: the tool list and its JSON schemas are cloned into each request's server.
    let server = Sourcier::new(engine, links, workers);
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// Serves MCP on stdin/stdout until the client closes it. Stdout carries the protocol only:
/// logs go to stderr.
pub async fn serve_stdio(engine: Arc<Engine>, links: Links) -> std::io::Result<()> {
    let running = Sourcier::new(engine, links, engine_slots())
        .serve(rmcp::transport::stdio())
        .await
        .map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}
