//! Query text → ranked, highlighted passages with their citations. The [`Engine`] owns an
//! opened index generation; it validates requests, builds the tantivy query (see
//! [`query`]), runs it, and turns stored documents back into passages. It knows nothing about
//! HTTP: the API and the CLI both call [`Engine::search`].

pub mod bonus;
pub mod collect;
pub mod compile;
pub mod expand;
pub mod explain;
pub mod facets;
pub mod highlight;
pub mod parse;
pub mod passage_cache;
pub mod phrase;
pub mod phrase_count;
pub mod plan;
pub mod ranking;
pub mod rerank;
pub mod rescore;
pub mod stats;
pub mod suggest;
pub mod term;
pub mod union;
pub mod word;

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tantivy::{DocAddress, Searcher, Term};

use crate::analysis::dictionary::Dictionary;
use crate::analysis::synonyms::Synonyms;
use crate::analysis::thesaurus::{LazyThesaurus, Thesaurus};
use crate::error::{Error, Result};
use crate::figures::Figures;
use crate::index::{self, Manifest, PassageStore};
use crate::model::{DocumentInfo, Facets, Hit, Lang, MatchStrength, Passage, SearchResponse};
use compile::Compiled;
use expand::Vocabulary;
use highlight::{render_html, Highlighter};
use parse::QueryAnalyzers;
use passage_cache::PassageCache;
use plan::Plan;
use ranking::Ranking;
use rerank::{FetchedPassages, RerankFactors};
use stats::{IndexStats, RequestStatistics};

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Largest accepted `limit`.
pub const MAX_LIMIT: usize = 100;

/// A search as the user asked for it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    pub lang: Option<Lang>,
    pub doc: Option<String>,
    /// Rank a question's passages higher where its words stand together (see
    /// [`Ranking::density_boost`]). On by default; the answer module turns it off, as it weighs the
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
    analyzers: QueryAnalyzers,
    ranking: Ranking,
    synonyms: Synonyms,
    /// English → French translations, when a bilingual dictionary is installed.
    dictionary: Dictionary,
    /// French synonyms, when a thesaurus is installed.
    thesaurus: LazyThesaurus,
    /// The generation's figures, for `/api/figures` and `trace`.
    figures: Figures,
    /// Passages read and tokenised by earlier searches on this generation.
    passage_cache: PassageCache,
    /// Near terms of the words earlier searches looked up.
    near_terms: suggest::NearTermCache,
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
        let exact_field = passages.fields().exact;
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
            analyzers: QueryAnalyzers::default(),
            ranking: Ranking::default(),
            synonyms,
            dictionary,
            thesaurus,
            figures,
            passage_cache: PassageCache::default(),
            near_terms: suggest::NearTermCache::new(exact_field),
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

    /// A highlighter for one request.
    pub fn highlighter(&self) -> Highlighter {
        self.highlighter.clone()
    }

    /// The weights and thresholds the engine ranks with.
    pub fn ranking(&self) -> &Ranking {
        &self.ranking
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        Ok(self.run(request)?.response)
    }

    /// The best passages of the compiled query, enough of them for the page, the question
    /// rerank, the positional rescoring and (without filters) the facets; and how many match.
    /// The passages come unsorted (see [`collect`]).
    fn candidates(
        &self,
        statistics: &RequestStatistics,
        query: &dyn tantivy::query::Query,
        compiled: &Compiled,
        rerank: bool,
        request: &SearchRequest,
    ) -> Result<(Vec<(f32, DocAddress)>, usize)> {
        let mut pool = request.offset + request.limit;
        if rerank {
            pool = pool.max(self.ranking.answer_pool);
        }
        if !compiled.rescore.is_empty() {
            pool = pool.max(rescore::RESCORE_POOL);
        }
        // Without filters the facets count the query's own best passages.
        if request.doc.is_none() && request.lang.is_none() {
            pool = pool.max(facets::FACET_POOL);
        }
        let collector = collect::Candidates { limit: pool };
        Ok(statistics
            .searcher()
            .search_with_statistics_provider(query, &collector, statistics)?)
    }

    /// Plans `request` against the current index (see [`plan`]).
    fn plan(&self, statistics: &RequestStatistics, request: &SearchRequest) -> Plan {
        let vocabulary = Vocabulary {
            analyzers: &self.analyzers,
            synonyms: &self.synonyms,
            dictionary: &self.dictionary,
            thesaurus: &self.thesaurus,
        };
        let stats = IndexStats {
            statistics,
            fields: self.passages.fields(),
            near: &self.near_terms,
        };
        Plan::build(request, &vocabulary, &stats, &self.ranking)
    }

    /// The pipeline: plan → compile → candidates (with facets) → rescore → question rerank →
    /// page, highlighted.
    fn run(&self, request: &SearchRequest) -> Result<Run> {
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
        // term statistics read once for the plan and every clause's BM25 weight
        let statistics = RequestStatistics::new(&searcher);
        let plan = self.plan(&statistics, request);
        let compiled = compile::compile(&plan, self.passages.fields(), &self.ranking, &statistics);
        let mut hits = Vec::new();
        let mut page = Vec::new();
        let mut factors = HashMap::default();
        let mut total = 0;
        let mut confidence = 0.0;
        let mut facets = Facets::default();
        if let Some(q) = &compiled.query {
            let rerank = plan.reranks(request.word_density);
            let wanted = request.offset + request.limit;
            let (mut top, count) =
                self.candidates(&statistics, q.as_ref(), &compiled, rerank, request)?;
            total = count;
            // The facets count the first FACET_POOL, so they must be in order when there are
            // more; the page only needs its best passages in order, chosen below.
            if top.len() > facets::FACET_POOL {
                collect::sort(&mut top);
            }
            facets = if request.doc.is_none() && request.lang.is_none() {
                self.facets_of_top(&searcher, &top, total, request)?
            } else {
                self.facets(&statistics, &plan, request)?
            };
            let keep = if rerank {
                wanted.max(self.ranking.answer_pool)
            } else {
                wanted
            };
            if compiled.rescore.is_empty() {
                collect::keep_best(&mut top, keep);
            } else {
                rescore::rescore(&statistics, &compiled.rescore, &mut top, keep)?;
            }
            let mut highlighter = self.highlighter();
            let mut fetched = FetchedPassages::new(&searcher, &self.passages, &self.passage_cache);
            if rerank {
                factors = rerank::rerank(
                    &plan,
                    request.word_density,
                    wanted,
                    &self.ranking,
                    &mut highlighter,
                    &mut fetched,
                    &mut top,
                )?;
            }
            let match_terms = plan.match_terms.prepare();
            for (rank, (score, address)) in top
                .into_iter()
                .skip(request.offset)
                .take(request.limit)
                .enumerate()
            {
                let read = fetched.take(address, &mut highlighter)?;
                if rank == 0 && request.offset == 0 {
                    confidence = highlighter.coverage(&read.tokens, &plan.coverage_words);
                }
                let ranges = highlighter.ranges(&read.tokens, &match_terms);
                let passage = &read.passage;
                hits.push(Hit {
                    id: passage.id.clone(),
                    score,
                    highlight: render_html(&passage.text, &ranges),
                    text: passage.text.clone(),
                    lang: passage.lang,
                    source: passage.source.clone(),
                });
                page.push(address);
            }
        }
        let strength = match_strength(total, confidence, self.ranking.strong_coverage);
        // "Did you mean" only when the query found little: a word the index lacks in a query
        // that is answered well is a word the documents do not use, not a typo.
        let suggestion = if strength == MatchStrength::Strong && total >= self.ranking.few_results {
            None
        } else {
            self.suggestion(&searcher, request, &plan.unknown_words)
        };
        let response = SearchResponse {
            query: request.query.clone(),
            total,
            took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            query_lang: plan.lang,
            suggestion,
            confidence,
            strength,
            hits,
            facets,
        };
        Ok(Run {
            response,
            plan,
            compiled,
            searcher,
            page,
            factors,
        })
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
            if let Some(fix) = self.near_terms.closest_term(searcher, word) {
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

/// No match, a strong one (the best passage holds at least `strong_coverage` of the query's
/// words), or a weak one.
fn match_strength(total: usize, confidence: f32, strong_coverage: f32) -> MatchStrength {
    if total == 0 {
        MatchStrength::None
    } else if confidence >= strong_coverage {
        MatchStrength::Strong
    } else {
        MatchStrength::Weak
    }
}

/// One search's result and what made it, for [`Engine::explain`].
struct Run {
    response: SearchResponse,
    plan: Plan,
    compiled: Compiled,
    searcher: Searcher,
    /// The page's passages, in order.
    page: Vec<DocAddress>,
    /// The question rerank's factors, by passage.
    factors: HashMap<DocAddress, RerankFactors>,
}
