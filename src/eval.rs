//! Relevance evaluation: runs a set of judged queries through [`Engine::search`] (the search
//! the HTTP API uses) and scores the ranking: Success@1, Success@5, MRR@10 and Recall@10,
//! overall and per kind, plus timing. A passage is relevant when it contains one of the
//! query's answer strings after [`normalize_for_match`] (NFC, whitespace collapsed, ’ → ',
//! case folded). Queries of kind `negative` have no answer: they succeed when the response's
//! `match` is not `strong` (the engine says it found nothing convincing). Answer and figure
//! evaluation are in [`answers`].

pub mod answers;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::analysis::normalize_for_match;
use crate::error::{Error, Result};
use crate::model::{Lang, MatchStrength};
use crate::search::{Engine, SearchRequest};

/// One judged query, a line of `queries.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalQuery {
    pub id: String,
    pub query: String,
    #[serde(default)]
    pub lang: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub answers: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

pub const NEGATIVE: &str = "negative";

/// Reads a JSON-lines file of queries (blank lines and `//` comments allowed).
pub fn load_queries(path: &Path) -> Result<Vec<EvalQuery>> {
    load_jsonl(path)
}

/// Reads a JSON-lines eval file (blank lines and `//` comments allowed).
pub fn load_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push(serde_json::from_str(line).map_err(|e| {
            Error::bad_request("bad_queries", format!("{}:{}: {e}", path.display(), i + 1))
        })?);
    }
    Ok(out)
}

/// The scores of a group of queries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    pub queries: usize,
    pub success_at_1: f64,
    pub success_at_5: f64,
    pub mrr_at_10: f64,
    pub recall_at_10: f64,
}

/// What happened to one query.
#[derive(Debug, Clone, Serialize)]
pub struct QueryOutcome {
    pub id: String,
    pub kind: String,
    pub query: String,
    /// 1-based rank of the first relevant passage in the top 10.
    pub rank: Option<usize>,
    /// Share of the query's answers found in the top 10.
    pub recall: f64,
    pub top_doc: Option<String>,
    pub top_page: Option<u32>,
    pub top_text: Option<String>,
    pub top_score: Option<f32>,
    pub confidence: f32,
    #[serde(rename = "match")]
    pub strength: MatchStrength,
    pub took_ms: f64,
    /// Did this query get what it should (a relevant top-10 passage, or for a negative query
    /// a response that does not claim a strong match)?
    pub success: bool,
}

/// Everything `sourcier eval` measures: the ranking report (its fields at the top level),
/// then answers and figures.
#[derive(Debug, Clone, Serialize)]
pub struct FullReport {
    /// Time taken to read the thesaurus before the first query, as a server does at start,
    /// so that no query's time includes it.
    pub thesaurus_ms: f64,
    #[serde(flatten)]
    pub ranking: EvalReport,
    pub answers: answers::AnswerReport,
    pub figures: answers::FigureReport,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Over every query with answers (negatives excluded).
    pub overall: Metrics,
    /// Per kind; for `negative`, every figure is the share of negatives the response flags.
    pub per_kind: BTreeMap<String, Metrics>,
    /// Answered queries whose response was nonetheless flagged weak/none (false alarms).
    pub answered_flagged_weak: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
    pub outcomes: Vec<QueryOutcome>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn metrics(outcomes: &[&QueryOutcome]) -> Metrics {
    let hit_at = |k: usize| {
        mean(
            outcomes
                .iter()
                .map(|o| f64::from(o.rank.is_some_and(|r| r <= k) as u8)),
        )
    };
    Metrics {
        queries: outcomes.len(),
        success_at_1: hit_at(1),
        success_at_5: hit_at(5),
        mrr_at_10: mean(
            outcomes
                .iter()
                .map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64)),
        ),
        recall_at_10: mean(outcomes.iter().map(|o| o.recall)),
    }
}

/// Runs every query (top 10) and scores the results.
pub fn run(engine: &Engine, queries: &[EvalQuery]) -> Result<EvalReport> {
    let mut outcomes = Vec::with_capacity(queries.len());
    for q in queries {
        let mut request = SearchRequest::new(q.query.clone());
        request.limit = 10;
        let started = Instant::now();
        let response = engine.search(&request)?;
        let took_ms = started.elapsed().as_secs_f64() * 1000.0;
        let answers: Vec<String> = q.answers.iter().map(|a| normalize_for_match(a)).collect();
        let texts: Vec<String> = response
            .hits
            .iter()
            .map(|h| normalize_for_match(&h.text))
            .collect();
        let rank = texts
            .iter()
            .position(|t| answers.iter().any(|a| t.contains(a.as_str())))
            .map(|i| i + 1);
        let recall = if answers.is_empty() {
            0.0
        } else {
            answers
                .iter()
                .filter(|a| texts.iter().any(|t| t.contains(a.as_str())))
                .count() as f64
                / answers.len() as f64
        };
        let top = response.hits.first();
        let negative = q.kind == NEGATIVE;
        let success = if negative {
            response.strength != MatchStrength::Strong
        } else {
            rank.is_some()
        };
        outcomes.push(QueryOutcome {
            id: q.id.clone(),
            kind: q.kind.clone(),
            query: q.query.clone(),
            rank,
            recall,
            top_doc: top.map(|h| h.source.doc_id.clone()),
            top_page: top.map(|h| h.source.page_start),
            top_text: top.map(|h| h.text.chars().take(160).collect()),
            top_score: top.map(|h| h.score),
            confidence: response.confidence,
            strength: response.strength,
            took_ms,
            success,
        });
    }
    let answered: Vec<&QueryOutcome> = outcomes.iter().filter(|o| o.kind != NEGATIVE).collect();
    let mut per_kind: BTreeMap<String, Metrics> = BTreeMap::new();
    let mut kinds: Vec<&str> = outcomes.iter().map(|o| o.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let group: Vec<&QueryOutcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
        let m = if kind == NEGATIVE {
            let flagged = mean(group.iter().map(|o| f64::from(o.success as u8)));
            Metrics {
                queries: group.len(),
                success_at_1: flagged,
                success_at_5: flagged,
                mrr_at_10: flagged,
                recall_at_10: flagged,
            }
        } else {
            metrics(&group)
        };
        per_kind.insert(kind.to_string(), m);
    }
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.took_ms).collect();
    times.sort_by(f64::total_cmp);
    let at = |p: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Ok(EvalReport {
        overall: metrics(&answered),
        per_kind,
        answered_flagged_weak: answered
            .iter()
            .filter(|o| o.strength != MatchStrength::Strong)
            .count(),
        median_ms: at(0.5),
        p99_ms: at(0.99),
        outcomes,
    })
}

/// Checks a query set: ids unique, kinds known, answers 5–60 characters, negatives without.
pub fn validate(queries: &[EvalQuery]) -> Vec<String> {
    const KINDS: &[&str] = &[
        "keyword",
        "question",
        "figure",
        "noaccent",
        "variant",
        "phrase",
        "crosslingual",
        NEGATIVE,
    ];
    let mut problems = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for q in queries {
        if !ids.insert(q.id.as_str()) {
            problems.push(format!("{}: duplicate id", q.id));
        }
        if !KINDS.contains(&q.kind.as_str()) {
            problems.push(format!("{}: unknown kind {}", q.id, q.kind));
        }
        if q.lang.as_deref().is_some_and(|l| Lang::parse(l).is_none()) {
            problems.push(format!("{}: unknown lang", q.id));
        }
        if (q.kind == NEGATIVE) != q.answers.is_empty() {
            problems.push(format!(
                "{}: negatives and only negatives have no answers",
                q.id
            ));
        }
        for a in &q.answers {
            let n = a.chars().count();
            if !(5..=60).contains(&n) {
                problems.push(format!("{}: answer of {n} characters: {a:?}", q.id));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rank: Option<usize>) -> QueryOutcome {
        QueryOutcome {
            id: String::new(),
            kind: "keyword".into(),
            query: String::new(),
            rank,
            recall: f64::from(rank.is_some() as u8),
            top_doc: None,
            top_page: None,
            top_text: None,
            top_score: None,
            confidence: 0.0,
            strength: MatchStrength::Strong,
            took_ms: 0.0,
            success: rank.is_some(),
        }
    }

    #[test]
    fn metrics_are_the_usual_ones() {
        let outcomes = [
            outcome(Some(1)),
            outcome(Some(2)),
            outcome(None),
            outcome(Some(6)),
        ];
        let m = metrics(&outcomes.iter().collect::<Vec<_>>());
        assert_eq!(m.queries, 4);
        assert!((m.success_at_1 - 0.25).abs() < 1e-9);
        assert!((m.success_at_5 - 0.5).abs() < 1e-9);
        assert!((m.mrr_at_10 - (1.0 + 0.5 + 1.0 / 6.0) / 4.0).abs() < 1e-9);
    }
}
