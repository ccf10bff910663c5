//! The `repeated` stage: lines found in enough documents of this
//! document's group, by the run's line counts (passed in, never read here).

use super::carry::Carried;
use super::doc::Doc;
use super::matching::{guards_ok, LineMatch};
use crate::repeat::{self, Counts};
use crate::rules::{DocPath, Kind, RuleSet};
use crate::text::word_count;

/// Line matches of `repeated` rules: lines found in enough documents of
/// this document's group, by the run's counts.
///
/// Returns the lines' keys when it computed them, for the next pass
/// (`carried` holds the previous pass's).
pub(super) fn find(
    rules: &RuleSet,
    (counts, group): (Option<&Counts>, Option<&str>),
    doc: &Doc,
    path: DocPath,
    is_active: &impl Fn(usize) -> bool,
    carried: Option<&Carried>,
    out: &mut Vec<LineMatch>,
) -> Option<Vec<Option<u64>>> {
    let (Some(counts), DocPath::Known(rel)) = (counts, path) else { return None };
    let repeated: Vec<(usize, Option<usize>)> = rules
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r.kind {
            Kind::Repeated { min_docs } if is_active(i) => Some((i, min_docs)),
            _ => None,
        })
        .collect();
    if repeated.is_empty() {
        return None;
    }
    let name = group.unwrap_or_else(|| repeat::group_of(rel, &counts.group_by));
    let group = counts.group(name).filter(|g| g.docs >= repeat::MIN_GROUP_DOCS)?;
    // Shared quotes and stock sentences are story text, however often
    // they repeat: story-like lines get no key (a key fixes whether its
    // lines read as story).
    let raw = |j: usize| &doc.text[doc.lines[j].start..doc.lines[j].content_end];
    let key = |j: usize| if repeat::story_like(raw(j)) { None } else { repeat::line_key(raw(j)) };
    let keys: Vec<Option<u64>> = (0..doc.lines.len())
        .map(|j| match carried.and_then(|c| Some((c.keys?, c.from[j]?))) {
            Some((prev, i)) => prev[i],
            None => key(j),
        })
        .collect();
    // Only lines in enough documents are judged further.
    let least = repeated
        .iter()
        .map(|&(_, m)| m.map_or(repeat::default_min_docs_for(group.docs, usize::MAX), |m| m as u64))
        .min();
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
    let first_story = (0..doc.lines.len()).find(|&j| doc.reads_as_story(j));
    let last_story = (0..doc.lines.len()).rev().find(|&j| doc.reads_as_story(j));
    for (i, key, n) in frequent {
        // A label the document itself repeats (`Pros`, `Cons`,
        // `Step 1`) structures its content, where site chrome comes once; a
        // short title with story text on both sides heads a section of the
        // story (`Conclusion`), however many sites share its words.
        let in_doc = keys.iter().filter(|k| **k == Some(key)).count();
        let heading =
            first_story.is_some_and(|f| f < i) && last_story.is_some_and(|l| l > i) && title_like(raw(i));
        if in_doc > 2 || heading {
            continue;
        }
        let words = word_count(raw(i));
        for &(r, min_docs) in &repeated {
            let need = min_docs.map_or_else(|| repeat::default_min_docs_for(group.docs, words), |m| m as u64);
            let rule = &rules.rules()[r];
            if n >= need && guards_ok(rule, doc.content(i)) {
                out.push(LineMatch::one_line(doc, rule, r, i));
            }
        }
    }
    Some(keys)
}

/// A short line that is not a sentence: a title.
fn title_like(line: &str) -> bool {
    let line = line.trim();
    word_count(line) <= 4 && !line.ends_with(['.', ':', '!', '?'])
}
