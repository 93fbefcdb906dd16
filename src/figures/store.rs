//! The figures of a generation as a tantivy index of their own (`figures/` inside the
//! generation directory), so a look-up is a range and term query and opening it reads nothing
//! but the index's small metadata, however many figures the corpus states.
//!
//! Each figure is one document: its value (and a range's end, and for `75 M€` the number as
//! written) as indexed `f64` terms, its unit and document as terms, the analysed words around
//! it (label, sentence, section, title, in every analysed form), its place in corpus order as a
//! fast field to sort by, and the figure itself stored as JSON.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{TokenStream, Tokenizer};
use tantivy::{
    Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use super::{scan, FigureQuery, ParsedValue};
use super::{Figure, FiguresResponse};
use crate::analysis::{Analyzer, NumberMode, WordNumberTokenizer};
use crate::error::{Error, Result};

/// The folder, in a generation directory, that holds the figures index.
pub const DIR: &str = "figures";

/// Memory tantivy may use to buffer figures before writing a segment.
const WRITER_HEAP_BYTES: usize = 50_000_000;

/// The figures index's fields.
#[derive(Debug, Clone)]
struct FigureFields {
    schema: Schema,
    /// Position in corpus order (fast: results are sorted by it).
    seq: Field,
    value: Field,
    value_end: Field,
    /// The number written before a `%` or a currency's scale (`75` in `75 M€`), only for
    /// figures with such a unit: a bare `75` finds `75 M€`.
    written: Field,
    unit: Field,
    doc: Field,
    /// Every analysed form of the words around the figure, pre-tokenised.
    words: Field,
    /// The figure, as JSON.
    json: Field,
}

impl FigureFields {
    fn new() -> FigureFields {
        let mut b = Schema::builder();
        let seq = b.add_u64_field("seq", FAST);
        let value = b.add_f64_field("value", INDEXED);
        let value_end = b.add_f64_field("value_end", INDEXED);
        let written = b.add_f64_field("written", INDEXED);
        let unit = b.add_text_field("unit", STRING);
        let doc = b.add_text_field("doc", STRING);
        let words = b.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            ),
        );
        let json = b.add_text_field("json", STORED);
        FigureFields {
            schema: b.build(),
            seq,
            value,
            value_end,
            written,
            unit,
            doc,
            words,
            json,
        }
    }

    fn from_index(index: &Index) -> Result<FigureFields> {
        let fields = FigureFields::new();
        if index.schema() != fields.schema {
            return Err(Error::Internal(
                "figures index schema differs from this version of Sourcier".into(),
            ));
        }
        Ok(fields)
    }
}

thread_local! {
    /// The three query analyzers, built once per thread (their stop-word sets are not free to
    /// build).
    static ANALYZERS: RefCell<[tantivy::tokenizer::TextAnalyzer; 3]> = RefCell::new(
        [Analyzer::French, Analyzer::English, Analyzer::Exact].map(|a| a.build(NumberMode::Query)),
    );
    /// The tokenizer the three query analyzers start with.
    static WORDS: RefCell<WordNumberTokenizer> =
        RefCell::new(WordNumberTokenizer::new(NumberMode::Query));
    /// The analysed forms of each word met so far (see [`forms`]).
    static WORD_FORMS: RefCell<HashMap<String, Vec<String>>> = RefCell::new(HashMap::new());
}

/// Words whose forms a thread remembers before it starts afresh (a few MB).
const MAX_REMEMBERED_WORDS: usize = 100_000;

/// Every analysed form (French, English, exact) of the words of `text`.
pub(super) fn analysed_forms(text: &str) -> HashSet<String> {
    analysed(text).into_iter().collect()
}

/// Every analysed form (French, English, exact) of the words of `text`: each analyzer run over
/// the text.
fn analysed(text: &str) -> Vec<String> {
    ANALYZERS.with(|analyzers| {
        let mut out = Vec::new();
        for a in analyzers.borrow_mut().iter_mut() {
            let mut stream = a.token_stream(text);
            while stream.advance() {
                out.push(stream.token().text.clone());
            }
        }
        out
    })
}

/// The words of `text` as the query analyzers' tokenizer cuts them, unfiltered.
fn words(text: &str) -> Vec<String> {
    WORDS.with(|tokenizer| {
        let mut tokenizer = tokenizer.borrow_mut();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    })
}

/// Every analysed form of the words of `text`, sorted, each once: [`analysed`], word by word.
/// The filters after the tokenizer (length, case, accents, stop words, stems) each take one
/// token at a time, so the forms of a text are the union of its words' forms, and a word's
/// forms are those of the word analysed alone when the tokenizer cuts it into itself only
/// (checked, else the whole text is analysed). Figures repeat the same words, so each word is
/// stemmed once per thread rather than once per figure.
fn forms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(text) {
        let known = WORD_FORMS.with(|cache| {
            let cache = cache.borrow();
            cache
                .get(&word)
                .map(|forms| out.extend(forms.iter().cloned()))
        });
        if known.is_some() {
            continue;
        }
        if words(&word) != [word.as_str()] {
            let mut all = analysed(text);
            all.sort_unstable();
            all.dedup();
            return all;
        }
        let mut word_forms = analysed(&word);
        word_forms.sort_unstable();
        word_forms.dedup();
        out.extend(word_forms.iter().cloned());
        WORD_FORMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= MAX_REMEMBERED_WORDS {
                cache.clear();
            }
            cache.insert(word, word_forms);
        });
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The analysed forms of a figure's context, by part. A figure's words are those of its
/// label, its sentence, its passage's section and its document's title; the analyzers never
/// join words across a line break, so the forms of the four parts joined by `\n` are the union
/// of each part's forms. Figures of one passage share the section and title, and often a
/// sentence, so each part is analysed once per passage rather than once per figure.
pub struct ContextForms {
    /// Forms of the section and title.
    heading: Vec<String>,
    /// Forms of each sentence seen so far in this passage.
    sentences: HashMap<String, Vec<String>>,
}

impl ContextForms {
    /// The forms of one passage's section and title.
    pub fn new(section: Option<&str>, title: &str) -> ContextForms {
        let mut heading = forms(section.unwrap_or(""));
        heading.extend(forms(title));
        heading.sort_unstable();
        heading.dedup();
        ContextForms {
            heading,
            sentences: HashMap::new(),
        }
    }

    /// A figure of this passage, with its words.
    pub fn entry(&mut self, figure: Figure) -> FigureEntry {
        let label = forms(&figure.label);
        let sentence = self
            .sentences
            .entry(figure.sentence.clone())
            .or_insert_with_key(|sentence| forms(sentence));
        let mut words: Vec<&str> = self
            .heading
            .iter()
            .chain(sentence.iter())
            .chain(label.iter())
            .map(String::as_str)
            .collect();
        words.sort_unstable();
        words.dedup();
        let words = words.into_iter().map(str::to_string).collect();
        FigureEntry { figure, words }
    }
}

/// A figure with the analysed words around it, ready for the figures index. Analysing is the
/// costly part of indexing a figure, so it is done where the figure is found (an ingest's
/// reading threads), not on the thread that writes the index.
pub struct FigureEntry {
    figure: Figure,
    /// Every analysed form of its label, sentence, section and title, sorted, each once.
    words: Vec<String>,
}

impl FigureEntry {
    pub fn new(figure: Figure) -> FigureEntry {
        let mut context = ContextForms::new(figure.source.section.as_deref(), &figure.source.title);
        context.entry(figure)
    }

    pub fn figure(&self) -> &Figure {
        &self.figure
    }

    /// The analysed words indexed with the figure, sorted.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

/// Writes a generation's figures index.
pub struct FigureWriter {
    fields: FigureFields,
    writer: IndexWriter,
    next_seq: u64,
}

impl FigureWriter {
    /// A new, empty figures index in `dir` (created).
    pub fn create(dir: &Path) -> Result<FigureWriter> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let fields = FigureFields::new();
        let index = Index::create_in_dir(dir, fields.schema.clone())?;
        FigureWriter::on(index, fields)
    }

    fn on(index: Index, fields: FigureFields) -> Result<FigureWriter> {
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        Ok(FigureWriter {
            fields,
            writer,
            next_seq: 0,
        })
    }

    pub fn add(&mut self, entry: &FigureEntry) -> Result<()> {
        let f = &self.fields;
        let figure = &entry.figure;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.seq, self.next_seq);
        self.next_seq += 1;
        doc.add_f64(f.value, figure.value);
        if let Some(end) = figure.value_end {
            doc.add_f64(f.value_end, end);
        }
        if let Some(unit) = figure.unit {
            doc.add_text(f.unit, unit.name());
            let written = written_number(&figure.raw);
            if unit.is_explicit() && written.is_finite() {
                doc.add_f64(f.written, written);
            }
        }
        doc.add_text(f.doc, &figure.source.doc_id);
        // One value per word: the field's `raw` tokenizer makes each a single term, as a
        // pre-tokenised value would, without tantivy's JSON round trip of pre-tokenised text
        // (which cost more than the rest of indexing a figure).
        for word in &entry.words {
            doc.add_text(f.words, word);
        }
        doc.add_text(f.json, serde_json::to_string(figure)?);
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Writes everything added to disk.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        Ok(())
    }

    /// Commits and waits for background merges, so the folder is complete.
    pub fn finish(mut self) -> Result<()> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}

/// The number as written before its scale or `%` (`75` in `75 M€`).
fn written_number(raw: &str) -> f64 {
    scan::scan(raw, scan::Scales::Written)
        .first()
        .map_or(f64::NAN, |f| f.number)
}

/// An opened figures index.
#[derive(Clone)]
pub struct Figures {
    fields: FigureFields,
    reader: IndexReader,
}

impl Figures {
    /// Opens the figures index of a generation directory.
    pub fn open(generation: &Path) -> Result<Figures> {
        let dir = generation.join(DIR);
        let index = Index::open_in_dir(&dir).map_err(|e| Error::NoIndex {
            path: generation.to_path_buf(),
            reason: format!("figures index unreadable: {e}"),
        })?;
        Figures::on(&index)
    }

    fn on(index: &Index) -> Result<Figures> {
        let fields = FigureFields::from_index(index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Figures { fields, reader })
    }

    /// A figures index in memory, for tests and one-off look-ups.
    pub fn in_memory(figures: &[Figure]) -> Result<Figures> {
        let fields = FigureFields::new();
        let index = Index::create_in_ram(fields.schema.clone());
        let mut writer = FigureWriter::on(index.clone(), fields)?;
        for f in figures {
            writer.add(&FigureEntry::new(f.clone()))?;
        }
        writer.finish()?;
        Figures::on(&index)
    }

    /// The figures matching a look-up, in corpus order, and how many matched in all.
    pub fn lookup(&self, query: &FigureQuery) -> Result<(Option<ParsedValue>, usize, Vec<Figure>)> {
        let parsed = super::parse(query)?;
        let compiled = self.compile(query, parsed);
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            compiled.as_ref(),
            &(
                TopDocs::with_limit(query.limit).order_by_u64_field("seq", Order::Asc),
                Count,
            ),
        )?;
        let figures = top
            .into_iter()
            .map(|(_, address)| self.figure_at(&searcher, address))
            .collect::<Result<Vec<_>>>()?;
        Ok((parsed, total, figures))
    }

    fn figure_at(&self, searcher: &Searcher, address: tantivy::DocAddress) -> Result<Figure> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let json = doc
            .get_first(self.fields.json)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Internal("a stored figure has no JSON".into()))?;
        Ok(serde_json::from_str(json)?)
    }

    /// The look-up as a tantivy query: every given condition must hold.
    fn compile(&self, query: &FigureQuery, parsed: Option<ParsedValue>) -> Box<dyn Query> {
        let f = &self.fields;
        let mut must: Vec<Box<dyn Query>> = Vec::new();
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        if let Some(doc) = &query.doc {
            must.push(term(f.doc, doc));
        }
        if let Some(unit) = query.unit {
            must.push(term(f.unit, unit.name()));
        }
        if let Some(wanted) = parsed {
            must.push(self.value_query(wanted));
        }
        if let Some(q) = query.q.as_deref() {
            // Each word of `q`, in any analysed form; stop words drop out.
            for word in q.split_whitespace() {
                let forms = analysed_forms(word);
                if !forms.is_empty() {
                    must.push(Box::new(TermSetQuery::new(
                        forms
                            .iter()
                            .map(|form| Term::from_field_text(f.words, form)),
                    )));
                }
            }
        }
        if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::intersection(must))
        }
    }

    /// Does a figure state this value? A value typed with `%`, `€` or `$` wants that unit; a
    /// bare number matches the figure's value, the year range it starts or ends, or the number
    /// written before a `%`/currency (`40,7` finds `40,7 %`).
    fn value_query(&self, wanted: ParsedValue) -> Box<dyn Query> {
        let f = &self.fields;
        let near = |field: Field| -> Box<dyn Query> {
            let tolerance = super::VALUE_TOLERANCE * wanted.value.abs().max(1.0);
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_f64(field, wanted.value - tolerance)),
                Bound::Included(Term::from_field_f64(field, wanted.value + tolerance)),
            ))
        };
        match wanted.unit {
            Some(unit) => Box::new(BooleanQuery::intersection(vec![
                Box::new(TermQuery::new(
                    Term::from_field_text(f.unit, unit.name()),
                    IndexRecordOption::Basic,
                )),
                near(f.value),
            ])),
            None => Box::new(BooleanQuery::new(vec![
                (Occur::Should, near(f.value)),
                (Occur::Should, near(f.value_end)),
                (Occur::Should, near(f.written)),
            ])),
        }
    }
}

/// Runs a look-up; `is_document` says whether a `doc` filter names an indexed document (an
/// unknown one is not found, rather than silently matching nothing).
pub fn figure_lookup(
    figures: &Figures,
    is_document: impl Fn(&str) -> bool,
    query: &FigureQuery,
) -> Result<FiguresResponse> {
    let started = std::time::Instant::now();
    if let Some(doc) = &query.doc {
        if !is_document(doc) {
            return Err(Error::NotFound {
                what: "document",
                id: doc.clone(),
            });
        }
    }
    let (parsed_value, total, figures) = figures.lookup(query)?;
    Ok(FiguresResponse {
        q: query.q.clone(),
        value: query.value.clone(),
        unit: query.unit,
        doc: query.doc.clone(),
        parsed_value,
        total,
        figures,
        took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    })
}
