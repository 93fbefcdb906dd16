//! Reads passages back out of a generation's tantivy index: by id, by neighbour and by
//! document. Every look-up is a term query on an indexed field and reads only the stored
//! passages it returns, so opening a store costs the same few milliseconds whatever the index
//! holds, and nothing is kept in memory per passage.

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Query, TermQuery};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, Term};

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
    fn first(&self, searcher: &Searcher, query: &dyn Query) -> Result<Option<StoredFields>> {
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
            .map(|stored| self.passage_from_fields(stored)))
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
            .and_then(|mut stored| stored.take_text(self.fields.id)))
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
            .map(|a| self.read(&searcher, a))
            .collect::<Result<Vec<Passage>>>()?;
        passages.sort_by_key(|p| p.ordinal);
        Ok(passages)
    }

    /// The passage at `address`.
    pub fn read(&self, searcher: &Searcher, address: DocAddress) -> Result<Passage> {
        let stored: StoredFields = searcher.doc(address)?;
        Ok(self.passage_from_fields(stored))
    }

    /// A stored passage read back, its values moved out of the fields read.
    fn passage_from_fields(&self, mut stored: StoredFields) -> Passage {
        let f = &self.fields;
        Passage {
            id: stored.take_text(f.id).unwrap_or_default(),
            ordinal: stored.u64(f.ordinal) as u32,
            text: stored.take_text(f.text).unwrap_or_default(),
            lang: stored
                .take_text(f.lang)
                .and_then(|l| Lang::parse(&l))
                .unwrap_or(Lang::Fr),
            source: SourceRef {
                doc_id: stored.take_text(f.doc_id).unwrap_or_default(),
                title: stored.take_text(f.title).unwrap_or_default(),
                path: stored.take_text(f.path).unwrap_or_default(),
                url: stored.take_text(f.url),
                kind: stored
                    .take_text(f.kind)
                    .and_then(|k| DocKind::parse(&k))
                    .unwrap_or(DocKind::Text),
                page_start: stored.u64(f.page_start) as u32,
                page_end: stored.u64(f.page_end) as u32,
                section: stored.take_text(f.section),
                char_start: stored.u64(f.char_start) as usize,
                char_end: stored.u64(f.char_end) as usize,
            },
            annotates: stored.take_all_texts(f.annotates),
        }
    }
}

/// A stored document's fields and values, in the order stored: what a [`tantivy::TantivyDocument`]
/// holds, without its compact copy of every value (a page of hits reads ten passages or more
/// per search).
pub struct StoredFields(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for StoredFields {
    fn deserialize<'de, D>(mut deserializer: D) -> std::result::Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut fields = Vec::with_capacity(deserializer.size_hint());
        while let Some(field_value) = deserializer.next_field::<OwnedValue>()? {
            fields.push(field_value);
        }
        Ok(StoredFields(fields))
    }
}

impl StoredFields {
    /// The first value of `field`.
    fn first(&mut self, field: Field) -> Option<&mut OwnedValue> {
        self.0
            .iter_mut()
            .find(|(f, _)| *f == field)
            .map(|(_, value)| value)
    }

    /// The first value of `field`, when it is text, moved out.
    fn take_text(&mut self, field: Field) -> Option<String> {
        match self.first(field)? {
            OwnedValue::Str(text) => Some(std::mem::take(text)),
            _ => None,
        }
    }

    /// Every text value of `field`, moved out.
    fn take_all_texts(&mut self, field: Field) -> Vec<String> {
        self.0
            .iter_mut()
            .filter(|(f, _)| *f == field)
            .filter_map(|(_, value)| match value {
                OwnedValue::Str(text) => Some(std::mem::take(text)),
                _ => None,
            })
            .collect()
    }

    /// The first value of `field` when it is a u64, else 0.
    fn u64(&mut self, field: Field) -> u64 {
        match self.first(field) {
            Some(OwnedValue::U64(n)) => *n,
            _ => 0,
        }
    }
}
