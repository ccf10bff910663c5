//! Edits: the owned lines and kept spans as byte-range removals, then the
//! normalisation edits for every kept piece of text.

use std::ops::Range;

use super::doc::Doc;
use super::matching::SpanMatch;
use super::normalize::{self, Steps};
use crate::text::{Edit, Line};

/// The removals: each owned line whole, each kept span.
pub(super) fn removals(doc: &Doc, owner: &[Option<usize>], spans: Vec<SpanMatch>) -> Vec<Edit> {
    let lines = doc.lines;
    let mut edits: Vec<Edit> = Vec::new();
    let push = |edits: &mut Vec<Edit>, rule: usize, range: Range<usize>| {
        if let Some(prev) = edits.last_mut() {
            if prev.rule == rule && prev.range.end == range.start {
                prev.range.end = range.end;
                return;
            }
        }
        edits.push(Edit { rule, range, insert: String::new() });
    };
    let mut spans = spans.into_iter().peekable();
    // Without a final newline, removing the tail also takes the line end of
    // the last kept line, so the output keeps the input's ending.
    let text_len = doc.text.len();
    let ends_open = lines.last().is_some_and(|l| l.end == l.content_end);
    let tail_from = if ends_open && owner.last().is_some_and(Option::is_some) {
        (0..owner.len()).rev().find(|&i| owner[i].is_none())
    } else {
        None
    };
    for (i, l) in lines.iter().enumerate() {
        while let Some(s) = spans.next_if(|s| s.line == i) {
            debug_assert!(owner[i].is_none(), "a span on a removed line {i}");
            push(&mut edits, s.rule, s.range);
        }
        match owner[i] {
            Some(rule) => push(&mut edits, rule, l.start..l.end),
            None if Some(i) == tail_from => {
                let rule = owner[i + 1].expect("tail is removed");
                push(&mut edits, rule, l.content_end..l.end);
            }
            None => {}
        }
    }
    debug_assert!(edits.iter().all(|e| e.range.end <= text_len));
    edits
}

/// Add the normalisation edits for every kept piece of text to `removals`.
pub(super) fn normalize_kept(doc: &Doc, steps: &Steps, removals: Vec<Edit>) -> Vec<Edit> {
    let mut out = Vec::with_capacity(removals.len());
    let mut next = removals.into_iter().peekable();
    // Start of the text not yet handed out; removals are sorted and disjoint.
    let mut pos = 0;
    for l in doc.lines {
        while pos < l.end {
            match next.peek() {
                Some(e) if e.range.start < l.end => {
                    // A piece whose line is removed after it ends the line's text.
                    let ends_line = e.range.end >= l.content_end;
                    kept_piece(doc, steps, *l, pos..e.range.start, ends_line, &mut out);
                    pos = pos.max(e.range.end);
                    out.push(next.next().expect("peeked"));
                }
                _ => {
                    kept_piece(doc, steps, *l, pos..l.end, true, &mut out);
                    pos = l.end;
                }
            }
        }
    }
    out.extend(next);
    out
}

/// Normalise the kept bytes `range` of line `l`; `ends_line` when nothing
/// of the line's text is kept after it.
fn kept_piece(doc: &Doc, steps: &Steps, l: Line, range: Range<usize>, ends_line: bool, out: &mut Vec<Edit>) {
    if range.start >= range.end {
        return;
    }
    let content = range.start.min(l.content_end)..range.end.min(l.content_end);
    if content.start < content.end {
        let at_end = ends_line || content.end == l.content_end;
        normalize::line_part(steps, &doc.text[content.clone()], content.start, at_end, out);
    }
    if range.start <= l.content_end && range.end == l.end && l.end > l.content_end {
        normalize::terminator(steps, &doc.text[l.content_end..l.end], l.content_end, out);
    }
}
