//! Reading rules files: YAML text in, [`RuleSet`] or positioned errors out.
//!
//! This is the only module that knows the YAML crate. Regexes and globs are
//! compiled while deserialising, so their errors carry the position of the
//! offending scalar; checks that need a whole rule (missing fields, fields
//! that do not fit the kind) are pointed at the rule's key by [`Locator`].
//! Nothing is read from inputs here, and a bad file stops the whole load.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{BlockEnd, Examples, Kind, Origin, Place, RemoveExample, Rule, RuleSet, Scope, Step};

/// Whether a `main-text` rule without `fallback` lets the extractor fall
/// back to readability and its baseline (README "HTML pages" has the figures).
const MAIN_TEXT_FALLBACK: bool = true;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_rules.rs"));
}

/// One problem in a rules file, positioned as `FILE:LINE:COL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: Option<String>,
    pub message: String,
    /// The offending source line, for a caret display.
    pub source_line: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(rule) = &self.rule {
            write!(f, "rule '{rule}': ")?;
        }
        f.write_str(&self.message)
    }
}

impl Diagnostic {
    /// The diagnostic followed by its source line and a caret under the column.
    pub fn render_with_source(&self) -> String {
        let mut out = self.to_string();
        if let Some(src) = &self.source_line {
            let pad: String = src
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("\n  {src}\n  {pad}^"));
        }
        out
    }
}

/// Every problem found while loading; loading fails if there is any.
#[derive(Debug)]
pub struct RulesError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RulesError {}

/// The default rules embedded at build time: the phrase rules of
/// `rules/*.yaml`, then site repetition (`rules/repeated/`), so that when
/// both claim a line, the phrase rule names the removal.
pub fn default_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::DEFAULT_RULES.iter().chain(embedded::REPEATED_RULES).copied()
}

/// Load the embedded default rules.
pub fn load_default() -> Result<RuleSet, RulesError> {
    load_sources(default_sources().map(|(n, t)| (n.to_string(), t.to_string())))
}

/// Load rules from files and directories of `*.yaml`/`*.yml` (or `@nlp`,
/// the embedded normalisation set, `@repeated` or `@scorer`), after the default rules when
/// `with_default` is set.
pub fn load_paths(paths: &[PathBuf], with_default: bool) -> Result<RuleSet, RulesError> {
    let mut sources: Vec<(String, String)> = Vec::new();
    if with_default {
        sources.extend(default_sources().map(|(n, t)| (n.to_string(), t.to_string())));
    }
    let mut diagnostics = Vec::new();
    for path in paths {
        if let Some(name) = path.to_str().and_then(|p| p.strip_prefix('@')) {
            match name {
                "nlp" => {
                    sources.extend(embedded::NLP_RULES.iter().map(|(n, t)| (n.to_string(), t.to_string())))
                }
                // Part of the defaults; named alone with --no-default-rules.
                "repeated" if with_default => {}
                "repeated" => sources
                    .extend(embedded::REPEATED_RULES.iter().map(|(n, t)| (n.to_string(), t.to_string()))),
                "scorer" => {
                    sources.extend(embedded::SCORER_RULES.iter().map(|(n, t)| (n.to_string(), t.to_string())))
                }
                _ => diagnostics.push(file_diagnostic(
                    &path.display().to_string(),
                    format!("no built-in rule set `@{name}`; there are `@nlp`, `@repeated` and `@scorer`"),
                )),
            }
            continue;
        }
        match rule_files(path) {
            Ok(files) => {
                for file in files {
                    let name = file.display().to_string();
                    match std::fs::read_to_string(&file) {
                        Ok(text) => sources.push((name, text)),
                        Err(e) => diagnostics.push(file_diagnostic(&name, format!("cannot read: {e}"))),
                    }
                }
            }
            Err(e) => diagnostics.push(file_diagnostic(&path.display().to_string(), e)),
        }
    }
    if !diagnostics.is_empty() {
        return Err(RulesError { diagnostics });
    }
    load_sources(sources)
}

/// Load one rules file given as text; `name` labels its diagnostics.
pub fn load_str(name: &str, text: &str) -> Result<RuleSet, RulesError> {
    load_sources([(name.to_string(), text.to_string())])
}

fn file_diagnostic(file: &str, message: String) -> Diagnostic {
    Diagnostic { file: file.to_string(), line: 1, column: 1, rule: None, message, source_line: None }
}

fn rule_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read rules: {e}"))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read rules directory: {e}"))?;
    for entry in entries {
        let p = entry.map_err(|e| e.to_string())?.path();
        let is_yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && p.is_file() {
            files.push(p);
        }
    }
    if files.is_empty() {
        return Err("no *.yaml rules files in this directory".to_string());
    }
    files.sort();
    Ok(files)
}

fn load_sources(sources: impl IntoIterator<Item = (String, String)>) -> Result<RuleSet, RulesError> {
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen: HashMap<String, Origin> = HashMap::new();
    for (name, text) in sources {
        match parse_file(&name, &text) {
            Ok(parsed) => {
                for rule in parsed {
                    if let Some(first) = seen.get(&rule.id) {
                        let loc = Locator::new(&text);
                        let (line, column) = (rule.origin.line, loc.key_column(rule.origin.line));
                        diagnostics.push(Diagnostic {
                            file: name.clone(),
                            line,
                            column,
                            rule: Some(rule.id.clone()),
                            message: format!("duplicate id, first defined at {first}"),
                            source_line: loc.line_text(line),
                        });
                        continue;
                    }
                    seen.insert(rule.id.clone(), rule.origin.clone());
                    rules.push(rule);
                }
            }
            Err(mut errs) => diagnostics.append(&mut errs),
        }
    }
    if !diagnostics.is_empty() {
        return Err(RulesError { diagnostics });
    }
    RuleSet::new(rules).map_err(|e| RulesError {
        diagnostics: vec![file_diagnostic("<rules>", format!("cannot combine patterns: {e}"))],
    })
}

/// Parse one file; all diagnostics of the file, or its rules.
fn parse_file(name: &str, text: &str) -> Result<Vec<Rule>, Vec<Diagnostic>> {
    let loc = Locator::new(text);
    // A first, untyped pass finds syntax errors and each rule's id, which
    // the typed pass cannot report once it has failed.
    let values: Vec<serde_yaml::Value> = match serde_yaml::from_str::<Option<Vec<serde_yaml::Value>>>(text) {
        Ok(v) => v.unwrap_or_default(),
        Err(e) => return Err(vec![loc.yaml_error(name, &e, &[])]),
    };
    let ids: Vec<Option<String>> =
        values.iter().map(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string)).collect();
    let mut diagnostics = Vec::new();
    let raw: Vec<Option<RawRule>> = if loc.items.len() == values.len() {
        // Each item on its own, so one bad rule does not hide the next.
        (0..values.len())
            .map(|i| {
                let (start, item) = loc.item_text(i);
                match serde_yaml::from_str::<Vec<RawRule>>(&item) {
                    Ok(mut v) if v.len() == 1 => v.pop(),
                    Ok(_) => None,
                    Err(e) => {
                        diagnostics.push(loc.yaml_error_at(name, &e, &ids, start));
                        None
                    }
                }
            })
            .collect()
    } else {
        match serde_yaml::from_str::<Option<Vec<RawRule>>>(text) {
            Ok(v) => v.unwrap_or_default().into_iter().map(Some).collect(),
            Err(e) => return Err(vec![loc.yaml_error(name, &e, &ids)]),
        }
    };
    let mut rules = Vec::new();
    for (index, raw) in raw.into_iter().enumerate() {
        let Some(raw) = raw else { continue };
        let item_line = loc.item_line(index);
        let id = raw.id.clone();
        match resolve(
            raw,
            Origin { file: name.to_string(), line: loc.key_line(index, "id").unwrap_or(item_line) },
        ) {
            Ok(rule) => rules.push(rule),
            Err(problems) => {
                for (key, message) in problems {
                    let line = key.and_then(|k| loc.key_line(index, k)).unwrap_or(item_line);
                    diagnostics.push(Diagnostic {
                        file: name.to_string(),
                        line,
                        column: loc.key_column(line),
                        rule: Some(id.clone()),
                        message,
                        source_line: loc.line_text(line),
                    });
                }
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(rules)
    } else {
        Err(diagnostics)
    }
}

/// A problem with a whole rule: the key to point at (if any) and the message.
type Problem = (Option<&'static str>, String);

/// A `score` rule's model from its `weights` (feature name to weight, and
/// `bias`), `words` (word to weight) and `threshold` (a probability).
fn score_model(
    weights: Option<BTreeMap<String, f64>>,
    words: Option<BTreeMap<String, f64>>,
    threshold: Option<f64>,
    problems: &mut Vec<Problem>,
) -> Option<Kind> {
    use crate::detect::{feature_index, Model, FEATURES, N_FEATURES};
    let Some(weights) = weights else {
        problems.push((Some("match"), "a `score` rule needs `weights`: feature names to numbers".into()));
        return None;
    };
    let mut model = Model {
        bias: 0.0,
        weights: [0.0; N_FEATURES],
        words: Default::default(),
        threshold: threshold.unwrap_or(0.5),
    };
    for (word, w) in words.unwrap_or_default() {
        if crate::detect::tokens(&word) != [word.clone()] {
            problems
                .push((Some("words"), format!("`{word}` is not one lower-case word of letters and digits")));
        }
        model.words.insert(word, w);
    }
    if !(0.0..=1.0).contains(&model.threshold) {
        problems.push((Some("threshold"), "`threshold` is a probability, from 0 to 1".into()));
    }
    for (name, w) in weights {
        match (name.as_str(), feature_index(&name)) {
            ("bias", _) => model.bias = w,
            (_, Some(i)) => model.weights[i] = w,
            (_, None) => {
                let names: Vec<&str> = FEATURES.iter().map(|(n, _)| *n).collect();
                problems.push((
                    Some("weights"),
                    format!("unknown feature `{name}`; the features are bias, {}", names.join(", ")),
                ));
            }
        }
    }
    Some(Kind::Score { model: Box::new(model) })
}

fn resolve(raw: RawRule, origin: Origin) -> Result<Rule, Vec<Problem>> {
    let mut problems: Vec<Problem> = Vec::new();
    let id_shape = Regex::new(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:[-.][a-z0-9]+)*$").expect("valid");
    if !id_shape.is_match(&raw.id) {
        problems
            .push((Some("id"), "id must be `family.name` in lower case, e.g. `caption.photo-credit`".into()));
    }
    if raw.doc.trim().is_empty() {
        problems.push((Some("doc"), "doc is empty: say what the rule removes and why".into()));
    }
    let kind_name = raw.kind.name();
    // Which kinds each optional key applies to.
    use RawKind::{Block, Line, MainText, Normalize, Repeated, Run, Score, Selector, Span};
    const LINES: &[RawKind] = &[Line, Span, Block, Run, Repeated, Score];
    let keys: [(&'static str, bool, &[RawKind]); 17] = [
        ("weights", raw.weights.is_some(), &[Score]),
        ("words", raw.words.is_some(), &[Score]),
        ("threshold", raw.threshold.is_some(), &[Score]),
        ("pattern", raw.pattern.is_some(), &[Line, Span, Run]),
        ("start", raw.start.is_some(), &[Block]),
        ("end", raw.end.is_some(), &[Block]),
        ("min_lines", raw.min_lines.is_some(), &[Run]),
        ("step", raw.step.is_some(), &[Normalize]),
        ("min_chars", raw.min_chars.is_some(), &[Normalize]),
        ("selector", raw.selector.is_some(), &[Selector]),
        ("min_docs", raw.min_docs.is_some(), &[Repeated]),
        ("fallback", raw.fallback.is_some(), &[MainText]),
        ("where", raw.place.is_some(), LINES),
        ("within", raw.within.is_some(), LINES),
        ("min_words", raw.min_words.is_some(), LINES),
        ("max_words", raw.max_words.is_some(), LINES),
        ("unless", raw.unless.is_some(), LINES),
    ];
    for (key, present, kinds) in keys {
        if present && !kinds.contains(&raw.kind) {
            problems.push((Some(key), format!("`{key}` does not apply to a `{kind_name}` rule")));
        }
    }
    if raw.kind == Normalize && raw.min_chars.is_some() && raw.step != Some(Step::DuplicateLines) {
        problems.push((Some("min_chars"), "`min_chars` applies to the `duplicate-lines` step only".into()));
    }
    let need_pattern = |p: Option<Pattern>, problems: &mut Vec<Problem>| match p {
        Some(p) => Some(p.0),
        None => {
            problems.push((Some("match"), format!("a `{kind_name}` rule needs `pattern`")));
            None
        }
    };
    let kind = match raw.kind {
        RawKind::Line => need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Line { pattern }),
        RawKind::Span => need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Span { pattern }),
        RawKind::Run => {
            let min_lines = raw.min_lines.map_or(2, NonZeroUsize::get);
            need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Run { pattern, min_lines })
        }
        RawKind::Selector => match raw.selector {
            Some(css) => Some(Kind::Selector { selector: Box::new(css.1), source: css.0 }),
            None => {
                problems.push((Some("match"), "a `selector` rule needs `selector`: a CSS selector".into()));
                None
            }
        },
        RawKind::MainText => Some(Kind::MainText { fallback: raw.fallback.unwrap_or(MAIN_TEXT_FALLBACK) }),
        RawKind::Repeated => Some(Kind::Repeated { min_docs: raw.min_docs.map(NonZeroUsize::get) }),
        RawKind::Score => score_model(raw.weights, raw.words, raw.threshold, &mut problems),
        RawKind::Normalize => match raw.step {
            Some(step) => Some(Kind::Normalize { step, min_chars: raw.min_chars.unwrap_or(20) }),
            None => {
                problems.push((
                    Some("match"),
                    "a `normalize` rule needs `step`: mojibake, nfc, nfkc, spaces, invisible, controls, trailing-space, line-endings or duplicate-lines".into(),
                ));
                None
            }
        },
        RawKind::Block => match (raw.start, raw.end) {
            (Some(start), Some(end)) => Some(Kind::Block { start: start.0, end: end.0 }),
            (start, end) => {
                if start.is_none() {
                    problems.push((Some("match"), "a `block` rule needs `start`".into()));
                }
                if end.is_none() {
                    problems.push((
                        Some("match"),
                        "a `block` rule needs `end`: eof, blank, {pattern: REGEX} or {lines: N}".into(),
                    ));
                }
                None
            }
        },
    };
    let place = match (raw.place, raw.within) {
        (None | Some(RawPlace::Anywhere), None) => Place::Anywhere,
        (None | Some(RawPlace::Anywhere), Some(_)) => {
            problems.push((Some("within"), "`within` needs `where: head` or `where: tail`".into()));
            Place::Anywhere
        }
        (Some(RawPlace::Head | RawPlace::Tail), None) => {
            problems.push((Some("where"), "`where: head` and `where: tail` need `within: N`".into()));
            Place::Anywhere
        }
        (Some(_), Some(0)) => {
            problems.push((Some("within"), "`within: 0` can never match; use 1 or more".into()));
            Place::Anywhere
        }
        (Some(RawPlace::Head), Some(n)) => Place::Head(n),
        (Some(RawPlace::Tail), Some(n)) => Place::Tail(n),
    };
    if let (Some(min), Some(max)) = (raw.min_words, raw.max_words) {
        if min > max {
            problems.push((
                Some("min_words"),
                format!("min_words {min} is above max_words {max}: the rule can never match"),
            ));
        }
    }
    let tests = raw.tests.map(RawTests::resolve).unwrap_or_default();
    match kind {
        Some(kind) if problems.is_empty() => Ok(Rule {
            id: raw.id,
            doc: raw.doc,
            kind,
            place,
            min_words: raw.min_words,
            max_words: raw.max_words,
            unless: raw.unless.map(|p| p.0),
            scope: raw.scope.map(RawScope::resolve),
            tests,
            origin,
        }),
        _ => Err(problems),
    }
}

/// Maps lines of a rules file to its top-level list items and their keys,
/// for positions serde cannot give (a rule's id, a key it should not have).
struct Locator<'a> {
    lines: Vec<&'a str>,
    items: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Locator<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let is_item = |l: &str| {
            let t = l.trim_start();
            (t == "-" || t.starts_with("- ")) && !t.starts_with('#')
        };
        let indent = lines.iter().find(|l| is_item(l)).map(|l| l.len() - l.trim_start().len());
        let items = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| is_item(l) && Some(l.len() - l.trim_start().len()) == indent)
            .map(|(i, _)| i)
            .collect();
        Locator { lines, items }
    }

    /// 1-based line of item `index`.
    fn item_line(&self, index: usize) -> usize {
        self.items.get(index).map_or(1, |i| i + 1)
    }

    /// Item holding 1-based `line`.
    fn item_at(&self, line: usize) -> Option<usize> {
        self.items.iter().rposition(|&start| start < line)
    }

    /// 1-based line of `key:` inside item `index`.
    fn key_line(&self, index: usize, key: &str) -> Option<usize> {
        let start = *self.items.get(index)?;
        let end = self.items.get(index + 1).copied().unwrap_or(self.lines.len());
        (start..end).find_map(|i| {
            let t = self.lines[i].trim_start();
            let t = t.strip_prefix("- ").map_or(t, str::trim_start);
            let rest = t.strip_prefix(key)?;
            rest.trim_start().starts_with(':').then_some(i + 1)
        })
    }

    /// 1-based column of the key on 1-based `line`.
    fn key_column(&self, line: usize) -> usize {
        let Some(text) = self.lines.get(line.wrapping_sub(1)) else { return 1 };
        let t = text.trim_start();
        let t2 = t.strip_prefix("- ").map_or(t, str::trim_start);
        text.len() - t2.len() + 1
    }

    fn line_text(&self, line: usize) -> Option<String> {
        self.lines.get(line.wrapping_sub(1)).map(|s| s.to_string())
    }

    /// The text of item `index` (through the line before the next item) and its first line, 0-based.
    fn item_text(&self, index: usize) -> (usize, String) {
        let start = self.items[index];
        let end = self.items.get(index + 1).copied().unwrap_or(self.lines.len());
        (start, self.lines[start..end].join("\n"))
    }

    fn yaml_error(&self, file: &str, err: &serde_yaml::Error, ids: &[Option<String>]) -> Diagnostic {
        self.yaml_error_at(file, err, ids, 0)
    }

    /// A serde_yaml error from text that starts at 0-based line `offset` of the file.
    fn yaml_error_at(
        &self,
        file: &str,
        err: &serde_yaml::Error,
        ids: &[Option<String>],
        offset: usize,
    ) -> Diagnostic {
        let (line, column) = err.location().map_or((1, 1), |l| (l.line() + offset, l.column()));
        let rule = self.item_at(line).map(|i| match ids.get(i) {
            Some(Some(id)) => id.clone(),
            _ => format!("#{}", i + 1),
        });
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            rule,
            message: clean_yaml_message(&err.to_string()),
            source_line: self.line_text(line),
        }
    }
}

/// serde_yaml's message without its ` at line L column C` suffix and with
/// its `[N].field` path shortened to the field.
fn clean_yaml_message(msg: &str) -> String {
    let msg = match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => &msg[..i],
        _ => msg,
    };
    let path_end = msg.find(": ").filter(|&i| msg[..i].starts_with(".[") || msg[..i].starts_with('['));
    match path_end {
        Some(i) => {
            let path = &msg[..i];
            let field = path.trim_start_matches('.').split_once("].").map(|(_, f)| f);
            match field {
                Some(field) => format!("`{field}`: {}", &msg[i + 2..]),
                None => msg[i + 2..].to_string(),
            }
        }
        None => msg.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    doc: String,
    #[serde(rename = "match")]
    kind: RawKind,
    pattern: Option<Pattern>,
    start: Option<Pattern>,
    end: Option<RawEnd>,
    min_lines: Option<NonZeroUsize>,
    step: Option<Step>,
    min_chars: Option<usize>,
    selector: Option<Css>,
    min_docs: Option<NonZeroUsize>,
    fallback: Option<bool>,
    weights: Option<BTreeMap<String, f64>>,
    words: Option<BTreeMap<String, f64>>,
    threshold: Option<f64>,
    #[serde(rename = "where")]
    place: Option<RawPlace>,
    within: Option<usize>,
    min_words: Option<usize>,
    max_words: Option<usize>,
    unless: Option<Pattern>,
    scope: Option<RawScope>,
    tests: Option<RawTests>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Line,
    Span,
    Block,
    Run,
    Normalize,
    Selector,
    #[serde(rename = "main-text")]
    MainText,
    Repeated,
    Score,
}

impl RawKind {
    fn name(self) -> &'static str {
        match self {
            RawKind::Line => "line",
            RawKind::Span => "span",
            RawKind::Block => "block",
            RawKind::Run => "run",
            RawKind::Normalize => "normalize",
            RawKind::Selector => "selector",
            RawKind::MainText => "main-text",
            RawKind::Repeated => "repeated",
            RawKind::Score => "score",
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawPlace {
    Head,
    Tail,
    Anywhere,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    path: Option<Glob>,
    contains: Option<Pattern>,
}

impl RawScope {
    fn resolve(self) -> Scope {
        Scope { path: self.path.map(|g| (g.0, g.1)), contains: self.contains.map(|p| p.0) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTests {
    #[serde(default)]
    remove: Vec<RawRemove>,
    #[serde(default)]
    keep: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRemove {
    Text(String),
    Pair { text: String, output: String },
}

impl RawTests {
    fn resolve(self) -> Examples {
        Examples {
            remove: self
                .remove
                .into_iter()
                .map(|r| match r {
                    RawRemove::Text(text) => RemoveExample { text, output: None },
                    RawRemove::Pair { text, output } => RemoveExample { text, output: Some(output) },
                })
                .collect(),
            keep: self.keep,
        }
    }
}

/// Deserialize a string scalar through `parse`, inside the scalar's
/// visitor, so a parse error carries the scalar's position.
fn parse_scalar<'de, D, T>(
    d: D,
    what: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<F>(&'static str, F);
    impl<T, F: FnOnce(&str) -> Result<T, String>> Visitor<'_> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.1)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(V(what, parse))
}

/// A compiled regex.
struct Pattern(Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a regular expression", |s| compile_regex(s).map(Pattern))
    }
}

fn compile_regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| match e {
        regex::Error::Syntax(msg) => {
            let reason = msg.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&msg);
            format!("invalid regex `{s}`: {reason}")
        }
        other => format!("invalid regex `{s}`: {other}"),
    })
}

/// A parsed CSS selector.
struct Css(String, scraper::Selector);

impl<'de> Deserialize<'de> for Css {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a CSS selector", |s| {
            scraper::Selector::parse(s)
                .map(|sel| Css(s.to_string(), sel))
                .map_err(|e| format!("invalid CSS selector `{s}`: {e}"))
        })
    }
}

/// A path glob; `*` stays within one path component.
struct Glob(String, globset::GlobMatcher);

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a path glob", |s| {
            GlobBuilder::new(s)
                .literal_separator(true)
                .build()
                .map(|g| Glob(s.to_string(), g.compile_matcher()))
                .map_err(|e| format!("invalid glob `{s}`: {}", e.kind()))
        })
    }
}

/// `end: eof | blank | {pattern: REGEX} | {lines: N}`.
struct RawEnd(BlockEnd);

impl<'de> Deserialize<'de> for RawEnd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEnd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`eof`, `blank`, `{pattern: REGEX}` or `{lines: N}`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawEnd, E> {
                match s {
                    "eof" => Ok(RawEnd(BlockEnd::Eof)),
                    "blank" => Ok(RawEnd(BlockEnd::Blank)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnd, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let end = match key.as_str() {
                    "pattern" => BlockEnd::Pattern(map.next_value::<Pattern>()?.0),
                    "lines" => BlockEnd::Lines(map.next_value::<NonZeroUsize>()?.get()),
                    other => return Err(de::Error::unknown_field(other, &["pattern", "lines"])),
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom("`end` takes one of `pattern` or `lines`, not both"));
                }
                Ok(RawEnd(end))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        load_str("r.yaml", text).unwrap_err().to_string()
    }

    #[test]
    fn bad_regex_points_at_the_pattern() {
        let text = "- id: caption.x\n  doc: d\n  match: line\n  pattern: 'a(b'\n";
        let e = err(text);
        assert!(e.starts_with("r.yaml:4:12: rule 'caption.x': `pattern`: invalid regex `a(b`"), "{e}");
    }

    #[test]
    fn unknown_key_names_rule_and_key() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n- id: a.c\n  doc: d\n  match: line\n  patern: x\n";
        let e = err(text);
        assert!(e.starts_with("r.yaml:8:3: rule 'a.c': unknown field `patern`"), "{e}");
    }

    #[test]
    fn kind_mismatch_points_at_key() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  end: eof\n";
        assert_eq!(err(text), "r.yaml:5:3: rule 'a.b': `end` does not apply to a `line` rule");
    }

    #[test]
    fn within_zero_is_an_error() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  where: head\n  within: 0\n";
        assert_eq!(err(text), "r.yaml:6:3: rule 'a.b': `within: 0` can never match; use 1 or more");
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n- id: a.b\n  doc: d\n  match: line\n  pattern: y\n";
        assert_eq!(err(text), "r.yaml:5:3: rule 'a.b': duplicate id, first defined at r.yaml:1");
    }

    #[test]
    fn block_end_forms() {
        for end in ["eof", "blank", "{pattern: '^x$'}", "{lines: 3}"] {
            let text = format!("- id: a.b\n  doc: d\n  match: block\n  start: x\n  end: {end}\n");
            load_str("r.yaml", &text).unwrap();
        }
        let text = "- id: a.b\n  doc: d\n  match: block\n  start: x\n  end: {pattern: '('}\n";
        assert!(
            err(text).starts_with("r.yaml:5:18: rule 'a.b': `end.pattern`: invalid regex"),
            "{}",
            err(text)
        );
    }

    #[test]
    fn embedded_defaults_load() {
        let set = load_default().unwrap();
        assert!(!set.is_empty());
    }
}
