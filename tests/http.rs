//! The HTTP API end to end on the real corpus, through a real server on 127.0.0.1:0.

use crate::util::{agent, first_hit_text, get_json, search, server, shared_index};
use serde_json::Value;

fn doc_of(hit: &Value) -> &str {
    hit["source"]["doc_id"].as_str().unwrap_or_default()
}

fn page_of(hit: &Value) -> u64 {
    hit["source"]["page_start"].as_u64().unwrap_or_default()
}

/// The page was checked against the PDF itself (`pdftotext -f 19 -l 19`).
#[test]
fn taux_de_feminisation_finds_the_cop_page_first() {
    let hits = search("taux de féminisation");
    let first = &hits[0];
    assert_eq!(doc_of(first), "cop-imt-2023-2027");
    assert_eq!(page_of(first), 19);
    assert_eq!(first["source"]["kind"], "pdf");
    assert!(first["text"]
        .as_str()
        .unwrap_or_default()
        .contains("taux de féminisation"));
    let highlight = first["highlight"].as_str().unwrap_or_default();
    assert!(
        highlight.contains("<mark>taux</mark> de <mark>féminisation</mark>"),
        "{highlight}"
    );

    let unaccented = search("feminisation");
    let top3: Vec<&str> = unaccented
        .iter()
        .take(3)
        .map(|h| h["id"].as_str().unwrap_or_default())
        .collect();
    assert!(
        top3.contains(&first["id"].as_str().unwrap_or_default()),
        "{top3:?}"
    );
}

/// A typo is still found (below exact matches) and gets a "did you mean"; a word the
/// documents hold only in another form (`test` in `tester`) is no typo and gets none.
#[test]
fn a_typo_gets_did_you_mean_and_a_word_found_by_its_stem_does_not() {
    let (status, typo) = get_json("/api/search", &[("q", "taux de feminisaton")]);
    assert_eq!(status, 200, "{typo}");
    assert_eq!(typo["suggestion"], "taux de feminisation", "{typo}");
    let first = &typo["hits"][0];
    assert_eq!(doc_of(first), "cop-imt-2023-2027");
    assert!(
        first["highlight"]
            .as_str()
            .unwrap_or_default()
            .contains("<mark>féminisation</mark>"),
        "{first}"
    );

    let (status, stem) = get_json("/api/search", &[("q", "test")]);
    assert_eq!(status, 200, "{stem}");
    assert!(stem["total"].as_u64().unwrap_or_default() > 0, "{stem}");
    assert!(stem["suggestion"].is_null(), "{stem}");
}

#[test]
fn figures_match_however_they_are_typed() {
    let hits = search("13600 étudiants");
    assert!(
        hits.iter().take(3).any(|h| h["text"]
            .as_str()
            .unwrap_or_default()
            .contains("13 600 étudiants")),
        "no `13 600 étudiants` in the top 3"
    );
    let highlight = hits[0]["highlight"].as_str().unwrap_or_default();
    assert!(highlight.contains("<mark>13 600</mark>"), "{highlight}");

    let hits = search("38 %");
    assert!(hits[0]["text"].as_str().unwrap_or_default().contains("38%"));
    assert!(hits[0]["highlight"]
        .as_str()
        .unwrap_or_default()
        .contains("<mark>38%</mark>"));
}

#[test]
fn english_question_finds_the_mission_statement() {
    let hits = search("When did the board adopt IMT's mission statement?");
    assert_eq!(doc_of(&hits[0]), "imt-mission-statement");
    assert_eq!(hits[0]["lang"], "en");
    assert!(hits[0]["text"]
        .as_str()
        .unwrap_or_default()
        .contains("12 March"));
}

/// The response says which language the query was read in: the question's words decide, not
/// the French names it carries.
#[test]
fn the_query_language_is_that_of_its_words_not_its_names() {
    for (q, lang) in [
        (
            "How many parts make up Télécom Paris's purpose statement?",
            "en",
        ),
        (
            "Which schools make up Institut Polytechnique de Paris?",
            "en",
        ),
        (
            "Quelles écoles composent l'Institut Polytechnique de Paris ?",
            "fr",
        ),
    ] {
        let (status, body) = get_json("/api/search", &[("q", q)]);
        assert_eq!(status, 200);
        assert_eq!(body["query_lang"], lang, "{q}");
    }
}

/// An English query's words are stemmed as English to find their synonyms: French Snowball
/// cuts `statement` to `stat`, as it does `state`, whose rule brings `État`.
#[test]
fn an_english_word_finds_no_synonym_through_its_french_stem() {
    let q = "How many parts make up Télécom Paris's purpose statement?";
    let (status, body) = get_json("/api/search", &[("q", q), ("limit", "20")]);
    assert_eq!(status, 200);
    assert_eq!(body["query_lang"], "en");
    let hits = body["hits"].as_array().cloned().unwrap_or_default();
    assert!(!hits.is_empty());
    for h in &hits {
        let marked = h["highlight"].as_str().unwrap_or_default().to_lowercase();
        assert!(!marked.contains("<mark>état</mark>"), "{marked}");
    }
    // the same rule still applies to `state`
    let (_, body) = get_json("/api/search", &[("q", "What does the state fund?")]);
    let marked: String = body["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h["highlight"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert!(marked.contains("<mark>état</mark>"), "{marked}");
}

/// A question asking when comes first with the passage stating the date: both passages
/// below speak of the board and the mission statement; one says when it was adopted.
#[test]
fn a_date_question_is_answered_by_the_passage_stating_the_date() {
    let first =
        first_hit_text("On what day did IMT's board formally approve its statement of purpose?");
    assert!(first.contains("on 12 March"), "{first}");
}

/// A question is answered where its words stand together: the IMT Business School fiche's
/// preamble (every fiche repeats it) has the school's name in its heading and a few of the
/// question's words scattered over ten lines; the passage saying `Les 4 valeurs de l'école
/// demeurent inchangées : Audace, …` in one sentence comes first (second without the rule).
#[test]
fn a_question_comes_first_where_its_words_stand_together() {
    let first = first_hit_text("What are the four values of IMT Business School?");
    assert!(first.contains("Audace, Excellence, Ouverture"), "{first}");
}

/// `compte` is dropped from a question only as the verb framing it (`compte-t-il
/// renouveler`); in `rend-on compte` it is what is asked about, and the passage saying `Un
/// compte rendu … sera présenté chaque année` comes first (second when it was dropped).
#[test]
fn a_question_keeps_compte_when_it_is_the_noun() {
    let first = first_hit_text(
        "Devant quelles instances rend-on compte, une fois par an, des progrès du contrat ?",
    );
    assert!(
        first.contains("Un compte rendu de la réalisation du COP"),
        "{first}"
    );
}

/// A page's order does not depend on its size: the first ten of fifty hits are the page of
/// ten, and the second page of ten goes on from it (a question's passages are scored again
/// over a fixed pool; a keyword search's are not scored again).
#[test]
fn pages_agree_whatever_their_size() {
    let ids = |q: &str, limit: &str, offset: &str| -> Vec<String> {
        let params = [("q", q), ("limit", limit), ("offset", offset)];
        let (status, body) = get_json("/api/search", &params);
        assert_eq!(status, 200, "{body}");
        body["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["id"].as_str().map(String::from))
            .collect()
    };
    for q in [
        "How many parts make up Télécom Paris's purpose statement?",
        "Quand l'IMT a-t-il ouvert son bachelor à Dakar ?",
        "taux de féminisation",
    ] {
        let fifty = ids(q, "50", "0");
        assert!(fifty.len() >= 20, "{q}: {} hits", fifty.len());
        assert_eq!(ids(q, "10", "0"), fifty[..10], "{q}");
        assert_eq!(ids(q, "10", "10"), fifty[10..20], "{q}");
    }
}

/// A footnote is found by what it annotates: note 20 of the COP (`20 Partenaires : Télécom
/// Paris, …, Strate Ecole de Design`) sits in a passage that never names the Carnot institute
/// its call follows (`Carnot Télécom Société numérique20`); the passage says so in `annotates`.
#[test]
fn a_footnote_is_found_by_what_it_annotates() {
    let hits = search("Carnot TSN partenaires");
    let note = hits
        .iter()
        .take(3)
        .find(|h| {
            h["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Strate Ecole de Design")
        })
        .unwrap_or_else(|| panic!("note 20 not in the first three hits: {hits:?}"));
    let id = note["id"].as_str().unwrap_or_default();
    let (status, passage) = get_json(&format!("/api/passages/{id}"), &[]);
    assert_eq!(status, 200);
    assert_eq!(
        passage["annotates"],
        serde_json::json!(["instituts Carnot Télécom Société numérique"]),
        "{passage}"
    );
}

/// `aujourd’hui` is one word, however its apostrophe is typed, and is highlighted whole.
#[test]
fn a_word_with_an_inner_apostrophe_is_one_word() {
    let ids = |hits: &[Value]| -> Vec<String> {
        hits.iter()
            .map(|h| h["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let typed = search("aujourd'hui");
    let curly = search("aujourd’hui");
    assert!(!typed.is_empty());
    assert_eq!(ids(&typed), ids(&curly));
    let highlight = typed[0]["highlight"].as_str().unwrap_or_default();
    assert!(
        highlight.contains("<mark>aujourd’hui</mark>")
            || highlight.contains("<mark>Aujourd’hui</mark>"),
        "{highlight}"
    );
}

#[test]
fn each_web_page_answers_its_own_query() {
    for (query, doc, expected) in [
        (
            "incubateur Télécom Paris Novation Center",
            "telecom-paris-ecosysteme",
            "Novation Center",
        ),
        (
            "raison d'être de Télécom Paris",
            "telecom-paris-raison-d-etre",
            "raison d",
        ),
        (
            "politique internationale de Télécom Paris depuis deux décennies",
            "telecom-paris-strategie-internationale",
            "deux décennies",
        ),
    ] {
        let hits = search(query);
        assert_eq!(doc_of(&hits[0]), doc, "{query}");
        assert!(
            hits[0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .contains(&expected.to_lowercase()),
            "{query}"
        );
        assert_eq!(hits[0]["source"]["kind"], "html");
        assert!(hits[0]["source"]["url"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://www.telecom-paris.fr/"));
    }
}

#[test]
fn quoted_text_is_a_phrase() {
    let hits = search("\"innover et entreprendre\"");
    assert!(!hits.is_empty());
    for hit in &hits {
        let text = hit["text"].as_str().unwrap_or_default().to_lowercase();
        assert!(text.contains("innover et entreprendre"), "{text}");
    }
    // the same words not as a phrase match more
    assert!(search("innover et entreprendre").len() > hits.len());
}

#[test]
fn response_has_the_contract_fields() {
    let (status, body) = get_json("/api/search", &[("q", "apprentissage"), ("limit", "2")]);
    assert_eq!(status, 200);
    assert_eq!(body["query"], "apprentissage");
    assert!(body["total"].as_u64().unwrap_or_default() >= 2);
    assert!(body["took_ms"].is_number());
    let hits = body["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 2);
    for hit in hits {
        for key in ["id", "score", "text", "highlight", "lang", "source"] {
            assert!(!hit[key].is_null(), "missing {key}");
        }
        for key in [
            "doc_id",
            "title",
            "path",
            "kind",
            "page_start",
            "page_end",
            "char_start",
            "char_end",
        ] {
            assert!(!hit["source"][key].is_null(), "missing source.{key}");
        }
        assert!(hit["source"]["path"]
            .as_str()
            .unwrap_or_default()
            .starts_with("corpus/"));
        assert!(hit["source"].get("url").is_some() && hit["source"].get("section").is_some());
    }
    assert!(hits[0]["score"].as_f64() >= hits[1]["score"].as_f64());
    // offset pages through the same ranking
    let (_, page2) = get_json(
        "/api/search",
        &[("q", "apprentissage"), ("limit", "1"), ("offset", "1")],
    );
    assert_eq!(page2["hits"][0]["id"], hits[1]["id"]);
}

#[test]
fn filters_by_language_and_document() {
    let (_, body) = get_json(
        "/api/search",
        &[("q", "Institut Mines-Télécom"), ("lang", "en")],
    );
    let hits = body["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["lang"] == "en"));
    let (_, body) = get_json(
        "/api/search",
        &[("q", "école"), ("doc", "telecom-paris-ecosysteme")],
    );
    let hits = body["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .all(|h| h["source"]["doc_id"] == "telecom-paris-ecosysteme"));
}

#[test]
fn bad_requests_are_json_4xx() {
    let long = "a".repeat(1001);
    for (params, code) in [
        (vec![("q", "")], "empty_query"),
        (vec![("q", "   ")], "empty_query"),
        (vec![], "empty_query"),
        (vec![("q", "ok"), ("limit", "0")], "bad_limit"),
        (vec![("q", "ok"), ("limit", "101")], "bad_limit"),
        (vec![("q", "ok"), ("limit", "ten")], "bad_limit"),
        (vec![("q", "ok"), ("lang", "de")], "bad_lang"),
        (vec![("q", long.as_str())], "query_too_long"),
    ] {
        let (status, body) = get_json("/api/search", &params);
        assert_eq!(status, 400, "{params:?}: {body}");
        assert_eq!(body["code"], code, "{params:?}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let (status, body) = get_json("/api/search", &[("q", "école"), ("doc", "no-such-doc")]);
    assert_eq!(status, 404, "{body}");
    let (status, body) = get_json("/api/passages/no-such-passage", &[]);
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let (status, _) = get_json("/api/nothing-here", &[]);
    assert_eq!(status, 404);
}

#[test]
fn passages_come_with_their_neighbours() {
    let hits = search("taux de féminisation");
    let id = hits[0]["id"].as_str().expect("id");
    let (status, body) = get_json(&format!("/api/passages/{id}"), &[]);
    assert_eq!(status, 200);
    assert_eq!(body["id"], id);
    assert_eq!(body["text"], hits[0]["text"]);
    let prev = body["prev_id"].as_str().expect("a previous passage");
    let next = body["next_id"].as_str().expect("a next passage");
    let (_, prev_body) = get_json(&format!("/api/passages/{prev}"), &[]);
    assert_eq!(prev_body["next_id"], id);
    let (_, next_body) = get_json(&format!("/api/passages/{next}"), &[]);
    assert_eq!(next_body["prev_id"], id);
}

#[test]
fn documents_are_listed_and_served() {
    let (status, body) = get_json("/api/documents", &[]);
    assert_eq!(status, 200);
    let docs = body["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 5);
    let cop = docs
        .iter()
        .find(|d| d["id"] == "cop-imt-2023-2027")
        .expect("the COP");
    assert_eq!(cop["pages"], 120);
    assert_eq!(cop["kind"], "pdf");
    assert_eq!(cop["lang"], "fr");
    assert!(cop["passages"].as_u64().unwrap_or_default() > 100);
    let en = docs
        .iter()
        .find(|d| d["id"] == "imt-mission-statement")
        .expect("mission statement");
    assert_eq!(en["lang"], "en");

    let mut response = agent()
        .get(format!("{}/api/documents/cop-imt-2023-2027/file", server()))
        .call()
        .expect("file request");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response
        .body_mut()
        .with_config()
        .limit(10_000_000)
        .read_to_vec()
        .expect("body");
    assert!(bytes.starts_with(b"%PDF-"));
    let response = agent()
        .get(format!(
            "{}/api/documents/telecom-paris-ecosysteme/file",
            server()
        ))
        .call()
        .expect("file request");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/html"));

    // no path from the request reaches the filesystem
    for probe in ["..%2F..%2FCargo.toml", "..", "%2Fetc%2Fpasswd"] {
        let (status, _) = get_json(&format!("/api/documents/{probe}/file"), &[]);
        assert_eq!(status, 404, "{probe}");
    }
}

/// Following `next_offset` with `limit=2` lists every document exactly once, in the index's
/// (manifest) order, with the right `total`; the last page has `next_offset: null`.
#[test]
fn documents_page_through_in_manifest_order() {
    let engine = sourcier::search::Engine::open(shared_index()).expect("index opens");
    let expected: Vec<String> = engine.documents().iter().map(|d| d.id.clone()).collect();
    assert!(expected.len() > 2, "more than one page: {expected:?}");
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut offset = Some(0);
    while let Some(at) = offset {
        let at_text = at.to_string();
        let (status, body) = get_json("/api/documents", &[("limit", "2"), ("offset", &at_text)]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], expected.len(), "{body}");
        assert_eq!(body["offset"], at, "{body}");
        assert_eq!(body["limit"], 2, "{body}");
        let page = body["documents"].as_array().expect("documents");
        assert!((1..=2).contains(&page.len()), "{body}");
        ids.extend(
            page.iter()
                .map(|d| d["id"].as_str().unwrap_or_default().to_string()),
        );
        offset = body["next_offset"].as_u64().map(|n| n as usize);
        match offset {
            Some(next) => assert_eq!(next, at + 2, "{body}"),
            None => {
                assert!(body["next_offset"].is_null(), "{body}");
                assert_eq!(ids.len(), expected.len(), "null only on the last page");
            }
        }
        pages += 1;
        assert!(pages <= expected.len(), "next_offset never ends");
    }
    assert_eq!(ids, expected);
    assert_eq!(pages, expected.len().div_ceil(2));
}

/// A limit of 0 or over 1000 is a JSON 400 `bad_limit`; an offset past the end is an empty
/// last page; the defaults hold the whole small corpus; `skipped_limit=0` keeps only the count.
#[test]
fn documents_pages_refuse_bad_limits_and_end_cleanly() {
    for (name, value) in [
        ("limit", "0"),
        ("limit", "5000"),
        ("limit", "1001"),
        ("limit", "two"),
        ("skipped_limit", "5000"),
    ] {
        let (status, body) = get_json("/api/documents", &[(name, value)]);
        assert_eq!(status, 400, "{name}={value}: {body}");
        assert_eq!(body["code"], "bad_limit", "{body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains(&format!("`{name}`"))),
            "{body}"
        );
    }
    let (status, body) = get_json("/api/documents", &[("offset", "-1")]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "bad_parameter", "{body}");

    let (status, all) = get_json("/api/documents", &[]);
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["limit"], 100);
    assert_eq!(all["offset"], 0);
    assert_eq!(all["documents"].as_array().map(Vec::len), Some(5));
    assert_eq!(all["total"], 5);
    assert!(all["next_offset"].is_null(), "{all}");
    assert_eq!(all["skipped_limit"], 100);
    let skipped_total = all["skipped_total"].as_u64().expect("skipped_total");
    assert_eq!(
        all["skipped"].as_array().map(|s| s.len() as u64),
        Some(skipped_total)
    );

    for offset in ["5", "1000000"] {
        let (status, body) = get_json("/api/documents", &[("offset", offset), ("limit", "1000")]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["documents"], serde_json::json!([]), "{body}");
        assert_eq!(body["total"], 5);
        assert_eq!(body["offset"], offset.parse::<u64>().unwrap_or_default());
        assert!(body["next_offset"].is_null(), "{body}");
    }

    let (status, body) = get_json("/api/documents", &[("skipped_limit", "0")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["skipped"], serde_json::json!([]));
    assert_eq!(body["skipped_total"], skipped_total);
    assert!(body["skipped_next_offset"].is_null(), "{body}");
    assert_eq!(body["documents"], all["documents"]);
}

#[test]
fn health_and_cors() {
    let (status, body) = get_json("/healthz", &[]);
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let response = agent()
        .get(format!("{}/api/search?q=IMT", server()))
        .header("Origin", "https://chat.example.org")
        .call()
        .expect("request");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

/// A hit's offsets slice its page's extracted text back to the hit's text exactly.
#[test]
fn citations_point_into_the_extracted_page() {
    let mut checked = 0;
    for q in [
        "taux de féminisation",
        "mission statement",
        "écoles partenaires",
        "13600",
    ] {
        for hit in search(q).iter().take(5) {
            let path = crate::util::root().join(hit["source"]["path"].as_str().expect("path"));
            let bytes = std::fs::read(&path).expect("cited file exists");
            let doc = sourcier::extract::extract(&path, &bytes).expect("extracts");
            let page_number = hit["source"]["page_start"].as_u64().expect("page") as u32;
            let page = doc
                .pages
                .iter()
                .find(|p| p.number == page_number)
                .expect("cited page");
            let start = hit["source"]["char_start"].as_u64().expect("start") as usize;
            let end = hit["source"]["char_end"].as_u64().expect("end") as usize;
            let slice: String = page.text.chars().skip(start).take(end - start).collect();
            assert_eq!(
                slice,
                hit["text"].as_str().expect("text"),
                "{q}: {}",
                hit["id"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 15);
}

/// Facet counts tell what a filter would give: each document's count is the total of the
/// search filtered on it, and a facet ignores its own filter (so the other choices stay
/// visible) but honours the other one.
#[test]
fn facets_count_what_each_filter_would_give() {
    let q = "Télécom Paris";
    let (status, body) = get_json("/api/search", &[("q", q)]);
    assert_eq!(status, 200, "{body}");
    let total = body["total"].as_u64().expect("total");
    let docs = body["facets"]["docs"]
        .as_array()
        .expect("doc facets")
        .clone();
    let langs = body["facets"]["langs"]
        .as_array()
        .expect("lang facets")
        .clone();
    assert!(docs.len() >= 2, "{docs:?}");
    // fewer matches than the facets count: every one is counted
    assert_eq!(body["facets"]["complete"], true);
    let sum = |f: &[Value]| {
        f.iter()
            .map(|d| d["count"].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum(&docs), total);
    assert_eq!(sum(&langs), total);
    for facet in &docs {
        let doc = facet["doc_id"].as_str().expect("doc id");
        assert!(!facet["title"].as_str().unwrap_or_default().is_empty());
        let (_, filtered) = get_json("/api/search", &[("q", q), ("doc", doc)]);
        assert_eq!(filtered["total"], facet["count"], "{doc}");
        // The document facet ignores the document filter: every document is still listed.
        assert_eq!(
            filtered["facets"]["docs"].as_array().map(Vec::len),
            Some(docs.len())
        );
        assert_eq!(
            sum(filtered["facets"]["langs"].as_array().expect("langs")),
            filtered["total"].as_u64().unwrap_or(0)
        );
    }
    let (_, english) = get_json("/api/search", &[("q", q), ("lang", "en")]);
    assert_eq!(english["facets"]["langs"], body["facets"]["langs"]);
    assert_eq!(
        sum(english["facets"]["docs"].as_array().expect("docs")),
        english["total"].as_u64().unwrap_or(0)
    );

    let (_, none) = get_json("/api/search", &[("q", "zzqxv")]);
    assert_eq!(
        none["facets"],
        serde_json::json!({"docs": [], "langs": [], "complete": true})
    );
}

#[test]
fn the_search_page_and_its_assets_are_served() {
    for (path, content_type, needle) in [
        ("/", "text/html", "<input id=\"q\""),
        ("/ui/app.js", "text/javascript", "/api/search"),
        ("/ui/style.css", "text/css", "mark"),
    ] {
        let mut response = agent()
            .get(format!("{}{path}", server()))
            .call()
            .expect("request completes");
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert!(header("content-type").starts_with(content_type), "{path}");
        assert!(
            header("content-security-policy").contains("default-src 'self'"),
            "{path}"
        );
        let body = response.body_mut().read_to_string().expect("text body");
        assert!(body.contains(needle), "{path}");
    }
}
