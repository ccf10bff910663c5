//! Matching: which rules fire on which lines. One pass over the lines asks
//! the rule set's `RegexSet` which pattern rules can fire; only those
//! rules' own regexes run again, for blocks and span positions.
//!
//! It finds candidates only; which match claims a line is decided in
//! [`super::claim`].

use std::ops::Range;

use super::carry::{Carried, Hits};
use super::doc::Doc;
use crate::rules::{BlockEnd, Guard, InStory, Kind, Rule, RuleSet};

/// A rule's whole-line match: lines `first..=last`, placed by line
/// `anchor`; `placed` when its `where` guard held on the input as it is.
#[derive(Debug, Clone)]
pub(super) struct LineMatch {
    pub first: usize,
    pub last: usize,
    pub anchor: usize,
    pub rule: usize,
    pub placed: bool,
}

impl LineMatch {
    /// Line `i` alone, matched by `rule` (index `r`).
    pub fn one_line(doc: &Doc, rule: &Rule, r: usize, i: usize) -> LineMatch {
        LineMatch { first: i, last: i, anchor: i, rule: r, placed: doc.placed(rule.place, i) }
    }
}

#[derive(Clone)]
pub(super) struct SpanMatch {
    pub line: usize,
    pub range: Range<usize>,
    pub rule: usize,
    pub placed: bool,
}

/// What the pattern rules found in a document.
pub(super) struct Found {
    /// Whole-line matches (lines and blocks).
    pub whole: Vec<LineMatch>,
    pub spans: Vec<SpanMatch>,
    /// Lines matched by each `run` and `cards` rule, sorted by rule and
    /// line; runs and card lists are formed later, over the lines the
    /// other rules leave.
    pub run_hits: Vec<(usize, usize)>,
    /// The active `zone` rules, asked once the other rules' lines are known.
    pub zones: Vec<usize>,
}

/// The matches of the active pattern rules on every line of `doc`, and
/// each line's triggered rules for the next pass; `carried` holds those
/// of the previous pass for the lines it left as they were. On a line in
/// `covered` (an HTML element removal takes it whole) only `block` and
/// `run` rules are tried: a match there that ends on the line changes
/// nothing, and most of a page's lines are outside its main text.
pub(super) fn find(
    rules: &RuleSet,
    doc: &Doc,
    is_active: &impl Fn(usize) -> bool,
    carried: Option<&Carried>,
    covered: &[bool],
) -> (Found, Hits) {
    let mut whole: Vec<LineMatch> = Vec::new();
    let mut spans: Vec<SpanMatch> = Vec::new();
    let mut run_hits: Vec<(usize, usize)> = Vec::new();
    let mut chains: std::collections::HashMap<usize, Vec<Option<Chain>>> = std::collections::HashMap::new();
    let mut matched_now: Vec<usize> = Vec::new();
    let mut hits = Hits::with_lines(doc.lines.len());

    for i in 0..doc.lines.len() {
        matched_now.clear();
        let content = doc.content(i);
        if !doc.blank[i] {
            match carried.and_then(|c| Some((c.hits, c.from[i]?))) {
                Some((prev, line)) => prev.get_into(line, &mut matched_now),
                None if covered.get(i).copied().unwrap_or(false) => {
                    rules.triggered_extending(content, &mut matched_now)
                }
                None => rules.triggered(content, &mut matched_now),
            }
        }
        // Recorded before the guards, which may judge the next pass differently.
        hits.push(&matched_now);
        matched_now.retain(|&r| is_active(r) && guards_ok(&rules.rules()[r], content));
        let mut whole_story = None;
        for &r in &matched_now {
            let rule = &rules.rules()[r];
            let placed = doc.placed(rule.place, i);
            let unbounded = rule.max_words.is_none();
            if unbounded
                && !matches!(rule.kind, Kind::Span { .. })
                && *whole_story.get_or_insert_with(|| holds_a_story(content))
            {
                continue;
            }
            match &rule.kind {
                Kind::Line { .. } if rule.unless_in.any() && in_story(doc, i, rule.unless_in) => {}
                // Its `unless_after` reads the line above as the other
                // rules leave it, so the match waits for their claims.
                Kind::Line { unless_after, .. } => {
                    let placed = placed && unless_after.is_none();
                    whole.push(LineMatch { first: i, last: i, anchor: i, rule: r, placed })
                }
                Kind::Span { pattern } => {
                    for range in span_ranges(pattern.regex(), content) {
                        if unbounded && holds_a_story(&content[range.clone()]) {
                            continue;
                        }
                        spans.push(SpanMatch { line: i, range: doc.to_input(i, range), rule: r, placed });
                    }
                }
                Kind::Block { end, followed_by, min_follows, .. } => {
                    let last = match followed_by {
                        None => block_end(doc, i, end),
                        Some(re) => {
                            let chains = chains.entry(r).or_insert_with(|| vec![None; doc.lines.len()]);
                            followed_block(doc, i, end, re, *min_follows, chains)
                        }
                    };
                    if let Some(last) = last {
                        whole.push(LineMatch { first: i, last, anchor: i, rule: r, placed });
                    }
                }
                Kind::Run { .. } | Kind::Cards { .. } => run_hits.push((r, i)),
                Kind::Zone { .. }
                | Kind::Normalize { .. }
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
    let zones = rules.zones().iter().copied().filter(|&r| is_active(r)).collect();
    (Found { whole, spans, run_hits, zones }, hits)
}

/// Story sentences (twelve words or more) that make a line, or a span, a
/// story rather than a notice: a rule without `max_words` does not remove
/// one. A text with no line breaks (many JSON Lines records) is one line,
/// and a notice glued to its end would otherwise take the whole story.
pub(crate) const STORY_SENTENCES: usize = 3;

/// Whether `text` holds [`STORY_SENTENCES`] story sentences.
pub(crate) fn holds_a_story(text: &str) -> bool {
    crate::repeat::long_sentences(text, STORY_SENTENCES) >= STORY_SENTENCES
}

/// The per-line guards: word bounds and `unless`.
pub(super) fn guards_ok(rule: &Rule, line: &str) -> bool {
    if rule.min_words.is_some() || rule.max_words.is_some() {
        // Counting stops where both bounds are settled.
        let enough = rule.max_words.map_or(0, |m| m + 1).max(rule.min_words.unwrap_or(0));
        let n = crate::text::words_up_to(line, enough);
        if rule.min_words.is_some_and(|m| n < m) || rule.max_words.is_some_and(|m| n > m) {
            return false;
        }
    }
    rule.unless.as_ref().is_none_or(|re| !re.is_match(line))
}

/// Whether line `i` sits in one of the story's own places `places`: a
/// sub-heading between two lines that read as story text, or a table's
/// label above a figure.
fn in_story(doc: &Doc, i: usize, places: InStory) -> bool {
    let prev = (0..i).rev().find(|&j| !doc.blank[j]);
    let next = (i + 1..doc.lines.len()).find(|&j| !doc.blank[j]);
    (places.subheading
        && prev.is_some_and(|j| doc.reads_as_story(j))
        && next.is_some_and(|j| doc.reads_as_story(j)))
        || (places.table && next.is_some_and(|j| is_figure(doc.content(j))))
}

/// A table cell that is a number, an amount or a share: `68%`, `$1,299.99`,
/// `12,410`, `-0.4 points`; not a numbered item's heading (`2. SONY A7
/// IV`), which starts the next section of a list.
fn is_figure(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches(['-', '+', '−', '(', '$', '€', '£', '¥']);
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let numbered = t[digits..].strip_prefix(['.', ')']).is_some_and(|rest| {
        rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with(char::is_alphabetic)
    });
    digits > 0 && !numbered && crate::text::words_up_to(line, 7) <= 6
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

/// Non-blank lines a comment may hold between two heads: a long comment
/// reads as story text, and the next head still finds the thread.
const COMMENT_LINES: usize = 8;

/// The same for a reply that quotes the comment it answers, as forums
/// print it under the quoted writer's name: the quote doubles its length.
const QUOTING_LINES: usize = 12;

/// Whether `line`, the first of a comment under its head, opens a reply
/// that quotes another's comment: a bare name (`Rainer555`,
/// `@macbacchi`), one token with a letter and no sentence end. Only such
/// replies may run to [`QUOTING_LINES`]: a story that quotes two dated
/// messages tells what happened between them in sentences.
fn quotes_a_reply(line: &str) -> bool {
    let text = line.trim();
    text.len() <= 40
        && !text.contains(char::is_whitespace)
        && text.chars().any(char::is_alphabetic)
        && !text.ends_with(['.', '!', '?', ':'])
}

/// The last line of a block from line `i` that its `followed_by` lines
/// (comment heads) carry: the first among the two non-blank lines after
/// `i`, each later one within [`COMMENT_LINES`] lines of the one before
/// ([`QUOTING_LINES`] after a reply that quotes another),
/// and the block ends where it would end after the last (with `end:
/// story`, where the story resumes after the last comment). So a thread
/// is one block however long, and a story that quotes an exchange keeps
/// what follows it. `None` with fewer than `min` heads.
///
/// `chains` remembers, for each head walked, the heads from it to the
/// last and the block's end there: every heading above a thread shares
/// its chain, and a document of many would otherwise walk it for each.
fn followed_block(
    doc: &Doc,
    i: usize,
    end: &BlockEnd,
    re: &Guard,
    min: usize,
    chains: &mut [Option<Chain>],
) -> Option<usize> {
    let hit = |j: usize| re.is_match(doc.content(j));
    let after = |j: usize| (j + 1..doc.lines.len()).filter(|&k| !doc.blank[k]);
    let first = after(i).take(2).find(|&j| hit(j))?;
    // The start's own conditions hold first: for `end: story`, story text
    // above it, as a section after the story starts only below one (the
    // section is no prose alone: a head leads it).
    if matches!(end, BlockEnd::Story) {
        if !doc.story_above(i) {
            return None;
        }
    } else {
        block_end(doc, i, end)?;
    }
    let chain = match chains[first] {
        Some(c) => c,
        None => {
            let mut walked = vec![first];
            let mut head = first;
            let known = loop {
                let quoting = after(head).next().is_some_and(|k| quotes_a_reply(doc.content(k)));
                let reach = if quoting { QUOTING_LINES } else { COMMENT_LINES };
                match after(head).take(reach + 1).find(|&j| hit(j)) {
                    Some(next) if chains[next].is_some() => break chains[next],
                    Some(next) => {
                        walked.push(next);
                        head = next;
                    }
                    None => break None,
                }
            };
            let mut c = match known {
                Some(c) => c,
                None => {
                    let last = match end {
                        BlockEnd::Story => story_resumes(doc, head, usize::MAX),
                        _ => block_end(doc, head, end),
                    };
                    Chain { heads: 0, last }
                }
            };
            for &h in walked.iter().rev() {
                c.heads += 1;
                chains[h] = Some(c);
            }
            c
        }
    };
    if chain.heads < min {
        return None;
    }
    chain.last
}

/// A run of `followed_by` lines from one of them to the last: how many,
/// and where the block ends after the last.
#[derive(Clone, Copy)]
struct Chain {
    heads: usize,
    last: Option<usize>,
}

/// Non-blank lines a section under a heading (`end: story`) may run
/// without the story resuming, unless the text ends first: past that it is
/// no section but the page, and a document of many such headings would
/// otherwise be read to its end once for each.
const SECTION_LINES: usize = 1000;

/// The last line before the story resumes below line `first`: two story
/// lines in a row (blank lines aside), or one after a blank line that
/// closes a group of two or more other lines (a headline list, as an
/// inline box ends); else the last line. A blurb under a lone headline
/// does not end it. `None` when `limit` non-blank lines pass first.
fn story_resumes(doc: &Doc, first: usize, limit: usize) -> Option<usize> {
    let blank = &doc.blank;
    let (mut before, mut prev, mut prev_story) = (first, first, false);
    let (mut group, mut gap, mut seen) = (1, false, 0);
    for (j, &is_blank) in blank.iter().enumerate().skip(first + 1) {
        if is_blank {
            gap = true;
            continue;
        }
        seen += 1;
        if seen > limit {
            return None;
        }
        let s = doc.reads_as_story(j);
        if s && prev_story {
            return Some(before);
        }
        if s && gap && group >= 2 {
            return Some(prev);
        }
        group = if gap { 1 } else { group + 1 };
        (before, prev, prev_story, gap) = (prev, j, s, false);
    }
    Some(blank.len() - 1)
}

/// Last line of a block starting at `first`, or `None` when its end is not found.
fn block_end(doc: &Doc, first: usize, end: &BlockEnd) -> Option<usize> {
    let blank = &doc.blank;
    let n = doc.lines.len();
    match end {
        BlockEnd::Eof => Some(n - 1),
        BlockEnd::Blank => (first + 1..n).find(|&j| blank[j]).map(|j| j - 1),
        BlockEnd::Pattern(re) => (first + 1..n).find(|&j| re.is_match(doc.content(j))),
        BlockEnd::Story => {
            if !doc.story_above(first) {
                return None;
            }
            let story = |j: usize| doc.reads_as_story(j);
            // Under a heading with nothing but story text after it (an
            // inline box whose links the scrape lost) there is no section:
            // no block.
            let last = story_resumes(doc, first, SECTION_LINES)?;
            let mut lines = (first + 1..=last).filter(|&j| !blank[j]).map(story);
            let only_prose = lines.clone().any(|s| s) && lines.all(|s| s);
            (!only_prose).then_some(last)
        }
        BlockEnd::Lines(count) => {
            let mut seen = 0;
            (first..n).find(|&j| {
                seen += usize::from(!blank[j]);
                seen == *count
            })
        }
    }
}
