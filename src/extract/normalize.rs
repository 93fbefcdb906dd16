//! Text clean-up shared by every extractor: Unicode NFC, ligatures, soft hyphens, TeX spacing
//! accents, bullet glyphs, whitespace, and re-joining words a line break cut with a hyphen.

use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;

/// Glyphs used as list bullets; they are layout, not words.
pub const BULLETS: &[char] = &[
    '•', '◦', '▪', '▫', '■', '□', '●', '○', '►', '▸', '‣', '⁃', '∙', '➢', '➤', '✓', '✔', '\u{F0B7}',
];

/// Is this character a bullet glyph (including private-use symbol-font glyphs)?
pub fn is_bullet(c: char) -> bool {
    BULLETS.contains(&c) || ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Maps a spacing (non-combining) accent to its combining form, as TeX-made PDFs emit them
/// (`r´ef´erence`).
fn combining_for(spacing: char) -> Option<char> {
    Some(match spacing {
        '´' | 'ˊ' => '\u{0301}',
        '`' | 'ˋ' => '\u{0300}',
        'ˆ' | '^' => '\u{0302}',
        '¨' => '\u{0308}',
        '˜' => '\u{0303}',
        '¸' => '\u{0327}',
        _ => return None,
    })
}

fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{FB00}' => "ff",
        '\u{FB01}' => "fi",
        '\u{FB02}' => "fl",
        '\u{FB03}' => "ffi",
        '\u{FB04}' => "ffl",
        '\u{FB05}' | '\u{FB06}' => "st",
        _ => return None,
    })
}

/// Normalises one line or block of extracted text: NFC, ligatures expanded, soft hyphens and
/// control characters removed, spacing accents recomposed with their letter, bullets dropped,
/// runs of blanks collapsed to one space (no-break spaces inside numbers are kept: they are
/// how French writes `13 600`). The result is trimmed.
pub fn clean_text(input: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(input.len());
    for c in input.chars() {
        if let Some(l) = ligature(c) {
            chars.extend(l.chars());
        } else if c == '\u{00AD}' || c == '\u{FEFF}' || c == '\u{200B}' {
            // soft hyphen, BOM, zero-width space: invisible artefacts
        } else if (c.is_control() && c != '\n') || is_bullet(c) {
            chars.push(' ');
        } else if c == '\u{2028}' || c == '\u{2029}' {
            chars.push('\n');
        } else {
            chars.push(c);
        }
    }
    let chars = recompose_spacing_accents(&chars);
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in chars.into_iter().nfc() {
        let is_nbsp = c == '\u{00A0}' || c == '\u{202F}' || c == '\u{2009}';
        if c.is_whitespace() && !is_nbsp {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    // a trailing no-break space carries no meaning
    while out.ends_with(['\u{00A0}', '\u{202F}', '\u{2009}']) {
        out.pop();
    }
    out
}

/// `´e` → `é`, `c¸` → `ç`: TeX places the accent glyph before the letter (after it for the
/// cedilla), sometimes with a space in between.
fn recompose_spacing_accents(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(comb) = combining_for(c) {
            if comb == '\u{0327}' {
                // the cedilla comes before its `c` (`fran¸cais`) or, less often, after it
                let mut j = i + 1;
                if chars.get(j) == Some(&' ') {
                    j += 1;
                }
                if matches!(chars.get(j), Some('c' | 'C')) {
                    out.push(chars[j]);
                    out.push(comb);
                    i = j + 1;
                    continue;
                }
                while out.last() == Some(&' ') {
                    out.pop();
                }
                if matches!(out.last(), Some('c' | 'C')) {
                    out.push(comb);
                    i += 1;
                    continue;
                }
            } else {
                // accent precedes its letter, possibly with one space
                let mut j = i + 1;
                if chars.get(j) == Some(&' ') {
                    j += 1;
                }
                let next_is_letter = chars.get(j).is_some_and(|l| l.is_alphabetic());
                let prev_is_not_digit = out.last().is_none_or(|p| !p.is_ascii_digit());
                // ASCII ` and ^ are also plain punctuation: only a vowel right after counts
                let ascii_ok = !matches!(c, '^' | '`')
                    || (j == i + 1 && chars.get(j).is_some_and(|l| "aeiouAEIOU".contains(*l)));
                if next_is_letter && prev_is_not_digit && ascii_ok {
                    // `r ´ef` : inside a word, the space before the accent is an artefact too
                    let inside_word = chars.get(j + 1).is_some_and(|l| l.is_alphabetic());
                    if inside_word
                        && out.last() == Some(&' ')
                        && out.len() >= 2
                        && out[out.len() - 2].is_alphabetic()
                    {
                        out.pop();
                    }
                    out.push(chars[j]);
                    out.push(comb);
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// What a document writes, lower-cased: its words and its hyphenated compounds. `join_lines`
/// reads it to decide whether a hyphen at a line break belongs to the word.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    words: HashSet<String>,
    hyphenated: HashSet<String>,
}

impl Vocabulary {
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vocabulary {
        let mut vocabulary = Vocabulary::default();
        for line in lines {
            for word in line.split(|c: char| !(c.is_alphabetic() || c == '-')) {
                let w = word.trim_matches('-');
                if w.is_empty() {
                    continue;
                }
                if w.contains('-') {
                    if w.split('-').all(|p| !p.is_empty()) {
                        vocabulary.hyphenated.insert(w.to_lowercase());
                    }
                } else {
                    vocabulary.words.insert(w.to_lowercase());
                }
            }
        }
        vocabulary
    }

    /// Should `left-` at the end of a line and `right` at the start of the next keep the hyphen?
    fn keeps_hyphen(&self, left: &str, right: &str) -> bool {
        if left.is_empty() || !right.chars().next().is_some_and(char::is_lowercase) {
            // `Mines-` / `Télécom`, `2023-` / `2027`: a compound, not a cut word
            return true;
        }
        let hyphenated = format!("{left}-{right}").to_lowercase();
        let joined = format!("{left}{right}").to_lowercase();
        if self.hyphenated.contains(&hyphenated) {
            return true;
        }
        if self.words.contains(&joined) {
            return false;
        }
        // `adaptation-` / `anticipation`: two words the document uses on their own
        let whole = |w: &str| w.chars().count() >= 4 && self.words.contains(&w.to_lowercase());
        whole(left) && whole(right)
    }
}

/// Joins the lines of one paragraph with spaces. A line ending in a hyphen is joined to the
/// next without the hyphen when the hyphen is only a line-break artefact (see
/// `Vocabulary::keeps_hyphen`), so `forma-\ntion` → `formation` but `Mines-\nTélécom` and
/// `peut-\nêtre` keep theirs.
pub fn join_lines(lines: &[String], vocabulary: &Vocabulary) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(line);
            continue;
        }
        if let Some(stem) = out.strip_suffix('-') {
            let left: String = stem
                .chars()
                .rev()
                .take_while(|c| c.is_alphabetic())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let right: String = line.chars().take_while(|c| c.is_alphabetic()).collect();
            if !vocabulary.keeps_hyphen(&left, &right) {
                out.pop();
            }
            out.push_str(line);
            continue;
        }
        out.push(' ');
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ligatures_and_soft_hyphens() {
        assert_eq!(clean_text("e\u{FB03}cace of\u{FB01}ce"), "efficace office");
        assert_eq!(clean_text("inter\u{00AD}national"), "international");
    }

    #[test]
    fn spacing_accents_are_recomposed() {
        assert_eq!(clean_text("r´ef´erence"), "référence");
        assert_eq!(clean_text("r ´ef ´erence"), "référence");
        assert_eq!(clean_text("fran¸cais"), "français");
        assert_eq!(clean_text("franc¸ais"), "français");
        assert_eq!(clean_text("la m`ere va `a Paris"), "la mère va à Paris");
        assert_eq!(clean_text("x^2 et a`b"), "x^2 et a`b");
    }

    #[test]
    fn nfc_and_whitespace() {
        assert_eq!(clean_text("  cafe\u{0301}   noir \t"), "café noir");
        assert_eq!(
            clean_text("13\u{202F}600 étudiants"),
            "13\u{202F}600 étudiants"
        );
    }

    #[test]
    fn bullets_are_not_words() {
        assert_eq!(clean_text("• premier point"), "premier point");
        assert_eq!(clean_text("\u{F0B7} symbole"), "symbole");
        assert_eq!(clean_text("– tiret"), "– tiret");
    }

    #[test]
    fn line_break_hyphens() {
        let vocab = Vocabulary::from_lines(["le mot peut-être est là, adaptation et anticipation"]);
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            join_lines(&lines(&["la forma-", "tion continue"]), &vocab),
            "la formation continue"
        );
        assert_eq!(
            join_lines(&lines(&["Institut Mines-", "Télécom"]), &vocab),
            "Institut Mines-Télécom"
        );
        assert_eq!(
            join_lines(&lines(&["c'est peut-", "être vrai"]), &vocab),
            "c'est peut-être vrai"
        );
        assert_eq!(
            join_lines(&lines(&["adaptation-", "anticipation"]), &vocab),
            "adaptation-anticipation"
        );
        assert_eq!(join_lines(&lines(&["a", "b"]), &vocab), "a b");
    }
}
