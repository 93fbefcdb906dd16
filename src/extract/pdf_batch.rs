//! Groups a PDF's pages into runs that pdf-extract reads in one pass, so that each run builds
//! its fonts once instead of once per page.
//!
//! pdf-extract caches the fonts of one call by resource name and empties the cache at every
//! page, because a name is only unique within a page's resources. Building a font (parsing its
//! ToUnicode map or its Type 1 program) is most of its work on a typical report or manual. A run
//! of consecutive pages whose resource names stand for the same font objects can share that
//! cache safely: the run is drawn on one synthetic page added to the document, each page as a
//! form XObject with the page's own content and resources. pdf-extract draws a form as it draws
//! a page (a fresh graphics state, the form's resources; it ignores a form's matrix), so every
//! glyph comes out as it would from the page alone. After each form, the synthetic page fills a
//! path no real page draws; the glyphs between two such marks are one page's. A run whose pass
//! fails or panics, or does not show every mark, is read again page by page, so a bad page is
//! reported exactly as it was.

use std::collections::{BTreeMap, HashSet};

use pdf_extract::{Dictionary, Document, Object, ObjectId, PathOp, Stream};

/// A run of pages read in one pass, or a single page read alone.
pub(super) struct Run {
    /// Position of the run's first page in the page list.
    pub first: usize,
    /// Each page's height (media box `ury - lly`), to place its glyphs as pdf-extract would.
    pub heights: Vec<f64>,
    /// The synthetic page that draws the run, for a run of two pages or more (none when the
    /// page tree could not take it: the pages are then read one by one).
    pub page: Option<u32>,
}

impl Run {
    pub fn len(&self) -> usize {
        self.heights.len()
    }
}

/// The path filled after each page of a run: a segment no document draws, with coordinates
/// exactly representable as the `f32` lopdf parses them into.
const MARK: [(f32, f32); 2] = [(-7777.5, 3333.25), (-3333.25, 7777.5)];

/// Whether a filled path is the mark between two pages of a run.
pub(super) fn is_mark(ops: &[PathOp]) -> bool {
    matches!(
        ops,
        [PathOp::MoveTo(x0, y0), PathOp::LineTo(x1, y1)]
            if (*x0, *y0, *x1, *y1)
                == (
                    f64::from(MARK[0].0),
                    f64::from(MARK[0].1),
                    f64::from(MARK[1].0),
                    f64::from(MARK[1].1),
                )
    )
}

/// Plans the runs of `numbers` (pages as `get_pages` numbers them), at most `longest` pages
/// each, and adds a synthetic page to `doc` for each run of two pages or more. Every page is in
/// exactly one run, in order. When the page tree cannot take the synthetic pages, the runs have
/// none, and their pages are read one by one.
pub(super) fn plan(doc: &mut Document, numbers: &[u32], longest: usize) -> Vec<Run> {
    let pages = doc.get_pages();
    let mut facts: Vec<Option<PageFacts>> = numbers
        .iter()
        .map(|number| pages.get(number).and_then(|&id| page_facts(doc, id)))
        .collect();
    let mut runs = Vec::new();
    let mut synthetic = Vec::new();
    for (first, len) in group(&facts, longest) {
        let run = &mut facts[first..first + len];
        if len > 1 {
            // a run of two or more holds only pages with facts
            let forms: Vec<(ObjectId, Object)> = run
                .iter_mut()
                .flatten()
                .map(|f| (f.id, std::mem::replace(&mut f.resources, Object::Null)))
                .collect();
            synthetic.push((runs.len(), add_run_page(doc, forms)));
        }
        runs.push(Run {
            first,
            heights: run
                .iter()
                .map(|f| f.as_ref().map_or(0.0, |f| f.height))
                .collect(),
            page: None,
        });
    }
    let ids: Vec<ObjectId> = synthetic.iter().map(|&(_, id)| id).collect();
    if ids.is_empty() || !attach(doc, &ids) {
        return runs;
    }
    // The synthetic pages come after every real page, which keep their numbers.
    let after = doc.get_pages();
    if numbers.iter().any(|n| after.get(n) != pages.get(n)) {
        return runs;
    }
    let number_of: BTreeMap<ObjectId, u32> = after.iter().map(|(&n, &id)| (id, n)).collect();
    for (run, id) in synthetic {
        runs[run].page = number_of.get(&id).copied();
    }
    runs
}

/// What decides whether a page can share a run, and what its form needs.
struct PageFacts {
    id: ObjectId,
    height: f64,
    /// The page's resources as pdf-extract resolves them (inherited), ready to put in a form.
    resources: Object,
    /// Every font resource name the page and its forms use, with the font object it stands for.
    fonts: Vec<(Vec<u8>, ObjectId)>,
}

/// Consecutive pages, up to `longest`, whose font names agree; a page without facts is alone.
fn group(facts: &[Option<PageFacts>], longest: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut names: BTreeMap<&[u8], ObjectId> = BTreeMap::new();
    for (i, page) in facts.iter().enumerate() {
        let Some(page) = page else {
            if i > start {
                groups.push((start, i - start));
            }
            groups.push((i, 1));
            start = i + 1;
            names.clear();
            continue;
        };
        let agrees = page
            .fonts
            .iter()
            .all(|(name, id)| names.get(name.as_slice()).is_none_or(|seen| seen == id));
        if i > start && (i - start >= longest || !agrees) {
            groups.push((start, i - start));
            start = i;
            names.clear();
        }
        for (name, id) in &page.fonts {
            names.insert(name, *id);
        }
    }
    if start < facts.len() {
        groups.push((start, facts.len() - start));
    }
    groups
}

/// The facts of page `id`, or `None` when reading it alone might fail where a run would not
/// (or the reverse): a missing or malformed media box or art box, unresolvable resources, fonts
/// given inline, or one name standing for two fonts.
fn page_facts(doc: &Document, id: ObjectId) -> Option<PageFacts> {
    let page = doc.get_dictionary(id).ok()?;
    let media_box = inherited(doc, page, b"MediaBox", |_, value| numbers(value))??;
    if media_box.len() < 4 {
        return None;
    }
    if let Ok(art_box) = page.get(b"ArtBox") {
        // pdf-extract reads four numbers from an art box that is an array
        if numbers(deref(doc, art_box)?)?.is_some_and(|b| b.len() < 4) {
            return None;
        }
    }
    let resources = inherited(doc, page, b"Resources", |raw, value| {
        Some(value.as_dict().ok().map(|dict| (raw, dict)))
    })?;
    let mut fonts = Vec::new();
    let resources = match resources {
        Some((raw, dict)) => {
            let mut seen = HashSet::new();
            collect_fonts(doc, dict, &mut fonts, &mut seen, 0)?;
            match raw {
                // shared, not copied
                Object::Reference(r) => Object::Reference(*r),
                _ => Object::Dictionary(dict.clone()),
            }
        }
        None => Object::Dictionary(Dictionary::new()),
    };
    let mut names: BTreeMap<&[u8], ObjectId> = BTreeMap::new();
    for (name, font) in &fonts {
        if *names.entry(name).or_insert(*font) != *font {
            return None;
        }
    }
    Some(PageFacts {
        id,
        height: media_box[3] - media_box[1],
        resources,
        fonts,
    })
}

/// pdf-extract's lookup of an inherited key: the page's value, else its parent's, and so on.
/// `read` gets the raw and the resolved value and gives `None` where pdf-extract would panic,
/// `Some(None)` where it looks further up. The outer `None` also covers a dangling reference
/// and a cycle; `Some(None)` is no value anywhere.
fn inherited<'a, T>(
    doc: &'a Document,
    mut node: &'a Dictionary,
    key: &[u8],
    read: impl Fn(&'a Object, &'a Object) -> Option<Option<T>>,
) -> Option<Option<T>> {
    for _ in 0..MAX_DEPTH {
        if let Ok(raw) = node.get(key) {
            if let Some(found) = read(raw, deref(doc, raw)?)? {
                return Some(Some(found));
            }
        }
        let up = node
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id));
        match up {
            Ok(up) => node = up,
            Err(_) => return Some(None),
        }
    }
    None
}

/// How deep page trees, resource inheritance and nested forms are followed.
const MAX_DEPTH: usize = 32;

/// An array of numbers as pdf-extract reads one: `Some(None)` when the value is not an array,
/// `None` when an element is not a number (pdf-extract panics there).
fn numbers(object: &Object) -> Option<Option<Vec<f64>>> {
    let Ok(array) = object.as_array() else {
        return Some(None);
    };
    array
        .iter()
        .map(|o| match o {
            Object::Integer(i) => Some(*i as f64),
            Object::Real(r) => Some(f64::from(*r)),
            _ => None,
        })
        .collect::<Option<Vec<f64>>>()
        .map(Some)
}

/// A value with one reference followed, or `None` if the reference leads nowhere (pdf-extract
/// panics there).
fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// The fonts named in `resources` and in the resources of the forms they draw, recursively.
/// `None` when a font is given inline (it cannot be told apart from another page's).
fn collect_fonts(
    doc: &Document,
    resources: &Dictionary,
    fonts: &mut Vec<(Vec<u8>, ObjectId)>,
    seen: &mut HashSet<ObjectId>,
    depth: usize,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Ok(value) = resources.get(b"Font") {
        if let Ok(dict) = deref(doc, value)?.as_dict() {
            for (name, font) in dict.iter() {
                fonts.push((name.clone(), font.as_reference().ok()?));
            }
        }
    }
    let Ok(value) = resources.get(b"XObject") else {
        return Some(());
    };
    let Ok(xobjects) = deref(doc, value)?.as_dict() else {
        return Some(());
    };
    for (_, xobject) in xobjects.iter() {
        let Ok(id) = xobject.as_reference() else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        let Ok(Object::Stream(form)) = doc.get_object(id) else {
            continue;
        };
        if let Ok(value) = form.dict.get(b"Resources") {
            if let Ok(inner) = deref(doc, value)?.as_dict() {
                collect_fonts(doc, inner, fonts, seen, depth + 1)?;
            }
        }
    }
    Some(())
}

/// Adds the synthetic page that draws `pages` (each with its resources) one after another, a
/// mark after each; returns its id. The page is not yet in the page tree.
fn add_run_page(doc: &mut Document, pages: Vec<(ObjectId, Object)>) -> ObjectId {
    let mut xobjects = Dictionary::new();
    let mut content = Vec::new();
    for (i, (page, resources)) in pages.into_iter().enumerate() {
        // exactly the bytes pdf-extract reads for the page itself
        let page_content = doc.get_page_content(page).unwrap_or_default();
        let mut form = Dictionary::new();
        form.set("Type", Object::Name(b"XObject".to_vec()));
        form.set("Subtype", Object::Name(b"Form".to_vec()));
        form.set("Resources", resources);
        let form = doc.add_object(Stream::new(form, page_content).with_compression(false));
        let name = format!("SourcierPage{i}");
        xobjects.set(name.as_bytes(), Object::Reference(form));
        content.extend_from_slice(
            format!(
                "/{name} Do {} {} m {} {} l f\n",
                MARK[0].0, MARK[0].1, MARK[1].0, MARK[1].1
            )
            .as_bytes(),
        );
    }
    let contents = doc.add_object(Stream::new(Dictionary::new(), content).with_compression(false));
    let mut resources = Dictionary::new();
    resources.set("XObject", Object::Dictionary(xobjects));
    let mut page = Dictionary::new();
    page.set("Type", Object::Name(b"Page".to_vec()));
    page.set(
        "MediaBox",
        Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
    );
    page.set("Resources", Object::Dictionary(resources));
    page.set("Contents", Object::Reference(contents));
    doc.add_object(Object::Dictionary(page))
}

/// Puts the synthetic pages in a page-tree node of their own, last among the root's kids.
fn attach(doc: &mut Document, pages: &[ObjectId]) -> bool {
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").and_then(Object::as_reference).ok())
    else {
        return false;
    };
    let mut node = Dictionary::new();
    node.set("Type", Object::Name(b"Pages".to_vec()));
    node.set(
        "Kids",
        Object::Array(pages.iter().map(|&id| Object::Reference(id)).collect()),
    );
    node.set("Count", Object::Integer(pages.len() as i64));
    node.set("Parent", Object::Reference(root));
    let node = doc.add_object(Object::Dictionary(node));
    for &page in pages {
        if let Ok(dict) = doc.get_dictionary_mut(page) {
            dict.set("Parent", Object::Reference(node));
        }
    }
    let kids = match doc.get_dictionary(root).and_then(|d| d.get(b"Kids")) {
        Ok(Object::Reference(id)) => Some(*id),
        Ok(Object::Array(_)) => None,
        _ => return false,
    };
    let array = match kids {
        Some(id) => doc.get_object_mut(id).and_then(Object::as_array_mut),
        None => doc
            .get_dictionary_mut(root)
            .and_then(|d| d.get_mut(b"Kids"))
            .and_then(Object::as_array_mut),
    };
    match array {
        Ok(array) => {
            array.push(Object::Reference(node));
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_recognised_only_as_written() {
        let mark = [
            PathOp::MoveTo(-7777.5, 3333.25),
            PathOp::LineTo(-3333.25, 7777.5),
        ];
        assert!(is_mark(&mark));
        assert!(!is_mark(&mark[..1]));
        assert!(!is_mark(&[
            PathOp::MoveTo(-7777.5, 3333.25),
            PathOp::LineTo(-3333.25, 7777.0),
        ]));
    }

    fn facts(fonts: &[(&str, u32)]) -> Option<PageFacts> {
        Some(PageFacts {
            id: (1, 0),
            height: 842.0,
            resources: Object::Null,
            fonts: fonts
                .iter()
                .map(|(n, id)| (n.as_bytes().to_vec(), (*id, 0)))
                .collect(),
        })
    }

    #[test]
    fn runs_break_where_a_name_changes_font_at_the_size_limit_and_around_odd_pages() {
        let pages = vec![
            facts(&[("F1", 10), ("F2", 11)]),
            facts(&[("F1", 10)]),
            facts(&[("F2", 11), ("F3", 12)]),
            facts(&[("F1", 20)]), // F1 is another font here
            None,
            facts(&[("F1", 20)]),
            facts(&[]),
            facts(&[]),
        ];
        assert_eq!(group(&pages, 16), vec![(0, 3), (3, 1), (4, 1), (5, 3)]);
        assert_eq!(
            group(&pages, 2),
            vec![(0, 2), (2, 2), (4, 1), (5, 2), (7, 1)]
        );
        assert_eq!(group(&pages[..0], 4), vec![]);
    }
}
