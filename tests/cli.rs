//! The `sourcier` binary end to end: ingest, search, serve.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::util::{bin, corpus, run, shared_index, stderr, stdout};

#[test]
fn help_explains_each_command() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    for command in ["ingest", "search", "serve", "extract"] {
        assert!(help.contains(command), "{command} missing from --help");
    }
}

#[test]
fn search_prints_ranked_cited_passages() {
    let index = shared_index().to_str().expect("utf-8");
    let out = run(&[
        "search",
        "taux de féminisation",
        "--index",
        index,
        "--limit",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1. ["), "{text}");
    assert!(
        text.contains("Contrat d’objectifs et de performance"),
        "{text}"
    );
    assert!(text.contains("p. 19"), "{text}");
    assert!(text.contains("**féminisation**"), "{text}");
}

#[test]
fn search_json_is_the_http_body() {
    let index = shared_index().to_str().expect("utf-8");
    let out = run(&[
        "search", "13600", "--index", index, "--json", "--limit", "5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let (status, http) = crate::util::get_json("/api/search", &[("q", "13600"), ("limit", "5")]);
    assert_eq!(status, 200);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["id"].to_string())
            .collect()
    };
    assert_eq!(ids(&cli), ids(&http));
    assert_eq!(cli["total"], http["total"]);
    assert_eq!(cli["hits"][0]["highlight"], http["hits"][0]["highlight"]);
}

#[test]
fn search_explain_shows_the_plan_and_each_score_by_signal() {
    let index = shared_index().to_str().expect("utf-8");
    let question = "Combien d'étudiants compte l'IMT ?";
    let out = run(&[
        "search",
        question,
        "--index",
        index,
        "--explain",
        "--limit",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "question  yes (expects quantity of etudiants)",
        "dropped   combien d compte l",
        "word      etudiants — in ",
        "answer    a number beside: etudiants imt",
        "  word etudiants\n",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    // The first hit is plain search's first hit, and its signals add up to its score.
    let plain = run(&[
        "search", question, "--index", index, "--json", "--limit", "2",
    ]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    let first_id = plain["hits"][0]["id"].as_str().expect("a hit");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(" 1. "))
        .expect("a first hit");
    assert!(lines[at].contains(first_id), "{text}");
    let score: f32 = lines[at][4..]
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a score");
    let mut sum = 0.0f32;
    let mut factor = 1.0f32;
    for line in lines[at + 1..]
        .iter()
        .take_while(|l| !l.starts_with(" 2. "))
    {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('×') {
            for part in rest.split('×') {
                let value: f32 = part
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("a factor");
                factor *= value;
            }
        } else if let Some(value) = line
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f32>().ok())
        {
            sum += value;
        }
    }
    assert!(
        (sum * factor - score).abs() < 0.01 * score,
        "signals {sum} × {factor} ≠ score {score}:\n{text}"
    );
}

#[test]
fn search_without_index_fails_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(&[
        "search",
        "x",
        "--index",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sourcier ingest"), "{}", stderr(&out));
}

#[test]
fn ingest_reports_bad_files_and_indexes_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).expect("mkdir");
    std::fs::write(
        docs.join("broken.pdf"),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage",
    )
    .expect("write");
    std::fs::write(docs.join("empty.txt"), b"").expect("write");
    std::fs::write(
        docs.join("sub").join("good.md"),
        "# Title: Note de service\n\n## Cafétéria\n\nLa cafétéria du bâtiment zéphyrin ouvre à 8 h.\n",
    )
    .expect("write");
    let index = dir.path().join("index");
    let out = run(&[
        "ingest",
        "--corpus",
        docs.to_str().expect("utf-8"),
        "--index",
        index.to_str().expect("utf-8"),
    ]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("indexed 1 files"), "{log}");
    assert!(log.contains("broken.pdf"), "{log}");
    assert!(log.contains("empty.txt: empty file"), "{log}");

    let out = run(&[
        "search",
        "zephyrin",
        "--index",
        index.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["hits"][0]["source"]["doc_id"], "sub-good");
    assert_eq!(body["hits"][0]["source"]["title"], "Note de service");
    assert_eq!(body["hits"][0]["source"]["section"], "Cafétéria");
    assert_eq!(body["hits"][0]["source"]["kind"], "markdown");
}

#[test]
fn ingest_gives_the_same_ids_every_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().to_str().expect("utf-8");
    let corpus = corpus();
    let ids = || {
        let out = run(&[
            "ingest",
            "--corpus",
            corpus.to_str().expect("utf-8"),
            "--index",
            index,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = run(&[
            "search", "école", "--index", index, "--json", "--limit", "20",
        ]);
        let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        body["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["id"].to_string())
            .collect::<Vec<_>>()
    };
    let first = ids();
    assert_eq!(first.len(), 20);
    assert_eq!(first, ids());
}

/// `serve` on a fresh folder ingests first, prints its URL, and answers.
#[test]
fn serve_ingests_when_needed_and_listens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = bin()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--corpus",
            corpus().to_str().expect("utf-8"),
            "--index",
            dir.path().join("index").to_str().expect("utf-8"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .map(str::to_string);
    let result = url.as_ref().map(|url| {
        crate::util::agent()
            .get(format!("{url}/api/search"))
            .query("q", "écoles partenaires")
            .call()
            .map(|r| r.status().as_u16())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(url.is_some(), "unexpected first line: {line:?}");
    assert!(matches!(result, Some(Ok(200))), "{result:?}");
}
