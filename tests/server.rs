//! The server under stress and abuse, end to end through real `sourcier serve` processes:
//! limits, load shedding, re-index without restart, loopback by default, graceful shutdown,
//! escaping, and the OpenAPI description checked against real responses.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;

use crate::util::{agent, get_json, get_url, ingest_json, run, server, stderr, ServeProcess};

fn serve_folder(docs: &Path, index: &Path, extra: &[&str], envs: &[(&str, &str)]) -> ServeProcess {
    let mut args = vec![
        "--corpus",
        docs.to_str().expect("utf-8"),
        "--index",
        index.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    ServeProcess::start(&args, envs)
}

fn search_url(base: &str, q: &str) -> (u16, Value) {
    let mut response = agent()
        .get(format!("{base}/api/search"))
        .query("q", q)
        .call()
        .expect("request completes");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    )
}

/// A server with the admin API on (`token`) over a folder holding one Markdown note.
fn admin_server(dir: &Path, file: &str, word: &str, token: &str) -> (PathBuf, ServeProcess) {
    let docs = dir.join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::write(docs.join(file), format!("# Note\n\nLe mot {word}.\n")).expect("write");
    let server = serve_folder(
        &docs,
        &dir.join("index"),
        &[],
        &[("SOURCIER_ADMIN_TOKEN", token)],
    );
    (docs, server)
}

/// `POST /api/admin/reindex`, with `Authorization: Bearer token` when given.
fn post_reindex(base: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = agent().post(format!("{base}/api/admin/reindex"));
    if let Some(t) = token {
        request = request.header("Authorization", &format!("Bearer {t}"));
    }
    let mut response = request.send_empty().expect("request completes");
    let status = response.status().as_u16();
    (
        status,
        response
            .body_mut()
            .read_json::<Value>()
            .unwrap_or(Value::Null),
    )
}

fn first_doc(body: &Value) -> Option<&str> {
    body["hits"][0]["source"]["doc_id"].as_str()
}

/// Passages are kept read and tokenised between searches; after a re-index the same file's
/// first passage has the same place in the new generation's only segment, and must show its
/// new text and highlight, not the old generation's.
#[test]
fn a_reindexed_passage_is_not_served_from_the_old_generation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (docs, server) = admin_server(dir.path(), "a.md", "kumquat rouge", "tok-9");
    let hit = |body: &Value| body["hits"][0]["highlight"].as_str().map(str::to_string);
    let before = hit(&search_url(&server.url, "kumquat").1).expect("a hit");
    assert!(before.contains("rouge"), "{before}");
    assert_eq!(hit(&search_url(&server.url, "kumquat").1), Some(before));

    fs::write(docs.join("a.md"), "# Note\n\nLe mot kumquat vert.\n").expect("write");
    assert_eq!(post_reindex(&server.url, Some("tok-9")).0, 200);
    let after = hit(&search_url(&server.url, "kumquat").1).expect("a hit");
    assert!(
        after.contains("<mark>kumquat</mark> vert") && !after.contains("rouge"),
        "{after}"
    );
}

/// `POST /api/admin/reindex` with the start-up token re-ingests and switches generations while
/// searches keep succeeding; without the token it is refused; without a token set, it is off.
#[test]
fn reindex_switches_generations_without_restart_or_failed_requests() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (docs, server) = admin_server(dir.path(), "a.md", "kumquat", "tok-123");
    assert_eq!(first_doc(&search_url(&server.url, "kumquat").1), Some("a"));

    fs::write(docs.join("b.md"), "# B\n\nLe mot litchi.\n").expect("write");
    let post = |token: Option<&str>| post_reindex(&server.url, token);
    assert_eq!(post(None).0, 401);
    assert_eq!(post(Some("wrong")).0, 401);

    // searches run all through the re-index; none may fail
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let hammer = {
        let (url, stop, failures, done) = (
            server.url.clone(),
            stop.clone(),
            failures.clone(),
            done.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if search_url(&url, "kumquat").0 != 200 {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let (status, report) = post(Some("tok-123"));
    stop.store(true, Ordering::SeqCst);
    let _ = hammer.join();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["files_reused"], 1, "{report}");
    assert_eq!(report["files_indexed"], 2);
    assert_eq!(failures.load(Ordering::SeqCst), 0);
    assert!(done.load(Ordering::SeqCst) > 0);
    assert_eq!(first_doc(&search_url(&server.url, "litchi").1), Some("b"));

    // the shared test server has no token: the admin API is off
    let mut response = agent()
        .post(format!("{}/api/admin/reindex", crate::util::server()))
        .send_empty()
        .expect("request completes");
    assert_eq!(response.status().as_u16(), 403);
    let body: Value = response.body_mut().read_json().expect("JSON");
    assert_eq!(body["code"], "admin_disabled");
}

#[test]
fn oversized_requests_get_clear_json_errors() {
    let base = server();
    let long_q = "a".repeat(5000);
    let (status, body) = search_url(base, &long_q);
    assert_eq!(status, 414, "{body}");
    assert_eq!(body["code"], "uri_too_long");

    let (status, body) = get_json("/api/search", &[("q", &"mot ".repeat(300))]);
    assert_eq!(status, 400);
    assert_eq!(body["code"], "query_too_long");
    let (status, body) = get_json("/api/search", &[("q", "mot"), ("limit", "1000")]);
    assert_eq!(status, 400);
    assert_eq!(body["code"], "bad_limit");

    let mut request = agent().get(format!("{base}/healthz"));
    for i in 0..80 {
        request = request.header(&format!("x-filler-{i}"), "x");
    }
    let mut response = request.call().expect("request completes");
    assert_eq!(response.status().as_u16(), 431);
    let body: Value = response.body_mut().read_json().expect("JSON");
    assert_eq!(body["code"], "headers_too_large");

    // a body announced bigger than the limit is refused before it is read
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    write!(
        stream,
        "POST /api/admin/reindex HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
}

#[test]
fn responses_carry_nosniff_and_files_stay_inside_the_corpus() {
    let base = server();
    for path in ["/healthz", "/api/search?q=%C3%A9cole", "/nowhere"] {
        let response = agent()
            .get(format!("{base}{path}"))
            .call()
            .expect("request completes");
        assert_eq!(
            response
                .headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
    }
    let (status, _) = get_url(&format!("{base}/api/documents/imt-mission-statement/file"));
    assert_eq!(status, 200);
    for bad in [
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        "imt-mission-statement%2F..%2F..",
    ] {
        let (status, _) = get_url(&format!("{base}/api/documents/{bad}/file"));
        assert_eq!(status, 404, "{bad}");
    }
}

/// With one request allowed in flight, a burst gets some `503 Retry-After` at once, never a
/// hang or another error.
#[test]
fn saturated_server_sheds_load_with_503_and_retry_after() {
    let index = crate::util::shared_index()
        .to_str()
        .expect("utf-8")
        .to_string();
    let server = ServeProcess::start(
        &[
            "--corpus",
            crate::util::corpus().to_str().expect("utf-8"),
            "--index",
            &index,
            "--max-in-flight",
            "1",
        ],
        &[],
    );
    let shed = Arc::new(AtomicUsize::new(0));
    let other = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (url, shed, other) = (server.url.clone(), shed.clone(), other.clone());
            std::thread::spawn(move || {
                for _ in 0..15 {
                    let response = agent()
                        .get(format!("{url}/api/search"))
                        .query("q", "stratégie internationale des écoles")
                        .call()
                        .expect("request completes");
                    match response.status().as_u16() {
                        200 => {}
                        503 if response.headers().get("retry-after").is_some() => {
                            shed.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => {
                            other.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    assert!(shed.load(Ordering::SeqCst) > 0, "no request was shed");
    assert_eq!(other.load(Ordering::SeqCst), 0);
}

#[test]
fn serve_binds_loopback_unless_told_and_stops_cleanly_on_sigterm() {
    let index = crate::util::shared_index()
        .to_str()
        .expect("utf-8")
        .to_string();
    let corpus = crate::util::corpus();
    let out = run(&[
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--corpus",
        corpus.to_str().expect("utf-8"),
        "--index",
        &index,
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--public"), "{}", stderr(&out));

    let mut server = ServeProcess::start(
        &[
            "--corpus",
            corpus.to_str().expect("utf-8"),
            "--index",
            &index,
        ],
        &[],
    );
    assert_eq!(get_url(&format!("{}/healthz", server.url)).0, 200);
    // SAFETY: signalling a child this test started and still owns.
    let sent = unsafe { libc::kill(server.child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed().as_secs() > 10 {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

/// Indexed text that looks like markup comes back escaped in highlights.
#[test]
fn highlights_escape_indexed_markup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::write(
        docs.join("evil.txt"),
        "Note\n\nLe mot zanzibar <script>alert('zanzibar')</script> <img src=x onerror=alert(1)>.\n",
    )
    .expect("write");
    let index = dir.path().join("index");
    let (ok, _, log) = ingest_json(&docs, &index, &[]);
    assert!(ok, "{log}");
    let out = run(&[
        "search",
        "zanzibar",
        "--index",
        index.to_str().expect("utf-8"),
        "--json",
    ]);
    let body: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let highlight = body["hits"][0]["highlight"].as_str().unwrap_or_default();
    assert!(highlight.contains("<mark>zanzibar</mark>"), "{highlight}");
    assert!(highlight.contains("&lt;script&gt;"), "{highlight}");
    assert!(
        !highlight.contains("<script") && !highlight.contains("<img"),
        "{highlight}"
    );
}

/// Resolves `$ref`s inside the OpenAPI document.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let path = reference.trim_start_matches("#/");
            path.split('/').fold(doc, |v, key| &v[key])
        }
        None => schema,
    }
}

/// Checks a real JSON value against a schema: every required field present, no field the
/// schema does not list, types of nested objects and arrays, nulls only where nullable.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() {
        if schema["nullable"] != true {
            problems.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(object) = value.as_object() else {
                problems.push(format!("{at}: not an object"));
                return;
            };
            let properties = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap_or_default();
                if !object.contains_key(name) {
                    problems.push(format!("{at}.{name}: documented as required, missing"));
                }
            }
            for (key, field) in object {
                match properties.get(key) {
                    Some(s) => check(doc, s, field, &format!("{at}.{key}"), problems),
                    None => problems.push(format!("{at}.{key}: not documented")),
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().take(3).enumerate() {
                    check(doc, &schema["items"], item, &format!("{at}[{i}]"), problems);
                }
            }
            None => problems.push(format!("{at}: not an array")),
        },
        Some("string") if !value.is_string() => problems.push(format!("{at}: not a string")),
        Some("integer") if !value.is_u64() && !value.is_i64() => {
            problems.push(format!("{at}: not an integer"))
        }
        Some("number") if !value.is_number() => problems.push(format!("{at}: not a number")),
        _ => {}
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} not in {allowed:?}"));
        }
    }
}

/// `GET /openapi.json` describes every route the server answers, and each documented response
/// body matches what the server really sends, field for field.
#[test]
fn openapi_document_matches_the_real_responses() {
    let (status, doc) = get_json("/openapi.json", &[]);
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let answered = [
        "/api/search",
        "/api/answer",
        "/api/figures",
        "/api/context",
        "/api/passages/{id}",
        "/api/documents",
        "/api/documents/{doc_id}/file",
        "/api/admin/reindex",
        "/healthz",
        "/openapi.json",
        "/mcp",
    ];
    let mut expected: Vec<String> = answered.iter().map(|s| s.to_string()).collect();
    expected.sort();
    let mut documented = paths.clone();
    documented.sort();
    assert_eq!(documented, expected);

    let schema_of = |path: &str, method: &str, status: &str| {
        let response = resolve(&doc, &doc["paths"][path][method]["responses"][status]);
        response["content"]["application/json"]["schema"].clone()
    };
    let (_, search) = get_json("/api/search", &[("q", "taux de féminisation")]);
    let passage_id = search["hits"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (_, passage) = get_json(&format!("/api/passages/{passage_id}"), &[]);
    let (_, documents) = get_json("/api/documents", &[]);
    let (_, documents_page) = get_json("/api/documents", &[("limit", "2"), ("offset", "2")]);
    let (_, bad_documents) = get_json("/api/documents", &[("limit", "0")]);
    let (_, health) = get_json("/healthz", &[]);
    let (_, bad) = get_json("/api/search", &[("q", "x"), ("limit", "0")]);
    let (_, missing) = get_json("/api/passages/nope", &[]);
    let (_, answer) = get_json(
        "/api/answer",
        &[("q", "Combien d'étudiants compte l'IMT ?")],
    );
    let (_, figures) = get_json("/api/figures", &[("value", "38 %")]);
    let (_, bad_value) = get_json("/api/figures", &[("value", "abc")]);
    let (_, context) = get_json("/api/context", &[("q", "taux de féminisation")]);
    let (_, bad_context) = get_json("/api/context", &[("q", "taux"), ("max_tokens", "0")]);
    let mut problems = Vec::new();
    for (path, method, status, value) in [
        ("/api/search", "get", "200", &search),
        ("/api/search", "get", "400", &bad),
        ("/api/passages/{id}", "get", "200", &passage),
        ("/api/passages/{id}", "get", "404", &missing),
        ("/api/documents", "get", "200", &documents),
        ("/api/documents", "get", "200", &documents_page),
        ("/api/documents", "get", "400", &bad_documents),
        ("/healthz", "get", "200", &health),
        ("/api/answer", "get", "200", &answer),
        ("/api/figures", "get", "200", &figures),
        ("/api/figures", "get", "400", &bad_value),
        ("/api/context", "get", "200", &context),
        ("/api/context", "get", "400", &bad_context),
    ] {
        let schema = schema_of(path, method, status);
        assert!(!schema.is_null(), "{path} {status} has no schema");
        check(
            &doc,
            &schema,
            value,
            &format!("{path} {status}"),
            &mut problems,
        );
    }
    // the admin report, from a real ingest (same struct the endpoint returns)
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::write(docs.join("a.md"), "# A\n\nUn mot.\n").expect("write");
    fs::write(docs.join("b.txt"), "").expect("write");
    let (ok, report, log) = ingest_json(&docs, &dir.path().join("index"), &[]);
    assert!(ok, "{log}");
    let schema = schema_of("/api/admin/reindex", "post", "200");
    check(&doc, &schema, &report, "reindex 200", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(search["hits"].as_array().is_some_and(|h| !h.is_empty()));
    assert!(answer["answers"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(figures["figures"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(context["citations"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    assert!(documents_page["next_offset"].is_u64(), "{documents_page}");
}

/// SIGTERM while a long request (a re-index of several big PDFs) is in flight: the server stops
/// accepting, answers that request in full, then exits 0.
#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (docs, mut server) = admin_server(dir.path(), "note.md", "ocarina", "t0k");
    let cop = fs::read(crate::util::corpus().join("cop-imt-2023-2027.pdf")).expect("pdf");
    for i in 0..6 {
        fs::write(docs.join(format!("cop-{i}.pdf")), &cop).expect("write");
    }
    let url = server.url.clone();
    let reindex = std::thread::spawn(move || post_reindex(&url, Some("t0k")));
    std::thread::sleep(std::time::Duration::from_millis(400));
    // SAFETY: signalling a child this test started and still owns.
    let sent = unsafe { libc::kill(server.child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let (status, report) = reindex.join().expect("thread");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["files_indexed"], 7, "{report}");
    let exit = server.child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
}

/// `serve --watch 1` notices a new file and serves it without a restart; without a token the
/// admin call stays off.
#[test]
fn watch_mode_picks_up_a_changed_corpus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::write(docs.join("a.md"), "# A\n\nLe mot tamarin.\n").expect("write");
    let server = serve_folder(&docs, &dir.path().join("index"), &["--watch", "1"], &[]);
    assert_eq!(first_doc(&search_url(&server.url, "tamarin").1), Some("a"));
    fs::write(docs.join("b.md"), "# B\n\nLe mot goyave.\n").expect("write");
    let started = std::time::Instant::now();
    let mut found = None;
    while started.elapsed().as_secs() < 60 {
        let (status, body) = search_url(&server.url, "goyave");
        assert_eq!(status, 200);
        found = first_doc(&body).map(str::to_string);
        if found.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(found.as_deref(), Some("b"));
    assert_eq!(post_reindex(&server.url, Some("x")).0, 403);
}

/// A real server over the shared index whose engine work always goes to the blocking pool
/// (as on an index of more than `inline_max_passages` passages).
fn blocking_pool_server() -> String {
    crate::util::serve_shared_index(sourcier::http::ServeOptions {
        limits: sourcier::http::limits::Limits {
            inline_max_passages: 0,
            ..Default::default()
        },
        ..Default::default()
    })
}

/// Engine work answers the same whether it runs on the async worker (small indexes, the
/// shared server) or on the blocking pool (large ones).
#[test]
fn blocking_pool_and_async_worker_answer_alike() {
    let pooled = blocking_pool_server();
    let without_timing = |mut body: Value| {
        if let Some(o) = body.as_object_mut() {
            o.remove("took_ms");
        }
        body
    };
    let paths = [
        "/api/search?q=taux%20de%20f%C3%A9minisation",
        "/api/search?q=When%20did%20the%20board%20adopt%20IMT%27s%20mission%20statement%3F",
        "/api/answer?q=Combien%20d%27%C3%A9tudiants%20%3F",
        "/api/figures?q=13600",
        "/api/search?q=",
        "/api/search?q=ecoles&doc=no-such-document",
    ];
    for path in paths {
        let (inline_status, inline_body) = get_url(&format!("{}{path}", server()));
        let (pooled_status, pooled_body) = get_url(&format!("{pooled}{path}"));
        assert_eq!(inline_status, pooled_status, "{path}");
        assert_eq!(
            without_timing(inline_body),
            without_timing(pooled_body),
            "{path}"
        );
    }
    let (status, body) = get_url(&format!(
        "{pooled}/api/search?q=taux%20de%20f%C3%A9minisation"
    ));
    assert_eq!(status, 200);
    assert!(!body["hits"].as_array().expect("hits").is_empty());
}
