//! Extracted document → passages. Paragraph-aware: whole paragraphs are packed into passages
//! of roughly `min_words`–`max_words` words, a heading opens a new passage, a table's value
//! line stays with its label line, a paragraph longer than `max_words` is cut at sentence ends.
//! A passage never leaves its page (so its offsets index that page's text) and never leaves its
//! document. Pure: no I/O.

pub mod footnotes;
pub mod sentences;

use crate::extract::{BlockKind, Extracted, PageText};

/// Passage size bounds, in words.
#[derive(Debug, Clone, Copy)]
pub struct SegmentConfig {
    /// Below this, a passage is merged into its neighbour on the same page when it fits.
    pub min_words: usize,
    /// Once a passage reaches this size, the next paragraph starts a new one.
    pub target_words: usize,
    /// Never more (except a single word longer than the page, which cannot be cut).
    pub max_words: usize,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            min_words: 40,
            target_words: 90,
            max_words: 200,
        }
    }
}

/// A passage before indexing: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub page: u32,
    /// Offsets in Unicode scalar values into `page`'s text; `text` is exactly that slice.
    pub char_start: usize,
    pub char_end: usize,
    pub text: String,
    /// The nearest heading before or at the start of the passage.
    pub section: Option<String>,
    /// What the footnotes starting in the passage annotate (see [`footnotes`]).
    pub annotates: Vec<String>,
}

/// Cuts a document into passages, in reading order.
pub fn segment(doc: &Extracted, config: &SegmentConfig) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut calls: Vec<footnotes::Call> = Vec::new();
    for page in &doc.pages {
        let first_of_page = out.len();
        segment_page(page, config, &mut section, &mut out);
        let page_notes = footnotes::footnotes(&page.text, &calls);
        for seg in out.iter_mut().skip(first_of_page) {
            seg.annotates = page_notes
                .notes
                .iter()
                .filter(|n| (seg.char_start..seg.char_end).contains(&n.at))
                .map(|n| n.annotates.clone())
                .collect();
        }
        calls = page_notes.unanswered;
    }
    out
}

/// A run of characters of the page that will become (part of) a passage.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    words: usize,
}

fn segment_page(
    page: &PageText,
    config: &SegmentConfig,
    section: &mut Option<String>,
    out: &mut Vec<Segment>,
) {
    let chars: Vec<char> = page.text.chars().collect();
    let first_of_page = out.len();
    let mut current: Option<(Span, Option<String>)> = None;
    // The last paragraph (or piece of one) added to `current`.
    let mut last_piece: Option<Span> = None;
    let push = |out: &mut Vec<Segment>, span: Span, section: Option<String>| {
        // A short passage joins the previous one on the same page when they fit together.
        if span.words < config.min_words && out.len() > first_of_page {
            if let Some(last) = out.last_mut() {
                let last_words = last.text.split_whitespace().count();
                if last_words + span.words <= config.max_words {
                    last.char_end = span.end;
                    last.text = chars[last.char_start..span.end].iter().collect();
                    return;
                }
            }
        }
        out.push(Segment {
            page: page.number,
            char_start: span.start,
            char_end: span.end,
            text: chars[span.start..span.end].iter().collect(),
            section,
            annotates: Vec::new(),
        });
    };

    for block in &page.blocks {
        let words = count_words(&chars[block.char_start..block.char_end]);
        if matches!(block.kind, BlockKind::Heading(_)) && words <= config.max_words {
            last_piece = None;
            let heading: String = chars[block.char_start..block.char_end].iter().collect();
            // A heading opens a new passage unless the open one is still tiny (e.g. a
            // heading followed by a sub-heading).
            if let Some((span, sec)) = current.take() {
                if span.words >= 12 || span.words + words > config.max_words {
                    push(out, span, sec);
                } else {
                    current = Some((
                        Span {
                            end: block.char_end,
                            words: span.words + words,
                            ..span
                        },
                        Some(heading.clone()),
                    ));
                    *section = Some(heading);
                    continue;
                }
            }
            *section = Some(heading);
            current = Some((
                Span {
                    start: block.char_start,
                    end: block.char_end,
                    words,
                },
                section.clone(),
            ));
            continue;
        }
        for piece in split_long(&chars, block.char_start, block.char_end, config.max_words) {
            // A table's value line stays with the label line before it, past the target size:
            // cut between them, the label's passage names a figure it does not state and the
            // value's passage states a figure without saying what it counts.
            let value_after_label = last_piece.is_some_and(|label| is_table_line(&chars, label))
                && is_table_line(&chars, piece)
                && starts_with_number(&chars, piece.start);
            last_piece = Some(piece);
            match current.take() {
                Some((span, sec))
                    if (span.words < config.target_words || value_after_label)
                        && span.words + piece.words <= config.max_words =>
                {
                    current = Some((
                        Span {
                            end: piece.end,
                            words: span.words + piece.words,
                            ..span
                        },
                        sec,
                    ));
                }
                Some((span, sec)) => {
                    push(out, span, sec);
                    current = Some((piece, section.clone()));
                }
                None => current = Some((piece, section.clone())),
            }
        }
    }
    if let Some((span, sec)) = current {
        push(out, span, sec);
    }
}

/// Most words a table line has (`Nombre de publications parmi les 10% les plus
/// citées`); longer lines are prose.
const TABLE_LINE_MAX_WORDS: usize = 30;

/// A short line that ends no sentence and introduces nothing (`:`): what a table's label and
/// value lines look like.
fn is_table_line(chars: &[char], span: Span) -> bool {
    span.words <= TABLE_LINE_MAX_WORDS
        && last_visible(&chars[span.start..span.end]).is_some_and(|c| !closes_clause(c))
}

/// The last character of `chars` that is not a space.
fn last_visible(chars: &[char]) -> Option<char> {
    chars.iter().rev().copied().find(|c| !c.is_whitespace())
}

/// A character after which a sentence or a clause is over: a passage may be cut there.
fn closes_clause(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':')
}

/// Whether the text at `start` begins with a digit (a value: `278 (soit 14%)`, `12,0 k€`).
fn starts_with_number(chars: &[char], start: usize) -> bool {
    chars[start..]
        .iter()
        .find(|c| !c.is_whitespace())
        .is_some_and(|c| c.is_ascii_digit())
}

fn count_words(chars: &[char]) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for c in chars {
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
        }
    }
    words
}

/// Cuts `chars[start..end]` into pieces of at most `max_words` words, preferring sentence ends
/// (`.`, `!`, `?`, `;` followed by a space), else a space. Pieces are trimmed of spaces.
fn split_long(chars: &[char], start: usize, end: usize, max_words: usize) -> Vec<Span> {
    let total = count_words(&chars[start..end]);
    if total <= max_words {
        return vec![Span {
            start,
            end,
            words: total,
        }];
    }
    // Word starts, and whether the word before ends a sentence.
    let mut pieces = Vec::new();
    let mut piece_start = start;
    let mut words_in_piece = 0;
    let mut last_sentence_break: Option<(usize, usize)> = None; // (char index of next word, words before)
    let mut last_space_break: Option<(usize, usize)>;
    let mut i = start;
    while i < end {
        let c = chars[i];
        let word_starts = !c.is_whitespace() && (i == start || chars[i - 1].is_whitespace());
        if word_starts && i > piece_start {
            let candidate = (i, words_in_piece);
            if last_visible(&chars[..i]).is_some_and(closes_clause) {
                last_sentence_break = Some(candidate);
            }
            last_space_break = Some(candidate);
            if words_in_piece >= max_words {
                let (cut, words) = last_sentence_break
                    .filter(|(_, w)| *w >= max_words / 3)
                    .or(last_space_break)
                    .unwrap_or(candidate);
                pieces.push(trimmed(chars, piece_start, cut, words));
                piece_start = cut;
                words_in_piece -= words;
                last_sentence_break = None;
            }
        }
        if word_starts {
            words_in_piece += 1;
        }
        i += 1;
    }
    if piece_start < end {
        pieces.push(trimmed(chars, piece_start, end, words_in_piece));
    }
    pieces.retain(|p| p.end > p.start);
    pieces
}

fn trimmed(chars: &[char], mut start: usize, mut end: usize, words: usize) -> Span {
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    Span { start, end, words }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocKind;
    use proptest::prelude::*;

    fn doc(pages: Vec<PageText>) -> Extracted {
        Extracted {
            kind: DocKind::Text,
            title: None,
            lang: None,
            url: None,
            pages,
            warnings: Vec::new(),
        }
    }

    fn words(n: usize, word: &str) -> String {
        vec![word; n].join(" ")
    }

    #[test]
    fn a_table_value_stays_with_its_label_past_the_target_size() {
        let config = SegmentConfig::default();
        let mut page = PageText::new(29);
        page.push(
            BlockKind::Paragraph,
            &words(config.target_words - 3, "gamma."),
        );
        page.push(
            BlockKind::Paragraph,
            "Nombre de publications parmi les 10% les plus citées",
        );
        page.push(BlockKind::Paragraph, "278 (soit 14%) en mai 23");
        let next = format!("Valeur stable {}", words(config.min_words, "zeta"));
        page.push(BlockKind::Paragraph, &next);
        let passages = segment(&doc(vec![page]), &config);
        assert_eq!(passages.len(), 2, "{passages:#?}");
        assert!(passages[0]
            .text
            .ends_with("les plus citées\n\n278 (soit 14%) en mai 23"));
        assert_eq!(passages[1].text, next);

        // prose ending a sentence, or a line introducing a list, is no label
        for before in ["La cible est fixée.", "Cibles 2027 :"] {
            let mut page = PageText::new(1);
            page.push(
                BlockKind::Paragraph,
                &words(config.target_words - 2, "delta"),
            );
            page.push(BlockKind::Paragraph, before);
            page.push(BlockKind::Paragraph, "278 (soit 14%)");
            page.push(BlockKind::Paragraph, &words(config.min_words, "epsilon"));
            let passages = segment(&doc(vec![page]), &config);
            assert_eq!(passages.len(), 2, "{before}");
            assert!(passages[0].text.ends_with(before), "{before}");
            assert!(passages[1].text.starts_with("278 (soit 14%)"), "{before}");
        }
    }

    #[test]
    fn headings_open_passages_and_name_sections() {
        let mut page = PageText::new(3);
        page.push(BlockKind::Heading(1), "Objectif 1");
        page.push(BlockKind::Paragraph, &words(60, "alpha"));
        page.push(BlockKind::Heading(2), "Objectif 2");
        page.push(BlockKind::Paragraph, &words(50, "béta."));
        let passages = segment(&doc(vec![page.clone()]), &SegmentConfig::default());
        assert_eq!(passages.len(), 2);
        assert_eq!(passages[0].section.as_deref(), Some("Objectif 1"));
        assert!(passages[0].text.starts_with("Objectif 1\n\nalpha"));
        assert_eq!(passages[1].section.as_deref(), Some("Objectif 2"));
        assert_eq!(passages[1].page, 3);
    }

    #[test]
    fn long_paragraphs_are_cut_at_sentences() {
        let sentence = format!("{}.", words(29, "mot"));
        let mut page = PageText::new(1);
        page.push(BlockKind::Paragraph, &vec![sentence; 20].join(" "));
        let passages = segment(&doc(vec![page]), &SegmentConfig::default());
        assert!(passages.len() >= 3);
        for p in &passages {
            let n = p.text.split_whitespace().count();
            assert!(n <= 200, "{n} words");
            assert!(
                p.text.ends_with('.'),
                "cut mid-sentence: {:?}",
                &p.text[p.text.len() - 10..]
            );
        }
    }

    #[test]
    fn small_tail_merges_into_previous_passage() {
        let mut page = PageText::new(1);
        page.push(BlockKind::Paragraph, &words(100, "un"));
        page.push(BlockKind::Paragraph, &words(5, "deux"));
        let passages = segment(&doc(vec![page]), &SegmentConfig::default());
        assert_eq!(passages.len(), 1);
        assert!(passages[0].text.ends_with("deux"));
    }

    fn arb_page() -> impl Strategy<Value = PageText> {
        let block = (
            prop::bool::weighted(0.15),
            prop::collection::vec("[a-zé’'0-9]{1,12}[.;,]?", 1..260),
        );
        prop::collection::vec(block, 0..12).prop_map(|blocks| {
            let mut page = PageText::new(1);
            for (heading, words) in blocks {
                let kind = if heading {
                    BlockKind::Heading(2)
                } else {
                    BlockKind::Paragraph
                };
                page.push(kind, &words.join(" "));
            }
            page
        })
    }

    proptest! {
        /// Slicing the page text with a passage's offsets gives back the passage exactly;
        /// passages are in order, do not overlap, stay within bounds, and lose no word.
        #[test]
        fn offsets_map_back_to_the_extracted_text(mut pages in prop::collection::vec(arb_page(), 1..4)) {
            for (i, page) in pages.iter_mut().enumerate() {
                page.number = i as u32 + 1;
            }
            let document = doc(pages);
            let passages = segment(&document, &SegmentConfig::default());
            for page in &document.pages {
                let chars: Vec<char> = page.text.chars().collect();
                let on_page: Vec<&Segment> = passages.iter().filter(|p| p.page == page.number).collect();
                let mut previous_end = 0;
                let mut words = 0;
                for p in &on_page {
                    prop_assert!(p.char_start < p.char_end && p.char_end <= chars.len());
                    prop_assert!(p.char_start >= previous_end);
                    let slice: String = chars[p.char_start..p.char_end].iter().collect();
                    prop_assert_eq!(&slice, &p.text);
                    prop_assert_eq!(p.text.trim(), p.text.as_str());
                    let n = p.text.split_whitespace().count();
                    prop_assert!(n <= 200 || !p.text.contains(' '), "{} words", n);
                    words += n;
                    previous_end = p.char_end;
                }
                prop_assert_eq!(words, page.word_count());
            }
        }
    }
}
