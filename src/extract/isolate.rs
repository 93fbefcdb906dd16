//! PDF extraction that a hostile file cannot take down: pdf-extract runs in a child process of
//! the same binary (`sourcier extract-worker FILE`, which writes its result as JSON on stdout),
//! under a time limit and an address-space limit, so a panic, an abort, a stack overflow, an
//! endless loop or a memory blow-up ends that child only. When pdf-extract fails or its text is
//! poor (see [`quality`](super::quality)), poppler's `pdftotext` is tried under the same bounds.
//! The result says which extractor produced the text, or why nothing could be read, in words a
//! person understands.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::pdf::{self, PdfError};
use super::process::{run_bounded, Bounds, RunError};
use super::{pdftotext, quality, Extracted};

/// Where pdf-extract runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// In this process (panics are caught; aborts, loops and memory blow-ups are not). For
    /// library users and tests that have no `sourcier` binary at hand.
    InProcess,
    /// In a child process: this executable (the `sourcier` binary) with `extract-worker`.
    Child(PathBuf),
}

/// How PDFs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    pub isolation: Isolation,
    pub bounds: Bounds,
    /// `pdftotext`, the fallback; `None` turns the fallback off.
    pub pdftotext: Option<PathBuf>,
}

impl Default for PdfOptions {
    fn default() -> PdfOptions {
        PdfOptions {
            isolation: Isolation::InProcess,
            bounds: Bounds::default(),
            pdftotext: pdftotext::find(),
        }
    }
}

impl PdfOptions {
    /// Child-process isolation through the running executable, which must be `sourcier`.
    pub fn isolated() -> std::io::Result<PdfOptions> {
        Ok(PdfOptions {
            isolation: Isolation::Child(std::env::current_exe()?),
            ..PdfOptions::default()
        })
    }
}

/// Which extractor produced a document's text.
pub const PDF_EXTRACT: &str = "pdf-extract";
pub const PDFTOTEXT: &str = "pdftotext";

/// What the worker writes on stdout.
#[derive(Debug, Serialize, Deserialize)]
enum WorkerReply {
    Extracted(Extracted),
    Failed(PdfError),
    Panicked(String),
}

/// Why the first extractor gave nothing.
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Pdf(PdfError),
    TimedOut(Duration),
    OutOfMemory(u64),
    Crashed(String),
}

impl Failure {
    fn reason(&self) -> String {
        match self {
            Failure::Pdf(PdfError::Encrypted) => ENCRYPTED.into(),
            Failure::Pdf(PdfError::Corrupt(detail)) => {
                format!("truncated or corrupt PDF: {detail}")
            }
            Failure::TimedOut(limit) => format!("timed out after {} s", limit.as_secs()),
            Failure::OutOfMemory(mb) => format!("needs more than {mb} MB of memory"),
            Failure::Crashed(detail) => format!("PDF parser crashed: {detail}"),
        }
    }
}

pub const ENCRYPTED: &str = "encrypted (needs a password)";
pub const NO_TEXT_LAYER: &str = "no text layer (scanned image?)";

/// Reads a PDF with pdf-extract (isolated as configured), judges the text, falls back to
/// pdftotext when needed. `Ok((text, extractor))`, or the reason nothing was indexed.
pub fn extract_pdf(
    path: &Path,
    bytes: &[u8],
    options: &PdfOptions,
) -> Result<(Extracted, &'static str), String> {
    let primary = match &options.isolation {
        Isolation::InProcess => match catch_unwind(AssertUnwindSafe(|| pdf::extract(bytes))) {
            Ok(result) => result.map_err(Failure::Pdf),
            Err(panic) => Err(Failure::Crashed(super::panic_message(&*panic))),
        },
        Isolation::Child(exe) => in_child(exe, path, &options.bounds),
    };
    let primary_problem = match &primary {
        Ok(doc) => match quality::poor_reason(doc) {
            None => return Ok((with_empty_pages(doc.clone()), PDF_EXTRACT)),
            Some(why) => Some(why),
        },
        Err(_) => None,
    };
    let fallback = options
        .pdftotext
        .as_deref()
        .map(|program| pdftotext::extract(program, path, &options.bounds));
    if let Some(Err(pdftotext::Failure::Run(e))) = &fallback {
        tracing::debug!(path = %path.display(), "pdftotext did not finish: {e:?}");
    }
    if let Some(why) = &primary_problem {
        tracing::debug!(path = %path.display(), "pdf-extract text is poor ({why}); trying pdftotext");
    }
    match (primary, fallback) {
        (Ok(doc), Some(Ok(alt))) if quality::fallback_is_better(&doc, &alt) => {
            Ok((with_empty_pages(alt), PDFTOTEXT))
        }
        (Ok(doc), _) if doc.word_count() > 0 => Ok((with_empty_pages(doc), PDF_EXTRACT)),
        (Ok(_), _) => Err(NO_TEXT_LAYER.into()),
        (Err(_), Some(Ok(alt))) if alt.word_count() > 0 => Ok((with_empty_pages(alt), PDFTOTEXT)),
        (Err(Failure::Pdf(PdfError::Encrypted)), _)
        | (Err(_), Some(Err(pdftotext::Failure::Pdf(PdfError::Encrypted)))) => {
            Err(ENCRYPTED.into())
        }
        (Err(_), Some(Ok(_))) => Err(NO_TEXT_LAYER.into()),
        (Err(failure), _) => Err(failure.reason()),
    }
}

/// Notes the pages without text (kept out of the index, reported to the user).
fn with_empty_pages(mut doc: Extracted) -> Extracted {
    let empty = quality::empty_pages(&doc);
    if !empty.is_empty() {
        doc.warnings.push(format!("pages without text: {empty:?}"));
    }
    doc
}

/// Runs `exe extract-worker path` and reads its reply.
fn in_child(exe: &Path, path: &Path, bounds: &Bounds) -> Result<Extracted, Failure> {
    let mut command = Command::new(exe);
    command.arg("extract-worker").arg(path);
    let output = run_bounded(command, bounds).map_err(|e| match e {
        RunError::TimedOut(limit) => Failure::TimedOut(limit),
        RunError::Spawn(detail) => {
            Failure::Crashed(format!("could not start the worker: {detail}"))
        }
    })?;
    if output.status.success() {
        return match serde_json::from_slice::<WorkerReply>(&output.stdout) {
            Ok(WorkerReply::Extracted(doc)) => Ok(doc),
            Ok(WorkerReply::Failed(e)) => Err(Failure::Pdf(e)),
            Ok(WorkerReply::Panicked(message)) => Err(Failure::Crashed(message)),
            Err(e) => Err(Failure::Crashed(format!("unreadable worker reply: {e}"))),
        };
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        return Err(Failure::OutOfMemory(bounds.memory_mb));
    }
    if stderr.contains("has overflowed its stack") {
        return Err(Failure::Crashed("stack overflow".into()));
    }
    Err(Failure::Crashed(describe_exit(output.status)))
}

fn describe_exit(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => "SIGABRT",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                _ => "a signal",
            };
            return format!("killed by {name} ({signal})");
        }
    }
    format!("exited with {status}")
}

/// The worker's side: extracts `path` with pdf-extract in this process and writes the reply on
/// stdout. Returns the exit code. Panics are caught and replied; anything worse ends the
/// process, which is the point.
pub fn worker_main(path: &Path) -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    inject_fault(path);
    let reply = match std::fs::read(path) {
        Err(e) => WorkerReply::Failed(PdfError::Corrupt(format!("cannot read: {e}"))),
        Ok(bytes) => match catch_unwind(AssertUnwindSafe(|| pdf::extract(&bytes))) {
            Ok(Ok(doc)) => WorkerReply::Extracted(doc),
            Ok(Err(e)) => WorkerReply::Failed(e),
            Err(panic) => WorkerReply::Panicked(super::panic_message(&*panic)),
        },
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match serde_json::to_writer(&mut lock, &reply) {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

/// Fault injection, so the tests can prove the isolation holds: with
/// `SOURCIER_WORKER_FAULT=KIND:NAME`, the worker misbehaves on files whose name contains NAME
/// (KIND: `hang`, `abort`, `overflow`, `alloc`). Unset, it does nothing.
fn inject_fault(path: &Path) {
    let Ok(spec) = std::env::var("SOURCIER_WORKER_FAULT") else {
        return;
    };
    let Some((kind, name)) = spec.split_once(':') else {
        return;
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if !file_name.is_some_and(|f| f.contains(name)) {
        return;
    }
    match kind {
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        "abort" => std::process::abort(),
        "overflow" => {
            fn deeper(n: u64) -> u64 {
                let pad = std::hint::black_box([n; 64]);
                if pad[0] == u64::MAX {
                    return 0;
                }
                deeper(pad[0] + 1) + pad[1]
            }
            std::hint::black_box(deeper(0));
        }
        "alloc" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                // reserving is enough: the limit is on address space, not on touched pages
                hoard.push(Vec::with_capacity(64 * 1024 * 1024));
                std::hint::black_box(&hoard);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_sentences() {
        assert_eq!(
            Failure::TimedOut(Duration::from_secs(60)).reason(),
            "timed out after 60 s"
        );
        assert_eq!(Failure::Pdf(PdfError::Encrypted).reason(), ENCRYPTED);
        assert!(Failure::Pdf(PdfError::Corrupt("EOF".into()))
            .reason()
            .starts_with("truncated or corrupt PDF: "));
    }
}
