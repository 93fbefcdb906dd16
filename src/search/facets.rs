//! Facet counts: how many of the passages a query matches lie in each document and in each
//! language. Each facet ignores its own filter but honours the other one, so the numbers next
//! to a filter say what choosing it would give (with `lang=en`, the documents count English
//! matches; the languages still count every match of the chosen document).

use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::query::Query;
use tantivy::{DocAddress, Searcher};

use super::{Engine, SearchRequest};
use crate::error::Result;
use crate::model::{DocFacet, DocumentInfo, Facets, Lang, LangFacet};

/// Each indexed passage's document (its position in the manifest) and language, by address:
/// collected once when the index opens, so counting needs no stored-document reads.
#[derive(Debug, Default)]
pub struct FacetKeys {
    doc_index: HashMap<String, usize>,
    by_address: HashMap<DocAddress, (usize, Lang)>,
}

impl FacetKeys {
    pub fn new(documents: &[DocumentInfo]) -> FacetKeys {
        FacetKeys {
            doc_index: documents
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.clone(), i))
                .collect(),
            by_address: HashMap::new(),
        }
    }

    /// Records one passage; passages of a document missing from the manifest are not counted.
    pub fn insert(&mut self, address: DocAddress, doc_id: &str, lang: Lang) {
        if let Some(&i) = self.doc_index.get(doc_id) {
            self.by_address.insert(address, (i, lang));
        }
    }
}

impl Engine {
    /// Facets of `request`. `filtered` is the query already built for it; when the request
    /// has no filter it already matches everything the facets count, otherwise the query is
    /// built again without the filters.
    pub(super) fn facets(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        filtered: &dyn Query,
    ) -> Result<Facets> {
        let matches = if request.doc.is_none() && request.lang.is_none() {
            searcher.search(filtered, &DocSetCollector)?
        } else {
            let unfiltered = SearchRequest {
                doc: None,
                lang: None,
                ..request.clone()
            };
            let built = self.build_query(searcher, &unfiltered);
            match &built.query {
                Some(q) => searcher.search(q.as_ref(), &DocSetCollector)?,
                None => return Ok(Facets::default()),
            }
        };
        let keys = &self.facet_keys;
        let doc_filter = request
            .doc
            .as_ref()
            .and_then(|d| keys.doc_index.get(d).copied());
        Ok(tally(
            matches
                .iter()
                .filter_map(|a| keys.by_address.get(a).copied()),
            &self.manifest.documents,
            doc_filter,
            request.lang,
        ))
    }
}

/// Counts `(document position, language)` pairs into facets, most matches first (ties by
/// title, then language code, so the order is stable).
pub fn tally(
    matches: impl Iterator<Item = (usize, Lang)>,
    documents: &[DocumentInfo],
    doc_filter: Option<usize>,
    lang_filter: Option<Lang>,
) -> Facets {
    let mut per_doc: HashMap<usize, usize> = HashMap::new();
    let mut per_lang: HashMap<Lang, usize> = HashMap::new();
    for (doc, lang) in matches {
        if lang_filter.is_none_or(|l| l == lang) {
            *per_doc.entry(doc).or_default() += 1;
        }
        if doc_filter.is_none_or(|d| d == doc) {
            *per_lang.entry(lang).or_default() += 1;
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
        let f = tally(MATCHES.into_iter(), &docs, None, None);
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
        let f = tally(MATCHES.into_iter(), &docs, None, Some(Lang::En));
        assert_eq!(
            counts(&f),
            (vec![("a", 1), ("b", 1)], vec![("fr", 3), ("en", 2)])
        );
        // Document chosen: languages count that document's matches; documents count all.
        let f = tally(MATCHES.into_iter(), &docs, Some(1), None);
        assert_eq!(
            counts(&f),
            (vec![("a", 3), ("b", 1), ("c", 1)], vec![("en", 1)])
        );
    }
}
