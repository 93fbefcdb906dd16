//! A French thesaurus in MyThes format (LibreOffice's, Debian package `mythes-fr`), read when
//! installed, for questions worded otherwise than the documents (`évaluer` for `mesurer`,
//! `dessein` for `objectif`). Entries are keyed by the French Snowball stem of the headword
//! with its accents (see [`key`]), so an inflected query word (`évaluera`, `remanié`) finds its
//! lemma's entry (`évaluer`, `remanier`), and hold the index forms (folded, stemmed) of its
//! single-word synonyms, in the thesaurus's order (its first senses first).
//!
//! MyThes `.dat` format: the first line names the encoding (`UTF-8`, `ISO8859-1`); then each
//! entry is a line `headword|N` followed by N lines `(category)|synonym|synonym|…`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::TextAnalyzer;

use super::{analyze, is_stop_word, Analyzer, NumberMode};
use crate::error::{Error, Result};

/// Where Debian installs LibreOffice's French thesaurus.
pub const DEBIAN_FR: &str = "/usr/share/mythes/th_fr_FR_v2.dat";

/// Headwords' lookup keys (see [`key`]) → the index forms of their synonyms.
#[derive(Debug, Default, Clone)]
pub struct Thesaurus {
    related: HashMap<String, Vec<String>>,
    source: Option<PathBuf>,
}

/// The text of a `.dat` file in the encoding its first line names.
fn decode(bytes: &[u8]) -> String {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let latin1 = String::from_utf8_lossy(first_line)
        .trim()
        .to_ascii_uppercase()
        .starts_with("ISO8859-1");
    if latin1 {
        bytes.iter().map(|b| char::from(*b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The key a word is looked up by: its French Snowball stem, lower-cased but with its
/// accents. Snowball reads accents: folded first, the participle `remanié` becomes `remanie`
/// and stems to `reman`, apart from its infinitive `remanier` (`remani`); with its accent it
/// stems to `remani` too.
pub fn key(word: &str) -> String {
    Stemmer::create(Algorithm::French)
        .stem(&word.to_lowercase())
        .into_owned()
}

/// One word's index form (folded, French stem), when it is a single content word.
fn stem_of(analyzer: &mut TextAnalyzer, word: &str) -> Option<String> {
    let mut tokens = analyze(analyzer, word).into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(t), None) if !is_stop_word(&t.text) => Some(t.text),
        _ => None,
    }
}

impl Thesaurus {
    /// The thesaurus to use: the `.dat` file `SOURCIER_THESAURUS` names (`off` for none), else
    /// LibreOffice's French thesaurus where Debian installs it; none when it is missing.
    /// `known`: see [`Thesaurus::load`].
    pub fn from_environment(known: impl Fn(&str) -> bool) -> Thesaurus {
        let Some(path) = super::resource_path("SOURCIER_THESAURUS", Some(DEBIAN_FR)) else {
            return Thesaurus::default();
        };
        match Thesaurus::load(&path, known) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("thesaurus not used: {e}");
                Thesaurus::default()
            }
        }
    }

    /// Reads a MyThes `.dat` file, keeping the synonyms whose stem `known` accepts (those the
    /// index holds: the others could never match, and the whole thesaurus is large).
    pub fn load(path: &Path, known: impl Fn(&str) -> bool) -> Result<Thesaurus> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = decode(&bytes);
        let mut analyzer = Analyzer::French.build(NumberMode::Query);
        // Words recur under many headwords: each is stemmed and checked once.
        let mut stems: HashMap<&str, Option<String>> = HashMap::new();
        let mut known_stems: HashMap<String, bool> = HashMap::new();
        let mut related: HashMap<String, Vec<String>> = HashMap::new();
        let mut lines = text.lines().skip(1);
        while let Some(line) = lines.next() {
            let Some((headword, count)) = line.split_once('|') else {
                continue;
            };
            let count: usize = count.trim().parse().unwrap_or(0);
            let mut found: Vec<String> = Vec::new();
            for sense in lines.by_ref().take(count) {
                // `(Nom)|a|b|c`: the first field is the category
                for word in sense.split('|').skip(1).map(str::trim) {
                    if word.is_empty() || word.contains(' ') {
                        continue;
                    }
                    let stem = stems
                        .entry(word)
                        .or_insert_with(|| stem_of(&mut analyzer, word));
                    let Some(stem) = stem else { continue };
                    let is_known = *known_stems
                        .entry(stem.clone())
                        .or_insert_with(|| known(stem));
                    if is_known && !found.contains(stem) {
                        found.push(stem.clone());
                    }
                }
            }
            if found.is_empty() {
                continue;
            }
            let headword = headword.trim();
            if headword.is_empty() || headword.contains(' ') {
                continue;
            }
            // its own index form is no synonym of it
            let own = stems
                .entry(headword)
                .or_insert_with(|| stem_of(&mut analyzer, headword))
                .clone();
            let list = related.entry(key(headword)).or_default();
            for s in found {
                if Some(&s) != own.as_ref() && !list.contains(&s) {
                    list.push(s);
                }
            }
        }
        related.retain(|_, v| !v.is_empty());
        Ok(Thesaurus {
            related,
            source: Some(path.to_path_buf()),
        })
    }

    /// The index forms of the synonyms of a word, as typed (any case, accents kept).
    pub fn related(&self, word: &str) -> &[String] {
        self.related.get(&key(word)).map_or(&[], |v| v.as_slice())
    }

    /// Headwords kept (0 when no thesaurus is in use).
    pub fn len(&self) -> usize {
        self.related.len()
    }

    pub fn is_empty(&self) -> bool {
        self.related.is_empty()
    }

    /// The `.dat` file read, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}

/// The thesaurus, read the first time a query needs it: reading it takes a few hundred
/// milliseconds, which a keyword search, an ingest or a one-off command should not pay.
pub struct LazyThesaurus {
    cell: OnceLock<Thesaurus>,
    load: Box<dyn Fn() -> Thesaurus + Send + Sync>,
}

impl LazyThesaurus {
    pub fn new(load: impl Fn() -> Thesaurus + Send + Sync + 'static) -> LazyThesaurus {
        LazyThesaurus {
            cell: OnceLock::new(),
            load: Box::new(load),
        }
    }

    /// The thesaurus, read now if it was not yet.
    pub fn get(&self) -> &Thesaurus {
        self.cell.get_or_init(|| {
            let thesaurus = (self.load)();
            if let Some(source) = thesaurus.source() {
                tracing::info!(file = %source.display(), headwords = thesaurus.len(), "thesaurus");
            }
            thesaurus
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write thesaurus");
        path
    }

    #[test]
    fn reads_mythes_entries_by_stem_keeping_known_single_words() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dat = "UTF-8\nmodifier|2\n(Verbe)|changer|réviser|mettre à jour\n(Verbe)|altérer\n\
                   dessein|1\n(Nom)|objectif|but\nrare|1\n(Adjectif)|inconnu\n";
        let path = write(dir.path(), "th.dat", dat.as_bytes());
        let known = ["chang", "revis", "object"];
        let t = Thesaurus::load(&path, |s| known.contains(&s)).expect("load");
        // an inflected word finds its lemma's entry through the stem; unknown synonyms and
        // multi-word ones are left out; an entry with nothing known is dropped
        assert_eq!(t.related("modifié"), ["chang", "revis"]);
        assert_eq!(t.related("Modifiera"), ["chang", "revis"]);
        assert_eq!(t.related("desseins"), ["object"]);
        assert!(t.related("rare").is_empty());
        assert_eq!(t.len(), 2);
        assert_eq!(t.source(), Some(path.as_path()));
    }

    #[test]
    fn reads_a_latin1_thesaurus() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dat = b"ISO8859-1\n\xe9valuer|1\n(Verbe)|mesurer|estimer\n";
        let path = write(dir.path(), "th.dat", dat);
        let t = Thesaurus::load(&path, |_| true).expect("load");
        assert_eq!(t.related("évaluera"), ["mesur", "estim"]);
    }

    #[test]
    fn is_read_once_and_only_when_asked() {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        let lazy = LazyThesaurus::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Thesaurus::default()
        });
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(lazy.get().is_empty());
        assert!(lazy.get().is_empty());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
