//! Folding a later pass's edits into an earlier pass's: `second` edits
//! `apply(text, first)`; the result is one list of sorted, disjoint edits
//! of `text` itself that gives the same output, so the change log still
//! rebuilds the input. A later edit that touches text an earlier edit
//! inserted takes that edit in (the ranges join, the insert is what the
//! two leave) and names the later edit's rule. No I/O.

use std::ops::Range;

use crate::text::Edit;

/// An edit of `first` placed in the intermediate text.
struct Placed<'a> {
    edit: &'a Edit,
    /// Where its insert sits in the intermediate text.
    at: Range<usize>,
}

/// Whether intermediate range `r` overlaps `[s, e)`, where an empty range
/// overlaps only what holds it strictly inside.
fn overlaps(r: &Range<usize>, s: usize, e: usize) -> bool {
    r.start < e && s < r.end
}

/// The edits of `text` that turn it into `apply(mid, second)`, where `mid`
/// is `apply(text, first)`; both lists sorted and disjoint.
pub fn fold(text: &str, mid: &str, first: &[Edit], second: &[Edit]) -> Vec<Edit> {
    let mut placed = Vec::with_capacity(first.len());
    let mut shift: isize = 0;
    for e in first {
        let start = (e.range.start as isize + shift) as usize;
        placed.push(Placed { edit: e, at: start..start + e.insert.len() });
        shift += e.insert.len() as isize - e.range.len() as isize;
    }
    // A position of the intermediate text outside every insert, in `text`;
    // an empty edit at that position lies before it (`after`) or after it.
    let to_text = |pos: usize, after: bool| -> usize {
        let mut shift: isize = 0;
        for p in &placed {
            let passed =
                if p.at.is_empty() { p.at.end < pos || (after && p.at.end == pos) } else { p.at.end <= pos };
            if !passed {
                break;
            }
            shift += p.edit.range.len() as isize - p.edit.insert.len() as isize;
        }
        (pos as isize + shift) as usize
    };
    let mut out: Vec<Edit> = Vec::with_capacity(first.len() + second.len());
    let (mut i, mut j) = (0, 0);
    while j < second.len() {
        // Earlier edits wholly before this later edit stay as they are.
        let (a, b) = (second[j].range.start, second[j].range.end);
        while i < placed.len() && placed[i].at.end <= a && !overlaps(&placed[i].at, a, b) {
            out.push(placed[i].edit.clone());
            i += 1;
        }
        // A group: this later edit and every edit, of either pass, that
        // overlaps what the group covers so far.
        let (mut gs, mut ge) = (a, b);
        let (first_from, second_from) = (i, j);
        j += 1;
        loop {
            let mut grew = false;
            while i < placed.len() && overlaps(&placed[i].at, gs, ge) {
                gs = gs.min(placed[i].at.start);
                ge = ge.max(placed[i].at.end);
                i += 1;
                grew = true;
            }
            while j < second.len() && overlaps(&second[j].range, gs, ge) {
                ge = ge.max(second[j].range.end);
                j += 1;
                grew = true;
            }
            if !grew {
                break;
            }
        }
        let members = &placed[first_from..i];
        let laters = &second[second_from..j];
        // Where the group starts and ends in `text`.
        let start = members
            .first()
            .filter(|p| p.at.start == gs)
            .map_or_else(|| to_text(gs, true), |p| p.edit.range.start);
        // An empty group (an insertion) sits after the empty edits before it.
        let end = match members.last() {
            Some(p) if p.at.end == ge => p.edit.range.end,
            _ if gs == ge => start,
            _ => to_text(ge, false),
        };
        let mut insert = String::new();
        let mut pos = gs;
        for s in laters {
            insert.push_str(&mid[pos..s.range.start]);
            insert.push_str(&s.insert);
            pos = s.range.end;
        }
        insert.push_str(&mid[pos..ge]);
        // A removal names the rule that removed; else the later rule.
        let rule = laters.iter().find(|s| s.insert.is_empty()).unwrap_or(&laters[0]).rule;
        out.push(Edit { rule, range: start..end, insert });
    }
    out.extend(placed[i..].iter().map(|p| p.edit.clone()));
    // Neighbours of one rule are one edit, as within a pass.
    let mut merged: Vec<Edit> = Vec::with_capacity(out.len());
    for e in out {
        if e.range.is_empty() && e.insert.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some(prev) if prev.rule == e.rule && prev.range.end == e.range.start => {
                prev.range.end = e.range.end;
                prev.insert.push_str(&e.insert);
            }
            _ => merged.push(e),
        }
    }
    debug_assert!(merged.windows(2).all(|w| w[0].range.end <= w[1].range.start));
    debug_assert!(merged.last().is_none_or(|e| e.range.end <= text.len()));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::apply;

    /// Random sorted, disjoint edits of `text` (ASCII), from `seed`.
    fn edits(text: &str, seed: &mut u64, rule: usize) -> Vec<Edit> {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        };
        let mut out = Vec::new();
        let mut pos = 0;
        while pos <= text.len() {
            let skip = (next() % 4) as usize;
            let start = pos + skip;
            if start > text.len() {
                break;
            }
            let len = ((next() % 3) as usize).min(text.len() - start);
            let insert = ["", "", "x", "yz"][(next() % 4) as usize].to_string();
            if len > 0 || !insert.is_empty() {
                out.push(Edit { rule: rule + (next() % 2) as usize, range: start..start + len, insert });
            }
            pos = start + len + 1;
        }
        out
    }

    #[test]
    fn folded_edits_give_the_same_output_and_stay_disjoint() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for n in 0..3000 {
            let text: String = "abcdefghij".chars().cycle().skip(n % 10).take(n % 23).collect();
            let first = edits(&text, &mut seed, 0);
            let mid = apply(&text, &first);
            let second = edits(&mid, &mut seed, 2);
            let want = apply(&mid, &second);
            let folded = fold(&text, &mid, &first, &second);
            assert_eq!(apply(&text, &folded), want, "{text:?} {first:?} {second:?} -> {folded:?}");
            assert!(folded.windows(2).all(|w| w[0].range.end <= w[1].range.start), "{folded:?}");
        }
    }

    #[test]
    fn a_removal_over_an_earlier_replacement_is_one_removal() {
        let text = "Price:\u{a0}100\n";
        let first = vec![Edit { rule: 1, range: 6..8, insert: " ".into() }];
        let mid = apply(text, &first);
        let second = vec![Edit { rule: 0, range: 0..mid.len(), insert: String::new() }];
        assert_eq!(
            fold(text, &mid, &first, &second),
            vec![Edit { rule: 0, range: 0..text.len(), insert: String::new() }]
        );
    }
}
