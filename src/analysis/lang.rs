//! Language detection with whatlang, restricted to French and English. whatlang is unreliable
//! on a few words, so short texts get no verdict and callers fall back (to the document's
//! language for passages, to both languages for queries).

use whatlang::{Detector, Lang as WLang};

use super::{fold, stopwords};
use crate::model::Lang;

/// Fewer words than this and we do not trust a detection.
const MIN_WORDS: usize = 4;

fn detector() -> Detector {
    Detector::with_allowlist(vec![WLang::Fra, WLang::Eng])
}

/// The language of `text` when whatlang is confident, else `None`.
pub fn detect(text: &str) -> Option<Lang> {
    if text.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let info = detector().detect(text)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    match info.lang() {
        WLang::Fra => Some(Lang::Fr),
        WLang::Eng => Some(Lang::En),
        _ => None,
    }
}

/// A query's language. Trigrams are misled by the names a short question carries (`How many
/// parts make up Télécom Paris's purpose statement?` reads as French to whatlang), so the
/// function words typed outside names vote first: two or more of one language and none of the
/// other decide. Otherwise whatlang decides on the words outside names, as [`detect`] does.
pub fn detect_query(text: &str) -> Option<Lang> {
    if text.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let outside_names = words_outside_names(text);
    let (mut french, mut english) = (0, 0);
    for word in &outside_names {
        let folded = fold(word);
        let in_french = stopwords::FRENCH.contains(&folded.as_str());
        let in_english = stopwords::ENGLISH.contains(&folded.as_str());
        match (in_french, in_english) {
            (true, false) => french += 1,
            (false, true) => english += 1,
            _ => {}
        }
    }
    match (french, english) {
        (f, 0) if f >= 2 => return Some(Lang::Fr),
        (0, e) if e >= 2 => return Some(Lang::En),
        _ => {}
    }
    detect(&outside_names.join(" "))
}

/// The words of `text` that are not part of a name: a capitalised word after the first, and
/// a short lower-case link (`de`, `of`, `the`) between two capitalised words, are left out.
/// Elided articles are split off (`l'école` → `l`, `école`); a possessive `'s` stays a word.
fn words_outside_names(text: &str) -> Vec<&str> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let mut kept = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 && capitalised(word) {
            continue;
        }
        let between_names = i > 0
            && word.chars().count() <= 3
            && capitalised(words[i - 1])
            && words.get(i + 1).is_some_and(|next| capitalised(next));
        if !between_names {
            kept.push(*word);
        }
    }
    kept
}

/// Most text a document's language is detected from: its beginning. whatlang's verdict on a
/// long text is settled well before this (it ranks the text's most frequent trigrams), and
/// reading the whole of a long document cost as much as detecting every passage of it.
pub const DOCUMENT_SAMPLE_BYTES: usize = 32 * 1024;

/// A document's language, from the beginning of its pages (joined by blank lines, up to
/// [`DOCUMENT_SAMPLE_BYTES`], cut at a character boundary): see [`detect`].
pub fn detect_document<'a>(pages: impl IntoIterator<Item = &'a str>) -> Option<Lang> {
    let mut sample = String::new();
    for page in pages {
        if !sample.is_empty() {
            sample.push_str("\n\n");
        }
        let room = DOCUMENT_SAMPLE_BYTES.saturating_sub(sample.len());
        let mut end = room.min(page.len());
        while !page.is_char_boundary(end) {
            end -= 1;
        }
        sample.push_str(&page[..end]);
        if sample.len() >= DOCUMENT_SAMPLE_BYTES || end < page.len() {
            break;
        }
    }
    detect(&sample)
}

/// A passage's language: detected when the passage is long enough, else the document's.
pub fn passage_lang(text: &str, document_lang: Lang) -> Lang {
    if text.split_whitespace().count() < 12 {
        return document_lang;
    }
    detect(text).unwrap_or(document_lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_sentences_not_fragments() {
        assert_eq!(
            detect("Le conseil d’administration a adopté la stratégie de l’établissement."),
            Some(Lang::Fr)
        );
        assert_eq!(
            detect("The board of directors adopted the mission statement of the institute."),
            Some(Lang::En)
        );
        assert_eq!(detect("taux de féminisation"), None);
        assert_eq!(passage_lang("Paris", Lang::En), Lang::En);
    }

    #[test]
    fn a_document_is_read_from_its_beginning() {
        let french = "Le conseil d’administration a adopté la stratégie de l’établissement. ";
        let english = "The board of directors adopted the mission statement of the institute. ";
        let long_french = french.repeat(DOCUMENT_SAMPLE_BYTES / french.len() + 1);
        assert_eq!(
            detect_document([long_french.as_str(), &english.repeat(2000)]),
            Some(Lang::Fr)
        );
        assert_eq!(detect_document([english, english]), Some(Lang::En));
        assert_eq!(
            detect_document(["é".repeat(DOCUMENT_SAMPLE_BYTES).as_str()]),
            None
        );
        assert_eq!(detect_document(std::iter::empty()), None);
    }

    #[test]
    fn a_query_is_read_by_its_words_not_by_the_names_it_carries() {
        for english in [
            "How many parts make up Télécom Paris's purpose statement?",
            "Which schools make up Institut Polytechnique de Paris?",
            "Who is the director of Télécom Paris?",
            "When did IMT open its bachelor programme in Dakar?",
        ] {
            assert_eq!(detect_query(english), Some(Lang::En), "{english}");
        }
        for french in [
            "Quel est le taux de féminisation des élèves ingénieurs ?",
            "Avec quelle école voisine de la même région IMT Mines Albi mutualise-t-elle ses actions ?",
            "De quelles écoles est issue IMT Atlantique ?",
        ] {
            assert_eq!(detect_query(french), Some(Lang::Fr), "{french}");
        }
        assert_eq!(detect_query("taux de féminisation"), None);
        assert_eq!(
            words_outside_names("Which schools make up Institut Polytechnique de Paris?"),
            ["Which", "schools", "make", "up"]
        );
    }
}
