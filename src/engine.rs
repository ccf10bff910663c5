//! The cleaning engine: text plus rules in, edits out. No I/O.
//!
//! One pass over the lines asks the rule set's `RegexSet` which rules can
//! fire; only those rules' own regexes run again. Whole-line matches claim
//! lines (the earliest match wins, then rule order), spans cut inside the
//! lines left, and a layout step absorbs blank lines a removal would strand
//! at the start, the end, or doubled between paragraphs. Every removed byte
//! belongs to exactly one [`Edit`], so the edits rebuild the input.

use std::ops::Range;

use crate::normalize::{self, Steps};
use crate::repeat;
use crate::rules::{BlockEnd, DocPath, Kind, Place, Rule, RuleSet};

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

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// A rule's whole-line match: lines `first..=last`, placed by line
/// `anchor`; `placed` when its `where` guard held on the input as it is.
struct LineMatch {
    first: usize,
    last: usize,
    anchor: usize,
    rule: usize,
    placed: bool,
}

#[derive(Clone)]
struct SpanMatch {
    line: usize,
    range: Range<usize>,
    rule: usize,
    placed: bool,
}

/// Prefix counts of kept non-blank lines: `before[i]` is the count above
/// line `i`, the last entry the total.
struct Kept {
    before: Vec<usize>,
}

impl Kept {
    fn count(blank: &[bool], owner: &[Option<usize>]) -> Kept {
        let mut before = Vec::with_capacity(owner.len() + 1);
        let mut n = 0;
        for (b, o) in blank.iter().zip(owner) {
            before.push(n);
            n += usize::from(!b && o.is_none());
        }
        before.push(n);
        Kept { before }
    }
}

/// Per-document view the guards need.
struct Doc<'a> {
    text: &'a str,
    lines: &'a [Line],
    /// With normalisation on: each line's content as normalised, and the
    /// edits that made it (relative to the line), which rules match against.
    views: Option<Vec<(String, Vec<Edit>)>>,
    blank: Vec<bool>,
    /// Non-blank lines counted on the input as it is.
    initial: Kept,
}

impl Doc<'_> {
    /// Line `i` as rules see it: normalised when normalisation is on.
    fn content(&self, i: usize) -> &str {
        match &self.views {
            Some(v) => &v[i].0,
            None => {
                let l = self.lines[i];
                &self.text[l.start..l.content_end]
            }
        }
    }

    /// A byte range of [`Doc::content`] of line `i` as a range of the input.
    fn to_input(&self, i: usize, range: Range<usize>) -> Range<usize> {
        let base = self.lines[i].start;
        match &self.views {
            None => base + range.start..base + range.end,
            Some(v) => {
                base + view_to_raw(&v[i].1, range.start, false)..base + view_to_raw(&v[i].1, range.end, true)
            }
        }
    }

    /// Whether `line` meets `place` on the input as it is.
    fn placed(&self, place: Place, line: usize) -> bool {
        self.placed_after(place, line, &self.initial)
    }

    /// Non-blank lines not removed so far, counted before each line.
    fn kept(&self, owner: &[Option<usize>]) -> Kept {
        Kept::count(&self.blank, owner)
    }

    /// `placed`, counting only the lines that are not removed.
    fn placed_after(&self, place: Place, line: usize, kept: &Kept) -> bool {
        match place {
            Place::Anywhere => true,
            Place::Head(n) => kept.before[line] < n,
            Place::Tail(n) => kept.before[kept.before.len() - 1] - kept.before[line + 1] < n,
        }
    }
}

/// The per-line guards: word bounds and `unless`.
fn guards_ok(rule: &Rule, line: &str) -> bool {
    if rule.min_words.is_some() || rule.max_words.is_some() {
        let n = word_count(line);
        if rule.min_words.is_some_and(|m| n < m) || rule.max_words.is_some_and(|m| n > m) {
            return false;
        }
    }
    rule.unless.as_ref().is_none_or(|re| !re.is_match(line))
}

/// A position in a normalised line back in the raw line; a position inside
/// a replacement goes to its start (`end` false) or its end.
fn view_to_raw(edits: &[Edit], pos: usize, end: bool) -> usize {
    let mut delta: isize = 0;
    for e in edits {
        let view_start = (e.range.start as isize + delta) as usize;
        let view_end = view_start + e.insert.len();
        if pos <= view_start {
            break;
        }
        if pos < view_end {
            return if end { e.range.end } else { e.range.start };
        }
        if pos == view_end {
            return e.range.end;
        }
        delta += e.insert.len() as isize - e.range.len() as isize;
    }
    (pos as isize - delta) as usize
}

/// Clean one document. `path` is its relative path, for `scope` globs
/// (without one, path-scoped rules do not apply).
///
/// `where`/`within` guards are first checked on the input; a match that
/// fails them is checked again, until nothing changes, counting only the
/// lines left by the removals so far, so noise stacked at the head or tail
/// is reached whatever its order and cleaning the output again changes
/// nothing.
pub fn clean(rules: &RuleSet, path: Option<&str>, text: &str) -> Vec<Edit> {
    clean_at(rules, path.map_or(DocPath::Unknown, DocPath::Known), text)
}

/// Removals decided before the text rules run (HTML elements): byte
/// ranges of the text, each with its rule. They win over text rules.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    pub ranges: Vec<(Range<usize>, usize)>,
}

/// [`clean`], with the document's path as `scope` globs see it.
pub fn clean_at(rules: &RuleSet, path: DocPath, text: &str) -> Vec<Edit> {
    clean_with(rules, path, text, &Claims::default())
}

/// Passes after which a text that still changes is left as it is.
const MAX_PASSES: usize = 8;

/// [`clean_at`], with removals already claimed. What one pass leaves is
/// cleaned again until nothing changes (a cut that exposes a line rule, a
/// normalisation that makes input for another step), each pass's edits
/// folded into the first's: cleaning the output again changes nothing.
pub fn clean_with(rules: &RuleSet, path: DocPath, text: &str, claims: &Claims) -> Vec<Edit> {
    let mut edits = clean_pass(rules, path, text, claims);
    let mut output = apply(text, &edits);
    for _ in 1..MAX_PASSES {
        if edits.is_empty() {
            break;
        }
        let more = clean_pass(rules, path, &output, &Claims::default());
        if more.is_empty() {
            break;
        }
        edits = crate::fold::fold(text, &output, &edits, &more);
        output = apply(&output, &more);
    }
    edits
}

/// One pass of the rules over `text`.
fn clean_pass(rules: &RuleSet, path: DocPath, text: &str, claims: &Claims) -> Vec<Edit> {
    let lines = lines(text);
    if lines.is_empty() || rules.is_empty() {
        return Vec::new();
    }
    let active: Option<Vec<bool>> = rules.any_scope().then(|| {
        rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| r.scope.as_ref().is_none_or(|s| s.admits(i, path, text)))
            .collect()
    });
    let is_active = |i: usize| active.as_ref().is_none_or(|a| a[i]);
    let steps = Steps::of(rules, is_active);
    // Rules see lines as normalisation will leave them, so cleaning the
    // output again finds nothing new.
    let views = steps.edits_text().then(|| {
        lines
            .iter()
            .map(|l| {
                let content = &text[l.start..l.content_end];
                let mut edits = Vec::new();
                normalize::line_part(&steps, content, 0, true, &mut edits);
                (apply(content, &edits), edits)
            })
            .collect::<Vec<_>>()
    });
    let mut doc = Doc { text, lines: &lines, views, blank: Vec::new(), initial: Kept { before: Vec::new() } };
    doc.blank = (0..lines.len()).map(|i| is_blank(doc.content(i))).collect();
    doc.initial = Kept::count(&doc.blank, &vec![None; lines.len()]);
    let doc = doc;

    let mut whole: Vec<LineMatch> = Vec::new();
    let mut spans: Vec<SpanMatch> = Vec::new();
    // Lines matched by each `run` rule, in order; runs are formed later,
    // over the lines the other rules leave.
    let mut run_hits: Vec<(usize, usize)> = Vec::new();
    let mut matched_now: Vec<usize> = Vec::new();

    for i in 0..lines.len() {
        matched_now.clear();
        let content = doc.content(i);
        if !doc.blank[i] {
            rules.triggered(content, &mut matched_now);
            matched_now.retain(|&r| is_active(r) && guards_ok(&rules.rules()[r], content));
        }
        for &r in &matched_now {
            let rule = &rules.rules()[r];
            let placed = doc.placed(rule.place, i);
            match &rule.kind {
                Kind::Line { .. } => whole.push(LineMatch { first: i, last: i, anchor: i, rule: r, placed }),
                Kind::Span { pattern } => {
                    for range in span_ranges(pattern, content) {
                        spans.push(SpanMatch { line: i, range: doc.to_input(i, range), rule: r, placed });
                    }
                }
                Kind::Block { end, .. } => {
                    if let Some(last) = block_end(&doc, i, end) {
                        whole.push(LineMatch { first: i, last, anchor: i, rule: r, placed });
                    }
                }
                Kind::Run { .. } => run_hits.push((r, i)),
                Kind::Normalize { .. }
                | Kind::Selector { .. }
                | Kind::MainText { .. }
                | Kind::Repeated { .. }
                | Kind::Score { .. } => {
                    unreachable!("only pattern rules have triggers")
                }
            }
        }
    }
    run_hits.sort_unstable();
    repeated_lines(rules, &doc, path, &is_active, &mut whole);
    scored_lines(rules, &doc, &is_active, &mut whole);

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
        let (first, last) = line_span(&lines, range);
        for i in first - 1..last {
            let l = lines[i];
            let (s, e) = (range.start.max(l.start), range.end.min(l.content_end));
            let covers = text[l.start..s].trim().is_empty() && text[e..l.content_end].trim().is_empty();
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
            let ran = claim_runs(rules, &doc, &run_hits, &mut owner);
            let deduped =
                steps.duplicates.is_some_and(|(rule, min)| claim_duplicates(&doc, rule, min, &mut owner));
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
        let resolved = resolve_spans(&doc, candidates, &mut owner);
        if owner.iter().filter(|o| o.is_some()).count() == removed {
            break resolved;
        }
    };
    layout(&doc.blank, &mut owner);
    let edits = build_edits(&doc, &owner, spans);
    if steps.edits_text() {
        normalize_kept(&doc, &steps, edits)
    } else {
        edits
    }
}

/// Add the normalisation edits for every kept piece of text to `removals`.
fn normalize_kept(doc: &Doc, steps: &Steps, removals: Vec<Edit>) -> Vec<Edit> {
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

/// Line matches of `repeated` rules: lines found in enough documents of
/// this document's group, by the run's counts.
fn repeated_lines(
    rules: &RuleSet,
    doc: &Doc,
    path: DocPath,
    is_active: &impl Fn(usize) -> bool,
    out: &mut Vec<LineMatch>,
) {
    let (Some(counts), DocPath::Known(rel)) = (rules.counts(), path) else { return };
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
        return;
    }
    let (Some(group), _) = counts.group(rel) else { return };
    if group.docs < repeat::MIN_GROUP_DOCS {
        return;
    }
    let keys: Vec<Option<u64>> =
        doc.lines.iter().map(|l| repeat::line_key(&doc.text[l.start..l.content_end])).collect();
    // Only lines in enough documents are judged further.
    let least = repeated
        .iter()
        .map(|&(_, m)| m.map_or_else(|| repeat::default_min_docs(group.docs), |m| m as u64))
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
        return;
    }
    let story: Vec<usize> =
        (0..doc.lines.len()).filter(|&j| !doc.blank[j] && repeat::story_like(doc.content(j))).collect();
    let (first_story, last_story) = (story.first().copied(), story.last().copied());
    for (i, key, n) in frequent {
        let raw = &doc.text[doc.lines[i].start..doc.lines[i].content_end];
        // Shared quotes and stock sentences are story text, however often
        // they repeat; a label the document itself repeats (`Pros`, `Cons`,
        // `Step 1`) structures its content, where site chrome comes once; a
        // short title with story text on both sides heads a section of the
        // story (`Conclusion`), however many sites share its words.
        let in_doc = keys.iter().filter(|k| **k == Some(key)).count();
        let heading =
            first_story.is_some_and(|f| f < i) && last_story.is_some_and(|l| l > i) && title_like(raw);
        if repeat::story_like(raw) || in_doc > 2 || heading {
            continue;
        }
        for &(r, min_docs) in &repeated {
            let need = min_docs.map_or_else(|| repeat::default_min_docs(group.docs), |m| m as u64);
            let rule = &rules.rules()[r];
            if n >= need && guards_ok(rule, doc.content(i)) {
                out.push(LineMatch {
                    first: i,
                    last: i,
                    anchor: i,
                    rule: r,
                    placed: doc.placed(rule.place, i),
                });
            }
        }
    }
}

/// A short line that is not a sentence: a title.
fn title_like(line: &str) -> bool {
    let line = line.trim();
    word_count(line) <= 4 && !line.ends_with(['.', ':', '!', '?'])
}

/// Line matches of `score` rules: lines the model calls noise.
fn scored_lines(rules: &RuleSet, doc: &Doc, is_active: &impl Fn(usize) -> bool, out: &mut Vec<LineMatch>) {
    let scorers: Vec<(usize, &crate::detect::Model)> = rules
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.kind {
            Kind::Score { model } if is_active(i) => Some((i, &**model)),
            _ => None,
        })
        .collect();
    if scorers.is_empty() {
        return;
    }
    let texts: Vec<&str> = (0..doc.lines.len()).map(|i| doc.content(i)).collect();
    for (i, f) in crate::detect::features(&texts).iter().enumerate() {
        let Some(f) = f else { continue };
        for &(r, model) in &scorers {
            let rule = &rules.rules()[r];
            if model.score(texts[i], f) >= model.threshold && guards_ok(rule, texts[i]) {
                out.push(LineMatch {
                    first: i,
                    last: i,
                    anchor: i,
                    rule: r,
                    placed: doc.placed(rule.place, i),
                });
            }
        }
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
        let key = normalize::line_key(doc.content(i));
        if key.chars().count() >= min_chars && !seen.insert(key) {
            *o = Some(rule);
            claimed = true;
        }
    }
    claimed
}

/// Claim the runs of each `run` rule: its matching lines that are
/// consecutive once removed lines are skipped. Returns whether it claimed any.
fn claim_runs(rules: &RuleSet, doc: &Doc, hits: &[(usize, usize)], owner: &mut [Option<usize>]) -> bool {
    let mut claimed = false;
    // Line counts for the `where` guard, recounted only after a claim.
    let mut kept: Option<Kept> = None;
    let mut i = 0;
    while i < hits.len() {
        let rule = hits[i].0;
        let mut j = i + 1;
        // Extend while the lines between two hits are all removed.
        while j < hits.len()
            && hits[j].0 == rule
            && owner[hits[j - 1].1 + 1..hits[j].1].iter().all(Option::is_some)
        {
            j += 1;
        }
        let (first, last) = (hits[i].1, hits[j - 1].1);
        let r = &rules.rules()[rule];
        let Kind::Run { min_lines, .. } = r.kind else { unreachable!("only run rules have hits") };
        // A run is in the tail when it reaches into it.
        let anchor = if matches!(r.place, Place::Tail(_)) { last } else { first };
        if j - i >= min_lines
            && owner[first..=last].iter().any(Option::is_none)
            && doc.placed_after(r.place, anchor, kept.get_or_insert_with(|| doc.kept(owner)))
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

/// Byte ranges (relative to the line) a span pattern removes: its `cut`
/// group when it has one, else the whole match; empty matches never count.
fn span_ranges(pattern: &regex::Regex, line: &str) -> Vec<Range<usize>> {
    let cut = pattern.capture_names().any(|n| n == Some("cut"));
    let mut out = Vec::new();
    if cut {
        for caps in pattern.captures_iter(line) {
            if let Some(m) = caps.name("cut") {
                out.push(m.range());
            }
        }
    } else {
        out.extend(pattern.find_iter(line).map(|m| m.range()));
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Last line of a block starting at `first`, or `None` when its end is not found.
fn block_end(doc: &Doc, first: usize, end: &BlockEnd) -> Option<usize> {
    let blank = &doc.blank;
    let n = doc.lines.len();
    match end {
        BlockEnd::Eof => Some(n - 1),
        BlockEnd::Blank => (first + 1..n).find(|&j| blank[j]).map(|j| j - 1),
        BlockEnd::Pattern(re) => (first + 1..n).find(|&j| re.is_match(doc.content(j))),
        BlockEnd::Lines(count) => {
            let mut seen = 0;
            (first..n).find(|&j| {
                seen += usize::from(!blank[j]);
                seen == *count
            })
        }
    }
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

/// Give blank lines stranded by removals to the nearest removal: leading and
/// trailing blanks, and blanks beyond the widest gap the text had between
/// the two paragraphs a removal now joins.
fn layout(blank: &[bool], owner: &mut [Option<usize>]) {
    let n = owner.len();
    let content = |i: usize, owner: &[Option<usize>]| owner[i].is_none() && !blank[i];
    // The closest removal reachable through blank or removed lines; the
    // earlier one on a tie.
    let nearest = |i: usize, owner: &[Option<usize>]| {
        let reach = |j: &usize| blank[*j] || owner[*j].is_some();
        let back = (0..i).rev().take_while(reach).find(|&j| owner[j].is_some());
        let fwd = (i + 1..n).take_while(reach).find(|&j| owner[j].is_some());
        match (back, fwd) {
            (Some(b), Some(f)) if f - i < i - b => owner[f],
            (Some(b), _) => owner[b],
            (None, Some(f)) => owner[f],
            (None, None) => None,
        }
    };
    let first = (0..n).find(|&i| content(i, owner));
    let last = (0..n).rev().find(|&i| content(i, owner));
    let (Some(first), Some(last)) = (first, last) else {
        // Nothing but blanks is left: remove it all if anything was removed.
        if let Some(o) = owner.iter().find_map(|o| *o) {
            owner.iter_mut().for_each(|x| *x = Some(x.unwrap_or(o)));
        }
        return;
    };
    if owner[..first].iter().any(Option::is_some) {
        for i in 0..first {
            if owner[i].is_none() {
                owner[i] = nearest(i, owner);
            }
        }
    }
    if owner[last + 1..].iter().any(Option::is_some) {
        for i in last + 1..n {
            if owner[i].is_none() {
                owner[i] = nearest(i, owner);
            }
        }
    }
    // Interior: between consecutive kept content lines a and b.
    let mut a = first;
    while a < last {
        let b = (a + 1..=last).find(|&i| content(i, owner)).expect("last is content");
        if (a + 1..b).any(|i| owner[i].is_some()) {
            let mut widest = 0;
            let mut run = 0;
            for &bl in &blank[a + 1..b] {
                run = if bl { run + 1 } else { 0 };
                widest = widest.max(run);
            }
            let kept: Vec<usize> = (a + 1..b).filter(|&i| owner[i].is_none()).collect();
            if kept.len() > widest {
                let last_removed = (a + 1..b).rev().find(|&i| owner[i].is_some()).expect("some removed");
                // Prefer blanks after the removal, nearest first, then before it.
                let mut order: Vec<usize> = kept.iter().copied().filter(|&i| i > last_removed).collect();
                order.extend(kept.iter().rev().copied().filter(|&i| i < last_removed));
                for &i in order.iter().take(kept.len() - widest) {
                    owner[i] = nearest(i, owner);
                }
            }
        }
        a = b;
    }
}

fn build_edits(doc: &Doc, owner: &[Option<usize>], spans: Vec<SpanMatch>) -> Vec<Edit> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_str;

    fn run(rules: &str, text: &str) -> String {
        let set = load_str("t.yaml", rules).unwrap();
        apply(text, &clean(&set, None, text))
    }

    const CAPTION: &str = "- id: caption.x\n  doc: d\n  match: line\n  pattern: '\\(AFP photo\\)$'\n";

    #[test]
    fn removed_line_takes_its_extra_blank() {
        let text = "Head\n\nCap one (AFP photo)\n\nBody\n";
        assert_eq!(run(CAPTION, text), "Head\n\nBody\n");
    }

    #[test]
    fn tail_removal_keeps_missing_final_newline() {
        let text = "Body.\n\n\nCap (AFP photo)";
        assert_eq!(run(CAPTION, text), "Body.");
    }

    #[test]
    fn head_removal_leaves_no_leading_blank() {
        let text = "\nCap (AFP photo)\n\nBody\n";
        assert_eq!(run(CAPTION, text), "Body\n");
    }

    #[test]
    fn untouched_leading_blank_stays() {
        let text = "\nBody\n";
        assert_eq!(run(CAPTION, text), text);
    }

    #[test]
    fn span_cut_group() {
        let rules = "- id: source.prefix\n  doc: d\n  match: span\n  pattern: '^(?<cut>[A-Za-z]+: )[A-Z]'\n";
        assert_eq!(run(rules, "Eghtesad: A man said.\n"), "A man said.\n");
    }

    #[test]
    fn run_needs_min_lines() {
        let rules = "- id: ticker.x\n  doc: d\n  match: run\n  pattern: '%.*%'\n  min_lines: 3\n";
        assert_eq!(run(rules, "a 1% 2%\nb 1% 2%\nBody\n"), "a 1% 2%\nb 1% 2%\nBody\n");
        assert_eq!(run(rules, "a 1% 2%\nb 1% 2%\nc 3% 4%\n\nBody\n"), "Body\n");
    }

    #[test]
    fn block_to_eof_in_tail() {
        let rules = "- id: chrome.alt\n  doc: d\n  match: block\n  start: 'alternate addresses:$'\n  end: eof\n  where: tail\n  within: 3\n";
        let text = "Body.\n\nSite can be accessed at the following alternate addresses:\n\nRoku";
        assert_eq!(run(rules, text), "Body.");
    }

    #[test]
    fn crlf_lines() {
        let text = "Head\r\n\r\nCap (AFP photo)\r\n\r\nBody\r\n";
        assert_eq!(run(CAPTION, text), "Head\r\n\r\nBody\r\n");
    }
}
