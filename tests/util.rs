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
    URL.get_or_init(|| {
        let engine = Arc::new(sourcier::search::Engine::open(shared_index()).expect("index opens"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime
                .block_on(sourcier::http::serve(
                    engine,
                    "127.0.0.1:0".parse().expect("addr"),
                    move |addr| {
                        let _ = tx.send(addr);
                    },
                ))
                .expect("server runs");
        });
        let addr = rx.recv().expect("server reports its address");
        format!("http://{addr}")
    })
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
