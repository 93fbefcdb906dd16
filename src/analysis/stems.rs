//! Snowball stems of folded words, remembered per thread. The query analyzers and
//! highlighting stem the same words request after request (a question's words, the words of
//! the passages it finds), and stemming a word costs several hash look-ups. The stems are
//! tantivy's own (`Stemmer`), so they agree with what the index holds.
//!
//! Bounded: past [`MAX_KEPT`] words, a language's memory starts again.

use std::cell::RefCell;

use rustc_hash::FxHashMap as HashMap;
use tantivy::tokenizer::{Language, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};

use super::{with_first_term, word_stemmer};
use crate::model::Lang;

/// Words remembered per language and thread: about 4 MB, the vocabulary of a large corpus's
/// frequent words.
pub const MAX_KEPT: usize = 50_000;

/// One language's stemmer and the stems it gave.
struct Kept {
    stemmer: TextAnalyzer,
    stems: HashMap<Box<str>, Box<str>>,
}

impl Kept {
    fn new(language: Language) -> Kept {
        Kept {
            stemmer: word_stemmer(language),
            stems: HashMap::default(),
        }
    }

    /// Calls `f` with the stem of `word`, stemmed on first sight.
    fn with_stem<R>(&mut self, word: &str, f: impl FnOnce(&str) -> R) -> R {
        if let Some(stem) = self.stems.get(word) {
            return f(stem);
        }
        let stem: Box<str> = with_first_term(&mut self.stemmer, word, |s| Box::from(s));
        let out = f(&stem);
        if self.stems.len() >= MAX_KEPT {
            self.stems.clear();
        }
        self.stems.insert(Box::from(word), stem);
        out
    }
}

thread_local! {
    static FRENCH: RefCell<Kept> = RefCell::new(Kept::new(Language::French));
    static ENGLISH: RefCell<Kept> = RefCell::new(Kept::new(Language::English));
}

/// Calls `f` with the stem of `word` (folded) in `lang`. `f` must not stem in the same
/// language itself.
pub fn with_stem<R>(lang: Lang, word: &str, f: impl FnOnce(&str) -> R) -> R {
    let kept = match lang {
        Lang::Fr => &FRENCH,
        Lang::En => &ENGLISH,
    };
    kept.with(|kept| kept.borrow_mut().with_stem(word, f))
}

/// A token filter giving each token its stem through [`with_stem`]: the same terms as
/// tantivy's `Stemmer` filter.
#[derive(Clone, Copy)]
pub struct KeptStems(pub Lang);

impl TokenFilter for KeptStems {
    type Tokenizer<T: Tokenizer> = KeptStemsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> KeptStemsFilter<T> {
        KeptStemsFilter {
            lang: self.0,
            inner: tokenizer,
        }
    }
}

#[derive(Clone)]
pub struct KeptStemsFilter<T> {
    lang: Lang,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for KeptStemsFilter<T> {
    type TokenStream<'a> = KeptStemsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        KeptStemsStream {
            lang: self.lang,
            tail: self.inner.token_stream(text),
            buffer: String::new(),
        }
    }
}

pub struct KeptStemsStream<T> {
    lang: Lang,
    tail: T,
    buffer: String,
}

impl<T: TokenStream> TokenStream for KeptStemsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let buffer = &mut self.buffer;
        with_stem(self.lang, &token.text, |stem| {
            buffer.clear();
            buffer.push_str(stem);
        });
        std::mem::swap(&mut token.text, buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Analyzer, NumberMode};

    #[test]
    fn kept_stems_are_tantivys() {
        let text = "Les écoles partenaires adoptèrent leurs raisons d'être; students adopted \
                    the statements, féminisation, feminisation, 2027";
        for (analyzer, lang, language) in [
            (Analyzer::French, Lang::Fr, Language::French),
            (Analyzer::English, Lang::En, Language::English),
        ] {
            let kept = analyze(&mut analyzer.build(NumberMode::Query), text);
            // twice: the second time from memory
            assert_eq!(kept, analyze(&mut analyzer.build(NumberMode::Query), text));
            let mut stemmer = word_stemmer(language);
            let folded = analyze(&mut Analyzer::Exact.build(NumberMode::Query), text);
            for token in &kept {
                let word = folded
                    .iter()
                    .find(|f| f.position == token.position)
                    .expect("the folded word");
                let direct = with_first_term(&mut stemmer, &word.text, str::to_owned);
                assert_eq!(token.text, direct, "{}", word.text);
                assert_eq!(with_stem(lang, &word.text, str::to_owned), direct);
            }
        }
    }
}
