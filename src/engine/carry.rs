//! What one pass hands the next: the trigger sets' answer for each line,
//! and its key for site repetition.
//!
//! A later pass sees the text the earlier one left, and most of its lines
//! are the earlier lines, unchanged. Which rules' patterns match a line
//! depends on the line alone, so those answers are carried over and only
//! the lines an edit touched go through the trigger sets again. They are
//! the costliest stage, and the second pass ran them over every line of
//! every changed document. Line keys (folded and hashed) depend on the
//! raw line alone and carry over the same way.

use super::normalize::Steps;
use crate::text::{Edit, Line};

/// Each line's triggered rules (before any guard), as one flat list.
#[derive(Debug, Default)]
pub(super) struct Hits {
    /// Line `i`'s rules are `rules[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    rules: Vec<u32>,
}

impl Hits {
    pub fn with_lines(n: usize) -> Hits {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        Hits { offsets, rules: Vec::new() }
    }

    /// Records the next line's rules.
    pub fn push(&mut self, rules: &[usize]) {
        self.rules.extend(rules.iter().map(|&r| r as u32));
        self.offsets.push(self.rules.len() as u32);
    }

    /// Line `i`'s rules, appended to `out`.
    pub fn get_into(&self, i: usize, out: &mut Vec<usize>) {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        out.extend(self.rules[a..b].iter().map(|&r| r as usize));
    }
}

/// A finished pass as the next one needs it.
pub(super) struct Pass {
    pub lines: Vec<Line>,
    pub steps: Steps,
    pub hits: Hits,
    /// Each line's key for site repetition, when that stage ran.
    pub keys: Option<Vec<Option<u64>>>,
}

/// The answers a pass can reuse: for each of its lines, the line of the
/// previous pass it is an unchanged copy of.
pub(super) struct Carried<'a> {
    pub hits: &'a Hits,
    pub keys: Option<&'a [Option<u64>]>,
    pub from: Vec<Option<usize>>,
}

impl<'a> Carried<'a> {
    /// `text` is `prev_text` with `edits` (the previous pass's own, sorted
    /// and disjoint) applied; `lines` are its lines. Rules see lines as
    /// the normalisation steps leave them, so answers carry over only
    /// when both passes have the same steps.
    pub fn new(
        prev: &'a Pass,
        prev_text: &str,
        edits: &[Edit],
        text: &str,
        lines: &[Line],
        steps: &Steps,
    ) -> Self {
        let mut from = vec![None; lines.len()];
        if prev.steps == *steps {
            map_lines(&prev.lines, prev_text, edits, lines, text, &mut from);
        }
        Carried { hits: &prev.hits, keys: prev.keys.as_deref(), from }
    }
}

/// Fills `from[j]` with the line of `prev_lines` that line `j` of `lines`
/// copies, bytes and line end alike; lines an edit touched stay `None`.
fn map_lines(
    prev_lines: &[Line],
    prev_text: &str,
    edits: &[Edit],
    lines: &[Line],
    text: &str,
    from: &mut [Option<usize>],
) {
    // Output positions between two edits map to input positions by a
    // constant shift: past every edit that ends before the line starts,
    // the line is a copy if it also ends before the next edit starts.
    let mut k = 0;
    let mut shift: isize = 0;
    let out_start = |e: &Edit, shift: isize| (e.range.start as isize - shift) as usize;
    for (j, l) in lines.iter().enumerate() {
        while k < edits.len() && out_start(&edits[k], shift) + edits[k].insert.len() <= l.start {
            shift += edits[k].range.len() as isize - edits[k].insert.len() as isize;
            k += 1;
        }
        if l.end > edits.get(k).map_or(text.len(), |e| out_start(e, shift)) {
            continue;
        }
        let start = (l.start as isize + shift) as usize;
        let Ok(i) = prev_lines.binary_search_by_key(&start, |p| p.start) else { continue };
        let p = prev_lines[i];
        if prev_text[p.start..p.end] == text[l.start..l.end] {
            from[j] = Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{apply, lines};

    fn edit(range: std::ops::Range<usize>, insert: &str) -> Edit {
        Edit { rule: 0, range, insert: insert.to_string() }
    }

    fn mapped(prev: &str, edits: &[Edit]) -> Vec<Option<usize>> {
        let text = apply(prev, edits);
        let (pl, nl) = (lines(prev), lines(&text));
        let mut from = vec![None; nl.len()];
        map_lines(&pl, prev, edits, &nl, &text, &mut from);
        // Whatever is mapped is a byte-equal copy.
        for (j, i) in from.iter().enumerate() {
            if let Some(i) = i {
                assert_eq!(&prev[pl[*i].start..pl[*i].end], &text[nl[j].start..nl[j].end]);
            }
        }
        from
    }

    #[test]
    fn removed_lines_shift_the_rest() {
        let prev = "a\nbb\nccc\ndddd\n";
        // "bb\n" removed, "ccc" cut to "c".
        let from = mapped(prev, &[edit(2..5, ""), edit(6..8, "")]);
        assert_eq!(from, vec![Some(0), None, Some(3)]);
    }

    #[test]
    fn replacements_and_merged_lines_are_not_carried() {
        let prev = "one\ntwo\nthree\n";
        assert_eq!(mapped(prev, &[edit(3..4, " ")]), vec![None, Some(2)]);
        assert_eq!(mapped(prev, &[edit(4..7, "2")]), vec![Some(0), None, Some(2)]);
        assert_eq!(mapped(prev, &[]), vec![Some(0), Some(1), Some(2)]);
    }

    proptest::proptest! {
        /// Whatever edits a pass makes, a line is carried only as a
        /// byte-equal copy (`mapped` asserts it), and with no edits every
        /// line is.
        #[test]
        fn only_copies_are_carried(
            text in "[ab\n\r ]{0,40}",
            cuts in proptest::collection::vec((0usize..40, 0usize..6, "[ab\n]{0,2}"), 0..5),
        ) {
            let mut edits: Vec<Edit> = Vec::new();
            let mut at = 0;
            for (gap, len, insert) in cuts {
                let start = at + gap;
                let end = (start + len).min(text.len());
                if start > text.len() {
                    break;
                }
                edits.push(edit(start..end, &insert));
                at = end + 1;
            }
            mapped(&text, &edits);
            let all: Vec<Option<usize>> = (0..lines(&text).len()).map(Some).collect();
            proptest::prop_assert_eq!(mapped(&text, &[]), all);
        }
    }

    #[test]
    fn a_cut_line_end_is_not_carried() {
        // The last line loses its newline: same bytes, different line end.
        let prev = "a\nb\n";
        assert_eq!(mapped(prev, &[edit(3..4, "")]), vec![Some(0), None]);
    }
}
