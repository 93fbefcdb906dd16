//! How many times a passage holds a phrase, from its words' positions: tantivy 0.27's own
//! intersections (`query/phrase_query/phrase_scorer.rs`, MIT licence), kept as they are so
//! that [`super::phrase`] counts phrases exactly as tantivy does. Each word's positions are
//! shifted so that a phrase's words land on one position; with a slop, the distance spent so
//! far is carried along.

use std::cmp::Ordering;

/// Keeps in `left` the values also in `right` (both sorted).
pub fn intersection(left: &mut Vec<u32>, right: &[u32]) {
    let (mut left_index, mut right_index, mut count) = (0, 0, 0);
    while left_index < left.len() && right_index < right.len() {
        let (left_val, right_val) = (left[left_index], right[right_index]);
        match left_val.cmp(&right_val) {
            Ordering::Less => left_index += 1,
            Ordering::Equal => {
                left[count] = left_val;
                count += 1;
                left_index += 1;
                right_index += 1;
            }
            Ordering::Greater => right_index += 1,
        }
    }
    left.truncate(count);
}

/// How many values `left` and `right` (both sorted) share.
pub fn intersection_count(left: &[u32], right: &[u32]) -> usize {
    let (mut left_index, mut right_index, mut count) = (0, 0, 0);
    while left_index < left.len() && right_index < right.len() {
        match left[left_index].cmp(&right[right_index]) {
            Ordering::Less => left_index += 1,
            Ordering::Equal => {
                count += 1;
                left_index += 1;
                right_index += 1;
            }
            Ordering::Greater => right_index += 1,
        }
    }
    count
}

/// Pairs of a left and a right position at most `slop` apart, each position in one pair;
/// with `update_left`, `left` becomes the right positions matched.
pub fn intersection_count_with_slop(
    left_positions: &mut Vec<u32>,
    right_positions: &[u32],
    slop: u32,
    update_left: bool,
) -> usize {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    let left_len = left_positions.len();
    let right_len = right_positions.len();
    while left_index < left_len && right_index < right_len {
        let left_val = left_positions[left_index];
        let right_val = right_positions[right_index];
        let distance = left_val.abs_diff(right_val);
        if distance <= slop {
            while left_index + 1 < left_len {
                // a later left position may be closer
                let next_left_val = left_positions[left_index + 1];
                if next_left_val > right_val {
                    break;
                }
                left_index += 1;
            }
            if update_left {
                left_positions[count] = right_val;
            }
            count += 1;
            left_index += 1;
            right_index += 1;
        } else if left_val < right_val {
            left_index += 1;
        } else {
            right_index += 1;
        }
    }
    if update_left {
        left_positions.truncate(count);
    }
    count
}

/// [`intersection_count_with_slop`] for phrases of more than two words: the slop spent so
/// far is carried with each left position (`left_slops`; empty: none spent).
pub fn intersection_count_with_carrying_slop(
    left_positions: &mut Vec<u32>,
    left_slops: &mut Vec<u8>,
    right_positions: &[u32],
    max_slop: u32,
    update_left: bool,
    positions_buffer: &mut Vec<u32>,
    slops_buffer: &mut Vec<u8>,
) -> u32 {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    let (Some(&last_left), Some(&last_right)) = (left_positions.last(), right_positions.last())
    else {
        if update_left {
            left_positions.clear();
            left_slops.clear();
        }
        return 0;
    };
    let add_val = |val: (u8, u32), new_left: &mut Vec<u32>, new_slops: &mut Vec<u8>| {
        if update_left {
            match (new_left.last(), new_slops.last_mut()) {
                (Some(&last), Some(last_slop)) if last == val.1 => {
                    *last_slop = (*last_slop).min(val.0);
                }
                _ => {
                    new_left.push(val.1);
                    new_slops.push(val.0);
                }
            }
        }
    };
    loop {
        let left_val = left_positions[left_index];
        let slop_so_far = left_slops.get(left_index).copied().unwrap_or(0);
        let right_val = right_positions[right_index];
        let distance = slop_so_far as u32 + left_val.abs_diff(right_val);
        if distance <= max_slop {
            let (smaller_val, larger_val, mut smaller_val_idx, smaller_val_positions) =
                if left_val < right_val {
                    (left_val, right_val, left_index, left_positions.as_slice())
                } else {
                    (right_val, left_val, right_index, right_positions)
                };
            let mut new_slop = distance;
            add_val(
                (new_slop as u8, smaller_val),
                positions_buffer,
                slops_buffer,
            );
            while smaller_val_idx + 1 < smaller_val_positions.len() {
                // a later position may be closer
                let next_val = smaller_val_positions[smaller_val_idx + 1];
                if next_val > larger_val {
                    break;
                }
                let distance = next_val.abs_diff(larger_val);
                smaller_val_idx += 1;
                new_slop = slop_so_far as u32 + distance;
                add_val((new_slop as u8, next_val), positions_buffer, slops_buffer);
            }
            add_val((new_slop as u8, larger_val), positions_buffer, slops_buffer);
            count += 1;
            left_index += 1;
            right_index += 1;
        } else if left_val < right_val {
            left_index += 1;
        } else {
            right_index += 1;
        }
        if left_index >= left_positions.len() || right_index >= right_positions.len() {
            // what is left of the other side
            if left_index >= left_positions.len() {
                let slop_so_far: u8 = left_slops.last().copied().unwrap_or(0);
                for right_val in &right_positions[right_index..] {
                    let new_slop = last_left.abs_diff(*right_val) + slop_so_far as u32;
                    if new_slop <= max_slop {
                        add_val((new_slop as u8, *right_val), positions_buffer, slops_buffer);
                    }
                }
            } else {
                for (left_idx, &left_val) in left_positions.iter().enumerate().skip(left_index) {
                    let slop_so_far = left_slops.get(left_idx).copied().unwrap_or(0);
                    let new_slop = left_val.abs_diff(last_right) + slop_so_far as u32;
                    if new_slop <= max_slop {
                        add_val((new_slop as u8, left_val), positions_buffer, slops_buffer);
                    }
                }
            }
            break;
        }
    }
    if update_left {
        std::mem::swap(left_positions, positions_buffer);
        std::mem::swap(left_slops, slops_buffer);
        positions_buffer.clear();
        slops_buffer.clear();
    }
    count
}
