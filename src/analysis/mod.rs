//! Text analysis: the French, English and exact analyzers tantivy indexes with, the same
//! analyzers in query mode, and language detection.
//!
//! Every analyzer starts with [`WordNumberTokenizer`] (words split on anything not a letter or
//! digit, numbers joined however they are typed), then lower-cases and folds accents (so
//! `feminisation` finds `féminisation`). The French and English analyzers then drop stop words
//! and stem with Snowball; the exact analyzer stops there, for phrases and figures.

pub mod dates;
pub mod dictionary;
pub mod lang;
pub mod number_words;
pub mod question;
pub mod stems;
pub(crate) mod stopwords;
pub mod synonyms;
pub mod thesaurus;
pub mod tokenizer;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

pub use tokenizer::{FoldingTokenizer, NumberMode, WordNumberTokenizer};

use crate::model::Lang;

/// One already-folded word → its Snowball stem, through tantivy's own `Stemmer`, so that the
/// forms agree with what the French and English analyzers index.
pub fn word_stemmer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(Stemmer::new(language))
        .build()
}

/// Terms of this many bytes or more (as the tokenizer writes them) are dropped.
pub const MAX_TERM_BYTES: usize = 60;

/// Names the analyzers are registered under in the index.
pub const FRENCH: &str = "sourcier_fr";
pub const ENGLISH: &str = "sourcier_en";
pub const EXACT: &str = "sourcier_exact";

/// Which analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Analyzer {
    French,
    English,
    Exact,
}

impl Analyzer {
    pub const ALL: [Analyzer; 3] = [Analyzer::French, Analyzer::English, Analyzer::Exact];

    pub fn name(self) -> &'static str {
        match self {
            Analyzer::French => FRENCH,
            Analyzer::English => ENGLISH,
            Analyzer::Exact => EXACT,
        }
    }

    pub fn for_lang(lang: Lang) -> Analyzer {
        match lang {
            Lang::Fr => Analyzer::French,
            Lang::En => Analyzer::English,
        }
    }

    /// The analyzer, for indexing or for queries. A query's words are stemmed through the
    /// thread's remembered stems ([`stems`]): the same terms, without stemming again the
    /// words every query repeats.
    pub fn build(self, mode: NumberMode) -> TextAnalyzer {
        let base = TextAnalyzer::builder(WordNumberTokenizer::new(mode))
            .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter);
        let (stop_words, lang, language) = match self {
            Analyzer::French => (stopwords::FRENCH, Lang::Fr, Language::French),
            Analyzer::English => (stopwords::ENGLISH, Lang::En, Language::English),
            Analyzer::Exact => return base.build(),
        };
        let base = base.filter(StopWordFilter::remove(
            stop_words.iter().map(|w| w.to_string()),
        ));
        match mode {
            NumberMode::Query => base.filter(stems::KeptStems(lang)).build(),
            NumberMode::Index => base.filter(Stemmer::new(language)).build(),
        }
    }
}

/// Registers the three analyzers (index mode) on an index.
pub fn register(index: &tantivy::Index) {
    for analyzer in Analyzer::ALL {
        index
            .tokenizers()
            .register(analyzer.name(), analyzer.build(NumberMode::Index));
    }
}

/// The file an optional language resource (a dictionary, a thesaurus) is read from: the path
/// the environment variable `var` names (`off` or empty for none), else `default`; `None`
/// when that file does not exist (a warning when it was named).
pub(crate) fn resource_path(var: &str, default: Option<&str>) -> Option<std::path::PathBuf> {
    let named = std::env::var(var).ok();
    let path = match named.as_deref() {
        Some("off" | "") => return None,
        Some(v) => std::path::PathBuf::from(v),
        None => std::path::PathBuf::from(default?),
    };
    if !path.exists() {
        if named.is_some() {
            tracing::warn!(file = %path.display(), "{var} names a file that does not exist");
        }
        return None;
    }
    Some(path)
}

/// Lower-cases and removes accents (`Étudiants` → `etudiants`).
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// The comparison form of a sentence or an expected answer: NFC, apostrophes as `'`, whitespace
/// collapsed, lower-cased, accents kept. Answers deduplicate their sentences with it and the
/// evaluation matches expected strings with it, so both agree on what "the same text" means.
pub fn normalize_for_match(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let text: String = text.nfc().collect();
    let text = text.replace(['’', 'ʼ', '`'], "'");
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Is this folded, lower-cased word a French or English stop word?
pub fn is_stop_word(word: &str) -> bool {
    stopwords::FRENCH.contains(&word) || stopwords::ENGLISH.contains(&word)
}

/// An analysed term: its text and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub text: String,
    pub position: usize,
    /// Byte range in the analysed text.
    pub from: usize,
    pub to: usize,
}

/// Runs an analyzer over `text`.
pub fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<AnalyzedToken> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push(AnalyzedToken {
            text: t.text.clone(),
            position: t.position,
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

/// The analysed terms of one text, their texts in one buffer: what [`analyze`] returns,
/// without a `String` per term (passages are analysed on every search, and most of the cost of
/// one `String` per word was the allocation).
#[derive(Debug, Clone, Default)]
pub struct TokenBuffer {
    text: String,
    tokens: Vec<BufferedToken>,
}

/// A term of a [`TokenBuffer`]: where its text is in the buffer, and as in [`AnalyzedToken`].
#[derive(Debug, Clone, Copy)]
struct BufferedToken {
    start: usize,
    end: usize,
    position: usize,
    from: usize,
    to: usize,
}

/// A term of a [`TokenBuffer`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRef<'a> {
    pub text: &'a str,
    pub position: usize,
    /// Byte range in the analysed text.
    pub from: usize,
    pub to: usize,
}

impl TokenBuffer {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<TokenRef<'_>> {
        self.tokens.get(i).map(|t| self.token_ref(t))
    }

    /// The first byte of term `i`'s text (`None`: no such term, or an empty one).
    pub fn first_byte(&self, i: usize) -> Option<u8> {
        let t = self.tokens.get(i)?;
        (t.start < t.end).then(|| self.text.as_bytes().get(t.start).copied())?
    }

    /// The text of term `i`; empty when there is none.
    pub fn text(&self, i: usize) -> &str {
        self.tokens
            .get(i)
            .map_or("", |t| &self.text[t.start..t.end])
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = TokenRef<'_>> + '_ {
        self.tokens.iter().map(|t| self.token_ref(t))
    }

    /// The terms' texts, in order.
    pub fn texts(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.tokens.iter().map(|t| &self.text[t.start..t.end])
    }

    /// The memory the buffer holds, in bytes (for caches that keep buffers).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.tokens.capacity() * std::mem::size_of::<BufferedToken>()
    }

    /// Empties the buffer, with room for the terms of a text of `len` bytes.
    fn clear(&mut self, len: usize) {
        self.text.clear();
        self.tokens.clear();
        // Folded terms are about as long as the words they come from; a word is about six
        // bytes with its separator.
        self.text.reserve(len);
        self.tokens.reserve(len / 6);
    }

    /// Adds the term whose text is the buffer's from `start` to its end.
    fn push(&mut self, start: usize, position: usize, from: usize, to: usize) {
        self.push_range(start, self.text.len(), position, from, to);
    }

    /// Adds the term whose text is the buffer's from `start` to `end`.
    fn push_range(&mut self, start: usize, end: usize, position: usize, from: usize, to: usize) {
        self.tokens.push(BufferedToken {
            start,
            end,
            position,
            from,
            to,
        });
    }

    fn token_ref(&self, t: &BufferedToken) -> TokenRef<'_> {
        TokenRef {
            text: &self.text[t.start..t.end],
            position: t.position,
            from: t.from,
            to: t.to,
        }
    }
}

/// Runs an analyzer over `text` into `out` (emptied first): the same terms as [`analyze`].
pub fn analyze_into(analyzer: &mut TextAnalyzer, text: &str, out: &mut TokenBuffer) {
    out.clear(text.len());
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        let start = out.text.len();
        out.text.push_str(&t.text);
        out.push(start, t.position, t.offset_from, t.offset_to);
    }
}

/// The first term `analyzer` makes of `text`, handed to `f` without being copied (a
/// stemmer's output read once, e.g. to look it up in a set).
pub fn with_first_term<R>(analyzer: &mut TextAnalyzer, text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut stream = analyzer.token_stream(text);
    if stream.advance() {
        f(&stream.token().text)
    } else {
        f("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_for_answers() {
        assert_eq!(
            normalize_for_match("L’IMT  compte\n13 600 Étudiants"),
            "l'imt compte 13 600 étudiants"
        );
        assert_eq!(normalize_for_match("e\u{301}cole"), "école");
    }

    fn terms(analyzer: Analyzer, mode: NumberMode, text: &str) -> Vec<String> {
        analyze(&mut analyzer.build(mode), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn french_folds_stems_and_drops_stop_words() {
        let indexed = terms(
            Analyzer::French,
            NumberMode::Index,
            "le taux de féminisation",
        );
        let typed = terms(Analyzer::French, NumberMode::Query, "taux de feminisation");
        assert_eq!(indexed, typed);
        assert_eq!(indexed.len(), 2);
        assert_eq!(
            terms(Analyzer::French, NumberMode::Query, "écoles partenaires"),
            terms(Analyzer::French, NumberMode::Query, "école partenaire")
        );
        assert_eq!(
            terms(Analyzer::French, NumberMode::Query, "l’IMT"),
            terms(Analyzer::French, NumberMode::Query, "l'imt")
        );
    }

    #[test]
    fn english_stems() {
        assert_eq!(
            terms(Analyzer::English, NumberMode::Query, "the students adopted"),
            terms(Analyzer::English, NumberMode::Query, "student adopt")
        );
    }

    #[test]
    fn exact_keeps_every_word_unstemmed() {
        assert_eq!(
            terms(
                Analyzer::Exact,
                NumberMode::Query,
                "Innover et Entreprendre"
            ),
            ["innover", "et", "entreprendre"]
        );
        assert_eq!(
            terms(Analyzer::Exact, NumberMode::Query, "13 600 Étudiants"),
            ["13600", "etudiants"]
        );
    }
}
