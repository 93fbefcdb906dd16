//! Drives extract → segment → index over a folder. Each file is handled on its own: a file that
//! cannot be read or parsed is reported (path and reason) and the batch goes on. Files are read,
//! extracted, cut into passages and scanned for figures by one thread per core (PDFs each in a
//! bounded child process, see [`extract::isolate`]); one thread hands the ready passages to the
//! index writer, in file order. A file whose content is unchanged since the live generation is
//! not extracted again: its passages are copied over. The new index becomes visible only once
//! complete, and one ingest at a time holds the index lock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::analysis::lang;
use crate::error::{Error, Result};
use crate::extract::{self, Extracted, PdfOptions};
use crate::figures::FigureEntry;
use crate::index::lock::IndexLock;
use crate::index::{self, GenerationWriter, Manifest, PassageStore, Skipped, FORMAT_VERSION};
use crate::model::{DocKind, DocumentInfo, Lang, Passage, SourceRef};
use crate::segment::{segment, SegmentConfig};

mod corpus;
mod turns;

pub use corpus::{corpus_files, corpus_fingerprint, doc_id_for};
use corpus::{display_path, doc_ids, hex, io_reason, load_sources, passage_id, walk, SourceEntry};
use turns::{lower_priority, StopOnPanic, Turns};

/// Files bigger than this are skipped rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Most reading threads by default. Each holds one file (up to `max_file_bytes`) with its
/// text and passages at a time, so their number bounds the ingest's memory.
const MAX_DEFAULT_JOBS: usize = 16;

/// How an ingest runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub pdf: PdfOptions,
    /// Files read, extracted and cut into passages at once.
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
                .clamp(1, MAX_DEFAULT_JOBS),
            max_file_bytes: MAX_FILE_BYTES,
            incremental: true,
        }
    }
}

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

/// Builds a new index generation from every file under `corpus` and publishes it, with the
/// default options (PDFs extracted in this process).
pub fn ingest(corpus: &Path, index_dir: &Path, progress: &dyn Progress) -> Result<IngestReport> {
    ingest_with(corpus, index_dir, &IngestOptions::default(), progress)
}

/// One corpus file and the names it goes by, all decided before any file is read.
struct Planned {
    path: PathBuf,
    rel: PathBuf,
    /// `rel` with `/` separators: how `sources.json` and the manifest name the file.
    rel_str: String,
    /// How citations show the file.
    shown: String,
    doc_id: String,
}

/// The corpus files, in order, with their ids.
fn plan(corpus: &Path, files: Vec<PathBuf>) -> Vec<Planned> {
    let rels: Vec<PathBuf> = files
        .iter()
        .map(|path| path.strip_prefix(corpus).unwrap_or(path).to_path_buf())
        .collect();
    let ids = doc_ids(&rels);
    files
        .into_iter()
        .zip(rels)
        .zip(ids)
        .map(|((path, rel), doc_id)| Planned {
            rel_str: rel.to_string_lossy().replace('\\', "/"),
            shown: display_path(corpus, &rel),
            path,
            rel,
            doc_id,
        })
        .collect()
}

/// What the reading threads hand to the indexing thread for one file.
enum Prepared {
    /// Extracted and cut into passages: ready to index.
    Ready(ReadyFile),
    /// Same content and id as in the live generation: copy its passages.
    Unchanged(DocumentInfo),
    Skipped(String),
}

/// A file's passages, each with its figures, and its manifest entry.
struct ReadyFile {
    info: DocumentInfo,
    passages: Vec<(Passage, Vec<FigureEntry>)>,
    /// Problems that did not stop extraction.
    warnings: Vec<String>,
}

impl Prepared {
    /// The passage text it holds, the measure of what waits to be indexed.
    fn text_bytes(&self) -> usize {
        match self {
            Prepared::Ready(file) => file.passages.iter().map(|(p, _)| p.text.len()).sum(),
            Prepared::Unchanged(_) | Prepared::Skipped(_) => 0,
        }
    }
}

/// What every reading thread needs.
struct Context<'a> {
    corpus: &'a Path,
    sources: &'a HashMap<String, SourceEntry>,
    options: &'a IngestOptions,
    config: SegmentConfig,
}

/// The live generation, when an ingest can reuse its passages: read through its index, one
/// unchanged document at a time.
struct Previous {
    passages: PassageStore,
    by_path: HashMap<String, DocumentInfo>,
}

impl Previous {
    fn open(corpus: &Path, index_dir: &Path, sources_sha: &str) -> Option<Previous> {
        let (index, fields, manifest) = index::open(index_dir).ok()?;
        let passages = PassageStore::new(&index, fields).ok()?;
        // titles, languages and URLs come from sources.json: when it changed, re-do everything
        if manifest.corpus_root != corpus || manifest.sources_sha256 != sources_sha {
            return None;
        }
        let by_path = manifest
            .documents
            .into_iter()
            .map(|d| (d.rel_path.clone(), d))
            .collect();
        Some(Previous { passages, by_path })
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
    let files = plan(&corpus, files);
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
    let mut taken: HashSet<String> = HashSet::new();
    let mut skipped = folder_problems;
    let mut warnings: Vec<Skipped> = sources_problem.into_iter().collect();
    let (mut passages_total, mut pages_total, mut reused) = (0, 0, 0);
    let cx = Context {
        corpus: &corpus,
        sources: &sources,
        options,
        config: SegmentConfig::default(),
    };

    // pdf-extract panics on some odd files; those panics are caught per file and per page and
    // reported, so keep the default hook from printing backtraces meanwhile.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        tracing::debug!("caught parser panic: {info}")
    }));

    progress.start(files.len());
    let jobs = options.jobs.max(1);
    let next = AtomicUsize::new(0);
    let turns = Turns::default();
    // bounded: when the index writer falls behind, the reading threads wait to hand over
    let (tx, rx) = mpsc::sync_channel::<(usize, Prepared)>(jobs);
    let outcome = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, turns, files, cx) = (&next, &turns, &files, &cx);
            let by_path = previous.as_ref().map(|p| &p.by_path);
            scope.spawn(move || {
                let _stop_on_panic = StopOnPanic(turns);
                lower_priority();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= files.len() || !turns.wait_for(i) {
                        break;
                    }
                    let prepared = prepare(&files[i], cx, by_path);
                    if tx.send((i, prepared)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let _stop_on_panic = StopOnPanic(&turns);
        // index in file order whatever order the threads finish in (see `Turns`)
        let mut ready: BTreeMap<usize, Prepared> = BTreeMap::new();
        let mut want = 0;
        let mut waiting_bytes = 0;
        for (i, prepared) in rx {
            waiting_bytes += prepared.text_bytes();
            ready.insert(i, prepared);
            turns.update(want, waiting_bytes);
            while let Some(prepared) = ready.remove(&want) {
                waiting_bytes -= prepared.text_bytes();
                let file = &files[want];
                want += 1;
                turns.update(want, waiting_bytes);
                progress.file_started(&file.shown);
                // an unchanged file that cannot be copied is extracted after all
                let prepared = match prepared {
                    Prepared::Unchanged(info)
                        if !copy_unchanged(&info, previous.as_ref(), &mut writer, &taken)
                            .map_err(fatal(&turns))? =>
                    {
                        prepare(file, &cx, None)
                    }
                    other => other,
                };
                let result = match prepared {
                    Prepared::Skipped(reason) => Err(reason),
                    Prepared::Unchanged(info) => {
                        reused += 1;
                        Ok(add_document(info, &mut documents, &mut taken))
                    }
                    Prepared::Ready(ReadyFile {
                        info,
                        passages,
                        warnings: file_warnings,
                    }) => {
                        warnings.extend(file_warnings.into_iter().map(|reason| Skipped {
                            path: file.shown.clone(),
                            reason,
                        }));
                        for (passage, figures) in passages {
                            writer.add(&passage, figures).map_err(fatal(&turns))?;
                        }
                        Ok(add_document(info, &mut documents, &mut taken))
                    }
                };
                let outcome = match result {
                    Ok((passages, pages)) => {
                        passages_total += passages;
                        pages_total += pages;
                        FileOutcome::Indexed { passages, pages }
                    }
                    Err(reason) => {
                        skipped.push(Skipped {
                            path: file.shown.clone(),
                            reason: reason.clone(),
                        });
                        FileOutcome::Skipped { reason }
                    }
                };
                progress.file_done(&file.shown, &outcome);
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

/// Records an indexed document. Returns its (passages, pages).
fn add_document(
    info: DocumentInfo,
    documents: &mut Vec<DocumentInfo>,
    taken: &mut HashSet<String>,
) -> (usize, u32) {
    let counts = (info.passages as usize, info.pages);
    taken.insert(info.id.clone());
    documents.push(info);
    counts
}

/// An index write failed: stop the reading threads and end the ingest.
fn fatal(turns: &Turns) -> impl Fn(Error) -> Error + '_ {
    move |e| {
        turns.stop();
        e
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Reads one file, extracts its text and cuts it into passages, or finds it unchanged, or
/// says why it is skipped. Runs on the reading threads; touches no index.
fn prepare(
    file: &Planned,
    cx: &Context,
    previous: Option<&HashMap<String, DocumentInfo>>,
) -> Prepared {
    match read_and_extract(file, cx, previous) {
        Ok(prepared) => prepared,
        Err(reason) => Prepared::Skipped(reason),
    }
}

fn read_and_extract(
    file: &Planned,
    cx: &Context,
    previous: Option<&HashMap<String, DocumentInfo>>,
) -> std::result::Result<Prepared, String> {
    let (path, corpus, options) = (&file.path, cx.corpus, cx.options);
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
    if let Some(info) = previous.and_then(|p| p.get(&file.rel_str)) {
        // the passage ids start with the document id: copied passages must keep theirs
        if info.sha256 == sha && info.id == file.doc_id {
            return Ok(Prepared::Unchanged(info.clone()));
        }
    }
    let (doc, extractor) =
        extract::extract_with(path, &bytes, &options.pdf).map_err(|e| match e {
            Error::Extract { reason, .. } => reason,
            other => other.to_string(),
        })?;
    drop(bytes);
    Ok(Prepared::Ready(cut_into_passages(
        Extraction {
            doc,
            extractor,
            sha,
            size,
        },
        file,
        cx,
    )))
}

/// Copies an unchanged document's passages from the previous generation. `false` when its
/// id is already taken in this generation (then it must be extracted afresh).
fn copy_unchanged(
    info: &DocumentInfo,
    previous: Option<&Previous>,
    writer: &mut GenerationWriter,
    taken: &HashSet<String>,
) -> Result<bool> {
    let Some(previous) = previous else {
        return Ok(false);
    };
    if taken.contains(&info.id) {
        return Ok(false);
    }
    for passage in previous.passages.document_passages(&info.id)? {
        let figures = crate::figures::extract_for_index(&passage);
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

/// Cuts one extracted file into passages and finds their figures.
fn cut_into_passages(extraction: Extraction, file: &Planned, cx: &Context) -> ReadyFile {
    let Extraction {
        doc: mut extracted,
        extractor,
        sha,
        size,
    } = extraction;
    let source = cx.sources.get(&file.rel_str);
    let doc_id = &file.doc_id;
    let doc_lang = source
        .and_then(|s| s.language.as_deref())
        .and_then(Lang::parse)
        .or(extracted.lang)
        .or_else(|| lang::detect_document(extracted.pages.iter().map(|p| p.text.as_str())))
        .unwrap_or(Lang::Fr);
    let title = source
        .and_then(|s| s.title.clone())
        .or_else(|| extracted.title.clone())
        .unwrap_or_else(|| {
            file.rel
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| doc_id.clone())
        });
    let url = source
        .and_then(|s| s.url.clone())
        .or_else(|| extracted.url.clone());
    let kind = extracted.kind;
    let pages = page_count(&extracted);
    let empty_pages = extract::quality::empty_pages(&extracted);
    let warnings = std::mem::take(&mut extracted.warnings);
    let segments = segment(&extracted, &cx.config);
    drop(extracted);
    let passages: Vec<(Passage, Vec<FigureEntry>)> = segments
        .into_iter()
        .enumerate()
        .map(|(ordinal, seg)| {
            let passage = Passage {
                id: passage_id(doc_id, &sha, seg.page, seg.char_start, seg.char_end),
                ordinal: ordinal as u32,
                lang: lang::passage_lang(&seg.text, doc_lang),
                text: seg.text,
                source: SourceRef {
                    doc_id: doc_id.clone(),
                    title: title.clone(),
                    path: file.shown.clone(),
                    url: url.clone(),
                    kind,
                    page_start: seg.page,
                    page_end: seg.page,
                    section: seg.section,
                    char_start: seg.char_start,
                    char_end: seg.char_end,
                },
                annotates: seg.annotates,
            };
            let figures = crate::figures::extract_for_index(&passage);
            (passage, figures)
        })
        .collect();
    ReadyFile {
        info: DocumentInfo {
            id: doc_id.clone(),
            title,
            kind,
            lang: doc_lang,
            pages,
            passages: passages.len() as u32,
            url,
            path: file.shown.clone(),
            rel_path: file.rel_str.clone(),
            sha256: sha,
            bytes: size,
            extractor: extractor.to_string(),
            empty_pages,
        },
        passages,
        warnings,
    }
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
    fn colliding_slugs_get_the_extension_then_a_number_in_file_order() {
        let rels: Vec<PathBuf> = [
            "Bilan.pdf",
            "bilan-pdf.txt",
            "bilan.md",
            "bilan.pdf",
            "sub/x.md",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(
            doc_ids(&rels),
            ["bilan", "bilan-pdf", "bilan-md", "bilan-2", "sub-x"]
        );
    }

    /// Writes a corpus whose files take different times to read, so that threads finish out of
    /// order, with colliding slugs and figures.
    fn mixed_corpus(dir: &Path) {
        for i in 0..24 {
            let body = format!(
                "# Rapport {i}\n\n{}\n\nLe budget {i} est de {} millions d'euros, soit {i} %.\n",
                "Une phrase sur la recherche et les étudiants. ".repeat(40 * (i % 5) + 3),
                i * 13
            );
            let ext = ["md", "txt"][i % 2];
            fs::write(dir.join(format!("doc-{:02}.{ext}", i / 2)), body).expect("write");
        }
    }

    #[test]
    fn the_index_does_not_depend_on_the_number_of_threads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let corpus = dir.path().join("corpus");
        fs::create_dir_all(&corpus).expect("mkdir");
        mixed_corpus(&corpus);
        let build = |jobs: usize| {
            let index = dir.path().join(format!("index-{jobs}"));
            let options = IngestOptions {
                jobs,
                ..IngestOptions::default()
            };
            let report = ingest_with(&corpus, &index, &options, &Quiet).expect("ingest");
            let manifest = index::read_manifest(&index).expect("manifest");
            // every figure stated beside `budget`, in corpus order
            let store = crate::figures::Figures::open(&report.generation).expect("figures");
            let (_, _, found) = store
                .lookup(&crate::figures::FigureQuery {
                    q: Some("budget".into()),
                    limit: crate::figures::MAX_LIMIT,
                    ..crate::figures::FigureQuery::default()
                })
                .expect("figure look-up");
            assert!(!found.is_empty(), "no figures");
            let figures = serde_json::to_string(&found).expect("json");
            let documents = serde_json::to_string(&manifest.documents).expect("json");
            (report.passages, documents, figures)
        };
        let one = build(1);
        assert!(one.0 > 24, "{} passages", one.0);
        assert_eq!(one, build(4));
    }

    #[test]
    fn passage_ids_are_stable_and_distinct() {
        let a = passage_id("d", "abc", 1, 0, 10);
        assert_eq!(a, passage_id("d", "abc", 1, 0, 10));
        assert_ne!(a, passage_id("d", "abd", 1, 0, 10));
        assert!(a.starts_with("d-p1-"));
    }
}
