//! Prepares a parsed PDF once, so that pdf-extract's per-page work is cheap.
//!
//! pdf-extract builds each font again on every page that uses it: its font cache is keyed by
//! resource name, which is only unique within a page, so it is cleared page by page. Building a
//! font inflates its embedded program and its ToUnicode map and, for a Type 1 font, parses the
//! program to find its built-in encoding. It also inflates a colour profile each time a colour
//! space is set, and a form each time it is drawn. On a 100-page report set in a few fonts,
//! that is the same few streams inflated and parsed hundreds of times: most of the extraction.
//!
//! Here, before any page is read, each of those streams is inflated once, and a Type 1 program
//! is replaced by the encoding pdf-extract reads from it: written in the same syntax and read
//! back with the same parser to check that it gives the same map, or left empty when every font
//! that uses the program names its own encoding (pdf-extract then ignores the built-in one).
//! ToUnicode maps are rewritten compactly under the same check. A page's fonts are then built
//! from small, uncompressed data, and the text is unchanged. Images are emptied: pdf-extract
//! finds no text in them. Page contents are left alone: each is read once, and inflating them
//! all up front would only hold more memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

/// Inflates the streams pdf-extract reads on every page and shrinks Type 1 programs to their
/// encodings (see the module documentation). A stream that cannot be inflated or checked is
/// left as it was.
pub fn prepare(doc: &mut Document) {
    let mut found = Found::default();
    for (&id, object) in &doc.objects {
        if let Object::Stream(stream) = object {
            match stream.dict.get(b"Subtype").and_then(Object::as_name).ok() {
                Some(b"Form") => {
                    found.shared.insert(id);
                }
                Some(b"Image") => found.images.push(id),
                _ => {}
            }
        }
        found.visit(doc, object, 0);
    }
    for id in found.images {
        if let Ok(Object::Stream(image)) = doc.get_object_mut(id) {
            image.set_plain_content(Vec::new());
        }
    }
    // A stream that makes lopdf or a parser panic is left as it was: pdf-extract then meets it
    // on the pages that use it, where a failure costs only those pages.
    for id in found.shared {
        guarded(|| {
            inflated(doc, id);
        });
    }
    for id in found.to_unicode {
        guarded(|| {
            if let Some(stream) = inflated(doc, id) {
                if let Some(compact) = checked_rewrite(&stream.content, unicode_map, cmap_program) {
                    stream.set_content(compact);
                }
            }
        });
    }
    for (id, builtin_encoding_used) in found.type1_programs {
        guarded(|| {
            let Some(stream) = inflated(doc, id) else {
                return;
            };
            // Only a program pdf-extract can read is replaced: one it cannot keeps failing on
            // the pages that use it, as before.
            let program = if builtin_encoding_used {
                checked_rewrite(&stream.content, type1_encoding, encoding_program)
            } else {
                type1_encoding(&stream.content).map(|_| encoding_program(&HashMap::new()))
            };
            if let Some(program) = program {
                stream.set_content(program);
            }
        });
    }
}

/// Runs one stream's preparation, ignoring a panic (see `prepare`).
fn guarded(prepare_one: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(prepare_one));
}

/// The streams worth preparing, found by walking each object's dictionaries and arrays.
#[derive(Default)]
struct Found {
    /// Streams read again on each page or each use: font data, colour profiles, forms.
    shared: BTreeSet<ObjectId>,
    /// Type 1 programs → whether some font that uses one has no encoding of its own.
    type1_programs: BTreeMap<ObjectId, bool>,
    /// ToUnicode maps, rewritten compactly once inflated.
    to_unicode: BTreeSet<ObjectId>,
    /// Images: no text for pdf-extract, which would inflate each one it draws and read it as
    /// page content. They are emptied.
    images: Vec<ObjectId>,
}

/// How deep direct (not referenced) dictionaries and arrays are followed; real files nest a
/// few levels (a page's resources, its colour spaces), a hostile one could nest thousands.
const MAX_DEPTH: usize = 16;

impl Found {
    fn visit(&mut self, doc: &Document, object: &Object, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match object {
            Object::Array(items) => {
                if let [Object::Name(name), Object::Reference(profile), ..] = items.as_slice() {
                    if name == b"ICCBased" {
                        self.shared.insert(*profile);
                    }
                }
                for item in items {
                    self.visit(doc, item, depth + 1);
                }
            }
            Object::Dictionary(dict) => self.visit_dict(doc, dict, depth),
            Object::Stream(stream) => self.visit_dict(doc, &stream.dict, depth),
            _ => {}
        }
    }

    fn visit_dict(&mut self, doc: &Document, dict: &Dictionary, depth: usize) {
        for key in [&b"FontFile2"[..], b"FontFile3", b"Encoding"] {
            if let Ok(Object::Reference(id)) = dict.get(key) {
                self.shared.insert(*id);
            }
        }
        if let Ok(Object::Reference(id)) = dict.get(b"ToUnicode") {
            self.to_unicode.insert(*id);
        }
        if let Some(program) = type1_program(doc, dict) {
            let builtin = dict.get(b"Encoding").is_err();
            *self.type1_programs.entry(program).or_default() |= builtin;
        }
        for (_, value) in dict.iter() {
            self.visit(doc, value, depth + 1);
        }
    }
}

/// The Type 1 program (`/FontFile`) of a Type 1 font dictionary.
fn type1_program(doc: &Document, font: &Dictionary) -> Option<ObjectId> {
    if font.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Type1") {
        return None;
    }
    let descriptor = match font.get(b"FontDescriptor").ok()? {
        Object::Reference(id) => doc.get_object(*id).ok()?.as_dict().ok()?,
        Object::Dictionary(dict) => dict,
        _ => return None,
    };
    match descriptor.get(b"FontFile").ok()? {
        Object::Reference(id) => Some(*id),
        _ => None,
    }
}

/// The stream `id`, inflated in place; `None` if it is not a stream or does not inflate.
fn inflated(doc: &mut Document, id: ObjectId) -> Option<&mut Stream> {
    let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
        return None;
    };
    (!stream.is_compressed() || stream.decompress().is_ok()).then_some(stream)
}

/// `write` of what `read` finds in `content`, when it is shorter and `read` finds the same in
/// it; `None` otherwise.
fn checked_rewrite<M: PartialEq>(
    content: &[u8],
    read: impl Fn(&[u8]) -> Option<M>,
    write: impl Fn(&M) -> Vec<u8>,
) -> Option<Vec<u8>> {
    let original = read(content)?;
    let rewritten = write(&original);
    (rewritten.len() < content.len() && read(&rewritten).as_ref() == Some(&original))
        .then_some(rewritten)
}

/// The map pdf-extract reads from a ToUnicode stream (its parser panics on some: `prepare`
/// guards each stream).
fn unicode_map(cmap: &[u8]) -> Option<HashMap<u32, Vec<u8>>> {
    adobe_cmap_parser::get_unicode_map(cmap).ok()
}

/// A CMap fragment that maps exactly `map`: `bfrange` for runs of consecutive codes whose
/// characters are consecutive single UTF-16 units, `bfchar` for the rest, every code and
/// character as a literal string.
fn cmap_program(map: &HashMap<u32, Vec<u8>>) -> Vec<u8> {
    let mut entries: Vec<(u32, &Vec<u8>)> = map.iter().map(|(&code, v)| (code, v)).collect();
    entries.sort_unstable();
    let unit =
        |value: &[u8]| -> Option<u16> { <[u8; 2]>::try_from(value).ok().map(u16::from_be_bytes) };
    let mut ranges: Vec<(u32, u32, u16)> = Vec::new();
    let mut chars: Vec<(u32, &[u8])> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let (code, value) = entries[i];
        let mut end = i;
        if let Some(first) = unit(value) {
            while let Some(&(next_code, next_value)) = entries.get(end + 1) {
                let offset = (end + 1 - i) as u32;
                let consecutive = next_code == code.wrapping_add(offset)
                    && u32::from(first) + offset <= u32::from(u16::MAX)
                    && unit(next_value) == Some(first.wrapping_add(offset as u16));
                if !consecutive {
                    break;
                }
                end += 1;
            }
            if end > i {
                ranges.push((code, entries[end].0, first));
                i = end + 1;
                continue;
            }
        }
        chars.push((code, value));
        i += 1;
    }
    let mut program = format!("{} beginbfrange\n", ranges.len()).into_bytes();
    for (low, high, first) in ranges {
        push_string(&mut program, &code_bytes(low));
        push_string(&mut program, &code_bytes(high));
        push_string(&mut program, &first.to_be_bytes());
        program.push(b'\n');
    }
    program.extend_from_slice(format!("endbfrange\n{} beginbfchar\n", chars.len()).as_bytes());
    for (code, value) in chars {
        push_string(&mut program, &code_bytes(code));
        push_string(&mut program, value);
        program.push(b'\n');
    }
    program.extend_from_slice(b"endbfchar\n");
    program
}

/// A character code as the parser reads it back: its big-endian bytes, at least one.
fn code_bytes(code: u32) -> Vec<u8> {
    let bytes = code.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    bytes[first..].to_vec()
}

/// Writes `bytes` as a literal string, `(…)` with octal escapes, followed by a space. The
/// parser reads `(A)` and `<41>` as the same string, and tries literal strings first.
fn push_string(program: &mut Vec<u8>, bytes: &[u8]) {
    program.push(b'(');
    for &byte in bytes {
        if byte.is_ascii_graphic() && !b"()\\".contains(&byte) {
            program.push(byte);
        } else {
            program.extend_from_slice(format!("\\{byte:03o}").as_bytes());
        }
    }
    program.extend_from_slice(b") ");
}

/// The encoding pdf-extract reads from a Type 1 program (its parser panics on some:
/// `prepare` guards each stream).
fn type1_encoding(program: &[u8]) -> Option<HashMap<u32, Vec<u8>>> {
    type1_encoding_parser::get_encoding_map(program).ok()
}

/// A Type 1 program fragment that defines only `encoding`: `/Encoding 256 array`, one
/// `code /name put` per entry (the `dup` of a real program is left out: the parser reads
/// only the code, the name and `put`), `readonly def`.
fn encoding_program(encoding: &HashMap<u32, Vec<u8>>) -> Vec<u8> {
    let mut entries: Vec<(&u32, &Vec<u8>)> = encoding.iter().collect();
    entries.sort_unstable();
    let mut program = b"/Encoding 256 array\n".to_vec();
    for (code, name) in entries {
        program.extend_from_slice(format!("{code} /").as_bytes());
        for &byte in name {
            if byte.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&byte) {
                program.push(byte);
            } else {
                program.extend_from_slice(format!("#{byte:02X}").as_bytes());
            }
        }
        program.extend_from_slice(b" put\n");
    }
    program.extend_from_slice(b"readonly def\n");
    program
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoding_program_reads_back_as_the_same_encoding() {
        let mut encoding = HashMap::new();
        encoding.insert(65, b"A".to_vec());
        encoding.insert(233, b"eacute".to_vec());
        encoding.insert(40, b"paren#left (odd)".to_vec());
        encoding.insert(0, vec![0x01, b'x']);
        let program = encoding_program(&encoding);
        assert_eq!(type1_encoding(&program), Some(encoding));
        assert_eq!(
            type1_encoding(&encoding_program(&HashMap::new())),
            Some(HashMap::new())
        );
    }

    #[test]
    fn a_compact_cmap_reads_back_as_the_same_map() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            1 begincodespacerange <00> <FF> endcodespacerange\n\
            2 beginbfrange <61> <63> <0061> <10> <11> [<0041> <00660066>] endbfrange\n\
            5 beginbfchar <20> <0020> <21> <0021> <22> <0022> <E9> <00E9> <01> <D835DC00>\n\
            endbfchar endcmap end end\n";
        let map = unicode_map(cmap).expect("a readable map");
        assert_eq!(map.len(), 10);
        let compact = cmap_program(&map);
        assert_eq!(unicode_map(&compact), Some(map));
        let text = String::from_utf8(compact).expect("ascii");
        assert!(text.starts_with("2 beginbfrange\n"), "{text}");
        assert!(text.contains("(a) (c) (\\000a) \n"), "{text}");
        assert!(text.contains("(\\020) (\\000A) \n"), "{text}");
    }

    #[test]
    fn the_encoding_is_read_from_the_clear_text_part_of_a_program() {
        let program = b"%!PS-AdobeFont-1.0: CMR10 003.002\n/FontName /CMR10 def\n\
            /Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n\
            dup 65 /A put\ndup 66 /B put\nreadonly def\ncurrentfile eexec\n";
        let encoding = type1_encoding(program).expect("a readable program");
        assert_eq!(encoding.get(&65), Some(&b"A".to_vec()));
        assert_eq!(encoding.get(&66), Some(&b"B".to_vec()));
        let shrunk = encoding_program(&encoding);
        assert_eq!(type1_encoding(&shrunk), Some(encoding));
    }
}
