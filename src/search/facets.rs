//! Facet counts: how many of a query's best passages lie in each document and in each
//! language. Each facet ignores its own filter but honours the other one, so the numbers next
//! to a filter say what choosing it would give (with `lang=en`, the documents count English
//! matches; the languages still count every match of the chosen document).
//!
//! Like the rescoring, the counts are taken over the query's best [`FACET_POOL`] passages,
//! the ones the search ranks anyway: every match when a query matches fewer, and where the
//! best matches lie when it matches a hundred thousand, at a cost that does not grow with the
//! corpus.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocAddress, SegmentReader};

use super::collect::Candidates;
use super::compile::compile_filtered;
use super::plan::{Filters, Plan};
use super::stats::RequestStatistics;
use super::{Engine, SearchRequest};
use crate::error::Result;
use crate::index::Fields;
use crate::model::{DocFacet, DocumentInfo, Facets, Lang, LangFacet};

/// How many of a query's best passages the facets count.
pub const FACET_POOL: usize = 1000;

impl Engine {
    /// Facets of `request` from the best passages of its unfiltered query (`top`, at least
    /// [`FACET_POOL`] long when it matches that many) and its number of matches.
    pub(super) fn facets_of_top(
        &self,
        searcher: &tantivy::Searcher,
        top: &[(f32, DocAddress)],
        total: usize,
        request: &SearchRequest,
    ) -> Result<Facets> {
        let counted = &top[..top.len().min(FACET_POOL)];
        let counts = self.facet_keys.count(searcher, counted)?;
        let doc_filter = request
            .doc
            .as_deref()
            .and_then(|d| self.doc_positions.get(d).copied());
        let mut facets = tally(
            counts.into_iter(),
            &self.manifest.documents,
            doc_filter,
            request.lang,
        );
        facets.complete = counted.len() >= total;
        Ok(facets)
    }

    /// Facets of a filtered request: the query is built again without its filters and its
    /// best passages counted.
    pub(super) fn facets(
        &self,
        statistics: &RequestStatistics,
        plan: &Plan,
        request: &SearchRequest,
    ) -> Result<Facets> {
        // the same query without its filters (they do not change the plan's words)
        let searcher = statistics.searcher();
        let compiled = compile_filtered(
            plan,
            &Filters::default(),
            self.passages.fields(),
            &self.ranking,
            statistics,
        );
        match &compiled.query {
            Some(q) => {
                // all counted, so in any order
                let collector = Candidates { limit: FACET_POOL };
                let (top, total) =
                    searcher.search_with_statistics_provider(q.as_ref(), &collector, statistics)?;
                self.facets_of_top(searcher, &top, total, request)
            }
            None => Ok(Facets::default()),
        }
    }
}

/// What a passage is counted under: its document's position in the manifest and its
/// language, read from the passage's two fast fields through per-segment tables.
///
/// A fast string field gives a term ordinal per passage; turning ordinals into names means
/// decompressing the segment's term dictionary, which per query would cost more than the
/// counting. So each segment's ordinals are mapped to manifest positions once, on the first
/// query that meets the segment: a table the size of the segment's documents (not its
/// passages), kept while the generation is open.
pub struct FacetKeys {
    doc_field: String,
    lang_field: String,
    /// Document id → position in the manifest (the engine's own map, shared).
    doc_positions: Arc<HashMap<String, usize>>,
    segments: Mutex<HashMap<SegmentId, Arc<SegmentKeys>>>,
}

/// One segment's ordinal tables.
struct SegmentKeys {
    doc_column: Option<StrColumn>,
    lang_column: Option<StrColumn>,
    /// doc id ordinal → manifest position (None: not in the manifest)
    positions: Vec<Option<usize>>,
    /// language ordinal → language
    langs: Vec<Option<Lang>>,
}

impl FacetKeys {
    pub fn new(fields: &Fields, doc_positions: Arc<HashMap<String, usize>>) -> FacetKeys {
        FacetKeys {
            doc_field: fields.schema.get_field_name(fields.doc_id).to_string(),
            lang_field: fields.schema.get_field_name(fields.lang).to_string(),
            doc_positions,
            segments: Mutex::new(HashMap::default()),
        }
    }

    /// Counts the passages at `addresses` per (document position, language). Passages of a
    /// document missing from the manifest, or of an unknown language, are not counted.
    pub fn count(
        &self,
        searcher: &tantivy::Searcher,
        addresses: &[(f32, DocAddress)],
    ) -> tantivy::Result<HashMap<(usize, Lang), usize>> {
        let mut sorted: Vec<DocAddress> = addresses.iter().map(|(_, a)| *a).collect();
        sorted.sort_unstable();
        let mut counts = HashMap::default();
        for chunk in sorted.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
            let keys = self.segment(searcher.segment_reader(chunk[0].segment_ord))?;
            let (Some(docs), Some(langs)) = (&keys.doc_column, &keys.lang_column) else {
                continue;
            };
            for address in chunk {
                let doc = docs.ords().first(address.doc_id);
                let lang = langs.ords().first(address.doc_id);
                let position = doc.and_then(|o| keys.positions.get(o as usize).copied()?);
                let lang = lang.and_then(|o| keys.langs.get(o as usize).copied()?);
                if let (Some(position), Some(lang)) = (position, lang) {
                    *counts.entry((position, lang)).or_default() += 1;
                }
            }
        }
        Ok(counts)
    }

    fn segment(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentKeys>> {
        let id = reader.segment_id();
        if let Some(keys) = self.cached(id) {
            return Ok(keys);
        }
        let fast = reader.fast_fields();
        let doc_column = fast.str(&self.doc_field)?;
        let lang_column = fast.str(&self.lang_field)?;
        let names = |column: &Option<StrColumn>| -> tantivy::Result<Vec<String>> {
            let mut names = Vec::new();
            if let Some(column) = column {
                let mut stream = column.dictionary().stream()?;
                while stream.advance() {
                    names.push(String::from_utf8_lossy(stream.key()).into_owned());
                }
            }
            Ok(names)
        };
        let positions = names(&doc_column)?
            .iter()
            .map(|id| self.doc_positions.get(id).copied())
            .collect();
        let langs = names(&lang_column)?
            .iter()
            .map(|code| Lang::parse(code))
            .collect();
        let keys = Arc::new(SegmentKeys {
            doc_column,
            lang_column,
            positions,
            langs,
        });
        self.segments
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, keys.clone());
        Ok(keys)
    }

    fn cached(&self, id: SegmentId) -> Option<Arc<SegmentKeys>> {
        self.segments
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned()
    }
}

/// Most documents listed in a response's facets: a filter menu shows a few dozen at most, and
/// a query matching ten thousand documents must not answer with ten thousand names.
pub const MAX_DOC_FACETS: usize = 50;

/// Adds up `(document position, language)` counts into facets, most matches first (ties by
/// title, then language code, so the order is stable).
pub fn tally(
    matches: impl Iterator<Item = ((usize, Lang), usize)>,
    documents: &[DocumentInfo],
    doc_filter: Option<usize>,
    lang_filter: Option<Lang>,
) -> Facets {
    let mut per_doc: HashMap<usize, usize> = HashMap::default();
    let mut per_lang: HashMap<Lang, usize> = HashMap::default();
    for ((doc, lang), n) in matches {
        if lang_filter.is_none_or(|l| l == lang) {
            *per_doc.entry(doc).or_default() += n;
        }
        if doc_filter.is_none_or(|d| d == doc) {
            *per_lang.entry(lang).or_default() += n;
        }
    }
    // Only the documents that will be listed are named (a title cloned per document would
    // grow with the corpus): the most matches first, and the filtered document always.
    let mut ranked: Vec<(usize, usize)> = per_doc.into_iter().collect();
    let title = |i: usize| documents.get(i).map_or("", |d| d.title.as_str());
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| title(a.0).cmp(title(b.0)))
            .then_with(|| a.0.cmp(&b.0))
    });
    let cut = ranked.len().min(MAX_DOC_FACETS);
    if let Some(filtered) = doc_filter {
        if let Some(at) = ranked[cut..].iter().position(|&(i, _)| i == filtered) {
            ranked.swap(cut - 1, cut + at);
        }
    }
    ranked.truncate(cut);
    let mut docs: Vec<DocFacet> = ranked
        .into_iter()
        .filter_map(|(i, count)| {
            documents.get(i).map(|d| DocFacet {
                doc_id: d.id.clone(),
                title: d.title.clone(),
                count,
            })
        })
        .collect();
    docs.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));
    let mut langs: Vec<LangFacet> = per_lang
        .into_iter()
        .map(|(lang, count)| LangFacet { lang, count })
        .collect();
    langs.sort_by(|a, b| b.count.cmp(&a.count).then(a.lang.code().cmp(b.lang.code())));
    Facets {
        docs,
        langs,
        complete: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocKind;

    fn doc(id: &str) -> DocumentInfo {
        DocumentInfo {
            id: id.into(),
            title: id.to_uppercase(),
            kind: DocKind::Text,
            lang: Lang::Fr,
            pages: 1,
            passages: 1,
            url: None,
            path: String::new(),
            rel_path: String::new(),
            sha256: String::new(),
            bytes: 0,
            extractor: String::new(),
            empty_pages: Vec::new(),
        }
    }

    type Counts<'a> = Vec<(&'a str, usize)>;

    fn counts(f: &Facets) -> (Counts<'_>, Counts<'_>) {
        (
            f.docs
                .iter()
                .map(|d| (d.doc_id.as_str(), d.count))
                .collect(),
            f.langs.iter().map(|l| (l.lang.code(), l.count)).collect(),
        )
    }

    const MATCHES: [(usize, Lang); 5] = [
        (0, Lang::Fr),
        (0, Lang::Fr),
        (0, Lang::En),
        (1, Lang::En),
        (2, Lang::Fr),
    ];

    #[test]
    fn without_filters_everything_is_counted_most_first() {
        let docs = [doc("a"), doc("b"), doc("c")];
        let f = tally(MATCHES.into_iter().map(|m| (m, 1)), &docs, None, None);
        assert_eq!(
            counts(&f),
            (
                vec![("a", 3), ("b", 1), ("c", 1)],
                vec![("fr", 3), ("en", 2)]
            )
        );
    }

    #[test]
    fn each_facet_ignores_its_own_filter_and_honours_the_other() {
        let docs = [doc("a"), doc("b"), doc("c")];
        // Language chosen: documents count English matches only; languages count everything.
        let f = tally(
            MATCHES.into_iter().map(|m| (m, 1)),
            &docs,
            None,
            Some(Lang::En),
        );
        assert_eq!(
            counts(&f),
            (vec![("a", 1), ("b", 1)], vec![("fr", 3), ("en", 2)])
        );
        // Document chosen: languages count that document's matches; documents count all.
        let f = tally(MATCHES.into_iter().map(|m| (m, 1)), &docs, Some(1), None);
        assert_eq!(
            counts(&f),
            (vec![("a", 3), ("b", 1), ("c", 1)], vec![("en", 1)])
        );
    }

    #[test]
    fn documents_are_capped_and_the_filtered_one_kept() {
        let docs: Vec<DocumentInfo> = (0..MAX_DOC_FACETS + 10)
            .map(|i| doc(&format!("d{i:03}")))
            .collect();
        // document i has i + 1 matches: the last ten have the most, d000 the fewest
        let matches = (0..docs.len()).map(|i| ((i, Lang::Fr), i + 1));
        let f = tally(matches, &docs, Some(0), None);
        assert_eq!(f.docs.len(), MAX_DOC_FACETS);
        assert_eq!(f.docs[0].doc_id, format!("d{:03}", docs.len() - 1));
        assert!(
            f.docs.iter().any(|d| d.doc_id == "d000"),
            "filtered document dropped"
        );
        let f = tally(
            (0..docs.len()).map(|i| ((i, Lang::Fr), i + 1)),
            &docs,
            None,
            None,
        );
        assert!(f.docs.iter().all(|d| d.doc_id != "d000"));
    }
}
