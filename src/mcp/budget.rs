//! Keeping a tool result under a token budget: clients refuse large results (Claude Code
//! refuses one over 25,000 tokens), and a result that fills the model's window crowds out the
//! conversation. A list is cut to its longest start that fits, and the result says so with
//! `truncated`.

use serde_json::Value;

use crate::context::tokens;
use crate::error::{Error, Result};

/// Budget of a tool result when none is asked for.
pub const DEFAULT_MAX_TOKENS: usize = 4000;
/// Largest budget: under the 25,000 tokens Claude Code accepts, with room for the framing.
pub const MAX_TOKENS: usize = 20_000;

/// The budget asked for, checked.
pub fn max_tokens(asked: Option<usize>, default: usize) -> Result<usize> {
    match asked {
        None => Ok(default),
        Some(n) if (1..=MAX_TOKENS).contains(&n) => Ok(n),
        Some(n) => Err(Error::bad_request(
            "bad_max_tokens",
            format!("`max_tokens` must be between 1 and {MAX_TOKENS}, got {n}"),
        )),
    }
}

/// Tokens of a result as the client receives it (compact JSON).
pub fn cost(value: &Value) -> usize {
    tokens::count(&value.to_string())
}

/// `render(start, truncated)` for the longest start of `items` whose rendering fits in `max`
/// tokens. The rendering grows with the number of items, so that start is found by bisection.
/// When not even an empty list fits, the empty list is returned, marked truncated.
pub fn fit<T>(items: &[T], max: usize, render: impl Fn(&[T], bool) -> Value) -> Value {
    let fits = |n: usize| cost(&render(&items[..n], n < items.len())) <= max;
    if fits(items.len()) {
        return render(items, false);
    }
    let (mut lo, mut hi) = (0, items.len());
    // invariant: every start shorter than `lo` fits, the one of length `hi` does not
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    render(&items[..lo], true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_is_cut_to_what_fits() {
        let items: Vec<String> = (0..50).map(|i| format!("passage numéro {i}")).collect();
        let render =
            |start: &[String], truncated: bool| json!({"items": start, "truncated": truncated});
        let all = fit(&items, 10_000, render);
        assert_eq!(all["items"].as_array().map(Vec::len), Some(50));
        assert_eq!(all["truncated"], false);
        let some = fit(&items, 60, render);
        let n = some["items"].as_array().map_or(0, Vec::len);
        assert!(n > 0 && n < 50, "{n}");
        assert_eq!(some["truncated"], true);
        assert!(cost(&some) <= 60);
        // one more item would not have fitted
        assert!(cost(&render(&items[..n + 1], true)) > 60);
        assert_eq!(fit(&items, 1, render)["items"], json!([]));
    }

    #[test]
    fn budgets_are_checked() {
        assert_eq!(max_tokens(None, 4000).ok(), Some(4000));
        assert_eq!(max_tokens(Some(500), 4000).ok(), Some(500));
        assert!(max_tokens(Some(0), 4000).is_err());
        assert!(max_tokens(Some(MAX_TOKENS + 1), 4000).is_err());
    }
}
