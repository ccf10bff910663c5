//! The `repeated` stage: lines found in enough documents of this
//! document's group, by the run's line counts (passed in, never read here).

use std::collections::HashMap;

use super::carry::Carried;
use super::doc::Doc;
use super::matching::{guards_ok, holds_a_story, LineMatch, SpanMatch};
use super::Claims;
use crate::repeat::{self, Counts};
use crate::rules::{DocPath, Kind, RuleSet};
use crate::text::word_count;

/// Matches of `repeated` rules: lines found in enough documents of this
/// document's group, by the run's counts, and for `glued` rules the
/// repeated endings of its tail lines (in `spans`).
///
/// Returns the lines' keys when it computed them, for the next pass
/// (`carried` holds the previous pass's); `claims` are the lines a page's
/// HTML rules removed.
pub(super) fn find(
    rules: &RuleSet,
    (counts, group): (Option<&Counts>, Option<&str>),
    doc: &Doc,
    (path, claims): (DocPath, &Claims),
    is_active: &impl Fn(usize) -> bool,
    carried: Option<&Carried>,
    (out, spans): (&mut Vec<LineMatch>, &mut Vec<SpanMatch>),
) -> Option<Vec<Option<u64>>> {
    let (Some(counts), DocPath::Known(rel)) = (counts, path) else { return None };
    // The active whole-line rules, or `glued` ones, each with its `min_docs`.
    let active = |want_glued: bool| -> Vec<(usize, Option<usize>)> {
        let kinds = rules.rules().iter().enumerate();
        kinds
            .filter_map(|(i, r)| match r.kind {
                Kind::Repeated { min_docs, glued } if glued == want_glued && is_active(i) => {
                    Some((i, min_docs))
                }
                _ => None,
            })
            .collect()
    };
    let (repeated, glued) = (active(false), active(true));
    if repeated.is_empty() && glued.is_empty() {
        return None;
    }
    let name = group.unwrap_or_else(|| repeat::group_of(rel, &counts.group_by));
    let group = counts.group(name).filter(|g| g.docs >= repeat::MIN_GROUP_DOCS)?;
    if !glued.is_empty() {
        glued_endings(rules, &glued, group, doc, spans);
    }
    if repeated.is_empty() {
        return None;
    }
    // Shared quotes and stock sentences are story text, however often
    // they repeat: story-like lines get no key (a key fixes whether its
    // lines read as story).
    let key = |j: usize| if doc.raw_reads_as_story(j) { None } else { repeat::line_key(doc.raw(j)) };
    let keys: Vec<Option<u64>> = (0..doc.lines.len())
        .map(|j| match carried.and_then(|c| Some((c.keys?, c.from[j]?))) {
            Some((prev, i)) => prev[i],
            None => key(j),
        })
        .collect();
    // Only lines in enough documents are judged further.
    let least = repeated.iter().map(|&(_, m)| m.map_or(repeat::FEW_DOCS, |m| m as u64)).min();
    let frequent: Vec<(usize, u64, u64)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            let k = (*k)?;
            let n = u64::from(group.lines.get(&k).copied().unwrap_or(0));
            (least.is_some_and(|m| n >= m)).then_some((i, k, n))
        })
        .collect();
    if frequent.is_empty() {
        return Some(keys);
    }
    let inside = repeat::story_span(doc.lines.len(), |j| doc.reads_as_story(j));
    let full = repeat::default_min_docs(group.docs);
    // Below the group's share, only lines outside the story that do not end
    // as sentences qualify (see `repeat::LONG_LINE_WORDS`), and never the
    // first line, the story's own headline, which the site's teasers of it
    // repeat in other documents. Lines a page's HTML rules removed (its
    // menus) come before it.
    let claimed = |j: usize| claims.ranges.iter().any(|(r, _)| r.contains(&doc.lines[j].start));
    let headline = (0..doc.lines.len()).find(|&j| !doc.blank[j] && !claimed(j));
    let few = |i: usize, n: u64| {
        n >= repeat::FEW_DOCS && !inside(i) && Some(i) != headline && !repeat::ends_as_sentence(doc.raw(i))
    };
    // Rules with their own `min_docs` judge every line in that many.
    let own = repeated.iter().filter_map(|&(_, m)| m).min().map(|m| m as u64);
    let frequent: Vec<(usize, u64, u64)> = frequent
        .into_iter()
        .filter(|&(i, _, n)| n >= full || own.is_some_and(|m| n >= m) || few(i, n))
        .collect();
    // How often each of those lines comes in this document, counted once.
    let mut in_doc: HashMap<u64, usize> = frequent.iter().map(|&(_, k, _)| (k, 0)).collect();
    for k in keys.iter().flatten() {
        if let Some(c) = in_doc.get_mut(k) {
            *c += 1;
        }
    }
    // A label the document itself repeats (`Pros`, `Cons`, `Step 1`)
    // structures its content, where site chrome comes once; a short title
    // with story text on both sides heads a section of the story
    // (`Conclusion`), however many sites share its words; a labelled
    // figure (`Half-time: 2-1`) is the document's own fact, counted with
    // the site's other figures only because digits are folded.
    let candidates: Vec<(usize, u64)> = frequent
        .into_iter()
        .filter(|&(i, key, _)| {
            in_doc[&key] <= 2 && !(inside(i) && title_like(doc.raw(i))) && !labelled_figure(doc.raw(i))
        })
        .map(|(i, _, n)| (i, n))
        .collect();
    // Whether candidates `c` and `c + 1` are neighbours, blank lines aside.
    let adjacent = |c: usize| (candidates[c].0 + 1..candidates[c + 1].0).all(|j| doc.blank[j]);
    for &(r, min_docs) in &repeated {
        let rule = &rules.rules()[r];
        let mut taken = vec![false; candidates.len()];
        // Short lines in enough documents for a long line, not for theirs,
        // and the lines taken by being long (or next to such a line).
        let mut near = vec![false; candidates.len()];
        let mut long = vec![false; candidates.len()];
        for (c, &(i, n)) in candidates.iter().enumerate() {
            if !guards_ok(rule, doc.content(i)) {
                continue;
            }
            match min_docs {
                Some(m) => taken[c] = n >= m as u64,
                None if n >= full => taken[c] = true,
                None if few(i, n) => {
                    long[c] = repeat::long_line(doc.raw(i));
                    taken[c] = long[c];
                    near[c] = !long[c];
                }
                None => {}
            }
        }
        // A short line next to a site's long template line is part of the
        // same block (the address list under `… alternate addresses:`).
        for c in 1..candidates.len() {
            if near[c] && long[c - 1] && adjacent(c - 1) {
                (taken[c], long[c]) = (true, true);
            }
        }
        for c in (0..candidates.len().saturating_sub(1)).rev() {
            if near[c] && long[c + 1] && adjacent(c) {
                (taken[c], long[c]) = (true, true);
            }
        }
        for (c, &(i, _)) in candidates.iter().enumerate() {
            if taken[c] {
                out.push(LineMatch::one_line(doc, rule, r, i));
            }
        }
    }
    Some(keys)
}

/// Span matches of `glued` rules: on each tail line, the longest ending
/// (see [`repeat::endings`]) found after other text in enough documents
/// of the group, cut unless it holds quotation marks or a story of its
/// own.
fn glued_endings(
    rules: &RuleSet,
    glued: &[(usize, Option<usize>)],
    group: &repeat::Group,
    doc: &Doc,
    spans: &mut Vec<SpanMatch>,
) {
    // The lines as counted: blank by their raw text, not a normalised view.
    let blank = |j: usize| doc.raw(j).trim().is_empty();
    let tail = repeat::tail_lines(doc.lines.len(), blank, |j| doc.raw_reads_as_story(j));
    let full = repeat::default_min_docs(group.docs);
    for j in tail {
        let line = doc.raw(j);
        let endings = repeat::endings(line);
        for &(r, min_docs) in glued {
            let rule = &rules.rules()[r];
            let found = endings.iter().find(|e| {
                let cut = &line[e.cut..];
                // As for whole lines: five documents are enough for an
                // ending of five words or more that is not a sentence.
                let few = if repeat::long_line(cut) { repeat::FEW_DOCS } else { full };
                let mut least = min_docs.map_or(few, |m| m as u64);
                // An ending that reads as story text (a licence footer
                // does, and so does a site's stock closing sentence) must
                // end a fifth of the group: a footer ends nearly all of a
                // site's documents, a stock sentence a few.
                if repeat::story_like(cut) {
                    least = least.max(group.docs.div_ceil(repeat::STORY_ENDING_SHARE));
                }
                // Counted where other text comes before it: copies of one
                // story share their endings and the text before them.
                let docs = |k: u64| u64::from(group.lines.get(&k).copied().unwrap_or(0));
                docs(e.key).saturating_sub(e.context.map_or(0, docs)) >= least
                    && !repeat::quoted(cut)
                    && !holds_a_story(cut)
                    && guards_ok(rule, cut)
            });
            if let Some(e) = found {
                let start = doc.lines[j].start;
                spans.push(SpanMatch {
                    line: j,
                    range: start + e.cut..start + line.len(),
                    rule: r,
                    placed: doc.placed(rule.place, j),
                });
            }
        }
    }
}

/// `Label: figure`: a label of one to three words, then a value of at most
/// four words that begins with a figure (`Attendance: 30,691`, `Half-time:
/// 2-1`, `Price: $399`). Labels that a site's chrome puts before a figure
/// (`Tel:`, `Comments:`, `Updated:`, `Page:`) are not facts of the story.
fn labelled_figure(line: &str) -> bool {
    const CHROME: &[&str] = &[
        "tel",
        "tel.",
        "telephone",
        "phone",
        "call",
        "call us",
        "fax",
        "mobile",
        "whatsapp",
        "hotline",
        "copyright",
        "comments",
        "updated",
        "last updated",
        "posted",
        "published",
        "page",
        "views",
        "likes",
        "shares",
        "reading time",
        "read time",
    ];
    let Some((label, value)) = line.trim().split_once(':') else { return false };
    let label_words = label.split_whitespace().count();
    let figure = value.trim_start().trim_start_matches(['$', '£', '€']);
    (1..=3).contains(&label_words)
        && label.starts_with(char::is_alphabetic)
        && label.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || c == '-' || c == '.')
        && !CHROME.contains(&label.trim().to_lowercase().as_str())
        && value.starts_with(char::is_whitespace)
        && figure.starts_with(|c: char| c.is_ascii_digit())
        && word_count(value) <= 4
}

/// A short line that is not a sentence: a title.
fn title_like(line: &str) -> bool {
    let line = line.trim();
    word_count(line) <= 4 && !line.ends_with(['.', ':', '!', '?'])
}

#[cfg(test)]
mod tests {
    use super::labelled_figure;

    #[test]
    fn labelled_figures_are_facts() {
        for line in ["Half-time: 2-1", "Attendance: 30,691", "Price: $399", "Kick off: 3pm Saturday"] {
            assert!(labelled_figure(line), "{line}");
        }
        for line in
            ["Page 2 of 5", "Updated 06:19 GMT", "Read more: 10 tips for 2025 and beyond now", "Time: now"]
        {
            assert!(!labelled_figure(line), "{line}");
        }
    }
}
