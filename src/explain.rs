//! Describing rules to people: `explain` for one rule, `rules` for the
//! list, and the Markdown reference that `docs/rules.md` is generated from.

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::Report;
use crate::rules::{
    BlockEnd, Doc, Edge, Examples, Kind, Place, Rule, RuleSet, Side, COMMON_KEYS, KINDS, LINE_GUARDS,
};

/// The rule's patterns as (name, regex) pairs: its selector, or the
/// regexes that say what it matches and its `unless` (the others are
/// shown among the guards).
fn patterns(rule: &Rule) -> Vec<(&'static str, String)> {
    if let Kind::Selector { source, .. } = &rule.kind {
        return vec![("selector", source.clone())];
    }
    const SHOWN: &[&str] = &["pattern", "start", "end pattern", "unless"];
    rule.regexes()
        .into_iter()
        .filter(|(name, _)| SHOWN.contains(name))
        .map(|(name, re)| (name, re.to_string()))
        .collect()
}

/// The guards and kind options in words, e.g. `where: tail within 3`.
fn guards(rule: &Rule) -> Vec<String> {
    let mut g = Vec::new();
    match &rule.kind {
        Kind::Run { min_lines, unless_after, .. } => {
            g.push(format!("min_lines: {min_lines}"));
            if let Some(re) = unless_after {
                g.push(format!("unless_after: {}", re.as_str()));
            }
        }
        Kind::Line { unless_after: Some(re), .. } => g.push(format!("unless_after: {}", re.as_str())),
        Kind::Zone { side, edge, min_lines, keep, min_share, share_pattern, requires, requires_lines, .. } => {
            let at = match (side, edge) {
                (Side::Head, Edge::Story) => "above the first line the other rules leave that reads as story text",
                (Side::Tail, Edge::Story) => "below the last line the other rules leave that reads as story text",
                (Side::Head, Edge::Body) => "above the body (the stretch where the story lines' words most outweigh the other lines) and the story's own lines above it, which end where five lines the pattern takes stand in a row, up to the last line `requires` matches",
                (Side::Tail, Edge::Body) => "below the body (the stretch where the story lines' words most outweigh the other lines) and the story's own lines below it, which end where five lines the pattern takes stand in a row, from the first line `requires` matches",
            };
            g.push(format!("side: {side}, edge: {edge}: the lines {at}"));
            g.push(format!("min_lines: {min_lines} non-blank lines the other rules leave there at least"));
            if *keep > 0 {
                g.push(format!("keep: the {keep} of them nearest the story stay"));
            }
            g.push(match share_pattern {
                Some(re) => format!(
                    "min_share: {min_share} of the zone's lines match {}, or other rules removed them",
                    re.as_str()
                ),
                None => format!("min_share: {min_share} of the zone's lines match, or other rules removed them"),
            });
            match (requires, requires_lines) {
                (Some(re), 1) => g.push(format!("requires: a line of the zone matches {}", re.as_str())),
                (Some(re), n) => g.push(format!("requires: {n} lines of the zone match {}", re.as_str())),
                (None, _) => {}
            }
        }
        Kind::Cards { min_cards, max_lines, prose, unless_title, .. } => {
            g.push(format!("min_cards: {min_cards}"));
            g.push(format!("max_lines: {max_lines}"));
            if let Some(re) = unless_title {
                g.push(format!("unless_title: {}", re.as_str()));
            }
            g.push(if *prose {
                "prose: a list goes where no story text follows it".to_string()
            } else {
                "a list goes only under a heading another rule of its family removes".to_string()
            });
        }
        Kind::Repeated { min_docs, glued: false } => g.push(match min_docs {
            Some(n) => format!("min_docs: {n}"),
            None => "min_docs: 5, or 5% of the group's documents if more (groups of 10 or more); 5 for a line of 5 words or more outside the story that does not end as a sentence, and for the lines next to it".to_string(),
        }),
        Kind::Repeated { min_docs, glued: true } => {
            g.push(match min_docs {
                Some(n) => format!("min_docs: {n}"),
                None => "min_docs: 5, or 5% of the group's documents if more (groups of 10 or more); 5 for an ending of 5 words or more that is not a sentence".to_string(),
            });
            g.push(format!(
                "glued: the sentences that end a line of the tail (the last story line and the lines after it, {} in all), counted where other text comes before them, cut as spans; an ending that reads as story text must end 1 in {} of the group's documents",
                crate::repeat::TAIL_LINES,
                crate::repeat::STORY_ENDING_SHARE
            ));
        }
        Kind::Score { model } => {
            g.push(format!("threshold: {}", model.threshold));
            let mut w: Vec<(&str, f64)> =
                crate::detect::FEATURES.iter().zip(model.weights).map(|((n, _), w)| (*n, w)).collect();
            w.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            let shown: Vec<String> =
                w.iter().filter(|(_, w)| *w != 0.0).map(|(n, w)| format!("{n} {w:+.2}")).collect();
            g.push(format!("weights: bias {:+.2}, {}", model.bias, shown.join(", ")));
        }
        Kind::Normalize { step, min_chars } => {
            g.push(format!("step: {step}"));
            if *step == crate::rules::Step::DuplicateLines {
                g.push(format!("min_chars: {min_chars}"));
            }
        }
        Kind::MainText { fallback } => g.push(format!("fallback: {fallback}")),
        Kind::Block { end, followed_by, min_follows, .. } => {
            g.push(match end {
                BlockEnd::Eof => "end: eof".to_string(),
                BlockEnd::Blank => "end: blank".to_string(),
                BlockEnd::Story => "end: where the story resumes, else the last line".to_string(),
                BlockEnd::Pattern(_) => "end: the end pattern".to_string(),
                BlockEnd::Lines(n) => format!("end: {n} lines"),
            });
            if let Some(re) = followed_by {
                g.push(format!(
                    "followed_by (one of the next two non-blank lines, then a chain of them, {min_follows} at least): {}",
                    re.as_str()
                ));
            }
        }
        _ => {}
    }
    let places = [(rule.unless_in.subheading, "subheading"), (rule.unless_in.table, "table")];
    let places: Vec<&str> = places.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
    if !places.is_empty() {
        g.push(format!("unless_in: [{}]", places.join(", ")));
    }
    match rule.place {
        Place::Anywhere => {}
        Place::Head(n) => g.push(format!("where: head within {n}")),
        Place::Tail(n) => g.push(format!("where: tail within {n}")),
        Place::Body => g.push("where: body (below the first story line)".into()),
    }
    if let Some(n) = rule.min_words {
        g.push(format!("min_words: {n}"));
    }
    if let Some(n) = rule.max_words {
        g.push(format!("max_words: {n}"));
    }
    if let Some(scope) = &rule.scope {
        if let Some((glob, _)) = &scope.path {
            g.push(format!("scope path: {glob}"));
        }
        if let Some(re) = &scope.contains {
            g.push(format!("scope contains: {}", re.as_str()));
        }
    }
    g
}

/// Everything about one rule, for `descrape explain`: as text, or as JSON.
#[derive(Debug, Serialize)]
pub struct Description {
    pub id: String,
    pub kind: &'static str,
    /// Where the rule is defined.
    pub file: String,
    pub line: usize,
    /// A string, or `{removes, why, guards}` for a doc in parts.
    pub doc: Doc,
    /// The rule's regexes (or selector), by role: `pattern`, `start`, `unless`, …
    pub patterns: Vec<Pattern>,
    /// The fragments the patterns use (shown expanded in them), directly
    /// or through other fragments.
    pub fragments: Vec<String>,
    /// The guards and kind options in words, e.g. `where: tail within 3`.
    pub guards: Vec<String>,
    pub examples: Examples,
}

#[derive(Debug, Serialize)]
pub struct Pattern {
    pub name: &'static str,
    pub regex: String,
}

/// `rule`, one of `rules`, described.
pub fn describe(rule: &Rule, rules: &RuleSet) -> Description {
    Description {
        id: rule.id.clone(),
        kind: rule.kind.name(),
        file: rule.origin.file.clone(),
        line: rule.origin.line,
        doc: rule.doc.clone(),
        patterns: patterns(rule).into_iter().map(|(name, regex)| Pattern { name, regex }).collect(),
        fragments: rules.fragments_used_by(rule).into_iter().map(str::to_string).collect(),
        guards: guards(rule),
        examples: rule.tests.clone(),
    }
}

impl Report for Description {
    fn render(&self) -> String {
        let doc = self.doc.render("", "");
        let mut s = format!("{} ({})\ndefined at {}:{}\n\n{doc}\n", self.id, self.kind, self.file, self.line);
        for p in &self.patterns {
            let _ = writeln!(s, "\n{}:\n  {}", p.name, p.regex.replace('\n', "\n  "));
        }
        if !self.fragments.is_empty() {
            let uses: Vec<String> = self.fragments.iter().map(|f| format!("(?&{f})")).collect();
            let _ = writeln!(s, "\nfragments used (shown expanded):\n  {}", uses.join(" "));
        }
        if !self.guards.is_empty() {
            let _ = writeln!(s, "\nguards:\n  {}", self.guards.join("\n  "));
        }
        let ex = &self.examples;
        if !ex.remove.is_empty() || !ex.keep.is_empty() {
            let _ = writeln!(s, "\nexamples:");
            for r in &ex.remove {
                let _ = writeln!(s, "  remove: {:?}", r.text);
                if let Some(out) = &r.output {
                    let _ = writeln!(s, "      to: {out:?}");
                }
            }
            for k in &ex.keep {
                let _ = writeln!(s, "  keep:   {k:?}");
            }
        }
        s
    }
}

/// One line per rule: id, kind, first line of the doc; then one per
/// fragment the patterns may use, as `(?&NAME)`.
pub fn list(rules: &RuleSet) -> String {
    let width = rules.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in rules.rules() {
        let _ = writeln!(s, "{:<width$}  {:<5}  {}", r.id, r.kind.name(), r.doc.summary());
    }
    // The fragments the patterns may use, after the rules, as `(?&NAME)`.
    for f in rules.fragments() {
        let _ = writeln!(s, "{:<width$}  fragment  {}", format!("(?&{})", f.name), f.doc.summary());
    }
    s
}

/// The kinds and their keys, from the loader's table, and how long
/// patterns read.
fn kinds_markdown() -> String {
    let code = |keys: &[&str]| keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let mut s = format!(
        "\n## Kinds and their keys\n\nEvery rule takes {}. The guards are {}.\n\n| kind | keys |\n|---|---|\n",
        code(COMMON_KEYS),
        code(LINE_GUARDS)
    );
    for kind in KINDS {
        let guards = if kind.guards { ", guards" } else { "" };
        let _ = writeln!(s, "| `{}` | {}{guards} |", kind.name(), code(kind.keys));
    }
    s.push_str(
        "\nA pattern over several lines starts with `(?x)`: whitespace and line ends are ignored, \
         `\\ ` (or `\\x20`) is a space and `\\#` a `#`; `[ ]` is not a space in this mode.\n",
    );
    s
}

/// The Markdown rules reference, grouped by source file.
pub fn markdown(rules: &RuleSet) -> String {
    let mut s = String::from(
        "# Default rules\n\nGenerated by `descrape rules --markdown` from `rules/*.yaml`; do not edit by hand.\n",
    );
    s.push_str(&kinds_markdown());
    if !rules.fragments().is_empty() {
        let _ = writeln!(
            s,
            "\n## Fragments\n\n`(?&NAME)` in a pattern stands for fragment NAME as a group. The patterns below are shown with their fragments expanded, as they run.\n"
        );
        for f in rules.fragments() {
            let _ = writeln!(s, "### `(?&{})`\n\nDefined at `{}`.\n", f.name, f.origin);
            let _ = writeln!(s, "{}\n\n```\n{}\n```\n", f.doc.render("**", "**"), f.pattern);
        }
    }
    let mut file = "";
    for r in rules.rules() {
        if r.origin.file != file {
            file = &r.origin.file;
            let _ = writeln!(s, "\n## `{file}`\n");
        }
        let _ = writeln!(s, "### `{}`\n\n{} rule, defined at `{}`.\n", r.id, r.kind.name(), r.origin);
        let _ = writeln!(s, "{}\n", r.doc.render("**", "**"));
        for (name, re) in patterns(r) {
            let _ = writeln!(s, "{name}:\n\n```\n{re}\n```\n");
        }
        let uses = rules.fragments_used_by(r);
        if !uses.is_empty() {
            let uses: Vec<String> = uses.iter().map(|f| format!("`(?&{f})`")).collect();
            let _ = writeln!(s, "Fragments: {}.\n", uses.join(", "));
        }
        let g = guards(r);
        if !g.is_empty() {
            let _ = writeln!(
                s,
                "Guards: {}.\n",
                g.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
            );
        }
        if !r.tests.remove.is_empty() {
            let _ = writeln!(s, "Removes:\n");
            for ex in &r.tests.remove {
                let _ = writeln!(s, "- `{}`", ex.text.replace('\n', "⏎").replace('`', "'"));
            }
            s.push('\n');
        }
        if !r.tests.keep.is_empty() {
            let _ = writeln!(s, "Keeps:\n");
            for ex in &r.tests.keep {
                let _ = writeln!(s, "- `{}`", ex.replace('\n', "⏎").replace('`', "'"));
            }
            s.push('\n');
        }
    }
    s
}
