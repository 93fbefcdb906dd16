//! How a citation is named and linked, the same way everywhere a client is handed one
//! (`/api/context`, the MCP tools, the terminal): a title naming the document and the page
//! (`Contrat d’objectifs … · p. 19`) and an absolute URL that opens the source at that place —
//! the PDF served by Sourcier at `#page=N`, a web page at its original address. Absolute links
//! need the address clients reach the server at, [`Links`]'s base URL.

use crate::error::{Error, Result};
use crate::model::{DocKind, DocumentInfo, SourceRef};

/// The address clients reach Sourcier at, without a trailing slash: `http://127.0.0.1:8080`,
/// `https://search.example.org/sourcier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// A base URL as given by the user (`--public-url`): `http` or `https`, with a host.
    pub fn new(base_url: &str) -> Result<Links> {
        let base = base_url.trim().trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"));
        let host = rest.map(|r| r.split('/').next().unwrap_or_default());
        match host {
            Some(h) if !h.is_empty() && !h.contains(['?', '#', ' ']) => Ok(Links {
                base: base.to_string(),
            }),
            _ => Err(Error::bad_request(
                "bad_public_url",
                format!(
                    "the public URL must look like https://host[:port][/path], got {base_url:?}"
                ),
            )),
        }
    }

    /// The links of a server listening on `addr` and reached there directly.
    pub fn listening_on(addr: std::net::SocketAddr) -> Links {
        Links {
            base: format!("http://{addr}"),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The host (and port) of the base URL: `search.example.org`, `127.0.0.1:8080`.
    pub fn host(&self) -> &str {
        let rest = self.base.split_once("://").map_or("", |(_, rest)| rest);
        rest.split('/').next().unwrap_or_default()
    }

    /// The original file as Sourcier serves it. Document ids are lowercase ASCII slugs
    /// (`ingest::corpus::doc_id_for`), safe in a URL path as they are.
    pub fn file_url(&self, doc_id: &str) -> String {
        format!("{}/api/documents/{doc_id}/file", self.base)
    }

    /// Where a passage is read in its source: a PDF at its first page (`#page=N`, which PDF
    /// viewers open at), a web page at its original URL when known, else the served file.
    pub fn source_url(&self, source: &SourceRef) -> String {
        match (source.kind, &source.url) {
            (DocKind::Pdf, _) => format!(
                "{}#page={}",
                self.file_url(&source.doc_id),
                source.page_start
            ),
            (_, Some(url)) => url.clone(),
            (_, None) => self.file_url(&source.doc_id),
        }
    }

    /// Where a whole document is read: its original URL for a web page, else the served file.
    pub fn document_url(&self, doc: &DocumentInfo) -> String {
        match (doc.kind, &doc.url) {
            (DocKind::Pdf, _) | (_, None) => self.file_url(&doc.id),
            (_, Some(url)) => url.clone(),
        }
    }
}

/// `p. 19` or `pp. 19-20`.
pub fn pages(source: &SourceRef) -> String {
    if source.page_start == source.page_end {
        format!("p. {}", source.page_start)
    } else {
        format!("pp. {}-{}", source.page_start, source.page_end)
    }
}

/// The document and the place: `Contrat d’objectifs … · p. 19` for a PDF; a web page, which
/// has no pages, is named by its title alone.
pub fn title(source: &SourceRef) -> String {
    match source.kind {
        DocKind::Pdf => format!("{} · {}", source.title, pages(source)),
        _ => source.title.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: DocKind, url: Option<&str>) -> SourceRef {
        SourceRef {
            doc_id: "cop-imt".into(),
            title: "Contrat".into(),
            path: "corpus/cop-imt.pdf".into(),
            url: url.map(str::to_string),
            kind,
            page_start: 19,
            page_end: 19,
            section: None,
            char_start: 0,
            char_end: 10,
        }
    }

    #[test]
    fn a_pdf_opens_at_its_page_and_a_web_page_at_its_address() {
        let links = Links::new("https://search.example.org/").expect("valid");
        assert_eq!(
            links.source_url(&source(DocKind::Pdf, Some("https://x.org/a.pdf"))),
            "https://search.example.org/api/documents/cop-imt/file#page=19"
        );
        assert_eq!(
            links.source_url(&source(DocKind::Html, Some("https://x.org/a"))),
            "https://x.org/a"
        );
        assert_eq!(
            links.source_url(&source(DocKind::Markdown, None)),
            "https://search.example.org/api/documents/cop-imt/file"
        );
        assert_eq!(title(&source(DocKind::Pdf, None)), "Contrat · p. 19");
        assert_eq!(title(&source(DocKind::Html, None)), "Contrat");
        assert_eq!(links.host(), "search.example.org");
    }

    #[test]
    fn a_public_url_needs_a_scheme_and_a_host() {
        for bad in ["search.example.org", "ftp://x", "https://", "http://a b"] {
            assert!(Links::new(bad).is_err(), "{bad}");
        }
        let links = Links::new("http://10.0.0.2:9000/sourcier").expect("valid");
        assert_eq!(links.host(), "10.0.0.2:9000");
        assert_eq!(links.base(), "http://10.0.0.2:9000/sourcier");
    }
}
