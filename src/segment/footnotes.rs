//! A page's footnotes and what each annotates. PDF extraction glues a footnote call to the word
//! it follows (`Carnot Télécom Société numérique20`) and sets the note apart (`20 Partenaires :
//! Télécom Paris, …`), often in another passage: the note's passage says nothing of what it is
//! about. Each note found is linked to the words before its call, so that its passage can be
//! found by them.

use crate::analysis::tokenizer::without_footnote_call;

/// Words before a call that name what it annotates, at most.
const CONTEXT_WORDS: usize = 5;

/// A footnote of the page: its number, where its text starts (in characters into the page
/// text) and the words before its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footnote {
    pub number: u32,
    pub at: usize,
    pub annotates: String,
}

/// A footnote call: its number and the words before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub number: u32,
    pub annotates: String,
}

/// A page's notes, and the calls whose note it does not hold (extraction sometimes sets a
/// page's notes at the top of the next one).
#[derive(Debug, Default)]
pub struct PageNotes {
    pub notes: Vec<Footnote>,
    pub unanswered: Vec<Call>,
}

/// A run of letters and digits, by character offsets, and its text.
struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

/// The words of `text`, whose characters are `chars`.
fn words<'a>(text: &'a str, chars: &[char]) -> Vec<Word<'a>> {
    let mut out = Vec::new();
    // (character, byte) offsets of the current word's start
    let mut start: Option<(usize, usize)> = None;
    let ends = text
        .char_indices()
        .map(|(byte, _)| byte)
        .chain([text.len()]);
    for ((i, c), byte) in chars.iter().chain([&' ']).enumerate().zip(ends) {
        match (c.is_alphanumeric() && i < chars.len(), start) {
            (true, None) => start = Some((i, byte)),
            (false, Some((s, from))) => {
                out.push(Word {
                    start: s,
                    end: i,
                    text: &text[from..byte],
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Does the text between two words end a sentence or a line?
fn breaks(between: &[char]) -> bool {
    between
        .iter()
        .any(|c| matches!(c, '.' | ';' | ':' | '!' | '?' | '\n' | '(' | ')'))
}

/// The footnotes of a page's text whose call is found earlier on the page or in `carried`
/// (the previous page's unanswered calls). A note is a called number followed by a
/// capitalised word, starting a line or further on a line of notes (`20 Partenaires : … FEMTO
/// Engineering 21 Partenaires : …`).
pub fn footnotes(text: &str, carried: &[Call]) -> PageNotes {
    let chars: Vec<char> = text.chars().collect();
    let words = words(text, &chars);
    let between = |a: usize, b: usize| &chars[words[a].end..words[b].start];
    // the page's calls: (number, index of the calling word, what it annotates)
    let mut calls: Vec<(u32, usize, String)> = Vec::new();
    let mut notes: Vec<Footnote> = Vec::new();
    // Does the current line start like a note (`13 Plafonds …`), called or not?
    let mut line_of_notes = false;
    for (k, word) in words.iter().enumerate() {
        let line_start = k == 0 || between(k - 1, k).contains(&'\n');
        let capitalised_next = words
            .get(k + 1)
            .is_some_and(|next| next.text.starts_with(char::is_uppercase));
        let small_number = word.text.len() <= 2 && word.text.bytes().all(|b| b.is_ascii_digit());
        if line_start {
            line_of_notes = small_number && capitalised_next;
        }
        if let Some(letters) = without_footnote_call(word.text) {
            let Ok(number) = word.text[letters.len()..].parse::<u32>() else {
                continue;
            };
            let mut first = k;
            // back to the sentence's start, or to the call before
            while first > 0
                && k - first + 1 < CONTEXT_WORDS
                && !breaks(between(first - 1, first))
                && without_footnote_call(words[first - 1].text).is_none()
            {
                first -= 1;
            }
            let mut context: Vec<&str> = words[first..k].iter().map(|w| w.text).collect();
            context.push(letters);
            calls.push((number, k, context.join(" ")));
            continue;
        }
        if !small_number || !capitalised_next || !line_of_notes {
            continue;
        }
        let Ok(number) = word.text.parse::<u32>() else {
            continue;
        };
        if notes.iter().any(|n| n.number == number) {
            continue;
        }
        let called_here = calls
            .iter()
            .find(|(n, at, _)| *n == number && *at < k)
            .map(|(_, _, a)| a);
        let called_before = carried
            .iter()
            .find(|c| c.number == number)
            .map(|c| &c.annotates);
        if let Some(annotates) = called_here.or(called_before) {
            notes.push(Footnote {
                number,
                at: word.start,
                annotates: annotates.clone(),
            });
        }
    }
    let unanswered = calls
        .into_iter()
        .filter(|(n, _, _)| !notes.iter().any(|note| note.number == *n))
        .map(|(number, _, annotates)| Call { number, annotates })
        .collect();
    PageNotes { notes, unanswered }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_notes_to_the_words_before_their_call() {
        let page = "Il importera de consolider les deux instituts Carnot Télécom Société \
                    numérique20 et M.I.N.E.S21.\nINDICATEURS :\n20 Partenaires : Télécom Paris, \
                    FEMTO Engineering 21 Partenaires : IMT Mines Albi";
        let notes = footnotes(page, &[]).notes;
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].number, 20);
        assert_eq!(
            notes[0].annotates,
            "instituts Carnot Télécom Société numérique"
        );
        let at: String = page.chars().skip(notes[0].at).take(14).collect();
        assert_eq!(at, "20 Partenaires");
    }

    #[test]
    fn a_note_may_follow_the_previous_one_on_its_line() {
        let page = "le chiffre d’affaires consolidé14 et les effectifs15 progressent.\n\
                    14 Consolidé avec les filiales 15 Hors vacataires";
        let notes = footnotes(page, &[]).notes;
        let found: Vec<(u32, &str)> = notes
            .iter()
            .map(|n| (n.number, n.annotates.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (14, "le chiffre d affaires consolidé"),
                (15, "et les effectifs")
            ]
        );
    }

    #[test]
    fn numbers_that_are_no_note_are_left_alone() {
        // no call before it; a call but no capital after; a count inside a sentence
        let none = |page: &str| footnotes(page, &[]).notes.is_empty();
        assert!(none("13 Partenaires stratégiques"));
        assert!(none("les écoles20 sont là.\n20 partenaires"));
        assert!(none("les écoles20 comptent 20 Partenaires"));
        // names with digits are no calls (`H2020`, a single letter before the digits)
        assert!(none("le programme H2020 et S21.\n21 Partenaires"));
    }

    #[test]
    fn a_call_finds_its_note_at_the_top_of_the_next_page() {
        let first = footnotes("l’offre de la CGE7, et des écoles8.", &[]);
        assert!(first.notes.is_empty());
        assert_eq!(first.unanswered.len(), 2);
        let next = footnotes(
            "7 Conférence des Grandes Écoles 8 Des formations postbac\nLa suite.",
            &first.unanswered,
        );
        let found: Vec<(u32, &str)> = next
            .notes
            .iter()
            .map(|n| (n.number, n.annotates.as_str()))
            .collect();
        assert_eq!(found, [(7, "l offre de la CGE"), (8, "et des écoles")]);
    }

    #[test]
    fn a_line_of_notes_may_start_with_a_note_whose_call_was_lost() {
        let page = "un chiffre d’affaires consolidé14 en hausse.\n\
                    13 Plafonds d’emplois 14 Incluant Armines et filiales";
        let notes = footnotes(page, &[]).notes;
        assert_eq!(notes.len(), 1);
        assert_eq!(
            (notes[0].number, notes[0].annotates.as_str()),
            (14, "un chiffre d affaires consolidé")
        );
    }
}
