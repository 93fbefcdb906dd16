//! The tokenizer and the exact analyzer's filters (lower-casing, accent folding) in one pass,
//! for the passages every search reads: the same terms, offsets and positions as the tantivy
//! chain, written straight into a [`TokenBuffer`].

use std::sync::OnceLock;

use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer, TokenStream};

use super::{tokenize_to, NumberMode, Scratch, Sink};
use crate::analysis::{TokenBuffer, MAX_TERM_BYTES};

/// The tokenizer and the filters the exact analyzer puts after it (terms of [`MAX_TERM_BYTES`]
/// or more dropped, lower-cased, accents folded), in one pass into a [`TokenBuffer`]: the same
/// terms, offsets and positions as [`super::analyze_into`] with
/// `Analyzer::Exact.build(mode)`, for the passages every search reads. ASCII words are
/// lower-cased in place; other characters are folded through a table the tantivy filters
/// themselves computed, so the two agree however tantivy folds.
#[derive(Clone)]
pub struct FoldingTokenizer {
    mode: NumberMode,
    scratch: Scratch,
    /// A non-ASCII word as the tokenizer wrote it, before folding.
    raw: String,
    /// The filters alone (lower-casing, folding), for a word with characters outside the
    /// table.
    filters: TextAnalyzer,
}

impl FoldingTokenizer {
    pub fn new(mode: NumberMode) -> FoldingTokenizer {
        FoldingTokenizer {
            mode,
            scratch: Scratch::default(),
            raw: String::new(),
            filters: folding_filters(),
        }
    }

    /// The terms of `text` into `out` (emptied first).
    pub fn analyze_into(&mut self, text: &str, out: &mut TokenBuffer) {
        // The buffer starts with the whole text lower-cased (ASCII letters only: the rest is
        // left as it is): an ASCII word's term is then its own place there, with no copy of
        // its own. The other terms (folded words, joined numbers) follow.
        out.clear(text.len() + text.len() / 4);
        out.text.push_str(text);
        out.text.make_ascii_lowercase();
        let mut sink = FoldingSink {
            out,
            raw: &mut self.raw,
            filters: &mut self.filters,
            table: fold_table(),
        };
        tokenize_to(text, self.mode, &mut self.scratch, &mut sink);
    }
}

/// Lower-casing and folding, as the analyzers apply them, over a whole text taken as one word.
fn folding_filters() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Characters below this are folded through [`FoldTable`]: ASCII, Latin-1 and the rest of
/// the two-byte UTF-8 range (Latin extended, Greek, Cyrillic, …).
const FOLD_TABLE_END: u32 = 0x800;

/// What lower-casing then folding makes of each character below [`FOLD_TABLE_END`] inside a
/// word that is not all ASCII (both filters work character by character there).
struct FoldTable {
    folded: Vec<Box<str>>,
}

impl FoldTable {
    fn new() -> FoldTable {
        let mut filters = folding_filters();
        let mut filtered = |text: &str| -> String {
            let mut stream = filters.token_stream(text);
            if stream.advance() {
                stream.token().text.clone()
            } else {
                String::new()
            }
        };
        // An ASCII character alone would take the filters' ASCII shortcut: it is filtered
        // beside a non-ASCII one, whose own result is then cut off.
        let marker = '\u{e9}';
        let marker_folded = filtered(&marker.to_string());
        let folded = (0..FOLD_TABLE_END)
            .map(|code| {
                let Some(c) = char::from_u32(code) else {
                    return Box::from("");
                };
                let both = filtered(&format!("{c}{marker}"));
                both.strip_suffix(marker_folded.as_str())
                    .map_or_else(|| filtered(&c.to_string()), str::to_string)
                    .into_boxed_str()
            })
            .collect();
        FoldTable { folded }
    }

    /// `c` lower-cased and folded, when the table has it.
    fn get(&self, c: char) -> Option<&str> {
        self.folded.get(c as usize).map(|f| &**f)
    }
}

fn fold_table() -> &'static FoldTable {
    static TABLE: OnceLock<FoldTable> = OnceLock::new();
    TABLE.get_or_init(FoldTable::new)
}

/// Writes terms into a [`TokenBuffer`], filtered as the exact analyzer filters them. The
/// buffer's text starts with the tokenized text lower-cased ([`FoldingTokenizer::analyze_into`]).
struct FoldingSink<'a> {
    out: &'a mut TokenBuffer,
    raw: &'a mut String,
    filters: &'a mut TextAnalyzer,
    table: &'static FoldTable,
}

impl FoldingSink<'_> {
    /// Lower-cases and folds `word`, not all ASCII, onto the end of the buffer's text.
    fn fold(&mut self, word: &str) {
        let text = &mut self.out.text;
        let start = text.len();
        for c in word.chars() {
            if c.is_ascii() {
                text.push(c.to_ascii_lowercase());
                continue;
            }
            match self.table.get(c) {
                // most fold to one ASCII letter: pushed without a call to copy it
                Some(folded) => match *folded.as_bytes() {
                    [b] => text.push(char::from(b)),
                    _ => text.push_str(folded),
                },
                // a character outside the table: the whole word goes through the filters
                None => {
                    text.truncate(start);
                    let mut stream = self.filters.token_stream(word);
                    if stream.advance() {
                        text.push_str(&stream.token().text);
                    }
                    return;
                }
            }
        }
    }
}

impl Sink for FoldingSink<'_> {
    /// A word as written: an ASCII one (most) is its lower-cased place at the start of the
    /// buffer, another is folded straight from the text.
    fn push_word(&mut self, from: usize, to: usize, position: usize, word: &str, ascii: bool) {
        if word.len() >= MAX_TERM_BYTES {
            return;
        }
        if ascii {
            // lower-cased where it stands at the start of the buffer
            self.out.push_range(from, to, position, from, to);
        } else {
            let start = self.out.text.len();
            self.fold(word);
            self.out.push(start, position, from, to);
        }
    }

    fn push(&mut self, from: usize, to: usize, position: usize, write: impl FnOnce(&mut String)) {
        let text = &mut self.out.text;
        let start = text.len();
        write(text);
        if text.len() - start >= MAX_TERM_BYTES {
            text.truncate(start);
            return;
        }
        if text[start..].is_ascii() {
            text[start..].make_ascii_lowercase();
        } else {
            let mut raw = std::mem::take(self.raw);
            raw.clear();
            raw.push_str(&text[start..]);
            self.out.text.truncate(start);
            self.fold(&raw);
            *self.raw = raw;
        }
        self.out.push(start, position, from, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tokenizer::tests::arb_text;

    /// The exact analyzer's terms of `text`, by the tantivy chain and by [`FoldingTokenizer`].
    fn both_ways(text: &str, mode: NumberMode) -> (Vec<String>, Vec<String>) {
        let show = |buffer: &TokenBuffer| -> Vec<String> {
            buffer
                .iter()
                .map(|t| format!("{:?}@{} {}..{}", t.text, t.position, t.from, t.to))
                .collect()
        };
        let mut chain = TokenBuffer::default();
        crate::analysis::analyze_into(
            &mut crate::analysis::Analyzer::Exact.build(mode),
            text,
            &mut chain,
        );
        let mut fused = TokenBuffer::default();
        FoldingTokenizer::new(mode).analyze_into(text, &mut fused);
        (show(&chain), show(&fused))
    }

    #[test]
    fn folding_tokenizer_is_the_exact_analyzer() {
        let texts = [
            "Le taux de féminisation des élèves : 38 % en 2023, soit 13 600 étudiants.",
            "L’IMT AUJOURD’HUI, quelqu'un d’autre ; Œuvre, ÆSIR, straße, İstanbul, ΣΟΦΙΑ",
            "EURECOM3 et H2020, 9,4 M€ (350k€) ; 1,2 million ; 12ème rang ; ﬁn ﬂux",
            "e\u{301}cole ℃ K Å № ½ ² ① Ⅻ 日本語 한국어 𝐀𝐁 ",
            "Anticonstitutionnellementanticonstitutionnellementanticonstit court \
             ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ éééééééééééééééééééééééééééééé",
            "",
        ];
        for text in texts {
            for mode in [NumberMode::Index, NumberMode::Query] {
                let (chain, fused) = both_ways(text, mode);
                assert_eq!(chain, fused, "{text:?}");
            }
        }
    }

    #[test]
    fn folding_tokenizer_folds_every_character_as_the_filters_do() {
        for code in (0..0x3000).chain([0x1d400, 0x1f600, 0x10ffff]) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            // alone, in an ASCII word, in a non-ASCII word
            for text in [format!("{c}"), format!("ab{c}CD"), format!("É{c}x")] {
                let (chain, fused) = both_ways(&text, NumberMode::Index);
                assert_eq!(chain, fused, "{text:?}");
            }
        }
    }

    proptest::proptest! {
        /// The one-pass tokenizer gives the tantivy chain's terms, offsets and positions.
        #[test]
        fn folding_tokenizer_matches_the_chain(text in arb_text()) {
            for mode in [NumberMode::Index, NumberMode::Query] {
                let (chain, fused) = both_ways(&text, mode);
                proptest::prop_assert_eq!(chain, fused);
            }
        }
    }
}
