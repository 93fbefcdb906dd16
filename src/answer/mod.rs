//! Answers: a question → the sentences (or table lines) of the retrieved passages that answer
//! it, verbatim, with their offsets inside the passage and their citation. Extractive only.
//!
//! Retrieval is [`Engine::search`], used as is. Each sentence of the top passages is scored
//! on: how many of the question's content words it holds (words found only elsewhere in the
//! passage, its section or title count half), how close together they are, whether it holds
//! the expected answer type (a number with the asked unit or counted noun, a year, a name; see
//! [`question`]), and its passage's retrieval score. `confidence` is that score damped when the
//! search itself says the match is weak; answers below [`Ranking::answer_min_confidence`] are dropped, so a
//! question the corpus does not answer gets no answer.

pub mod question;

use std::collections::HashSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::analysis::dates;
use crate::error::Result;
use crate::figures::scan::{scan, Scales};
use crate::figures::Unit;
use crate::model::{Hit, Lang, MatchStrength, SourceRef};
use crate::search::highlight::{render_html, Highlighter, WordStems};
use crate::search::ranking::Ranking;
use crate::search::{Engine, SearchRequest};
use crate::segment::sentences;
use question::{Expected, Question};

/// Passages retrieved per search; their sentences are the candidates. Two searches run: the
/// question as typed, and its content words alone (a question's verbs and filler, `compte`,
/// `does`, can push the passage that states the answer down the ranking).
pub const SEARCH_DEPTH: usize = 20;
/// Passages returned beside the answers.
pub const PASSAGES_SHOWN: usize = 5;
/// Largest accepted `limit` of answers.
pub const MAX_LIMIT: usize = 20;

/// A question as the user asked it.
#[derive(Debug, Clone)]
pub struct AnswerRequest {
    pub query: String,
    pub limit: usize,
    pub lang: Option<Lang>,
}

impl AnswerRequest {
    pub fn new(query: impl Into<String>) -> AnswerRequest {
        AnswerRequest {
            query: query.into(),
            limit: 3,
            lang: None,
        }
    }
}

/// One answering sentence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// The sentence or table line, verbatim: `passage.text[char_start..char_end]` in chars.
    pub text: String,
    /// The sentence HTML-escaped with the question's words in `<mark>…</mark>`.
    pub highlight: String,
    /// 0–1; a client may drop answers below its own threshold.
    pub confidence: f32,
    pub passage_id: String,
    /// Offsets in Unicode scalar values inside the passage text.
    pub char_start: usize,
    pub char_end: usize,
    pub source: SourceRef,
}

/// The body of `GET /api/answer` and `ask --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerResponse {
    pub query: String,
    pub answers: Vec<Answer>,
    /// The top passages, as `/api/search` returns them.
    pub passages: Vec<Hit>,
    pub took_ms: f64,
}

/// Words of the sentence between which the question's words are found, compared with how
/// many there are: 1 when they are adjacent.
fn proximity(positions: &[(usize, usize)]) -> f32 {
    // (position in the sentence, question word index)
    let distinct: HashSet<usize> = positions.iter().map(|p| p.1).collect();
    if distinct.len() < 2 {
        return if distinct.is_empty() { 0.0 } else { 1.0 };
    }
    let mut best = usize::MAX;
    for (i, &(start, _)) in positions.iter().enumerate() {
        let mut seen = HashSet::new();
        for &(pos, word) in &positions[i..] {
            seen.insert(word);
            if seen.len() == distinct.len() {
                best = best.min(pos - start + 1);
                break;
            }
        }
    }
    distinct.len() as f32 / best.max(1) as f32
}

/// How well the sentence holds the expected kind of answer: 1, partly (0.5), or 0.
/// `word_starts` and `word_texts`: the sentence's words (byte offsets, folded forms).
fn type_score(
    expected: &Expected,
    partial: f32,
    sentence: &str,
    word_starts: &[usize],
    word_texts: &[&str],
) -> f32 {
    match expected {
        Expected::Any => 1.0,
        Expected::Number { unit, noun } => {
            let figures = scan(sentence, Scales::Written);
            let numbers: Vec<_> = figures
                .iter()
                .filter(|f| f.unit != Some(Unit::Year))
                .collect();
            if numbers.is_empty() {
                return 0.0;
            }
            let unit_ok = |f: &&&crate::figures::scan::Found| match unit {
                Some(u) => f.unit == Some(*u),
                None => true,
            };
            let noun_ok = |f: &&&crate::figures::scan::Found| match noun {
                None => true,
                Some(forms) => f.noun.as_deref().is_some_and(|n| {
                    question::forms(&crate::analysis::fold(n))
                        .iter()
                        .any(|x| forms.contains(x))
                }),
            };
            if numbers.iter().any(|f| unit_ok(&f) && noun_ok(&f)) {
                1.0
            } else {
                partial
            }
        }
        Expected::Date => {
            if (0..word_texts.len()).any(|i| dates::states_time_at(word_texts, i)) {
                1.0
            } else {
                0.0
            }
        }
        Expected::Name => {
            // Capitalised words after the sentence's first word.
            let capitals = word_starts
                .iter()
                .skip(1)
                .filter(|&&at| sentence[at..].starts_with(char::is_uppercase))
                .count();
            match capitals {
                0 => 0.0,
                1 => partial,
                _ => 1.0,
            }
        }
    }
}

/// A scored candidate.
struct Candidate {
    score: f32,
    hit_index: usize,
    range: std::ops::Range<usize>,
    marks: Vec<(usize, usize)>,
}

/// A word of a text, and the question words (indexes into `question.words`) it matches.
struct TokenMatch {
    text: String,
    /// Byte range in the text.
    from: usize,
    to: usize,
    words: Vec<usize>,
}

/// The words of a text, each with the question words it matches (through the search's own
/// matcher). A passage is analysed once; its sentences take their slice of the result.
fn match_tokens(matcher: &mut Highlighter, words: &[WordStems], text: &str) -> Vec<TokenMatch> {
    question::tokens(text)
        .into_iter()
        .map(|(token, from, to)| TokenMatch {
            words: matcher.words_matched(&token, words),
            text: token,
            from,
            to,
        })
        .collect()
}

/// A retrieved passage and its retrieval score in 0–1 (the mean, over the searches, of its
/// score relative to the search's best).
struct Retrieved {
    hit: Hit,
    retrieval: f32,
}

/// The union of the searches' hits, in order of first appearance.
fn merge_searches(searches: &[&[Hit]]) -> Vec<Retrieved> {
    let mut out: Vec<Retrieved> = Vec::new();
    for hits in searches {
        let top = hits.first().map_or(1.0, |h| h.score.max(f32::EPSILON));
        for hit in hits.iter() {
            let relative = hit.score / top / searches.len() as f32;
            match out.iter_mut().find(|r| r.hit.id == hit.id) {
                Some(r) => r.retrieval += relative,
                None => out.push(Retrieved {
                    hit: hit.clone(),
                    retrieval: relative,
                }),
            }
        }
    }
    out
}

/// The section and title of a passage: where a sentence's missing subject may be, beside
/// the rest of the passage.
fn heading_of(hit: &Hit) -> String {
    format!(
        "{}\n{}",
        hit.source.section.as_deref().unwrap_or(""),
        hit.source.title
    )
}

/// Weight of each question word: rarer among the retrieved passages is more telling
/// (`devise` beside `Télécom Paris`). `ln(1 + n / df)`, df counted in the passages' contexts.
fn word_weights(question: &Question, contexts: &[HashSet<usize>]) -> Vec<f32> {
    let n = contexts.len().max(1) as f32;
    (0..question.words.len())
        .map(|w| {
            let df = contexts.iter().filter(|c| c.contains(&w)).count().max(1) as f32;
            (1.0 + n / df).ln()
        })
        .collect()
}

fn score_sentences(
    ranking: &Ranking,
    matcher: &mut Highlighter,
    question: &Question,
    retrieved: &[Retrieved],
    strength: MatchStrength,
) -> Vec<Candidate> {
    let query_words = question.query_words();
    let stems = WordStems::of(&query_words, false);
    let tokens: Vec<Vec<TokenMatch>> = retrieved
        .iter()
        .map(|r| match_tokens(matcher, &stems, &r.hit.text))
        .collect();
    let contexts: Vec<HashSet<usize>> = retrieved
        .iter()
        .zip(&tokens)
        .map(|(r, passage)| {
            let heading = match_tokens(matcher, &stems, &heading_of(&r.hit));
            passage
                .iter()
                .chain(&heading)
                .flat_map(|t| t.words.iter().copied())
                .collect()
        })
        .collect();
    let weights = word_weights(question, &contexts);
    let total_weight: f32 = weights.iter().sum::<f32>().max(f32::EPSILON);
    let mut out = Vec::new();
    for (hit_index, Retrieved { hit, retrieval }) in retrieved.iter().enumerate() {
        let retrieval = *retrieval;
        let in_context = &contexts[hit_index];
        for range in sentences::split(&hit.text) {
            let sentence = &hit.text[range.clone()];
            let words: Vec<&TokenMatch> = tokens[hit_index]
                .iter()
                .filter(|t| t.from >= range.start && t.to <= range.end)
                .collect();
            // (position in the sentence, question word)
            let positions: Vec<(usize, usize)> = words
                .iter()
                .enumerate()
                .flat_map(|(pos, t)| t.words.iter().map(move |&w| (pos, w)))
                .collect();
            let in_sentence: HashSet<usize> = positions.iter().map(|p| p.1).collect();
            if in_sentence.is_empty() && !question.words.is_empty() {
                continue;
            }
            let weight_of = |set: &mut dyn Iterator<Item = &usize>| -> f32 {
                set.map(|&w| weights.get(w).copied().unwrap_or(0.0)).sum()
            };
            let here = weight_of(&mut in_sentence.iter());
            let elsewhere = weight_of(&mut in_context.difference(&in_sentence));
            let coverage = ((here + ranking.answer_elsewhere * elsewhere) / total_weight).min(1.0);
            let word_starts: Vec<usize> = words.iter().map(|t| t.from - range.start).collect();
            let word_texts: Vec<&str> = words.iter().map(|t| t.text.as_str()).collect();
            let words_in_sentence = words.len();
            let type_match = type_score(
                &question.expected,
                ranking.answer_type_partial,
                sentence,
                &word_starts,
                &word_texts,
            );
            let mut score = ranking.answer_coverage * coverage
                + ranking.answer_proximity * proximity(&positions)
                + ranking.answer_type * type_match
                + ranking.answer_retrieval * retrieval;
            if words_in_sentence < ranking.answer_min_words {
                score *= ranking.answer_short_factor;
            } else if words_in_sentence > ranking.answer_max_words {
                score *= ranking.answer_long_factor;
            }
            if sentence.contains("http") || sentence.contains("www.") {
                score *= ranking.answer_link_factor;
            }
            if strength != MatchStrength::Strong {
                score *= ranking.answer_weak_factor;
            }
            let marks = words
                .iter()
                .filter(|t| !t.words.is_empty())
                .map(|t| (t.from - range.start, t.to - range.start))
                .collect();
            out.push(Candidate {
                score,
                hit_index,
                range,
                marks,
            });
        }
    }
    out
}

fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// Answers a question from the index.
pub fn answer(engine: &Engine, request: &AnswerRequest) -> Result<AnswerResponse> {
    let started = Instant::now();
    let search = SearchRequest {
        limit: SEARCH_DEPTH,
        lang: request.lang,
        word_density: false,
        ..SearchRequest::new(request.query.clone())
    };
    search.validate()?;
    if request.limit == 0 || request.limit > MAX_LIMIT {
        return Err(crate::Error::bad_request(
            "bad_limit",
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let response = engine.search(&search)?;
    let question = question::analyse(&request.query);
    let keywords = question.keywords();
    let by_keywords = if keywords.is_empty() || keywords == request.query {
        Vec::new()
    } else {
        engine
            .search(&SearchRequest {
                query: keywords,
                ..search.clone()
            })?
            .hits
    };
    let retrieved = merge_searches(&[&response.hits, &by_keywords]);
    let mut answers = Vec::new();
    if response.strength != MatchStrength::None {
        let ranking = engine.ranking();
        let mut matcher = engine.highlighter();
        let mut candidates = score_sentences(
            ranking,
            &mut matcher,
            &question,
            &retrieved,
            response.strength,
        );
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen = HashSet::new();
        for c in candidates {
            if answers.len() >= request.limit || c.score < ranking.answer_min_confidence {
                break;
            }
            let hit = &retrieved[c.hit_index].hit;
            let text = &hit.text[c.range.clone()];
            if !seen.insert(crate::analysis::normalize_for_match(text)) {
                continue;
            }
            let marks: Vec<(usize, usize)> = c
                .marks
                .iter()
                .map(|&(from, to)| (from.min(text.len()), to.min(text.len())))
                .collect();
            answers.push(Answer {
                text: text.to_string(),
                highlight: render_html(text, &marks),
                confidence: (c.score * 1000.0).round() / 1000.0,
                passage_id: hit.id.clone(),
                char_start: char_offset(&hit.text, c.range.start),
                char_end: char_offset(&hit.text, c.range.end),
                source: hit.source.clone(),
            });
        }
    }
    let mut passages = response.hits;
    passages.truncate(PASSAGES_SHOWN);
    Ok(AnswerResponse {
        query: request.query.clone(),
        answers,
        passages,
        took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proximity_is_one_for_adjacent_words() {
        assert_eq!(proximity(&[(3, 0), (4, 1)]), 1.0);
        assert!((proximity(&[(0, 0), (9, 1)]) - 0.2).abs() < 1e-6);
        assert_eq!(proximity(&[]), 0.0);
    }

    #[test]
    fn type_scores() {
        let number = Expected::Number {
            unit: None,
            noun: Some(question::forms("etudiants")),
        };
        let s = "13 600 étudiants dont 10 700 élèves";
        assert_eq!(type_score(&number, 0.5, s, &[], &[]), 1.0);
        assert_eq!(
            type_score(&number, 0.5, "29% d’étudiants étrangers", &[], &[]),
            0.5
        );
        assert_eq!(
            type_score(&number, 0.5, "une école d’ingénieurs", &[], &[]),
            0.0
        );
        let percent = Expected::Number {
            unit: Some(Unit::Percent),
            noun: None,
        };
        assert_eq!(
            type_score(&percent, 0.5, "38% du budget global", &[], &[]),
            1.0
        );
        assert_eq!(
            type_score(
                &Expected::Date,
                0.5,
                "adopté en mars 2021",
                &[],
                &["adopte", "en", "mars", "2021"]
            ),
            1.0
        );
        assert_eq!(
            type_score(
                &Expected::Date,
                0.5,
                "votée le 11 juin",
                &[],
                &["votee", "le", "11", "juin"]
            ),
            1.0
        );
        assert_eq!(
            type_score(
                &Expected::Date,
                0.5,
                "adopté par le conseil",
                &[],
                &["adopte", "par", "le", "conseil"]
            ),
            0.0
        );
    }
}
