//! Highlighting: which byte ranges of a passage matched the query (data), and their rendering
//! as HTML with `<mark>` (a separate step). Matching re-runs the index analyzers over the
//! passage, so stemmed, unaccented and number-joined forms light up the words as written.

use rustc_hash::FxHashSet as HashSet;

use crate::analysis::stems::with_stem;
#[cfg(test)]
use crate::analysis::{analyze, Analyzer};
use crate::analysis::{dates, FoldingTokenizer, NumberMode, TokenBuffer};
use crate::model::Lang;

/// The analysed query terms to look for, per analyzer.
#[derive(Debug, Default, Clone)]
pub struct MatchTerms {
    pub french: HashSet<String>,
    pub english: HashSet<String>,
    pub exact: HashSet<String>,
}

impl MatchTerms {
    /// The terms ready to match the tokens of many passages: their first letters are worked
    /// out once.
    pub fn prepare(&self) -> PreparedTerms<'_> {
        let (french_prefixes, english_prefixes) =
            (Prefixes::of(&self.french), Prefixes::of(&self.english));
        let first_bytes = FirstBytes::of(&self.exact, &french_prefixes, &english_prefixes);
        PreparedTerms {
            terms: self,
            french_prefixes,
            english_prefixes,
            first_bytes,
        }
    }
}

/// [`MatchTerms`] with the first letters of their forms, for [`Highlighter::ranges`].
pub struct PreparedTerms<'a> {
    terms: &'a MatchTerms,
    french_prefixes: Prefixes,
    english_prefixes: Prefixes,
    first_bytes: FirstBytes,
}

/// What highlighting needs, built once and cloned per request (cheap). Passages are only
/// tokenised and folded (the exact analyzer); a word is stemmed only when it could produce a
/// wanted stem (it starts like one), which keeps highlighting ten passages well under a
/// millisecond. Stems are the thread's remembered ones ([`stems::with_stem`]), tantivy's own,
/// so forms agree with the index.
#[derive(Clone)]
pub struct Highlighter {
    /// The exact analyzer in index mode, in one pass.
    exact: FoldingTokenizer,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter {
            exact: FoldingTokenizer::new(NumberMode::Index),
        }
    }
}

/// The first three letters of a stem (fewer when it is shorter), in place: three chars are
/// at most twelve bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Prefix {
    bytes: [u8; 12],
    len: u8,
}

impl Prefix {
    fn of(stem: &str) -> Prefix {
        let len = stem.char_indices().nth(3).map_or(stem.len(), |(i, _)| i);
        let mut bytes = [0; 12];
        bytes[..len].copy_from_slice(&stem.as_bytes()[..len]);
        Prefix {
            bytes,
            len: len as u8,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Does `word` start with this prefix? Compared byte by byte: a prefix is a few bytes,
    /// and this runs for many passage words per query, where a call to `memcmp` costs more
    /// than the comparison.
    fn starts(&self, word: &[u8]) -> bool {
        let len = usize::from(self.len);
        word.len() >= len && (0..len).all(|i| self.bytes[i] == word[i])
    }
}

/// The prefixes of a set of stems (see [`may_stem_to`]), each once.
#[derive(Debug, Clone, Default)]
struct Prefixes(Vec<Prefix>);

impl Prefixes {
    fn of<'s>(stems: impl IntoIterator<Item = &'s String>) -> Prefixes {
        let mut prefixes: Vec<Prefix> = stems.into_iter().map(|s| Prefix::of(s)).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        Prefixes(prefixes)
    }
}

/// The first bytes of a query word's forms: exact forms and stem prefixes. A passage word
/// that starts with none of them equals no exact form and starts like no stem, so it is
/// ruled out with one bit test (most words of a passage are).
#[derive(Debug, Clone, Default)]
struct FirstBytes {
    bits: [u64; 4],
    /// An empty form: every word may match.
    any: bool,
}

impl FirstBytes {
    /// The first bytes of exact forms and of stem prefixes.
    fn of<'s>(
        exact: impl IntoIterator<Item = &'s String>,
        french: &Prefixes,
        english: &Prefixes,
    ) -> FirstBytes {
        let mut first_bytes = FirstBytes::default();
        for e in exact {
            first_bytes.add(e.as_bytes());
        }
        first_bytes.add_prefixes(french);
        first_bytes.add_prefixes(english);
        first_bytes
    }

    fn add(&mut self, form: &[u8]) {
        match form.first() {
            Some(&b) => self.bits[usize::from(b >> 6)] |= 1 << (b & 63),
            None => self.any = true,
        }
    }

    fn add_prefixes(&mut self, prefixes: &Prefixes) {
        for p in &prefixes.0 {
            self.add(p.as_bytes());
        }
    }

    /// The first bytes of every form of any of `words`.
    fn any_of(words: &[WordStems]) -> FirstBytes {
        let mut any = FirstBytes::default();
        for w in words {
            for (bits, more) in any.bits.iter_mut().zip(w.first_bytes.bits) {
                *bits |= more;
            }
            any.any |= w.first_bytes.any;
        }
        any
    }

    fn may_start(&self, word: &str) -> bool {
        self.may_start_with(word.as_bytes().first().copied())
    }

    /// [`Self::may_start`] of a word that starts with `first` (`None`: an empty word).
    fn may_start_with(&self, first: Option<u8>) -> bool {
        self.any || first.is_some_and(|b| self.bits[usize::from(b >> 6)] & (1 << (b & 63)) != 0)
    }
}

/// The stems a passage word is matched against, with their first letters.
#[derive(Clone, Copy)]
struct StemSet<'a> {
    stems: &'a HashSet<String>,
    prefixes: &'a Prefixes,
}

/// One word of the query in every analysed form it may take in a passage (its own forms and
/// those of its synonyms).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    pub exact: Vec<String>,
    pub french: Vec<String>,
    pub english: Vec<String>,
    /// The French stems of the word's multi-word synonyms (`raison`, `être` for `purpose
    /// statement`): one alone is too loose to say the passage holds the word, but it shows
    /// where the passage speaks of it.
    pub phrase_french: Vec<String>,
    /// How much finding the word tells: its IDF (`dessein` found says more than `IMT`).
    pub weight: f32,
}

/// A query word's stems as sets, for matching passage tokens against it: built once per
/// query, used for every passage.
pub struct WordStems<'a> {
    exact: &'a [String],
    french: HashSet<String>,
    english: HashSet<String>,
    french_prefixes: Prefixes,
    english_prefixes: Prefixes,
    first_bytes: FirstBytes,
    weight: f32,
}

impl<'a> WordStems<'a> {
    /// The words' stems; with `phrase_words`, those of their multi-word synonyms too.
    pub fn of(words: &'a [QueryWord], phrase_words: bool) -> Vec<WordStems<'a>> {
        words
            .iter()
            .map(|w| {
                let phrase_french = w.phrase_french.iter().filter(|_| phrase_words);
                let french: HashSet<String> =
                    w.french.iter().chain(phrase_french).cloned().collect();
                let english: HashSet<String> = w.english.iter().cloned().collect();
                let (french_prefixes, english_prefixes) =
                    (Prefixes::of(&french), Prefixes::of(&english));
                let first_bytes = FirstBytes::of(&w.exact, &french_prefixes, &english_prefixes);
                WordStems {
                    exact: &w.exact,
                    french_prefixes,
                    english_prefixes,
                    first_bytes,
                    french,
                    english,
                    weight: w.weight,
                }
            })
            .collect()
    }
}

/// Is a word that `is_answer` accepts, not itself matched, within `window` words of a matched
/// word that is no number?
fn beside_match(
    words: &TokenBuffer,
    ranges: &[(usize, usize)],
    window: usize,
    is_answer: impl Fn(&TokenBuffer, usize) -> bool,
) -> bool {
    let matched = |i: usize| {
        words
            .get(i)
            .is_some_and(|t| ranges.iter().any(|&(a, b)| a <= t.from && t.to <= b))
    };
    (0..words.len()).any(|i| {
        is_answer(words, i)
            && !matched(i)
            && (i.saturating_sub(window)..(i + window + 1).min(words.len()))
                .any(|near| matched(near) && !dates::is_number(words.text(near)))
    })
}

/// A passage's folded tokens, computed once for highlighting and coverage.
pub struct PassageTokens {
    exact: TokenBuffer,
}

impl PassageTokens {
    /// The memory the tokens hold, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.exact.heap_bytes()
    }
}

/// The indexes of the bits set in `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let k = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            k
        })
    })
}

/// Could `word` (folded) stem to one of the stems these are the first letters of? Snowball
/// only cuts or rewrites endings, so a word and its stem share their first letters.
fn may_stem_to(word: &str, prefixes: &Prefixes) -> bool {
    prefixes.0.iter().any(|p| p.starts(word.as_bytes()))
}

impl Highlighter {
    pub fn analyze(&mut self, text: &str) -> PassageTokens {
        let mut exact = TokenBuffer::default();
        self.exact.analyze_into(text, &mut exact);
        PassageTokens { exact }
    }

    /// Does this passage token match the wanted French/English stems?
    fn stem_matches(&mut self, word: &str, french: StemSet, english: StemSet) -> bool {
        let stem_in = |lang, stems: &HashSet<String>| with_stem(lang, word, |s| stems.contains(s));
        (!french.stems.is_empty()
            && may_stem_to(word, french.prefixes)
            && stem_in(Lang::Fr, french.stems))
            || (!english.stems.is_empty()
                && may_stem_to(word, english.prefixes)
                && stem_in(Lang::En, english.stems))
    }

    /// Byte ranges of the passage whose words match `terms`, sorted and merged.
    pub fn ranges(&mut self, tokens: &PassageTokens, terms: &PreparedTerms) -> Vec<(usize, usize)> {
        let french = StemSet {
            stems: &terms.terms.french,
            prefixes: &terms.french_prefixes,
        };
        let english = StemSet {
            stems: &terms.terms.english,
            prefixes: &terms.english_prefixes,
        };
        let mut ranges = Vec::new();
        let words = &tokens.exact;
        for i in 0..words.len() {
            // most tokens are ruled out by their first byte, before their text is looked at
            if !terms.first_bytes.may_start_with(words.first_byte(i)) {
                continue;
            }
            let Some(token) = words.get(i) else {
                continue;
            };
            if terms.terms.exact.contains(token.text)
                || self.stem_matches(token.text, french, english)
            {
                ranges.push((token.from, token.to));
            }
        }
        merge(ranges)
    }

    /// Is a number (digits, or a number word such as `cinq`) within `window` words of a
    /// matched word (`4 défis`, `cinq axes stratégiques`, `doctorants … 302`)? Numbers that
    /// are themselves query words (`2027`) do not count.
    pub fn number_beside_match(
        &self,
        tokens: &PassageTokens,
        ranges: &[(usize, usize)],
        window: usize,
    ) -> bool {
        beside_match(&tokens.exact, ranges, window, |words, i| {
            dates::is_number(words.text(i))
        })
    }

    /// Is a date or a duration (a year, a month's name, `deux décennies`, `70 ans`) within
    /// `window` words of a matched word? Years that are query words do not count.
    pub fn time_beside_match(
        &self,
        tokens: &PassageTokens,
        ranges: &[(usize, usize)],
        window: usize,
    ) -> bool {
        beside_match(&tokens.exact, ranges, window, |words, i| {
            let text = |j: Option<usize>| j.and_then(|j| words.get(j)).map(|w| w.text);
            dates::states_time(text(i.checked_sub(1)), words.text(i), text(Some(i + 1)))
        })
    }

    /// Byte ranges of `text` that match.
    pub fn ranges_in(&mut self, text: &str, terms: &MatchTerms) -> Vec<(usize, usize)> {
        let tokens = self.analyze(text);
        self.ranges(&tokens, &terms.prepare())
    }

    /// The words of `words` (at most 64) the passage token stands for, in any of their forms,
    /// as bits. The token's stem in each language is looked up once, whatever the number of
    /// words that could have it.
    fn matched_mask(&mut self, token: &str, words: &[WordStems]) -> u64 {
        debug_assert!(words.len() <= 64);
        // words found as typed, and those whose French or English stems the token may have
        let (mut found, mut french, mut english) = (0u64, 0u64, 0u64);
        for (k, word) in words.iter().enumerate() {
            if !word.first_bytes.may_start(token) {
                continue;
            }
            let bit = 1 << k;
            if word.exact.iter().any(|e| e == token) {
                found |= bit;
                continue;
            }
            if !word.french.is_empty() && may_stem_to(token, &word.french_prefixes) {
                french |= bit;
            }
            if !word.english.is_empty() && may_stem_to(token, &word.english_prefixes) {
                english |= bit;
            }
        }
        let with_stem_in =
            |lang, candidates: u64, stems: for<'w> fn(&'w WordStems) -> &'w HashSet<String>| {
                with_stem(lang, token, |stem| {
                    bits(candidates)
                        .filter(|&k| stems(&words[k]).contains(stem))
                        .fold(0, |mask, k| mask | 1 << k)
                })
            };
        if french != 0 {
            found |= with_stem_in(Lang::Fr, french, |w| &w.french);
        }
        let english = english & !found;
        if english != 0 {
            found |= with_stem_in(Lang::En, english, |w| &w.english);
        }
        found
    }

    /// Calls `f` with each query word (index into `words`) the token stands for, in order.
    fn each_word_matched(
        &mut self,
        token: &str,
        words: &[WordStems],
        any_first_bytes: &FirstBytes,
        mut f: impl FnMut(usize),
    ) {
        if !any_first_bytes.may_start(token) {
            return;
        }
        for (c, chunk) in words.chunks(64).enumerate() {
            bits(self.matched_mask(token, chunk)).for_each(|k| f(c * 64 + k));
        }
    }

    /// The query words (indexes into `words`) a token stands for, in any of their forms: the
    /// one matcher of search (highlight, coverage, word density) and answers.
    pub fn words_matched(&mut self, token: &str, words: &[WordStems]) -> Vec<usize> {
        // one token: the words' own first bytes rule it out as cheaply as their union would
        let mut matched = Vec::new();
        for (c, chunk) in words.chunks(64).enumerate() {
            matched.extend(bits(self.matched_mask(token, chunk)).map(|k| c * 64 + k));
        }
        matched
    }

    /// For each query word, is it in these tokens, in any of its forms?
    fn words_found(&mut self, tokens: &TokenBuffer, words: &[WordStems]) -> Vec<bool> {
        let mut found = vec![false; words.len()];
        let mut left = words.len();
        let any = FirstBytes::any_of(words);
        for i in 0..tokens.len() {
            if left == 0 {
                break;
            }
            if !any.may_start_with(tokens.first_byte(i)) {
                continue;
            }
            self.each_word_matched(tokens.text(i), words, &any, |k| {
                if !found[k] {
                    found[k] = true;
                    left -= 1;
                }
            });
        }
        found
    }

    /// Share of the query's words present in the passage in any of their forms.
    pub fn coverage(&mut self, tokens: &PassageTokens, words: &[QueryWord]) -> f32 {
        if words.is_empty() {
            return 0.0;
        }
        let found = self.words_found(&tokens.exact, &WordStems::of(words, false));
        found.iter().filter(|f| **f).count() as f32 / words.len() as f32
    }

    /// The largest share of the query's words, weighted, that the passage holds within
    /// `window` consecutive words: 1.0 when one stretch of the passage says everything asked,
    /// less when the words are scattered over unrelated sentences. Words of the passage's
    /// section heading count as found everywhere in it (a passage of the fiche `Télécom Paris`
    /// is about Télécom Paris throughout). `stems`: [`WordStems::of`] the query's words,
    /// with their multi-word synonyms' stems.
    pub fn densest_share(
        &mut self,
        tokens: &PassageTokens,
        heading: &PassageTokens,
        stems: &[WordStems],
        window: usize,
    ) -> f32 {
        let total: f32 = stems.iter().map(|w| w.weight).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let in_heading = self.words_found(&heading.exact, stems);
        // (passage token, query word it stands for), in the passage's order
        let mut matches: Vec<(usize, usize)> = Vec::new();
        let any = FirstBytes::any_of(stems);
        let words = &tokens.exact;
        for i in 0..words.len() {
            if any.may_start_with(words.first_byte(i)) {
                self.each_word_matched(words.text(i), stems, &any, |k| matches.push((i, k)));
            }
        }
        let len = tokens.exact.len();
        let share = |found: &[bool]| {
            let weight: f32 = stems
                .iter()
                .zip(found)
                .filter(|(_, f)| **f)
                .map(|(w, _)| w.weight)
                .sum();
            weight / total
        };
        let mut best = share(&in_heading);
        let mut found = in_heading.clone();
        // each window starts at a token standing for a query word
        let mut first = 0;
        while let Some(&(start, _)) = matches.get(first) {
            found.copy_from_slice(&in_heading);
            let end = (start + window).min(len);
            for &(_, k) in matches[first..].iter().take_while(|(i, _)| *i < end) {
                found[k] = true;
            }
            best = best.max(share(&found));
            while matches.get(first).is_some_and(|(i, _)| *i == start) {
                first += 1;
            }
        }
        best
    }
}

fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// Escapes `&`, `<`, `>`, `"` and `'`.
pub fn escape_html(text: &str, out: &mut String) {
    // The five are ASCII, so never inside a multi-byte char: the text is copied in slices
    // between them. Most eight-byte stretches of a passage hold none, which one test of the
    // stretch as a word tells; the others are looked at byte by byte.
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut escape_from = |from: usize, stretch: &[u8], out: &mut String| {
        for (k, &b) in stretch.iter().enumerate() {
            if !ESCAPED[usize::from(b)] {
                continue;
            }
            let escaped = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            };
            out.push_str(&text[at..from + k]);
            out.push_str(escaped);
            at = from + k + 1;
        }
    };
    let mut stretches = bytes.chunks_exact(8);
    let mut from = 0;
    for stretch in &mut stretches {
        let mut word = [0; 8];
        word.copy_from_slice(stretch);
        if holds_escaped(u64::from_ne_bytes(word)) {
            escape_from(from, stretch, out);
        }
        from += 8;
    }
    escape_from(from, stretches.remainder(), out);
    out.push_str(&text[at..]);
}

/// Does any of the eight bytes of `word` need escaping? A byte equal to `b` is a zero byte of
/// `word ^ b…b`, and `(x - 0x01…01) & !x & 0x80…80` is non-zero exactly when `x` has a zero
/// byte.
fn holds_escaped(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let equal = |b: u8| zero_byte(word ^ (ONES * u64::from(b)));
    (equal(b'&') | equal(b'<') | equal(b'>') | equal(b'"') | equal(b'\'')) != 0
}

/// The bytes [`escape_html`] replaces.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

/// The text HTML-escaped with each range wrapped in `<mark>…</mark>`.
pub fn render_html(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut at = 0;
    for &(from, to) in ranges {
        if from < at
            || to > text.len()
            || !text.is_char_boundary(from)
            || !text.is_char_boundary(to)
        {
            continue;
        }
        escape_html(&text[at..from], &mut out);
        out.push_str("<mark>");
        escape_html(&text[from..to], &mut out);
        out.push_str("</mark>");
        at = to;
    }
    escape_html(&text[at..], &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: Analyzer, query: &str) -> HashSet<String> {
        analyze(&mut analyzer.build(NumberMode::Query), query)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn marks_stemmed_unaccented_and_number_forms() {
        let mut h = Highlighter::default();
        let wanted = MatchTerms {
            french: terms(Analyzer::French, "feminisation etudiant"),
            exact: terms(Analyzer::Exact, "13600"),
            ..MatchTerms::default()
        };
        let text = "Le taux de féminisation <des> 13 600 étudiants.";
        let html = render_html(text, &h.ranges_in(text, &wanted));
        assert_eq!(
            html,
            "Le taux de <mark>féminisation</mark> &lt;des&gt; <mark>13 600</mark> <mark>étudiants</mark>."
        );
    }

    #[test]
    fn finds_a_number_beside_the_counted_word() {
        let mut h = Highlighter::default();
        let counted = MatchTerms {
            french: terms(Analyzer::French, "défis"),
            exact: terms(Analyzer::Exact, "2027"),
            ..MatchTerms::default()
        };
        let beside = |h: &mut Highlighter, text: &str| {
            let tokens = h.analyze(text);
            let ranges = h.ranges(&tokens, &counted.prepare());
            h.number_beside_match(&tokens, &ranges, 2)
        };
        assert!(beside(
            &mut h,
            "Notre ambition à 5 ans : 4 défis, 12 priorités"
        ));
        assert!(beside(&mut h, "Elle se fixe quatre grands défis"));
        assert!(beside(&mut h, "une cinquantaine de défis"));
        // too far, or the number is itself a query word
        assert!(!beside(
            &mut h,
            "4 écoles relèvent ensemble de nouveaux défis"
        ));
        assert!(!beside(&mut h, "les défis de 2027"));
    }

    #[test]
    fn finds_a_date_near_the_question_words() {
        let mut h = Highlighter::default();
        let asked = MatchTerms {
            french: terms(Analyzer::French, "Dakar bachelor 2023"),
            english: terms(Analyzer::English, "board"),
            exact: terms(Analyzer::Exact, "Dakar bachelor 2023 board"),
        };
        let near = |h: &mut Highlighter, text: &str| {
            let tokens = h.analyze(text);
            let ranges = h.ranges(&tokens, &asked.prepare());
            h.time_beside_match(&tokens, &ranges, 5)
        };
        assert!(near(&mut h, "IMT-SupdeCo Dakar a été ouverte en 2019"));
        assert!(near(&mut h, "during the board meeting on 12 March"));
        assert!(near(&mut h, "un bachelor proposé depuis deux décennies"));
        // a number that is no date, a year that is a query word, a date too far away
        assert!(!near(&mut h, "le bachelor de Dakar compte 120 élèves"));
        assert!(!near(&mut h, "le bachelor de Dakar en 2023"));
        assert!(!near(
            &mut h,
            "Dakar accueille le campus africain de l'école, de ses partenaires et de ses \
             élèves depuis 2019"
        ));
    }

    #[test]
    fn measures_how_much_of_the_query_one_stretch_of_the_passage_holds() {
        let mut h = Highlighter::default();
        let word = |text: &str, weight: f32| QueryWord {
            exact: vec![text.to_string()],
            french: terms(Analyzer::French, text).into_iter().collect(),
            english: Vec::new(),
            phrase_french: Vec::new(),
            weight,
        };
        // `valeurs` is the rare word: it weighs three times `école`
        let words = [word("valeurs", 3.0), word("école", 1.0)];
        let share = |h: &mut Highlighter, text: &str, section: &str, window: usize| {
            let (tokens, heading) = (h.analyze(text), h.analyze(section));
            h.densest_share(&tokens, &heading, &WordStems::of(&words, true), window)
        };
        assert_eq!(share(&mut h, "Les 4 valeurs de l'école", "", 8), 1.0);
        // both words, but never within four words of each other
        let scattered = "Les valeurs sont anciennes. Un, deux, trois, quatre : l'école";
        assert_eq!(share(&mut h, scattered, "", 4), 0.75);
        assert_eq!(share(&mut h, scattered, "", 12), 1.0);
        // a word of the section heading is found everywhere in the passage
        assert_eq!(share(&mut h, scattered, "Fiche école", 4), 1.0);
        assert_eq!(share(&mut h, "Fiche", "Fiche école", 4), 0.25);
        assert_eq!(share(&mut h, "Rien de tel", "", 4), 0.0);
    }

    proptest::proptest! {
        #[test]
        fn escapes_as_byte_by_byte_replacement(text in "[a-zé’&<>\"' ]{0,40}") {
            let mut out = String::new();
            escape_html(&text, &mut out);
            let expected = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            proptest::prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn matches_words_past_the_first_sixty_four() {
        let mut h = Highlighter::default();
        let words: Vec<QueryWord> = (0..70)
            .map(|i| QueryWord {
                exact: vec![format!("w{i}")],
                french: if i == 66 {
                    vec!["ecol".into()]
                } else {
                    Vec::new()
                },
                english: Vec::new(),
                phrase_french: Vec::new(),
                weight: 1.0,
            })
            .collect();
        let stems = WordStems::of(&words, false);
        assert_eq!(h.words_matched("w65", &stems), [65]);
        assert_eq!(h.words_matched("w3", &stems), [3]);
        assert_eq!(h.words_matched("ecoles", &stems), [66]);
        assert!(h.words_matched("lycee", &stems).is_empty());
    }

    #[test]
    fn escapes_html_around_multibyte_text() {
        let mut out = String::new();
        escape_html("«l’école» <a href=\"x\">R&D</a> 'é'", &mut out);
        assert_eq!(
            out,
            "«l’école» &lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt; &#39;é&#39;"
        );
    }

    #[test]
    fn stem_prefixes_keep_whole_chars() {
        assert_eq!(Prefix::of("été").as_bytes(), "été".as_bytes());
        assert_eq!(Prefix::of("écoles").as_bytes(), "éco".as_bytes());
        assert_eq!(Prefix::of("ab").as_bytes(), b"ab");
        assert_eq!(Prefix::of("").as_bytes(), b"");
        // an empty form rules no word out
        let mut first = FirstBytes::default();
        first.add(b"ecol");
        assert!(first.may_start("ecoles") && !first.may_start("lycee") && !first.may_start(""));
        first.add(b"");
        assert!(first.may_start("lycee"));
    }

    #[test]
    fn ranges_merge() {
        assert_eq!(
            merge(vec![(5, 8), (0, 3), (2, 4), (8, 9)]),
            vec![(0, 4), (5, 9)]
        );
    }
}
