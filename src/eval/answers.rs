//! Answer and figure evaluation. Answers: each question of `answers.jsonl` goes through
//! [`crate::answer::answer`] (what `/api/answer` runs); it succeeds when the top answer
//! sentence contains one of its expected substrings (after [`normalize_for_match`]), or, for a
//! `negative` question, when no answer comes back. Figures: each look-up of `figures.jsonl`
//! goes through [`figure_lookup`] (what `/api/figures` and `trace` run); a figure found is
//! correct when its (document, page) is one of the expected places. Recall and precision are
//! over all places and all figures found (micro-averaged).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::NEGATIVE;
use crate::analysis::normalize_for_match;
use crate::answer::{answer, AnswerRequest};
use crate::error::Result;
use crate::figures::{figure_lookup, FigureQuery, Unit};
use crate::search::Engine;

/// A question and the substrings its answer must contain (none for a negative).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerCase {
    pub id: String,
    pub question: String,
    #[serde(default)]
    pub lang: Option<String>,
    /// `number`, `fact` or `negative`.
    pub kind: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub answers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerOutcome {
    pub id: String,
    pub kind: String,
    pub question: String,
    pub success: bool,
    /// How many answers came back (3 asked).
    pub answers_returned: usize,
    pub top_answer: Option<String>,
    pub top_confidence: Option<f32>,
    pub top_doc: Option<String>,
    pub top_page: Option<u32>,
    /// 1-based rank of the first right answer among those returned.
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerReport {
    /// Questions with an answer (negatives excluded).
    pub questions: usize,
    /// Share of them whose top answer contains an expected substring.
    pub accuracy_at_1: f64,
    /// Share whose right answer is among the (up to 3) returned.
    pub accuracy_at_3: f64,
    /// Per kind: (questions, accuracy@1); for `negative`, the share that got no answer.
    pub per_kind: BTreeMap<String, (usize, f64)>,
    pub outcomes: Vec<AnswerOutcome>,
}

fn share(hits: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        hits as f64 / n as f64
    }
}

/// Runs every question (3 answers each) and scores the top answers.
pub fn run_answers(engine: &Engine, cases: &[AnswerCase]) -> Result<AnswerReport> {
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let mut request = AnswerRequest::new(case.question.clone());
        request.limit = 3;
        let response = answer(engine, &request)?;
        let wanted: Vec<String> = case
            .answers
            .iter()
            .map(|a| normalize_for_match(a))
            .collect();
        let rank = response
            .answers
            .iter()
            .position(|a| {
                let text = normalize_for_match(&a.text);
                wanted.iter().any(|w| text.contains(w.as_str()))
            })
            .map(|i| i + 1);
        let top = response.answers.first();
        let success = if case.kind == NEGATIVE {
            response.answers.is_empty()
        } else {
            rank == Some(1)
        };
        outcomes.push(AnswerOutcome {
            id: case.id.clone(),
            kind: case.kind.clone(),
            question: case.question.clone(),
            success,
            answers_returned: response.answers.len(),
            top_answer: top.map(|a| a.text.clone()),
            top_confidence: top.map(|a| a.confidence),
            top_doc: top.map(|a| a.source.doc_id.clone()),
            top_page: top.map(|a| a.source.page_start),
            rank,
        });
    }
    let answered: Vec<&AnswerOutcome> = outcomes.iter().filter(|o| o.kind != NEGATIVE).collect();
    let mut per_kind = BTreeMap::new();
    for o in &outcomes {
        let entry: &mut (usize, usize) = per_kind.entry(o.kind.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(o.success);
    }
    Ok(AnswerReport {
        questions: answered.len(),
        accuracy_at_1: share(
            answered.iter().filter(|o| o.success).count(),
            answered.len(),
        ),
        accuracy_at_3: share(
            answered.iter().filter(|o| o.rank.is_some()).count(),
            answered.len(),
        ),
        per_kind: per_kind
            .into_iter()
            .map(|(k, (n, hits))| (k, (n, share(hits, n))))
            .collect(),
        outcomes,
    })
}

/// Where a figure is stated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    pub doc: String,
    pub page: u32,
    /// The text around it, for the reader of the file (not used to match).
    #[serde(default)]
    pub contains: String,
}

/// A value as typed and every place the corpus states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FigureCase {
    pub id: String,
    pub value: String,
    #[serde(default)]
    pub unit: Option<String>,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigureOutcome {
    pub id: String,
    pub value: String,
    pub expected: usize,
    pub found: usize,
    pub correct: usize,
    /// Expected places not found: `doc p.N`.
    pub missed: Vec<String>,
    /// Figures found elsewhere: `doc p.N: raw`.
    pub wrong: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigureReport {
    pub lookups: usize,
    pub recall: f64,
    pub precision: f64,
    pub outcomes: Vec<FigureOutcome>,
}

/// Runs every figure look-up and scores recall and precision.
pub fn run_figures(engine: &Engine, cases: &[FigureCase]) -> Result<FigureReport> {
    let (mut expected_total, mut expected_found) = (0, 0);
    let (mut found_total, mut found_correct) = (0, 0);
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let query = FigureQuery {
            value: Some(case.value.clone()),
            unit: case.unit.as_deref().and_then(Unit::parse),
            limit: crate::figures::MAX_LIMIT,
            ..FigureQuery::default()
        };
        let response = figure_lookup(engine.figures(), |d| engine.has_document(d), &query)?;
        let expected: HashSet<(&str, u32)> = case
            .places
            .iter()
            .map(|p| (p.doc.as_str(), p.page))
            .collect();
        let got: HashSet<(&str, u32)> = response
            .figures
            .iter()
            .map(|f| (f.source.doc_id.as_str(), f.source.page_start))
            .collect();
        let missed: Vec<String> = case
            .places
            .iter()
            .filter(|p| !got.contains(&(p.doc.as_str(), p.page)))
            .map(|p| format!("{} p.{}", p.doc, p.page))
            .collect();
        let wrong: Vec<String> = response
            .figures
            .iter()
            .filter(|f| !expected.contains(&(f.source.doc_id.as_str(), f.source.page_start)))
            .map(|f| format!("{} p.{}: {}", f.source.doc_id, f.source.page_start, f.raw))
            .collect();
        let correct = response.figures.len() - wrong.len();
        expected_total += expected.len();
        expected_found += expected.len() - missed.len();
        found_total += response.figures.len();
        found_correct += correct;
        outcomes.push(FigureOutcome {
            id: case.id.clone(),
            value: case.value.clone(),
            expected: expected.len(),
            found: response.figures.len(),
            correct,
            missed,
            wrong,
        });
    }
    Ok(FigureReport {
        lookups: cases.len(),
        recall: share(expected_found, expected_total),
        precision: share(found_correct, found_total),
        outcomes,
    })
}
