//! Passages already read and tokenised, kept for the next requests that show them: the same
//! passages answer many queries, and reading one from the store and tokenising it cost a fifth
//! of a search (`docs/query-speed.md`). Bounded in bytes; keyed by segment and document, so an
//! entry never outlives the segment it was read from.

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Searcher};

use super::highlight::{Highlighter, PassageTokens};
use crate::model::Passage;

/// A passage read from the index, with its tokens (and its section heading's, tokenised
/// when first asked for).
pub struct Fetched {
    pub passage: Passage,
    pub tokens: PassageTokens,
    heading: OnceLock<PassageTokens>,
}

impl Fetched {
    pub fn new(passage: Passage, highlighter: &mut Highlighter) -> Fetched {
        let tokens = highlighter.analyze(&passage.text);
        Fetched {
            passage,
            tokens,
            heading: OnceLock::new(),
        }
    }

    /// The tokens of the passage's section heading (none without one).
    pub fn heading(&self, highlighter: &mut Highlighter) -> &PassageTokens {
        self.heading.get_or_init(|| {
            highlighter.analyze(self.passage.source.section.as_deref().unwrap_or_default())
        })
    }

    /// About the memory this holds, in bytes (the heading left out: a few words).
    fn heap_bytes(&self) -> usize {
        let p = &self.passage;
        let s = &p.source;
        std::mem::size_of::<Fetched>()
            + p.id.capacity()
            + p.text.capacity()
            + p.annotates.iter().map(String::capacity).sum::<usize>()
            + s.doc_id.capacity()
            + s.title.capacity()
            + s.path.capacity()
            + s.url.as_ref().map_or(0, String::capacity)
            + s.section.as_ref().map_or(0, String::capacity)
            + self.tokens.heap_bytes()
    }
}

/// Where a passage is: its segment (unique to the index generation that wrote it) and its
/// number in the segment.
type Key = (SegmentId, DocId);

/// The two halves of the cache: entries go into `young`; when it holds half the budget, it
/// becomes `old` and the previous `old` is dropped. An entry found in `old` moves back to
/// `young`, so passages in use stay and the others age out, in about a least-recently-used
/// order without a list to maintain.
#[derive(Default)]
struct Halves {
    young: HashMap<Key, Arc<Fetched>>,
    old: HashMap<Key, Arc<Fetched>>,
    young_bytes: usize,
}

/// Fetched passages shared by every request on one opened index.
pub struct PassageCache {
    halves: Mutex<Halves>,
    /// The most both halves hold together, in bytes.
    budget: usize,
}

/// The default budget: 32 MB, all the passages of the default corpus many times over, and about
/// ten thousand passages (a thousand pages of ten) of a larger index.
pub const DEFAULT_BUDGET: usize = 32 << 20;

impl Default for PassageCache {
    fn default() -> Self {
        PassageCache::new(DEFAULT_BUDGET)
    }
}

impl PassageCache {
    pub fn new(budget: usize) -> PassageCache {
        PassageCache {
            halves: Mutex::new(Halves::default()),
            budget,
        }
    }

    fn key(searcher: &Searcher, address: DocAddress) -> Key {
        let segment = searcher.segment_reader(address.segment_ord).segment_id();
        (segment, address.doc_id)
    }

    /// The passage at `address`, when kept.
    pub fn get(&self, searcher: &Searcher, address: DocAddress) -> Option<Arc<Fetched>> {
        let key = PassageCache::key(searcher, address);
        let mut halves = self.halves.lock().unwrap_or_else(|p| p.into_inner());
        halves.get(key, self.budget)
    }

    /// Keeps `fetched`, read at `address`.
    pub fn insert(&self, searcher: &Searcher, address: DocAddress, fetched: Arc<Fetched>) {
        let key = PassageCache::key(searcher, address);
        let mut halves = self.halves.lock().unwrap_or_else(|p| p.into_inner());
        halves.insert(key, fetched, self.budget);
    }

    /// Entries kept and their bytes (for tests).
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        let halves = self.halves.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = halves
            .young
            .values()
            .chain(halves.old.values())
            .map(|f| f.heap_bytes())
            .sum();
        (halves.young.len() + halves.old.len(), bytes)
    }
}

impl Halves {
    /// The entry at `key`; one found in `old` moves back to `young`.
    fn get(&mut self, key: Key, budget: usize) -> Option<Arc<Fetched>> {
        if let Some(kept) = self.young.get(&key) {
            return Some(kept.clone());
        }
        let kept = self.old.remove(&key)?;
        self.insert(key, kept.clone(), budget);
        Some(kept)
    }

    fn insert(&mut self, key: Key, fetched: Arc<Fetched>, budget: usize) {
        let bytes = fetched.heap_bytes();
        if bytes > budget / 2 {
            return;
        }
        if self.young_bytes + bytes > budget / 2 {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
        if self.young.insert(key, fetched).is_none() {
            self.young_bytes += bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocKind, Lang, SourceRef};

    fn passage(text: &str) -> Passage {
        Passage {
            id: "p".into(),
            ordinal: 0,
            text: text.into(),
            lang: Lang::Fr,
            source: SourceRef {
                doc_id: "d".into(),
                title: "t".into(),
                path: "corpus/d.md".into(),
                url: None,
                kind: DocKind::Markdown,
                page_start: 1,
                page_end: 1,
                section: Some("Les écoles".into()),
                char_start: 0,
                char_end: text.len(),
            },
            annotates: Vec::new(),
        }
    }

    /// The halves without a searcher: keys made up.
    fn key(n: u32) -> Key {
        (SegmentId::generate_random(), n)
    }

    #[test]
    fn stays_within_its_budget_and_keeps_what_is_used() {
        let mut highlighter = Highlighter::default();
        let fetched = Arc::new(Fetched::new(
            passage(&"des écoles partenaires ".repeat(40)),
            &mut highlighter,
        ));
        let one = fetched.heap_bytes();
        let budget = one * 10;
        let cache = PassageCache::new(budget);
        let used = key(0);
        {
            let mut halves = cache.halves.lock().unwrap_or_else(|p| p.into_inner());
            for n in 1..100 {
                halves.insert(key(n), fetched.clone(), budget);
                // the one in use is asked for again and again: it moves back to `young`
                if halves.get(used, budget).is_none() {
                    halves.insert(used, fetched.clone(), budget);
                }
            }
            assert!(halves.young.contains_key(&used) || halves.old.contains_key(&used));
        }
        let (entries, bytes) = cache.usage();
        assert!(bytes <= budget, "{bytes} bytes kept, budget {budget}");
        assert!(entries >= 5, "only {entries} entries kept");
    }

    #[test]
    fn a_passage_larger_than_half_the_budget_is_not_kept() {
        let mut highlighter = Highlighter::default();
        let fetched = Arc::new(Fetched::new(passage("un texte"), &mut highlighter));
        let mut halves = Halves::default();
        halves.insert(key(1), fetched.clone(), fetched.heap_bytes());
        assert!(halves.young.is_empty());
        halves.insert(key(1), fetched.clone(), 2 * fetched.heap_bytes());
        assert_eq!(halves.young.len(), 1);
    }

    #[test]
    fn the_heading_is_tokenised_once_from_the_section() {
        let mut highlighter = Highlighter::default();
        let fetched = Fetched::new(passage("texte"), &mut highlighter);
        let heading = fetched.heading(&mut highlighter);
        assert!(heading.heap_bytes() > 0);
        assert!(std::ptr::eq(heading, fetched.heading(&mut highlighter)));
    }
}
