//! Helpers: paths, running the binary, one shared index of the default corpus, one shared
//! server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus() -> PathBuf {
    root().join("corpus")
}

/// `../shared/seeds`, the reference text of each corpus file.
pub fn seeds() -> PathBuf {
    root().join("..").join("shared").join("seeds")
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sourcier"))
}

/// Runs the binary; panics with its output if it cannot start.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the sourcier binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An index of the default corpus, built once by `sourcier ingest` for the whole test run.
pub fn shared_index() -> &'static Path {
    static INDEX: OnceLock<tempfile::TempDir> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let corpus = corpus();
            let out = run(&[
                "ingest",
                "--corpus",
                corpus.to_str().expect("utf-8 path"),
                "--index",
                dir.path().to_str().expect("utf-8 path"),
            ]);
            assert!(out.status.success(), "ingest failed: {}", stderr(&out));
            dir
        })
        .path()
}

/// Base URL of a real HTTP server over the shared index, started once on 127.0.0.1:0.
pub fn server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| serve_shared_index(sourcier::http::ServeOptions::default()))
}

/// Starts a real HTTP server over the shared index with `options`, on 127.0.0.1:0, in this
/// process; returns its base URL.
pub fn serve_shared_index(options: sourcier::http::ServeOptions) -> String {
    let engine = Arc::new(sourcier::search::Engine::open(shared_index()).expect("index opens"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime
            .block_on(sourcier::http::serve_with(
                engine,
                "127.0.0.1:0".parse().expect("addr"),
                options,
                move |addr| {
                    let _ = tx.send(addr);
                },
            ))
            .expect("server runs");
    });
    let addr = rx.recv().expect("server reports its address");
    format!("http://{addr}")
}

/// An HTTP client that returns 4xx/5xx responses instead of errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET `path` with query parameters; returns (status, JSON body).
pub fn get_json(path: &str, params: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let mut request = agent().get(format!("{}{path}", server()));
    for (k, v) in params {
        request = request.query(*k, *v);
    }
    let mut response = request.call().expect("request completes");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.body_mut().read_json().expect("JSON body");
    (status, body)
}

/// `/api/search` hits for a query.
pub fn search(q: &str) -> Vec<serde_json::Value> {
    let (status, body) = get_json("/api/search", &[("q", q)]);
    assert_eq!(status, 200, "{body}");
    body["hits"].as_array().cloned().unwrap_or_default()
}

/// `GET /api/search`'s first hit for `q`; fails the test when there is none.
pub fn first_hit(q: &str) -> serde_json::Value {
    search(q).into_iter().next().expect("a hit")
}

/// The text of `GET /api/search`'s first hit for `q` (empty when nothing is found).
pub fn first_hit_text(q: &str) -> String {
    search(q)
        .first()
        .and_then(|h| h["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A small valid PDF, one page per string, text set in Helvetica; an empty string makes a page
/// with no text at all (as a scanned page without OCR looks to a text extractor).
pub fn make_pdf(pages: &[&str]) -> Vec<u8> {
    let n = pages.len();
    // objects: 1 catalog, 2 page tree, 3 font, then a page and its content per page
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    for (i, text) in pages.iter().enumerate() {
        let content = if text.is_empty() {
            String::new()
        } else {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            format!("BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET")
        };
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// `sourcier ingest --json` on a folder; returns (exit status success, report JSON, stderr).
pub fn ingest_json(
    corpus: &Path,
    index: &Path,
    extra: &[&str],
) -> (bool, serde_json::Value, String) {
    let mut args = vec![
        "ingest",
        "--json",
        "--corpus",
        corpus.to_str().expect("utf-8 path"),
        "--index",
        index.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.success(), report, stderr(&out))
}

/// A `sourcier serve` child process; killed when dropped.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub url: String,
}

impl ServeProcess {
    /// Starts `sourcier serve --addr 127.0.0.1:0 ARGS…` with `envs`, and waits for its URL.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> ServeProcess {
        use std::io::{BufRead, BufReader};
        let mut command = bin();
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
        // keep draining stdout so the server never blocks on a full pipe
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        ServeProcess { child, url }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET a full URL; returns (status, JSON body or Null).
pub fn get_url(url: &str) -> (u16, serde_json::Value) {
    let mut response = agent().get(url).call().expect("request completes");
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_json()
        .unwrap_or(serde_json::Value::Null);
    (status, body)
}
