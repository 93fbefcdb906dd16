//! Ingest progress: an indicatif bar on a terminal, plain log lines otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use sourcier::ingest::{FileOutcome, Progress};

pub fn for_terminal() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar(ProgressBar::new(0)))
    } else {
        Box::new(Lines)
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, files: usize) {
        self.0.set_length(files as u64);
        self.0.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }
    fn file_started(&self, path: &str) {
        self.0.set_message(path.to_string());
    }
    fn file_done(&self, path: &str, outcome: &FileOutcome) {
        if let FileOutcome::Skipped { reason } = outcome {
            self.0.println(format!("skipped {path}: {reason}"));
        }
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

struct Lines;

impl Progress for Lines {
    fn start(&self, files: usize) {
        eprintln!("ingesting {files} files");
    }
    fn file_done(&self, path: &str, outcome: &FileOutcome) {
        match outcome {
            FileOutcome::Indexed { passages, pages } => {
                eprintln!("indexed {path}: {passages} passages, {pages} pages")
            }
            FileOutcome::Skipped { reason } => eprintln!("skipped {path}: {reason}"),
        }
    }
}
