//! The corpus folder as an ingest sees it: its files (walked without following folder links),
//! their fingerprint, the per-file metadata of `sources.json`, and the ids every document and
//! passage gets, decided from names and contents alone.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::index::{Skipped, FORMAT_VERSION};

/// Files in the corpus folder that describe the corpus rather than belong to it.
pub(super) const CORPUS_METADATA_FILES: &[&str] = &["sources.json", "synonyms.txt"];

/// Per-file metadata from `sources.json`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SourceEntry {
    pub(super) file: String,
    pub(super) title: Option<String>,
    pub(super) language: Option<String>,
    pub(super) url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SourcesFile {
    documents: Vec<SourceEntry>,
}

/// The corpus files, recursively, sorted, without hidden files and corpus metadata files.
pub fn corpus_files(corpus: &Path) -> Result<Vec<PathBuf>> {
    walk(corpus).map(|(files, _)| files)
}

/// The corpus files, and the subfolders that could not be listed (with the reason). Symbolic
/// links to folders are not followed (no loops); links to files are files.
pub(super) fn walk(corpus: &Path) -> Result<(Vec<PathBuf>, Vec<Skipped>)> {
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
pub(super) fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    text.to_lowercase()
}

/// A digest of what the index is built from: each file's name, size and modification time,
/// the corpus metadata and the index format. The index is stale when it changes. Like `make`
/// and rsync's quick check, it reads file metadata, not contents, so checking a large corpus
/// (at every `serve`, every `--watch` tick) costs a directory walk; an ingest then tells
/// changed content from a touched file by its SHA-256.
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
        if let Ok(meta) = fs::metadata(&path) {
            hasher.update(meta.len().to_le_bytes());
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            hasher.update(modified.to_le_bytes());
        }
    }
    Ok(hex(&hasher.finalize()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
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

/// The ids of the documents at `rels` (sorted paths inside the corpus), all different: a file
/// whose slug an earlier file already has gets its extension appended (`bilan.md` after
/// `bilan.pdf` → `bilan-md`), then a number. Decided from the names alone, before any file is
/// read, so that the reading threads can build passages (whose ids start with the document id)
/// and a file's id does not depend on which thread finishes first.
pub(super) fn doc_ids(rels: &[PathBuf]) -> Vec<String> {
    let mut taken = HashSet::with_capacity(rels.len());
    rels.iter()
        .map(|rel| {
            let slug = doc_id_for(rel);
            let mut id = slug.clone();
            if taken.contains(&id) {
                let ext: String = rel
                    .extension()
                    .map(|e| e.to_string_lossy())
                    .unwrap_or_default()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                if !ext.is_empty() {
                    id = format!("{slug}-{ext}");
                }
            }
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{slug}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            id
        })
        .collect()
}

/// A stable passage id: the document id, the page, and a digest of the file content and the
/// passage's place in it. Same file content → same ids, on every ingest.
pub(super) fn passage_id(
    doc_id: &str,
    file_sha: &str,
    page: u32,
    start: usize,
    end: usize,
) -> String {
    let digest = Sha256::digest(format!("{file_sha}:{page}:{start}:{end}").as_bytes());
    format!("{doc_id}-p{page}-{}", &hex(&digest)[..10])
}

pub(super) fn load_sources(corpus: &Path) -> (HashMap<String, SourceEntry>, Option<Skipped>) {
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
pub(super) fn display_path(corpus: &Path, rel: &Path) -> String {
    let root = corpus
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "corpus".into());
    format!("{root}/{}", rel.to_string_lossy().replace('\\', "/"))
}
