//! Answers and figure tracing end to end on the real corpus: `/api/answer` and `/api/figures`
//! through a real server, `sourcier ask` and `sourcier trace` through the real binary, and the
//! answer/figure floors of `sourcier eval`.

use crate::util::{corpus, get_json, root, run, shared_index, stderr, stdout};
use serde_json::Value;

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

fn answer(q: &str) -> Value {
    let (status, body) = get_json("/api/answer", &[("q", q)]);
    assert_eq!(status, 200, "{body}");
    body
}

/// The page was checked against the PDF (`pdftotext -f 3 -l 3`).
#[test]
fn how_many_students_is_answered_by_the_cop_fact_sheet() {
    let body = answer("Combien d'étudiants compte l'IMT ?");
    let first = &body["answers"][0];
    assert!(
        str_of(first, "text").starts_with("13 600 étudiants"),
        "{body}"
    );
    assert_eq!(first["source"]["doc_id"], "cop-imt-2023-2027");
    assert_eq!(first["source"]["page_start"], 3);
    assert!(str_of(first, "highlight").contains("<mark>étudiants</mark>"));
    let confidence = first["confidence"].as_f64().unwrap_or(0.0);
    assert!((0.5..=1.0).contains(&confidence), "{confidence}");
    assert!(!body["passages"].as_array().is_none_or(Vec::is_empty));
    assert!(body["took_ms"].as_f64().is_some());
}

/// `text` is exactly `passage.text[char_start..char_end]` (in chars), checked against
/// `/api/passages/{id}`, for every answer of a spread of questions.
#[test]
fn answer_offsets_point_into_the_passage() {
    let questions = [
        "Combien d'étudiants compte l'IMT ?",
        "Quelle part du budget global provient de ressources propres ?",
        "When did the IMT board adopt its mission statement?",
        "Qui est le directeur de Télécom Paris ?",
        "Quand le laboratoire I3 a-t-il été créé ?",
        "How many responses did the mission statement questionnaire receive?",
    ];
    let mut checked = 0;
    for q in questions {
        let body = answer(q);
        for a in body["answers"].as_array().into_iter().flatten() {
            let id = str_of(a, "passage_id");
            let (status, passage) = get_json(&format!("/api/passages/{id}"), &[]);
            assert_eq!(status, 200, "{passage}");
            let start = a["char_start"].as_u64().unwrap_or(0) as usize;
            let end = a["char_end"].as_u64().unwrap_or(0) as usize;
            let slice: String = str_of(&passage, "text")
                .chars()
                .skip(start)
                .take(end - start)
                .collect();
            assert_eq!(slice, str_of(a, "text"), "{q}");
            assert_eq!(a["source"], passage["source"], "{q}");
            checked += 1;
        }
    }
    assert!(checked >= questions.len(), "only {checked} answers");
}

#[test]
fn a_question_the_corpus_does_not_answer_gets_no_answer() {
    for q in [
        "Quelle est la recette de la tarte tatin ?",
        "Who won the football world cup in 2018?",
    ] {
        let body = answer(q);
        assert_eq!(body["answers"], serde_json::json!([]), "{q}: {body}");
    }
}

#[test]
fn bad_answer_requests_are_json_400s() {
    for (params, code) in [
        (vec![("q", "")], "empty_query"),
        (vec![], "empty_query"),
        (vec![("q", "budget"), ("limit", "0")], "bad_limit"),
        (vec![("q", "budget"), ("lang", "de")], "bad_lang"),
    ] {
        let (status, body) = get_json("/api/answer", &params);
        assert_eq!(status, 400, "{params:?}: {body}");
        assert_eq!(body["code"], code, "{params:?}");
    }
}

#[test]
fn figures_are_found_by_value_however_typed() {
    for typed in ["38%", "38 %"] {
        let (status, body) = get_json("/api/figures", &[("value", typed)]);
        assert_eq!(status, 200, "{body}");
        let figures = body["figures"].as_array().cloned().unwrap_or_default();
        let budget = figures
            .iter()
            .find(|f| {
                str_of(f, "sentence")
                    .contains("38% du budget global provenant de ressources propres")
            })
            .unwrap_or_else(|| panic!("{typed}: {body}"));
        assert_eq!(budget["unit"], "percent");
        assert!((budget["value"].as_f64().unwrap_or(0.0) - 0.38).abs() < 1e-9);
        assert_eq!(budget["source"]["page_start"], 4);
        assert!(figures.iter().all(|f| f["unit"] == "percent"));
    }
    for typed in ["13 600", "13600", "13,6 k"] {
        let (_, body) = get_json("/api/figures", &[("value", typed)]);
        let first = &body["figures"][0];
        assert_eq!(first["raw"], "13 600", "{typed}: {body}");
        assert_eq!(first["value"], 13600.0);
        assert_eq!(first["noun"], "étudiants");
    }
}

#[test]
fn figures_by_words_unit_and_document() {
    let (status, body) = get_json(
        "/api/figures",
        &[
            ("q", "chiffre d'affaires"),
            ("unit", "EUR"),
            ("doc", "cop-imt-2023-2027"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let figures = body["figures"].as_array().cloned().unwrap_or_default();
    assert!(figures.iter().any(|f| f["raw"] == "76,3 M€"), "{body}");
    assert!(figures
        .iter()
        .all(|f| f["unit"] == "EUR" && f["source"]["doc_id"] == "cop-imt-2023-2027"));
    for (params, status, code) in [
        (vec![("value", "abc")], 400, "bad_value"),
        (vec![("value", "38%"), ("unit", "kg")], 400, "bad_unit"),
        (vec![], 400, "empty_query"),
        (vec![("value", "38%"), ("doc", "nope")], 404, "not_found"),
    ] {
        let (got, body) = get_json("/api/figures", &params);
        assert_eq!(got, status, "{params:?}: {body}");
        assert_eq!(body["code"], code, "{params:?}");
    }
}

fn index_arg() -> String {
    shared_index().to_str().expect("utf-8").to_string()
}

#[test]
fn ask_prints_the_answer_its_citation_and_candidates() {
    let index = index_arg();
    let out = run(&[
        "ask",
        "Combien d'étudiants compte l'IMT ?",
        "--index",
        &index,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .starts_with("13 600 étudiants"),
        "{text}"
    );
    assert!(
        lines.next().unwrap_or_default().contains(
            "Contrat d’objectifs et de performance 2023-2027 de l’Institut Mines-Télécom · p. 3 · L’IMT en faits et chiffres"
        ),
        "{text}"
    );
    assert!(text.contains("next candidates:"), "{text}");

    let out = run(&[
        "ask",
        "Combien d'étudiants compte l'IMT ?",
        "--index",
        &index,
        "--json",
    ]);
    let body: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let (_, http) = get_json(
        "/api/answer",
        &[("q", "Combien d'étudiants compte l'IMT ?")],
    );
    assert_eq!(body["answers"], http["answers"]);

    let out = run(&[
        "ask",
        "Quelle est la recette de la tarte tatin ?",
        "--index",
        &index,
    ]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("no answer to"), "{}", stdout(&out));
}

#[test]
fn trace_lists_every_place_a_figure_is_stated() {
    let index = index_arg();
    let out = run(&["trace", "38%", "--index", &index]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(
        "Contrat d’objectifs et de performance 2023-2027 de l’Institut Mines-Télécom · p. 4 · L’IMT en faits et chiffres · 38% du budget global provenant de ressources propres"
    ), "{text}");
    let out = run(&["trace", "13,6 k", "--index", &index]);
    assert!(stdout(&out).contains("· p. 3 ·"), "{}", stdout(&out));
    let out = run(&["trace", "pas un nombre", "--index", &index]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no number in `value`"),
        "{}",
        stderr(&out)
    );
}

/// Floors from the measured figures (see docs/relevance.md): a change that hurts answers or
/// figure look-ups fails here.
const ANSWER_ACCURACY_AT_1: f64 = 0.73;
const NEGATIVES_WITHOUT_ANSWER: f64 = 0.87;
const FIGURE_RECALL: f64 = 0.97;
const FIGURE_PRECISION: f64 = 0.97;

#[test]
fn answers_and_figures_stay_above_their_floors() {
    let eval = root().join("tests").join("eval");
    let path = |name: &str| eval.join(name).to_str().expect("utf-8").to_string();
    let out = run(&[
        "eval",
        "--json",
        "--queries",
        &path("queries.jsonl"),
        "--answers",
        &path("answers.jsonl"),
        "--figures",
        &path("figures.jsonl"),
        "--corpus",
        corpus().to_str().expect("utf-8"),
        "--index",
        &index_arg(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let answers = &report["answers"];
    let figures = &report["figures"];
    assert!(answers["questions"].as_u64().unwrap_or(0) >= 60);
    assert!(figures["lookups"].as_u64().unwrap_or(0) >= 30);
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let checks = [
        (
            "answer accuracy@1",
            f(&answers["accuracy_at_1"]),
            ANSWER_ACCURACY_AT_1,
        ),
        (
            "negatives without answer",
            f(&answers["per_kind"]["negative"][1]),
            NEGATIVES_WITHOUT_ANSWER,
        ),
        ("figure recall", f(&figures["recall"]), FIGURE_RECALL),
        (
            "figure precision",
            f(&figures["precision"]),
            FIGURE_PRECISION,
        ),
    ];
    let failures: Vec<String> = checks
        .iter()
        .filter(|(_, got, floor)| got < floor)
        .map(|(name, got, floor)| format!("{name} {got:.3} < {floor}"))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
