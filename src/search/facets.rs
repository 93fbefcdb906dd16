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
        let schema = &self.fields.schema;
        FacetCounter::new(
            schema.get_field_name(self.fields.doc_id),
            schema.get_field_name(self.fields.lang),
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
        for (cell, &n) in self.counts.iter().enumerate() {
            if n == 0 || self.langs == 0 {
                continue;
            }
            let (mut doc, mut lang) = (String::new(), String::new());
            let found = docs.ord_to_str((cell / self.langs) as u64, &mut doc);
            let found_lang = langs.ord_to_str((cell % self.langs) as u64, &mut lang);
            if matches!((found, found_lang), (Ok(true), Ok(true))) {
                *out.entry((doc, lang)).or_default() += n as usize;
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
    let mut docs: Vec<DocFacet> = per_doc
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
}
