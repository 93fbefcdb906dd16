//! Reads passages back out of a generation's tantivy index: by id, by neighbour and by
//! document. Every look-up is a term query on an indexed field and reads only the stored
//! passages it returns, so opening a store costs the same few milliseconds whatever the index
//! holds, and nothing is kept in memory per passage.

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::Fields;
use crate::error::Result;
use crate::model::{DocKind, Lang, Passage, SourceRef};

/// Stored blocks kept decompressed per segment: a page of hits and their neighbours are read
/// from a handful of blocks.
const DOC_STORE_CACHE_BLOCKS: usize = 100;

/// The passages of one generation, looked up through the index itself.
#[derive(Clone)]
pub struct PassageStore {
    reader: IndexReader,
    fields: Fields,
}

impl PassageStore {
    pub fn new(index: &Index, fields: Fields) -> Result<PassageStore> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        Ok(PassageStore { reader, fields })
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Passages in the generation.
    pub fn len(&self) -> u64 {
        self.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The one passage matching `query`, if any.
    fn first(&self, searcher: &Searcher, query: &dyn Query) -> Result<Option<TantivyDocument>> {
        let top = searcher.search(query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, address)) => Ok(Some(searcher.doc(*address)?)),
            None => Ok(None),
        }
    }

    /// A passage by its id.
    pub fn passage(&self, searcher: &Searcher, id: &str) -> Result<Option<Passage>> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        Ok(self
            .first(searcher, &query)?
            .map(|doc| self.passage_from_doc(&doc)))
    }

    /// The id of the passage at `ordinal` in document `doc_id`.
    pub fn id_at(&self, searcher: &Searcher, doc_id: &str, ordinal: u32) -> Result<Option<String>> {
        let query = BooleanQuery::intersection(vec![
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.doc_id, doc_id),
                IndexRecordOption::Basic,
            )),
            Box::new(TermQuery::new(
                Term::from_field_u64(self.fields.ordinal, u64::from(ordinal)),
                IndexRecordOption::Basic,
            )),
        ]);
        Ok(self
            .first(searcher, &query)?
            .and_then(|doc| text_of(&doc, self.fields.id)))
    }

    /// Every passage of a document, in reading order.
    pub fn document_passages(&self, doc_id: &str) -> Result<Vec<Passage>> {
        let searcher = self.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.doc_id, doc_id),
            IndexRecordOption::Basic,
        );
        let mut addresses: Vec<DocAddress> = searcher
            .search(&query, &DocSetCollector)?
            .into_iter()
            .collect();
        addresses.sort_unstable();
        let mut passages = addresses
            .into_iter()
            .map(|a| {
                searcher
                    .doc::<TantivyDocument>(a)
                    .map(|d| self.passage_from_doc(&d))
            })
            .collect::<tantivy::Result<Vec<Passage>>>()?;
        passages.sort_by_key(|p| p.ordinal);
        Ok(passages)
    }

    /// A stored passage read back.
    pub fn passage_from_doc(&self, doc: &TantivyDocument) -> Passage {
        let f = &self.fields;
        Passage {
            id: text_of(doc, f.id).unwrap_or_default(),
            ordinal: u64_of(doc, f.ordinal) as u32,
            text: text_of(doc, f.text).unwrap_or_default(),
            lang: text_of(doc, f.lang)
                .and_then(|l| Lang::parse(&l))
                .unwrap_or(Lang::Fr),
            source: SourceRef {
                doc_id: text_of(doc, f.doc_id).unwrap_or_default(),
                title: text_of(doc, f.title).unwrap_or_default(),
                path: text_of(doc, f.path).unwrap_or_default(),
                url: text_of(doc, f.url),
                kind: text_of(doc, f.kind)
                    .and_then(|k| DocKind::parse(&k))
                    .unwrap_or(DocKind::Text),
                page_start: u64_of(doc, f.page_start) as u32,
                page_end: u64_of(doc, f.page_end) as u32,
                section: text_of(doc, f.section),
                char_start: u64_of(doc, f.char_start) as usize,
                char_end: u64_of(doc, f.char_end) as usize,
            },
            annotates: doc
                .get_all(f.annotates)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        }
    }
}

/// A stored text field's first value.
pub fn text_of(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn u64_of(doc: &TantivyDocument, field: Field) -> u64 {
    doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0)
}
