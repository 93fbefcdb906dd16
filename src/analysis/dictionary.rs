//! An English → French bilingual dictionary in dictd format (FreeDict's `eng-fra`, Debian
//! package `dict-freedict-eng-fra`), read when installed, for English questions about French
//! text beyond what `synonyms.txt` covers. Translations are looked up by the English Snowball
//! stem of the word typed (`salaries` finds `salary`), and the query weighs them below the
//! words typed and below the synonyms.
//!
//! dictd format: `NAME.index` holds one line per headword, `headword TAB offset TAB length`,
//! offset and length in base 64 (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`), pointing into
//! `NAME.dict` (or `NAME.dict.dz`, gzip-compressed). A FreeDict entry is the headword and its
//! pronunciation on the first line, then one line per sense (`1. a, b, c`) or a single line of
//! comma-separated translations.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use tantivy::tokenizer::Language;

use super::{analyze, word_stemmer};
use crate::error::{Error, Result};

/// Where Debian installs FreeDict's English–French dictionary.
pub const DEBIAN_ENG_FRA: &str = "/usr/share/dictd/freedict-eng-fra.index";

/// Translations kept per headword: the first senses are the common ones.
const MAX_TRANSLATIONS: usize = 6;

/// English word stems → French single-word translations (as written, accents kept).
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    translations: HashMap<String, Vec<String>>,
    source: Option<PathBuf>,
}

/// The value of a dictd base-64 number.
fn base64_number(text: &str) -> Option<usize> {
    text.bytes().try_fold(0usize, |n, b| {
        let digit = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        n.checked_mul(64)?.checked_add(usize::from(digit))
    })
}

/// The single-word translations of an entry, in order, without duplicates.
fn entry_translations(entry: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // The first line is the headword and its pronunciation.
    for line in entry.lines().skip(1) {
        let line = line.trim();
        // `1. a, b` → `a, b`
        let senses = match line.split_once(". ") {
            Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => line,
        };
        for t in senses.split([',', ';']) {
            let t = t.trim();
            let one_word = !t.is_empty()
                && t.chars().all(|c| c.is_alphabetic() || c == '-')
                && t.chars().count() >= 3;
            if one_word && !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
    }
    out.truncate(MAX_TRANSLATIONS);
    out
}

impl Dictionary {
    /// The dictionary to use: the dictd `.index` file `SOURCIER_DICTIONARY` names (`off` for
    /// none); else FreeDict's English–French where Debian installs it, but only for a corpus
    /// without its own synonyms file. On the default corpus, whose `synonyms.txt` was written
    /// for its English questions, the dictionary measured worse (crosslingual MRR@10 0.778 →
    /// 0.738); without that file it lifts crosslingual from 0.440 to 0.60.
    pub fn from_environment(corpus_has_synonyms: bool) -> Dictionary {
        let default = (!corpus_has_synonyms).then_some(DEBIAN_ENG_FRA);
        let Some(path) = super::resource_path("SOURCIER_DICTIONARY", default) else {
            return Dictionary::default();
        };
        match Dictionary::load(&path) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("bilingual dictionary not used: {e}");
                Dictionary::default()
            }
        }
    }

    /// Reads a dictd dictionary from its `.index` file and the `.dict` or `.dict.dz` beside it.
    pub fn load(index_path: &Path) -> Result<Dictionary> {
        let index = std::fs::read_to_string(index_path).map_err(|e| Error::io(index_path, e))?;
        let stem = index_path.with_extension("");
        let plain = stem.with_extension("dict");
        let packed = stem.with_extension("dict.dz");
        let data = if plain.exists() {
            std::fs::read(&plain).map_err(|e| Error::io(&plain, e))?
        } else {
            let file = std::fs::File::open(&packed).map_err(|e| Error::io(&packed, e))?;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(file)
                .read_to_end(&mut out)
                .map_err(|e| Error::io(&packed, e))?;
            out
        };
        let mut english = word_stemmer(Language::English);
        let mut translations: HashMap<String, Vec<String>> = HashMap::new();
        for line in index.lines() {
            let mut parts = line.split('\t');
            let (Some(head), Some(offset), Some(length)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            // dictd's own entries (`00-database-info`…) and multi-word headwords are skipped.
            if head.starts_with("00") || head.contains(' ') {
                continue;
            }
            let (Some(from), Some(len)) = (base64_number(offset), base64_number(length)) else {
                continue;
            };
            let Some(bytes) = from.checked_add(len).and_then(|to| data.get(from..to)) else {
                continue;
            };
            let entry = String::from_utf8_lossy(bytes);
            let found = entry_translations(&entry);
            if found.is_empty() {
                continue;
            }
            let Some(key) = analyze(&mut english, &head.to_lowercase())
                .into_iter()
                .next()
                .map(|t| t.text)
            else {
                continue;
            };
            let list = translations.entry(key).or_default();
            for t in found {
                if !list.contains(&t) {
                    list.push(t);
                }
            }
        }
        Ok(Dictionary {
            translations,
            source: Some(index_path.to_path_buf()),
        })
    }

    /// French translations of an English word, by its English stem.
    pub fn translate(&self, english_stem: &str) -> &[String] {
        self.translations
            .get(english_stem)
            .map_or(&[], |v| v.as_slice())
    }

    /// Headwords read (0 when no dictionary is in use).
    pub fn len(&self) -> usize {
        self.translations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.translations.is_empty()
    }

    /// The `.index` file read, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_numbers_follow_dictd() {
        assert_eq!(base64_number("A"), Some(0));
        assert_eq!(base64_number("a"), Some(26));
        assert_eq!(base64_number("BA"), Some(64));
        assert_eq!(base64_number("nT4"), Some(39 * 4096 + 19 * 64 + 56));
        assert_eq!(base64_number("*"), None);
    }

    #[test]
    fn entries_give_their_single_word_translations_in_order() {
        let entry = "share /ʃɛər/\n1. action\n2. débiter, diviser, partager\n3. part, partie\n\
                     4. participer, prendre part\n";
        assert_eq!(
            entry_translations(entry),
            ["action", "débiter", "diviser", "partager", "part", "partie"]
        );
        assert_eq!(
            entry_translations("salary /sæləriː/\nappointements, gaine, salaire\n"),
            ["appointements", "gaine", "salaire"]
        );
    }

    #[test]
    fn reads_a_dictd_dictionary_and_looks_words_up_by_stem() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dict = "salary /s/\nappointements, salaire\nwage /w/\n1. salaire\n2. gage\n";
        std::fs::write(dir.path().join("test.dict"), dict).expect("write dict");
        let salary_len = "salary /s/\nappointements, salaire\n".len();
        let wage_len = dict.len() - salary_len;
        let b64 = |mut n: usize| {
            const DIGITS: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut s = Vec::new();
            loop {
                s.push(DIGITS[n % 64]);
                n /= 64;
                if n == 0 {
                    break;
                }
            }
            s.reverse();
            String::from_utf8(s).expect("ascii")
        };
        let index = format!(
            "00-database-info\tA\tB\nsalary\tA\t{}\nwage\t{}\t{}\n",
            b64(salary_len),
            b64(salary_len),
            b64(wage_len)
        );
        let index_path = dir.path().join("test.index");
        std::fs::write(&index_path, index).expect("write index");
        let d = Dictionary::load(&index_path).expect("load");
        assert_eq!(d.len(), 2);
        assert_eq!(d.translate("salari"), ["appointements", "salaire"]);
        assert_eq!(d.translate("wage"), ["salaire", "gage"]);
        assert!(d.translate("missing").is_empty());
    }
}
