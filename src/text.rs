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

/// Whitespace-separated words in `s`, as `split_whitespace` counts them.
pub fn word_count(s: &str) -> usize {
    words_up_to(s, usize::MAX)
}

/// Whitespace-separated words in `s`, counted up to `max`. The word
/// bounds and the story test ask this of every line, so eight bytes of
/// plain ASCII text (no control bytes) go at once, as a word-at-a-time
/// mask of their spaces; other bytes one at a time, decoding a character
/// only where Unicode whitespace can start.
pub fn words_up_to(s: &str, max: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let b = s.as_bytes();
    let (mut n, mut in_word, mut i) = (0, false, 0);
    while n < max && i < b.len() {
        if let Some(chunk) = b.get(i..i + 8) {
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            // No byte at or above 0x80 and none below 0x20.
            if (x | x.wrapping_sub(0x20 * LOW)) & HIGH == 0 {
                // High bit set in each byte that is a space, exactly.
                let y = x ^ (0x20 * LOW);
                let spaces = !(((y & !HIGH) + !HIGH) | y) & HIGH;
                let before = (spaces << 8) | u64::from(!in_word) << 7;
                // One bit per byte, summed into the top byte by the multiply
                // (no `popcnt` in the baseline target).
                n += (((!spaces & before & HIGH) >> 7).wrapping_mul(LOW) >> 56) as usize;
                in_word = spaces >> 63 == 0;
                i += 8;
                continue;
            }
        }
        let c = b[i];
        let (space, len) = if c < 0x80 {
            (matches!(c, b'\t'..=b'\r' | b' '), 1)
        } else {
            // A lead byte, so `i` is a character boundary.
            let ch = s[i..].chars().next().unwrap_or_default();
            (ch.is_whitespace(), ch.len_utf8())
        };
        n += usize::from(!space && !in_word);
        in_word = !space;
        i += len;
    }
    n.min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Unicode whitespace among ASCII, wide and multi-byte characters.
        #[test]
        fn words_up_to_counts_as_split_whitespace(
            s in "([a-z.“”é語]|[ \t\n\u{0B}\u{0C}\r]|\u{85}|\u{A0}|\u{1680}|\u{2000}|\u{2009}|\u{200B}|\u{2028}|\u{202F}|\u{205F}|\u{3000}){0,40}",
            max in 0usize..16,
        ) {
            prop_assert_eq!(word_count(&s), s.split_whitespace().count());
            prop_assert_eq!(words_up_to(&s, max), s.split_whitespace().take(max).count());
        }

        // Long plain ASCII runs, the eight-byte path, with control bytes.
        #[test]
        fn ascii_words_count_as_split_whitespace(s in "([a-z]{1,9}|  ?|[\t\n\x01\x1F~]){0,40}", max in 0usize..40) {
            prop_assert_eq!(word_count(&s), s.split_whitespace().count());
            prop_assert_eq!(words_up_to(&s, max), s.split_whitespace().take(max).count());
        }
    }
}
