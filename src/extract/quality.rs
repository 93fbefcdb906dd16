//! Judges extracted PDF text: is it good enough to index, or should the fallback extractor be
//! tried? pdf-extract returns "ok" on files whose text is empty, garbled (unmapped glyphs come
//! out as replacement, private-use or control characters) or much shorter than the document;
//! these checks catch those cases without a second extractor to compare with.

use super::Extracted;

/// Below this share of readable characters, the text is garbled.
const MIN_READABLE_SHARE: f64 = 0.9;
/// Fewer words per page than this, on average over a multi-page document, is suspicious:
/// prose pages hold hundreds.
const MIN_WORDS_PER_PAGE: f64 = 20.0;

/// Why the text looks poor, or `None` when it looks fine.
pub fn poor_reason(doc: &Extracted) -> Option<String> {
    let pages = doc.pages.len();
    let words = doc.word_count();
    if words == 0 {
        return Some("no text".into());
    }
    let empty = doc
        .pages
        .iter()
        .filter(|p| p.text.trim().is_empty())
        .count();
    if pages >= 2 && empty * 2 > pages {
        return Some(format!("{empty} of {pages} pages without text"));
    }
    let (mut readable, mut total) = (0usize, 0usize);
    for c in doc.pages.iter().flat_map(|p| p.text.chars()) {
        total += 1;
        if is_readable(c) {
            readable += 1;
        }
    }
    let share = readable as f64 / total.max(1) as f64;
    if share < MIN_READABLE_SHARE {
        return Some(format!(
            "garbled text ({:.0}% unreadable characters)",
            (1.0 - share) * 100.0
        ));
    }
    if pages >= 3 && (words as f64) / (pages as f64) < MIN_WORDS_PER_PAGE {
        return Some(format!("only {words} words over {pages} pages"));
    }
    None
}

/// Letters, digits, spaces and ordinary punctuation; not replacement, private-use, control or
/// unassigned-looking glyphs.
fn is_readable(c: char) -> bool {
    if c == '\u{FFFD}' || ('\u{E000}'..='\u{F8FF}').contains(&c) {
        return false;
    }
    if c.is_control() {
        return c == '\n' || c == '\t';
    }
    c.is_alphanumeric()
        || c.is_whitespace()
        || c.is_ascii_punctuation()
        || "«»’‘“”–—…€£°§·•©®™×÷±≤≥€%‰".contains(c)
        || ('\u{2000}'..='\u{206F}').contains(&c)
}

/// Picks between pdf-extract's text and the fallback's: the fallback wins when the primary
/// is poor and the fallback is not, or when it finds clearly more words.
pub fn fallback_is_better(primary: &Extracted, fallback: &Extracted) -> bool {
    let fallback_words = fallback.word_count();
    if fallback_words == 0 {
        return false;
    }
    match (poor_reason(primary), poor_reason(fallback)) {
        (Some(_), None) => true,
        _ => fallback_words as f64 > primary.word_count() as f64 * 1.2,
    }
}

/// Page numbers without text, when some pages have text.
pub fn empty_pages(doc: &Extracted) -> Vec<u32> {
    let empty: Vec<u32> = doc
        .pages
        .iter()
        .filter(|p| p.text.trim().is_empty())
        .map(|p| p.number)
        .collect();
    if empty.len() == doc.pages.len() {
        Vec::new()
    } else {
        empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{BlockKind, PageText};
    use crate::model::DocKind;

    fn doc(pages: &[&str]) -> Extracted {
        Extracted {
            kind: DocKind::Pdf,
            title: None,
            lang: None,
            url: None,
            pages: pages
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut p = PageText::new(i as u32 + 1);
                    p.push(BlockKind::Paragraph, t);
                    p
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn judges_empty_garbled_and_thin_text() {
        let prose =
            "Le taux de féminisation atteint 38 % en 2023, selon le rapport annuel. ".repeat(3);
        assert_eq!(poor_reason(&doc(&[&prose, &prose])), None);
        assert_eq!(poor_reason(&doc(&["", ""])).as_deref(), Some("no text"));
        assert!(poor_reason(&doc(&["", "", &prose])).is_some());
        let garbled = "\u{FFFD}\u{E001}\u{E002} ab ".repeat(20);
        assert!(poor_reason(&doc(&[&garbled])).is_some_and(|r| r.starts_with("garbled")));
        assert!(poor_reason(&doc(&["un mot", "deux", "trois"])).is_some());
    }

    #[test]
    fn fallback_wins_only_when_clearly_better() {
        let prose = "Un texte lisible de plusieurs mots sur cette page. ".repeat(5);
        let good = doc(&[&prose, &prose]);
        let thin = doc(&["", "", &prose]);
        assert!(fallback_is_better(&thin, &good));
        assert!(!fallback_is_better(&good, &good));
        assert!(!fallback_is_better(&good, &doc(&["", ""])));
        assert_eq!(empty_pages(&thin), vec![1, 2]);
        assert!(empty_pages(&doc(&["", ""])).is_empty());
    }
}
