//! Extraction fidelity against the reference text each corpus file was made from
//! (`../shared/seeds`): the share of the reference's words that extraction recovers.

use std::collections::HashMap;
use std::path::Path;

use sourcier::extract::extract;
use unicode_normalization::UnicodeNormalization;

use crate::util::{corpus, seeds};

fn words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let text: String = text
        .nfc()
        .collect::<String>()
        .replace('’', "'")
        .to_lowercase();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word.to_string()).or_default() += 1;
    }
    counts
}

/// Recovered share of the seed's words (multiset intersection over seed size).
fn recovered(seed: &str, extracted: &str) -> f64 {
    let seed = words(seed);
    let got = words(extracted);
    let total: usize = seed.values().sum();
    let hit: usize = seed
        .iter()
        .map(|(w, n)| (*n).min(got.get(w).copied().unwrap_or(0)))
        .sum();
    hit as f64 / total.max(1) as f64
}

fn text_of(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("readable");
    extract(path, &bytes).expect("extractable").full_text()
}

#[test]
fn extraction_recovers_the_reference_text() {
    let seeds = seeds();
    if !seeds.is_dir() {
        // CI always has ../shared beside the clone; a bare checkout cannot measure this.
        eprintln!("skipped: {} not found", seeds.display());
        return;
    }
    let floors = [
        ("cop-imt-2023-2027.pdf", "cop-imt-2023-2027.txt", 0.99),
        (
            "imt-mission-statement.pdf",
            "imt-mission-statement.txt",
            0.99,
        ),
        // The seeds of web pages keep the breadcrumb navigation (dropped on purpose) and some
        // link targets the Markdown breaks over lines (so they read as words).
        (
            "telecom-paris-ecosysteme.html",
            "telecom-paris-ecosysteme.md",
            0.9,
        ),
        (
            "telecom-paris-raison-d-etre.html",
            "telecom-paris-raison-d-etre.md",
            0.9,
        ),
        (
            "telecom-paris-strategie-internationale.html",
            "telecom-paris-strategie-internationale.md",
            0.9,
        ),
    ];
    let mut report = Vec::new();
    for (file, seed, floor) in floors {
        // Markdown seeds go through the Markdown extractor so link targets don't count as words.
        let reference = text_of(&seeds.join(seed));
        let ratio = recovered(&reference, &text_of(&corpus().join(file)));
        report.push(format!("{file}: {ratio:.4}"));
        assert!(ratio >= floor, "{file}: recovered {ratio:.4} < {floor}");
    }
    eprintln!("extraction fidelity:\n  {}", report.join("\n  "));
}

#[test]
fn every_cop_page_has_text_and_no_ligature_or_soft_hyphen() {
    let path = corpus().join("cop-imt-2023-2027.pdf");
    let bytes = std::fs::read(&path).expect("readable");
    let doc = extract(&path, &bytes).expect("extractable");
    assert_eq!(doc.pages.len(), 120);
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    for page in &doc.pages {
        assert!(!page.text.is_empty(), "page {} is empty", page.number);
        assert!(
            !page
                .text
                .chars()
                .any(|c| ('\u{FB00}'..='\u{FB06}').contains(&c) || c == '\u{00AD}'),
            "page {}",
            page.number
        );
    }
    assert_eq!(
        doc.title.as_deref(),
        Some("Contrat d’objectifs et de performance 2023-2027 de l’Institut Mines-Télécom")
    );
}
