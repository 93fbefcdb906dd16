//! The `sourcier` command line: argument parsing (clap) and terminal output. Each subcommand
//! calls the library and prints; nothing here is needed by the engine.

mod mcp;
mod progress;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use sourcier::answer::{self, AnswerRequest, AnswerResponse};
use sourcier::eval;
use sourcier::extract::{BlockKind, Bounds, PdfOptions};
use sourcier::figures::{figure_lookup, FigureQuery, FiguresResponse, Unit};
use sourcier::ingest::{self, IngestOptions, IngestReport};
use sourcier::model::Lang;
use sourcier::search::{Engine, SearchRequest};

/// Sourcier: bilingual (French/English) search over a folder of PDF, HTML, Markdown and text
/// documents. Passages come back ranked, highlighted, with document, page and section.
#[derive(Debug, Parser)]
#[command(name = "sourcier", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// (Re)build the index from every document under a folder, recursively. Unreadable files
    /// are reported with their reason and skipped; the previous index keeps serving until the
    /// new one is complete.
    Ingest {
        /// Folder of documents (PDF, HTML, Markdown, text); `sources.json` in it supplies titles,
        /// languages and URLs.
        #[arg(long, default_value = "corpus", env = "SOURCIER_CORPUS")]
        corpus: PathBuf,
        /// Where the index lives.
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        #[command(flatten)]
        options: IngestArgs,
        /// Print the report (indexed, reused, skipped files with reasons) as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Search the index and print ranked passages: rank, score, document, page, section, and
    /// the passage with the matched words emphasised. Put words in double quotes for a phrase.
    Search {
        /// What to look for, in French or English: words, a question, a figure, a "phrase".
        query: String,
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        /// Number of passages (1–100).
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Only passages in this language.
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Only passages of this document id (see `GET /api/documents`).
        #[arg(long)]
        doc: Option<String>,
        /// Print exactly the JSON body `GET /api/search` returns.
        #[arg(long, conflicts_with = "explain")]
        json: bool,
        /// Show how the query was read (its words, their forms and weights, the question it
        /// asks) and, for each passage, its score broken down by signal.
        #[arg(long)]
        explain: bool,
    },
    /// Answer a question with the sentence of the corpus that answers it (verbatim), its
    /// citation (title, page, section) and the next candidates.
    Ask {
        /// The question, in French or English.
        question: String,
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        /// Number of answers (1–20): the best, then the next candidates.
        #[arg(long, default_value_t = 3)]
        limit: usize,
        /// Only passages in this language.
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Print exactly the JSON body `GET /api/answer` returns.
        #[arg(long)]
        json: bool,
    },
    /// Every place a figure is stated, however it is written (`13 600`, `13600`, `13,6 k`;
    /// `38 %`; `75 M€`), as `title · p. N · section · sentence`.
    Trace {
        /// The figure, as typed.
        value: String,
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        /// Only figures with these words around them.
        #[arg(long)]
        words: Option<String>,
        /// Only figures of this unit: percent, EUR, USD, year, count.
        #[arg(long, value_parser = parse_unit)]
        unit: Option<Unit>,
        /// Only figures of this document id.
        #[arg(long)]
        doc: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print exactly the JSON body `GET /api/figures` returns.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API. Ingests first when the index is missing or older than the corpus.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080", env = "SOURCIER_ADDR")]
        addr: SocketAddr,
        #[arg(long, default_value = "corpus", env = "SOURCIER_CORPUS")]
        corpus: PathBuf,
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        /// Allow an address other than loopback (serving other machines is a deliberate act).
        #[arg(long)]
        public: bool,
        /// The address clients reach the server at, behind a proxy or a name
        /// (`https://search.example.org`): the base of the links to the sources, and a host
        /// name the MCP endpoint accepts. Default: the address it listens on.
        #[arg(long, env = "SOURCIER_PUBLIC_URL", value_name = "URL")]
        public_url: Option<String>,
        /// Requests handled at once; more are refused with 503 and `Retry-After`.
        #[arg(long, default_value_t = 256)]
        max_in_flight: usize,
        /// Check the corpus every SECONDS and re-index (incrementally) when it changed; the
        /// server switches to the new index without a restart.
        #[arg(long, value_name = "SECONDS")]
        watch: Option<u64>,
        #[command(flatten)]
        options: IngestArgs,
    },
    /// Serve the MCP tools (search, fetch, ask, trace_figure, list_documents, context) on
    /// stdin/stdout, for an assistant that starts Sourcier itself (Claude Desktop, Claude
    /// Code, Cursor). Ingests first when the index is missing or older than the corpus.
    Mcp(mcp::McpArgs),
    /// Score the ranking on judged queries: Success@1, Success@5, MRR@10, Recall@10 overall
    /// and per kind, the queries that failed with their top hit, and the time per query; then
    /// answer accuracy@1 on judged questions and figure look-up recall/precision.
    /// Ingests first when the index is missing or older than the corpus.
    Eval {
        /// JSON lines: {"id","query","lang","kind","doc","answers":[...],"note"}.
        #[arg(long, default_value = "tests/eval/queries.jsonl")]
        queries: PathBuf,
        /// JSON lines: {"id","question","lang","kind","doc","answers":[...]}.
        #[arg(long, default_value = "tests/eval/answers.jsonl")]
        answers: PathBuf,
        /// JSON lines: {"id","value","unit","places":[{"doc","page","contains"}]}.
        #[arg(long, default_value = "tests/eval/figures.jsonl")]
        figures: PathBuf,
        #[arg(long, default_value = "corpus", env = "SOURCIER_CORPUS")]
        corpus: PathBuf,
        #[arg(long, default_value = "index", env = "SOURCIER_INDEX")]
        index: PathBuf,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the text Sourcier extracts from one file, page by page, with its headings
    /// (to check what gets indexed).
    Extract { file: PathBuf },
    /// Internal: extract one PDF with pdf-extract and write the result as JSON on stdout. The
    /// ingest runs this in a bounded child process per PDF.
    #[command(hide = true)]
    ExtractWorker { file: PathBuf },
}

/// How files are read during an ingest.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Seconds one PDF may take before it is skipped as `timed out`.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pdf_timeout: u64,
    /// Memory (address space) one PDF extraction may use, in MB.
    #[arg(long, default_value_t = 4096, value_name = "MB")]
    pdf_memory: u64,
    /// Files bigger than this are skipped as `too large`, in MB.
    #[arg(long, default_value_t = 256, value_name = "MB")]
    max_file_size: u64,
    /// Files read, extracted and cut into passages at once (default: one per core, up to 16).
    #[arg(long)]
    jobs: Option<usize>,
    /// Extract PDFs inside the ingest process instead of a bounded child process (faster by
    /// a few milliseconds per PDF; a hostile PDF can then crash or hang the ingest).
    #[arg(long)]
    pdf_in_process: bool,
    /// Never fall back to poppler's `pdftotext` when pdf-extract fails or reads poorly.
    #[arg(long)]
    no_pdftotext: bool,
    /// Extract every file again, even those unchanged since the last ingest.
    #[arg(long)]
    full: bool,
}

impl IngestArgs {
    /// The library's options from what the user typed.
    fn options(&self) -> Result<IngestOptions> {
        let defaults = IngestOptions::default();
        let mut pdf = if self.pdf_in_process {
            PdfOptions::default()
        } else {
            PdfOptions::isolated().context("locating the sourcier executable")?
        };
        pdf.bounds = Bounds {
            timeout: std::time::Duration::from_secs(self.pdf_timeout.max(1)),
            memory_mb: self.pdf_memory.max(64),
        };
        if self.no_pdftotext {
            pdf.pdftotext = None;
        }
        Ok(IngestOptions {
            pdf,
            jobs: self.jobs.unwrap_or(defaults.jobs).max(1),
            max_file_bytes: self.max_file_size.saturating_mul(1024 * 1024),
            incremental: !self.full,
        })
    }
}

impl Default for IngestArgs {
    fn default() -> IngestArgs {
        IngestArgs {
            pdf_timeout: 60,
            pdf_memory: 4096,
            max_file_size: 256,
            jobs: None,
            pdf_in_process: false,
            no_pdftotext: false,
            full: false,
        }
    }
}

fn parse_unit(s: &str) -> Result<Unit, String> {
    Unit::parse(s).ok_or_else(|| format!("expected percent, EUR, USD, year or count, got `{s}`"))
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "fr" => Ok(Lang::Fr),
        "en" => Ok(Lang::En),
        other => Err(format!("expected `fr` or `en`, got `{other}`")),
    }
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Ingest {
            corpus,
            index,
            options,
            json,
        } => {
            let report = run_ingest(&corpus, &index, &options.options()?)?;
            print_report(&report);
            if json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Command::ExtractWorker { file } => {
            let code = sourcier::extract::isolate::worker_main(&file);
            std::process::exit(code);
        }
        Command::Search {
            query,
            index,
            limit,
            lang,
            doc,
            json,
            explain,
        } => {
            let engine = Engine::open(&index)?;
            let request = SearchRequest {
                limit,
                lang,
                doc,
                ..SearchRequest::new(query)
            };
            if explain {
                let explained = engine.explain(&request)?;
                write!(std::io::stdout().lock(), "{explained}")?;
                return Ok(());
            }
            let response = engine.search(&request)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &response)?;
                writeln!(out)?;
            } else {
                print_hits(&mut out, &response, std::io::stdout().is_terminal())?;
            }
            Ok(())
        }
        Command::Ask {
            question,
            index,
            limit,
            lang,
            json,
        } => {
            let engine = Engine::open(&index)?;
            let request = AnswerRequest {
                query: question,
                limit,
                lang,
            };
            let response = answer::answer(&engine, &request)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &response)?;
                writeln!(out)?;
            } else {
                print_answers(&mut out, &response)?;
            }
            Ok(())
        }
        Command::Trace {
            value,
            index,
            words,
            unit,
            doc,
            limit,
            json,
        } => {
            // Figures and the document list only: no passage index, synonyms or dictionary.
            let (manifest, figures) = sourcier::index::open_figures(&index)?;
            let query = FigureQuery {
                q: words,
                value: Some(value),
                unit,
                doc,
                limit,
            };
            let response = figure_lookup(
                &figures,
                |d| manifest.documents.iter().any(|doc| doc.id == d),
                &query,
            )?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &response)?;
                writeln!(out)?;
            } else {
                print_trace(&mut out, &response)?;
            }
            Ok(())
        }
        Command::Serve {
            addr,
            corpus,
            index,
            public,
            public_url,
            max_in_flight,
            watch,
            options,
        } => {
            if !addr.ip().is_loopback() && !public {
                anyhow::bail!(
                    "refusing to listen on {addr}: other machines could reach it; pass --public to mean it"
                );
            }
            let limits = sourcier::http::limits::Limits {
                max_in_flight: max_in_flight.max(1),
                ..Default::default()
            };
            let watch = watch.map(|s| std::time::Duration::from_secs(s.max(1)));
            let public_url = public_url
                .as_deref()
                .map(sourcier::links::Links::new)
                .transpose()?;
            let serve_options = sourcier::http::ServeOptions {
                limits,
                public_url,
                admin: None,
            };
            serve(
                addr,
                &corpus,
                &index,
                &options.options()?,
                serve_options,
                watch,
            )
        }
        Command::Mcp(args) => mcp::run(args),
        Command::Eval {
            queries,
            answers,
            figures,
            corpus,
            index,
            json,
        } => {
            ensure_index(&corpus, &index, &IngestArgs::default().options()?)?;
            let engine = Engine::open(&index)?;
            let queries = eval::load_queries(&queries)?;
            let problems = eval::validate(&queries);
            for p in &problems {
                eprintln!("warning: {p}");
            }
            let answer_cases = eval::load_jsonl(&answers)?;
            let figure_cases = eval::load_jsonl(&figures)?;
            let started = std::time::Instant::now();
            engine.load_thesaurus();
            let report = eval::FullReport {
                thesaurus_ms: started.elapsed().as_secs_f64() * 1000.0,
                ranking: eval::run(&engine, &queries)?,
                answers: eval::answers::run_answers(&engine, &answer_cases)?,
                figures: eval::answers::run_figures(&engine, &figure_cases)?,
            };
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                print_eval(&mut out, &report.ranking, report.thesaurus_ms)?;
                print_answer_eval(&mut out, &report.answers)?;
                print_figure_eval(&mut out, &report.figures)?;
            }
            Ok(())
        }
        Command::Extract { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let doc = sourcier::extract::extract(&file, &bytes)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "kind: {}", doc.kind.name())?;
            writeln!(out, "title: {}", doc.title.as_deref().unwrap_or("-"))?;
            for w in &doc.warnings {
                writeln!(out, "warning: {w}")?;
            }
            for page in &doc.pages {
                writeln!(out, "\n=== page {}", page.number)?;
                for block in &page.blocks {
                    let text = page.block_text(block);
                    match block.kind {
                        BlockKind::Heading(level) => {
                            writeln!(out, "\n{} {text}\n", "#".repeat(level as usize))?
                        }
                        BlockKind::Paragraph => writeln!(out, "{text}")?,
                    }
                }
            }
            Ok(())
        }
    }
}

fn run_ingest(corpus: &Path, index: &Path, options: &IngestOptions) -> Result<IngestReport> {
    let progress = progress::for_terminal();
    let report = ingest::ingest_with(corpus, index, options, progress.as_ref())
        .with_context(|| format!("ingesting {}", corpus.display()))?;
    Ok(report)
}

fn print_report(report: &IngestReport) {
    eprintln!(
        "indexed {} files ({} unchanged, not extracted again): {} passages from {} pages in {:.2} s",
        report.files_indexed,
        report.files_reused,
        report.passages,
        report.pages,
        report.elapsed.as_secs_f64()
    );
    if !report.skipped.is_empty() {
        eprintln!("skipped {} files:", report.skipped.len());
        for s in &report.skipped {
            eprintln!("  {}: {}", s.path, s.reason);
        }
    }
    for w in &report.warnings {
        eprintln!("warning: {}: {}", w.path, w.reason);
    }
    eprintln!("index: {}", report.generation.display());
}

/// Ingests when the index is missing, of another version, or older than the corpus.
fn ensure_index(corpus: &Path, index: &Path, options: &IngestOptions) -> Result<()> {
    if ingest::index_is_stale(corpus, index)? {
        eprintln!(
            "index at {} is missing or older than {}: ingesting",
            index.display(),
            corpus.display()
        );
        let report = run_ingest(corpus, index, options)?;
        print_report(&report);
    }
    Ok(())
}

fn print_eval(
    out: &mut impl Write,
    report: &eval::EvalReport,
    thesaurus_ms: f64,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<14} {:>5} {:>7} {:>7} {:>7} {:>7}",
        "kind", "n", "S@1", "S@5", "MRR@10", "R@10"
    )?;
    let row = |out: &mut dyn Write, name: &str, m: &eval::Metrics| {
        writeln!(
            out,
            "{:<14} {:>5} {:>7.3} {:>7.3} {:>7.3} {:>7.3}",
            name, m.queries, m.success_at_1, m.success_at_5, m.mrr_at_10, m.recall_at_10
        )
    };
    row(out, "overall", &report.overall)?;
    for (kind, m) in &report.per_kind {
        if kind == eval::NEGATIVE {
            writeln!(
                out,
                "{:<14} {:>5} flagged not found: {:.3}",
                kind, m.queries, m.success_at_1
            )?;
        } else {
            row(out, kind, m)?;
        }
    }
    writeln!(
        out,
        "\nanswered queries flagged weak: {} of {}",
        report.answered_flagged_weak, report.overall.queries
    )?;
    writeln!(
        out,
        "time per query: median {:.3} ms, p99 {:.2} ms \
         (the thesaurus was read first, as `serve` does: {:.0} ms)",
        report.median_ms, report.p99_ms, thesaurus_ms
    )?;
    let failed: Vec<_> = report.outcomes.iter().filter(|o| !o.success).collect();
    if !failed.is_empty() {
        writeln!(out, "\nfailed ({}):", failed.len())?;
        for o in failed {
            writeln!(
                out,
                "  {} [{}] {:?} (match {:?}, confidence {:.2})\n      top: {} p.{} {:?}",
                o.id,
                o.kind,
                o.query,
                o.strength,
                o.confidence,
                o.top_doc.as_deref().unwrap_or("-"),
                o.top_page.unwrap_or(0),
                o.top_text.as_deref().unwrap_or("")
            )?;
        }
    }
    let late: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.rank.is_some_and(|r| r > 1))
        .collect();
    if !late.is_empty() {
        writeln!(out, "\nanswer not first ({}):", late.len())?;
        for o in late {
            writeln!(
                out,
                "  {} [{}] {:?} rank {}; top: {} p.{}",
                o.id,
                o.kind,
                o.query,
                o.rank.unwrap_or(0),
                o.top_doc.as_deref().unwrap_or("-"),
                o.top_page.unwrap_or(0)
            )?;
        }
    }
    Ok(())
}

fn print_answer_eval(
    out: &mut impl Write,
    report: &eval::answers::AnswerReport,
) -> std::io::Result<()> {
    writeln!(
        out,
        "\nanswers: {} questions, accuracy@1 {:.3}, accuracy@3 {:.3}",
        report.questions, report.accuracy_at_1, report.accuracy_at_3
    )?;
    for (kind, (n, acc)) in &report.per_kind {
        if kind == eval::NEGATIVE {
            writeln!(out, "  {kind:<10} {n:>4} with no answer: {acc:.3}")?;
        } else {
            writeln!(out, "  {kind:<10} {n:>4} accuracy@1: {acc:.3}")?;
        }
    }
    for o in report.outcomes.iter().filter(|o| !o.success) {
        writeln!(
            out,
            "  failed {} {:?}\n      top ({:.2}, {} p.{}): {:?}",
            o.id,
            o.question,
            o.top_confidence.unwrap_or(0.0),
            o.top_doc.as_deref().unwrap_or("-"),
            o.top_page.unwrap_or(0),
            o.top_answer.as_deref().map(one_line).unwrap_or_default()
        )?;
    }
    Ok(())
}

fn print_figure_eval(
    out: &mut impl Write,
    report: &eval::answers::FigureReport,
) -> std::io::Result<()> {
    writeln!(
        out,
        "\nfigures: {} look-ups, recall {:.3}, precision {:.3}",
        report.lookups, report.recall, report.precision
    )?;
    for o in &report.outcomes {
        if !o.missed.is_empty() || !o.wrong.is_empty() {
            writeln!(
                out,
                "  {} {:?}: missed {:?}, wrong {:?}",
                o.id, o.value, o.missed, o.wrong
            )?;
        }
    }
    Ok(())
}

fn serve(
    addr: SocketAddr,
    corpus: &Path,
    index: &Path,
    options: &IngestOptions,
    serve_options: sourcier::http::ServeOptions,
    watch: Option<std::time::Duration>,
) -> Result<()> {
    ensure_index(corpus, index, options)?;
    let engine = Arc::new(Engine::open(index)?);
    // Read the thesaurus and the tokenizer's vocabulary while the server starts listening: a
    // request that needs them before then waits for them; every other one is answered at once.
    {
        let engine = Arc::clone(&engine);
        std::thread::spawn(move || {
            engine.load_thesaurus();
            sourcier::context::tokens::warm();
        });
    }
    // re-indexing a running server: by the admin call (only with a token) and/or --watch
    let token = std::env::var("SOURCIER_ADMIN_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let admin = (token.is_some() || watch.is_some()).then(|| sourcier::http::live::Admin {
        token,
        watch,
        corpus: corpus.to_path_buf(),
        index: index.to_path_buf(),
        ingest: options.clone(),
    });
    let serve_options = sourcier::http::ServeOptions {
        admin,
        ..serve_options
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(sourcier::http::serve_with(
        engine,
        addr,
        serve_options,
        |bound| {
            // Tests and scripts read this line to learn the port.
            println!("listening on http://{bound}");
            let _ = std::io::stdout().flush();
        },
    ))?;
    Ok(())
}

/// `title · p. N · section`
fn citation(s: &sourcier::model::SourceRef) -> String {
    let page = sourcier::links::pages(s);
    match &s.section {
        Some(section) => format!("{} · {page} · {section}", s.title),
        None => format!("{} · {page}", s.title),
    }
}

/// One line: runs of white space (line breaks inside a table line) become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn print_answers(out: &mut impl Write, response: &AnswerResponse) -> std::io::Result<()> {
    let Some((best, others)) = response.answers.split_first() else {
        writeln!(out, "no answer to {:?} in the index", response.query)?;
        if let Some(hit) = response.passages.first() {
            writeln!(
                out,
                "closest passage: {} ({})",
                citation(&hit.source),
                hit.id
            )?;
        }
        return Ok(());
    };
    writeln!(out, "{}", one_line(&best.text))?;
    writeln!(out, "  — {}", citation(&best.source))?;
    writeln!(
        out,
        "  {} · passage {} · chars {}–{} · confidence {:.2}",
        best.source.path, best.passage_id, best.char_start, best.char_end, best.confidence
    )?;
    if !others.is_empty() {
        writeln!(out, "\nnext candidates:")?;
        for (i, a) in others.iter().enumerate() {
            writeln!(
                out,
                "  {}. [{:.2}] {}",
                i + 2,
                a.confidence,
                one_line(&a.text)
            )?;
            writeln!(out, "     — {}", citation(&a.source))?;
        }
    }
    Ok(())
}

fn print_trace(out: &mut impl Write, response: &FiguresResponse) -> std::io::Result<()> {
    let asked = response.value.as_deref().unwrap_or_default();
    if response.figures.is_empty() {
        writeln!(out, "{asked:?} is stated nowhere in the index")?;
        return Ok(());
    }
    let read = response
        .parsed_value
        .map(|p| match p.unit {
            Some(Unit::Percent) => format!("{}%", p.value * 100.0),
            Some(Unit::Eur) => format!("{} EUR", p.value),
            Some(Unit::Usd) => format!("{} USD", p.value),
            _ => format!("{}", p.value),
        })
        .unwrap_or_default();
    writeln!(
        out,
        "{} stated in {} place{} (read as {read}):",
        asked,
        response.total,
        if response.total == 1 { "" } else { "s" }
    )?;
    for f in &response.figures {
        writeln!(out, "{} · {}", citation(&f.source), one_line(&f.sentence))?;
    }
    if response.total > response.figures.len() {
        writeln!(
            out,
            "… and {} more (--limit)",
            response.total - response.figures.len()
        )?;
    }
    Ok(())
}

/// Terminal rendering of hits: `<mark>` becomes bold (or `**…**` when not a terminal).
fn print_hits(
    out: &mut impl Write,
    response: &sourcier::model::SearchResponse,
    color: bool,
) -> std::io::Result<()> {
    if response.hits.is_empty() {
        writeln!(out, "no passage matches {:?}", response.query)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} passages match {:?} ({:.2} ms)\n",
        response.total, response.query, response.took_ms
    )?;
    let (on, off) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    for (rank, hit) in response.hits.iter().enumerate() {
        let s = &hit.source;
        let page = sourcier::links::pages(s);
        writeln!(
            out,
            "{}. [{:.2}] {} — {}{}",
            rank + 1,
            hit.score,
            s.title,
            page,
            s.section
                .as_deref()
                .map(|x| format!(" — {x}"))
                .unwrap_or_default()
        )?;
        writeln!(out, "   {} ({})", s.path, hit.id)?;
        let text = unescape(&hit.highlight.replace("<mark>", on).replace("</mark>", off));
        for line in text.split("\n\n") {
            writeln!(out, "   {}", line.replace('\n', " "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
