//! Folded words → is this a number, a year, a date or a duration? One detector for the
//! question rerank (a date stated beside the question's words), the answer's type check (a
//! sentence answering `Quand…`) and figure extraction (a plain four-digit number is a year).

use super::number_words;

/// The calendar years a plain four-digit number is read as.
pub const YEARS: std::ops::RangeInclusive<u32> = 1900..=2100;

/// Units of a duration after a number (`deux décennies`, `70 ans`), folded.
const TIME_UNITS: &[&str] = &[
    "ans",
    "an",
    "annees",
    "annee",
    "decennies",
    "decennie",
    "siecle",
    "siecles",
    "mois",
    "years",
    "year",
    "decades",
    "decade",
    "months",
    "century",
];

/// Words that state a rough quantity (`une cinquantaine de chaires`, `dozens of`), folded.
const APPROXIMATE_NUMBERS: &[&str] = &[
    "dizaine",
    "dizaines",
    "douzaine",
    "douzaines",
    "quinzaine",
    "vingtaine",
    "trentaine",
    "quarantaine",
    "cinquantaine",
    "soixantaine",
    "centaine",
    "centaines",
    "millier",
    "milliers",
    "million",
    "millions",
    "milliard",
    "milliards",
    "dozen",
    "dozens",
    "hundreds",
    "thousands",
];

/// Digits, a number word (`cinq`) or an approximate one (`dizaine`), folded.
pub fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        || number_words::is_number_word(word)
        || APPROXIMATE_NUMBERS.contains(&word)
}

/// Is a plain number of four digits a year?
pub fn is_year_value(value: f64, digits: usize) -> bool {
    digits == 4 && value >= f64::from(*YEARS.start()) && value <= f64::from(*YEARS.end())
}

/// Is the word a year (`2021`)?
pub fn is_year(word: &str) -> bool {
    word.len() == 4
        && word.bytes().all(|b| b.is_ascii_digit())
        && word
            .parse::<u32>()
            .is_ok_and(|value| YEARS.contains(&value))
}

/// Does this folded word, between these two, state a date or a duration: a year, a month's
/// name (`may` only beside digits), or a time unit after a number (`70 ans`, `deux
/// décennies`)?
pub fn states_time(before: Option<&str>, word: &str, after: Option<&str>) -> bool {
    is_year(word)
        || number_words::is_month(word, before, after)
        || (TIME_UNITS.contains(&word) && before.is_some_and(is_number))
}

/// Does the `i`th of these folded words state a date or a duration?
pub fn states_time_at(words: &[&str], i: usize) -> bool {
    let at = |j: Option<usize>| j.and_then(|j| words.get(j)).copied();
    states_time(at(i.checked_sub(1)), words[i], at(Some(i + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_time(text: &str) -> bool {
        let words: Vec<&str> = text.split(' ').collect();
        (0..words.len()).any(|i| states_time_at(&words, i))
    }

    #[test]
    fn years_months_and_durations() {
        assert!(any_time("ouverte en 2019"));
        assert!(any_time("votee le 11 juin"));
        assert!(any_time("depuis 70 ans"));
        assert!(any_time("deux decennies"));
        assert!(!any_time("13600 etudiants"));
        assert!(!any_time("les ans passent"));
        assert!(!any_time("we may open"));
        assert!(!any_time("en 1850"));
    }

    #[test]
    fn numbers_in_words_and_digits() {
        assert!(is_number("4") && is_number("cinq") && is_number("cinquantaine"));
        assert!(!is_number("defis"));
        assert!(is_year_value(2027.0, 4) && !is_year_value(13600.0, 5));
    }
}
