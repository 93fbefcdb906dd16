//! File → text with page and heading structure. One extractor per kind (PDF, HTML, Markdown,
//! plain text), chosen by sniffing the content, not the extension. Every extractor hands the
//! next stage the same thing: pages of normalised text, each cut into blocks (headings and
//! paragraphs) whose character offsets index that page's text exactly.

mod html;
pub mod isolate;
mod markdown;
pub mod normalize;
mod pdf;
mod pdf_batch;
mod pdf_prepare;
mod pdftotext;
mod process;
pub mod quality;
mod text;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{DocKind, Lang};
pub use isolate::{Isolation, PdfOptions};
pub use process::Bounds;

/// A block of a page: a heading (level 1–6) or a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockKind {
    Heading(u8),
    Paragraph,
}

/// A block's place in its page's text, in Unicode scalar values (`chars()`), end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub char_start: usize,
    pub char_end: usize,
}

/// The text of one page (PDF) or of the whole document (other kinds: a single page 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// 1-based, as a PDF viewer shows it.
    pub number: u32,
    /// Blocks joined by a blank line.
    pub text: String,
    pub blocks: Vec<Block>,
}

impl PageText {
    pub fn new(number: u32) -> PageText {
        PageText {
            number,
            ..PageText::default()
        }
    }

    /// Appends a block (already normalised, non-empty after trimming).
    pub fn push(&mut self, kind: BlockKind, content: &str) {
        let content = content.trim();
        if content.is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        let char_start = self.blocks.last().map_or(0, |b| b.char_end + 2);
        self.text.push_str(content);
        let char_end = char_start + content.chars().count();
        self.blocks.push(Block {
            kind,
            char_start,
            char_end,
        });
    }

    /// The text of a block.
    pub fn block_text(&self, block: &Block) -> String {
        self.text
            .chars()
            .skip(block.char_start)
            .take(block.char_end - block.char_start)
            .collect()
    }

    pub fn word_count(&self) -> usize {
        self.text.split_whitespace().count()
    }
}

/// What an extractor recovered from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    pub kind: DocKind,
    pub title: Option<String>,
    /// The language the file declares (`<html lang>`), if any.
    pub lang: Option<Lang>,
    /// The canonical URL the file declares, if any.
    pub url: Option<String>,
    pub pages: Vec<PageText>,
    /// Problems that did not stop extraction (e.g. a PDF page that failed), for the report.
    pub warnings: Vec<String>,
}

impl Extracted {
    pub fn word_count(&self) -> usize {
        self.pages.iter().map(PageText::word_count).sum()
    }

    /// All the text, pages separated by a blank line.
    pub fn full_text(&self) -> String {
        let texts: Vec<&str> = self.pages.iter().map(|p| p.text.as_str()).collect();
        texts.join("\n\n")
    }
}

/// Decides what a file is from its first bytes (and, for text, its shape); the extension is
/// only a tie-breaker between Markdown and plain text. `None`: not a kind Sourcier reads.
pub fn sniff(path: &Path, bytes: &[u8]) -> Option<DocKind> {
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Some(DocKind::Pdf);
    }
    if looks_binary(head) {
        return None;
    }
    let lower: Vec<u8> = head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .map(u8::to_ascii_lowercase)
        .collect();
    if lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || (lower.starts_with(b"<")
            && (find(&lower, b"<html").is_some()
                || find(&lower, b"<body").is_some()
                || find(&lower, b"<head").is_some()))
    {
        return Some(DocKind::Html);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("md" | "markdown") => Some(DocKind::Markdown),
        Some("txt" | "text") => Some(DocKind::Text),
        _ => {
            // No telling extension: Markdown if it starts with a heading, text if it reads as text.
            let text = String::from_utf8_lossy(head);
            if text.trim_start().starts_with("# ") {
                Some(DocKind::Markdown)
            } else if std::str::from_utf8(bytes).is_ok() && !bytes.is_empty() {
                Some(DocKind::Text)
            } else {
                None
            }
        }
    }
}

fn looks_binary(head: &[u8]) -> bool {
    head.contains(&0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Extracts one file's content in this process (PDFs with the default [`PdfOptions`]).
/// Never panics: a panic inside a parser becomes an error naming the file. `Ok` means at
/// least some text was recovered.
pub fn extract(path: &Path, bytes: &[u8]) -> Result<Extracted> {
    extract_with(path, bytes, &PdfOptions::default()).map(|(doc, _)| doc)
}

/// Extracts one file's content; PDFs as `pdf` says (isolation, bounds, fallback). Returns the
/// text and the name of the extractor that produced it; errors carry a reason a person
/// understands (`empty file`, `not a supported type`, `encrypted (needs a password)`…).
pub fn extract_with(
    path: &Path,
    bytes: &[u8],
    pdf: &PdfOptions,
) -> Result<(Extracted, &'static str)> {
    let fail = |reason: String| Error::Extract {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.is_empty() {
        return Err(fail("empty file".into()));
    }
    let Some(kind) = sniff(path, bytes) else {
        return Err(fail(
            "not a supported type (not PDF, HTML, Markdown or text)".into(),
        ));
    };
    if kind == DocKind::Pdf {
        return isolate::extract_pdf(path, bytes, pdf).map_err(fail);
    }
    let result = catch_unwind(AssertUnwindSafe(|| match kind {
        DocKind::Html => html::extract(bytes),
        DocKind::Markdown => markdown::extract(bytes),
        _ => text::extract(bytes),
    }));
    let extracted = match result {
        Ok(Ok(e)) => e,
        Ok(Err(reason)) => return Err(fail(reason)),
        Err(panic) => {
            return Err(fail(format!(
                "{} parser crashed: {}",
                kind.name(),
                panic_message(&*panic)
            )))
        }
    };
    if extracted.word_count() == 0 {
        return Err(fail("no text".into()));
    }
    Ok((extracted, kind.name()))
}

/// The message of a caught panic payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_extension() {
        assert_eq!(
            sniff(Path::new("a.txt"), b"%PDF-1.7\n..."),
            Some(DocKind::Pdf)
        );
        assert_eq!(
            sniff(Path::new("page.bin"), b"\n<!DOCTYPE html><html></html>"),
            Some(DocKind::Html)
        );
        assert_eq!(
            sniff(Path::new("notes"), b"# Title: x\n\nbody"),
            Some(DocKind::Markdown)
        );
        assert_eq!(
            sniff(Path::new("a.md"), b"plain words"),
            Some(DocKind::Markdown)
        );
        assert_eq!(sniff(Path::new("a.png"), b"\x89PNG\r\n\x1a\n\0\0"), None);
    }

    #[test]
    fn page_offsets_index_the_text() {
        let mut page = PageText::new(1);
        page.push(BlockKind::Heading(1), "Équipe");
        page.push(BlockKind::Paragraph, "  Un café à Paris. ");
        page.push(BlockKind::Paragraph, "   ");
        assert_eq!(page.text, "Équipe\n\nUn café à Paris.");
        assert_eq!(page.blocks.len(), 2);
        assert_eq!(page.block_text(&page.blocks[1]), "Un café à Paris.");
    }

    #[test]
    fn empty_and_binary_files_are_errors() {
        assert!(extract(Path::new("e.pdf"), b"").is_err());
        assert!(extract(Path::new("x.bin"), b"\0\x01\x02").is_err());
    }

    mod fuzz {
        //! Property tests over the HTML, Markdown and text extractors, called directly (not
        //! through `extract`'s panic guard): whatever the bytes, no panic, and every block's
        //! offsets index its page's text. `PROPTEST_CASES=200000` runs them for minutes.

        use super::super::{html, markdown, text, Extracted};
        use crate::segment::{segment, SegmentConfig};
        use proptest::prelude::*;

        /// One piece of a document, as extractors meet them in real files: a token of the
        /// format's markup, printable text, or junk (fewer than `max_bytes` raw bytes).
        fn piece(tokens: Vec<&'static str>, max_bytes: usize) -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                prop::sample::select(tokens).prop_map(|s| s.as_bytes().to_vec()),
                "[\\PC]{0,30}".prop_map(|s| s.into_bytes()),
                prop::collection::vec(any::<u8>(), 0..max_bytes),
            ]
        }

        fn html_piece() -> impl Strategy<Value = Vec<u8>> {
            piece(
                vec![
                    "<p>",
                    "</p>",
                    "<h1>",
                    "</h1>",
                    "<h3 class=x>",
                    "</h3>",
                    "<div>",
                    "</div>",
                    "<main>",
                    "</main>",
                    "<article>",
                    "<nav>",
                    "</nav>",
                    "<script>",
                    "</script>",
                    "<style>",
                    "</style>",
                    "<table><tr><td>",
                    "</td><td>",
                    "</tr></table>",
                    "<ul><li>",
                    "</li></ul>",
                    "<br>",
                    "<br/>",
                    "<title>",
                    "</title>",
                    "<html lang=\"fr\">",
                    "<html lang=en-GB>",
                    "<meta charset=\"iso-8859-1\">",
                    "<meta charset=windows-1252>",
                    "<meta charset=utf-8>",
                    "<meta charset=bogus>",
                    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
                    "<link rel=canonical href=\"https://x.fr/a\">",
                    "<!-- c -->",
                    "<!--",
                    "<![CDATA[x]]>",
                    "&amp;",
                    "&#x26;",
                    "&#0;",
                    "&#xFFFFFF;",
                    "&nbsp;",
                    "&bogus",
                    "\u{a0}",
                    "\u{202f}",
                    "\u{ad}",
                    "\u{feff}",
                    "\u{200b}",
                    "\r\n",
                    "\n\n",
                    "\t",
                    "<",
                    ">",
                    "</",
                    "<p",
                    "\"",
                    "'",
                ],
                12,
            )
        }

        fn markdown_piece() -> impl Strategy<Value = Vec<u8>> {
            piece(
                vec![
                    "# ",
                    "## ",
                    "###### ",
                    "####### ",
                    "Title: ",
                    "- ",
                    "* ",
                    "1. ",
                    "> ",
                    "```\n",
                    "~~~",
                    "    code",
                    "|a|b|\n|-|-|\n|1|2|\n",
                    "**",
                    "_",
                    "`",
                    "[x](http://y)",
                    "![i](j.png)",
                    "<div>",
                    "</div>",
                    "<!--",
                    "---\n",
                    "\n",
                    "\n\n",
                    "\\",
                    "&amp;",
                    "[^1]",
                    "[^1]: note\n",
                ],
                8,
            )
        }

        /// Blocks in order, inside the text, each a trimmed non-empty slice of it; passages
        /// cut from the document map back to their page's text.
        fn check(doc: &Extracted) -> Result<(), TestCaseError> {
            for page in &doc.pages {
                let len = page.text.chars().count();
                let mut previous_end = 0;
                for block in &page.blocks {
                    prop_assert!(block.char_start >= previous_end);
                    prop_assert!(block.char_start < block.char_end && block.char_end <= len);
                    let text = page.block_text(block);
                    prop_assert_eq!(text.trim(), text.as_str());
                    previous_end = block.char_end;
                }
            }
            for passage in segment(doc, &SegmentConfig::default()) {
                let page = doc.pages.iter().find(|p| p.number == passage.page);
                prop_assert!(page.is_some());
                let slice: String = page
                    .map(|p| {
                        p.text
                            .chars()
                            .skip(passage.char_start)
                            .take(passage.char_end - passage.char_start)
                            .collect()
                    })
                    .unwrap_or_default();
                prop_assert_eq!(slice, passage.text);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn html_extraction_never_panics_and_keeps_offsets(
                pieces in prop::collection::vec(html_piece(), 0..80)
            ) {
                if let Ok(doc) = html::extract(&pieces.concat()) {
                    check(&doc)?;
                }
            }

            #[test]
            fn markdown_extraction_never_panics_and_keeps_offsets(
                pieces in prop::collection::vec(markdown_piece(), 0..80)
            ) {
                if let Ok(doc) = markdown::extract(&pieces.concat()) {
                    check(&doc)?;
                }
            }

            #[test]
            fn text_extraction_never_panics_and_keeps_offsets(
                bytes in prop::collection::vec(any::<u8>(), 0..2000)
            ) {
                if let Ok(doc) = text::extract(&bytes) {
                    check(&doc)?;
                }
            }
        }
    }
}
