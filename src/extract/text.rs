//! Plain text: paragraphs are separated by blank lines; a short first line is the title.

use super::normalize::{clean_text, join_lines, Vocabulary};
use super::{BlockKind, Extracted, PageText};
use crate::model::DocKind;

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    let text = decode_utf8_or_latin1(bytes);
    let mut page = PageText::new(1);
    let vocab = Vocabulary::from_lines(text.lines());
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !lines.is_empty() {
                page.push(
                    BlockKind::Paragraph,
                    &clean_text(&join_lines(&lines, &vocab)),
                );
                lines.clear();
            }
        } else {
            lines.push(line.to_string());
        }
    }
    let title = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .filter(|l| l.chars().count() <= 120)
        .map(clean_text);
    Ok(Extracted {
        kind: DocKind::Text,
        title,
        lang: None,
        url: None,
        pages: vec![page],
        warnings: Vec::new(),
    })
}

/// UTF-8 when valid (BOM dropped), Windows-1252 otherwise.
pub(super) fn decode_utf8_or_latin1(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}
