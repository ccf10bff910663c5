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

/// Split `text` into lines; `\n`, `\r\n` and a lone `\r` (old Mac files)
/// end a line.
pub fn lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 64 + 1);
    let mut start = 0;
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        let end = match bytes[at] {
            // `\r\n`: the `\n` ends the line.
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => continue,
            _ => at + 1,
        };
        let content_end =
            if bytes[at] == b'\n' && at > start && bytes[at - 1] == b'\r' { at - 1 } else { at };
        out.push(Line { start, content_end, end });
        start = end;
    }
    if start < bytes.len() {
        out.push(Line { start, content_end: bytes.len(), end: bytes.len() });
    }
    out
}

/// The text of each line of `text`, split as [`lines`] splits it.
pub fn line_texts(text: &str) -> impl Iterator<Item = &str> {
    lines(text).into_iter().map(move |l| &text[l.start..l.content_end])
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

        // Lines tile the text; their contents hold no line end.
        #[test]
        fn lines_tile_the_text(s in "([a-z ]{0,4}|\r|\n|\r\n){0,30}") {
            let mut at = 0;
            for l in lines(&s) {
                prop_assert!(l.start == at && l.start <= l.content_end && l.content_end <= l.end);
                prop_assert!(!s[l.start..l.content_end].contains(['\r', '\n']));
                at = l.end;
            }
            prop_assert_eq!(at, s.len());
        }
    }

    #[test]
    fn a_lone_cr_ends_a_line_as_lf_and_crlf_do() {
        let texts: Vec<Vec<&str>> =
            ["a\nb\n", "a\r\nb\r\n", "a\rb\r", "a\r\rb"].iter().map(|t| line_texts(t).collect()).collect();
        assert_eq!(texts, [vec!["a", "b"], vec!["a", "b"], vec!["a", "b"], vec!["a", "", "b"]]);
        let l = lines("a\r\nb");
        assert_eq!((l[0].content_end, l[0].end, l[1].start), (1, 3, 3));
    }
}
