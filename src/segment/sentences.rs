//! Passage text → sentences, as byte ranges into the text. Knows French and English: a line
//! break always ends a unit (table rows, bullet items and headings have no full stop); inside
//! a line a sentence ends at `.`, `!`, `?` or `…` followed by a space and a capital, a digit or
//! an opening quote, except after an abbreviation (`M.`, `Mme.`, `cf.`, `e.g.`, an initial like
//! `J.`). Decimals (`1,2`, `40,7 %`, `3.5`) never split because no space follows the mark.
//! Ranges are trimmed of surrounding white space and never empty.

use std::ops::Range;

/// Words (lower-cased, without their final period) after which a period does not end a
/// sentence. `etc.` is not here: followed by a capital it usually does end one.
const ABBREVIATIONS: &[&str] = &[
    "m", "mm", "mme", "mmes", "mlle", "mlles", "dr", "pr", "me", "st", "ste", "cf", "p", "pp",
    "art", "vol", "no", "n", "nb", "env", "av", "apr", "fig", "réf", "ref", "ex", "chap", "éd",
    "coll", "op", "ibid", "cie", "mr", "mrs", "ms", "prof", "inc", "ltd", "co", "jr", "sr", "vs",
    "approx", "dept", "min", "max", "e.g", "i.e", "j.-c", "mgr", "gal", "gén", "sq",
];

/// Characters that may close a sentence after its final mark (`.»`, `?)`, `!"`).
fn is_closer(c: char) -> bool {
    matches!(c, '»' | '"' | '”' | '’' | '\'' | ')' | ']')
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

/// Can a new sentence start with this character?
fn may_start_sentence(c: char) -> bool {
    c.is_uppercase() || c.is_ascii_digit() || matches!(c, '«' | '"' | '“' | '(' | '•' | '–' | '—')
}

/// The word just before byte `at` (letters, digits, periods, `-`), lower-cased.
fn word_before(text: &str, at: usize) -> String {
    let head = &text[..at];
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '.' || *c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    head[start..].trim_matches('.').to_lowercase()
}

/// Does the period at byte `at` belong to an abbreviation or an initial?
fn is_abbreviation(text: &str, at: usize) -> bool {
    let word = word_before(text, at);
    if word.is_empty() {
        return false;
    }
    let single_letter = {
        let mut chars = word.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic())
    };
    // `M.I.N.E.S` style acronyms end in a single letter too.
    let last_piece = word.rsplit('.').next().unwrap_or(&word);
    let last_single =
        last_piece.chars().count() == 1 && last_piece.chars().all(char::is_alphabetic);
    single_letter || last_single || ABBREVIATIONS.contains(&word.as_str())
}

/// Splits `text` into sentence byte ranges, in order, non-overlapping, trimmed, non-empty.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        split_line(text, line_start, line_start + line.len(), &mut out);
        line_start += line.len();
    }
    out
}

fn push_trimmed(text: &str, from: usize, to: usize, out: &mut Vec<Range<usize>>) {
    let piece = &text[from..to];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        out.push(from + lead..from + lead + trimmed.len());
    }
}

fn split_line(text: &str, from: usize, to: usize, out: &mut Vec<Range<usize>>) {
    let line = &text[from..to];
    let mut start = from;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_terminator(c) {
            continue;
        }
        let mark_at = from + i;
        // The whole run of marks and closers: `?!`, `...`, `.»`
        let mut end = mark_at + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if is_terminator(d) || is_closer(d) {
                end = from + j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        // French puts a space before a closing guillemet: `imaginer. »`
        let spaced = text[end..to].trim_start_matches([' ', '\u{00A0}', '\u{202F}']);
        if spaced.starts_with(['»', '”']) {
            end = to - spaced.len() + spaced.chars().next().map_or(0, char::len_utf8);
        }
        let rest = &text[end..to];
        let after_space = rest.trim_start();
        if after_space.len() == rest.len() || after_space.is_empty() {
            // No space after the mark (a decimal, a URL) or the end of the line.
            continue;
        }
        let next = after_space.chars().next().unwrap_or(' ');
        if !may_start_sentence(next) {
            continue;
        }
        if c == '.' && end == mark_at + 1 && is_abbreviation(text, mark_at) {
            continue;
        }
        push_trimmed(text, start, end, out);
        start = end;
    }
    push_trimmed(text, start, to, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn french_abbreviations_and_decimals_do_not_split() {
        assert_eq!(
            sentences("M. Dupont a signé le décret n° 2018-258. Le taux est de 40,7 % en 2023. Il a 1,2 million d’apprenants."),
            [
                "M. Dupont a signé le décret n° 2018-258.",
                "Le taux est de 40,7 % en 2023.",
                "Il a 1,2 million d’apprenants."
            ]
        );
        assert_eq!(
            sentences("Voir cf. Annexe 2 et p. 19. Fin."),
            ["Voir cf. Annexe 2 et p. 19.", "Fin."]
        );
    }

    #[test]
    fn english_abbreviations_initials_and_acronyms() {
        assert_eq!(
            sentences(
                "Dr. Smith met J. Doe, e.g. Alice. The Instituts Carnot M.I.N.E.S. Are ranked."
            ),
            [
                "Dr. Smith met J. Doe, e.g. Alice.",
                "The Instituts Carnot M.I.N.E.S. Are ranked."
            ]
        );
        assert_eq!(
            sentences("It grew 3.5 times. Over 5,000 responses!"),
            ["It grew 3.5 times.", "Over 5,000 responses!"]
        );
    }

    #[test]
    fn lines_are_units_and_lowercase_continuations_are_not_sentences() {
        assert_eq!(
            sentences("FORMATION\n\n13 600 étudiants dont 10 700 élèves\n32% d’élèves boursiers\n"),
            [
                "FORMATION",
                "13 600 étudiants dont 10 700 élèves",
                "32% d’élèves boursiers"
            ]
        );
        assert_eq!(
            sentences("formations courtes, etc. et des MOOCs. « Ensemble pour imaginer. » Puis."),
            [
                "formations courtes, etc. et des MOOCs.",
                "« Ensemble pour imaginer. »",
                "Puis."
            ]
        );
    }

    #[test]
    fn quotes_and_question_marks_close_sentences() {
        assert_eq!(
            sentences("Pourquoi ? Parce que. «Oui.» Non…  Enfin"),
            ["Pourquoi ?", "Parce que.", "«Oui.»", "Non…", "Enfin"]
        );
    }

    proptest! {
        /// Ranges are in order, inside the text, on char boundaries, trimmed and non-empty,
        /// and together they hold every non-space character of the text.
        #[test]
        fn ranges_cover_the_text(text in "[a-zA-Zé0-9 .,!?…«»\n%M°-]{0,200}") {
            let ranges = split(&text);
            let mut at = 0;
            let mut kept = String::new();
            for r in &ranges {
                prop_assert!(r.start >= at && r.start < r.end && r.end <= text.len());
                prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                let piece = &text[r.clone()];
                prop_assert_eq!(piece.trim(), piece);
                kept.push_str(piece);
                at = r.end;
            }
            let all: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let got: String = kept.chars().filter(|c| !c.is_whitespace()).collect();
            prop_assert_eq!(all, got);
        }
    }
}
