//! Ranking floors on the public evaluation set (`tests/eval/queries.jsonl`), through
//! `sourcier eval --json`. The floors are the measured figures minus a small margin: a change
//! that hurts ranking fails here. Raise them when ranking improves.

use crate::util::{corpus, root, run, shared_index, stderr};

/// (kind, MRR@10 floor); `overall` covers every answered query. Crosslingual went 0.86 → 0.85
/// when the relevance audit replaced the answers of a question it found unanswered in its top 10
/// (ranking unchanged); question went 0.72 → 0.77 with the answers the audit added. A term the
/// synonyms name counting as one concept for coordination moved crosslingual 0.869 → 0.852 (one
/// question 1st → 2nd) and question 0.801 → 0.813: floors 0.84 and 0.79.
const MRR_FLOORS: &[(&str, f64)] = &[
    ("overall", 0.91),
    ("crosslingual", 0.84),
    ("figure", 0.96),
    ("keyword", 0.94),
    ("noaccent", 0.95),
    ("phrase", 0.97),
    ("question", 0.79),
    ("variant", 0.89),
];
const OVERALL_SUCCESS_AT_1: f64 = 0.88;
const OVERALL_SUCCESS_AT_5: f64 = 0.96;
/// Share of negative queries whose response is not a strong match.
const NEGATIVES_FLAGGED: f64 = 0.9;

#[test]
fn ranking_stays_above_its_floors() {
    let queries = root().join("tests").join("eval").join("queries.jsonl");
    let out = run(&[
        "eval",
        "--json",
        "--queries",
        queries.to_str().expect("utf-8"),
        "--corpus",
        corpus().to_str().expect("utf-8"),
        "--index",
        shared_index().to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let overall = &report["overall"];
    assert!(overall["queries"].as_u64().unwrap_or(0) >= 120);
    // the thesaurus is read before the clock starts, and the report says how long it took
    assert!(report["thesaurus_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    let figure = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(0.0);
    let mut failures = Vec::new();
    for (kind, floor) in MRR_FLOORS {
        let m = if *kind == "overall" {
            overall
        } else {
            &report["per_kind"][kind]
        };
        let mrr = figure(m, "mrr_at_10");
        if mrr < *floor {
            failures.push(format!("{kind}: MRR@10 {mrr:.3} < {floor}"));
        }
    }
    for (key, floor) in [
        ("success_at_1", OVERALL_SUCCESS_AT_1),
        ("success_at_5", OVERALL_SUCCESS_AT_5),
    ] {
        let v = figure(overall, key);
        if v < floor {
            failures.push(format!("overall {key} {v:.3} < {floor}"));
        }
    }
    let flagged = figure(&report["per_kind"]["negative"], "success_at_1");
    if flagged < NEGATIVES_FLAGGED {
        failures.push(format!(
            "negatives flagged {flagged:.3} < {NEGATIVES_FLAGGED}"
        ));
    }
    assert!(
        failures.is_empty(),
        "ranking fell below its floors:\n{}",
        failures.join("\n")
    );
}

/// The hits of `sourcier search --json` over `index`, with one environment variable set.
fn search_with(
    index: &std::path::Path,
    query: &str,
    (var, value): (&str, &str),
) -> Vec<serde_json::Value> {
    let out = crate::util::bin()
        .args([
            "search",
            "--json",
            "--index",
            index.to_str().expect("utf-8"),
        ])
        .arg(query)
        .env(var, value)
        .output()
        .expect("search runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    body["hits"].as_array().cloned().unwrap_or_default()
}

/// A corpus without a synonyms file: an English word reaches French text through a dictd
/// bilingual dictionary named by `SOURCIER_DICTIONARY`, and only through it.
#[test]
fn english_words_reach_french_text_through_a_bilingual_dictionary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).expect("docs folder");
    std::fs::copy(
        corpus().join("telecom-paris-ecosysteme.html"),
        docs.join("telecom-paris-ecosysteme.html"),
    )
    .expect("copy a page");
    let index = dir.path().join("index");
    let (indexed, _, log) = crate::util::ingest_json(&docs, &index, &[]);
    assert!(indexed, "{log}");
    // dictd: `headword TAB offset TAB length` (base 64) into the `.dict` beside the index.
    let entry = "abroad /əˈbrɔːd/\nétranger, dehors\n";
    std::fs::write(dir.path().join("mini.dict"), entry).expect("write dict");
    let b64 = |n: usize| {
        let digits = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        format!("{}{}", digits[n / 64] as char, digits[n % 64] as char)
    };
    let dictionary = dir.path().join("mini.index");
    std::fs::write(&dictionary, format!("abroad\tA\t{}\n", b64(entry.len()))).expect("index");

    let search =
        |dictionary: &str| search_with(&index, "study abroad", ("SOURCIER_DICTIONARY", dictionary));
    let without = search("off");
    assert!(
        without
            .iter()
            .all(|h| !h["text"].as_str().unwrap_or("").contains("étranger")),
        "{without:?}"
    );
    let with = search(dictionary.to_str().expect("utf-8"));
    let first = with.first().expect("a hit through the translation");
    assert!(
        first["highlight"]
            .as_str()
            .unwrap_or("")
            .contains("<mark>étranger</mark>"),
        "{first}"
    );
}

/// The derivational families of the shipped synonyms file join a verb form the stemmer leaves
/// apart to the noun the text uses: `attendent` (stem `attendent`) finds `attentes`.
#[test]
fn a_verb_form_reaches_its_noun_through_the_derivational_families() {
    let first = crate::util::first_hit("ce qu'attendent les parties prenantes");
    let highlight = first["highlight"].as_str().unwrap_or("");
    assert!(highlight.contains("<mark>attentes</mark>"), "{first}");
    assert!(
        highlight.contains("<mark>parties</mark> <mark>prenantes</mark>"),
        "{first}"
    );
}

/// A question asking for a quantity ranks first the passage that states a number beside the
/// word counted: `50 MOOCs`, not the passages that only talk about MOOCs (second without it).
#[test]
fn a_quantity_question_finds_the_passage_stating_the_number() {
    let first = crate::util::first_hit("Combien de MOOCs l'IMT propose-t-il ?");
    let highlight = first["highlight"].as_str().unwrap_or("");
    assert!(highlight.contains("50 <mark>MOOCs</mark>"), "{first}");
}

/// An acronym's multi-word expansion is matched in section titles too: the IMT-BS fiche is
/// titled with the school's full name, which its passages do not repeat.
#[test]
fn an_acronym_finds_the_section_titled_with_its_full_name() {
    let first = crate::util::first_hit("Quelles sont les valeurs d'IMT-BS ?");
    let section = first["source"]["section"].as_str().unwrap_or("");
    assert!(
        section.contains("Institut Mines-Télécom Business School"),
        "{first}"
    );
}

/// A term the synonyms name (`conseil d'administration`) counts as one concept against the
/// query's other words, not two: passages on the common tariffs come before those that only
/// name the board (first without it).
#[test]
fn a_named_term_counts_once_against_the_other_words() {
    let first = crate::util::first_hit("conseil d'administration tarifs communs");
    let highlight = first["highlight"].as_str().unwrap_or("");
    assert!(highlight.contains("<mark>tarifs</mark>"), "{first}");
}

/// A name written out finds the passage that only uses its acronym, through the shipped
/// file's acronym rules (without them, `COPIL`'s passage is not first, and `GPEC` is not
/// matched: its passage comes first on other words).
#[test]
fn a_name_written_out_finds_its_acronym() {
    for (query, acronym) in [
        ("comité de pilotage", "COPIL"),
        (
            "gestion prévisionnelle des emplois et des compétences",
            "GPEC",
        ),
    ] {
        let first = crate::util::first_hit(query);
        let highlight = first["highlight"].as_str().unwrap_or("");
        assert!(
            highlight.contains(&format!("<mark>{acronym}</mark>")),
            "{query}: {first}"
        );
    }
}

/// A question word the passages do not use (`remanié`) reaches the one they use (`révisé`)
/// through a MyThes thesaurus named by `SOURCIER_THESAURUS`, and only through it; the
/// participle finds its infinitive's entry (`remanier`).
#[test]
fn a_rare_question_word_reaches_the_documents_word_through_the_thesaurus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let thesaurus = dir.path().join("th_fr.dat");
    std::fs::write(
        &thesaurus,
        "UTF-8\nremanier|1\n(Verbe)|réviser|refondre|mettre à jour\n",
    )
    .expect("write thesaurus");
    let first = |thesaurus: &str| {
        let hits = search_with(
            shared_index(),
            "Le contrat peut-il être remanié ?",
            ("SOURCIER_THESAURUS", thesaurus),
        );
        hits.first()
            .and_then(|h| h["highlight"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let without = first("off");
    assert!(!without.contains("<mark>révisé</mark>"), "{without}");
    let with = first(thesaurus.to_str().expect("utf-8"));
    assert!(with.starts_with("<mark>Révision</mark> du"), "{with}");
    assert!(with.contains("<mark>révisé</mark>"), "{with}");
}
