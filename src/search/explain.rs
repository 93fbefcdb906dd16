//! A search with its workings shown: the [`Plan`], and for each hit of the page its score
//! broken down by signal (each word's clause with its coordination bonus, the quoted phrases,
//! the thesaurus, the positional boosts) and the question rerank's factors. What `sourcier
//! search --explain` prints.

use std::fmt;

use tantivy::query::Query;

use super::plan::{AnswerKind, Plan};
use super::rerank::RerankFactors;
use super::word::WordPlan;
use super::{Engine, SearchRequest};
use crate::analysis::question::Expected;
use crate::error::Result;
use crate::model::Lang;
use crate::model::SearchResponse;

/// One hit's score, by signal.
#[derive(Debug, Clone)]
pub struct HitExplanation {
    pub id: String,
    pub score: f32,
    /// (signal, its score for this passage); signals that did not match are left out.
    pub signals: Vec<(String, f32)>,
    /// Set when the question rerank scored the passage again.
    pub rerank: Option<RerankFactors>,
}

/// A search, explained.
pub struct Explained {
    pub plan: Plan,
    pub response: SearchResponse,
    pub hits: Vec<HitExplanation>,
}

impl Engine {
    /// Runs `request` and explains how each hit of the page got its score.
    pub fn explain(&self, request: &SearchRequest) -> Result<Explained> {
        let run = self.run(request)?;
        let mut hits = Vec::new();
        for (hit, address) in run.response.hits.iter().zip(&run.page) {
            let mut signals = Vec::new();
            for signal in &run.compiled.signals {
                // tantivy explains only a passage the query matches: an error is "no match"
                if let Ok(explanation) = signal.query.explain(&run.searcher, *address) {
                    let name = if signal.rescore {
                        format!("{} (rescored)", signal.name)
                    } else {
                        signal.name.clone()
                    };
                    signals.push((name, explanation.value()));
                }
            }
            hits.push(HitExplanation {
                id: hit.id.clone(),
                score: hit.score,
                signals,
                rerank: run.factors.get(address).copied(),
            });
        }
        Ok(Explained {
            plan: run.plan,
            response: run.response,
            hits,
        })
    }
}

impl fmt::Display for Explained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.plan)?;
        for (rank, (hit, full)) in self.hits.iter().zip(&self.response.hits).enumerate() {
            writeln!(
                f,
                "{:>2}. {:.3}  {} · {} · p. {}",
                rank + 1,
                hit.score,
                hit.id,
                full.source.title,
                full.source.page_start
            )?;
            for (name, value) in &hit.signals {
                writeln!(f, "      {value:>8.3}  {name}")?;
            }
            if let Some(factors) = hit.rerank {
                writeln!(
                    f,
                    "      ×{:.3} words together, ×{:.3} answer stated beside them",
                    factors.density, factors.answer
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lang = self.lang.map_or("unsure", Lang::code);
        writeln!(f, "query     {:?}", self.query)?;
        writeln!(
            f,
            "language  {lang} (French field ×{}, English field ×{})",
            self.french_weight, self.english_weight
        )?;
        let kind = match &self.question.expected {
            Expected::Quantity { unit, counted } => format!(
                "quantity{}{}",
                unit.map(|u| format!(" in {}", u.name()))
                    .unwrap_or_default(),
                counted
                    .as_ref()
                    .map(|c| format!(" of {c}"))
                    .unwrap_or_default()
            ),
            Expected::Time => "date or duration".into(),
            Expected::Name => "name".into(),
            Expected::Any => "anything".into(),
        };
        writeln!(
            f,
            "question  {} (expects {kind})",
            if self.question.is_question {
                "yes"
            } else {
                "no"
            }
        )?;
        let dropped: Vec<&str> = (0..self.folded.len())
            .filter(|&i| self.question.is_noise(i))
            .map(|i| self.folded[i].text.as_str())
            .collect();
        if !dropped.is_empty() {
            writeln!(f, "dropped   {}", dropped.join(" "))?;
        }
        for phrase in &self.phrases {
            let words: Vec<&str> = phrase.iter().map(|t| t.text.as_str()).collect();
            writeln!(f, "phrase    \"{}\" (required, exact)", words.join(" "))?;
        }
        for word in &self.words {
            write_word(f, word)?;
        }
        if !self.proximity.is_empty() {
            let stems: Vec<&str> = self.proximity.iter().map(|t| t.text.as_str()).collect();
            writeln!(
                f,
                "together  {} ({} stems within a few words; the whole query as a phrase)",
                stems.join(" "),
                self.proximity_lang.code()
            )?;
        }
        if let Some(focus) = &self.answer_focus {
            let kind = match focus.kind {
                AnswerKind::Quantity => "a number",
                AnswerKind::Time => "a date or a duration",
            };
            writeln!(f, "answer    {kind} beside: {}", focus.words.join(" "))?;
        }
        if let Some(lang) = self.filters.lang {
            writeln!(f, "filter    lang = {}", lang.code())?;
        }
        if let Some(doc) = &self.filters.doc {
            writeln!(f, "filter    doc = {doc}")?;
        }
        if !self.unknown_words.is_empty() {
            writeln!(f, "unknown   {}", self.unknown_words.join(" "))?;
        }
        Ok(())
    }
}

fn write_word(f: &mut fmt::Formatter<'_>, word: &WordPlan) -> fmt::Result {
    writeln!(
        f,
        "word      {} — in {} passages, idf {:.2}, coordination bonus {:.2}",
        word.exact, word.doc_freq, word.idf, word.coordination
    )?;
    // each form once (several synonym rules may bring the same stem)
    let mut line = |label: &str, forms: &[String]| -> fmt::Result {
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<&str> = forms
            .iter()
            .map(String::as_str)
            .filter(|f| seen.insert(*f))
            .collect();
        if distinct.is_empty() {
            Ok(())
        } else {
            writeln!(f, "            {label:<12} {}", distinct.join(", "))
        }
    };
    let stems: Vec<String> = word
        .french
        .iter()
        .map(|s| format!("fr:{s}"))
        .chain(word.english.iter().map(|s| format!("en:{s}")))
        .collect();
    line("stems", &stems)?;
    line("as number", &word.number_writings)?;
    line("synonyms fr", &word.french_synonyms)?;
    line("synonyms en", &word.english_synonyms)?;
    let phrases: Vec<String> = word
        .synonym_phrases
        .iter()
        .map(|p| {
            let words: Vec<&str> = p.exact.iter().map(|t| t.text.as_str()).collect();
            format!("\"{}\" ×{:.2}", words.join(" "), p.weight)
        })
        .collect();
    line("synonym as", &phrases)?;
    line("parts fr", &word.french_parts)?;
    line("parts en", &word.english_parts)?;
    line("translated", &word.translations)?;
    line("thesaurus", &word.related)?;
    line("near words", &word.near)
}
