//! A generated corpus of a few thousand passages, ingested and served for real, checked
//! against what the generator knows it wrote: each passage found by id, reading order through
//! prev/next, facet counts against a count of the best hits, paged documents, and figure look-ups.
//! Correctness only: the speed at scale is measured by `bench/scale.sh`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use crate::util::{agent, get_url, ingest_json, ServeProcess};

const FILES: usize = 24;
const PARAGRAPHS: usize = 360;

const FRENCH: &[&str] = &[
    "Le fichier de configuration décrit les options du service et leurs valeurs par défaut.",
    "Chaque utilisateur peut modifier son mot de passe avec la commande prévue à cet effet.",
    "La bibliothèque standard fournit des fonctions pour lire et écrire des fichiers.",
    "Les journaux du système conservent les messages des démons pendant plusieurs jours.",
    "Une expression rationnelle permet de chercher un motif dans un texte.",
    "Le processus parent attend la fin de ses enfants avant de rendre la main.",
];
const ENGLISH: &[&str] = &[
    "The configuration file describes the options of the service and their default values.",
    "Each user may change their password with the command provided for that purpose.",
    "The standard library provides functions to read and write files on the disk.",
    "The system logs keep the messages of the daemons for several days.",
    "A regular expression searches for a pattern in a piece of text.",
    "The parent process waits for its children to finish before returning.",
];

/// The marker number of paragraph `p` of file `f`: stated once in the whole corpus.
fn marker(f: usize, p: usize) -> u64 {
    7_000_000 + (f * 1000 + p) as u64
}

/// Does paragraph `p` of file `f` state the year 2023? (Known to the test, so look-ups can be
/// checked against it.)
fn states_2023(f: usize, p: usize) -> bool {
    (f + p) % 7 == 0
}

/// Does paragraph `p` of file `f` use the rare word `zinzolin`?
fn says_zinzolin(f: usize, p: usize) -> bool {
    (f * 3 + p) % 5 == 0 && f % 4 != 3
}

fn is_english(f: usize) -> bool {
    f % 3 == 0
}

fn write_corpus(dir: &Path) {
    for f in 0..FILES {
        let english = is_english(f);
        let pool = if english { ENGLISH } else { FRENCH };
        let mut text = String::new();
        for p in 0..PARAGRAPHS {
            let a = pool[(f + p) % pool.len()];
            let b = pool[(f * 7 + p * 3 + 1) % pool.len()];
            let marker = marker(f, p);
            let (reference, year, year_rare, rare) = if english {
                (
                    "Record number",
                    "It was revised in 2023.",
                    "It was revised in 2023 in zinzolin colour.",
                    "The zinzolin colour marks it.",
                )
            } else {
                (
                    "Relevé numéro",
                    "Il a été revu en 2023.",
                    "Il a été revu en 2023 en couleur zinzolin.",
                    "La couleur zinzolin le signale.",
                )
            };
            text.push_str(&format!("{a} {reference} {marker}. {b} "));
            text.push_str(match (states_2023(f, p), says_zinzolin(f, p)) {
                (true, true) => year_rare,
                (true, false) => year,
                (false, true) => rare,
                (false, false) => "",
            });
            text.push_str("\n\n");
        }
        let sub = dir.join(format!("part-{}", f % 3));
        std::fs::create_dir_all(&sub).expect("corpus folder");
        std::fs::write(sub.join(format!("notes-{f:02}.txt")), text).expect("corpus file");
    }
}

struct Served {
    _corpus: tempfile::TempDir,
    _index: tempfile::TempDir,
    server: ServeProcess,
    passages: u64,
}

/// The generated corpus, ingested once and served for the tests of this file.
fn served() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| {
        let corpus = tempfile::tempdir().expect("temp dir");
        let index = tempfile::tempdir().expect("temp dir");
        write_corpus(corpus.path());
        let (ok, report, stderr) = ingest_json(corpus.path(), index.path(), &[]);
        assert!(ok, "ingest failed: {stderr}");
        let passages = report["passages"].as_u64().expect("passages");
        let server = ServeProcess::start(
            &[
                "--corpus",
                corpus.path().to_str().expect("utf-8"),
                "--index",
                index.path().to_str().expect("utf-8"),
            ],
            &[],
        );
        Served {
            _corpus: corpus,
            _index: index,
            server,
            passages,
        }
    })
}

/// GET a path of the served corpus (passage ids and the values used here are URL-safe).
fn get(path: &str) -> serde_json::Value {
    get_with(path, &[])
}

/// GET a path with query parameters, encoded by the HTTP client.
fn get_with(path: &str, params: &[(&str, &str)]) -> serde_json::Value {
    let url = format!("{}{path}", served().server.url);
    let mut request = agent().get(&url);
    for (k, v) in params {
        request = request.query(*k, *v);
    }
    let mut response = request.call().expect("request completes");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.body_mut().read_json().expect("JSON body");
    assert_eq!(status, 200, "{url} {params:?}: {body}");
    body
}

/// The passage that states paragraph `p` of file `f`, found through its marker figure.
fn passage_of(f: usize, p: usize) -> String {
    let body = get(&format!("/api/figures?value={}&limit=5", marker(f, p)));
    assert_eq!(body["total"], 1, "marker of file {f} paragraph {p}: {body}");
    body["figures"][0]["passage_id"]
        .as_str()
        .expect("passage id")
        .to_string()
}

#[test]
fn the_generated_corpus_is_a_few_thousand_passages() {
    let s = served();
    assert!(
        s.passages >= 2000,
        "only {} passages: the test would not exercise several segments' worth",
        s.passages
    );
}

#[test]
fn every_document_reads_in_order_through_prev_and_next() {
    for f in [0, 1, 5, FILES - 1] {
        let first = passage_of(f, 0);
        let body = get(&format!("/api/passages/{}", first));
        assert_eq!(body["prev_id"], serde_json::Value::Null, "first passage");
        let doc_id = body["source"]["doc_id"]
            .as_str()
            .expect("doc id")
            .to_string();
        // walk the whole document through next_id
        let mut chain = vec![first.clone()];
        let mut ordinals = vec![body["ordinal"].as_u64().expect("ordinal")];
        let mut current = body;
        while let Some(next) = current["next_id"].as_str().map(str::to_string) {
            let body = get(&format!("/api/passages/{}", next));
            assert_eq!(body["source"]["doc_id"], doc_id.as_str());
            assert_eq!(
                body["prev_id"].as_str(),
                chain.last().map(String::as_str),
                "prev of {next}"
            );
            ordinals.push(body["ordinal"].as_u64().expect("ordinal"));
            chain.push(next);
            current = body;
        }
        let expected: Vec<u64> = (0..chain.len() as u64).collect();
        assert_eq!(ordinals, expected, "ordinals of {doc_id}");
        // the document's passage count, as the document list gives it
        let documents = all_documents();
        let listed = documents
            .iter()
            .find(|d| d["id"] == doc_id.as_str())
            .expect("listed document");
        assert_eq!(listed["passages"].as_u64(), Some(chain.len() as u64));
        // paragraphs come in reading order along the chain
        let position: HashMap<&str, usize> = chain
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut last = 0;
        for p in (0..PARAGRAPHS).step_by(7) {
            let at = position[passage_of(f, p).as_str()];
            assert!(at >= last, "paragraph {p} of file {f} out of order");
            last = at;
        }
    }
}

#[test]
fn an_unknown_passage_is_not_found() {
    let url = format!("{}/api/passages/no-such-passage", served().server.url);
    let (status, body) = get_url(&url);
    assert_eq!(status, 404, "{body}");
}

/// Every document, through the pages of `/api/documents`.
fn all_documents() -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let body = get(&format!("/api/documents?limit=7&offset={offset}"));
        let page = body["documents"].as_array().cloned().unwrap_or_default();
        out.extend(page);
        match body["next_offset"].as_u64() {
            Some(next) => offset = next as usize,
            None => break,
        }
        assert!(out.len() <= FILES, "pages do not end");
    }
    out
}

#[test]
fn documents_page_through_every_file_once() {
    let documents = all_documents();
    assert_eq!(documents.len(), FILES);
    let body = get("/api/documents?limit=7");
    assert_eq!(body["total"], FILES);
    let mut ids: Vec<&str> = documents.iter().filter_map(|d| d["id"].as_str()).collect();
    let listed = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), FILES, "a document listed twice: {listed:?}");
    let passages: u64 = documents
        .iter()
        .filter_map(|d| d["passages"].as_u64())
        .sum();
    assert_eq!(passages, served().passages);
}

/// How many of a query's best passages the facets count (`search::facets::FACET_POOL`).
const FACET_POOL: usize = 1000;

/// The (document id, language) of a query's first `up_to` hits, paging through the results,
/// and the query's total.
fn first_hits(query: &str, up_to: usize) -> (Vec<(String, String)>, u64) {
    let mut hits_seen = Vec::new();
    let mut total = 0;
    while hits_seen.len() < up_to {
        let offset = hits_seen.len().to_string();
        let params = [("q", query), ("limit", "100"), ("offset", offset.as_str())];
        let body = get_with("/api/search", &params);
        total = body["total"].as_u64().expect("total");
        let hits = body["hits"].as_array().cloned().unwrap_or_default();
        for hit in &hits {
            let doc = hit["source"]["doc_id"].as_str().expect("doc").to_string();
            let lang = hit["lang"].as_str().expect("lang").to_string();
            hits_seen.push((doc, lang));
        }
        if hits.is_empty() || hits_seen.len() as u64 >= total {
            break;
        }
    }
    hits_seen.truncate(up_to);
    (hits_seen, total)
}

fn tally<'a>(keys: impl Iterator<Item = &'a String>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for key in keys {
        *counts.entry(key.clone()).or_default() += 1;
    }
    counts
}

fn facet_counts(body: &serde_json::Value, key: &str, name: &str) -> BTreeMap<String, u64> {
    body["facets"][key]
        .as_array()
        .expect("facets")
        .iter()
        .map(|f| {
            (
                f[name].as_str().expect("name").to_string(),
                f["count"].as_u64().expect("count"),
            )
        })
        .collect()
}

/// A query matching more passages than the facets count: the counts are those of its best
/// passages, the ones the first pages show, and say they are not complete.
#[test]
fn facets_count_the_best_matches() {
    let query = "zinzolin";
    let (best, total) = first_hits(query, FACET_POOL);
    let expected_total: usize = (0..FILES)
        .map(|f| (0..PARAGRAPHS).filter(|&p| says_zinzolin(f, p)).count())
        .sum();
    assert!(total as usize >= expected_total.min(FACET_POOL + 1));
    assert!(total as usize > FACET_POOL, "{total} matches: too few");
    assert_eq!(best.len(), FACET_POOL);
    let body = get(&format!("/api/search?q={query}"));
    assert_eq!(body["facets"]["complete"], false);
    assert_eq!(
        facet_counts(&body, "docs", "doc_id"),
        tally(best.iter().map(|(d, _)| d))
    );
    assert_eq!(
        facet_counts(&body, "langs", "lang"),
        tally(best.iter().map(|(_, l)| l))
    );
    // with a language chosen: documents count that language's best passages, languages count
    // all of them
    let body = get(&format!("/api/search?q={query}&lang=en"));
    let english = best.iter().filter(|(_, l)| l == "en").map(|(d, _)| d);
    assert_eq!(facet_counts(&body, "docs", "doc_id"), tally(english));
    assert_eq!(
        facet_counts(&body, "langs", "lang"),
        tally(best.iter().map(|(_, l)| l))
    );
    assert_eq!(facet_counts(&body, "langs", "lang").len(), 2);
}

#[test]
fn figure_look_ups_find_every_place_and_only_those() {
    let expected: usize = (0..FILES)
        .map(|f| (0..PARAGRAPHS).filter(|&p| states_2023(f, p)).count())
        .sum();
    let body = get("/api/figures?value=2023&limit=1000");
    assert_eq!(body["total"].as_u64(), Some(expected as u64), "2023");
    // in corpus order: files in path order, passages in reading order
    let places: Vec<(String, u64)> = body["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .map(|f| {
            let id = f["passage_id"].as_str().expect("id");
            let passage = get(&format!("/api/passages/{}", id));
            (
                f["source"]["path"].as_str().expect("path").to_string(),
                passage["ordinal"].as_u64().expect("ordinal"),
            )
        })
        .take(40)
        .collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "figures not in corpus order");
    // a document filter and words narrow the look-up
    let doc = all_documents()
        .into_iter()
        .find(|d| {
            d["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("notes-05.txt"))
        })
        .expect("notes-05");
    let doc_id = doc["id"].as_str().expect("id");
    let in_doc = (0..PARAGRAPHS).filter(|&p| states_2023(5, p)).count();
    let body = get(&format!("/api/figures?value=2023&doc={doc_id}&limit=1000"));
    assert_eq!(body["total"].as_u64(), Some(in_doc as u64));
    let with_word = (0..PARAGRAPHS)
        .filter(|&p| states_2023(5, p) && says_zinzolin(5, p))
        .count();
    let body = get(&format!(
        "/api/figures?value=2023&doc={doc_id}&q=zinzolin&limit=1000"
    ));
    assert_eq!(body["total"].as_u64(), Some(with_word as u64));
    // the CLI's trace agrees
    let out = crate::util::run(&[
        "trace",
        "2023",
        "--index",
        served()._index.path().to_str().expect("utf-8"),
        "--json",
        "--limit",
        "1000",
    ]);
    assert!(out.status.success(), "{}", crate::util::stderr(&out));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(trace["total"].as_u64(), Some(expected as u64));
}
