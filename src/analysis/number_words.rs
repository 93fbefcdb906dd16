//! Small numbers written as words (`quatre`, `four`) and as digits (`4`) are the same number: a
//! query for `quatre thématiques` must find `4 thématiques`. This module maps between the two;
//! the query builder searches the other writings beside the word typed.

/// (folded word, value). `un`/`one` are left out (articles and pronouns far more often than
/// numbers), and so is `neuf` (`new` as often as `nine`).
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("six", 6),
    ("sept", 7),
    ("huit", 8),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("seize", 16),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
    ("cent", 100),
    ("mille", 1000),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("hundred", 100),
    ("thousand", 1000),
];

/// Is the folded word a number written in words (`cinq`, `twelve`)?
pub fn is_number_word(folded: &str) -> bool {
    NUMBER_WORDS.iter().any(|(w, _)| *w == folded)
}

/// The other ways to write a folded query word that is a small number: digits for a word,
/// French and English words for digits. Empty for anything else.
pub fn other_writings(folded: &str) -> Vec<String> {
    if let Some(&(_, value)) = NUMBER_WORDS.iter().find(|(w, _)| *w == folded) {
        return vec![value.to_string()];
    }
    match folded.parse::<u32>() {
        Ok(value) if folded.len() <= 4 && !folded.starts_with('0') => NUMBER_WORDS
            .iter()
            .filter(|(_, v)| *v == value)
            .map(|(w, _)| (*w).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Month names, folded: `le 11 juin` states a date without a year.
const MONTHS: &[&str] = &[
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Is this folded word, between the words `before` and `after`, a month's name? `may` is one
/// only beside digits (`12 May`, `May 2021`); elsewhere it is the English modal verb.
pub fn is_month(folded: &str, before: Option<&str>, after: Option<&str>) -> bool {
    let digits = |w: Option<&str>| w.is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()));
    MONTHS.contains(&folded) && (folded != "may" || digits(before) || digits(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_is_a_month_only_beside_digits() {
        assert!(is_month("juin", None, None));
        assert!(is_month("may", Some("12"), Some("the")));
        assert!(is_month("may", None, Some("2021")));
        assert!(!is_month("may", Some("imt"), Some("open")));
        assert!(!is_month("lundi", Some("12"), None));
    }

    #[test]
    fn words_and_digits_map_both_ways() {
        assert_eq!(other_writings("quatre"), ["4"]);
        assert_eq!(other_writings("four"), ["4"]);
        assert_eq!(other_writings("4"), ["quatre", "four"]);
        assert_eq!(other_writings("6"), ["six"]);
        assert!(other_writings("04").is_empty());
        assert!(other_writings("2023").is_empty());
        assert!(other_writings("formation").is_empty());
    }
}
