//! `GET /api/context`: the best passages packed into a token budget for a language model,
//! numbered, with citations that lead back to the passages and open the source at the page.

use serde_json::Value;

use crate::util::{get_json, server};

/// The part of `context` under `[n]`, up to the next number.
fn entry(context: &str, n: usize) -> &str {
    let start = context
        .find(&format!("[{n}] "))
        .unwrap_or_else(|| panic!("[{n}] is not in the context"));
    let rest = &context[start..];
    let end = rest
        .find(&format!("\n\n[{}] ", n + 1))
        .unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_context_fits_the_budget_and_cites_its_passages() {
    for budget in [300usize, 2000] {
        let (status, body) = get_json(
            "/api/context",
            &[
                ("q", "taux de féminisation"),
                ("max_tokens", &budget.to_string()),
            ],
        );
        assert_eq!(status, 200, "{body}");
        let context = body["context"].as_str().expect("context");
        // counted again here, with the same real tokenizer
        let tokens = sourcier::context::tokens::count(context);
        assert_eq!(body["tokens"], tokens);
        assert!(tokens <= budget, "{tokens} tokens for a budget of {budget}");
        assert_eq!(body["match"], "strong");
        let citations = body["citations"].as_array().expect("citations");
        assert!(!citations.is_empty());
        for (i, citation) in citations.iter().enumerate() {
            let n = i + 1;
            assert_eq!(citation["n"], n);
            let quoted = entry(context, n);
            let ids = citation["passages"].as_array().expect("passages");
            assert!(ids.iter().any(|id| *id == citation["id"]), "{citation}");
            for id in ids {
                let id = id.as_str().expect("id");
                let (status, passage) = get_json(&format!("/api/passages/{id}"), &[]);
                assert_eq!(status, 200);
                let text = passage["text"].as_str().expect("text").trim();
                assert!(quoted.contains(text), "[{n}] does not quote {id}");
            }
        }
        let first = &citations[0];
        assert_eq!(first["id"], "cop-imt-2023-2027-p19-13583bfa5c".to_string());
        let url = first["url"].as_str().expect("url");
        assert!(url.starts_with(server()), "{url}");
        assert!(
            url.ends_with("/api/documents/cop-imt-2023-2027/file#page=19"),
            "{url}"
        );
        assert!(first["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Contrat d’objectifs") && t.ends_with(" · p. 19")));
        if budget == 300 {
            assert!(body["truncated"] == true, "{body}");
        } else {
            assert!(
                citations.len() >= 5,
                "{} citations in 2000 tokens",
                citations.len()
            );
        }
    }
}

#[test]
fn a_tiny_budget_cuts_the_best_passage_at_a_word() {
    let (status, body) = get_json(
        "/api/context",
        &[("q", "taux de féminisation"), ("max_tokens", "12")],
    );
    assert_eq!(status, 200, "{body}");
    let context = body["context"].as_str().expect("context");
    assert!(context.starts_with("[1] "), "{context}");
    assert!(sourcier::context::tokens::count(context) <= 12);
    assert_eq!(body["truncated"], true);
    assert_eq!(body["citations"].as_array().map(Vec::len), Some(1));
}

#[test]
fn neighbours_finish_a_thought_and_nothing_is_quoted_twice() {
    let (status, body) = get_json(
        "/api/context",
        &[("q", "taux de féminisation"), ("max_tokens", "8000")],
    );
    assert_eq!(status, 200, "{body}");
    let mut seen = std::collections::HashSet::new();
    let mut with_neighbours = 0;
    for citation in body["citations"].as_array().expect("citations") {
        let ids = citation["passages"].as_array().expect("passages");
        with_neighbours += usize::from(ids.len() > 1);
        for id in ids {
            assert!(seen.insert(id.clone()), "{id} quoted twice");
        }
    }
    // "… Premier bilan des" (p. 32) stops mid-sentence: its next passage comes with it
    assert!(with_neighbours > 0, "{body}");
}

#[test]
fn bad_context_requests_are_json_4xx() {
    for (params, status, code) in [
        (vec![("max_tokens", "100")], 400, "empty_query"),
        (vec![("q", " ")], 400, "empty_query"),
        (
            vec![("q", "taux"), ("max_tokens", "0")],
            400,
            "bad_max_tokens",
        ),
        (
            vec![("q", "taux"), ("max_tokens", "64000")],
            400,
            "bad_max_tokens",
        ),
        (
            vec![("q", "taux"), ("max_tokens", "many")],
            400,
            "bad_parameter",
        ),
        (vec![("q", "taux"), ("lang", "de")], 400, "bad_lang"),
        (vec![("q", "taux"), ("doc", "nope")], 404, "not_found"),
    ] {
        let (got, body): (u16, Value) = get_json("/api/context", &params);
        assert_eq!(got, status, "{params:?}: {body}");
        assert_eq!(body["code"], code, "{params:?}: {body}");
    }
}
