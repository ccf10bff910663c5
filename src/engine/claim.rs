//! Claiming: which rule owns each line. Placed matches first (earliest,
//! then rule order), then deferred ones, runs and duplicates for as long as
//! other removals bring them into place, then spans, whose emptied lines
//! become removals too.
//!
//! It works on the matches it is given; it runs no rule pattern but the
//! `run` grouping, the duplicate-line check and the patterns of `zone`
//! rules, which are asked only of a zone's lines.

use std::ops::Range;

use super::doc::{is_blank, Doc, Kept};
use super::matching::{guards_ok, holds_a_story, Found, LineMatch, SpanMatch};
use super::normalize;
use super::Claims;
use crate::rules::{Edge, Kind, Place, RuleSet, Side};
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
    let Found { mut whole, mut spans, run_hits, zones } = found;
    // In a page's main text as an extractor chose it, the lists and
    // tables below the last sentence are the story's own (a table of
    // rates by state, a list of universities): the extractor left the
    // footer out. Its head still holds furniture it took in (a rating,
    // a download button), so of the head zones only those bounded by the
    // body wait: the extractor has judged where the body is, and a
    // recipe's title and ingredients above its method are its own.
    let extracted = claims.main_text_chosen(rules);
    let (text, lines) = (doc.text, doc.lines);

    // Claim lines: placed matches first (earliest, then rule order), then
    // deferred ones for as long as other removals bring them into place.
    whole.sort_by_key(|m| (m.first, m.rule));
    let mut owner: Vec<Option<usize>> = vec![None; lines.len()];
    // A block takes the blank lines next to text it takes, not those among
    // text other claims own (a thread outside a page's main text): those
    // would be edits of its own that remove nothing.
    let claim = |owner: &mut [Option<usize>], m: &LineMatch| {
        let range = m.first..=m.last;
        let mut took = false;
        for i in range.clone().filter(|&i| !doc.blank[i]) {
            if owner[i].is_none() {
                owner[i] = Some(m.rule);
                took = true;
            }
        }
        if !took {
            return;
        }
        // Each run of blank lines goes with the block when the text line
        // above or below it (inside the block) is the block's.
        let (mut run, mut above_ours) = (None, false);
        for i in range {
            if doc.blank[i] {
                run.get_or_insert(i);
                continue;
            }
            let ours = owner[i] == Some(m.rule);
            if let Some(start) = run.take().filter(|_| above_ours || ours) {
                owner[start..i].iter_mut().for_each(|o| *o = o.or(Some(m.rule)));
            }
            above_ours = ours;
        }
        if let Some(start) = run.filter(|_| above_ours) {
            owner[start..=m.last].iter_mut().for_each(|o| *o = o.or(Some(m.rule)));
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
    let (mut waves, mut span_rounds) = (0, 0);
    let spans = loop {
        loop {
            let before = deferred.len();
            if !deferred.is_empty() {
                waves += 1;
                if waves > SNAPSHOT_WAVES {
                    claim_deferred(rules, doc, &mut deferred, &mut owner, &claim);
                }
                claim_placed(rules, doc, &mut deferred, &mut owner, &claim);
            }
            let ran = claim_runs(rules, doc, &run_hits, &mut owner);
            // Every zone rule is asked, not only until one claims.
            let mut zoned = false;
            let mut body = None;
            for &rule in zones.iter().filter(|&&r| !extracted || !waits_in_main_text(rules, r)) {
                if claim_zone(rules, doc, rule, &mut owner, &mut body) {
                    zoned = true;
                    // Lines went: the body is worked out again.
                    body = None;
                }
            }
            let deduped = duplicates.is_some_and(|(rule, min)| claim_duplicates(doc, rule, min, &mut owner));
            if deferred.len() == before && !ran && !zoned && !deduped {
                break;
            }
        }
        span_rounds += 1;
        if span_rounds > SNAPSHOT_WAVES && spans.iter().any(|s| !s.placed) {
            sweep_spans(rules, doc, &spans, &mut owner);
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

/// Rounds of deferred claims taken as they stand after each round (with
/// runs, zones and duplicates asked between rounds) before the sweep
/// takes over. Real documents settle in a few; the rounds decide which
/// rule a line two rules match goes to, as the rules' examples expect.
const SNAPSHOT_WAVES: usize = 16;

/// Claims the deferred matches placed among the lines left now, in order,
/// and drops them from `deferred`: one round.
fn claim_placed(
    rules: &RuleSet,
    doc: &Doc,
    deferred: &mut Vec<LineMatch>,
    owner: &mut [Option<usize>],
    claim: &dyn Fn(&mut [Option<usize>], &LineMatch),
) {
    let kept = doc.kept(owner);
    deferred.retain(|m| {
        let place = rules.rules()[m.rule].place;
        if doc.placed_after(place, m.anchor, &kept) && !after_guarded(rules, doc, owner, m) {
            claim(owner, m);
            false
        } else {
            true
        }
    });
}

/// Whether the nearest non-blank line above `first` that no rule has
/// taken matches `re`.
fn line_above_matches(doc: &Doc, owner: &[Option<usize>], first: usize, re: &crate::rules::Guard) -> bool {
    let before = (0..first).rev().find(|&k| !doc.blank[k] && owner[k].is_none());
    before.is_some_and(|k| re.is_match(doc.content(k)))
}

/// Whether a `line` rule's `unless_after` keeps match `m` now: the line
/// the other rules leave above it is a list's item, so the matched line
/// is the list's last item, and the items above it never come into
/// place one by one from below. Asked again after every round of
/// claims, since the line above may go.
fn after_guarded(rules: &RuleSet, doc: &Doc, owner: &[Option<usize>], m: &LineMatch) -> bool {
    let Kind::Line { unless_after: Some(re), .. } = &rules.rules()[m.rule].kind else { return false };
    line_above_matches(doc, owner, m.first, re)
}

/// Claims the deferred one-line matches that removals bring into place,
/// and drops them from `deferred`. A claim can bring the next match into
/// place (a tail line removed makes the line above it the last), so each
/// side is swept once with the count of kept lines beside the sweep kept
/// up to date: from the end for tail places, from the start for head
/// places. Rounds that ask every match again after each claim made a
/// document of N lines that a `where: tail` rule takes one at a time cost
/// N passes over it (100,000 such lines: over a minute), so past
/// [`SNAPSHOT_WAVES`] rounds the sweep claims the rest. Among deferred
/// matches alone it claims the lines further rounds would; which of two
/// rules gets a line both match may differ, and so may what a run, a
/// zone or a card list between them takes (an `unless_after` reads the
/// line above, a card list its heading's rule): the price of bounding a
/// document that takes more rounds than real ones do. Blocks stay with
/// the rounds: swept from the end, each block that runs to the end of the
/// document walked the rest of it again.
fn claim_deferred(
    rules: &RuleSet,
    doc: &Doc,
    deferred: &mut Vec<LineMatch>,
    owner: &mut [Option<usize>],
    claim: &dyn Fn(&mut [Option<usize>], &LineMatch),
) {
    let place = |m: &LineMatch| rules.rules()[m.rule].place;
    let mut claimed = vec![false; deferred.len()];
    let on = |side: fn(Place) -> bool| -> Vec<usize> {
        let one_line = |m: &LineMatch| m.first == m.anchor && m.last == m.anchor;
        (0..deferred.len()).filter(|&k| one_line(&deferred[k]) && side(place(&deferred[k]))).collect()
    };
    // Head places: kept lines above the anchor, counted going down; a
    // claim takes only its anchor, not yet counted.
    let mut heads = on(|p| matches!(p, Place::Head(_)));
    heads.sort_by_key(|&k| (deferred[k].anchor, deferred[k].rule));
    let mut down = EdgeCount::from_start();
    for k in heads {
        let m = &deferred[k];
        let Place::Head(n) = place(m) else { unreachable!("head places only") };
        if down.above(doc, owner, m.anchor) < n && !after_guarded(rules, doc, owner, m) {
            claim(owner, m);
            claimed[k] = true;
        }
    }
    // Tail places: kept lines below the anchor, counted going up.
    let mut tails = on(|p| matches!(p, Place::Tail(_)));
    tails.sort_by_key(|&k| (std::cmp::Reverse(deferred[k].anchor), deferred[k].rule));
    let mut up = EdgeCount::from_end(doc);
    for k in tails {
        let m = &deferred[k];
        let Place::Tail(n) = place(m) else { unreachable!("tail places only") };
        if up.below(doc, owner, m.anchor) < n && !after_guarded(rules, doc, owner, m) {
            claim(owner, m);
            claimed[k] = true;
        }
    }
    let mut k = 0;
    deferred.retain(|_| {
        k += 1;
        !claimed[k - 1]
    });
}

/// Lines that the spans placed on them cut to nothing, claimed in a sweep
/// from each edge: a span at the tail that empties the last line brings
/// the one above into place, and a round of the claim loop per line made
/// 37,000 copies of a closing disclaimer (2 MB) take 46 s. Each line is
/// resolved with every span placed on it at the time, as a round would
/// resolve it; the rounds that follow find the rest.
fn sweep_spans(rules: &RuleSet, doc: &Doc, spans: &[SpanMatch], owner: &mut [Option<usize>]) {
    // Spans sorted by line, so each line's are found by a binary search.
    let mut sorted: Vec<&SpanMatch> = spans.iter().collect();
    sorted.sort_by_key(|s| s.line);
    let mut lines: Vec<usize> = sorted.iter().map(|s| s.line).collect();
    lines.dedup();
    let of_line = |line: usize| {
        let from = sorted.partition_point(|s| s.line < line);
        let to = sorted.partition_point(|s| s.line <= line);
        sorted[from..to].iter().copied()
    };
    // Which of a line's spans are placed, given the kept lines above and below it.
    let placed = |s: &SpanMatch, above: usize, below: usize| {
        s.placed
            || match rules.rules()[s.rule].place {
                Place::Head(n) => above < n,
                Place::Tail(n) => below < n,
                Place::Anywhere | Place::Body => false,
            }
    };
    // A line not yet taken, resolved with the spans placed on it.
    let resolve = |owner: &mut [Option<usize>], line: usize, above: usize, below: usize| {
        if owner[line].is_none() {
            let candidates: Vec<SpanMatch> =
                of_line(line).filter(|s| placed(s, above, below)).cloned().collect();
            if !candidates.is_empty() {
                resolve_spans(doc, candidates, owner);
            }
        }
    };
    // From the end: lines taken below the sweep do not change the count above it.
    let counts = doc.kept(owner);
    let mut up = EdgeCount::from_end(doc);
    for &line in lines.iter().rev() {
        let below = up.below(doc, owner, line);
        resolve(owner, line, counts.above(line), below);
    }
    // From the start, likewise.
    let counts = doc.kept(owner);
    let mut down = EdgeCount::from_start();
    for &line in &lines {
        let above = down.above(doc, owner, line);
        resolve(owner, line, above, counts.below(line));
    }
}

/// Kept lines counted from one edge of a document as a sweep moves away
/// from it: each line is counted once, when the sweep passes it, so a
/// claim at the sweep's line changes no count already taken.
struct EdgeCount {
    count: usize,
    /// The next line to count.
    next: usize,
}

impl EdgeCount {
    fn from_start() -> EdgeCount {
        EdgeCount { count: 0, next: 0 }
    }

    fn from_end(doc: &Doc) -> EdgeCount {
        EdgeCount { count: 0, next: doc.lines.len() }
    }

    /// Kept lines above `line`, the sweep going down.
    fn above(&mut self, doc: &Doc, owner: &[Option<usize>], line: usize) -> usize {
        while self.next < line {
            self.count += usize::from(!doc.blank[self.next] && owner[self.next].is_none());
            self.next += 1;
        }
        self.count
    }

    /// Kept lines below `line`, the sweep going up.
    fn below(&mut self, doc: &Doc, owner: &[Option<usize>], line: usize) -> usize {
        while self.next > line + 1 {
            self.next -= 1;
            self.count += usize::from(!doc.blank[self.next] && owner[self.next].is_none());
        }
        self.count
    }
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

/// A zone that waits in a page's main text an extractor chose: a tail
/// (the lists below its last sentence are the story's own, the footer is
/// already left out) and a zone bounded by the body (the extractor has
/// judged where the body is; a recipe's title and ingredients above its
/// method are not a header).
fn waits_in_main_text(rules: &RuleSet, rule: usize) -> bool {
    matches!(
        rules.rules()[rule].kind,
        Kind::Zone { side: Side::Tail, .. } | Kind::Zone { edge: Edge::Body, .. }
    )
}

/// Claim the lines of `zone` rule `rule` that lie in its zone and match
/// its pattern and guards, when the zone qualifies: `min_share` of its
/// non-blank lines match (`share_pattern` when given, else `pattern`) or
/// are removed by other rules, and with `requires` `requires_lines` of
/// them match that. The zone is read off the lines the other rules leave, so a
/// cookie banner's long sentence above the menus, once removed, no longer
/// passes for the story's start.
///
/// `body` caches the document's body (see [`body`]) for the zone rules
/// asked in turn; the caller clears it when lines go.
fn claim_zone(
    rules: &RuleSet,
    doc: &Doc,
    rule: usize,
    owner: &mut [Option<usize>],
    body: &mut Option<Option<(usize, usize)>>,
) -> bool {
    let r = &rules.rules()[rule];
    let Kind::Zone {
        ref pattern,
        side,
        edge,
        min_lines,
        keep,
        min_share,
        ref share_pattern,
        ref requires,
        requires_lines,
    } = r.kind
    else {
        unreachable!("a zone rule")
    };
    // `where` counts the lines the other rules leave, as for runs.
    let kept = (r.place != Place::Anywhere).then(|| doc.kept(owner));
    let takes = |i: usize| {
        let content = doc.content(i);
        owner[i].is_none()
            // Beyond the body (`edge: body`), a sentence may stand in the
            // zone: a header's cookie notice, or the story's own.
            && !(edge == Edge::Body && doc.reads_as_story(i))
            && guards_ok(r, content)
            && (r.max_words.is_some() || !holds_a_story(content))
            && kept.as_ref().is_none_or(|k| doc.placed_after(r.place, i, k))
            && pattern.regex().is_match(content)
    };
    let marks = |i: usize| requires.as_ref().is_some_and(|re| re.is_match(doc.content(i)));
    let marked = requires.as_ref().map(|_| &marks as &dyn Fn(usize) -> bool);
    let Some(zone) = zone_of(doc, owner, side, edge, min_lines, keep, body, &takes, marked) else {
        return false;
    };
    let lines: Vec<usize> = zone.filter(|&i| !doc.blank[i]).collect();
    if requires.is_some() && lines.iter().filter(|&&i| marks(i)).take(requires_lines).count() < requires_lines
    {
        return false;
    }
    let hits: Vec<usize> = lines.iter().copied().filter(|&i| takes(i)).collect();
    let removed = lines.iter().filter(|&&i| owner[i].is_some()).count();
    let counted = match share_pattern {
        Some(re) => lines.iter().filter(|&&i| owner[i].is_none() && re.is_match(doc.content(i))).count(),
        None => hits.len(),
    };
    if ((counted + removed) as f64) < min_share * lines.len() as f64 {
        return false;
    }
    for &i in &hits {
        owner[i] = Some(rule);
    }
    !hits.is_empty()
}

/// The lines of a document's head (above the first kept line that reads
/// as story text) or tail (below the last) whose lines a `zone` rule may
/// take: none unless `min_lines` non-blank lines the other rules leave lie
/// there, and not the `keep` of them nearest the story. Counting the lines
/// left, not the input's, keeps a second cleaning from finding more.
///
/// With `edge: body` the zone lies beyond the body (see [`body`]) and
/// beyond the story's own lines next to it (see [`furniture_edge`]); the
/// `keep` lines nearest those stay; and with `marks` (the rule's
/// `requires`) it ends at the marked line nearest the story.
#[allow(clippy::too_many_arguments)]
fn zone_of(
    doc: &Doc,
    owner: &[Option<usize>],
    side: Side,
    edge: Edge,
    min_lines: usize,
    keep: usize,
    body_cache: &mut Option<Option<(usize, usize)>>,
    takes: &dyn Fn(usize) -> bool,
    marks: Option<&dyn Fn(usize) -> bool>,
) -> Option<Range<usize>> {
    let n = doc.lines.len();
    // Most documents are too short to hold a zone: no story lines worked out.
    let needed = min_lines.max(keep.saturating_add(1));
    if n < needed {
        return None;
    }
    let kept = |i: &usize| !doc.blank[*i] && owner[*i].is_none();
    let story = |i: &usize| kept(i) && doc.reads_as_story(*i);
    let (first, last) = match edge {
        Edge::Story => match side {
            Side::Head => ((0..n).find(story)?, n),
            Side::Tail => (0, (0..n).rev().find(story)?),
        },
        Edge::Body => {
            let (first, last) = (*body_cache.get_or_insert_with(|| body(doc, owner)))?;
            match side {
                Side::Head => (furniture_edge((0..first).rev().filter(kept), takes).unwrap_or(first), last),
                Side::Tail => (first, furniture_edge((last + 1..n).filter(kept), takes).unwrap_or(last)),
            }
        }
    };
    let zone = match side {
        Side::Head => {
            let edge: Vec<usize> = (0..first).filter(kept).collect();
            (edge.len() >= needed).then(|| match keep {
                0 => 0..first,
                k => 0..edge[edge.len() - k],
            })
        }
        Side::Tail => {
            let edge: Vec<usize> = (last + 1..n).filter(kept).collect();
            (edge.len() >= needed).then(|| match keep {
                0 => last + 1..n,
                k => edge[k - 1] + 1..n,
            })
        }
    }?;
    // Beyond the body, a page's furniture starts at its menu (a line
    // `requires` matches): what lies between the story and the menu
    // nearest it (a key points box, a line-up, a closing list) stays.
    match (edge, marks) {
        (Edge::Body, Some(marks)) => match side {
            Side::Head => {
                (0..first).rev().find(|&i| kept(&i) && marks(i)).map(|m| zone.start..zone.end.min(m + 1))
            }
            Side::Tail => (last + 1..n).find(|&i| kept(&i) && marks(i)).map(|m| zone.start.max(m)..zone.end),
        },
        _ => Some(zone),
    }
}

/// Lines the zone rule would take, in a row, that start a page's
/// furniture: fewer between the story's own lines are its headings.
const FURNITURE_RUN: usize = 5;

/// Walking out from the body over the lines left (`lines`), the last
/// line before [`FURNITURE_RUN`] lines in a row that the zone rule takes
/// (`takes`): the story's own lines beside the body (a title's standfirst,
/// ingredients with their quantities, a table's rows, a closing sentence,
/// and the headings between them) end there. None when the furniture
/// starts at the body.
fn furniture_edge(lines: impl Iterator<Item = usize>, takes: &dyn Fn(usize) -> bool) -> Option<usize> {
    let (mut edge, mut run) = (None, 0);
    for i in lines {
        if takes(i) {
            run += 1;
            if run == FURNITURE_RUN {
                break;
            }
        } else {
            (edge, run) = (Some(i), 0);
        }
    }
    edge
}

/// The first and last line of a document's body, among the lines the
/// other rules leave: the stretch in which the words (counted by their
/// spaces) of the lines that read as story text, less one for every other
/// non-blank line, sum highest (Body Text Extraction's maximum-sum
/// segment, by lines). None without a story line.
fn body(doc: &Doc, owner: &[Option<usize>]) -> Option<(usize, usize)> {
    let (mut best, mut at) = (0, None);
    let (mut sum, mut start) = (0, 0);
    for i in (0..doc.lines.len()).filter(|&i| !doc.blank[i] && owner[i].is_none()) {
        if sum <= 0 {
            (sum, start) = (0, i);
        }
        // A weight, not a count: words by Unicode's white space cost a
        // run on the corpus dumps 3%. Chinese and Japanese put no spaces
        // between words: two characters count as one there.
        let words = || {
            let line = doc.content(i);
            let spaces = memchr::memchr_iter(b' ', line.as_bytes()).count();
            let wide =
                if spaces < 4 { line.chars().filter(|&c| crate::repeat::is_wide(c)).count() / 2 } else { 0 };
            (spaces + 1).max(wide) as i64
        };
        sum += if doc.reads_as_story(i) { words() } else { -1 };
        if sum > best {
            (best, at) = (sum, Some((start, i)));
        }
    }
    at
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
        let introduced = || unless_after.as_ref().is_some_and(|re| line_above_matches(doc, owner, first, re));
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
/// `Read more` links) are `buttons`.
///
/// A card is the kept lines between two buttons of the same label, one to
/// `max_lines` of them, each within the rule's word bounds and none
/// holding a story, the first a title: not story text, not a sentence
/// ending in a full stop, not a line matching `unless_title` (a
/// listicle's number, a live blog's stamp). So a paragraph with a link
/// under it starts no card. The first button's card is the kept lines above it up to a
/// boundary (a blank line, unless the list's cards hold blank lines; a
/// line another rule removes, such as the rail's heading; another button;
/// the start), when they are at most `max_lines`.
///
/// A list of `min_cards` cards or more goes whole, provided story text is
/// left outside every list: under a heading another rule of the same
/// family removes (a teaser rail under `related.header`'s `Read also`), or,
/// for a `prose` rule (comments), where no story text follows it.
fn claim_cards(
    rules: &RuleSet,
    doc: &Doc,
    rule: usize,
    buttons: &[usize],
    owner: &mut [Option<usize>],
) -> bool {
    let r = &rules.rules()[rule];
    let Kind::Cards { min_cards, max_lines, prose, ref unless_title, .. } = r.kind else {
        unreachable!("a cards rule")
    };
    let kept = |j: usize| !doc.blank[j] && owner[j].is_none();
    let story = |j: usize| kept(j) && doc.reads_as_story(j);
    let title = |j: usize| {
        let line = doc.content(j).trim_end();
        !doc.reads_as_story(j)
            && !line.ends_with(['.', '。'])
            && !unless_title.as_ref().is_some_and(|re| re.is_match(line))
    };
    let fits = |j: usize| {
        let line = doc.content(j);
        super::matching::guards_ok(r, line) && !super::matching::holds_a_story(line)
    };
    let card = |lines: &[usize]| {
        (1..=max_lines).contains(&lines.len()) && title(lines[0]) && lines.iter().all(|&j| fits(j))
    };
    // A rail repeats one label; folded so `Read more` and `READ MORE…` agree.
    let labels: Vec<String> = buttons
        .iter()
        .map(|&j| {
            doc.content(j).chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
        })
        .collect();
    let is_button = |k: usize| buttons.binary_search(&k).is_ok();
    // The candidate lists, as (first line, last line).
    let mut lists: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < buttons.len() {
        let mut cards = 0;
        let mut gappy = false;
        let mut j = i + 1;
        while j < buttons.len() && labels[j] == labels[i] {
            let between: Vec<usize> = (buttons[j - 1] + 1..buttons[j]).filter(|&k| kept(k)).collect();
            if !card(&between) {
                break;
            }
            gappy |= (between[0]..buttons[j]).any(|k| doc.blank[k]);
            cards += 1;
            j += 1;
        }
        let mut first_card = Vec::new();
        let mut bounded = true;
        for k in (0..buttons[i]).rev() {
            if doc.blank[k] {
                if !first_card.is_empty() && !gappy {
                    break;
                }
                continue;
            }
            if owner[k].is_some() || is_button(k) {
                break;
            }
            if first_card.len() == max_lines {
                bounded = false;
                break;
            }
            first_card.push(k);
        }
        first_card.reverse();
        let first_ok = bounded && card(&first_card);
        if cards + usize::from(first_ok) >= min_cards {
            lists.push((if first_ok { first_card[0] } else { buttons[i] }, buttons[j - 1]));
        }
        i = j;
    }
    if lists.is_empty() {
        return false;
    }
    let mut in_list = vec![false; owner.len()];
    for &(first, last) in &lists {
        in_list[first..=last].iter_mut().for_each(|b| *b = true);
    }
    if !(0..owner.len()).any(|k| !in_list[k] && story(k)) {
        // Cards and nothing else: an index page, kept.
        return false;
    }
    // A rail's heading: the nearest line above it, removed by another rule
    // of the same family (`related.header` above `related.teaser-cards`),
    // and not a link of its own kind (a paragraph's `Read more`).
    let family = crate::rules::family(&r.id);
    let headed = |first: usize| {
        (0..first).rev().find(|&k| !doc.blank[k]).is_some_and(|k| {
            owner[k].is_some_and(|o| o != rule && crate::rules::family(&rules.rules()[o].id) == family)
                && !is_button(k)
        })
    };
    // Line counts for head and tail guards, once: a claim here only makes
    // a later check pass where a recount would, and the caller repeats
    // until nothing changes.
    let counts = matches!(r.place, Place::Head(_) | Place::Tail(_)).then(|| doc.kept(owner));
    let mut take = vec![false; lists.len()];
    // From the last list up: whether story text follows, counting the
    // lines of the lists after it that stay.
    let mut story_after = false;
    let mut below = owner.len();
    for (n, &(first, last)) in lists.iter().enumerate().rev() {
        story_after |= (last + 1..below).any(story);
        let anchor = if matches!(r.place, Place::Tail(_)) { last } else { first };
        // Without head or tail guards the counts are not read.
        let placed = counts
            .as_ref()
            .map_or_else(|| doc.placed(r.place, anchor), |c| doc.placed_after(r.place, anchor, c));
        // Teasers go under their heading: without one, a story's own
        // sections (an explainer's questions, a guide's listings, match
        // reports, each with a link to more) look the same. Comments
        // (`prose`) go where the thread closes the page.
        take[n] = placed && if prose { !story_after } else { headed(first) };
        if !take[n] {
            story_after |= (first..=last).any(story);
        }
        below = first;
    }
    let mut claimed = false;
    for (&(first, last), _) in lists.iter().zip(&take).filter(|(_, &t)| t) {
        if owner[first..=last].iter().any(Option::is_none) {
            for o in &mut owner[first..=last] {
                o.get_or_insert(rule);
            }
            claimed = true;
        }
    }
    claimed
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::normalize::Steps;
    use crate::rules::load_str;
    use crate::text::lines;

    /// Rules placed at the head and tail, one to three lines deep.
    fn placed_rules() -> RuleSet {
        let mut yaml = String::new();
        for side in ["head", "tail"] {
            for within in 1..=3 {
                yaml.push_str(&format!(
                    "- id: t.{side}-{within}\n  doc: d\n  match: line\n  pattern: 'x'\n  where: {side}\n  within: {within}\n"
                ));
            }
        }
        load_str("t.yaml", &yaml).unwrap()
    }

    /// What asking every deferred match again after each round of claims
    /// leaves: the sweep must claim the same lines.
    fn rounds(rules: &RuleSet, doc: &Doc, mut deferred: Vec<LineMatch>, owner: &mut [Option<usize>]) {
        loop {
            let kept = doc.kept(owner);
            let placed: Vec<LineMatch> = deferred
                .iter()
                .filter(|m| doc.placed_after(rules.rules()[m.rule].place, m.anchor, &kept))
                .cloned()
                .collect();
            if placed.is_empty() {
                return;
            }
            for m in &placed {
                owner[m.first..=m.last].iter_mut().for_each(|o| _ = o.get_or_insert(m.rule));
            }
            deferred.retain(|m| !placed.iter().any(|p| p.first == m.first && p.rule == m.rule));
        }
    }

    #[test]
    fn one_sweep_claims_what_rounds_of_claims_do() {
        let rules = placed_rules();
        let steps = Steps::of(&rules, |_| true);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..2_000 {
            let n = 1 + next(14);
            let text: String = (0..n).map(|_| if next(4) == 0 { "\n" } else { "x\n" }).collect();
            let lines = lines(&text);
            let doc = Doc::new(&text, &lines, &steps);
            let mut deferred = Vec::new();
            for _ in 0..next(10) {
                let first = next(n);
                let last = (first + next(3)).min(n - 1);
                deferred.push(LineMatch { first, last, anchor: first, rule: next(6), placed: false });
            }
            deferred.sort_by_key(|m| (m.first, m.rule));
            deferred.dedup_by_key(|m| (m.first, m.rule));
            let mut want = vec![None; n];
            rounds(&rules, &doc, deferred.clone(), &mut want);
            let mut got = vec![None; n];
            let plain = |owner: &mut [Option<usize>], m: &LineMatch| {
                owner[m.first..=m.last].iter_mut().for_each(|o| _ = o.get_or_insert(m.rule));
            };
            // As `claim` does: again while a sweep claims (a tail claim can
            // bring a head match into place).
            let mut left = usize::MAX;
            while deferred.len() < left {
                left = deferred.len();
                claim_deferred(&rules, &doc, &mut deferred, &mut got, &plain);
                claim_placed(&rules, &doc, &mut deferred, &mut got, &plain);
            }
            let taken =
                |o: &[Option<usize>]| (0..n).filter(|&i| !doc.blank[i] && o[i].is_some()).collect::<Vec<_>>();
            assert_eq!(taken(&got), taken(&want), "{text:?} {deferred:?}");
        }
    }

    #[test]
    fn a_tail_rule_takes_a_long_run_of_last_lines_in_one_sweep() {
        // Each removal makes the line above the last: asked again after
        // every claim, 100,000 such lines took over a minute.
        let rules = placed_rules();
        let steps = Steps::of(&rules, |_| true);
        let text = format!("Story.\n{}", "x\n".repeat(50_000));
        let lines = lines(&text);
        let doc = Doc::new(&text, &lines, &steps);
        let tail_1 = 3;
        let mut deferred: Vec<LineMatch> = (1..lines.len())
            .map(|i| LineMatch { first: i, last: i, anchor: i, rule: tail_1, placed: false })
            .collect();
        let mut owner = vec![None; lines.len()];
        let plain = |owner: &mut [Option<usize>], m: &LineMatch| owner[m.first] = Some(m.rule);
        claim_deferred(&rules, &doc, &mut deferred, &mut owner, &plain);
        assert!(deferred.is_empty());
        assert_eq!(owner.iter().filter(|o| o.is_some()).count(), 50_000);
    }
}
