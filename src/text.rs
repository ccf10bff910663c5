//! Text helpers every module shares: an [`Edit`], the [`Line`]s of a
//! text, applying edits, and counting words.
//!
//! It owns the byte-range model the engine, the change log, the diffs and
//! the scores speak; it knows nothing of rules, files or output.

use std::ops::Range;

/// One edit: bytes `range` of the input replaced by `insert` (empty for a
/// removal), by rule `rule` (an index into the rule set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub rule: usize,
    pub range: Range<usize>,
    pub insert: String,
}

/// A line of the input: `start..content_end` is its text, `..end` adds the
/// line terminator.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub start: usize,
    pub content_end: usize,
    pub end: usize,
}

/// Split `text` into lines; `\n` and `\r\n` end a line.
pub fn lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 64 + 1);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let content_end = if nl > start && bytes[nl - 1] == b'\r' { nl - 1 } else { nl };
        out.push(Line { start, content_end, end: nl + 1 });
        start = nl + 1;
    }
    if start < bytes.len() {
        out.push(Line { start, content_end: bytes.len(), end: bytes.len() });
    }
    out
}

/// 1-based numbers of the first and last line touched by `range`.
pub fn line_span(lines: &[Line], range: &Range<usize>) -> (usize, usize) {
    let at = |pos: usize| lines.partition_point(|l| l.end <= pos) + 1;
    (at(range.start), at(range.end.saturating_sub(1).max(range.start)))
}

/// The text with `edits` (sorted, disjoint) applied.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    debug_assert!(
        edits.windows(2).all(|w| w[0].range.end <= w[1].range.start)
            && edits.iter().all(|e| e.range.start <= e.range.end && e.range.end <= text.len()),
        "edits must be sorted and disjoint"
    );
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.insert);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Each whitespace-separated word of `text` with its byte offset and the
/// rule of the edit that removed it (by its first byte); a replacement
/// (normalisation) does not remove the word.
pub fn word_owners<'a>(text: &'a str, edits: &[Edit]) -> Vec<(usize, &'a str, Option<usize>)> {
    let base = text.as_ptr() as usize;
    let mut e = 0;
    text.split_whitespace()
        .map(|w| {
            let at = w.as_ptr() as usize - base;
            while e < edits.len() && edits[e].range.end <= at {
                e += 1;
            }
            let by = (e < edits.len() && edits[e].range.start <= at && edits[e].insert.is_empty())
                .then(|| edits[e].rule);
            (at, w, by)
        })
        .collect()
}

pub fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}
