//! PDF → pages of text. pdf-extract decodes the glyphs; this module drives it one page at a
//! time through its `OutputDev` interface (so a page that fails or panics is reported and the
//! following pages are still read — its `*_by_pages` helpers stop silently at the first failure)
//! and rebuilds lines, paragraphs and headings from glyph positions and font sizes.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use pdf_extract::{
    ColorSpace, Document, MediaBox, Object, OutputDev, OutputError, Path, Transform,
};
use serde::{Deserialize, Serialize};

use super::normalize::{clean_text, is_bullet, join_lines, Vocabulary};
use super::pdf_batch::{self, Run};
use super::{BlockKind, Extracted, PageText};
use crate::model::DocKind;

/// One glyph as pdf-extract places it, in page coordinates with y growing downwards (once
/// [`place`]d on its page; pdf-extract's own baseline until then).
#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    end_x: f64,
    size: f64,
    text: String,
}

/// A line of text rebuilt from glyphs.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    y: f64,
    x0: f64,
    x1: f64,
    size: f64,
}

/// Collects the glyphs of one page, or of a run of pages drawn on one synthetic page.
#[derive(Default)]
struct GlyphCollector {
    page_height: f64,
    glyphs: Vec<Glyph>,
    /// How many glyphs had been collected at each mark between the pages of a run.
    marks: Vec<usize>,
}

impl OutputDev for GlyphCollector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.page_height = media_box.ury - media_box.lly;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // Same geometry as pdf-extract's PlainTextOutput; `place` flips the page so y grows down.
        let x = trm.m31;
        let y = trm.m32;
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let size = (font_size * scale).abs().max(0.1);
        self.glyphs.push(Glyph {
            x,
            y,
            end_x: x + width * size,
            size,
            text: char.to_string(),
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn fill(
        &mut self,
        _ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        if pdf_batch::is_mark(&path.ops) {
            self.marks.push(self.glyphs.len());
        }
        Ok(())
    }
}

/// Puts glyphs on a page of the given height, y growing downwards.
fn place(glyphs: &mut [Glyph], page_height: f64) {
    for g in glyphs {
        g.y = page_height - g.y;
    }
}

/// Groups glyphs (in content-stream order) into lines, inserting spaces at visual gaps.
fn glyphs_to_lines(glyphs: &[Glyph]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Option<Line> = None;
    for g in glyphs {
        if let Some(line) = current.as_mut() {
            let same_line = (g.y - line.y).abs() <= g.size.max(line.size) * 0.5
                && g.x >= line.x1 - g.size * 2.0;
            if same_line {
                if g.x > line.x1 + g.size * 0.12 && !line.text.ends_with(' ') {
                    line.text.push(' ');
                }
                line.text.push_str(&g.text);
                line.x1 = line.x1.max(g.end_x);
                if !g.text.trim().is_empty() {
                    line.size = line.size.max(g.size);
                }
                continue;
            }
            if let Some(done) = current.take() {
                lines.push(done);
            }
        }
        current = Some(Line {
            text: g.text.clone(),
            y: g.y,
            x0: g.x,
            x1: g.end_x,
            size: if g.text.trim().is_empty() {
                0.0
            } else {
                g.size
            },
        });
    }
    lines.extend(current);
    lines
        .into_iter()
        .filter(|l| !l.text.trim().is_empty())
        .collect()
}

/// A page number or similar furniture alone on a line at the top or bottom of the page.
fn is_page_furniture(text: &str) -> bool {
    let t = text.trim();
    let t = t
        .strip_prefix("Page ")
        .or_else(|| t.strip_prefix("page "))
        .unwrap_or(t);
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '/' || c == ' ')
}

fn starts_with_bullet(text: &str) -> bool {
    let t = text.trim_start();
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if is_bullet(c) => true,
        Some('–' | '—' | '-' | '*') => chars.next() == Some(' '),
        _ => false,
    }
}

/// The PDF's `/Info /Title`, decoded (UTF-16 with BOM, else PDFDocEncoding ≈ Latin-1).
fn metadata_title(doc: &Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => doc.get_object(*id).ok()?,
        other => other,
    };
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    let bytes = match title {
        Object::String(bytes, _) => bytes.clone(),
        Object::Reference(id) => match doc.get_object(*id).ok()? {
            Object::String(bytes, _) => bytes.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let text = if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(utf8) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(utf8).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    };
    let text = clean_text(&text);
    (!text.is_empty()).then_some(text)
}

/// Why pdf-extract could not read a PDF at all (page-level failures are warnings instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PdfError {
    /// Encrypted, and the empty user password does not open it (for pdf-extract at least).
    Encrypted,
    /// Not parseable as a PDF: truncated, damaged, or not a PDF behind its header.
    Corrupt(String),
}

pub fn extract(bytes: &[u8]) -> Result<Extracted, PdfError> {
    extract_in_runs(bytes, PAGES_PER_RUN)
}

/// [`extract`], reading at most `longest` pages in one pass.
fn extract_in_runs(bytes: &[u8], longest: usize) -> Result<Extracted, PdfError> {
    let mut doc = Document::load_mem(bytes).map_err(|e| PdfError::Corrupt(e.to_string()))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(PdfError::Encrypted);
    }
    let title = metadata_title(&doc);
    let page_numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    if page_numbers.is_empty() {
        return Err(PdfError::Corrupt("no pages".into()));
    }
    super::pdf_prepare::prepare(&mut doc);
    let runs = pdf_batch::plan(&mut doc, &page_numbers, longest);
    let mut warnings = Vec::new();
    let mut page_lines: Vec<(u32, Vec<Line>)> = Vec::with_capacity(page_numbers.len());
    let pages = read_pages(&doc, &page_numbers, &runs);
    for (index, (glyphs, problem)) in pages.into_iter().enumerate() {
        // Pages are numbered as a viewer shows them: by position, from 1.
        let shown = index as u32 + 1;
        if let Some(problem) = problem {
            warnings.push(format!("page {shown}: {problem}"));
        }
        page_lines.push((shown, glyphs_to_lines(&glyphs)));
    }
    let pages = build_pages(page_lines);
    Ok(Extracted {
        kind: DocKind::Pdf,
        title,
        lang: None,
        url: None,
        pages,
        warnings,
    })
}

/// What pdf-extract made of one page: its glyphs (those read before a failure, if any), and
/// what went wrong.
type PageRead = (Vec<Glyph>, Option<String>);

/// Reads the pages `numbers` of `doc`, in order, a run of pages at a time (see
/// [`pdf_batch`]). Runs are independent for pdf-extract, so a long document is shared among
/// threads (one per core): the first free thread takes the next run. Each thread gets the main
/// thread's stack size, so a page that parses on one thread parses on any.
fn read_pages(doc: &Document, numbers: &[u32], runs: &[Run]) -> Vec<PageRead> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(numbers.len().div_ceil(PAGES_PER_THREAD))
        .min(runs.len());
    if threads <= 1 {
        return runs
            .iter()
            .flat_map(|run| read_run(doc, numbers, run))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut pages: Vec<Option<PageRead>> = numbers.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(PAGE_THREAD_STACK)
                    .spawn_scoped(scope, || {
                        let mut mine = Vec::new();
                        loop {
                            let Some(run) = runs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                                return mine;
                            };
                            mine.push((run.first, read_run(doc, numbers, run)));
                        }
                    })
            })
            .collect();
        for worker in workers {
            // a thread that could not start, or died outside a page: its pages are read below
            if let Ok(Ok(mine)) = worker.map(|handle| handle.join()) {
                for (first, read) in mine {
                    for (page, slot) in read.into_iter().zip(&mut pages[first..]) {
                        *slot = Some(page);
                    }
                }
            }
        }
    });
    pages
        .into_iter()
        .zip(numbers)
        .map(|(page, &number)| page.unwrap_or_else(|| read_page(doc, number)))
        .collect()
}

/// Fewer pages than this per thread are not worth a thread.
const PAGES_PER_THREAD: usize = 8;

/// Most pages read in one pass. Each run builds its fonts once; shorter runs share a document
/// among threads more evenly.
const PAGES_PER_RUN: usize = 16;

/// The stack of a page-reading thread: that of a process's main thread on Linux, which is
/// where pages were read before they were shared among threads.
const PAGE_THREAD_STACK: usize = 8 * 1024 * 1024;

/// Reads the pages of one run: in one pass when it can, else page by page.
fn read_run(doc: &Document, numbers: &[u32], run: &Run) -> Vec<PageRead> {
    read_together(doc, run).unwrap_or_else(|| {
        numbers[run.first..run.first + run.len()]
            .iter()
            .map(|&number| read_page(doc, number))
            .collect()
    })
}

/// Reads a run's pages in one pass through its synthetic page; `None` when the run has none,
/// or the pass failed or did not show every page.
fn read_together(doc: &Document, run: &Run) -> Option<Vec<PageRead>> {
    let synthetic = run.page?;
    let mut collector = GlyphCollector::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc_page(doc, &mut collector, synthetic)
    }));
    let complete = matches!(outcome, Ok(Ok(())))
        && collector.marks.len() == run.len()
        && collector.marks.last() == Some(&collector.glyphs.len());
    complete.then(|| split_run(collector, &run.heights))
}

/// Cuts a run's glyphs at its marks, one page each, placed on that page.
fn split_run(collector: GlyphCollector, heights: &[f64]) -> Vec<PageRead> {
    let mut glyphs = collector.glyphs.into_iter();
    let mut start = 0;
    let mut pages = Vec::with_capacity(heights.len());
    for (&end, &height) in collector.marks.iter().zip(heights) {
        let mut page: Vec<Glyph> = glyphs.by_ref().take(end.saturating_sub(start)).collect();
        place(&mut page, height);
        pages.push((page, None));
        start = end;
    }
    pages
}

/// Reads one page, catching pdf-extract's panics.
fn read_page(doc: &Document, number: u32) -> PageRead {
    let mut collector = GlyphCollector::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc_page(doc, &mut collector, number)
    }));
    let problem = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(panic) => Some(format!("parser crashed: {}", super::panic_message(&*panic))),
    };
    place(&mut collector.glyphs, collector.page_height);
    (collector.glyphs, problem)
}

/// Turns each page's lines into headings and paragraphs. Font sizes are compared with the
/// document's body size (the size most characters are set in).
fn build_pages(page_lines: Vec<(u32, Vec<Line>)>) -> Vec<PageText> {
    let mut size_weight: HashMap<i64, usize> = HashMap::new();
    for (_, lines) in &page_lines {
        for l in lines {
            *size_weight
                .entry((l.size * 10.0).round() as i64)
                .or_default() += l.text.len();
        }
    }
    let body_size = size_weight
        .iter()
        .max_by_key(|(size, weight)| (**weight, -**size))
        .map_or(10.0, |(size, _)| *size as f64 / 10.0);
    // Heading levels: distinct sizes clearly above the body size, largest first.
    let mut heading_sizes: Vec<i64> = size_weight
        .keys()
        .copied()
        .filter(|s| *s as f64 / 10.0 >= body_size * 1.15)
        .collect();
    heading_sizes.sort_unstable_by(|a, b| b.cmp(a));
    let level_of = |size: f64| -> Option<u8> {
        let key = (size * 10.0).round() as i64;
        heading_sizes
            .iter()
            .position(|s| *s == key)
            .map(|i| (i + 1).min(6) as u8)
    };
    let vocabulary = Vocabulary::from_lines(
        page_lines
            .iter()
            .flat_map(|(_, lines)| lines.iter().map(|l| l.text.as_str())),
    );

    let mut pages = Vec::with_capacity(page_lines.len());
    for (number, mut lines) in page_lines {
        // page numbers alone on the first or last line are furniture, not content
        if lines.last().is_some_and(|l| is_page_furniture(&l.text)) {
            lines.pop();
        }
        if lines.first().is_some_and(|l| is_page_furniture(&l.text)) {
            lines.remove(0);
        }
        let right_margin = lines.iter().map(|l| l.x1).fold(f64::MIN, f64::max);
        let left_margin = lines.iter().map(|l| l.x0).fold(f64::MAX, f64::min);
        let column = (right_margin - left_margin).max(1.0);

        let mut page = PageText::new(number);
        let mut pending: Vec<String> = Vec::new();
        let mut pending_kind = BlockKind::Paragraph;
        let flush = |page: &mut PageText, pending: &mut Vec<String>, kind: BlockKind| {
            if !pending.is_empty() {
                let text = clean_text(&join_lines(pending, &vocabulary));
                page.push(kind, &text);
                pending.clear();
            }
        };
        let mut previous: Option<&Line> = None;
        for line in &lines {
            let kind = match level_of(line.size) {
                Some(level) if line.text.split_whitespace().count() <= 25 => {
                    BlockKind::Heading(level)
                }
                _ => BlockKind::Paragraph,
            };
            let breaks = match previous {
                None => true,
                Some(prev) => {
                    let gap = line.y - prev.y;
                    let leading = prev.size.max(line.size).max(1.0);
                    kind != pending_kind
                        || (kind == BlockKind::Paragraph
                            && (gap > leading * 1.75
                                || gap < -leading
                                || (line.size - prev.size).abs() > body_size * 0.1
                                || starts_with_bullet(&line.text)
                                || (prev.x1 < right_margin - column * 0.2
                                    && prev.text.trim_end().ends_with(['.', ':', '!', '?', ';']))))
                        || (matches!(kind, BlockKind::Heading(_)) && gap > leading * 2.5)
                }
            };
            if breaks {
                flush(&mut page, &mut pending, pending_kind);
                pending_kind = kind;
            }
            pending.push(strip_bullet(&line.text).to_string());
            previous = Some(line);
        }
        flush(&mut page, &mut pending, pending_kind);
        pages.push(page);
    }
    pages
}

fn strip_bullet(text: &str) -> &str {
    if starts_with_bullet(text) {
        let t = text.trim_start();
        let mut chars = t.chars();
        chars.next();
        chars.as_str().trim_start()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph(x: f64, y: f64, text: &str) -> Glyph {
        Glyph {
            x,
            y,
            end_x: x + 5.0,
            size: 10.0,
            text: text.into(),
        }
    }

    #[test]
    fn glyphs_make_words_and_lines() {
        let glyphs = vec![
            glyph(0.0, 100.0, "a"),
            glyph(5.0, 100.0, "b"),
            glyph(15.0, 100.0, "c"),
            glyph(0.0, 112.0, "d"),
        ];
        let lines = glyphs_to_lines(&glyphs);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "ab c");
        assert_eq!(lines[1].text, "d");
    }

    #[test]
    fn furniture_and_bullets() {
        assert!(is_page_furniture("12"));
        assert!(is_page_furniture("Page 3 / 120"));
        assert!(!is_page_furniture("2023 est une année"));
        assert!(starts_with_bullet("• point"));
        assert!(starts_with_bullet("– point"));
        assert!(!starts_with_bullet("-12 %"));
        assert_eq!(strip_bullet("• point"), "point");
    }

    /// A PDF of `contents.len()` pages sharing one Helvetica font, each page's content as given.
    fn pdf_with_pages(contents: &[&str]) -> Vec<u8> {
        use pdf_extract::{Dictionary, Stream};
        let name = |n: &str| Object::Name(n.as_bytes().to_vec());
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut font = Dictionary::new();
        font.set("Type", name("Font"));
        font.set("Subtype", name("Type1"));
        font.set("BaseFont", name("Helvetica"));
        font.set("Encoding", name("WinAnsiEncoding"));
        let font = doc.add_object(Object::Dictionary(font));
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font));
        let mut resources = Dictionary::new();
        resources.set("Font", Object::Dictionary(fonts));
        let resources = doc.add_object(Object::Dictionary(resources));
        let mut kids = Vec::new();
        for content in contents {
            let content =
                doc.add_object(Stream::new(Dictionary::new(), content.as_bytes().to_vec()));
            let mut page = Dictionary::new();
            page.set("Type", name("Page"));
            page.set("Parent", Object::Reference(pages_id));
            page.set("Contents", Object::Reference(content));
            kids.push(Object::Reference(doc.add_object(Object::Dictionary(page))));
        }
        let mut pages = Dictionary::new();
        pages.set("Type", name("Pages"));
        pages.set("Count", Object::Integer(kids.len() as i64));
        pages.set("Kids", Object::Array(kids));
        pages.set("Resources", Object::Reference(resources));
        pages.set(
            "MediaBox",
            Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
        );
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", name("Catalog"));
        catalog.set("Pages", Object::Reference(pages_id));
        let catalog = doc.add_object(Object::Dictionary(catalog));
        doc.trailer.set("Root", Object::Reference(catalog));
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("an in-memory PDF saves");
        bytes
    }

    fn page_texts(extracted: &Extracted) -> Vec<String> {
        extracted.pages.iter().map(|p| format!("{:?}", p)).collect()
    }

    #[test]
    fn pages_read_in_one_run_are_those_read_one_by_one() {
        let bytes = pdf_with_pages(&[
            r"BT /F1 12 Tf 72 700 Td (Premi\350re page du rapport) Tj ET",
            r"BT /F1 18 Tf 72 760 Td (Titre) Tj /F1 12 Tf 0 -40 Td (Deuxi\350me page) Tj ET",
            "BT /F1 12 Tf 72 100 Td (Third page, lower down) Tj ET",
        ]);
        let together = extract_in_runs(&bytes, 16).expect("readable");
        let alone = extract_in_runs(&bytes, 1).expect("readable");
        assert_eq!(page_texts(&together), page_texts(&alone));
        assert_eq!(together.warnings, alone.warnings);
        let text = page_texts(&together).join("\n");
        for words in [
            "Première page du rapport",
            "Deuxième page",
            "Third page, lower down",
        ] {
            assert!(text.contains(words), "{words} missing from {text}");
        }
        // the run really was read in one pass: one synthetic page was added for it
        let mut doc = Document::load_mem(&bytes).expect("parses");
        let runs = pdf_batch::plan(&mut doc, &[1, 2, 3], 16);
        assert_eq!(runs.len(), 1);
        assert!(runs[0].page.is_some());
        let pages = read_together(&doc, &runs[0]).expect("the run reads in one pass");
        assert_eq!(pages.len(), 3);
    }

    #[test]
    fn a_page_that_fails_in_a_run_is_reported_as_when_read_alone() {
        // the second page shows text before choosing a font: pdf-extract panics on it
        let bytes = pdf_with_pages(&[
            "BT /F1 12 Tf 72 700 Td (Avant) Tj ET",
            "BT 72 700 Td (Sans police) Tj ET",
            r"BT /F1 12 Tf 72 700 Td (Apr\350s) Tj ET",
        ]);
        let together = extract_in_runs(&bytes, 16).expect("readable");
        let alone = extract_in_runs(&bytes, 1).expect("readable");
        assert_eq!(page_texts(&together), page_texts(&alone));
        assert_eq!(together.warnings, alone.warnings);
        assert_eq!(together.warnings.len(), 1);
        assert!(together.warnings[0].starts_with("page 2: parser crashed"));
        assert!(page_texts(&together)[2].contains("Après"));
        let mut doc = Document::load_mem(&bytes).expect("parses");
        let runs = pdf_batch::plan(&mut doc, &[1, 2, 3], 16);
        assert!(
            read_together(&doc, &runs[0]).is_none(),
            "the failing run is read again"
        );
    }

    #[test]
    fn the_corpus_pdfs_read_in_runs_as_page_by_page() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut read = 0;
        for entry in std::fs::read_dir(corpus).expect("corpus folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "pdf") {
                let bytes = std::fs::read(&path).expect("readable");
                let together = extract_in_runs(&bytes, PAGES_PER_RUN).expect("extracts");
                let alone = extract_in_runs(&bytes, 1).expect("extracts");
                assert_eq!(page_texts(&together), page_texts(&alone), "{path:?}");
                assert_eq!(together.warnings, alone.warnings, "{path:?}");
                read += 1;
            }
        }
        assert!(read >= 2, "the corpus has its two PDFs");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            extract(b"%PDF-1.4\nthis is not really a pdf"),
            Err(PdfError::Corrupt(_))
        ));
    }
}
