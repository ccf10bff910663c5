//! Counting lines across a scrape, and `descrape suggest`: the lines and
//! blocks that repeat in many documents of a site, each with a rule ready
//! to paste.
//!
//! Counting is one pass over the inputs that keeps hashes only. `suggest`
//! makes a second pass to collect the text, position and examples of the
//! lines that passed the threshold, and the runs of such lines (blocks).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::Result;
use serde::Serialize;

use crate::document::{Cleaned, Item};
use crate::engine::Cleaner;
use crate::input::Inputs;
use crate::pipeline::{self, Settings};
use crate::repeat::{self, Counted, Counts, GroupBy};
use crate::report::shorten;
use crate::rules::{Kind, RuleSet};

/// The path a document is counted and scoped by: a record's id, else its file.
fn doc_path(c: &Cleaned) -> &str {
    c.id.as_deref().unwrap_or(&c.rel)
}

/// The group a document is counted in: by its path, or for a record
/// grouped by a field, by that field.
fn doc_group(c: &Cleaned, by: &GroupBy) -> String {
    c.fields
        .as_ref()
        .and_then(|f| repeat::record_group(f, by))
        .unwrap_or_else(|| repeat::group_of(doc_path(c), by).to_string())
}

/// The rules that shape a page's text (selectors, main text): counting and
/// suggesting see pages as cleaned by them, and text as it is.
fn page_rules(rules: &RuleSet) -> RuleSet {
    rules
        .subset(|r| matches!(r.kind, Kind::Selector { .. } | Kind::MainText { .. }))
        .expect("rules that compiled once compile again")
}

/// Count the documents each `counted` line appears in, per group. Pages
/// are rendered with the HTML rules first, and the renders kept in the
/// counts for a second pass; nothing else is cleaned. With `report`, when
/// no later pass reports on the inputs (`suggest`), an input that cannot
/// be read and a malformed JSON Lines line are reported on stderr here as
/// `stats` reports them; either way they are counted in the second value
/// returned.
pub fn count(
    rules: &RuleSet,
    inputs: Inputs,
    group_by: GroupBy,
    jobs: usize,
    counted: Counted,
    report: bool,
) -> Result<(Counts, u64)> {
    let html_only = page_rules(rules);
    let mut counts = Counts::new(group_by.clone());
    let pages = std::sync::Arc::clone(&counts.pages);
    let mut files = crate::report::FileCounts::default();
    pipeline::run(
        inputs,
        Cleaner { pages: Some(&*pages), ..Cleaner::new(&html_only) },
        Settings { jobs, progress: false },
        |item| match item {
            Item::Cleaned(c) => Ok((doc_group(&c, &group_by), repeat::doc_keys(&c.output(), counted))),
            // Boxed: a cleaned document is large and most items are one.
            other => Err(Box::new(other)),
        },
        |r, _| {
            match r {
                Ok((group, doc)) => counts.add(&group, &doc),
                Err(item) if report => {
                    crate::inspect::count_other(&mut files, &item, &mut std::io::stderr())?
                }
                Err(item) => crate::inspect::count_other(&mut files, &item, &mut std::io::sink())?,
            }
            Ok(())
        },
    )?;
    Ok((counts, files.failed + files.malformed))
}

/// The counts the rule set's `repeated` rules need (none when no rule
/// needs them): from `file` when given, else from a counting pass over
/// `inputs()` grouped by `group_by` (by default `auto`); and a note on
/// where repetition is off. A file's counts keep the grouping they were
/// made with, and a `group_by` asked for that differs is an error, not
/// ignored.
pub fn prepare(
    rules: &RuleSet,
    file: Option<&std::path::Path>,
    read_once: Option<String>,
    inputs: impl FnOnce() -> Result<Inputs>,
    group_by: Option<GroupBy>,
    jobs: usize,
) -> Result<(Option<Counts>, Option<String>)> {
    if !rules.needs_counts() {
        return Ok((None, None));
    }
    let counts = match (file, read_once) {
        (Some(f), _) => {
            let counts = crate::counts_file::load(f)?;
            if let Some(asked) = group_by.filter(|g| *g != counts.group_by) {
                anyhow::bail!(
                    "`{}` counts documents grouped by `{}`, not `--group-by {asked}`: \
                     save the counts again with `descrape suggest --group-by {asked} --save-counts`, \
                     or leave `--group-by` out",
                    f.display(),
                    counts.group_by
                );
            }
            counts
        }
        // Checked before `inputs()`, which reads the first bytes of standard
        // input to tell its format: those bytes would be lost to the run. A
        // pipe given by name would be emptied by the count.
        (None, Some(what)) => {
            return Ok((
                None,
                Some(format!(
                    "site repetition is off: {what} cannot be read twice to count lines; \
                     give `--counts FILE` made by `descrape suggest --save-counts FILE`"
                )),
            ));
        }
        (None, None) => {
            count(rules, inputs()?, group_by.unwrap_or(GroupBy::Auto), jobs, Counted::Removable, false)?.0
        }
    };
    let small = counts.groups.values().filter(|g| g.docs < crate::repeat::MIN_GROUP_DOCS).count();
    let note = (small > 0).then(|| {
        format!(
            "site repetition is off for {small} of {} document groups with fewer than {} documents",
            counts.groups.len(),
            crate::repeat::MIN_GROUP_DOCS
        )
    });
    Ok((Some(counts), note))
}

/// Where in its documents a repeated line sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Position {
    Head,
    Middle,
    Tail,
}

/// One repeated line or block.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub group: String,
    /// The lines, as first seen.
    pub lines: Vec<String>,
    pub docs: u64,
    pub position: Position,
    pub examples: Vec<String>,
    /// Reads like a sentence of a story (quotes, long sentences): shown, no rule offered.
    pub story_like: bool,
    pub rule: Option<String>,
}

/// A repeated line (or block: `lines`) as first seen, with examples.
#[derive(Default)]
struct Seen {
    text: String,
    lines: Vec<String>,
    examples: Vec<String>,
    /// Documents where it sits in the head, middle, tail.
    at: [u64; 3],
}

fn any_story_like(lines: &[String]) -> bool {
    lines.iter().any(|l| repeat::story_like(l))
}

/// A regex for a line: the folded text, escaped, digits and spacing free.
fn line_pattern(line: &str) -> String {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            let mut out = String::new();
            let mut digits = false;
            for c in w.chars() {
                if c.is_ascii_digit() {
                    if !digits {
                        out.push_str("\\d+");
                    }
                    digits = true;
                } else {
                    digits = false;
                    out.push_str(&regex::escape(&c.to_string()));
                }
            }
            out
        })
        .collect();
    format!("(?i)^\\s*{}\\s*$", words.join("\\s+"))
}

fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The path glob that scopes a suggested rule to its group: the group's
/// directory, or for a flat folder's files grouped by the host their
/// names start with ([`repeat::host_prefix`], `reuters.com3.txt`) the
/// files whose names start with it; the group's name escaped, so that
/// `a[b]` is that directory and not a class. `None` for a group that no
/// path names, JSON Lines records grouped by their page's host: a path
/// glob sees their ids, which do not hold it.
fn scope_glob(group: &str, examples: &[String]) -> Option<String> {
    let by_name = |e: &String| !e.contains('/') && repeat::host_prefix(e) == Some(group);
    // A backslash escapes in a rule's glob; the rest, `globset` escapes.
    let escaped = globset::escape(&group.replace('\\', "\\\\"));
    match group {
        "." => Some("*".to_string()),
        _ if examples.iter().any(by_name) => Some(format!("{escaped}*")),
        _ if examples.iter().any(|e| e.strip_prefix(group).is_some_and(|r| r.starts_with('/'))) => {
            Some(format!("{escaped}/**"))
        }
        _ => None,
    }
}

/// The id stem of a group's suggested rules: its name in lower-case ASCII
/// letters, digits and dashes, made unique among the groups' (`news one`
/// and `News_One` would both be `news-one`) by a number.
fn slug(group: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let base: String =
        group.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let base = match base.trim_matches('-') {
        "" => "site".to_string(),
        b => b.to_string(),
    };
    let mut slug = base.clone();
    for n in 2.. {
        if taken.insert(slug.clone()) {
            break;
        }
        slug = format!("{base}-{n}");
    }
    slug
}

fn rule_yaml(group: &str, slug: &str, n: usize, s: &Suggestion, total: u64) -> String {
    // A block becomes one exact line rule per line: a `block` rule from its
    // first line to its last could swallow a story that merely starts and
    // ends with those lines.
    let mut y = String::new();
    for (k, line) in s.lines.iter().enumerate() {
        let suffix = if s.lines.len() > 1 { format!("{n}-{}", k + 1) } else { n.to_string() };
        let _ = writeln!(y, "- id: site.{slug}-repeated-{suffix}");
        let doc =
            format!("Repeated in {} of {} documents of `{group}`: {}", s.docs, total, shorten(line, 60));
        let _ = writeln!(y, "  doc: {}", yaml_quote(&doc));
        let _ = writeln!(y, "  match: line\n  pattern: {}", yaml_quote(&line_pattern(line)));
        if let Some(glob) = scope_glob(group, &s.examples).filter(|_| group != "*") {
            let _ = writeln!(y, "  scope:\n    path: {}", yaml_quote(&glob));
        }
    }
    y
}

/// What `suggest` found, per group, most widespread first.
#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: u64,
    /// Copies of documents already counted, counted once (see `Counts::add`).
    pub copies: u64,
    pub groups: BTreeMap<String, GroupReport>,
}

#[derive(Debug, Serialize)]
pub struct GroupReport {
    pub documents: u64,
    pub min_docs: u64,
    /// The fewer documents a long line outside the story needs, when that
    /// is fewer than `min_docs` (see `repeat::LONG_LINE_WORDS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_line_min_docs: Option<u64>,
    pub suggestions: Vec<Suggestion>,
}

/// Find the lines and blocks that repeat in at least `min_docs` documents
/// of a group (default: 5, or 5% of the group, and 5 for long lines outside
/// the story as cleaning judges them), from `counts`, reading the inputs
/// once more for their text.
pub fn suggest(
    rules: &RuleSet,
    counts: &Counts,
    inputs: Inputs,
    min_docs: Option<u64>,
    limit: usize,
    jobs: usize,
) -> Result<Report> {
    let html_only = page_rules(rules);
    let need = |group: &str| -> u64 {
        let docs = counts.group(group).map_or(0, |g| g.docs);
        min_docs.unwrap_or_else(|| repeat::default_min_docs(docs))
    };
    // Per group: line key -> what it looks like; block key -> lines and docs.
    let mut lines: HashMap<(String, u64), Seen> = HashMap::new();
    let mut blocks: HashMap<(String, Vec<u64>), Seen> = HashMap::new();
    let mut copies: std::collections::HashSet<(String, u64)> = std::collections::HashSet::new();
    pipeline::run(
        inputs,
        // The counts hold the pages' renders.
        Cleaner { counts: Some(counts), ..Cleaner::new(&html_only) },
        Settings { jobs, progress: false },
        |item| {
            let Item::Cleaned(c) = item else { return None };
            let path = doc_path(&c).to_string();
            let group = doc_group(&c, &counts.group_by);
            let text = c.output();
            let all: Vec<&str> = crate::text::line_texts(&text).filter(|l| !l.trim().is_empty()).collect();
            let n = all.len().max(1);
            let threshold = need(&group);
            // As in cleaning, long lines outside the story that do not end
            // as sentences need fewer documents (`repeat::LONG_LINE_WORDS`),
            // the first line (the headline) aside.
            let inside = repeat::story_span(all.len(), |i| repeat::story_like(all[i]));
            let need_line = |i: usize, l: &str| {
                if min_docs.is_none() && i > 0 && !inside(i) && repeat::long_line(l) {
                    threshold.min(repeat::FEW_DOCS)
                } else {
                    threshold
                }
            };
            // (key, text, position) of each frequent line, in order; None breaks a block.
            let mut found: Vec<Option<(u64, String, usize)>> = Vec::new();
            for (i, l) in all.iter().enumerate() {
                let hit =
                    repeat::line_key(l).filter(|k| u64::from(counts.get(&group, *k).0) >= need_line(i, l));
                let pos = if i * 5 < n {
                    0
                } else if (n - 1 - i) * 5 < n {
                    2
                } else {
                    1
                };
                found.push(hit.map(|k| (k, l.trim().to_string(), pos)));
            }
            let copy = repeat::doc_keys(&text, Counted::All).copy;
            Some((path, group, found, copy))
        },
        |r, _| {
            let Some((path, group, found, copy)) = r else { return Ok(()) };
            // Copies were counted once, so they are listed once.
            if !copies.insert((group.clone(), copy)) {
                return Ok(());
            }
            let mut once = std::collections::HashSet::new();
            for (k, text, pos) in found.iter().flatten() {
                if !once.insert(*k) {
                    continue;
                }
                let seen = lines.entry((group.clone(), *k)).or_default();
                if seen.text.is_empty() {
                    seen.text = text.clone();
                }
                if seen.examples.len() < 2 {
                    seen.examples.push(path.clone());
                }
                seen.at[*pos] += 1;
            }
            // Story-like lines are reported alone, never as part of a block.
            let breaks =
                |x: &Option<(u64, String, usize)>| x.as_ref().is_none_or(|(_, t, _)| repeat::story_like(t));
            for run in found.split(breaks).filter(|r| r.len() >= 2) {
                let keys: Vec<u64> = run.iter().flatten().map(|(k, _, _)| *k).collect();
                let entry = blocks.entry((group.clone(), keys)).or_insert_with(|| Seen {
                    lines: run.iter().flatten().map(|(_, t, _)| t.clone()).collect(),
                    ..Seen::default()
                });
                if entry.examples.len() < 2 {
                    entry.examples.push(path.clone());
                }
                // A block is in the head if it starts there, in the tail if it ends there.
                let first = run[0].as_ref().map_or(1, |(_, _, p)| *p);
                let last = run[run.len() - 1].as_ref().map_or(1, |(_, _, p)| *p);
                let at = if first == 0 {
                    0
                } else if last == 2 {
                    2
                } else {
                    1
                };
                entry.at[at] += 1;
            }
            Ok(())
        },
    )?;
    let position = |at: [u64; 3]| {
        if at[0] >= at[1] && at[0] >= at[2] {
            Position::Head
        } else if at[2] >= at[1] {
            Position::Tail
        } else {
            Position::Middle
        }
    };
    let mut groups: BTreeMap<String, GroupReport> = BTreeMap::new();
    let mut slugs = std::collections::HashSet::new();
    for (name, g) in &counts.groups {
        let min = min_docs.unwrap_or_else(|| repeat::default_min_docs(g.docs));
        let mut list: Vec<Suggestion> = Vec::new();
        let mut in_blocks = std::collections::HashSet::new();
        for ((group, keys), seen) in &blocks {
            let docs = seen.at.iter().sum::<u64>();
            if group == name && docs >= min {
                in_blocks.extend(keys.iter().copied());
                list.push(Suggestion {
                    group: name.clone(),
                    lines: seen.lines.clone(),
                    docs,
                    position: position(seen.at),
                    examples: seen.examples.clone(),
                    story_like: any_story_like(&seen.lines),
                    rule: None,
                });
            }
        }
        for ((group, key), seen) in &lines {
            if group != name || in_blocks.contains(key) {
                continue;
            }
            let lines = vec![seen.text.clone()];
            list.push(Suggestion {
                group: name.clone(),
                docs: u64::from(g.lines.get(key).copied().unwrap_or(0)),
                position: position(seen.at),
                examples: seen.examples.clone(),
                story_like: any_story_like(&lines),
                lines,
                rule: None,
            });
        }
        list.sort_by(|a, b| {
            b.docs.cmp(&a.docs).then(b.lines.len().cmp(&a.lines.len())).then(a.lines.cmp(&b.lines))
        });
        list.truncate(limit);
        let slug = slug(name, &mut slugs);
        for (i, s) in list.iter_mut().enumerate() {
            if !s.story_like {
                s.rule = Some(rule_yaml(name, &slug, i + 1, s, g.docs));
            }
        }
        let long_line_min_docs = (min_docs.is_none() && min > repeat::FEW_DOCS).then_some(repeat::FEW_DOCS);
        groups.insert(
            name.clone(),
            GroupReport { documents: g.docs, min_docs: min, long_line_min_docs, suggestions: list },
        );
    }
    let documents = counts.groups.values().map(|g| g.docs).sum();
    let copies = counts.groups.values().map(|g| g.copies).sum();
    Ok(Report { documents, copies, groups })
}

impl crate::report::Report for Report {
    fn render(&self) -> String {
        let copies = match self.copies {
            0 => String::new(),
            n => format!(" (and {n} copies of them, counted once)"),
        };
        let mut s = format!("{} documents in {} groups{copies}\n", self.documents, self.groups.len());
        for (name, g) in &self.groups {
            let _ = writeln!(
                s,
                "\n== {name}: {} documents, lines in at least {} of them{} ==",
                g.documents,
                g.min_docs,
                g.long_line_min_docs
                    .map(|m| format!(" (long lines outside the story: {m})"))
                    .unwrap_or_default()
            );
            if g.suggestions.is_empty() {
                let _ = writeln!(s, "(nothing repeats that often)");
            }
            for (i, sug) in g.suggestions.iter().enumerate() {
                let kind = if sug.lines.len() > 1 {
                    format!("block of {} lines", sug.lines.len())
                } else {
                    "line".into()
                };
                let _ = writeln!(
                    s,
                    "\n{}. {kind} in {} documents ({}), e.g. {}",
                    i + 1,
                    sug.docs,
                    sug.position,
                    sug.examples.join(", ")
                );
                for l in &sug.lines {
                    let _ = writeln!(s, "   | {}", shorten(l, 110));
                }
                match &sug.rule {
                    Some(rule) => {
                        for l in rule.lines() {
                            let _ = writeln!(s, "   {l}");
                        }
                    }
                    None => {
                        let _ = writeln!(s, "   (reads like story text, a quotation or sentence shared by articles: no rule offered)");
                    }
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_patterns_match_other_numbers_and_spacing() {
        let p = regex::Regex::new(&line_pattern("Take our poll - story continues (2 of 3)")).unwrap();
        assert!(p.is_match("take our  POLL - story continues (12 of 30)"));
        assert!(!p.is_match("Take our poll - story continues below"));
    }

    #[test]
    fn story_like_lines_are_flagged() {
        assert!(any_story_like(&["“We will not back down,” the minister said on Tuesday.".to_string()]));
        assert!(!any_story_like(&["Take our poll - story continues below".to_string()]));
    }
}
