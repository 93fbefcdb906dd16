//! The fallback PDF extractor: poppler's `pdftotext` (Debian `poppler-utils`), run as a child
//! process with the same time and memory bounds as the pdf-extract worker. Its output is split
//! into pages on form feeds and into paragraphs on blank lines.

use std::path::Path;
use std::process::Command;

use super::normalize::{clean_text, join_lines, Vocabulary};
use super::pdf::PdfError;
use super::process::{run_bounded, Bounds, RunError};
use super::{BlockKind, Extracted, PageText};
use crate::model::DocKind;

/// Where Debian installs it; `None` when absent (the fallback is then off).
pub fn find() -> Option<std::path::PathBuf> {
    let candidates = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"];
    candidates
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.is_file())
}

/// Why the fallback did not give text.
#[derive(Debug)]
pub enum Failure {
    Pdf(PdfError),
    Run(RunError),
}

pub fn extract(program: &Path, file: &Path, bounds: &Bounds) -> Result<Extracted, Failure> {
    let mut command = Command::new(program);
    command
        .args(["-enc", "UTF-8", "-eol", "unix"])
        .arg(file)
        .arg("-");
    let output = run_bounded(command, bounds).map_err(Failure::Run)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // pdftotext exits 1 with "Incorrect password" when the user password is not empty
        if stderr.contains("password") {
            return Err(Failure::Pdf(PdfError::Encrypted));
        }
        let detail = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("pdftotext failed")
            .trim_start_matches("Syntax Error: ")
            .to_string();
        return Err(Failure::Pdf(PdfError::Corrupt(detail)));
    }
    Ok(from_text(&String::from_utf8_lossy(&output.stdout)))
}

/// pdftotext's output (pages ended by form feeds) → pages of paragraphs.
fn from_text(text: &str) -> Extracted {
    let text = text.strip_suffix('\u{c}').unwrap_or(text);
    let vocabulary = Vocabulary::from_lines(text.lines());
    let mut pages = Vec::new();
    for (index, raw) in text.split('\u{c}').enumerate() {
        let mut page = PageText::new(index as u32 + 1);
        let mut lines: Vec<String> = Vec::new();
        for line in raw.lines().chain(std::iter::once("")) {
            if line.trim().is_empty() {
                if !lines.is_empty() {
                    let block = clean_text(&join_lines(&lines, &vocabulary));
                    page.push(BlockKind::Paragraph, &block);
                    lines.clear();
                }
            } else {
                lines.push(line.to_string());
            }
        }
        pages.push(page);
    }
    Extracted {
        kind: DocKind::Pdf,
        title: None,
        lang: None,
        url: None,
        pages,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_feeds_make_pages_and_blank_lines_paragraphs() {
        let doc = from_text("Titre\n\nUn para-\ngraphe ici.\n\u{c}\u{c}Fin.\n\u{c}");
        assert_eq!(doc.pages.len(), 3);
        assert_eq!(doc.pages[0].blocks.len(), 2);
        assert!(doc.pages[1].text.is_empty());
        assert_eq!(doc.pages[2].text, "Fin.");
        assert_eq!(doc.pages[2].number, 3);
    }
}
