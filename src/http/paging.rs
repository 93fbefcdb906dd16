//! Offset paging over a list the server already holds in memory (`GET /api/documents`): a
//! window of at most `limit` items from `offset`, and where the next window starts.

/// Items per page when the request does not say.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items one page may ask for.
pub const MAX_LIMIT: usize = 1000;

/// One page of a list.
#[derive(Debug, PartialEq, Eq)]
pub struct Page<'a, T> {
    /// The items in the window, in the list's order; empty past the end.
    pub items: &'a [T],
    /// How many items the whole list holds.
    pub total: usize,
    /// The `offset` of the next page; `None` at the end (or when `limit` is 0: following it
    /// would never move).
    pub next_offset: Option<usize>,
}

/// The window `offset .. offset + limit` of `items`, clamped to the list.
pub fn page<T>(items: &[T], offset: usize, limit: usize) -> Page<'_, T> {
    let total = items.len();
    let start = offset.min(total);
    let end = start.saturating_add(limit).min(total);
    Page {
        items: &items[start..end],
        total,
        next_offset: (limit > 0 && end < total).then_some(end),
    }
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn pages_cover_the_list_once_in_order() {
        let items: Vec<u32> = (0..5).collect();
        let mut seen = Vec::new();
        let mut offset = Some(0);
        while let Some(at) = offset {
            let p = page(&items, at, 2);
            assert_eq!(p.total, 5);
            seen.extend_from_slice(p.items);
            offset = p.next_offset;
        }
        assert_eq!(seen, items);
        assert_eq!(page(&items, 4, 2).next_offset, None);
        assert_eq!(page(&items, 3, 2).next_offset, None, "exactly at the end");
        assert_eq!(page(&items, 2, 2).next_offset, Some(4));
    }

    #[test]
    fn past_the_end_and_huge_values_give_an_empty_last_page() {
        let items = [1, 2, 3];
        for offset in [3, 4, usize::MAX] {
            let p = page(&items, offset, 2);
            assert!(p.items.is_empty());
            assert_eq!((p.total, p.next_offset), (3, None));
        }
        assert_eq!(page(&items, 1, usize::MAX).items, &[2, 3]);
        let empty: [u8; 0] = [];
        assert_eq!(page(&empty, 0, 10).next_offset, None);
    }

    #[test]
    fn limit_zero_gives_the_count_only() {
        let p = page(&[1, 2, 3], 0, 0);
        assert!(p.items.is_empty());
        assert_eq!((p.total, p.next_offset), (3, None));
    }
}
