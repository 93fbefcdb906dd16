//! Every field of the passage index, in one place.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};

use crate::analysis::Analyzer;

/// The passage index's fields.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// Stable passage id (exact match, stored): a passage is found by a term query on it.
    pub id: Field,
    /// The document's id: a term (a document's passages, a filter) and a fast field (facet
    /// counts read it per match without opening the stored passage).
    pub doc_id: Field,
    /// Position in the document: indexed, so a passage's neighbours are a term query away.
    pub ordinal: Field,
    /// `fr` or `en`: a term (the filter) and a fast field (the language facet).
    pub lang: Field,
    /// The passage text as extracted (stored only; the analysed copies below are searched).
    pub text: Field,
    pub text_fr: Field,
    pub text_en: Field,
    pub exact: Field,
    /// Document title, section heading and what the footnotes annotate, analysed both ways.
    pub heading_fr: Field,
    pub heading_en: Field,
    pub title: Field,
    pub path: Field,
    pub url: Field,
    pub kind: Field,
    pub section: Field,
    /// What the passage's footnotes annotate, one value each (stored; searched through the
    /// heading fields).
    pub annotates: Field,
    pub page_start: Field,
    pub page_end: Field,
    pub char_start: Field,
    pub char_end: Field,
}

fn analysed(analyzer: Analyzer) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer.name())
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

impl Fields {
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let stored_u64 = NumericOptions::default().set_stored();
        // Every passage goes into both language fields, so each field's statistics cover the
        // whole corpus and a small language is not starved (its few passages would otherwise
        // make every English term look rare, or common, by accident).
        let id = b.add_text_field("id", STRING | STORED);
        let doc_id = b.add_text_field("doc_id", STRING | STORED | FAST);
        let ordinal = b.add_u64_field("ordinal", stored_u64.clone() | INDEXED);
        let lang = b.add_text_field("lang", STRING | STORED | FAST);
        let text = b.add_text_field("text", STORED);
        let text_fr = b.add_text_field("text_fr", analysed(Analyzer::French));
        let text_en = b.add_text_field("text_en", analysed(Analyzer::English));
        let exact = b.add_text_field("exact", analysed(Analyzer::Exact));
        let heading_fr = b.add_text_field("heading_fr", analysed(Analyzer::French));
        let heading_en = b.add_text_field("heading_en", analysed(Analyzer::English));
        let title = b.add_text_field("title", STORED);
        let path = b.add_text_field("path", STORED);
        let url = b.add_text_field("url", STORED);
        let kind = b.add_text_field("kind", STORED);
        let section = b.add_text_field("section", STORED);
        let annotates = b.add_text_field("annotates", STORED);
        let page_start = b.add_u64_field("page_start", stored_u64.clone());
        let page_end = b.add_u64_field("page_end", stored_u64.clone());
        let char_start = b.add_u64_field("char_start", stored_u64.clone());
        let char_end = b.add_u64_field("char_end", stored_u64);
        Fields {
            schema: b.build(),
            id,
            doc_id,
            ordinal,
            lang,
            text,
            text_fr,
            text_en,
            exact,
            heading_fr,
            heading_en,
            title,
            path,
            url,
            kind,
            section,
            annotates,
            page_start,
            page_end,
            char_start,
            char_end,
        }
    }

    /// Resolves the fields of an existing index by name.
    pub fn from_schema(schema: &Schema) -> Result<Fields, String> {
        let expected = Fields::new();
        if expected.schema != *schema {
            return Err("index schema differs from this version of Sourcier".into());
        }
        Ok(expected)
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}
