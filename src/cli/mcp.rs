//! `sourcier mcp`: the MCP server on stdin/stdout, for assistants that start it themselves
//! (Claude Desktop, Claude Code, Cursor). Stdout carries the protocol only; the ingest report
//! and logs go to stderr.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use sourcier::links::Links;
use sourcier::search::Engine;

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    #[arg(long, default_value = "corpus", env = "SOURCIER_CORPUS")]
    corpus: PathBuf,
    #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
    index: PathBuf,
    /// Base of the links to the sources: where `sourcier serve` is reached, which serves the
    /// PDFs the links open.
    #[arg(
        long,
        env = "SOURCIER_PUBLIC_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
}

pub fn run(args: McpArgs) -> Result<()> {
    let links = Links::new(&args.public_url)?;
    super::ensure_index(
        &args.corpus,
        &args.index,
        &super::IngestArgs::default().options()?,
    )?;
    let engine = Arc::new(Engine::open(&args.index)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(sourcier::mcp::serve_stdio(engine, links))?;
    Ok(())
}
