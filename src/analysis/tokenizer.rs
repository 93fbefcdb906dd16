//! The word-and-number tokenizer under every Sourcier analyzer.
//!
//! Words are runs of letters and digits: anything else splits, so `l’IMT` and `l'IMT` both give
//! `l` + `IMT`. Numbers written in pieces are joined into one canonical token so that a figure
//! matches however it is typed: `13 600` (space, no-break or narrow no-break space), `13,600`,
//! `13.600` and `13600` all give `13600`; `1,2` and `1.2` give `1.2`; `38 %` and `38%` give
//! `38%`. When indexing, the pieces are kept too (so `600` alone still matches) and the joined
//! token sits at the position of the last piece, which keeps phrase queries exact.
//!
//! A number glued to a unit is two words: `9.4M€` gives `9.4` + `M`, `350k€` gives `350` + `k`,
//! the same as `9,4 M€` and `350 k€`. A word glued to a footnote call (`EURECOM3`, `CGE7`,
//! `TSN20`: letters then one or two digits) also gives, when indexing, the word alone at the
//! same position, so `EURECOM` finds it.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

mod folding;

pub use folding::FoldingTokenizer;

/// Indexing keeps number pieces next to the joined form; querying emits only the joined form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberMode {
    Index,
    Query,
}

#[derive(Debug, Clone)]
pub struct WordNumberTokenizer {
    mode: NumberMode,
    tokens: Vec<Token>,
    scratch: Scratch,
}

impl WordNumberTokenizer {
    pub fn new(mode: NumberMode) -> WordNumberTokenizer {
        WordNumberTokenizer {
            mode,
            tokens: Vec::new(),
            scratch: Scratch::default(),
        }
    }
}

/// Buffers kept from one text to the next, like the tokens.
#[derive(Debug, Clone, Default)]
struct Scratch {
    runs: Vec<Run>,
    /// A number's joined form.
    canonical: String,
}

pub struct WordNumberTokenStream<'a> {
    /// The tokens of the text are the first `len`; the rest are kept for their buffers.
    tokens: &'a mut Vec<Token>,
    len: usize,
    next: usize,
}

impl Tokenizer for WordNumberTokenizer {
    type TokenStream<'a> = WordNumberTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordNumberTokenStream<'a> {
        let len = tokenize_into(text, self.mode, &mut self.tokens, &mut self.scratch);
        WordNumberTokenStream {
            tokens: &mut self.tokens,
            len,
            next: 0,
        }
    }
}

impl TokenStream for WordNumberTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.len
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// A run of letters/digits, by byte offsets.
#[derive(Debug, Clone, Copy)]
struct Run {
    from: usize,
    to: usize,
    /// Two runs joined over an apostrophe ([`APOSTROPHE_WORDS`]): the only runs holding one.
    joined: bool,
    /// All ASCII (most words): the sink may lower-case it byte by byte.
    ascii: bool,
}

impl Run {
    /// A run of ASCII digits: what a run that starts with a digit always is (see [`runs`]).
    fn is_number(&self, text: &str) -> bool {
        text.as_bytes()
            .get(self.from)
            .is_some_and(u8::is_ascii_digit)
    }
}

fn is_space_separator(s: &str) -> bool {
    matches!(s, " " | "\u{00A0}" | "\u{202F}" | "\u{2009}")
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `char::is_alphanumeric`, answered without the Unicode tables for the characters of French
/// and English text (ASCII, Latin-1, where only `×` and `÷` are no letter among `À`–`ÿ`, and
/// the typographic apostrophes, quotes, dashes and spaces).
fn is_word_char(c: char) -> bool {
    match c {
        '\0'..='\u{7f}' => c.is_ascii_alphanumeric(),
        // Latin-1's symbols and spaces (the no-break space), of which these few only are
        // letters or numbers
        '\u{80}'..='\u{bf}' => matches!(c, 'ª' | '²' | '³' | 'µ' | '¹' | 'º' | '¼' | '½' | '¾'),
        '\u{c0}'..='\u{ff}' => c != '×' && c != '÷',
        // General Punctuation (spaces, dashes, quotes and apostrophes, bullets): no letter
        '\u{2000}'..='\u{206f}' => false,
        _ => c.is_alphanumeric(),
    }
}

/// What a byte is to [`runs`]: a letter, a digit, anything else, or the first or a
/// continuation byte of a non-ASCII character (whose class its char gives).
const OTHER: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const NON_ASCII: u8 = 3;
const BYTE_CLASS: [u8; 256] = {
    let mut class = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        class[b] = match b as u8 {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            0x80..=0xff => NON_ASCII,
            _ => OTHER,
        };
        b += 1;
    }
    class
};

/// Splits `text` into runs of alphanumeric characters (into `out`, emptied first); a run that
/// starts with digits ends where letters follow them (`9.4M€` → `9`, `4`, `M`), so such a run
/// is all ASCII digits.
fn runs(text: &str, out: &mut Vec<Run>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (class, len) = match BYTE_CLASS[usize::from(bytes[i])] {
            NON_ASCII => non_ascii_class(text, i),
            class => (class, 1),
        };
        if class == OTHER {
            i += len;
            continue;
        }
        let from = i;
        i += len;
        if class == DIGIT {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            out.push(Run {
                from,
                to: i,
                joined: false,
                ascii: true,
            });
            continue;
        }
        let mut ascii = len == 1;
        while let Some(&b) = bytes.get(i) {
            match BYTE_CLASS[usize::from(b)] {
                LETTER | DIGIT => i += 1,
                NON_ASCII => {
                    let (class, len) = non_ascii_class(text, i);
                    if class == OTHER {
                        break;
                    }
                    ascii = false;
                    i += len;
                }
                _ => break,
            }
        }
        out.push(Run {
            from,
            to: i,
            joined: false,
            ascii,
        });
    }
}

/// The class of the non-ASCII character at byte `i` of `text` (a letter or anything else:
/// no digit), and its length.
fn non_ascii_class(text: &str, i: usize) -> (u8, usize) {
    match text[i..].chars().next() {
        Some(c) if is_word_char(c) => (LETTER, c.len_utf8()),
        Some(c) => (OTHER, c.len_utf8()),
        None => (OTHER, text.len() - i),
    }
}

/// French words written with an apostrophe inside that is no elision (`aujourd’hui`: not
/// `aujourd` + `hui`), as (before, after) the apostrophe, lower-case. They are one word,
/// written without the apostrophe (`aujourdhui`), however the apostrophe is typed.
const APOSTROPHE_WORDS: &[(&str, &[&str])] = &[
    ("aujourd", &["hui"]),
    ("quelqu", &["un", "une", "uns", "unes"]),
    ("presqu", &["ile", "île", "iles", "îles"]),
    (
        "prud",
        &["homme", "hommes", "homal", "homale", "homales", "homaux"],
    ),
];

/// Joins the two runs of an [`APOSTROPHE_WORDS`] word into one.
fn join_apostrophe_words(text: &str, runs: &mut Vec<Run>) {
    let mut i = 0;
    while i + 1 < runs.len() {
        let (a, b) = (runs[i], runs[i + 1]);
        // `'` or `’`, compared as bytes
        let apostrophe = matches!(&text.as_bytes()[a.to..b.from], b"'" | [0xe2, 0x80, 0x99]);
        // the shortest word before an apostrophe that joins is four letters (`prud`)
        let joined = apostrophe && a.to - a.from >= 4 && {
            let (first, second) = (&text[a.from..a.to], &text[b.from..b.to]);
            APOSTROPHE_WORDS.iter().any(|(before, afters)| {
                lower_case_is(first, before)
                    && afters.iter().any(|after| lower_case_is(second, after))
            })
        };
        if joined {
            runs[i] = Run {
                from: a.from,
                to: b.to,
                joined: true,
                ascii: a.ascii && b.ascii,
            };
            runs.remove(i + 1);
        }
        i += 1;
    }
}

/// Is `word` lower-cased `lower` (`word.to_lowercase() == lower`)? An ASCII word is compared
/// in place; an ASCII word lower-cases to no other text.
fn lower_case_is(word: &str, lower: &str) -> bool {
    if word.is_ascii() {
        lower.is_ascii() && word.eq_ignore_ascii_case(lower)
    } else {
        word.to_lowercase() == lower
    }
}

/// `EURECOM3` → `EURECOM`: two or more letters, then one or two digits (a footnote call glued
/// to the word by PDF extraction). Longer digit tails are names (`H2020`).
pub(crate) fn without_footnote_call(word: &str) -> Option<&str> {
    // most words do not end with a digit: answered before looking for one
    if !word.as_bytes().last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let letters_end = word.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = word.split_at(letters_end);
    (letters.chars().count() >= 2
        && letters.chars().all(char::is_alphabetic)
        && (1..=2).contains(&digits.len())
        && all_digits(digits))
    .then_some(letters)
}

/// Where the tokenizer writes its tokens: each as its byte range in the text, its position,
/// and a function writing its text into a buffer.
trait Sink {
    fn push(&mut self, from: usize, to: usize, position: usize, write: impl FnOnce(&mut String));

    /// Pushes `word` as it is written (`ascii` when it is all ASCII).
    fn push_word(&mut self, from: usize, to: usize, position: usize, word: &str, _ascii: bool) {
        self.push(from, to, position, |t| t.push_str(word));
    }
}

/// Tantivy tokens, written over those of the previous text, reusing their buffers (a
/// tokenizer runs over every passage indexed: an allocation per word is most of its cost).
struct Tokens<'a> {
    tokens: &'a mut Vec<Token>,
    len: usize,
}

impl Sink for Tokens<'_> {
    fn push(&mut self, from: usize, to: usize, position: usize, write: impl FnOnce(&mut String)) {
        if self.len == self.tokens.len() {
            // Room for a long word from the start: the lower-casing filter reserves 50 bytes
            // in the buffers it swaps with the tokens', so smaller ones would be grown again.
            self.tokens.push(Token {
                text: String::with_capacity(TOKEN_CAPACITY),
                ..Token::default()
            });
        }
        let token = &mut self.tokens[self.len];
        token.offset_from = from;
        token.offset_to = to;
        token.position = position;
        token.position_length = 1;
        token.text.clear();
        write(&mut token.text);
        self.len += 1;
    }
}

/// The capacity a new token's text buffer starts with (see [`Tokens::push`]).
const TOKEN_CAPACITY: usize = 50;

/// Tokens of the whole text for tests: exactly the text's tokens in `out`.
#[cfg(test)]
fn tokenize(text: &str, mode: NumberMode, out: &mut Vec<Token>) {
    let len = tokenize_into(text, mode, out, &mut Scratch::default());
    out.truncate(len);
}

/// Writes the tokens of `text` over the first of `tokens`; returns how many.
fn tokenize_into(
    text: &str,
    mode: NumberMode,
    tokens: &mut Vec<Token>,
    scratch: &mut Scratch,
) -> usize {
    let mut out = Tokens { tokens, len: 0 };
    tokenize_to(text, mode, scratch, &mut out);
    out.len
}

/// Writes the tokens of `text` to `out`.
fn tokenize_to(text: &str, mode: NumberMode, scratch: &mut Scratch, out: &mut impl Sink) {
    let Scratch { runs, canonical } = scratch;
    self::runs(text, runs);
    join_apostrophe_words(text, runs);
    let mut position = 0usize;
    let mut i = 0;
    while i < runs.len() {
        let run = runs[i];
        let word = &text[run.from..run.to];
        if !run.is_number(text) {
            if run.joined {
                out.push(run.from, run.to, position, |t| {
                    t.extend(word.chars().filter(|c| !matches!(c, '\'' | '\u{2019}')))
                });
            } else {
                out.push_word(run.from, run.to, position, word, run.ascii);
            }
            // (most words end with no digit: no call for them)
            if mode == NumberMode::Index && word.as_bytes().last().is_some_and(u8::is_ascii_digit) {
                if let Some(bare) = without_footnote_call(word) {
                    out.push(run.from, run.from + bare.len(), position, |t| {
                        t.push_str(bare)
                    });
                }
            }
            position += 1;
            i += 1;
            continue;
        }
        // A number: gather its pieces.
        canonical.clear();
        canonical.push_str(word);
        let mut last = i;
        let mut decimal = false;
        let first_len = word.len();
        while last + 1 < runs.len() && !decimal {
            let next = runs[last + 1];
            if !next.is_number(text) {
                break;
            }
            let piece = &text[next.from..next.to];
            let sep = &text[runs[last].to..next.from];
            let thousands_group = piece.len() == 3 && first_len <= 3;
            let point = sep == "," || sep == ".";
            if thousands_group && (is_space_separator(sep) || (point && !canonical.contains('.'))) {
                canonical.push_str(piece);
            } else if (sep == "," || sep == ".") && last == i {
                canonical.push('.');
                canonical.push_str(piece);
                decimal = true;
            } else {
                break;
            }
            last += 1;
        }
        let group_to = runs[last].to;
        // `38%`, `38 %`, `38 %`
        let after = &text[group_to..];
        let percent_len = ["%", " %", "\u{00A0}%", "\u{202F}%"]
            .iter()
            .find(|p| after.starts_with(*p))
            .map(|p| p.len());
        let pieces = last - i + 1;
        match mode {
            NumberMode::Index => {
                for piece in &runs[i..=last] {
                    out.push(piece.from, piece.to, position, |t| {
                        t.push_str(&text[piece.from..piece.to])
                    });
                    position += 1;
                }
                let joined_position = position - 1;
                if pieces > 1 {
                    out.push(run.from, group_to, joined_position, |t| {
                        t.push_str(canonical)
                    });
                }
                if let Some(len) = percent_len {
                    out.push(run.from, group_to + len, joined_position, |t| {
                        t.push_str(canonical);
                        t.push('%');
                    });
                }
            }
            NumberMode::Query => {
                let to = group_to + percent_len.unwrap_or(0);
                out.push(run.from, to, position, |t| {
                    t.push_str(canonical);
                    if percent_len.is_some() {
                        t.push('%');
                    }
                });
                position += 1;
            }
        }
        i = last + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, mode: NumberMode) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        tokenize(text, mode, &mut out);
        out.into_iter().map(|t| (t.text, t.position)).collect()
    }

    fn query(text: &str) -> Vec<String> {
        texts(text, NumberMode::Query)
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    #[test]
    fn word_chars_are_the_alphanumeric_chars() {
        for c in ('\0'..='\u{2fff}').chain(['\u{1d400}', '\u{10ffff}']) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn lower_case_is_to_lowercase() {
        for word in [
            "aujourd", "AUJOURD", "Aujourd", "aujour", "île", "ÎLE", "ILE", "Ile", "K", "\u{212a}",
        ] {
            for lower in ["aujourd", "île", "ile", "k"] {
                assert_eq!(
                    lower_case_is(word, lower),
                    word.to_lowercase() == lower,
                    "{word} {lower}"
                );
            }
        }
    }

    #[test]
    fn apostrophes_split_words() {
        assert_eq!(query("l’IMT d'étudiants"), ["l", "IMT", "d", "étudiants"]);
        assert_eq!(query("Paris's"), ["Paris", "s"]);
    }

    #[test]
    fn an_apostrophe_inside_a_word_is_no_elision() {
        assert_eq!(
            query("Aujourd’hui, les élèves"),
            ["Aujourdhui", "les", "élèves"]
        );
        assert_eq!(query("aujourd'hui"), ["aujourdhui"]);
        assert_eq!(query("quelqu’un d’autre"), ["quelquun", "d", "autre"]);
        // offsets still cover the word as written, apostrophe included
        let mut out = Vec::new();
        tokenize("c’est aujourd’hui", NumberMode::Index, &mut out);
        let last = out.last().expect("a token");
        assert_eq!(
            &"c’est aujourd’hui"[last.offset_from..last.offset_to],
            "aujourd’hui"
        );
        assert_eq!(last.position, 2);
    }

    #[test]
    fn thousands_however_typed() {
        for typed in [
            "13 600",
            "13\u{00A0}600",
            "13\u{202F}600",
            "13,600",
            "13.600",
            "13600",
        ] {
            assert_eq!(query(typed), ["13600"], "{typed:?}");
        }
        assert_eq!(query("1 200 000 euros"), ["1200000", "euros"]);
    }

    #[test]
    fn decimals_and_percentages() {
        assert_eq!(query("1,2 million"), ["1.2", "million"]);
        assert_eq!(query("1.2 million"), ["1.2", "million"]);
        assert_eq!(query("38 %"), ["38%"]);
        assert_eq!(query("38%"), ["38%"]);
        assert_eq!(query("38\u{202F}%"), ["38%"]);
    }

    #[test]
    fn years_and_lists_are_not_glued() {
        assert_eq!(query("2023 2027"), ["2023", "2027"]);
        assert_eq!(query("1, 2, 3"), ["1", "2", "3"]);
        assert_eq!(query("12 34"), ["12", "34"]);
    }

    #[test]
    fn index_mode_keeps_pieces_and_aligns_the_joined_token() {
        assert_eq!(
            texts("13 600 étudiants", NumberMode::Index),
            [
                ("13".to_string(), 0),
                ("600".to_string(), 1),
                ("13600".to_string(), 1),
                ("étudiants".to_string(), 2)
            ]
        );
        assert_eq!(
            texts("soit 38 %.", NumberMode::Index),
            [
                ("soit".to_string(), 0),
                ("38".to_string(), 1),
                ("38%".to_string(), 1)
            ]
        );
    }

    #[test]
    fn units_glued_to_numbers_are_words() {
        assert_eq!(query("9.4M€"), ["9.4", "M"]);
        assert_eq!(query("9,4 M€"), ["9.4", "M"]);
        assert_eq!(query("350k€"), ["350", "k"]);
        assert_eq!(query("12ème rang"), ["12", "ème", "rang"]);
        assert_eq!(query("H2020 5G"), ["H2020", "5", "G"]);
    }

    #[test]
    fn footnote_calls_give_the_bare_word_when_indexing() {
        assert_eq!(
            texts("EURECOM3 et H2020", NumberMode::Index),
            [
                ("EURECOM3".to_string(), 0),
                ("EURECOM".to_string(), 0),
                ("et".to_string(), 1),
                ("H2020".to_string(), 2)
            ]
        );
        assert_eq!(query("EURECOM3"), ["EURECOM3"]);
    }

    #[test]
    fn offsets_cover_the_number_as_written() {
        let text = "les 13 600 étudiants";
        let mut out = Vec::new();
        tokenize(text, NumberMode::Index, &mut out);
        let joined = out
            .iter()
            .find(|t| t.text == "13600")
            .expect("joined token");
        assert_eq!(&text[joined.offset_from..joined.offset_to], "13 600");
    }

    /// Pieces of French and English text, numbers, separators and other scripts.
    pub(super) fn arb_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            proptest::sample::select(vec![
                "féminisation",
                "Élèves",
                "ÉCOLE",
                "aujourd",
                "hui",
                "quelqu",
                "un",
                "prud",
                "hommes",
                "presqu",
                "île",
                "l",
                "d",
                "IMT",
                "Paris",
                "students",
                "the",
                "13",
                "600",
                "2023",
                "38",
                "1",
                "2",
                "M€",
                "k",
                "ème",
                "EURECOM3",
                "H2020",
                "œuvre",
                "straße",
                "İ",
                "Σ",
                "ß",
                "ﬁ",
                "Ǆ",
                "K",
                "\u{301}",
                "日本",
                "𝐀",
                "🙂",
            ])
            .prop_map(str::to_string),
            "[a-zA-Z0-9]{1,12}",
            "[a-zA-Zàâçéèêëîïôûùüÿœæ0-9]{1,12}",
            any::<char>().prop_map(String::from),
            "[a-zA-Zé]{55,65}",
        ];
        let separator = proptest::sample::select(vec![
            " ", " ", " ", "\u{a0}", "\u{202f}", "\u{2009}", "'", "’", ",", ".", ", ", "%", " %",
            "\u{a0}%", "-", "\n", "", ";", "(", ")",
        ]);
        proptest::collection::vec((piece, separator), 0..24).prop_map(|parts| {
            parts
                .into_iter()
                .flat_map(|(piece, separator)| [piece, separator.to_string()])
                .collect()
        })
    }

    /// [`runs`] as its doc says, char by char: alphanumeric runs, a run's leading ASCII digits
    /// cut from the letters after them.
    fn runs_by_chars(text: &str) -> Vec<(usize, usize, bool)> {
        let mut out = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((from, c)) = chars.next() {
            if !c.is_alphanumeric() {
                continue;
            }
            let digits = c.is_ascii_digit();
            let mut to = from + c.len_utf8();
            while let Some(&(i, c)) = chars.peek() {
                if !c.is_alphanumeric() || (digits && !c.is_ascii_digit()) {
                    break;
                }
                to = i + c.len_utf8();
                chars.next();
            }
            out.push((from, to, text[from..to].is_ascii()));
        }
        out
    }

    proptest::proptest! {
        /// The byte-wise scan finds the runs, and says which are ASCII, as the char-wise one.
        #[test]
        fn runs_are_the_alphanumeric_runs(text in arb_text()) {
            let mut found = Vec::new();
            runs(&text, &mut found);
            let found: Vec<_> = found.iter().map(|r| (r.from, r.to, r.ascii)).collect();
            proptest::prop_assert_eq!(found, runs_by_chars(&text));
        }
    }
}
