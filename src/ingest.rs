//! Drives extract → segment → index over a folder. Each file is handled on its own: a file that
//! cannot be read or parsed is reported (path and reason) and the batch goes on. Files are read
//! and extracted by a few threads at once (PDFs each in a bounded child process, see
//! [`extract::isolate`]); passages are indexed in file order. A file whose content is unchanged
//! since the live generation is not extracted again: its passages are copied over. The new
//! index becomes visible only once complete, and one ingest at a time holds the index lock.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analysis::lang;
use crate::error::{Error, Result};
use crate::extract::{self, Extracted, PdfOptions};
use crate::index::lock::IndexLock;
use crate::index::{self, GenerationWriter, Manifest, Skipped, FORMAT_VERSION};
use crate::model::{DocKind, DocumentInfo, Lang, Passage, SourceRef};
use crate::search::Engine;
use crate::segment::{segment, SegmentConfig};

/// Files bigger than this are skipped rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How an ingest runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub pdf: PdfOptions,
    /// Files read and extracted at once.
    pub jobs: usize,
    /// Bigger files are skipped as `too large`.
    pub max_file_bytes: u64,
    /// Copy the passages of unchanged files from the live generation instead of extracting
    /// them again.
    pub incremental: bool,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            pdf: PdfOptions::default(),
            jobs: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(1, 4),
            max_file_bytes: MAX_FILE_BYTES,
            incremental: true,
        }
    }
}

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

/// The ingest's summary (`sourcier ingest --json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub files_indexed: usize,
    /// Of those, files whose passages were copied from the previous generation (unchanged).
    pub files_reused: usize,
    pub passages: usize,
    pub pages: u32,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Skipped>,
    #[serde(rename = "elapsed_s", serialize_with = "as_secs")]
    pub elapsed: Duration,
    pub generation: PathBuf,
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
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
    walk(corpus).map(|(files, _)| files)
}

/// The corpus files, and the subfolders that could not be listed (with the reason). Symbolic
/// links to folders are not followed (no loops); links to files are files.
fn walk(corpus: &Path) -> Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut stack = vec![corpus.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if dir == corpus => return Err(Error::io(&dir, e)),
            Err(e) => {
                problems.push(Skipped {
                    path: dir.display().to_string(),
                    reason: format!("folder not readable ({})", io_reason(&e)),
                });
                continue;
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
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
    Ok((out, problems))
}

/// An I/O error as a short phrase (`permission denied`), without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    text.to_lowercase()
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

/// Builds a new index generation from every file under `corpus` and publishes it, with the
/// default options (PDFs extracted in this process).
pub fn ingest(corpus: &Path, index_dir: &Path, progress: &dyn Progress) -> Result<IngestReport> {
    ingest_with(corpus, index_dir, &IngestOptions::default(), progress)
}

/// What the reading threads hand to the indexing thread for one file.
enum Prepared {
    Extracted {
        doc: Extracted,
        extractor: &'static str,
        sha: String,
        size: u64,
    },
    /// Same content as in the live generation: copy its passages.
    Unchanged(DocumentInfo),
    Skipped(String),
}

/// The live generation, when an ingest can reuse its passages.
struct Previous {
    engine: Engine,
    by_path: HashMap<String, DocumentInfo>,
}

impl Previous {
    fn open(corpus: &Path, index_dir: &Path, sources_sha: &str) -> Option<Previous> {
        let engine = Engine::open(index_dir).ok()?;
        let manifest = engine.manifest();
        // titles, languages and URLs come from sources.json: when it changed, re-do everything
        if manifest.corpus_root != corpus || manifest.sources_sha256 != sources_sha {
            return None;
        }
        let by_path = manifest
            .documents
            .iter()
            .map(|d| (d.rel_path.clone(), d.clone()))
            .collect();
        Some(Previous { engine, by_path })
    }
}

/// Builds a new index generation from every file under `corpus` and publishes it.
pub fn ingest_with(
    corpus: &Path,
    index_dir: &Path,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    let started = Instant::now();
    let corpus = fs::canonicalize(corpus).map_err(|e| Error::io(corpus, e))?;
    if !corpus.is_dir() {
        return Err(Error::io(
            &corpus,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        ));
    }
    let _lock = IndexLock::acquire(index_dir)?;
    let fingerprint = corpus_fingerprint(&corpus)?;
    let (files, folder_problems) = walk(&corpus)?;
    let (sources, sources_problem) = load_sources(&corpus);
    let sources_sha = fs::read(corpus.join("sources.json"))
        .map(|b| hex(&Sha256::digest(&b)))
        .unwrap_or_default();
    let previous = options
        .incremental
        .then(|| Previous::open(&corpus, index_dir, &sources_sha))
        .flatten();
    let mut writer = GenerationWriter::create(index_dir)?;
    let mut documents: Vec<DocumentInfo> = Vec::new();
    let mut skipped = folder_problems;
    let mut warnings: Vec<Skipped> = sources_problem.into_iter().collect();
    let (mut passages_total, mut pages_total, mut reused) = (0, 0, 0);
    let config = SegmentConfig::default();

    // pdf-extract panics on some odd files; those panics are caught per file and per page and
    // reported, so keep the default hook from printing backtraces meanwhile.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        tracing::debug!("caught parser panic: {info}")
    }));

    progress.start(files.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Prepared)>();
    let outcome = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..options.jobs.max(1) {
            let tx = tx.clone();
            let (next, stop, files, corpus) = (&next, &stop, &files, &corpus);
            let by_path = previous.as_ref().map(|p| &p.by_path);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= files.len() || stop.load(Ordering::SeqCst) {
                    break;
                }
                let prepared = prepare(&files[i], corpus, by_path, options);
                if tx.send((i, prepared)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // index in file order whatever order the threads finish in
        let mut ready: BTreeMap<usize, Prepared> = BTreeMap::new();
        let mut want = 0;
        for (i, prepared) in rx {
            ready.insert(i, prepared);
            while let Some(prepared) = ready.remove(&want) {
                let path = &files[want];
                want += 1;
                let rel = path.strip_prefix(&corpus).unwrap_or(path).to_path_buf();
                let rel_str = rel.to_string_lossy().replace('\\', "/");
                let shown = display_path(&corpus, &rel);
                progress.file_started(&shown);
                // an unchanged file whose id is taken in this generation is extracted after all
                let prepared = match prepared {
                    Prepared::Unchanged(info)
                        if !copy_unchanged(&info, previous.as_ref(), &mut writer, &documents)
                            .map_err(fatal(&stop))? =>
                    {
                        prepare(path, &corpus, None, options)
                    }
                    other => other,
                };
                let result = match prepared {
                    Prepared::Skipped(reason) => Err(reason),
                    Prepared::Unchanged(info) => {
                        reused += 1;
                        let counts = (info.passages as usize, info.pages);
                        documents.push(info);
                        Ok(counts)
                    }
                    Prepared::Extracted {
                        doc,
                        extractor,
                        sha,
                        size,
                    } => Ok(index_file(
                        Extraction {
                            doc,
                            extractor,
                            sha,
                            size,
                        },
                        &rel,
                        &shown,
                        sources.get(&rel_str),
                        &config,
                        &mut writer,
                        &mut documents,
                        &mut warnings,
                    )
                    .map_err(fatal(&stop))?),
                };
                let outcome = match result {
                    Ok((passages, pages)) => {
                        passages_total += passages;
                        pages_total += pages;
                        FileOutcome::Indexed { passages, pages }
                    }
                    Err(reason) => {
                        skipped.push(Skipped {
                            path: shown.clone(),
                            reason: reason.clone(),
                        });
                        FileOutcome::Skipped { reason }
                    }
                };
                progress.file_done(&shown, &outcome);
            }
        }
        Ok(())
    });
    std::panic::set_hook(previous_hook);
    outcome?;

    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        corpus_root: corpus.clone(),
        corpus_fingerprint: fingerprint,
        sources_sha256: sources_sha,
        created_unix_ms: now_ms(),
        documents: documents.clone(),
        skipped: skipped.clone(),
        warnings: warnings.clone(),
    };
    // release the previous generation's files before publishing removes them
    drop(previous);
    let generation = writer.publish(&manifest)?;
    progress.finish();
    Ok(IngestReport {
        files_indexed: documents.len(),
        files_reused: reused,
        passages: passages_total,
        pages: pages_total,
        skipped,
        warnings,
        elapsed: started.elapsed(),
        generation,
    })
}

/// An index write failed: stop the reading threads and end the ingest.
fn fatal(stop: &AtomicBool) -> impl Fn(Error) -> Error + '_ {
    move |e| {
        stop.store(true, Ordering::SeqCst);
        e
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Reads one file and extracts its text, or finds it unchanged, or says why it is skipped.
/// Runs on the reading threads; touches no index.
fn prepare(
    path: &Path,
    corpus: &Path,
    previous: Option<&HashMap<String, DocumentInfo>>,
    options: &IngestOptions,
) -> Prepared {
    match read_and_extract(path, corpus, previous, options) {
        Ok(prepared) => prepared,
        Err(reason) => Prepared::Skipped(reason),
    }
}

fn read_and_extract(
    path: &Path,
    corpus: &Path,
    previous: Option<&HashMap<String, DocumentInfo>>,
    options: &IngestOptions,
) -> std::result::Result<Prepared, String> {
    let link = fs::symlink_metadata(path).map_err(|e| io_reason(&e))?;
    if link.file_type().is_symlink() {
        // a link is followed only to a file inside the corpus: no loops, no escape
        let target = fs::canonicalize(path).map_err(|e| match e.raw_os_error() {
            Some(40) => "symbolic link loop".to_string(),
            _ => format!("broken symbolic link ({})", io_reason(&e)),
        })?;
        if !target.starts_with(corpus) {
            return Err("symbolic link to outside the corpus (not followed)".into());
        }
        if target.is_dir() {
            return Err("symbolic link to a folder (not followed)".into());
        }
    }
    let meta = fs::metadata(path).map_err(|e| io_reason(&e))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let size = meta.len();
    if size > options.max_file_bytes {
        return Err(format!(
            "too large (> {} MB)",
            options.max_file_bytes / (1024 * 1024)
        ));
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read ({})", io_reason(&e)))?;
    let sha = hex(&Sha256::digest(&bytes));
    let rel = path.strip_prefix(corpus).unwrap_or(path);
    let rel_str = rel.to_string_lossy().replace('\\', "/");
    if let Some(info) = previous.and_then(|p| p.get(&rel_str)) {
        if info.sha256 == sha {
            return Ok(Prepared::Unchanged(info.clone()));
        }
    }
    let (doc, extractor) =
        extract::extract_with(path, &bytes, &options.pdf).map_err(|e| match e {
            Error::Extract { reason, .. } => reason,
            other => other.to_string(),
        })?;
    Ok(Prepared::Extracted {
        doc,
        extractor,
        sha,
        size,
    })
}

/// Copies an unchanged document's passages from the previous generation. `false` when its
/// id is already taken in this generation (then it must be extracted afresh).
fn copy_unchanged(
    info: &DocumentInfo,
    previous: Option<&Previous>,
    writer: &mut GenerationWriter,
    documents: &[DocumentInfo],
) -> Result<bool> {
    let Some(previous) = previous else {
        return Ok(false);
    };
    if documents.iter().any(|d| d.id == info.id) {
        return Ok(false);
    }
    for passage in previous.engine.document_passages(&info.id)? {
        let figures = crate::figures::extract(&passage);
        writer.add(&passage, figures)?;
    }
    Ok(true)
}

/// One file's extracted text and what is known of the file.
struct Extraction {
    doc: Extracted,
    extractor: &'static str,
    sha: String,
    size: u64,
}

/// Segments and indexes one extracted file. Returns (passages, pages); an `Err` is an index
/// failure, fatal to the ingest (extraction problems were handled before).
#[allow(clippy::too_many_arguments)]
fn index_file(
    extraction: Extraction,
    rel: &Path,
    shown: &str,
    source: Option<&SourceEntry>,
    config: &SegmentConfig,
    writer: &mut GenerationWriter,
    documents: &mut Vec<DocumentInfo>,
    warnings: &mut Vec<Skipped>,
) -> Result<(usize, u32)> {
    let Extraction {
        doc: extracted,
        extractor,
        sha,
        size,
    } = extraction;
    for w in &extracted.warnings {
        warnings.push(Skipped {
            path: shown.to_string(),
            reason: w.clone(),
        });
    }
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
            annotates: seg.annotates.clone(),
        };
        let figures = crate::figures::extract(&passage);
        writer.add(&passage, figures)?;
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
        extractor: extractor.to_string(),
        empty_pages: extract::quality::empty_pages(&extracted),
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
