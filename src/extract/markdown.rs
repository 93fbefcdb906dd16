//! Markdown → one page of text with pulldown-cmark: headings become sections, a first line
//! `# Title: …` is the document title, links keep their text, code and HTML are dropped.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::normalize::clean_text;
use super::text::decode_utf8_or_latin1;
use super::{BlockKind, Extracted, PageText};
use crate::model::DocKind;

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    let source = decode_utf8_or_latin1(bytes);
    let mut title = None;
    let mut body = source.as_str();
    if let Some(first) = source.lines().next() {
        if let Some(t) = first.trim().strip_prefix("# Title:") {
            title = Some(clean_text(t)).filter(|t| !t.is_empty());
            body = &source[first.len()..];
        }
    }
    let mut page = PageText::new(1);
    let mut buffer = String::new();
    let mut first_heading: Option<String> = None;
    let mut in_code = false;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading { .. })
            | Event::Start(Tag::Paragraph)
            | Event::Start(Tag::Item)
            | Event::Start(Tag::TableCell) => flush(&mut page, &mut buffer, BlockKind::Paragraph),
            Event::End(TagEnd::Heading(level)) => {
                let text = clean_text(&buffer);
                if first_heading.is_none() && !text.is_empty() {
                    first_heading = Some(text.clone());
                }
                buffer.clear();
                page.push(BlockKind::Heading(level as u8), &text);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow) => {
                flush(&mut page, &mut buffer, BlockKind::Paragraph)
            }
            Event::End(TagEnd::TableCell) => buffer.push(' '),
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if !in_code => buffer.push_str(&t),
            Event::Code(t) => buffer.push_str(&t),
            Event::SoftBreak | Event::HardBreak => buffer.push(' '),
            _ => {}
        }
    }
    flush(&mut page, &mut buffer, BlockKind::Paragraph);
    Ok(Extracted {
        kind: DocKind::Markdown,
        title: title.or(first_heading),
        lang: None,
        url: None,
        pages: vec![page],
        warnings: Vec::new(),
    })
}

fn flush(page: &mut PageText, buffer: &mut String, kind: BlockKind) {
    let text = clean_text(buffer);
    buffer.clear();
    page.push(kind, &text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_line_headings_and_links() {
        let doc = extract(b"# Title: Mon titre\n\n# Partie\n\nUn [lien](http://x) ici\net l\xc3\xa0.\n\n- point\n")
            .expect("markdown");
        assert_eq!(doc.title.as_deref(), Some("Mon titre"));
        let page = &doc.pages[0];
        assert_eq!(page.text, "Partie\n\nUn lien ici et là.\n\npoint");
        assert_eq!(page.blocks[0].kind, BlockKind::Heading(1));
    }
}
