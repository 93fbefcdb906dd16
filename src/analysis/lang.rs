//! Language detection with whatlang, restricted to French and English. whatlang is unreliable
//! on a few words, so short texts get no verdict and callers fall back (to the document's
//! language for passages, to both languages for queries).

use whatlang::{Detector, Lang as WLang};

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
}
