//! Reliability end to end: hostile files built at run time in a temp folder, PDF workers that
//! hang or crash, an ingest killed with SIGKILL, two ingests at once, incremental re-ingest.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{corpus, get_url, ingest_json, make_pdf, run, stderr, ServeProcess};

fn has_qpdf() -> bool {
    std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn reason_of<'a>(report: &'a Value, file: &str) -> Option<&'a str> {
    report["skipped"]
        .as_array()?
        .iter()
        .find(|s| s["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .and_then(|s| s["reason"].as_str())
}

fn search_ids(index: &Path, query: &str) -> Vec<String> {
    let out = run(&[
        "search",
        query,
        "--index",
        index.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    body["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            h["source"]["doc_id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Writes the hostile folder; returns the files expected to be indexed.
fn hostile_corpus(docs: &Path) -> Vec<&'static str> {
    fs::create_dir_all(docs).expect("mkdir");
    let w = |name: &str, bytes: &[u8]| fs::write(docs.join(name), bytes).expect("write");
    let mission = fs::read(corpus().join("imt-mission-statement.pdf")).expect("corpus pdf");
    w("good.pdf", &mission);
    w(
        "good.md",
        "# Note\n\nLe zorglub du bâtiment B fonctionne.\n".as_bytes(),
    );
    w("truncated.pdf", &mission[..mission.len().min(400)]);
    let mut garbage = b"%PDF-1.5\n".to_vec();
    garbage.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    w("garbage.pdf", &garbage);
    w("empty.txt", b"");
    w("picture.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    w(
        "blank-page.pdf",
        &make_pdf(&["Premiere page avec le mot quasimodo.", ""]),
    );
    w("scan.pdf", &make_pdf(&["", ""]));
    let mut latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><body><p>".to_vec();
    latin1.extend_from_slice(b"Le d\xe9j\xe0-vu du chl\xf6rophylle.</p></body></html>");
    w("latin1.html", &latin1);
    let mut guessed = b"<html><body><p>".to_vec();
    guessed.extend_from_slice(b"L\x92\xe9t\xe9 du pamplemousse.</p></body></html>");
    w("guessed.html", &guessed);
    // a 20 MB text file without a single newline
    w("one-line.txt", "mot ".repeat(5 * 1024 * 1024).as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        std::os::unix::fs::symlink("loop.txt", docs.join("loop.txt")).expect("symlink");
        std::os::unix::fs::symlink("/etc/hostname", docs.join("escape.txt")).expect("symlink");
        let latin1_name = std::ffi::OsStr::from_bytes(b"caf\xe9-menu.txt");
        fs::write(docs.join(latin1_name), "Le menu du jour: ratatouille.").expect("write");
        w(
            "locked.txt",
            b"Un fichier sans droits de lecture: topinambour.",
        );
        let _ = fs::set_permissions(docs.join("locked.txt"), fs::Permissions::from_mode(0o000));
    }
    let mut deep = docs.to_path_buf();
    for _ in 0..120 {
        deep.push("d");
    }
    fs::create_dir_all(&deep).expect("deep tree");
    fs::write(
        deep.join("deep.md"),
        "# Profond\n\nLe mot abyssal est ici.\n",
    )
    .expect("write");
    let mut expected = vec![
        "good.pdf",
        "good.md",
        "blank-page.pdf",
        "latin1.html",
        "guessed.html",
        "one-line.txt",
        "deep.md",
    ];
    if has_qpdf() {
        let good = docs.join("good.pdf");
        let qpdf = |args: &[&str], out: &str| {
            let status = std::process::Command::new("qpdf")
                .args(args)
                .arg(&good)
                .arg(docs.join(out))
                .status()
                .expect("qpdf runs");
            assert!(status.success(), "qpdf {args:?}");
        };
        qpdf(
            &["--encrypt", "secret", "owner", "256", "--"],
            "locked-pw.pdf",
        );
        qpdf(&["--encrypt", "", "owner", "256", "--"], "owner-only.pdf");
        expected.push("owner-only.pdf");
    } else {
        eprintln!("SKIPPED: encrypted PDF fixtures (qpdf is not installed; apt-get install qpdf)");
    }
    expected
}

#[test]
fn hostile_files_are_reported_and_every_other_file_is_indexed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    let index = dir.path().join("index");
    let expected = hostile_corpus(&docs);
    let started = std::time::Instant::now();
    let (ok, report, log) = ingest_json(&docs, &index, &[]);
    assert!(ok, "{log}");
    assert!(started.elapsed().as_secs() < 120, "ingest took too long");

    let reasons = [
        ("empty.txt", "empty file"),
        ("picture.png", "not a supported type"),
        ("truncated.pdf", "truncated or corrupt PDF: "),
        ("garbage.pdf", "truncated or corrupt PDF: "),
        ("scan.pdf", "no text layer (scanned image?)"),
        ("loop.txt", "symbolic link loop"),
        ("escape.txt", "symbolic link to outside the corpus"),
    ];
    for (file, reason) in reasons {
        let got = reason_of(&report, file);
        assert!(
            got.is_some_and(|r| r.starts_with(reason)),
            "{file}: {got:?}\n{report:#}"
        );
    }
    if has_qpdf() {
        assert_eq!(
            reason_of(&report, "locked-pw.pdf"),
            Some("encrypted (needs a password)")
        );
    }
    // as root the permission bits do not stop reading: then the file is simply indexed
    let locked_readable = fs::read(docs.join("locked.txt")).is_ok();
    if !locked_readable {
        assert!(
            reason_of(&report, "locked.txt").is_some_and(|r| r.contains("permission denied")),
            "{report:#}"
        );
    }
    let log_skips = log.lines().filter(|l| l.contains("empty.txt: empty file"));
    assert_eq!(log_skips.count(), 2, "{log}"); // progress line and summary

    let indexed = report["files_indexed"].as_u64().unwrap_or_default() as usize;
    let extra = 1 + usize::from(locked_readable); // café-menu.txt, locked.txt
    assert_eq!(indexed, expected.len() + extra, "{report:#}");
    for (query, doc) in [
        ("zorglub", "good"),
        ("quasimodo", "blank-page"),
        ("déjà-vu chlörophylle", "latin1"),
        ("pamplemousse", "guessed"),
        ("abyssal", "deep.md"),
        ("ratatouille", "menu"),
    ] {
        let ids = search_ids(&index, query);
        assert!(
            ids.first()
                .is_some_and(|id| id.contains(doc.trim_end_matches(".md"))),
            "{query}: {ids:?}"
        );
    }

    // GET /api/documents: which extractor, empty pages, and the skipped files with reasons
    let server = ServeProcess::start(
        &[
            "--corpus",
            docs.to_str().expect("utf-8"),
            "--index",
            index.to_str().expect("utf-8"),
        ],
        &[],
    );
    let (status, body) = get_url(&format!("{}/api/documents", server.url));
    assert_eq!(status, 200);
    let docs_listed = body["documents"].as_array().cloned().unwrap_or_default();
    let find = |id: &str| docs_listed.iter().find(|d| d["id"] == id).cloned();
    let blank = find("blank-page").expect("blank-page listed");
    assert_eq!(blank["extractor"], "pdf-extract");
    assert_eq!(blank["empty_pages"], serde_json::json!([2]));
    // good.md comes first in file order and takes the id `good`
    let note = find("good").expect("good.md listed");
    assert_eq!(note["extractor"], "markdown");
    let good = find("good-pdf").expect("good.pdf listed");
    assert_eq!(good["extractor"], "pdf-extract");
    if has_qpdf() {
        let owner_only = find("owner-only").expect("owner-only PDF indexed");
        assert!(owner_only["passages"].as_u64().unwrap_or_default() > 0);
    }
    let skipped = body["skipped"].as_array().cloned().unwrap_or_default();
    assert!(
        skipped
            .iter()
            .any(|s| s["reason"] == "no text layer (scanned image?)"),
        "{body:#}"
    );
    // the skipped files page on their own: skipped_limit=3 and skipped_next_offset give them
    // all, once, in the same order
    assert_eq!(body["skipped_total"], skipped.len(), "{body:#}");
    assert!(skipped.len() > 3, "{body:#}");
    let mut paged = Vec::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let url = format!(
            "{}/api/documents?limit=1&skipped_limit=3&skipped_offset={at}",
            server.url
        );
        let (status, page) = get_url(&url);
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["documents"].as_array().map(Vec::len), Some(1));
        paged.extend(page["skipped"].as_array().cloned().unwrap_or_default());
        offset = page["skipped_next_offset"].as_u64();
        assert!(
            paged.len() <= skipped.len(),
            "skipped_next_offset never ends"
        );
    }
    assert_eq!(paged, skipped);
}

/// A PDF worker that hangs, aborts, overflows its stack or eats memory loses only its own file.
#[test]
fn crashing_and_hanging_pdf_workers_cost_only_their_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    let pdf = make_pdf(&["Texte lisible avec le mot farandole."]);
    for name in [
        "hang.pdf",
        "abort.pdf",
        "overflow.pdf",
        "alloc.pdf",
        "fine.pdf",
    ] {
        fs::write(docs.join(name), &pdf).expect("write");
    }
    for (fault, expected) in [
        ("hang", "timed out after 1 s"),
        ("abort", "PDF parser crashed: killed by SIGABRT"),
        ("overflow", "PDF parser crashed: stack overflow"),
        ("alloc", "needs more than 256 MB of memory"),
    ] {
        let index = dir.path().join(format!("index-{fault}"));
        let out = crate::util::bin()
            .args([
                "ingest",
                "--json",
                "--no-pdftotext",
                "--pdf-timeout",
                // generous for the crashes: a loaded CI machine must not turn them into timeouts
                if fault == "hang" { "1" } else { "30" },
                "--pdf-memory",
                "256",
                "--corpus",
                docs.to_str().expect("utf-8"),
                "--index",
                index.to_str().expect("utf-8"),
            ])
            .env("SOURCIER_WORKER_FAULT", format!("{fault}:{fault}"))
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert_eq!(report["files_indexed"], 4, "{fault}: {report:#}");
        let reason = reason_of(&report, &format!("{fault}.pdf"));
        assert!(
            reason.is_some_and(|r| r.starts_with(expected)),
            "{fault}: {reason:?}"
        );
    }
}

/// Copies the big corpus PDF `n` times so that an ingest lasts a few seconds.
fn slow_corpus(dir: &Path, n: usize) -> PathBuf {
    let docs = dir.join("slow");
    fs::create_dir_all(&docs).expect("mkdir");
    let cop = fs::read(corpus().join("cop-imt-2023-2027.pdf")).expect("corpus pdf");
    for i in 0..n {
        fs::write(docs.join(format!("copy-{i:02}.pdf")), &cop).expect("write");
    }
    docs
}

/// `kill -9` in the middle of an ingest leaves the previous index whole and servable; a second
/// ingest meanwhile is refused clearly; the next ingest cleans up and succeeds.
#[test]
fn killed_ingest_keeps_the_old_index_and_a_second_ingest_is_refused() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let small = dir.path().join("small");
    fs::create_dir_all(&small).expect("mkdir");
    fs::write(
        small.join("note.md"),
        "# Note\n\nLe mot xylophone est ici.\n",
    )
    .expect("write");
    let index = dir.path().join("index");
    let (ok, _, log) = ingest_json(&small, &index, &[]);
    assert!(ok, "{log}");
    let current_before = fs::read_to_string(index.join("CURRENT")).expect("CURRENT");

    let slow = slow_corpus(dir.path(), 12);
    let mut child = crate::util::bin()
        .args([
            "ingest",
            "--jobs",
            "1",
            "--corpus",
            slow.to_str().expect("utf-8"),
            "--index",
            index.to_str().expect("utf-8"),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("ingest starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    // wait until it has indexed a file: it is then mid-way, writing its new generation
    let progressed = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.starts_with("indexed "));
    let (second_ok, _, second_log) = ingest_json(&small, &index, &[]);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(progressed, "the ingest printed no progress");
    assert!(!second_ok, "a second ingest ran alongside the first");
    assert!(
        second_log.contains("locked by another ingest"),
        "{second_log}"
    );

    assert_eq!(
        fs::read_to_string(index.join("CURRENT")).expect("CURRENT"),
        current_before
    );
    assert_eq!(search_ids(&index, "xylophone"), vec!["note".to_string()]);
    let partial = fs::read_dir(&index)
        .expect("index dir")
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".partial"));
    assert!(
        partial,
        "the killed ingest left no partial generation to test against"
    );

    // the lock died with the process: the next ingest runs and cleans up
    let (ok, _, log) = ingest_json(&small, &index, &[]);
    assert!(ok, "{log}");
    let leftovers = fs::read_dir(&index)
        .expect("index dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .count();
    assert_eq!(leftovers, 0);
}

/// Unchanged files are not extracted again; changed ones are; deleted ones disappear.
#[test]
fn reingest_reuses_unchanged_files_and_forgets_deleted_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::copy(
        corpus().join("imt-mission-statement.pdf"),
        docs.join("mission.pdf"),
    )
    .expect("copy");
    fs::write(docs.join("a.md"), "# A\n\nLe mot kumquat.\n").expect("write");
    fs::write(docs.join("b.md"), "# B\n\nLe mot papaye.\n").expect("write");
    let index = dir.path().join("index");
    let (ok, first, log) = ingest_json(&docs, &index, &[]);
    assert!(ok, "{log}");
    assert_eq!(first["files_reused"], 0);
    let mission_ids = search_ids(&index, "mission statement");

    fs::write(docs.join("a.md"), "# A\n\nLe mot mangoustan.\n").expect("write");
    fs::remove_file(docs.join("b.md")).expect("rm");
    fs::write(docs.join("c.md"), "# C\n\nLe mot litchi.\n").expect("write");
    let (ok, second, log) = ingest_json(&docs, &index, &[]);
    assert!(ok, "{log}");
    assert_eq!(second["files_reused"], 1, "{second:#}"); // mission.pdf
    assert_eq!(second["files_indexed"], 3);
    assert_eq!(search_ids(&index, "mission statement"), mission_ids);
    assert!(search_ids(&index, "kumquat").is_empty());
    assert_eq!(search_ids(&index, "mangoustan"), vec!["a".to_string()]);
    assert!(search_ids(&index, "papaye").is_empty());
    assert_eq!(search_ids(&index, "litchi"), vec!["c".to_string()]);

    let (ok, full, log) = ingest_json(&docs, &index, &["--full"]);
    assert!(ok, "{log}");
    assert_eq!(full["files_reused"], 0);
}

mod queries {
    use proptest::prelude::*;
    use sourcier::search::{Engine, SearchRequest};
    use std::sync::OnceLock;

    fn engine() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(|| Engine::open(crate::util::shared_index()).expect("index opens"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// No query string makes search panic: each is answered or refused as a bad request.
        #[test]
        fn any_query_is_answered_or_refused(
            q in prop_oneof![
                ".{0,80}",
                r#"[ "'*?~^:()\[\]{}+\-!&|/\\%0-9a-zéèàç]{0,60}"#,
                "[\\PC]{0,1200}",
            ],
            limit in 0usize..150,
        ) {
            let request = SearchRequest { limit, ..SearchRequest::new(q) };
            match engine().search(&request) {
                Ok(response) => prop_assert!(response.hits.len() <= limit),
                Err(e) => prop_assert!(e.is_user_error(), "{e}"),
            }
        }
    }
}
