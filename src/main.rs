//! The `sourcier` binary: parse the command line, set up logging, run, map errors to an exit
//! code. The commands and their terminal output are in `cli`; the engine is the library.

use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc rather than glibc's malloc: searches are ~35 % faster in process; the server holds
/// 20–40 MB more (docs/query-speed.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Warnings and errors by default. pdf-extract's own warnings (an unknown glyph name, once per
/// page and font) are diagnostics of its decoding, not of the user's files: Sourcier reports a
/// PDF's unreadable pages itself. `SOURCIER_LOG` overrides this.
const DEFAULT_LOG: &str = "warn,pdf_extract=error";

/// Transparent huge pages off for this process. mimalloc asks the kernel for huge pages on its
/// heap, and the first touch of each one makes the kernel zero 2 MB at once: on a virtual
/// machine that stalled the query doing it by 5–8 ms, several times per `sourcier eval` and on
/// a server's first requests, while the heap is a few megabytes and gains nothing from them
/// (docs/query-speed.md, "huge pages"). A kernel without the setting ignores it.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's page
    // policy; its result is not needed (an old kernel refuses it and nothing changes).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SOURCIER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG)),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
