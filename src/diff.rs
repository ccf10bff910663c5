//! Unified diffs of a document against its cleaned output, with every
//! removed line or span labelled by the rule that removed it.
//!
//! The edits already say exactly which bytes go, so no diff algorithm is
//! needed: each input line is kept, removed, or changed in place.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style as Paint};

use crate::rules::RuleSet;
use crate::text::{self, Edit};

/// How a diff is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub context: usize,
}

const HEADER: Paint = Paint::new().bold();
const HUNK: Paint = AnsiColor::Cyan.on_default();
const REMOVED: Paint = AnsiColor::Red.on_default();
const ADDED: Paint = AnsiColor::Green.on_default();
const LABEL: Paint = Paint::new().dimmed();

enum Fate {
    Kept,
    Removed(usize),
    /// The line's new text (with its terminator, if it keeps one).
    Changed {
        rule: usize,
        new: String,
    },
}

/// The labelled diff of `text` with `edits` applied; empty when there are none.
pub fn render(rules: &RuleSet, rel: &str, text: &str, edits: &[Edit], style: Style) -> String {
    if edits.is_empty() {
        return String::new();
    }
    let lines = text::lines(text);
    let fates = fates(text, &lines, edits);
    // A plain style renders as nothing, so one code path writes both.
    let paint = |p: Paint| if style.color { p } else { Paint::new() };
    let label = |rule: usize| format!("{0}  [{1}]{0:#}", paint(LABEL), rules.rules()[rule].id);

    let mut out = String::new();
    let _ = writeln!(out, "{0}--- a/{rel}{0:#}", paint(HEADER));
    let _ = writeln!(out, "{0}+++ b/{rel}{0:#}", paint(HEADER));

    let changed: Vec<usize> = (0..lines.len()).filter(|&i| !matches!(fates[i], Fate::Kept)).collect();
    // New-side line number where each old line starts.
    let mut new_no = Vec::with_capacity(lines.len() + 1);
    let mut n = 1;
    for f in &fates {
        new_no.push(n);
        n += match f {
            Fate::Kept => 1,
            Fate::Removed(_) => 0,
            Fate::Changed { new, .. } => usize::from(!new.is_empty()),
        };
    }
    let mut i = 0;
    while i < changed.len() {
        // Grow the hunk while the next change is within two contexts.
        let mut j = i;
        while j + 1 < changed.len() && changed[j + 1] - changed[j] <= 2 * style.context + 1 {
            j += 1;
        }
        let start = changed[i].saturating_sub(style.context);
        let end = (changed[j] + style.context + 1).min(lines.len());
        let old_len = end - start;
        let new_len: usize = fates[start..end]
            .iter()
            .map(|f| match f {
                Fate::Kept => 1,
                Fate::Removed(_) => 0,
                Fate::Changed { new, .. } => usize::from(!new.is_empty()),
            })
            .sum();
        let new_start = if new_len == 0 { new_no[start] - 1 } else { new_no[start] };
        let _ = writeln!(out, "{0}@@ -{1},{old_len} +{new_start},{new_len} @@{0:#}", paint(HUNK), start + 1);
        for (k, fate) in fates.iter().enumerate().take(end).skip(start) {
            let l = lines[k];
            let content = &text[l.start..l.content_end];
            let no_newline = l.end == l.content_end;
            let removed = paint(REMOVED);
            match fate {
                Fate::Kept => push_line(&mut out, ' ', content, no_newline, Paint::new(), None),
                Fate::Removed(rule) => {
                    push_line(&mut out, '-', content, no_newline, removed, Some(label(*rule)))
                }
                Fate::Changed { rule, new } => {
                    push_line(&mut out, '-', content, no_newline, removed, Some(label(*rule)));
                    if !new.is_empty() {
                        let body = new.trim_end_matches(['\n', '\r']);
                        push_line(&mut out, '+', body, !new.ends_with('\n'), paint(ADDED), None);
                    }
                }
            }
        }
        i = j + 1;
    }
    out
}

/// One diff line: sign and text in `paint`, then the label.
fn push_line(
    out: &mut String,
    sign: char,
    content: &str,
    no_newline: bool,
    paint: Paint,
    label: Option<String>,
) {
    let _ = write!(out, "{paint}{sign}{content}{paint:#}");
    if let Some(l) = label {
        out.push_str(&l);
    }
    out.push('\n');
    if no_newline {
        out.push_str("\\ No newline at end of file\n");
    }
}

fn fates(text: &str, lines: &[text::Line], edits: &[Edit]) -> Vec<Fate> {
    let mut fates = Vec::with_capacity(lines.len());
    let mut e = 0;
    for l in lines {
        while e < edits.len() && edits[e].range.end <= l.start {
            e += 1;
        }
        let touching: Vec<&Edit> =
            edits[e..].iter().take_while(|x| x.range.start < l.end.max(l.start + 1)).collect();
        if touching.is_empty() {
            fates.push(Fate::Kept);
            continue;
        }
        let rule = touching[0].rule;
        if touching.iter().any(|x| x.range.start <= l.start && x.range.end >= l.end && x.insert.is_empty()) {
            fates.push(Fate::Removed(rule));
            continue;
        }
        let mut new = String::new();
        let mut pos = l.start;
        for x in &touching {
            let (s, t) = (x.range.start.max(l.start), x.range.end.min(l.end));
            new.push_str(&text[pos.min(s)..s]);
            // An insert belongs to the line where its edit starts.
            if x.range.start >= l.start {
                new.push_str(&x.insert);
            }
            pos = t;
        }
        new.push_str(&text[pos.min(l.end)..l.end]);
        fates.push(Fate::Changed { rule, new });
    }
    fates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::rules::load_str;

    #[test]
    fn labels_removed_lines_and_spans() {
        let rules = load_str(
            "t.yaml",
            "- id: caption.x\n  doc: d\n  match: line\n  pattern: '\\(AFP photo\\)$'\n- id: source.p\n  doc: d\n  match: span\n  pattern: '^(?<cut>Eg: )'\n",
        )
        .unwrap();
        let text = "Eg: Story one.\n\nCap (AFP photo)\n\nStory two.\n";
        let edits = engine::clean(&rules, None, text);
        let d = render(&rules, "a.txt", text, &edits, Style { color: false, context: 1 });
        assert_eq!(
            d,
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,5 +1,3 @@\n-Eg: Story one.  [source.p]\n+Story one.\n \n-Cap (AFP photo)  [caption.x]\n-  [caption.x]\n Story two.\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let rules = load_str("t.yaml", "- id: a.b\n  doc: d\n  match: line\n  pattern: '^Tail$'\n").unwrap();
        let text = "Story.\nTail";
        let edits = engine::clean(&rules, None, text);
        let d = render(&rules, "a.txt", text, &edits, Style { color: false, context: 3 });
        assert_eq!(
            d,
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,1 @@\n-Story.  [a.b]\n+Story.\n\\ No newline at end of file\n-Tail  [a.b]\n\\ No newline at end of file\n"
        );
    }
}
