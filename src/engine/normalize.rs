//! Normalisation steps over the text the rules keep, each change an edit (a
//! replacement) so the change log still rebuilds the input.
//!
//! Steps claim characters in a fixed order (mojibake, trailing space,
//! invisible, controls, spaces, then Unicode composition over what is
//! left), so no two steps touch the same byte and every edit has one rule.
//! Zero-width joiners and non-joiners and bidi marks are left alone: Persian,
//! Indic scripts and emoji need them. No I/O here.

use std::ops::Range;

use unicode_normalization::{is_nfc, is_nfkc, UnicodeNormalization};

use crate::rules::{Kind, RuleSet, Step};
use crate::text::Edit;

/// The enabled steps, each with the index of the rule that turned it on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    mojibake: Option<usize>,
    nfc: Option<usize>,
    nfkc: Option<usize>,
    spaces: Option<usize>,
    invisible: Option<usize>,
    controls: Option<usize>,
    trailing: Option<usize>,
    line_endings: Option<usize>,
    /// The `duplicate-lines` rule and its `min_chars`.
    pub duplicates: Option<(usize, usize)>,
}

impl Steps {
    /// The steps of the rules `active` admits; the first rule of a step wins.
    pub fn of(rules: &RuleSet, active: impl Fn(usize) -> bool) -> Steps {
        let mut s = Steps::default();
        for (i, r) in rules.rules().iter().enumerate() {
            let Kind::Normalize { step, min_chars } = r.kind else { continue };
            if !active(i) {
                continue;
            }
            let slot = match step {
                Step::Mojibake => &mut s.mojibake,
                Step::Nfc => &mut s.nfc,
                Step::Nfkc => &mut s.nfkc,
                Step::Spaces => &mut s.spaces,
                Step::Invisible => &mut s.invisible,
                Step::Controls => &mut s.controls,
                Step::TrailingSpace => &mut s.trailing,
                Step::LineEndings => &mut s.line_endings,
                Step::DuplicateLines => {
                    s.duplicates.get_or_insert((i, min_chars));
                    continue;
                }
            };
            slot.get_or_insert(i);
        }
        s
    }

    /// Whether any step works on characters (everything but duplicate lines).
    pub fn edits_text(&self) -> bool {
        self.mojibake.is_some()
            || self.nfc.is_some()
            || self.nfkc.is_some()
            || self.spaces.is_some()
            || self.invisible.is_some()
            || self.controls.is_some()
            || self.trailing.is_some()
            || self.line_endings.is_some()
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

fn is_exotic_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}')
}

fn push(out: &mut Vec<Edit>, rule: usize, range: Range<usize>, insert: &str) {
    if let Some(last) = out.last_mut() {
        if last.rule == rule && last.range.end == range.start {
            last.range.end = range.end;
            last.insert.push_str(insert);
            return;
        }
    }
    out.push(Edit { rule, range, insert: insert.to_string() });
}

/// Edits for `part`, a kept piece of one line's content starting at byte
/// `base` of the document; `at_line_end` when it reaches the line's end.
pub fn line_part(steps: &Steps, part: &str, base: usize, at_line_end: bool, out: &mut Vec<Edit>) {
    let mut claimed: Vec<(Range<usize>, usize, String)> = Vec::new();
    if let Some(rule) = steps.mojibake {
        for (range, fixed) in crate::mojibake::find(part) {
            claimed.push((range, rule, fixed));
        }
    }
    if let (Some(rule), true) = (steps.trailing, at_line_end) {
        // Characters other steps would remove count as trailing too, so one pass is enough.
        let kept = part.trim_end_matches(|c: char| c.is_whitespace() || is_invisible(c) || c.is_control());
        let from = kept.len().max(claimed.last().map_or(0, |c| c.0.end));
        if from < part.len() {
            claimed.push((from..part.len(), rule, String::new()));
        }
    }
    // Character steps over what mojibake and trailing space left.
    let mut pos = 0;
    for (range, rule, fixed) in &claimed {
        chars(steps, &part[pos..range.start], base + pos, out);
        push(out, *rule, base + range.start..base + range.end, fixed);
        pos = range.end;
    }
    chars(steps, &part[pos..], base + pos, out);
}

/// Invisible, control and space characters, then Unicode composition over
/// the runs between them.
fn chars(steps: &Steps, text: &str, base: usize, out: &mut Vec<Edit>) {
    let mut run_start = 0;
    for (i, c) in text.char_indices() {
        let hit = if steps.invisible.is_some() && is_invisible(c) {
            steps.invisible.map(|r| (r, ""))
        } else if steps.controls.is_some() && c.is_control() && c != '\t' {
            steps.controls.map(|r| (r, ""))
        } else if steps.spaces.is_some() && is_exotic_space(c) {
            steps.spaces.map(|r| (r, " "))
        } else {
            None
        };
        if let Some((rule, insert)) = hit {
            compose(steps, &text[run_start..i], base + run_start, out);
            push(out, rule, base + i..base + i + c.len_utf8(), insert);
            run_start = i + c.len_utf8();
        }
    }
    compose(steps, &text[run_start..], base + run_start, out);
}

/// NFKC or NFC over `text`, as one edit covering only the part that changes.
fn compose(steps: &Steps, text: &str, base: usize, out: &mut Vec<Edit>) {
    let (rule, composed): (usize, String) = match (steps.nfkc, steps.nfc) {
        (Some(r), _) if !is_nfkc(text) => (r, text.nfkc().collect()),
        (None, Some(r)) if !is_nfc(text) => (r, text.nfc().collect()),
        _ => return,
    };
    // Trim the common prefix and suffix, by whole characters.
    let prefix: usize =
        text.chars().zip(composed.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
    let suffix: usize = text[prefix..]
        .chars()
        .rev()
        .zip(composed[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let old = prefix..text.len() - suffix;
    let new = &composed[prefix..composed.len() - suffix];
    push(out, rule, base + old.start..base + old.end, new);
}

/// Edit for a kept line terminator: `\r\n` and a lone `\r` become `\n`.
pub fn terminator(steps: &Steps, term: &str, base: usize, out: &mut Vec<Edit>) {
    match (steps.line_endings, term) {
        (Some(rule), "\r\n") => push(out, rule, base..base + 1, ""),
        (Some(rule), "\r") => push(out, rule, base..base + 1, "\n"),
        _ => {}
    }
}

/// The key two lines share when one repeats the other: whitespace collapsed.
pub fn duplicate_key(content: &str) -> String {
    content.split_whitespace().collect::<Vec<_>>().join(" ")
}
