//! "Did you mean": the indexed word closest to a word the index does not contain, by edit
//! distance (1 for short words, 2 from 8 letters), the most frequent among equals.

use tantivy::schema::Field;
use tantivy::Searcher;

/// Levenshtein distance between `a` and `b`, or `None` when above `max`.
pub fn bounded_levenshtein(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let d = previous[b.len()];
    (d <= max).then_some(d)
}

/// The indexed term of `field` closest to `word`.
pub fn closest_term(searcher: &Searcher, field: Field, word: &str) -> Option<String> {
    let max = if word.chars().count() >= 8 { 2 } else { 1 };
    let mut best: Option<(usize, std::cmp::Reverse<u32>, String)> = None;
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if term.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            if let Some(d) = bounded_levenshtein(word, term, max) {
                let candidate = (
                    d,
                    std::cmp::Reverse(stream.value().doc_freq),
                    term.to_string(),
                );
                if best.as_ref().is_none_or(|b| candidate < *b) {
                    best = Some(candidate);
                }
            }
        }
    }
    best.map(|(_, _, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_is_bounded() {
        assert_eq!(
            bounded_levenshtein("feminisaton", "feminisation", 2),
            Some(1)
        );
        assert_eq!(bounded_levenshtein("ecole", "ecoles", 1), Some(1));
        assert_eq!(bounded_levenshtein("abc", "xyz", 2), None);
        assert_eq!(bounded_levenshtein("a", "abcd", 2), None);
    }
}
