//! Drives extract → segment → index over a folder. Each file is handled on its own: a file that
//! cannot be read or parsed is reported (path and reason) and the batch goes on. The new index
//! becomes visible only once complete.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::analysis::lang;
use crate::error::{Error, Result};
use crate::extract::{self, Extracted};
use crate::index::{self, GenerationWriter, Manifest, Skipped, FORMAT_VERSION};
use crate::model::{DocKind, DocumentInfo, Lang, Passage, SourceRef};
use crate::segment::{segment, SegmentConfig};

/// Files bigger than this are skipped rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Files in the corpus folder that describe the corpus rather than belong to it.
const CORPUS_METADATA_FILES: &[&str] = &["sources.json", "synonyms.txt"];

/// Receives progress while an ingest runs (a progress bar, log lines, or nothing).
pub trait Progress {
    fn start(&self, _files: usize) {}
    fn file_started(&self, _path: &str) {}
    fn file_done(&self, _path: &str, _outcome: &FileOutcome) {}
    fn finish(&self) {}
}

/// Ignores progress.
pub struct Quiet;
impl Progress for Quiet {}

/// What happened to one file.
#[derive(Debug, Clone)]
pub enum FileOutcome {
    Indexed { passages: usize, pages: u32 },
    Skipped { reason: String },
}

/// The ingest's summary.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub files_indexed: usize,
    pub passages: usize,
    pub pages: u32,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Skipped>,
    pub elapsed: Duration,
    pub generation: PathBuf,
}

/// Per-file metadata from `sources.json`.
#[derive(Debug, Clone, Deserialize)]
struct SourceEntry {
    file: String,
    title: Option<String>,
    language: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SourcesFile {
    documents: Vec<SourceEntry>,
}

/// The corpus files, recursively, sorted, without hidden files and corpus metadata files.
pub fn corpus_files(corpus: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![corpus.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let file_type = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() || file_type.is_symlink() {
                let top_level = path.parent() == Some(corpus);
                if !(top_level && CORPUS_METADATA_FILES.contains(&name.as_str())) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A digest of everything the index is built from: file names, contents, the corpus metadata
/// and the index format. The index is stale when it changes.
pub fn corpus_fingerprint(corpus: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT_VERSION.to_le_bytes());
    let mut files = corpus_files(corpus)?;
    for meta in CORPUS_METADATA_FILES {
        let p = corpus.join(meta);
        if p.is_file() {
            files.push(p);
        }
    }
    for path in files {
        let rel = path.strip_prefix(corpus).unwrap_or(&path);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        // unreadable files still count (by name): ingest will report them
        if let Ok(bytes) = fs::read(&path) {
            hasher.update(Sha256::digest(&bytes));
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `cop-imt-2023-2027.pdf` → `cop-imt-2023-2027`; `sub/Été 2024.md` → `sub-ete-2024`.
pub fn doc_id_for(rel_path: &Path) -> String {
    use unicode_normalization::UnicodeNormalization;
    let stem = rel_path.with_extension("");
    let mut id = String::new();
    for c in stem.to_string_lossy().nfd() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric()
            || !c.is_ascii() && unicode_normalization::char::is_combining_mark(c)
        {
            // accents (combining marks after NFD) disappear; other letters are dropped
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_string();
    if id.is_empty() {
        "doc".to_string()
    } else {
        id
    }
}

/// A stable passage id: the document id, the page, and a digest of the file content and the
/// passage's place in it. Same file content → same ids, on every ingest.
fn passage_id(doc_id: &str, file_sha: &str, page: u32, start: usize, end: usize) -> String {
    let digest = Sha256::digest(format!("{file_sha}:{page}:{start}:{end}").as_bytes());
    format!("{doc_id}-p{page}-{}", &hex(&digest)[..10])
}

fn load_sources(corpus: &Path) -> (HashMap<String, SourceEntry>, Option<Skipped>) {
    let path = corpus.join("sources.json");
    let Ok(bytes) = fs::read(&path) else {
        return (HashMap::new(), None);
    };
    match serde_json::from_slice::<SourcesFile>(&bytes) {
        Ok(file) => (
            file.documents
                .into_iter()
                .map(|e| (e.file.replace('\\', "/"), e))
                .collect(),
            None,
        ),
        Err(e) => (
            HashMap::new(),
            Some(Skipped {
                path: path.display().to_string(),
                reason: format!("ignored: not a valid sources.json ({e})"),
            }),
        ),
    }
}

/// How a path is shown in citations: the corpus folder's name, then the path inside it.
fn display_path(corpus: &Path, rel: &Path) -> String {
    let root = corpus
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "corpus".into());
    format!("{root}/{}", rel.to_string_lossy().replace('\\', "/"))
}

/// Builds a new index generation from every file under `corpus` and publishes it.
pub fn ingest(corpus: &Path, index_dir: &Path, progress: &dyn Progress) -> Result<IngestReport> {
    let started = Instant::now();
    let corpus = fs::canonicalize(corpus).map_err(|e| Error::io(corpus, e))?;
    if !corpus.is_dir() {
        return Err(Error::io(
            &corpus,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        ));
    }
    let fingerprint = corpus_fingerprint(&corpus)?;
    let files = corpus_files(&corpus)?;
    let (sources, sources_problem) = load_sources(&corpus);
    let mut writer = GenerationWriter::create(index_dir)?;
    let mut documents: Vec<DocumentInfo> = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings: Vec<Skipped> = sources_problem.into_iter().collect();
    let mut passages_total = 0;
    let mut pages_total = 0;
    let config = SegmentConfig::default();

    // pdf-extract panics on some odd files; those panics are caught per file and per page and
    // reported, so keep the default hook from printing backtraces meanwhile.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        tracing::debug!("caught parser panic: {info}")
    }));

    progress.start(files.len());
    for path in &files {
        let rel = path.strip_prefix(&corpus).unwrap_or(path).to_path_buf();
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        let shown = display_path(&corpus, &rel);
        progress.file_started(&shown);
        let outcome = index_file(
            path,
            &rel,
            &shown,
            sources.get(&rel_str),
            &config,
            &mut writer,
            &mut documents,
            &mut warnings,
        );
        let outcome = match outcome {
            Ok((passages, pages)) => {
                passages_total += passages;
                pages_total += pages;
                FileOutcome::Indexed { passages, pages }
            }
            Err(e) => {
                let reason = match e {
                    Error::Extract { reason, .. } => reason,
                    other => other.to_string(),
                };
                skipped.push(Skipped {
                    path: shown.clone(),
                    reason: reason.clone(),
                });
                FileOutcome::Skipped { reason }
            }
        };
        progress.file_done(&shown, &outcome);
    }
    std::panic::set_hook(previous_hook);

    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        corpus_root: corpus.clone(),
        corpus_fingerprint: fingerprint,
        created_unix_ms: now_ms(),
        documents: documents.clone(),
        skipped: skipped.clone(),
        warnings: warnings.clone(),
    };
    let generation = writer.publish(&manifest)?;
    progress.finish();
    Ok(IngestReport {
        files_indexed: documents.len(),
        passages: passages_total,
        pages: pages_total,
        skipped,
        warnings,
        elapsed: started.elapsed(),
        generation,
    })
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Extracts, segments and indexes one file. Returns (passages, pages).
#[allow(clippy::too_many_arguments)]
fn index_file(
    path: &Path,
    rel: &Path,
    shown: &str,
    source: Option<&SourceEntry>,
    config: &SegmentConfig,
    writer: &mut GenerationWriter,
    documents: &mut Vec<DocumentInfo>,
    warnings: &mut Vec<Skipped>,
) -> Result<(usize, u32)> {
    let size = fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error::Extract {
            path: path.to_path_buf(),
            reason: format!("file too large ({size} bytes, limit {MAX_FILE_BYTES})"),
        });
    }
    let bytes = fs::read(path).map_err(|e| Error::Extract {
        path: path.to_path_buf(),
        reason: format!("cannot read: {e}"),
    })?;
    let extracted = extract::extract(path, &bytes)?;
    for w in &extracted.warnings {
        warnings.push(Skipped {
            path: shown.to_string(),
            reason: w.clone(),
        });
    }
    let sha = hex(&Sha256::digest(&bytes));
    let mut doc_id = doc_id_for(rel);
    if documents.iter().any(|d| d.id == doc_id) {
        doc_id = format!("{doc_id}-{}", extracted.kind.name());
    }
    let doc_lang = source
        .and_then(|s| s.language.as_deref())
        .and_then(Lang::parse)
        .or(extracted.lang)
        .or_else(|| lang::detect(&extracted.full_text()))
        .unwrap_or(Lang::Fr);
    let title = source
        .and_then(|s| s.title.clone())
        .or_else(|| extracted.title.clone())
        .unwrap_or_else(|| {
            rel.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| doc_id.clone())
        });
    let url = source
        .and_then(|s| s.url.clone())
        .or_else(|| extracted.url.clone());
    let segments = segment(&extracted, config);
    for (ordinal, seg) in segments.iter().enumerate() {
        let passage = Passage {
            id: passage_id(&doc_id, &sha, seg.page, seg.char_start, seg.char_end),
            ordinal: ordinal as u32,
            text: seg.text.clone(),
            lang: lang::passage_lang(&seg.text, doc_lang),
            source: SourceRef {
                doc_id: doc_id.clone(),
                title: title.clone(),
                path: shown.to_string(),
                url: url.clone(),
                kind: extracted.kind,
                page_start: seg.page,
                page_end: seg.page,
                section: seg.section.clone(),
                char_start: seg.char_start,
                char_end: seg.char_end,
            },
        };
        writer.add(&passage)?;
    }
    let pages = page_count(&extracted);
    documents.push(DocumentInfo {
        id: doc_id,
        title,
        kind: extracted.kind,
        lang: doc_lang,
        pages,
        passages: segments.len() as u32,
        url,
        path: shown.to_string(),
        rel_path: rel.to_string_lossy().replace('\\', "/"),
        sha256: sha,
        bytes: size,
    });
    Ok((segments.len(), pages))
}

fn page_count(extracted: &Extracted) -> u32 {
    match extracted.kind {
        DocKind::Pdf => extracted.pages.len() as u32,
        _ => 1,
    }
}

/// Is the index at `index_dir` missing, of another version, or built from other content?
pub fn index_is_stale(corpus: &Path, index_dir: &Path) -> Result<bool> {
    let Ok(manifest) = index::read_manifest(index_dir) else {
        return Ok(true);
    };
    let corpus = fs::canonicalize(corpus).map_err(|e| Error::io(corpus, e))?;
    Ok(manifest.corpus_root != corpus
        || manifest.corpus_fingerprint != corpus_fingerprint(&corpus)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids_are_slugs() {
        assert_eq!(
            doc_id_for(Path::new("cop-imt-2023-2027.pdf")),
            "cop-imt-2023-2027"
        );
        assert_eq!(doc_id_for(Path::new("sub/Été 2024.md")), "sub-ete-2024");
        assert_eq!(doc_id_for(Path::new("!!!.txt")), "doc");
    }

    #[test]
    fn passage_ids_are_stable_and_distinct() {
        let a = passage_id("d", "abc", 1, 0, 10);
        assert_eq!(a, passage_id("d", "abc", 1, 0, 10));
        assert_ne!(a, passage_id("d", "abd", 1, 0, 10));
        assert!(a.starts_with("d-p1-"));
    }
}
