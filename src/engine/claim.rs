//! Claiming: which rule owns each line. Placed matches first (earliest,
//! then rule order), then deferred ones, runs and duplicates for as long as
//! other removals bring them into place, then spans, whose emptied lines
//! become removals too.
//!
//! It works on the matches it is given; it runs no rule pattern but the
//! `run` grouping and the duplicate-line check.

use std::ops::Range;

use super::doc::{is_blank, Doc, Kept};
use super::matching::{Found, LineMatch, SpanMatch};
use super::normalize;
use super::Claims;
use crate::rules::{Kind, Place, RuleSet};
use crate::text::line_span;

/// The lines whose whole text a claim (an HTML element removal) covers:
/// they go whatever the text rules say.
pub(super) fn covered(doc: &Doc, claims: &Claims) -> Vec<bool> {
    let mut out = vec![false; doc.lines.len()];
    for (range, _) in &claims.ranges {
        for (i, part, covers) in reach(doc, range) {
            out[i] |= covers && !part.is_empty();
        }
    }
    out
}

/// Each line a claimed `range` reaches: its index, the part of its text in
/// the range, and whether only whitespace lies outside that part.
fn reach<'d>(
    doc: &'d Doc,
    range: &'d Range<usize>,
) -> impl Iterator<Item = (usize, Range<usize>, bool)> + 'd {
    let (text, lines) = (doc.text, doc.lines);
    let (first, last) = line_span(lines, range);
    (first - 1..last).map(move |i| {
        let l = lines[i];
        let (s, e) = (range.start.max(l.start), range.end.min(l.content_end));
        (i, s..e, text[l.start..s].trim().is_empty() && text[e..l.content_end].trim().is_empty())
    })
}

/// Which rule owns each line (`None`: kept), and the spans cut from the
/// lines kept. `claims` (HTML elements) win over text rules; `duplicates`
/// is the `duplicate-lines` step's rule and `min_chars`.
pub(super) fn claim(
    rules: &RuleSet,
    doc: &Doc,
    found: Found,
    claims: &Claims,
    duplicates: Option<(usize, usize)>,
) -> (Vec<Option<usize>>, Vec<SpanMatch>) {
    let Found { mut whole, mut spans, run_hits } = found;
    let (text, lines) = (doc.text, doc.lines);

    // Claim lines: placed matches first (earliest, then rule order), then
    // deferred ones for as long as other removals bring them into place.
    whole.sort_by_key(|m| (m.first, m.rule));
    let mut owner: Vec<Option<usize>> = vec![None; lines.len()];
    let claim = |owner: &mut [Option<usize>], m: &LineMatch| {
        for o in &mut owner[m.first..=m.last] {
            o.get_or_insert(m.rule);
        }
    };
    // Claimed ranges: whole lines when they cover a line's text, else spans.
    // A line of only whitespace (`&nbsp;`, spaces in a `<pre>`) that the
    // range reaches is claimed whole too: a span there would leave a blank
    // line that layout hands to a removal again, and the two would overlap.
    for (range, rule) in &claims.ranges {
        for (i, part, covers) in reach(doc, range) {
            let (l, s, e) = (lines[i], part.start, part.end);
            if covers && (!doc.blank[i] || s < e) {
                owner[i].get_or_insert(*rule);
            } else if s < e {
                // An inline element between two spaces takes one of them along.
                let bytes = text.as_bytes();
                let e = if s > l.start && bytes[s - 1] == b' ' && e < l.content_end && bytes[e] == b' ' {
                    e + 1
                } else {
                    e
                };
                spans.push(SpanMatch { line: i, range: s..e, rule: *rule, placed: true });
            }
        }
    }
    let (placed, mut deferred): (Vec<LineMatch>, Vec<LineMatch>) = whole.into_iter().partition(|m| m.placed);
    for m in &placed {
        claim(&mut owner, m);
    }
    // Until nothing changes: deferred matches, runs and duplicates over the
    // lines left, then spans, whose emptied lines become removals too.
    let spans = loop {
        loop {
            let before = deferred.len();
            if !deferred.is_empty() {
                let kept = doc.kept(&owner);
                deferred.retain(|m| {
                    let place = rules.rules()[m.rule].place;
                    if doc.placed_after(place, m.anchor, &kept) {
                        claim(&mut owner, m);
                        false
                    } else {
                        true
                    }
                });
            }
            let ran = claim_runs(rules, doc, &run_hits, &mut owner);
            let deduped = duplicates.is_some_and(|(rule, min)| claim_duplicates(doc, rule, min, &mut owner));
            if deferred.len() == before && !ran && !deduped {
                break;
            }
        }
        let kept = spans.iter().any(|s| !s.placed).then(|| doc.kept(&owner));
        let candidates: Vec<SpanMatch> = spans
            .iter()
            .filter(|s| {
                s.placed
                    || kept.as_ref().is_some_and(|k| doc.placed_after(rules.rules()[s.rule].place, s.line, k))
            })
            .cloned()
            .collect();
        let removed = owner.iter().filter(|o| o.is_some()).count();
        let resolved = resolve_spans(doc, candidates, &mut owner);
        if owner.iter().filter(|o| o.is_some()).count() == removed {
            break resolved;
        }
    };
    (owner, spans)
}

/// Claim later copies of a kept line of at least `min_chars` characters.
/// Returns whether it claimed any.
fn claim_duplicates(doc: &Doc, rule: usize, min_chars: usize, owner: &mut [Option<usize>]) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut claimed = false;
    for (i, o) in owner.iter_mut().enumerate() {
        if o.is_some() || doc.blank[i] {
            continue;
        }
        let key = normalize::duplicate_key(doc.content(i));
        if key.chars().count() >= min_chars && !seen.insert(key) {
            *o = Some(rule);
            claimed = true;
        }
    }
    claimed
}

/// Claim the runs of each `run` rule and the card lists of each `cards`
/// rule. Returns whether it claimed any.
fn claim_runs(rules: &RuleSet, doc: &Doc, hits: &[(usize, usize)], owner: &mut [Option<usize>]) -> bool {
    let mut claimed = false;
    // Hits are sorted by rule, so each rule's lines are one slice.
    for group in hits.chunk_by(|a, b| a.0 == b.0) {
        let rule = group[0].0;
        let lines: Vec<usize> = group.iter().map(|&(_, i)| i).collect();
        claimed |= match rules.rules()[rule].kind {
            Kind::Cards { .. } => claim_cards(rules, doc, rule, &lines, owner),
            _ => claim_run(rules, doc, rule, &lines, owner),
        };
    }
    claimed
}

/// Claim the runs of `run` rule `rule` among its matching `lines`: those
/// consecutive once removed lines are skipped.
fn claim_run(rules: &RuleSet, doc: &Doc, rule: usize, lines: &[usize], owner: &mut [Option<usize>]) -> bool {
    let mut claimed = false;
    // Line counts for the `where` guard, recounted only after a claim.
    let mut kept: Option<Kept> = None;
    let r = &rules.rules()[rule];
    let Kind::Run { min_lines, ref unless_after, .. } = r.kind else { unreachable!("a run rule") };
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        // Extend while the lines between two hits are all removed.
        while j < lines.len() && owner[lines[j - 1] + 1..lines[j]].iter().all(Option::is_some) {
            j += 1;
        }
        let (first, last) = (lines[i], lines[j - 1]);
        let introduced = || {
            let before = (0..first).rev().find(|&k| !doc.blank[k] && owner[k].is_none());
            unless_after.as_ref().zip(before).is_some_and(|(re, k)| re.is_match(doc.content(k)))
        };
        // A run is in the tail when it reaches into it.
        let anchor = if matches!(r.place, Place::Tail(_)) { last } else { first };
        if j - i >= min_lines
            && owner[first..=last].iter().any(Option::is_none)
            && doc.placed_after(r.place, anchor, kept.get_or_insert_with(|| doc.kept(owner)))
            && !introduced()
        {
            for o in &mut owner[first..=last] {
                o.get_or_insert(rule);
            }
            claimed = true;
            kept = None;
        }
        i = j;
    }
    claimed
}

/// Claim the card lists of `cards` rule `rule`, whose closing lines (the
/// `Read more` links) are `buttons`. A card is the kept lines between two
/// buttons, one to `max_lines` of them, each within the rule's word
/// bounds (without `max_words`, none holding a story), the first not
/// reading as story text (the title): a paragraph and a link under it
/// start no card. Buttons whose cards qualify make one list; the first
/// button's card is the lines above it, as many as the list's most common
/// card, else up to `max_lines` (for a list of one, stopping at story
/// text), up to a line another rule removes (the list's heading). A list of
/// `min_cards` cards or more goes whole, unless no story text would be
/// left.
fn claim_cards(
    rules: &RuleSet,
    doc: &Doc,
    rule: usize,
    buttons: &[usize],
    owner: &mut [Option<usize>],
) -> bool {
    let r = &rules.rules()[rule];
    let Kind::Cards { min_cards, max_lines, .. } = r.kind else { unreachable!("a cards rule") };
    let kept = |j: usize, owner: &[Option<usize>]| !doc.blank[j] && owner[j].is_none();
    let fits = |j: usize| {
        let line = doc.content(j);
        super::matching::guards_ok(r, line)
            && (r.max_words.is_some() || !super::matching::holds_a_story(line))
    };
    // Whether lines (in order) make a card: its title comes first.
    let card = |lines: &[usize]| {
        (1..=max_lines).contains(&lines.len())
            && lines.iter().all(|&j| fits(j))
            && !doc.reads_as_story(lines[0])
    };
    let mut claimed = false;
    let mut i = 0;
    while i < buttons.len() {
        // The list that starts at button i: buttons whose cards fit.
        let mut sizes = Vec::new();
        let mut j = i + 1;
        while j < buttons.len() {
            let between: Vec<usize> = (buttons[j - 1] + 1..buttons[j]).filter(|&k| kept(k, owner)).collect();
            if !card(&between) {
                break;
            }
            sizes.push(between.len());
            j += 1;
        }
        // The first card's lines: `size` of the kept lines above its link,
        // up to a line another rule removes (the rail's heading); a list of
        // one stops at story text. Story lines the walk reached above the
        // title are not the card's.
        let above = |size: usize| {
            let mut lines = Vec::new();
            for k in (0..buttons[i]).rev() {
                if lines.len() == size || (!doc.blank[k] && owner[k].is_some()) {
                    break;
                }
                if kept(k, owner) {
                    if sizes.is_empty() && doc.reads_as_story(k) {
                        break;
                    }
                    lines.push(k);
                }
            }
            lines.reverse();
            let title = lines.iter().position(|&k| !doc.reads_as_story(k)).unwrap_or(lines.len());
            lines.split_off(title)
        };
        // As many lines as the list's most common card, else as many as a
        // card may hold (cards of a rail differ: a blurb here, none there).
        let first_card = mode(&sizes).map(above).filter(|c| card(c)).unwrap_or_else(|| above(max_lines));
        let first_ok = card(&first_card);
        let cards = sizes.len() + usize::from(first_ok);
        let first = if first_ok { first_card[0] } else { buttons[i] };
        let last = buttons[j - 1];
        let anchor = if matches!(r.place, Place::Tail(_)) { last } else { first };
        let story_left = || {
            (0..doc.lines.len()).any(|k| (k < first || k > last) && kept(k, owner) && doc.reads_as_story(k))
        };
        if cards >= min_cards
            && owner[first..=last].iter().any(Option::is_none)
            && doc.placed_after(r.place, anchor, &doc.kept(owner))
            && story_left()
        {
            for o in &mut owner[first..=last] {
                o.get_or_insert(rule);
            }
            claimed = true;
        }
        i = j;
    }
    claimed
}

/// The most common of `sizes`, the smallest on a tie.
fn mode(sizes: &[usize]) -> Option<usize> {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    sorted.chunk_by(|a, b| a == b).max_by_key(|run| (run.len(), std::cmp::Reverse(run[0]))).map(|run| run[0])
}

/// Drop spans inside claimed lines and overlapping spans; a line whose
/// spans leave only whitespace becomes a whole-line removal.
fn resolve_spans(doc: &Doc, mut spans: Vec<SpanMatch>, owner: &mut [Option<usize>]) -> Vec<SpanMatch> {
    spans.retain(|s| owner[s.line].is_none());
    spans.sort_by_key(|s| (s.range.start, s.rule));
    let mut kept: Vec<SpanMatch> = Vec::with_capacity(spans.len());
    for s in spans {
        if kept.last().is_some_and(|k| k.range.end > s.range.start) {
            continue;
        }
        kept.push(s);
    }
    let mut i = 0;
    while i < kept.len() {
        let line = kept[i].line;
        let j = kept[i..].iter().position(|s| s.line != line).map_or(kept.len(), |p| i + p);
        let l = doc.lines[line];
        let mut pos = l.start;
        let mut rest = String::new();
        for s in &kept[i..j] {
            rest.push_str(&doc.text[pos..s.range.start]);
            pos = s.range.end;
        }
        rest.push_str(&doc.text[pos..l.content_end]);
        if !doc.blank[line] && is_blank(&rest) {
            owner[line] = Some(kept[i].rule);
        }
        i = j;
    }
    kept.retain(|s| owner[s.line].is_none());
    kept
}
