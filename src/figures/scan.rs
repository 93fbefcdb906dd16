//! Text → the figures written in it: the number as written (French or English grouping and
//! decimals), its scale (`k`, `M`, `Md`, `million`, `milliard`…), its unit (`%`, `€`, `$`) or
//! the noun it counts, and its normalised value. Pure string work, byte ranges into the text.
//!
//! Number grouping follows the index tokenizer (`analysis::tokenizer`): `13 600` (any space),
//! `13,600`, `13.600` and `13600` are 13600; `1,2` and `1.2` are 1.2. A test checks the two
//! agree, so a figure typed in a search and in a trace is read the same way.

pub use crate::model::Unit;

/// One figure found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Byte range of the figure as written, unit included (`75 M€`, `40,7 %`, `2023-2027`).
    pub from: usize,
    pub to: usize,
    /// The number as written, before scale and percent (`75` in `75 M€`, `32` in `32%`).
    pub number: f64,
    /// The normalised value (75 M€ → 75000000, 32% → 0.32).
    pub value: f64,
    /// The end of a range of years (`2023-2027` → 2027).
    pub value_end: Option<f64>,
    pub unit: Option<Unit>,
    /// The word counted (`étudiants` in `13 600 étudiants`).
    pub noun: Option<String>,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// The number starting at byte `at` (a digit): (end byte, value, digits written without any
/// separator).
fn number_at(text: &str, at: usize) -> (usize, f64, bool) {
    let digits_from = |i: usize| {
        text[i..]
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(text.len(), |(j, _)| i + j)
    };
    let first_end = digits_from(at);
    let first_len = first_end - at;
    let mut canonical = text[at..first_end].to_string();
    let mut end = first_end;
    let mut plain = true;
    while let Some(sep) = text[end..].chars().next() {
        let piece_from = end + sep.len_utf8();
        let piece_end = digits_from(piece_from);
        let piece_len = piece_end - piece_from;
        if piece_len == 0 {
            break;
        }
        let thousands = piece_len == 3 && first_len <= 3 && !canonical.contains('.');
        if thousands && (is_space(sep) || sep == ',' || sep == '.') {
            canonical.push_str(&text[piece_from..piece_end]);
        } else if (sep == ',' || sep == '.') && !canonical.contains('.') {
            canonical.push('.');
            canonical.push_str(&text[piece_from..piece_end]);
        } else {
            break;
        }
        plain = false;
        end = piece_end;
    }
    (end, canonical.parse().unwrap_or(0.0), plain)
}

/// Scale words after a number: (as written, factor, needs a currency after it).
const SCALES: &[(&str, f64, bool)] = &[
    ("milliards", 1e9, false),
    ("milliard", 1e9, false),
    ("millions", 1e6, false),
    ("million", 1e6, false),
    ("billions", 1e9, false),
    ("billion", 1e9, false),
    ("Mds", 1e9, true),
    ("Mrd", 1e9, true),
    ("Md", 1e9, true),
    ("bn", 1e9, true),
    ("M", 1e6, true),
    ("k", 1e3, true),
    ("K", 1e3, true),
];

/// Currencies after a number (or after its scale word).
const CURRENCIES: &[(&str, Unit)] = &[
    ("€", Unit::Eur),
    ("EUR", Unit::Eur),
    ("euros", Unit::Eur),
    ("euro", Unit::Eur),
    ("d'euros", Unit::Eur),
    ("d’euros", Unit::Eur),
    ("$", Unit::Usd),
    ("USD", Unit::Usd),
    ("dollars", Unit::Usd),
    ("de dollars", Unit::Usd),
];

/// Words between a number and the noun it counts (`1,2 million d’apprenants`).
const NOUN_LINKS: &[&str] = &["d'", "d’", "de ", "of "];

/// `rest` without one leading space, and how many bytes were skipped.
fn skip_space(rest: &str) -> (&str, usize) {
    match rest.chars().next() {
        Some(c) if is_space(c) => (&rest[c.len_utf8()..], c.len_utf8()),
        _ => (rest, 0),
    }
}

/// Does `rest` start with `word` followed by a non-letter?
fn starts_with_word(rest: &str, word: &str) -> bool {
    rest.starts_with(word)
        && !rest[word.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphabetic)
}

/// A currency at the start of `rest` (one space allowed before it): (bytes, unit).
fn currency(rest: &str) -> Option<(usize, Unit)> {
    let (rest, skipped) = skip_space(rest);
    CURRENCIES
        .iter()
        .find(|(w, _)| starts_with_word(rest, w))
        .map(|(w, unit)| (skipped + w.len(), *unit))
}

/// How a scale without a currency is taken: only the spelled-out words (`1,2 million`), or
/// also the letters (`13,6 k`, for a value typed by a user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scales {
    Written,
    Typed,
}

/// Every figure in `text`, in order.
pub fn scan(text: &str, scales: Scales) -> Vec<Found> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let Some((i, c)) = text[at..].char_indices().find(|(_, c)| c.is_alphanumeric()) else {
            break;
        };
        let start = at + i;
        let prev = text[..start].chars().next_back();
        if !c.is_ascii_digit() || prev.is_some_and(|p| p.is_alphanumeric()) {
            // A word, or digits glued to a word (`CMA11`, `5G`): skip the whole run.
            at = start
                + text[start..]
                    .char_indices()
                    .find(|(_, c)| !c.is_alphanumeric())
                    .map_or(text.len() - start, |(j, _)| j);
            continue;
        }
        match figure_at(text, start, scales) {
            Some(found) => {
                at = found.to;
                out.push(found);
            }
            None => {
                at = start
                    + text[start..]
                        .char_indices()
                        .find(|(_, c)| !c.is_alphanumeric())
                        .map_or(text.len() - start, |(j, _)| j);
            }
        }
    }
    out
}

fn is_year(value: f64, plain: bool, digits: usize) -> bool {
    plain && crate::analysis::dates::is_year_value(value, digits)
}

/// The figure whose number starts at byte `start`, or `None` when the digits are part of a
/// word (`4G`).
fn figure_at(text: &str, start: usize, scales: Scales) -> Option<Found> {
    let (num_end, number, plain) = number_at(text, start);
    let mut end = num_end;
    let mut value = number;
    let mut unit = None;
    let mut scaled = false;
    let rest = &text[end..];
    let (spaced, skipped) = skip_space(rest);
    if let Some(pct) = ["%", "pour cent", "percent", "per cent"]
        .iter()
        .find(|p| spaced.starts_with(**p))
    {
        end += skipped + pct.len();
        value = number / 100.0;
        unit = Some(Unit::Percent);
    } else if let Some((word, factor, needs_currency)) =
        SCALES.iter().find(|(w, _, _)| starts_with_word(spaced, w))
    {
        let after_scale = end + skipped + word.len();
        match currency(&text[after_scale..]) {
            Some((len, u)) => {
                end = after_scale + len;
                unit = Some(u);
                value = number * factor;
                scaled = true;
            }
            None if !needs_currency || scales == Scales::Typed => {
                end = after_scale;
                value = number * factor;
                scaled = true;
            }
            None => {}
        }
    } else if let Some((len, u)) = currency(rest) {
        end += len;
        unit = Some(u);
    }
    // Digits glued to letters that are not a unit (`4G`, `2e`): not a figure.
    if text[num_end..]
        .chars()
        .next()
        .is_some_and(char::is_alphabetic)
        && end == num_end
    {
        return None;
    }
    // A currency sign before the number (`€9`, `$ 70 million`).
    let before = text[..start].trim_end_matches(is_space);
    let mut from = start;
    if unit.is_none() {
        if let Some(sign) = before
            .chars()
            .next_back()
            .filter(|c| matches!(c, '€' | '$'))
        {
            unit = Some(if sign == '€' { Unit::Eur } else { Unit::Usd });
            from = before.len() - sign.len_utf8();
        }
    }
    let digits = num_end - start;
    let mut value_end = None;
    if unit.is_none() && !scaled && is_year(number, plain, digits) {
        unit = Some(Unit::Year);
        // `2023-2027`, `2023–2027`, `2023 - 2027`
        let after = text[end..].trim_start_matches(is_space);
        if let Some(dash) = after
            .chars()
            .next()
            .filter(|c| matches!(c, '-' | '–' | '—'))
        {
            let second = after[dash.len_utf8()..].trim_start_matches(is_space);
            let second_at = text.len() - second.len();
            if second.starts_with(|c: char| c.is_ascii_digit()) {
                let (e, n, p) = number_at(text, second_at);
                let glued = text[e..].chars().next().is_some_and(char::is_alphanumeric);
                if is_year(n, p, e - second_at) && n > number && !glued {
                    value_end = Some(n);
                    end = e;
                }
            }
        }
    }
    let noun = match unit {
        None | Some(Unit::Count) => noun_after(&text[end..]),
        _ => None,
    };
    if unit.is_none() && noun.is_some() {
        unit = Some(Unit::Count);
    }
    Some(Found {
        from,
        to: end,
        number,
        value,
        value_end,
        unit,
        noun,
    })
}

/// The word a count counts: the next word, past `de`/`d’`/`of`, when it is a word of letters
/// and not a stop word.
fn noun_after(rest: &str) -> Option<String> {
    let (mut rest, _) = skip_space(rest);
    for link in NOUN_LINKS {
        if let Some(r) = rest.strip_prefix(link) {
            rest = r;
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '-')
        .collect();
    let folded = crate::analysis::fold(&word);
    (word.chars().count() >= 2 && !crate::analysis::is_stop_word(&folded)).then_some(word)
}

/// The first figure in a value as a user types it (`13 600`, `13,6 k`, `38 %`, `75 M€`).
pub fn parse_value(text: &str) -> Option<Found> {
    scan(text.trim(), Scales::Typed).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Found {
        let mut found = scan(text, Scales::Written);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        found.remove(0)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn counts_with_their_noun() {
        let f = one("13 600 étudiants dont");
        assert_eq!((f.value, f.unit), (13600.0, Some(Unit::Count)));
        assert_eq!(f.noun.as_deref(), Some("étudiants"));
        assert_eq!(&"13 600 étudiants dont"[f.from..f.to], "13 600");
        let f = one("près de 1,2 million d’apprenants");
        assert!(close(f.value, 1_200_000.0));
        assert_eq!(f.noun.as_deref(), Some("apprenants"));
        assert_eq!(one("Over 5,000 responses").value, 5000.0);
        assert_eq!(
            one("Over 5,000 responses").noun.as_deref(),
            Some("responses")
        );
    }

    #[test]
    fn percentages_are_fractions() {
        for (text, value) in [
            ("32%", 0.32),
            ("40,7 %", 0.407),
            ("2,1%", 0.021),
            ("95,2\u{202F}%", 0.952),
        ] {
            let f = one(text);
            assert!(close(f.value, value), "{text}: {}", f.value);
            assert_eq!(f.unit, Some(Unit::Percent));
            assert_eq!(&text[f.from..f.to], text);
        }
    }

    #[test]
    fn money_with_scales() {
        for (text, value) in [
            ("75 M€", 75e6),
            ("76,3 M€", 76.3e6),
            ("1,5 Md€", 1.5e9),
            ("6,7 k€", 6700.0),
            ("9.4M€", 9.4e6),
            ("2 millions d’euros", 2e6),
            ("500 €", 500.0),
        ] {
            let f = one(text);
            assert!(close(f.value, value), "{text}: {}", f.value);
            assert_eq!(f.unit, Some(Unit::Eur), "{text}");
            assert_eq!(&text[f.from..f.to], text);
        }
        assert_eq!(one("$70 million").value, 70e6);
        assert_eq!(one("$70 million").unit, Some(Unit::Usd));
    }

    #[test]
    fn years_and_ranges() {
        let f = one("COP 2023-2027 de l’IMT");
        assert_eq!(
            (f.value, f.value_end, f.unit),
            (2023.0, Some(2027.0), Some(Unit::Year))
        );
        assert_eq!(one("en mars 2021, le").unit, Some(Unit::Year));
        assert_eq!(one("en mars 2021, le").noun, None);
        // grouped thousands are counts, not years
        assert_eq!(one("plus de 2 000 publications").unit, Some(Unit::Count));
    }

    #[test]
    fn digits_glued_to_words_are_not_figures() {
        assert!(scan("réseaux 5G et 6G, CMA11, post-bac8", Scales::Written).is_empty());
        assert_eq!(scan("7 CMA11 dont 3 à l’échelle", Scales::Written).len(), 2);
    }

    #[test]
    fn typed_values_accept_bare_scales() {
        let f = parse_value("13,6 k").expect("a value");
        assert!(close(f.value, 13600.0));
        assert_eq!(f.unit, None);
        assert_eq!(
            parse_value("38 %").map(|f| f.unit),
            Some(Some(Unit::Percent))
        );
        assert!(parse_value("abc").is_none());
        // `k` after a number in running text is not a scale without a currency
        assert_eq!(scan("13,6 k", Scales::Written)[0].value, 13.6);
    }

    #[test]
    fn grouping_agrees_with_the_index_tokenizer() {
        use crate::analysis::{analyze, Analyzer, NumberMode};
        let mut exact = Analyzer::Exact.build(NumberMode::Query);
        for typed in [
            "13 600",
            "13\u{202F}600",
            "13,600",
            "13.600",
            "13600",
            "1,2",
            "1.2",
            "40,7",
            "1 200 000",
        ] {
            let token = analyze(&mut exact, typed).remove(0).text;
            let ours = parse_value(typed).expect("a value").value;
            assert!(
                close(token.parse::<f64>().expect("numeric token"), ours),
                "{typed}"
            );
        }
    }
}
