//! HTML → one page of text: the `<main>`/`<article>` content (the whole body otherwise) without
//! navigation, scripts or cookie banners; `h1`–`h6` become headings. Title, canonical URL and
//! language come from the head. The declared charset is respected.

use scraper::{ElementRef, Html, Node, Selector};

use super::normalize::clean_text;
use super::{BlockKind, Extracted, PageText};
use crate::model::{DocKind, Lang};

/// Elements whose content is never document text.
const DROPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "select", "svg", "iframe", "canvas", "head", "dialog",
];

/// `id`/`class` fragments that mark boilerplate (cookie banners, consent pop-ups, share bars).
const DROPPED_MARKERS: &[&str] = &[
    "cookie",
    "consent",
    "gdpr",
    "rgpd",
    "tarteaucitron",
    "didomi",
    "onetrust",
    "share-bar",
    "social-share",
    "breadcrumb",
    "skip-link",
];

/// Elements that end a paragraph (the text inside them forms its own block).
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "figure",
    "figcaption",
    "address",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "body",
    "details",
    "summary",
];

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    let source = decode(bytes);
    let html = Html::parse_document(&source);
    let title = select_text(&html, "title")
        .or_else(|| select_attr(&html, r#"meta[property="og:title"]"#, "content"))
        .or_else(|| select_text(&html, "h1"));
    let url = select_attr(&html, r#"link[rel="canonical"]"#, "href")
        .or_else(|| select_attr(&html, r#"meta[property="og:url"]"#, "content"));
    let lang = select_attr(&html, "html", "lang").and_then(|l| Lang::parse(&l));

    let root = ["main", "article", r#"[role="main"]"#, "body"]
        .iter()
        .find_map(|s| first(&html, s))
        .unwrap_or_else(|| html.root_element());
    let mut walker = Walker {
        page: PageText::new(1),
        buffer: String::new(),
    };
    walker.walk(root);
    walker.flush(BlockKind::Paragraph);
    Ok(Extracted {
        kind: DocKind::Html,
        title,
        lang,
        url,
        pages: vec![walker.page],
        warnings: Vec::new(),
    })
}

struct Walker {
    page: PageText,
    buffer: String,
}

impl Walker {
    fn flush(&mut self, kind: BlockKind) {
        let text = clean_text(&self.buffer);
        self.buffer.clear();
        self.page.push(kind, &text);
    }

    fn walk(&mut self, element: ElementRef<'_>) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.buffer.push_str(text),
                Node::Element(el) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = el.name();
                    if is_dropped(&child_el) {
                        continue;
                    }
                    if name == "br" {
                        self.buffer.push('\n');
                        continue;
                    }
                    if let Some(level) = heading_level(name) {
                        self.flush(BlockKind::Paragraph);
                        self.walk(child_el);
                        self.flush(BlockKind::Heading(level));
                    } else if BLOCK_ELEMENTS.contains(&name) {
                        self.flush(BlockKind::Paragraph);
                        self.walk(child_el);
                        self.flush(BlockKind::Paragraph);
                    } else {
                        // inline: `td` neighbours and `<a>` text must not glue to the words around
                        self.walk(child_el);
                    }
                }
                _ => {}
            }
        }
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn is_dropped(element: &ElementRef<'_>) -> bool {
    let el = element.value();
    if DROPPED_ELEMENTS.contains(&el.name()) || el.attr("hidden").is_some() {
        return true;
    }
    if el.attr("aria-hidden") == Some("true") {
        return true;
    }
    let marks = |v: &str| {
        let v = v.to_ascii_lowercase();
        DROPPED_MARKERS.iter().any(|m| v.contains(m))
    };
    el.attr("id").is_some_and(marks) || el.attr("class").is_some_and(marks)
}

fn first<'a>(html: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    html.select(&selector).next()
}

fn select_text(html: &Html, selector: &str) -> Option<String> {
    let text = clean_text(&first(html, selector)?.text().collect::<String>());
    (!text.is_empty()).then_some(text)
}

fn select_attr(html: &Html, selector: &str, attr: &str) -> Option<String> {
    let value = first(html, selector)?
        .value()
        .attr(attr)?
        .trim()
        .to_string();
    (!value.is_empty()).then_some(value)
}

/// Decodes with the charset the document declares (BOM, then `<meta charset>` or
/// `http-equiv` in the first 1 KiB), UTF-8 by default.
fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let label_after = |key: &str| {
        head.find(key).and_then(|i| {
            let rest = head[i + key.len()..].trim_start_matches(['"', '\'', ' ']);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            encoding_rs::Encoding::for_label(&rest.as_bytes()[..end])
        })
    };
    // `<meta charset>` / `http-equiv`, else the XML prolog of XHTML (`<?xml … encoding="…"?>`)
    let prolog = head.trim_start().starts_with("<?xml");
    let declared =
        label_after("charset=").or_else(|| prolog.then(|| label_after("encoding=")).flatten());
    let encoding = declared.unwrap_or(encoding_rs::UTF_8);
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors && declared.is_none() {
        return encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned();
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_main_drops_boilerplate() {
        let page = br##"<!doctype html><html lang="fr-FR"><head><title>Titre</title>
            <link rel="canonical" href="https://ex.fr/a"><script>var x = "secret";</script></head>
            <body><nav>Menu Accueil</nav><div class="cookie-banner">Acceptez les cookies</div>
            <main><h1>Grand titre</h1><p>Premier <a href="#">lien</a> paragraphe.</p>
            <ul><li>un</li><li>deux</li></ul><footer>pied</footer></main></body></html>"##;
        let doc = extract(page).expect("valid html");
        assert_eq!(doc.title.as_deref(), Some("Titre"));
        assert_eq!(doc.url.as_deref(), Some("https://ex.fr/a"));
        assert_eq!(doc.lang, Some(Lang::Fr));
        let page = &doc.pages[0];
        assert_eq!(
            page.text,
            "Grand titre\n\nPremier lien paragraphe.\n\nun\n\ndeux"
        );
        assert_eq!(page.blocks[0].kind, BlockKind::Heading(1));
        assert!(!page.text.contains("cookies") && !page.text.contains("secret"));
    }

    #[test]
    fn legacy_encodings_declared_in_the_prolog_or_guessed() {
        let mut xhtml =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<html><body><p>".to_vec();
        xhtml.extend_from_slice(b"d\xe9j\xe0 vu</p></body></html>");
        assert_eq!(extract(&xhtml).expect("valid").pages[0].text, "déjà vu");
        // undeclared, not UTF-8: Windows-1252 (a superset of Latin-1 with ’ and €)
        let mut bare = b"<html><body><p>".to_vec();
        bare.extend_from_slice(b"l\x92\xe9t\xe9 \x80 5</p></body></html>");
        assert_eq!(extract(&bare).expect("valid").pages[0].text, "l’été € 5");
    }

    #[test]
    fn respects_declared_charset() {
        let mut page = b"<html><head><meta charset=\"iso-8859-1\"></head><body><p>".to_vec();
        page.extend_from_slice(b"caf\xe9 cr\xe8me</p></body></html>");
        let doc = extract(&page).expect("valid html");
        assert_eq!(doc.pages[0].text, "café crème");
    }
}
