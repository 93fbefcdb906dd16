//! The on-disk index: a tantivy index of passages plus a manifest of the documents, written as
//! a new *generation* directory and published by atomically replacing the `CURRENT` pointer.
//! Readers always open the generation `CURRENT` names, so an interrupted ingest leaves the last
//! good index serving.
//!
//! ```text
//! index/
//!   CURRENT              name of the live generation
//!   gen-1732300000000/   tantivy files of the passages + manifest.json
//!     figures/           tantivy files of the figures (see `figures::store`)
//! ```

pub mod lock;
pub mod schema;
pub mod store;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::{doc, Index, IndexWriter, TantivyDocument};

use crate::analysis;
use crate::error::{Error, Result};
use crate::figures::{FigureEntry, FigureWriter};
use crate::model::{DocumentInfo, Passage};
pub use schema::Fields;
pub use store::PassageStore;

/// Bumped when the schema, the analysis or the segmentation changes: an index of another
/// version is rebuilt.
pub const FORMAT_VERSION: u32 = 6;

const CURRENT: &str = "CURRENT";
const MANIFEST: &str = "manifest.json";

/// A file the ingester could not index, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What an index holds, beside the passages: written with every generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// Absolute path of the corpus folder the index was built from.
    pub corpus_root: PathBuf,
    /// Fingerprint of the corpus content (see `ingest::corpus_fingerprint`).
    pub corpus_fingerprint: String,
    /// SHA-256 of `sources.json` (empty when absent): unchanged files are reused only while
    /// it is unchanged too.
    #[serde(default)]
    pub sources_sha256: String,
    pub created_unix_ms: u64,
    pub documents: Vec<DocumentInfo>,
    pub skipped: Vec<Skipped>,
    /// Non-fatal problems per file (e.g. a PDF page that failed).
    pub warnings: Vec<Skipped>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The live generation's directory, if any.
pub fn current_generation(index_dir: &Path) -> Option<PathBuf> {
    let name = fs::read_to_string(index_dir.join(CURRENT)).ok()?;
    let name = name.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let dir = index_dir.join(name);
    dir.is_dir().then_some(dir)
}

/// Reads the live generation's manifest.
pub fn read_manifest(index_dir: &Path) -> Result<Manifest> {
    let no_index = |reason: &str| Error::NoIndex {
        path: index_dir.to_path_buf(),
        reason: reason.to_string(),
    };
    let generation =
        current_generation(index_dir).ok_or_else(|| no_index("no CURRENT generation"))?;
    let bytes = fs::read(generation.join(MANIFEST)).map_err(|_| no_index("manifest missing"))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(no_index("index built by another version of Sourcier"));
    }
    Ok(manifest)
}

/// Writes one new generation; nothing is visible to readers until [`GenerationWriter::publish`].
pub struct GenerationWriter {
    index_dir: PathBuf,
    dir: PathBuf,
    name: String,
    fields: Fields,
    writer: IndexWriter,
    /// The passages' figures, in an index of their own (see [`crate::figures::store`]).
    figures: FigureWriter,
}

/// Memory tantivy may use to buffer passages before writing a segment: larger means fewer
/// segments to merge on a big corpus.
const WRITER_HEAP_BYTES: usize = 256_000_000;

impl GenerationWriter {
    pub fn create(index_dir: &Path) -> Result<GenerationWriter> {
        fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
        let mut stamp = now_ms();
        let (name, dir) = loop {
            let name = format!("gen-{stamp}");
            let dir = index_dir.join(format!(".{name}.partial"));
            if !dir.exists() && !index_dir.join(&name).exists() {
                break (name, dir);
            }
            stamp += 1;
        };
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let fields = Fields::new();
        let index = Index::create_in_dir(&dir, fields.schema.clone())?;
        analysis::register(&index);
        // One indexing thread: passages keep the order they were added in (equal scores rank
        // in that order), and extraction and segmentation use the other cores.
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        let figures = FigureWriter::create(&dir.join(crate::figures::store::DIR))?;
        Ok(GenerationWriter {
            index_dir: index_dir.to_path_buf(),
            dir,
            name,
            fields,
            writer,
            figures,
        })
    }

    /// Adds a passage and the figures it states (see [`crate::figures::extract_for_index`]).
    pub fn add(&mut self, passage: &Passage, figures: Vec<FigureEntry>) -> Result<()> {
        let f = &self.fields;
        let s = &passage.source;
        // The title, the section and what the passage's footnotes annotate name what it is
        // about.
        let heading = std::iter::once(s.title.as_str())
            .chain(s.section.as_deref())
            .chain(passage.annotates.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n");
        let mut document: TantivyDocument = doc!(
            f.id => passage.id.as_str(),
            f.doc_id => s.doc_id.as_str(),
            f.ordinal => u64::from(passage.ordinal),
            f.lang => passage.lang.code(),
            f.text => passage.text.as_str(),
            f.text_fr => passage.text.as_str(),
            f.text_en => passage.text.as_str(),
            f.exact => passage.text.as_str(),
            f.heading_fr => heading.as_str(),
            f.heading_en => heading.as_str(),
            f.title => s.title.as_str(),
            f.path => s.path.as_str(),
            f.kind => s.kind.name(),
            f.page_start => u64::from(s.page_start),
            f.page_end => u64::from(s.page_end),
            f.char_start => s.char_start as u64,
            f.char_end => s.char_end as u64,
        );
        if let Some(url) = &s.url {
            document.add_text(f.url, url);
        }
        if let Some(section) = &s.section {
            document.add_text(f.section, section);
        }
        for annotated in &passage.annotates {
            document.add_text(f.annotates, annotated);
        }
        self.writer.add_document(document)?;
        for figure in &figures {
            self.figures.add(figure)?;
        }
        Ok(())
    }

    /// Commits, writes the manifest, and makes this generation the live one; older
    /// generations are then removed.
    pub fn publish(mut self, manifest: &Manifest) -> Result<PathBuf> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        self.figures.finish()?;
        let manifest_path = self.dir.join(MANIFEST);
        fs::write(&manifest_path, serde_json::to_vec_pretty(manifest)?)
            .map_err(|e| Error::io(&manifest_path, e))?;
        let final_dir = self.index_dir.join(&self.name);
        fs::rename(&self.dir, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
        // Atomic switch: write the pointer aside, then rename it over the old one.
        let pointer_tmp = self.index_dir.join(format!(".{CURRENT}.tmp"));
        fs::write(&pointer_tmp, format!("{}\n", self.name))
            .map_err(|e| Error::io(&pointer_tmp, e))?;
        let pointer = self.index_dir.join(CURRENT);
        fs::rename(&pointer_tmp, &pointer).map_err(|e| Error::io(&pointer, e))?;
        remove_stale_generations(&self.index_dir, &self.name);
        Ok(final_dir)
    }
}

/// Removes generations other than `live`, and partial ones left by interrupted ingests.
/// Failures are ignored: a stale directory costs disk space, nothing else.
fn remove_stale_generations(index_dir: &Path, live: &str) {
    let Ok(entries) = fs::read_dir(index_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_generation =
            name.starts_with("gen-") || (name.starts_with(".gen-") && name.ends_with(".partial"));
        if is_generation && name != live {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Opens the live generation's figures and its manifest (what `trace` needs, without the
/// passages).
pub fn open_figures(index_dir: &Path) -> Result<(Manifest, crate::figures::Figures)> {
    let manifest = read_manifest(index_dir)?;
    let generation = current_generation(index_dir).ok_or_else(|| Error::NoIndex {
        path: index_dir.to_path_buf(),
        reason: "no CURRENT generation".into(),
    })?;
    Ok((manifest, crate::figures::Figures::open(&generation)?))
}

/// Opens the live generation for reading.
pub fn open(index_dir: &Path) -> Result<(Index, Fields, Manifest)> {
    let manifest = read_manifest(index_dir)?;
    let generation = current_generation(index_dir).ok_or_else(|| Error::NoIndex {
        path: index_dir.to_path_buf(),
        reason: "no CURRENT generation".into(),
    })?;
    let index = Index::open_in_dir(&generation)?;
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema()).map_err(|reason| Error::NoIndex {
        path: index_dir.to_path_buf(),
        reason,
    })?;
    Ok((index, fields, manifest))
}
