//! Facet counts: how many of the passages a query matches lie in each document and in each
//! language. Each facet ignores its own filter but honours the other one, so the numbers next
//! to a filter say what choosing it would give (with `lang=en`, the documents count English
//! matches; the languages still count every match of the chosen document).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::{Engine, SearchRequest};
use crate::error::Result;
use crate::model::{DocFacet, DocumentInfo, Facets, Lang, LangFacet};

impl Engine {
    /// Counts a query's matches per document and language as it runs.
    pub(super) fn facet_counter(&self) -> FacetCounter {
        let fields = self.passages.fields();
        FacetCounter::new(
            fields.schema.get_field_name(fields.doc_id),
            fields.schema.get_field_name(fields.lang),
        )
    }

    /// Facets of `request` from the counts of its unfiltered matches.
    pub(super) fn facets_of(&self, counts: &FacetCounts, request: &SearchRequest) -> Facets {
        from_counts(
            counts,
            &self.doc_positions,
            &self.manifest.documents,
            request.doc.as_deref(),
            request.lang,
        )
    }

    /// Facets of a filtered request: the query is built again without its filters and its
    /// matches counted.
    pub(super) fn facets(
        &self,
        searcher: &tantivy::Searcher,
        request: &SearchRequest,
    ) -> Result<Facets> {
        let unfiltered = SearchRequest {
            doc: None,
            lang: None,
            ..request.clone()
        };
        let built = self.build_query(searcher, &unfiltered);
        match &built.query {
            Some(q) => {
                let counts = searcher.search(q.as_ref(), &self.facet_counter())?;
                Ok(self.facets_of(&counts, request))
            }
            None => Ok(Facets::default()),
        }
    }
}

/// Counts the matches of a query per (document id, language), reading the two fast fields of
/// each match: no stored passage is opened and nothing is kept per passage between queries.
pub struct FacetCounter {
    doc_field: String,
    lang_field: String,
}

impl FacetCounter {
    pub fn new(doc_field: &str, lang_field: &str) -> FacetCounter {
        FacetCounter {
            doc_field: doc_field.to_string(),
            lang_field: lang_field.to_string(),
        }
    }
}

/// Matches per (document id, language code).
pub type FacetCounts = HashMap<(String, String), usize>;

/// One segment's counts, by term ordinals of the two columns (a dense table: a segment holds
/// few documents and two languages).
pub struct SegmentFacetCounter {
    columns: Option<(StrColumn, StrColumn)>,
    langs: usize,
    counts: Vec<u32>,
}

impl Collector for FacetCounter {
    type Fruit = FacetCounts;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let fast = segment.fast_fields();
        let columns = fast.str(&self.doc_field)?.zip(fast.str(&self.lang_field)?);
        let (docs, langs) = columns
            .as_ref()
            .map_or((0, 0), |(d, l)| (d.num_terms(), l.num_terms()));
        Ok(SegmentFacetCounter {
            columns,
            langs,
            counts: vec![0; docs * langs],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut out = FacetCounts::new();
        for fruit in fruits {
            for (key, n) in fruit {
                *out.entry(key).or_default() += n;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some((docs, langs)) = &self.columns else {
            return;
        };
        if let (Some(d), Some(l)) = (docs.ords().first(doc), langs.ords().first(doc)) {
            if let Some(cell) = self.counts.get_mut(d as usize * self.langs + l as usize) {
                *cell += 1;
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut out = FacetCounts::new();
        let Some((docs, langs)) = &self.columns else {
            return out;
        };
        if self.langs == 0 {
            return out;
        }
        // The names of the ordinals that matched, read in one ordered pass over each
        // dictionary (one block decompressed at a time, not one per ordinal).
        let cells: Vec<(u64, u64, u32)> = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(cell, &n)| ((cell / self.langs) as u64, (cell % self.langs) as u64, n))
            .collect();
        let mut doc_ords: Vec<u64> = cells.iter().map(|&(d, _, _)| d).collect();
        doc_ords.dedup();
        let names = |column: &StrColumn, ords: &[u64]| {
            let mut names = Vec::with_capacity(ords.len());
            let complete = column
                .dictionary()
                .sorted_ords_to_term_cb(ords, |bytes| {
                    names.push(String::from_utf8_lossy(bytes).into_owned())
                })
                .unwrap_or(false);
            complete.then_some(names)
        };
        let lang_ords: Vec<u64> = (0..self.langs as u64).collect();
        let (Some(doc_names), Some(lang_names)) =
            (names(docs, &doc_ords), names(langs, &lang_ords))
        else {
            return out;
        };
        for (d, l, n) in cells {
            let Ok(i) = doc_ords.binary_search(&d) else {
                continue;
            };
            if let (Some(doc), Some(lang)) = (doc_names.get(i), lang_names.get(l as usize)) {
                *out.entry((doc.clone(), lang.clone())).or_default() += n as usize;
            }
        }
        out
    }
}

/// Facets from counts: passages of a document missing from the manifest, or of an unknown
/// language, are not counted.
pub fn from_counts(
    counts: &FacetCounts,
    doc_positions: &HashMap<String, usize>,
    documents: &[DocumentInfo],
    doc_filter: Option<&str>,
    lang_filter: Option<Lang>,
) -> Facets {
    let keyed = counts
        .iter()
        .filter_map(|((doc, lang), &n)| Some(((*doc_positions.get(doc)?, Lang::parse(lang)?), n)));
    let doc_filter = doc_filter.and_then(|d| doc_positions.get(d).copied());
    tally(keyed, documents, doc_filter, lang_filter)
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
    let mut per_doc: HashMap<usize, usize> = HashMap::new();
    let mut per_lang: HashMap<Lang, usize> = HashMap::new();
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
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| title(a.0).cmp(title(b.0))));
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
    Facets { docs, langs }
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
