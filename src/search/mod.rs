//! Query text → ranked, highlighted passages with their citations. The [`Engine`] owns an
//! opened index generation; it validates requests, builds the tantivy query (see
//! [`query`]), runs it, and turns stored documents back into passages. It knows nothing about
//! HTTP: the API and the CLI both call [`Engine::search`].

pub mod bonus;
pub mod facets;
pub mod highlight;
pub mod query;
pub mod rescore;
pub mod suggest;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::analysis::dictionary::Dictionary;
use crate::analysis::synonyms::Synonyms;
use crate::analysis::thesaurus::{LazyThesaurus, Thesaurus};
use crate::error::{Error, Result};
use crate::figures::Figures;
use crate::index::store::text_of;
use crate::index::{self, Manifest, PassageStore};
use crate::model::{DocumentInfo, Facets, Hit, Lang, MatchStrength, Passage, SearchResponse};
use highlight::{render_html, Highlighter, PassageTokens, WordStems};
use query::AnswerKind;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Largest accepted `limit`.
pub const MAX_LIMIT: usize = 100;

/// Passages scored again for a question. 15, 20 and 30 find the same answers to quantity
/// and date questions on the eval set but for one (30 lifts a passage from below the 20th
/// place above it); 20 reads a third fewer passages.
const ANSWER_POOL: usize = 20;
/// How many consecutive words of a passage a question's words are looked for together in.
const DENSITY_WINDOW: usize = 16;
/// A question's passage is multiplied by 1 + this × the share of the question's words (by
/// IDF) that it holds within [`DENSITY_WINDOW`] words. Measured against no such factor:
/// 0.3 / 0.5 / 0.7 gave eval MRR@10 0.929 / 0.929 / 0.930 (0.927 without), Success@5 0.963
/// / 0.963 / 0.959 (0.963), held-out MRR@10 0.663 / 0.697 / 0.710 (0.654 without); 0.5 is the
/// largest that keeps the eval Success@5. Windows of 12, 16 and 25 words measured within
/// 0.003 of each other on the eval set.
const DENSITY_BOOST: f32 = 0.5;
/// How far (in words) a number may stand from a word of the question.
const QUANTITY_WINDOW: usize = 2;
/// Score multiplier for a passage stating a number beside the words asked about. Measured
/// on the eval set (against 1.0, everything else equal): MRR@10 0.907 → 0.912, question 0.691
/// → 0.706, three queries up and none down; on 22 quantity questions written apart from it,
/// 0.722 → 0.795.
const QUANTITY_ANSWER_BOOST: f32 = 1.5;
/// How far (in words) a date may stand from a word of the question: a date is stated a few
/// words from what happened (`IMT-SupdeCo Dakar a été ouverte en 2019`).
const TIME_WINDOW: usize = 5;
/// Score multiplier for a passage stating a date beside the question's words. A year is in
/// most passages of a five-year contract, so the boost is milder than a quantity's.
/// Measured (against 1.0): on 60 held-out questions, MRR@10 0.620 → 0.641 (three up, one
/// down); on the eval set's 11 date questions, no change; 1.5 measured the same.
const TIME_ANSWER_BOOST: f32 = 1.2;

/// A search as the user asked for it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    pub lang: Option<Lang>,
    pub doc: Option<String>,
    /// Rank a question's passages higher where its words stand together (see
    /// [`DENSITY_BOOST`]). On by default; the answer module turns it off, as it weighs the
    /// same evidence sentence by sentence itself.
    pub word_density: bool,
}

impl SearchRequest {
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            lang: None,
            doc: None,
            word_density: true,
        }
    }

    /// Checks the request against the API's limits.
    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            return Err(Error::bad_request("empty_query", "the query `q` is empty"));
        }
        let chars = self.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::bad_request(
                "query_too_long",
                format!("the query has {chars} characters; the limit is {MAX_QUERY_CHARS}"),
            ));
        }
        if self.limit == 0 || self.limit > MAX_LIMIT {
            return Err(Error::bad_request(
                "bad_limit",
                format!("`limit` must be between 1 and {MAX_LIMIT}"),
            ));
        }
        Ok(())
    }
}

/// A passage with its neighbours in the document, for context.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PassageWithContext {
    #[serde(flatten)]
    pub passage: Passage,
    pub prev_id: Option<String>,
    pub next_id: Option<String>,
}

/// An opened index, ready to answer. Opening reads the manifest and the index's metadata,
/// nothing per passage: passages, neighbours, facets and figures are looked up in the
/// memory-mapped index when asked for.
pub struct Engine {
    index_dir: PathBuf,
    passages: PassageStore,
    manifest: Manifest,
    /// Document id → its position in the manifest.
    doc_positions: Arc<HashMap<String, usize>>,
    /// Facet keys of the passages, per segment.
    facet_keys: facets::FacetKeys,
    highlighter: Highlighter,
    analyzers: query::QueryAnalyzers,
    synonyms: Synonyms,
    /// English → French translations, when a bilingual dictionary is installed.
    dictionary: Dictionary,
    /// French synonyms, when a thesaurus is installed.
    thesaurus: LazyThesaurus,
    /// The generation's figures, for `/api/figures` and `trace`.
    figures: Figures,
}

impl Engine {
    /// Opens the live generation under `index_dir`.
    pub fn open(index_dir: &Path) -> Result<Engine> {
        let (index, fields, manifest) = index::open(index_dir)?;
        let figures = index::current_generation(index_dir)
            .ok_or_else(|| Error::NoIndex {
                path: index_dir.to_path_buf(),
                reason: "no CURRENT generation".into(),
            })
            .and_then(|generation| Figures::open(&generation))?;
        let synonyms_path = manifest.corpus_root.join("synonyms.txt");
        let (synonyms, problems) = Synonyms::load(&synonyms_path);
        for p in problems {
            tracing::warn!(file = %synonyms_path.display(), "{p}");
        }
        let dictionary = Dictionary::from_environment(!synonyms.is_empty());
        if let Some(source) = dictionary.source() {
            tracing::info!(file = %source.display(), headwords = dictionary.len(), "bilingual dictionary");
        }
        let passages = PassageStore::new(&index, fields)?;
        // Synonyms the passages never use could not match: not kept.
        let thesaurus = {
            let reader = passages.reader().clone();
            let text_fr = passages.fields().text_fr;
            LazyThesaurus::new(move || {
                let searcher = reader.searcher();
                Thesaurus::from_environment(|stem| {
                    searcher
                        .doc_freq(&Term::from_field_text(text_fr, stem))
                        .is_ok_and(|n| n > 0)
                })
            })
        };
        let doc_positions: Arc<HashMap<String, usize>> = Arc::new(
            manifest
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.clone(), i))
                .collect(),
        );
        let facet_keys = facets::FacetKeys::new(passages.fields(), doc_positions.clone());
        Ok(Engine {
            index_dir: index_dir.to_path_buf(),
            passages,
            manifest,
            doc_positions,
            facet_keys,
            highlighter: Highlighter::default(),
            analyzers: query::QueryAnalyzers::default(),
            synonyms,
            dictionary,
            thesaurus,
            figures,
        })
    }

    pub fn index_dir(&self) -> &Path {
        &self.index_dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn documents(&self) -> &[DocumentInfo] {
        &self.manifest.documents
    }

    pub fn figures(&self) -> &Figures {
        &self.figures
    }

    /// Is `doc_id` an indexed document?
    pub fn has_document(&self, doc_id: &str) -> bool {
        self.doc_positions.contains_key(doc_id)
    }

    /// Reads the thesaurus now rather than at the first question that needs it (a server
    /// does it before it serves).
    pub fn load_thesaurus(&self) {
        self.thesaurus.get();
    }

    pub fn passage_count(&self) -> usize {
        self.passages.len() as usize
    }

    fn searcher(&self) -> Searcher {
        self.passages.searcher()
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        request.validate()?;
        if let Some(doc) = &request.doc {
            if !self.has_document(doc) {
                return Err(Error::NotFound {
                    what: "document",
                    id: doc.clone(),
                });
            }
        }
        let searcher = self.searcher();
        let built = self.build_query(&searcher, request);
        let mut hits = Vec::new();
        let mut total = 0;
        let mut confidence = 0.0;
        let mut facets = Facets::default();
        if let Some(q) = &built.query {
            // Without filters the facets count the page's own best passages.
            let unfiltered = request.doc.is_none() && request.lang.is_none();
            let rerank = built.question && (request.word_density || built.answer_focus.is_some());
            let wanted = request.offset + request.limit;
            let needed = if rerank {
                wanted.max(ANSWER_POOL)
            } else {
                wanted
            };
            let mut pool = needed;
            if !built.rescore.is_empty() {
                pool = pool.max(rescore::RESCORE_POOL);
            }
            if unfiltered {
                pool = pool.max(facets::FACET_POOL);
            }
            let collector = (TopDocs::with_limit(pool).order_by_score(), Count);
            let (mut top, count) = searcher.search(q.as_ref(), &collector)?;
            total = count;
            facets = if unfiltered {
                self.facets_of_top(&searcher, &top, total, request)?
            } else {
                self.facets(&searcher, request)?
            };
            if !built.rescore.is_empty() {
                rescore::rescore(&searcher, &built.rescore, &mut top)?;
            }
            top.truncate(needed);
            if rerank {
                self.rerank_for_question(&searcher, request, &built, &mut top)?;
            }
            let top: Vec<(f32, DocAddress)> = top
                .into_iter()
                .skip(request.offset)
                .take(request.limit)
                .collect();
            let mut highlighter = self.highlighter.clone();
            for (rank, (score, address)) in top.into_iter().enumerate() {
                let doc: TantivyDocument = searcher.doc(address)?;
                let passage = self.passages.passage_from_doc(&doc);
                let tokens = highlighter.analyze(&passage.text);
                if rank == 0 && request.offset == 0 {
                    confidence = highlighter.coverage(&tokens, &built.words);
                }
                let ranges = highlighter.ranges(&tokens, &built.match_terms);
                hits.push(Hit {
                    id: passage.id,
                    score,
                    highlight: render_html(&passage.text, &ranges),
                    text: passage.text,
                    lang: passage.lang,
                    source: passage.source,
                });
            }
        }
        let strength = match_strength(total, confidence);
        Ok(SearchResponse {
            query: request.query.clone(),
            total,
            took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            query_lang: built.lang,
            // "Did you mean" only when the query found little: a word the index lacks in a
            // query that is answered well is a word the documents do not use, not a typo.
            suggestion: if strength == MatchStrength::Strong && total >= FEW_RESULTS {
                None
            } else {
                self.suggestion(&searcher, request, &built.unknown_words)
            },
            confidence,
            strength,
            hits,
            facets,
        })
    }

    /// A question is answered where its words stand together: each of the best
    /// [`ANSWER_POOL`] passages is multiplied by 1 + [`DENSITY_BOOST`] × the share of the
    /// question's words it holds within [`DENSITY_WINDOW`] words, so a passage saying what
    /// is asked in one sentence rises above one scattering the same words over several
    /// topics. A question asking for a quantity (`Combien de défis …`, `How many partners …`)
    /// is answered by a passage that states a number next to the words asked about (`4
    /// défis`, `13 partenaires stratégiques`); one asking for a date (`Quand …`, `When …`),
    /// by a passage stating a date or a duration near its words: those passages are also
    /// multiplied by the kind's boost. `top` is the query's ranking, at least
    /// [`ANSWER_POOL`] long when that many passages match; it is reordered in place.
    fn rerank_for_question(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        built: &query::BuiltQuery,
        top: &mut [(f32, DocAddress)],
    ) -> Result<()> {
        // what states the answer a question asks for, how near its words, and its boost
        type StatedBeside = fn(&Highlighter, &PassageTokens, &[(usize, usize)], usize) -> bool;
        let focus = built.answer_focus.as_ref().map(|focus| {
            let (stated, window, boost): (StatedBeside, _, _) = match focus.kind {
                AnswerKind::Quantity => (
                    Highlighter::number_beside_match,
                    QUANTITY_WINDOW,
                    QUANTITY_ANSWER_BOOST,
                ),
                AnswerKind::Time => (
                    Highlighter::time_beside_match,
                    TIME_WINDOW,
                    TIME_ANSWER_BOOST,
                ),
            };
            (&focus.terms, stated, window, boost)
        });
        let density = request
            .word_density
            .then(|| WordStems::of(&built.words, true));
        let max_factor = density.as_ref().map_or(1.0, |_| 1.0 + DENSITY_BOOST)
            * focus.map_or(1.0, |(.., answer_boost)| answer_boost);
        let wanted = request.offset + request.limit;
        // Only the first ANSWER_POOL passages are scored again, however many are asked for,
        // so a page's order does not depend on its size. The factors only raise a score, so
        // the passages after the pool stay below every passage in it.
        let pool = top.len().min(ANSWER_POOL);
        // A passage whose best possible score would stay below the last wanted passage's
        // score cannot enter the page: it is not read.
        let floor = if wanted < pool {
            top[wanted - 1].0 / max_factor
        } else {
            0.0
        };
        let mut highlighter = self.highlighter.clone();
        for (score, address) in top[..pool].iter_mut().filter(|(s, _)| *s >= floor) {
            let doc: TantivyDocument = searcher.doc(*address)?;
            let text = text_of(&doc, self.passages.fields().text).unwrap_or_default();
            let tokens = highlighter.analyze(&text);
            if let Some(stems) = &density {
                let section = text_of(&doc, self.passages.fields().section).unwrap_or_default();
                let heading = highlighter.analyze(&section);
                let share = highlighter.densest_share(&tokens, &heading, stems, DENSITY_WINDOW);
                *score *= 1.0 + DENSITY_BOOST * share;
            }
            if let Some((terms, stated, window, answer_boost)) = focus {
                let ranges = highlighter.ranges(&tokens, terms);
                if stated(&highlighter, &tokens, &ranges, window) {
                    *score *= answer_boost;
                }
            }
        }
        // stable: equal scores keep the index's order
        top[..pool].sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(())
    }

    fn build_query(&self, searcher: &Searcher, request: &SearchRequest) -> query::BuiltQuery {
        query::build(
            self.passages.fields(),
            &self.analyzers,
            &self.synonyms,
            &self.dictionary,
            &self.thesaurus,
            searcher,
            request,
        )
    }

    /// The query with each word the index lacks replaced by the closest word it has.
    fn suggestion(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        unknown: &[String],
    ) -> Option<String> {
        if unknown.is_empty() {
            return None;
        }
        let mut fixes = Vec::new();
        for word in unknown {
            if let Some(fix) = suggest::closest_term(searcher, self.passages.fields().exact, word) {
                fixes.push((word.as_str(), fix));
            }
        }
        if fixes.is_empty() {
            return None;
        }
        let mut folder = crate::analysis::Analyzer::Exact.build(crate::analysis::NumberMode::Query);
        let tokens = crate::analysis::analyze(&mut folder, &request.query);
        let mut out = String::new();
        let mut at = 0;
        for t in tokens {
            if let Some((_, fix)) = fixes.iter().find(|(w, _)| *w == t.text) {
                out.push_str(&request.query[at..t.from]);
                out.push_str(fix);
                at = t.to;
            }
        }
        out.push_str(&request.query[at..]);
        Some(out)
    }

    /// One passage by id, with its neighbours' ids.
    pub fn passage(&self, id: &str) -> Result<PassageWithContext> {
        let searcher = self.searcher();
        let passage = self
            .passages
            .passage(&searcher, id)?
            .ok_or_else(|| Error::NotFound {
                what: "passage",
                id: id.to_string(),
            })?;
        let doc_id = passage.source.doc_id.as_str();
        let neighbour = |ordinal: Option<u32>| match ordinal {
            Some(o) => self.passages.id_at(&searcher, doc_id, o),
            None => Ok(None),
        };
        let prev_id = neighbour(passage.ordinal.checked_sub(1))?;
        let next_id = neighbour(passage.ordinal.checked_add(1))?;
        Ok(PassageWithContext {
            passage,
            prev_id,
            next_id,
        })
    }

    /// An indexed document's metadata and the absolute path of its original file.
    pub fn document_file(&self, doc_id: &str) -> Result<(&DocumentInfo, PathBuf)> {
        let doc = self
            .doc_positions
            .get(doc_id)
            .and_then(|&i| self.manifest.documents.get(i))
            .ok_or_else(|| Error::NotFound {
                what: "document",
                id: doc_id.to_string(),
            })?;
        Ok((doc, self.manifest.corpus_root.join(&doc.rel_path)))
    }
}

/// Below this share of the query's words in the best passage, the match is weak.
pub const STRONG_COVERAGE: f32 = 0.66;

/// Below this many matching passages, a query with an unknown word gets a suggestion.
const FEW_RESULTS: usize = 5;

fn match_strength(total: usize, confidence: f32) -> MatchStrength {
    if total == 0 {
        MatchStrength::None
    } else if confidence >= STRONG_COVERAGE {
        MatchStrength::Strong
    } else {
        MatchStrength::Weak
    }
}
