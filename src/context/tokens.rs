//! Tokens as language models count them: OpenAI's `o200k_base` byte-pair encoding (GPT-4o and
//! later), whose vocabulary ships inside `tiktoken-rs`, so nothing is downloaded. Other models'
//! tokenizers differ from it by a few percent; characters / 4 is off far more on French text,
//! with its accents, apostrophes and figures.

use tiktoken_rs::CoreBPE;

fn bpe() -> &'static CoreBPE {
    // The vocabulary is compiled into the crate; reading it cannot fail at run time.
    tiktoken_rs::o200k_base_singleton()
}

/// Reads the vocabulary now (about a hundred milliseconds) rather than in the first request.
pub fn warm() {
    bpe();
}

/// Tokens of `text`.
pub fn count(text: &str) -> usize {
    bpe().count_ordinary(text)
}

/// The longest start of `text` that ends at a word and holds at most `max` tokens, and
/// whether anything was cut off.
pub fn cut(text: &str, max: usize) -> (&str, bool) {
    if count(text) <= max {
        return (text, false);
    }
    // Ends of words, in order; the token count of the text up to each grows with it, so the
    // last end that fits is found by bisection.
    let ends: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| c.is_whitespace() && i > 0)
        .map(|(i, _)| i)
        .collect();
    let fits = |end: usize| count(text[..end].trim_end()) <= max;
    let (mut lo, mut hi) = (0, ends.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fits(ends[mid]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let end = if lo == 0 { 0 } else { ends[lo - 1] };
    (text[..end].trim_end(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_the_real_vocabulary() {
        assert_eq!(count(""), 0);
        assert_eq!(count("hello world"), 2);
        // accents and figures cost more than a quarter of their characters suggests
        let french = "13 600 étudiants, dont 38 % de féminisation en 2027.";
        assert!(count(french) > 0);
    }

    #[test]
    fn cuts_at_a_word_within_the_budget() {
        let text = "Le taux de féminisation des élèves ingénieurs atteint 30 % en 2027.";
        assert_eq!(cut(text, 1000), (text, false));
        let (start, cut_off) = cut(text, 6);
        assert!(cut_off);
        assert!(count(start) <= 6, "{start}");
        assert!(text.starts_with(start) && !start.ends_with(' '));
        assert!(
            text[start.len()..].starts_with(' '),
            "{start:?} ends mid-word"
        );
        assert_eq!(cut(text, 0), ("", true));
    }
}
