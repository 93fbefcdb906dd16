//! Figures: every number stated in the corpus, with its unit, its normalised value, a short
//! label from the surrounding words, the sentence it is in and its citation. They are
//! extracted from each passage at ingest ([`extract`]), stored in a tantivy index of their own
//! inside the generation ([`store`], published with it) and looked up by value however it is
//! typed, by the words around them, by unit and by document ([`Figures::lookup`]): the
//! auditor's view.

pub mod scan;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Passage, SourceRef};
use crate::segment::sentences;
pub use scan::Unit;
use store::ContextForms;
pub use store::{figure_lookup, FigureEntry, FigureWriter, Figures};

/// Largest accepted `limit` of a figure lookup.
pub const MAX_LIMIT: usize = 1000;

/// One figure stated in a passage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The figure as written, unit included: `13 600`, `75 M€`, `40,7 %`, `2023-2027`.
    pub raw: String,
    /// Normalised: 13 600 → 13600, 1,2 million → 1200000, 75 M€ → 75000000, 32% → 0.32.
    pub value: f64,
    /// The last year of a range (`2023-2027` → 2027).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_end: Option<f64>,
    pub unit: Option<Unit>,
    /// What a count counts (`étudiants`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noun: Option<String>,
    /// A few words around the figure, from its sentence.
    pub label: String,
    /// The sentence (or table line) the figure is in, verbatim; a long table line is cut to
    /// about 240 characters around the figure, the cuts marked `…`.
    pub sentence: String,
    pub passage_id: String,
    /// Offsets of `raw` in Unicode scalar values inside the passage text.
    pub char_start: usize,
    pub char_end: usize,
    /// The passage's citation (document, title, page, section).
    pub source: SourceRef,
}

/// Character offsets of byte offsets, counted on from the last one asked for when it is
/// not before it.
#[derive(Default)]
struct CharOffsets {
    byte: usize,
    chars: usize,
}

impl CharOffsets {
    fn at(&mut self, text: &str, byte: usize) -> usize {
        if byte < self.byte {
            *self = CharOffsets::default();
        }
        self.chars += text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// Up to `n` words of `text` from its end (`from_end`) or its start, stopping at a
/// punctuation mark that closes a clause.
fn words_near(text: &str, n: usize, from_end: bool) -> String {
    const STOPS: &[char] = &[',', ';', ':', '(', ')', '.', '!', '?', '«', '»', '–'];
    let clause = if from_end {
        text.rsplit(STOPS).next().unwrap_or("")
    } else {
        text.split(STOPS).next().unwrap_or("")
    };
    let words: Vec<&str> = clause.split_whitespace().collect();
    let picked = if from_end {
        &words[words.len().saturating_sub(n)..]
    } else {
        &words[..words.len().min(n)]
    };
    picked.join(" ")
}

/// Longest `sentence` kept with a figure, in characters: table lines run on for hundreds.
const MAX_SENTENCE_CHARS: usize = 240;

/// The sentence around a figure, cut to a window of whole words around it (marked `…`) when
/// it is longer than [`MAX_SENTENCE_CHARS`].
fn around(text: &str, sentence: std::ops::Range<usize>, from: usize, to: usize) -> String {
    let whole = &text[sentence.clone()];
    if whole.chars().count() <= MAX_SENTENCE_CHARS {
        return whole.to_string();
    }
    let half = MAX_SENTENCE_CHARS / 2;
    let start = text[sentence.start..from]
        .char_indices()
        .rev()
        .nth(half)
        .map_or(sentence.start, |(i, _)| sentence.start + i);
    let end = text[to..sentence.end]
        .char_indices()
        .nth(half)
        .map_or(sentence.end, |(i, _)| to + i);
    // Whole words only.
    let start = if start > sentence.start {
        text[start..from].find(' ').map_or(start, |i| start + i + 1)
    } else {
        start
    };
    let end = if end < sentence.end {
        text[to..end].rfind(' ').map_or(end, |i| to + i)
    } else {
        end
    };
    let mut out = String::new();
    if start > sentence.start {
        out.push_str("… ");
    }
    out.push_str(text[start..end].trim());
    if end < sentence.end {
        out.push_str(" …");
    }
    out
}

/// Every figure of a passage, with the words around each analysed for the figures index.
pub fn extract_for_index(passage: &Passage) -> Vec<FigureEntry> {
    let figures = extract(passage);
    if figures.is_empty() {
        return Vec::new();
    }
    let mut context = ContextForms::new(passage.source.section.as_deref(), &passage.source.title);
    figures.into_iter().map(|f| context.entry(f)).collect()
}

/// Every figure of a passage.
pub fn extract(passage: &Passage) -> Vec<Figure> {
    let text = &passage.text;
    let sentence_ranges = sentences::split(text);
    let mut out = Vec::new();
    // figures come in text order: count characters from the previous one, not from the start
    let mut offsets = CharOffsets::default();
    for found in scan::scan(text, scan::Scales::Written) {
        let sentence = sentence_ranges
            .iter()
            .find(|r| r.start <= found.from && found.to <= r.end)
            .cloned()
            .unwrap_or(found.from..found.to);
        let raw = text[found.from..found.to].to_string();
        let before = words_near(&text[sentence.start..found.from], 3, true);
        let after = words_near(&text[found.to..sentence.end], 5, false);
        let label = [before.as_str(), raw.as_str(), after.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let sentence = around(text, sentence, found.from, found.to);
        out.push(Figure {
            raw,
            value: found.value,
            value_end: found.value_end,
            unit: found.unit,
            noun: found.noun,
            label,
            sentence,
            passage_id: passage.id.clone(),
            char_start: offsets.at(text, found.from),
            char_end: offsets.at(text, found.to),
            source: passage.source.clone(),
        });
    }
    out
}

/// A figure lookup: any of a value, words of the context, a unit, a document.
#[derive(Debug, Clone, Default)]
pub struct FigureQuery {
    /// Words that must all appear around the figure (label, sentence, section or title).
    pub q: Option<String>,
    /// A value as typed: `13 600`, `13600`, `13,6 k`, `38 %`, `75 M€`.
    pub value: Option<String>,
    pub unit: Option<Unit>,
    pub doc: Option<String>,
    pub limit: usize,
}

/// A value read from a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParsedValue {
    pub value: f64,
    pub unit: Option<Unit>,
}

/// Two values are the same figure when they differ by less than this share of the larger
/// (floating-point noise from `13,6 k` × 1000 and the like).
pub(crate) const VALUE_TOLERANCE: f64 = 1e-9;

/// Checks a lookup and reads its value.
pub fn parse(query: &FigureQuery) -> Result<Option<ParsedValue>> {
    let q_empty = query.q.as_deref().is_none_or(|q| q.trim().is_empty());
    let value_text = query.value.as_deref().filter(|v| !v.trim().is_empty());
    if q_empty && value_text.is_none() {
        return Err(Error::bad_request(
            "empty_query",
            "give words `q` or a `value` to look for",
        ));
    }
    if query.limit == 0 || query.limit > MAX_LIMIT {
        return Err(Error::bad_request(
            "bad_limit",
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let Some(text) = value_text else {
        return Ok(None);
    };
    let found = scan::parse_value(text)
        .ok_or_else(|| Error::bad_request("bad_value", format!("no number in `value` {text:?}")))?;
    let unit = found.unit.filter(|u| u.is_explicit());
    Ok(Some(ParsedValue {
        value: found.value,
        unit,
    }))
}

/// The body of `GET /api/figures` and `trace --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FiguresResponse {
    pub q: Option<String>,
    pub value: Option<String>,
    pub unit: Option<Unit>,
    pub doc: Option<String>,
    /// The value as read (`13,6 k` → 13600), `null` without `value`.
    pub parsed_value: Option<ParsedValue>,
    /// Figures matching, in all (`figures` stops at `limit`).
    pub total: usize,
    pub figures: Vec<Figure>,
    pub took_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocKind, Lang};

    fn passage(text: &str) -> Passage {
        Passage {
            id: "p1".into(),
            ordinal: 0,
            text: text.into(),
            lang: Lang::Fr,
            source: SourceRef {
                doc_id: "d".into(),
                title: "Contrat d’objectifs".into(),
                path: "corpus/d.pdf".into(),
                url: None,
                kind: DocKind::Pdf,
                page_start: 3,
                page_end: 3,
                section: Some("L’IMT en faits et chiffres".into()),
                char_start: 0,
                char_end: text.chars().count(),
            },
            annotates: Vec::new(),
        }
    }

    const TEXT: &str = "FORMATION\n\n13 600 étudiants dont 10 700 élèves ingénieurs\n\
        38% du budget global provenant de ressources propres\n\
        un volume de recherche de l’ordre de 75 M€ par an. Le COP 2023-2027 est signé.";

    fn lookup(figures: &Figures, value: &str) -> Vec<String> {
        let query = FigureQuery {
            value: Some(value.into()),
            limit: 10,
            ..FigureQuery::default()
        };
        let (_, _, found) = figures.lookup(&query).expect("valid lookup");
        found.into_iter().map(|f| f.raw).collect()
    }

    #[test]
    fn figures_carry_offsets_label_and_sentence() {
        let p = passage(TEXT);
        let figures = extract(&p);
        let raws: Vec<&str> = figures.iter().map(|f| f.raw.as_str()).collect();
        assert_eq!(raws, ["13 600", "10 700", "38%", "75 M€", "2023-2027"]);
        for f in &figures {
            let got: String = TEXT
                .chars()
                .skip(f.char_start)
                .take(f.char_end - f.char_start)
                .collect();
            assert_eq!(got, f.raw);
            assert!(f.sentence.contains(&f.raw));
        }
        assert_eq!(figures[0].label, "13 600 étudiants dont 10 700 élèves");
        assert_eq!(
            figures[2].sentence,
            "38% du budget global provenant de ressources propres"
        );
        assert_eq!(figures[3].label, "de l’ordre de 75 M€ par an");
    }

    #[test]
    fn a_figures_words_are_those_of_its_context_joined() {
        // Each part of a figure's context is analysed on its own (see `ContextForms`): that
        // gives the forms of the whole only while no analyzer joins words across a line break.
        let mut p = passage(TEXT);
        p.source.section = Some("Chiffres 2023".into());
        p.source.title = "600 étudiants, l’IMT aujourd’hui : 38 % des élèves".into();
        for entry in extract_for_index(&p) {
            let f = entry.figure();
            let whole = format!(
                "{}\n{}\n{}\n{}",
                f.label,
                f.sentence,
                f.source.section.as_deref().unwrap_or(""),
                f.source.title
            );
            // every analyzer over the whole context, as a figure's words were first computed
            let mut expected: Vec<String> = store::analysed_forms(&whole).into_iter().collect();
            expected.sort_unstable();
            assert_eq!(entry.words(), expected, "{whole}");
        }
    }

    #[test]
    fn char_offsets_count_on_and_back() {
        let text = "é1 ü22 ç333";
        let mut offsets = CharOffsets::default();
        assert_eq!(offsets.at(text, 2), 1);
        assert_eq!(offsets.at(text, 6), 4);
        assert_eq!(offsets.at(text, 2), 1);
        assert_eq!(offsets.at(text, text.len()), 11);
    }

    #[test]
    fn values_match_however_typed() {
        let figures =
            Figures::in_memory(&extract(&passage(TEXT))).expect("figures index in memory");
        for typed in ["13 600", "13600", "13,6 k", "13.600", "13\u{202F}600"] {
            assert_eq!(lookup(&figures, typed), ["13 600"], "{typed}");
        }
        assert_eq!(lookup(&figures, "38 %"), ["38%"]);
        assert!(lookup(&figures, "38 €").is_empty());
        assert_eq!(lookup(&figures, "75000000 €"), ["75 M€"]);
        assert_eq!(lookup(&figures, "75 M€"), ["75 M€"]);
        assert_eq!(lookup(&figures, "75"), ["75 M€"]);
        assert_eq!(lookup(&figures, "2027"), ["2023-2027"]);
    }

    #[test]
    fn words_narrow_a_lookup() {
        let figures =
            Figures::in_memory(&extract(&passage(TEXT))).expect("figures index in memory");
        let query = FigureQuery {
            q: Some("budget ressources".into()),
            limit: 10,
            ..FigureQuery::default()
        };
        let (_, total, found) = figures.lookup(&query).expect("valid");
        assert_eq!(total, 1);
        assert_eq!(found[0].raw, "38%");
        let bad = FigureQuery {
            value: Some("abc".into()),
            limit: 10,
            ..FigureQuery::default()
        };
        assert!(matches!(
            figures.lookup(&bad),
            Err(Error::BadRequest {
                code: "bad_value",
                ..
            })
        ));
        assert!(figures
            .lookup(&FigureQuery {
                limit: 10,
                ..FigureQuery::default()
            })
            .is_err());
    }
}
