//! Reading rules files: YAML text in, [`RuleSet`] or positioned errors out.
//!
//! This is the only module that knows the YAML crate (`serde-saphyr`, kept
//! in its `yaml` module). Regexes and globs are compiled while deserialising, so
//! their errors carry the position of the offending scalar; checks that
//! need a whole rule (missing fields, fields that do not fit the kind) are
//! pointed at the rule's key, whose position a first pass records.
//! Nothing is read from inputs here, and a bad file stops the whole load.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use globset::GlobBuilder;
use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::fragments::{self, Fragment, Fragments};
use super::{
    BlockEnd, Doc, Examples, Guard, InStory, Kind, Origin, Pattern, Place, RawKind, RemoveExample, Rule,
    RuleSet, Scope, Step,
};

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

impl RulesError {
    /// Every diagnostic with its source line and a caret, as `check` and
    /// the command line show them.
    pub fn render_with_source(&self) -> String {
        self.diagnostics.iter().map(Diagnostic::render_with_source).collect::<Vec<_>>().join("\n")
    }
}

/// The built-in set (a folder under `rules/`) that is part of the default
/// rules, after the phrase rules of `rules/*.yaml`, so that when both claim
/// a line, the phrase rule names the removal.
const DEFAULT_SET: &str = "repeated";

/// The built-in fragments, one of the default rules files, read by every
/// load so that any rules file can use them.
const FRAGMENTS_FILE: &str = "rules/fragments.yaml";

/// The files of built-in set `@name`.
fn built_in_set(name: &str) -> Option<&'static [(&'static str, &'static str)]> {
    embedded::SETS.iter().find(|(n, _)| *n == name).map(|(_, files)| *files)
}

/// The default rules embedded at build time: the phrase rules of
/// `rules/*.yaml`, then site repetition (`rules/repeated/`).
pub fn default_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::DEFAULT_RULES.iter().chain(built_in_set(DEFAULT_SET).unwrap_or_default()).copied()
}

/// Load the embedded default rules.
pub fn load_default() -> Result<RuleSet, RulesError> {
    load_sources(default_sources().map(|(n, t)| (n.to_string(), t.to_string())))
}

/// Load rules from files and directories of `*.yaml`/`*.yml`, or built-in
/// sets `@NAME` (the folders under `rules/`: `@nlp`, `@repeated`,
/// `@scorer`), after the default rules when `with_default` is set.
pub fn load_paths(paths: &[PathBuf], with_default: bool) -> Result<RuleSet, RulesError> {
    let mut sources: Vec<(String, String)> = Vec::new();
    if with_default {
        sources.extend(default_sources().map(|(n, t)| (n.to_string(), t.to_string())));
    }
    let mut diagnostics = Vec::new();
    let mut loaded = std::collections::HashSet::new();
    for path in paths {
        if let Some(name) = path.to_str().and_then(|p| p.strip_prefix('@')) {
            match built_in_set(name) {
                // Part of the defaults; named alone with --no-default-rules.
                Some(_) if name == DEFAULT_SET && with_default => {}
                Some(files) => sources.extend(files.iter().map(|(n, t)| (n.to_string(), t.to_string()))),
                None => {
                    let names: Vec<String> = embedded::SETS.iter().map(|(n, _)| format!("`@{n}`")).collect();
                    let there = match names.split_last() {
                        Some((last, [])) => last.clone(),
                        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                        None => "none".to_string(),
                    };
                    diagnostics.push(file_diagnostic(
                        &path.display().to_string(),
                        format!("no built-in rule set `@{name}`; there are {there}"),
                    ))
                }
            }
            continue;
        }
        match rule_files(path) {
            Ok(files) => {
                for file in files {
                    // A file named twice (itself and in its directory, or
                    // by two paths) is loaded once, not reported as
                    // defining each of its ids twice.
                    if !loaded.insert(file.canonicalize().unwrap_or_else(|_| file.clone())) {
                        continue;
                    }
                    let name = file.display().to_string();
                    match std::fs::read(&file) {
                        Ok(bytes) => match String::from_utf8(bytes) {
                            Ok(text) => sources.push((name, text)),
                            Err(e) => diagnostics.push(not_utf8(&name, e.as_bytes(), e.utf8_error())),
                        },
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

/// A rules file that is not UTF-8, pointed at its first bad byte: the line
/// and the column (in characters) where the valid text stops.
fn not_utf8(file: &str, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to here");
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    let line_end =
        bytes[line_start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| line_start + i);
    Diagnostic {
        file: file.to_string(),
        line: valid.matches('\n').count() + 1,
        column: valid[line_start..].chars().count() + 1,
        rule: None,
        message: format!("not valid UTF-8 (byte 0x{:02X}): rules files are UTF-8", bytes[e.valid_up_to()]),
        source_line: Some(String::from_utf8_lossy(&bytes[line_start..line_end]).into_owned()),
    }
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
        let is_yaml =
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        // Hidden files are an editor's or a file manager's (`.#rules.yaml`,
        // macOS's `._rules.yaml`), not rules.
        let hidden = p.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
        if is_yaml && !hidden && p.is_file() {
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
    let mut sources: Vec<(String, String)> = sources.into_iter().collect();
    // The built-in fragments are there for every file, defaults or not.
    if let Some(text) = built_in_fragments() {
        if !sources.iter().any(|(n, t)| n == FRAGMENTS_FILE && t == text) {
            sources.insert(0, (FRAGMENTS_FILE.to_string(), text.to_string()));
        }
    }
    // A first, untyped pass finds syntax errors, each item's id and where
    // each key is, which the typed pass cannot report once it has failed.
    let outlines = in_parallel(&sources, |_, source| {
        yaml::outline(source.text).map_err(|e| vec![source.yaml_error(&e, &[])])
    });
    let mut diagnostics = Vec::new();
    let fragments = Arc::new(read_fragments(&sources, &outlines, &mut diagnostics));
    let parsed = in_parallel(&sources, |i, source| {
        let items = outlines[i].as_ref().map_err(Clone::clone)?;
        fragments::with_fragments(&fragments, || parse_file(source, items))
    });
    let mut rules = Vec::new();
    let mut seen: HashMap<String, Origin> = HashMap::new();
    for ((name, text), parsed) in sources.iter().zip(parsed) {
        let source = Source { name, text };
        match parsed {
            Ok(parsed) => {
                for (rule, id_at) in parsed {
                    if let Some(first) = seen.get(&rule.id) {
                        let message = format!("duplicate id, first defined at {first}");
                        diagnostics.push(source.diagnostic(id_at, Some(rule.id.clone()), message));
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
    RuleSet::new(rules).map(|set| set.with_fragments(Arc::clone(&fragments))).map_err(|e| {
        let diagnostic = match e.rule {
            Some((id, origin)) => Diagnostic {
                file: origin.file,
                line: origin.line,
                column: 1,
                rule: Some(id),
                message: e.error.to_string(),
                source_line: None,
            },
            None => file_diagnostic("<rules>", e.to_string()),
        };
        RulesError { diagnostics: vec![diagnostic] }
    })
}

/// `f` of each source, on one thread per core, in the order of `sources`.
/// Parsing the patterns (Unicode classes, case folding) is half of
/// start-up. Workers take the longest file left first, so no worker ends
/// with a large file after the others are done (files dealt in turn left
/// one worker a third longer).
fn in_parallel<T: Send>(sources: &[(String, String)], f: impl Fn(usize, &Source) -> T + Sync) -> Vec<T> {
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sources[i].1.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(sources.len()).max(1);
    let mut done: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (order, next, f) = (&order, &next, &f);
                s.spawn(move || {
                    let taken = std::iter::from_fn(|| {
                        order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    });
                    taken
                        .map(|&i| {
                            let (name, text) = &sources[i];
                            (i, f(i, &Source { name, text }))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("parsing a rules file does not panic")).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// The fragments defined in `sources`, checked: names, duplicates, uses
/// and each expansion as a regex. Problems go to `diagnostics`.
fn read_fragments(
    sources: &[(String, String)],
    outlines: &[Result<Vec<yaml::Item>, Vec<Diagnostic>>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Fragments {
    // Known by name and text: a file of the user's at `rules/fragments.yaml`
    // is the user's.
    let is_built_in =
        |i: usize| sources[i].0 == FRAGMENTS_FILE && Some(sources[i].1.as_str()) == built_in_fragments();
    // The built-in file first, so that another file's definition shadows
    // it whatever the order of the files.
    let order =
        (0..sources.len()).filter(|&i| is_built_in(i)).chain((0..sources.len()).filter(|&i| !is_built_in(i)));
    let mut defined: Vec<Fragment> = Vec::new();
    // Whether each defined fragment is a built-in one, and where its
    // `pattern` is, for its diagnostics.
    let mut built_in: Vec<bool> = Vec::new();
    let mut pattern_at: Vec<(usize, Pos)> = Vec::new();
    for i in order {
        let (name, text) = &sources[i];
        let source = Source { name, text };
        let Ok(items) = &outlines[i] else { continue };
        if items.iter().all(|item| item.fragment.is_none()) {
            continue;
        }
        let Some(texts) = yaml::item_texts(text, items) else { continue };
        for (item, item_text) in items.iter().zip(&texts) {
            if item.fragment.is_none() {
                continue;
            }
            let raw = match yaml::typed::<RawFragment>(item_text) {
                Ok(raw) => raw,
                Err(e) => {
                    diagnostics.push(source.yaml_error(&e, items));
                    continue;
                }
            };
            let at = item.key("fragment").unwrap_or(item.at);
            if !fragments::valid_name(&raw.fragment) {
                let message = format!(
                    "fragment name `{}`: lower-case letters, digits and `-`, starting with a letter",
                    raw.fragment
                );
                diagnostics.push(source.diagnostic(at, None, message));
                continue;
            }
            let mut fragment = Fragment {
                name: raw.fragment,
                doc: raw.doc.resolve(),
                pattern: raw.pattern,
                origin: Origin { file: name.clone(), line: at.0 },
                built_in: is_built_in(i),
            };
            let pattern_pos = (i, item.key("pattern").unwrap_or(at));
            match defined.iter().position(|f| f.name == fragment.name) {
                // Another file's definition shadows a built-in one, so a
                // copy of the defaults loads; in it, the name stands for
                // the built-in definition, so a file can widen it.
                Some(k) if built_in[k] && !is_built_in(i) => {
                    // A copy of the built-in definition (a copy of
                    // `rules/` loaded elsewhere) is still the library's.
                    fragment.built_in = fragment.pattern == defined[k].pattern;
                    fragment.pattern =
                        fragments::inline(&fragment.pattern, &fragment.name, &defined[k].pattern);
                    (defined[k], built_in[k], pattern_at[k]) = (fragment, false, pattern_pos);
                }
                // The built-in file loaded twice (`--rules rules/` beside the defaults).
                Some(k) if built_in[k] => {}
                Some(k) => {
                    let message = format!(
                        "fragment `{}` is defined twice, first at {}",
                        fragment.name, defined[k].origin
                    );
                    diagnostics.push(source.diagnostic(at, None, message));
                }
                None => {
                    built_in.push(is_built_in(i));
                    pattern_at.push(pattern_pos);
                    defined.push(fragment);
                }
            }
        }
    }
    let at = |k: usize| {
        let (i, pos) = pattern_at[k];
        let (name, text) = &sources[i];
        (Source { name, text }, pos)
    };
    // Each broken fragment is reported once, here; its uses load.
    let (mut fragments, mut errors) = Fragments::new(defined);
    let named_group = |p: &str| p.contains("(?<") || p.contains("(?P<");
    let unusable: Vec<(usize, String)> = fragments
        .defined()
        .iter()
        .enumerate()
        .filter(|(k, _)| errors.iter().all(|(e, _)| e != k))
        .filter_map(|(k, fragment)| {
            let checked = check_layout(&fragment.pattern).and_then(|()| {
                if named_group(&fragment.pattern) {
                    return Err("a fragment holds no named group: a pattern may use it twice".to_string());
                }
                let expanded = fragments.expand(&fragment.pattern)?;
                Pattern::new(&expanded).map(drop).map_err(|e| regex_message(&fragment.pattern, e))
            });
            checked.err().map(|message| (k, format!("fragment `{}`: {message}", fragment.name)))
        })
        .collect();
    for (k, _) in &unusable {
        let name = fragments.defined()[*k].name.clone();
        fragments.disable(&name);
    }
    errors.extend(unusable);
    for (k, message) in errors {
        let (source, pos) = at(k);
        diagnostics.push(source.diagnostic(pos, None, message));
    }
    fragments
}

/// The embedded `rules/fragments.yaml`.
fn built_in_fragments() -> Option<&'static str> {
    embedded::DEFAULT_RULES.iter().find(|(n, _)| *n == FRAGMENTS_FILE).map(|(_, t)| *t)
}

/// Parse one file; all diagnostics of the file, or its rules with the
/// position of their `id`.
fn parse_file(source: &Source, items: &[yaml::Item]) -> Result<Vec<(Rule, Pos)>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let whole = match items.iter().any(|item| item.fragment.is_some()) {
        // Fragment items are read by `read_fragments`: here they are
        // skipped, in one pass over the file so that its anchors and
        // aliases hold across items; on an error, one item at a time.
        true => yaml::typed::<Option<Vec<RawItem>>>(source.text)
            .map(|v| {
                v.map(|items| {
                    items
                        .into_iter()
                        .filter_map(|i| if let RawItem::Rule(r) = i { Some(*r) } else { None })
                        .collect()
                })
            })
            .map_err(|_| None),
        false => yaml::typed::<Option<Vec<RawRule>>>(source.text).map_err(Some),
    };
    let raw: Vec<Option<RawRule>> = match whole {
        // Fragment items get no rule, so rules stay beside their items.
        Ok(v) => {
            let mut rules = v.unwrap_or_default().into_iter();
            items.iter().map(|item| if item.fragment.is_some() { None } else { rules.next() }).collect()
        }
        // Each item on its own, so one bad rule does not hide the next.
        Err(whole) => match yaml::item_texts(source.text, items) {
            Some(texts) => texts
                .iter()
                .zip(items)
                .map(|(text, item)| {
                    if item.fragment.is_some() {
                        return None;
                    }
                    yaml::typed::<RawRule>(text)
                        .map_err(|e| diagnostics.push(source.yaml_error(&e, items)))
                        .ok()
                })
                .collect(),
            None => {
                return Err(vec![match whole {
                    Some(e) => source.yaml_error(&e, items),
                    None => source.diagnostic(
                        items[0].at,
                        None,
                        "a file with fragments must list its items as `- fragment: ...` and `- id: ...`"
                            .into(),
                    ),
                }])
            }
        },
    };
    let mut rules = Vec::new();
    for (item, raw) in items.iter().zip(raw) {
        let Some(raw) = raw else { continue };
        let id = raw.id.clone();
        let id_at = item.key("id").unwrap_or(item.at);
        match resolve(raw, Origin { file: source.name.to_string(), line: id_at.0 }) {
            Ok(rule) => rules.push((rule, id_at)),
            Err(problems) => {
                for (key, message) in problems {
                    let at = key.and_then(|k| item.key(k)).unwrap_or(item.at);
                    diagnostics.push(source.diagnostic(at, Some(id.clone()), message));
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

/// A 1-based line and column (in characters).
type Pos = (usize, usize);

/// One rules file, to position diagnostics in.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn diagnostic(&self, (line, column): Pos, rule: Option<String>, message: String) -> Diagnostic {
        Diagnostic {
            file: self.name.to_string(),
            line,
            column,
            rule,
            message,
            source_line: self.text.lines().nth(line.wrapping_sub(1)).map(str::to_string),
        }
    }

    /// The line and column of the first tab at or after `at`.
    fn first_tab_from(&self, (line, column): (usize, usize)) -> Option<(usize, usize)> {
        self.text.lines().enumerate().skip(line - 1).find_map(|(i, text)| {
            let skip = if i + 1 == line { column - 1 } else { 0 };
            let col = text.chars().skip(skip).position(|c| c == '\t')?;
            Some((i + 1, skip + col + 1))
        })
    }

    /// A YAML error, named after the rule it is in.
    fn yaml_error(&self, err: &yaml::Error, items: &[yaml::Item]) -> Diagnostic {
        let mut at = err.at.unwrap_or((1, 1));
        // The scanner reports a tab where the scalar it was reading began,
        // often the line before: point at the tab itself.
        if err.message.contains("found a tab") {
            if let Some(tab) = self.first_tab_from(at) {
                at = tab;
            }
        }
        let item = items.iter().rposition(|item| item.at <= at);
        if let Some(name) = item.and_then(|i| items[i].fragment.as_ref()) {
            return self.diagnostic(at, None, format!("fragment `{name}`: {}", err.message));
        }
        let rule = item.map(|i| match &items[i].id {
            Some(id) => id.clone(),
            None => format!("#{}", i + 1),
        });
        self.diagnostic(at, rule, err.message.clone())
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
    static ID_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:[-.][a-z0-9]+)*$").expect("valid")
    });
    if !ID_SHAPE.is_match(&raw.id) {
        problems
            .push((Some("id"), "id must be `family.name` in lower case, e.g. `caption.photo-credit`".into()));
    }
    let doc = raw.doc.resolve();
    if doc.summary().is_empty() {
        problems.push((Some("doc"), "doc is empty: say what the rule removes and why".into()));
    }
    let kind_name: &str = raw.kind.into();
    // The optional keys the rule has, checked against its kind's entry in [`KINDS`].
    let keys = [
        ("weights", raw.weights.is_some()),
        ("words", raw.words.is_some()),
        ("threshold", raw.threshold.is_some()),
        ("pattern", raw.pattern.is_some()),
        ("start", raw.start.is_some()),
        ("end", raw.end.is_some()),
        ("followed_by", raw.followed_by.is_some()),
        ("min_follows", raw.min_follows.is_some()),
        ("min_lines", raw.min_lines.is_some()),
        ("side", raw.side.is_some()),
        ("edge", raw.edge.is_some()),
        ("share_pattern", raw.share_pattern.is_some()),
        ("requires_lines", raw.requires_lines.is_some()),
        ("keep", raw.keep.is_some()),
        ("min_share", raw.min_share.is_some()),
        ("requires", raw.requires.is_some()),
        ("unless_after", raw.unless_after.is_some()),
        ("min_cards", raw.min_cards.is_some()),
        ("max_lines", raw.max_lines.is_some()),
        ("prose", raw.prose.is_some()),
        ("unless_title", raw.unless_title.is_some()),
        ("step", raw.step.is_some()),
        ("min_chars", raw.min_chars.is_some()),
        ("selector", raw.selector.is_some()),
        ("min_docs", raw.min_docs.is_some()),
        ("glued", raw.glued.is_some()),
        ("fallback", raw.fallback.is_some()),
        ("where", raw.place.is_some()),
        ("within", raw.within.is_some()),
        ("min_words", raw.min_words.is_some()),
        ("max_words", raw.max_words.is_some()),
        ("unless", raw.unless.is_some()),
        ("unless_in", !raw.unless_in.is_empty()),
    ];
    for (key, present) in keys {
        if present && !raw.kind.spec().takes(key) {
            problems.push((Some(key), format!("`{key}` does not apply to a `{kind_name}` rule")));
        }
    }
    if raw.kind == RawKind::Normalize && raw.min_chars.is_some() && raw.step != Some(Step::DuplicateLines) {
        problems.push((Some("min_chars"), "`min_chars` applies to the `duplicate-lines` step only".into()));
    }
    let need_pattern = |p: Option<Trigger>, problems: &mut Vec<Problem>| match p {
        Some(p) => Some(p.0),
        None => {
            problems.push((Some("match"), format!("a `{kind_name}` rule needs `pattern`")));
            None
        }
    };
    let kind = match raw.kind {
        RawKind::Line => {
            let unless_after = raw.unless_after.map(|p| p.0);
            need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Line { pattern, unless_after })
        }
        RawKind::Span => need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Span { pattern }),
        RawKind::Run => {
            let min_lines = raw.min_lines.map_or(2, NonZeroUsize::get);
            let unless_after = raw.unless_after.map(|p| p.0);
            need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Run {
                pattern,
                min_lines,
                unless_after,
            })
        }
        RawKind::Zone => {
            let side = raw.side.unwrap_or_else(|| {
                problems.push((Some("match"), "a `zone` rule needs `side`: head or tail".into()));
                super::Side::Head
            });
            let min_lines = raw.min_lines.map_or(ZONE_MIN_LINES, NonZeroUsize::get);
            let keep = raw.keep.unwrap_or(0);
            let min_share = raw.min_share.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&min_share) {
                problems.push((
                    Some("min_share"),
                    "`min_share` is a share of the zone's lines, from 0 to 1".into(),
                ));
            }
            let requires = raw.requires.map(|p| p.0);
            let share_pattern = raw.share_pattern.map(|p| p.0);
            let requires_lines = raw.requires_lines.map_or(1, NonZeroUsize::get);
            if raw.requires_lines.is_some() && requires.is_none() {
                problems.push((
                    Some("requires_lines"),
                    "`requires_lines` counts the lines that match `requires`: give `requires`".into(),
                ));
            }
            let edge = raw.edge.unwrap_or_default();
            // Not in the trigger sets, so compiled here, where a pattern too
            // big to compile is reported with its rule.
            need_pattern(raw.pattern, &mut problems)
                .filter(|p| match p.compiled() {
                    Ok(_) => true,
                    Err(e) => {
                        problems.push((Some("pattern"), format!("invalid regex `{}`: {e}", p.as_str())));
                        false
                    }
                })
                .map(|pattern| Kind::Zone {
                    pattern,
                    side,
                    edge,
                    min_lines,
                    keep,
                    min_share,
                    share_pattern,
                    requires,
                    requires_lines,
                })
        }
        RawKind::Cards => need_pattern(raw.pattern, &mut problems).map(|pattern| Kind::Cards {
            pattern,
            min_cards: raw.min_cards.map_or(2, NonZeroUsize::get),
            max_lines: raw.max_lines.map_or(3, NonZeroUsize::get),
            prose: raw.prose.unwrap_or(false),
            unless_title: raw.unless_title.map(|p| p.0),
        }),
        RawKind::Selector => match raw.selector {
            Some(css) => Some(Kind::Selector {
                selector: Box::new(css.1),
                prefilter: crate::html::Prefilter::new(&css.0),
                source: css.0,
            }),
            None => {
                problems.push((Some("match"), "a `selector` rule needs `selector`: a CSS selector".into()));
                None
            }
        },
        RawKind::MainText => Some(Kind::MainText { fallback: raw.fallback.unwrap_or(MAIN_TEXT_FALLBACK) }),
        RawKind::Repeated => Some(Kind::Repeated {
            min_docs: raw.min_docs.map(NonZeroUsize::get),
            glued: raw.glued.unwrap_or(false),
        }),
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
            (Some(start), Some(end)) => Some(Kind::Block {
                start: start.0,
                end: end.0,
                followed_by: raw.followed_by.map(|p| p.0),
                min_follows: raw.min_follows.map_or(1, NonZeroUsize::get),
            }),
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
        (Some(RawPlace::Body), None) => Place::Body,
        (Some(RawPlace::Body), Some(_)) => {
            problems.push((
                Some("within"),
                "`where: body` takes no `within`: it starts below the first story line".into(),
            ));
            Place::Body
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
            doc,
            kind,
            place,
            min_words: raw.min_words,
            max_words: raw.max_words,
            unless: raw.unless.map(|p| p.0),
            unless_in: raw.unless_in.iter().fold(InStory::default(), |acc, p| match p {
                RawInStory::Subheading => InStory { subheading: true, ..acc },
                RawInStory::Table => InStory { table: true, ..acc },
            }),
            scope: raw.scope.map(RawScope::resolve),
            tests,
            origin,
        }),
        _ => Err(problems),
    }
}

/// An item of a file that defines fragments: a fragment (already read by
/// `read_fragments`, skipped here) or a rule.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawItem {
    Fragment(#[allow(dead_code)] RawFragment),
    Rule(Box<RawRule>),
}

/// A fragment item: `fragment: NAME`, `doc` and `pattern`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFragment {
    fragment: String,
    doc: RawDoc,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    doc: RawDoc,
    #[serde(rename = "match")]
    kind: RawKind,
    pattern: Option<Trigger>,
    start: Option<Trigger>,
    end: Option<RawEnd>,
    followed_by: Option<Re>,
    min_follows: Option<NonZeroUsize>,
    min_lines: Option<NonZeroUsize>,
    side: Option<super::Side>,
    edge: Option<super::Edge>,
    share_pattern: Option<Re>,
    requires_lines: Option<NonZeroUsize>,
    keep: Option<usize>,
    min_share: Option<f64>,
    requires: Option<Re>,
    unless_after: Option<Re>,
    min_cards: Option<NonZeroUsize>,
    max_lines: Option<NonZeroUsize>,
    prose: Option<bool>,
    unless_title: Option<Re>,
    step: Option<Step>,
    min_chars: Option<usize>,
    selector: Option<Css>,
    min_docs: Option<NonZeroUsize>,
    glued: Option<bool>,
    fallback: Option<bool>,
    weights: Option<BTreeMap<String, f64>>,
    words: Option<BTreeMap<String, f64>>,
    threshold: Option<f64>,
    #[serde(rename = "where")]
    place: Option<RawPlace>,
    within: Option<usize>,
    min_words: Option<usize>,
    max_words: Option<usize>,
    unless: Option<Re>,
    #[serde(default)]
    unless_in: Vec<RawInStory>,
    scope: Option<RawScope>,
    tests: Option<RawTests>,
}

/// `doc:` as free text, or in parts (`removes`, `why`, `guards`).
enum RawDoc {
    Text(String),
    Parts(RawDocParts),
}

// By hand rather than `untagged`, so that a misspelled part is reported
// as such, at its place, instead of as "did not match any variant".
impl<'de> Deserialize<'de> for RawDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDoc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, or a mapping with `removes` and optional `why` and `guards`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDoc, E> {
                Ok(RawDoc::Text(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDoc, A::Error> {
                RawDocParts::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDoc::Parts)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocParts {
    removes: String,
    why: Option<String>,
    guards: Option<String>,
}

impl RawDoc {
    /// The doc without the line end a block scalar leaves at its end.
    fn resolve(self) -> Doc {
        let trim = |s: String| s.trim_end().to_string();
        match self {
            RawDoc::Text(text) => Doc::Text(trim(text)),
            RawDoc::Parts(p) => {
                Doc::Parts { removes: trim(p.removes), why: p.why.map(trim), guards: p.guards.map(trim) }
            }
        }
    }
}

/// A kind of rule as rules files name it, and the keys it takes.
pub struct KindSpec {
    kind: RawKind,
    /// The keys only this kind (or a few) takes.
    pub keys: &'static [&'static str],
    /// Whether it also takes [`LINE_GUARDS`].
    pub guards: bool,
}

impl KindSpec {
    /// Its name in `match:`.
    pub fn name(&self) -> &'static str {
        self.kind.into()
    }

    /// Whether a rule of this kind takes optional key `key`.
    fn takes(&self, key: &str) -> bool {
        self.keys.contains(&key) || (self.guards && LINE_GUARDS.contains(&key))
    }
}

/// A `zone` rule's `min_lines` when it gives none: more lines above a
/// story than a headline, a byline and a standfirst make.
const ZONE_MIN_LINES: usize = 40;

/// Keys every rule has (`id`, `doc`, `match`) or may have.
pub const COMMON_KEYS: &[&str] = &["id", "doc", "match", "scope", "tests"];

/// Where a line-based match may sit and what keeps a line.
pub const LINE_GUARDS: &[&str] = &["where", "within", "min_words", "max_words", "unless"];

/// Every kind of rule with its keys: the one table that `match:` is read
/// from, that decides which keys fit which kind, and that the rules
/// reference lists.
pub const KINDS: &[KindSpec] = &[
    KindSpec { kind: RawKind::Line, keys: &["pattern", "unless_in", "unless_after"], guards: true },
    KindSpec { kind: RawKind::Span, keys: &["pattern"], guards: true },
    KindSpec { kind: RawKind::Block, keys: &["start", "end", "followed_by", "min_follows"], guards: true },
    KindSpec { kind: RawKind::Run, keys: &["pattern", "min_lines", "unless_after"], guards: true },
    KindSpec {
        kind: RawKind::Cards,
        keys: &["pattern", "min_cards", "max_lines", "prose", "unless_title"],
        guards: true,
    },
    KindSpec {
        kind: RawKind::Zone,
        keys: &[
            "pattern",
            "side",
            "edge",
            "min_lines",
            "keep",
            "min_share",
            "share_pattern",
            "requires",
            "requires_lines",
        ],
        guards: true,
    },
    KindSpec { kind: RawKind::Normalize, keys: &["step", "min_chars"], guards: false },
    KindSpec { kind: RawKind::Selector, keys: &["selector"], guards: false },
    KindSpec { kind: RawKind::MainText, keys: &["fallback"], guards: false },
    KindSpec { kind: RawKind::Repeated, keys: &["min_docs", "glued"], guards: true },
    KindSpec { kind: RawKind::Score, keys: &["weights", "words", "threshold"], guards: true },
];

impl RawKind {
    fn spec(self) -> &'static KindSpec {
        KINDS.iter().find(|k| k.kind == self).expect("every kind is in KINDS")
    }
}

/// "; did you mean `x`?" when one of `names` is near `name`.
fn tip<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    crate::rules::closest(name, names).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default()
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a rule kind", |s| match KINDS.iter().find(|k| k.name() == s) {
            Some(spec) => Ok(spec.kind),
            None => {
                let names: Vec<String> = KINDS.iter().map(|k| format!("`{}`", k.name())).collect();
                let tip = tip(s, KINDS.iter().map(KindSpec::name));
                Err(format!("unknown variant `{s}`, expected one of {}{tip}", names.join(", ")))
            }
        })
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawInStory {
    Subheading,
    Table,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawPlace {
    Head,
    Tail,
    Body,
    Anywhere,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    path: Option<Glob>,
    contains: Option<Re>,
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

/// A guard's regex (`unless`, block ends, `scope.contains`), parsed.
struct Re(Guard);

impl<'de> Deserialize<'de> for Re {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a regular expression", |s| check_regex(s, Guard::new).map(Re))
    }
}

/// A rule's trigger pattern, parsed (compiled later, see [`Pattern`]).
struct Trigger(Pattern);

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_scalar(d, "a regular expression", |s| check_regex(s, Pattern::new).map(Trigger))
    }
}

/// `build` on a pattern, its error made readable.
/// Fragment uses are expanded first (see [`fragments`]); an error shows
/// the pattern as written.
fn check_regex<T>(s: &str, build: impl Fn(&str) -> Result<T, regex::Error>) -> Result<T, String> {
    check_layout(s)?;
    build(&fragments::expand_in_scope(s)?).map_err(|e| regex_message(s, e))
}

/// Lines are matched one at a time, so a line end in a pattern is a
/// verbose-mode layout or a mistake.
fn check_layout(s: &str) -> Result<(), String> {
    if s.contains('\n') && !fragments::starts_verbose(s) {
        return Err("a pattern over several lines must start with `(?x)`, which ignores whitespace (write a space as `\\ `)".into());
    }
    Ok(())
}

/// A regex error made readable, naming the pattern as written.
fn regex_message(s: &str, e: regex::Error) -> String {
    match e {
        regex::Error::Syntax(msg) => {
            let reason = msg.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&msg);
            format!("invalid regex `{s}`: {reason}")
        }
        other => format!("invalid regex `{s}`: {other}"),
    }
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

/// `end: eof | blank | story | {pattern: REGEX} | {lines: N}`.
struct RawEnd(BlockEnd);

impl<'de> Deserialize<'de> for RawEnd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEnd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`eof`, `blank`, `story`, `{pattern: REGEX}` or `{lines: N}`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawEnd, E> {
                match s {
                    "eof" => Ok(RawEnd(BlockEnd::Eof)),
                    "blank" => Ok(RawEnd(BlockEnd::Blank)),
                    "story" => Ok(RawEnd(BlockEnd::Story)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnd, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let end = match key.as_str() {
                    "pattern" => BlockEnd::Pattern(map.next_value::<Re>()?.0),
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

/// The YAML crate (`serde-saphyr`), behind three calls: [`yaml::outline`],
/// [`yaml::typed`] and [`yaml::item_texts`]. Its errors and spans give
/// 1-based lines and columns in characters; `serde_path_to_error` gives the
/// key an error is under.
mod yaml {
    use std::fmt;

    use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
    use serde::Deserialize;
    use serde_path_to_error::{Path, Segment};
    use serde_saphyr::{Location, MessageFormatter, Spanned};

    use super::Pos;

    /// A YAML or serde error: its message, prefixed with the key it is
    /// under (`` `end.pattern`: ``), and its position if known.
    pub struct Error {
        pub at: Option<Pos>,
        pub message: String,
    }

    /// One item of the file's list: where it starts, its `id` and where
    /// each of its keys is.
    pub struct Item {
        pub at: Pos,
        byte: usize,
        pub id: Option<String>,
        /// The name, when the item defines a fragment rather than a rule.
        pub fragment: Option<String>,
        keys: Vec<(String, Pos)>,
    }

    impl Item {
        pub fn key(&self, key: &str) -> Option<Pos> {
            self.keys.iter().find(|(k, _)| k == key).map(|(_, at)| *at)
        }
    }

    fn pos(loc: &Location) -> Pos {
        (loc.line() as usize, loc.column() as usize)
    }

    /// YAML 1.2's booleans: `true` and `false` only, so `doc: yes` or a
    /// `y` is text, as it is in any other field.
    fn options() -> serde_saphyr::Options {
        let mut options = serde_saphyr::Options::default();
        options.strict_booleans = true;
        options
    }

    /// The file's items, or its first syntax error.
    pub fn outline(text: &str) -> Result<Vec<Item>, Error> {
        let items = serde_saphyr::from_str_with_options::<Option<Vec<Spanned<Keys>>>>(text, options())
            .map_err(|e| error(&e, None))?
            .unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|item| Item {
                at: pos(&item.referenced),
                byte: item.referenced.span().byte_offset().unwrap_or(0) as usize,
                id: item.value.id,
                fragment: item.value.fragment,
                keys: item.value.keys,
            })
            .collect())
    }

    /// Deserialise `text` as a `T`.
    pub fn typed<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
        let mut track = serde_path_to_error::Track::new();
        serde_saphyr::with_deserializer_from_str_with_options(text, options(), |d| {
            T::deserialize(serde_path_to_error::Deserializer::new(d, &mut track))
        })
        .map_err(|e| error(&e, Some(&track.path())))
    }

    /// Each item's text alone, padded with blank lines and spaces so that
    /// positions in it are positions in the file; `None` unless the items
    /// are block entries (`- id: ...`), the form the rules files use.
    pub fn item_texts(text: &str, items: &[Item]) -> Option<Vec<String>> {
        (0..items.len())
            .map(|i| {
                let item = &items[i];
                let end = match items.get(i + 1) {
                    Some(next) => text.get(..next.byte)?.trim_end().strip_suffix('-')?.len(),
                    None => text.len(),
                };
                let body = text.get(item.byte..end)?;
                Some(format!("{}{}{body}", "\n".repeat(item.at.0 - 1), " ".repeat(item.at.1 - 1)))
            })
            .collect()
    }

    fn error(err: &serde_saphyr::Error, path: Option<&Path>) -> Error {
        use serde_saphyr::Error as E;
        let err = err.without_snippet();
        let (message, in_key) = match err {
            // serde's own wording, as the rules reference shows it.
            E::SerdeUnknownField { field, expected, .. } => (
                format!(
                    "unknown field `{field}`, {}{}",
                    one_of(expected, "fields"),
                    super::tip(field, expected.iter().copied())
                ),
                false,
            ),
            E::SerdeUnknownVariant { variant, expected, .. } => (
                format!(
                    "unknown variant `{variant}`, {}{}",
                    one_of(expected, "variants"),
                    super::tip(variant, expected.iter().copied())
                ),
                true,
            ),
            // The library's wording names its own options, not the file's fix.
            E::DuplicateMappingKey { key, .. } => (
                match key {
                    Some(k) => format!("`{k}` is given twice in the same mapping"),
                    None => "a key is given twice in the same mapping".to_string(),
                },
                true,
            ),
            other => (serde_saphyr::DefaultMessageFormatter.format_message(other).into_owned(), true),
        };
        // The path without the item's index in the list, and without the
        // unknown key itself.
        let mut segments: Vec<&Segment> = path.map(|p| p.iter().collect()).unwrap_or_default();
        if matches!(segments.first(), Some(Segment::Seq { .. })) {
            segments.remove(0);
        }
        if !in_key {
            segments.pop();
        }
        let mut key = String::new();
        for segment in segments {
            match segment {
                Segment::Seq { index } => key.push_str(&format!("[{index}]")),
                Segment::Map { key: k } if key.is_empty() => key.push_str(k),
                Segment::Map { key: k } => key.push_str(&format!(".{k}")),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        let message = if key.is_empty() { message } else { format!("`{key}`: {message}") };
        Error { at: err.location().map(|l| pos(&l)), message }
    }

    /// serde's "expected one of `a`, `b`".
    fn one_of(names: &[&str], what: &str) -> String {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.as_slice() {
            [] => format!("there are no {what}"),
            [one] => format!("expected {one}"),
            [a, b] => format!("expected {a} or {b}"),
            all => format!("expected one of {}", all.join(", ")),
        }
    }

    /// A rule item's `id` and keys with their positions.
    #[derive(Default)]
    struct Keys {
        id: Option<String>,
        fragment: Option<String>,
        keys: Vec<(String, Pos)>,
    }

    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a rule")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Keys::default();
                    while let Some(key) = map.next_key::<Spanned<String>>()? {
                        if key.value == "id" {
                            keys.id = map.next_value()?;
                        } else if key.value == "fragment" {
                            keys.fragment = map.next_value()?;
                        } else {
                            map.next_value::<IgnoredAny>()?;
                        }
                        keys.keys.push((key.value, pos(&key.referenced)));
                    }
                    Ok(keys)
                }
            }
            d.deserialize_map(V)
        }
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
    fn a_zone_names_its_side() {
        let text = "- id: a.b\n  doc: d\n  match: zone\n  pattern: x\n";
        assert_eq!(err(text), "r.yaml:3:3: rule 'a.b': a `zone` rule needs `side`: head or tail");
        let text = "- id: a.b\n  doc: d\n  match: zone\n  side: top\n  pattern: x\n";
        assert!(err(text).starts_with("r.yaml:4:"), "{}", err(text));
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  keep: 3\n";
        assert_eq!(err(text), "r.yaml:5:3: rule 'a.b': `keep` does not apply to a `line` rule");
    }

    #[test]
    fn a_zone_edge_is_story_or_body() {
        let text = "- id: a.b\n  doc: d\n  match: zone\n  side: head\n  edge: middle\n  pattern: x\n";
        let e = err(text);
        assert!(e.starts_with("r.yaml:5:") && e.contains("story") && e.contains("body"), "{e}");
        let text = "- id: a.b\n  doc: d\n  match: run\n  pattern: x\n  edge: body\n";
        assert_eq!(err(text), "r.yaml:5:3: rule 'a.b': `edge` does not apply to a `run` rule");
        let text = "- id: a.b\n  doc: d\n  match: zone\n  side: tail\n  pattern: x\n  share_pattern: '(x'\n";
        assert!(err(text).starts_with("r.yaml:6:"), "{}", err(text));
        let text = "- id: a.b\n  doc: d\n  match: zone\n  side: tail\n  edge: body\n  pattern: x\n  share_pattern: '^[A-Z]'\n";
        assert!(load_str("r.yaml", text).is_ok());
        let text = "- id: a.b\n  doc: d\n  match: zone\n  side: tail\n  pattern: x\n  requires_lines: 2\n";
        assert_eq!(
            err(text),
            "r.yaml:6:3: rule 'a.b': `requires_lines` counts the lines that match `requires`: give `requires`"
        );
    }

    #[test]
    fn within_zero_is_an_error() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  where: head\n  within: 0\n";
        assert_eq!(err(text), "r.yaml:6:3: rule 'a.b': `within: 0` can never match; use 1 or more");
    }

    #[test]
    fn body_takes_no_within() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  where: body\n  within: 3\n";
        assert_eq!(
            err(text),
            "r.yaml:6:3: rule 'a.b': `where: body` takes no `within`: it starts below the first story line"
        );
    }

    #[test]
    fn fragments_are_used_across_files_and_from_the_defaults() {
        let frag = "- fragment: greet\n  doc: d\n  pattern: 'hello|hi'\n";
        let rule = "- id: a.b\n  doc: d\n  match: line\n  pattern: '(?i)^(?&greet) (?&reported-speech)$'\n";
        let set = load_sources([
            ("f.yaml".to_string(), frag.to_string()),
            ("r.yaml".to_string(), rule.to_string()),
        ])
        .unwrap();
        let Kind::Line { pattern, .. } = &set.rules()[0].kind else { panic!() };
        assert!(pattern.regex().is_match("HI told"), "{}", pattern.as_str());
        assert!(set.fragments().iter().any(|f| f.name == "greet" && f.origin.to_string() == "f.yaml:1"));
    }

    #[test]
    fn a_redefinition_widens_a_built_in_and_a_copy_of_the_defaults_loads() {
        let text = "- fragment: reported-speech\n  doc: d\n  pattern: '(?&reported-speech)|stated'\n- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  unless: '(?&reported-speech)'\n";
        let set = load_str("w.yaml", text).unwrap();
        let unless = set.rules()[0].unless.as_ref().unwrap();
        assert!(unless.is_match("stated") && unless.is_match("told"), "{}", unless.as_str());
        // The user's own `rules/fragments.yaml` is theirs, not the built-in file.
        let own = "- fragment: mine\n  doc: d\n  pattern: m\n";
        let rule = "- id: a.b\n  doc: d\n  match: line\n  pattern: '(?&mine) (?&reported-speech)'\n";
        load_sources([
            (FRAGMENTS_FILE.to_string(), own.to_string()),
            ("rules/r.yaml".to_string(), rule.to_string()),
        ])
        .unwrap();
    }

    #[test]
    fn anchors_hold_across_items_in_a_file_with_fragments() {
        let text = "- id: t.a\n  doc: &d Shared.\n  match: line\n  pattern: '^a$'\n- id: t.b\n  doc: *d\n  match: line\n  pattern: '^b$'\n- fragment: f\n  doc: d\n  pattern: x\n";
        assert_eq!(load_str("r.yaml", text).unwrap().rules().len(), 2);
    }

    #[test]
    fn a_file_may_redefine_a_built_in_fragment() {
        let text = "- fragment: reported-speech\n  doc: d\n  pattern: dijo\n- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  unless: '(?&reported-speech)'\n";
        let set = load_str("copy/fragments.yaml", text).unwrap();
        assert_eq!(set.rules()[0].unless.as_ref().unwrap().as_str(), "(?-x:dijo)");
        let used = set.fragments().iter().find(|f| f.name == "reported-speech").unwrap();
        assert_eq!(used.origin.file, "copy/fragments.yaml");
    }

    #[test]
    fn fragment_errors_are_positioned() {
        let unknown = "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  unless: '(?&nope)'\n";
        let e = err(unknown);
        assert!(
            e.starts_with(
                "r.yaml:5:11: rule 'a.b': `unless`: unknown fragment `(?&nope)`; the fragments are"
            ),
            "{e}"
        );
        let twice = "- fragment: a\n  doc: d\n  pattern: x\n- fragment: a\n  doc: d\n  pattern: y\n";
        assert_eq!(err(twice), "r.yaml:4:3: fragment `a` is defined twice, first at r.yaml:1");
        let cycle =
            "- fragment: a\n  doc: d\n  pattern: '(?&b)'\n- fragment: b\n  doc: d\n  pattern: 'x|(?&a)'\n";
        assert_eq!(err(cycle), "r.yaml:3:3: fragment `a` uses itself: a → b → a");
        let bad = "- fragment: a\n  doc: d\n  pattern: 'x('\n- id: a.b\n  doc: d\n  match: line\n  pattern: '(?&a)|(?&a)'\n";
        // Once, at the fragment, not again at each use.
        assert_eq!(err(bad), "r.yaml:3:3: fragment `a`: invalid regex `x(`: unclosed group");
        let cascade = "- fragment: a\n  doc: d\n  pattern: '(?&typo)'\n";
        assert_eq!(err(cascade).lines().count(), 1, "{}", err(cascade));
        let name = "- fragment: Big\n  doc: d\n  pattern: x\n";
        assert!(err(name).starts_with("r.yaml:1:3: fragment name `Big`"), "{}", err(name));
        let extra = "- fragment: a\n  doc: d\n  pattern: x\n  match: line\n";
        assert!(err(extra).starts_with("r.yaml:4:3: fragment `a`: unknown field `match`"), "{}", err(extra));
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
    fn kinds_table_names_every_key() {
        // serde lists the keys a rule may have; the table must name each once.
        let e = err("- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  nope: 1\n");
        let listed: Vec<&str> =
            e.split("expected one of ").nth(1).unwrap().split(", ").map(|k| k.trim_matches('`')).collect();
        let mut table: Vec<&str> = COMMON_KEYS.iter().chain(LINE_GUARDS).copied().collect();
        for kind in KINDS {
            table.extend(kind.keys.iter().filter(|k| !table.contains(k)).collect::<Vec<_>>());
        }
        let (mut listed, mut table) = (listed, table);
        listed.sort_unstable();
        table.sort_unstable();
        assert_eq!(listed, table);
    }

    #[test]
    fn misspelled_keys_and_kinds_get_a_suggestion() {
        let e = err("- id: a.b\n  doc: d\n  match: line\n  patern: x\n");
        assert!(e.ends_with("; did you mean `pattern`?"), "{e}");
        let e = err("- id: a.b\n  doc: d\n  match: lin\n  pattern: x\n");
        assert!(e.ends_with("; did you mean `line`?"), "{e}");
        let e = err("- id: a.b\n  doc: d\n  match: line\n  pattern: x\n  zzz: 1\n");
        assert!(!e.contains("did you mean"), "{e}");
    }

    #[test]
    fn unknown_kind_lists_the_kinds() {
        let e = err("- id: a.b\n  doc: d\n  match: lin\n  pattern: x\n");
        assert!(
            e.starts_with(
                "r.yaml:3:10: rule 'a.b': `match`: unknown variant `lin`, expected one of `line`, `span`"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_pattern_or_guard_too_big_to_compile_is_named_at_load() {
        let big = "'(?:\\w{1000}){1000}'";
        // A trigger pattern, named by its rule once the sets are built; a
        // guard, named where it is written.
        for (text, at) in [
            (format!("- id: a.b\n  doc: d\n  match: line\n  pattern: {big}\n"), "1:1: rule 'a.b': `pattern`"),
            (
                format!("- id: a.b\n  doc: d\n  match: line\n  pattern: 'x'\n  unless: {big}\n"),
                "5:11: rule 'a.b': `unless`",
            ),
        ] {
            let e = load_str("r.yaml", &text).unwrap_err().to_string();
            assert!(e.starts_with(&format!("r.yaml:{at}: invalid regex")) && e.contains("size limit"), "{e}");
        }
    }

    #[test]
    fn every_built_in_guard_compiles_and_weighs_its_size() {
        // The weight's promise (see `Guard::LAZY_WEIGHT`): a unit of it
        // takes under 100 bytes to compile, forward and reverse.
        use regex_automata::nfa::thompson::{Compiler, Config, WhichCaptures};
        for rule in load_default().unwrap().rules() {
            for (role, guard) in rule.guards() {
                assert!(guard.weight <= Guard::LAZY_WEIGHT, "{} `{role}`", rule.id);
                let limit = Some(100 * guard.weight);
                for reverse in [false, true] {
                    let captures = if reverse { WhichCaptures::None } else { WhichCaptures::All };
                    let config =
                        Config::new().nfa_size_limit(limit).reverse(reverse).which_captures(captures);
                    let built = Compiler::new().configure(config).build(guard.as_str());
                    assert!(built.is_ok(), "{} `{role}` weighs {}", rule.id, guard.weight);
                }
                guard.is_match("");
            }
        }
    }

    #[test]
    fn a_guard_that_might_not_compile_is_named_at_load() {
        // Each would pass the size limit; each weighs more than the lazy
        // bound (captures, empty classes, optional copies and wide ranges
        // all weigh), so each is an error at load, never on a line.
        for big in [
            r"(?:((((a))))){1000000}",
            r"(?:(?:[^\s\S]){1000}){10000}",
            r"(?:(?:(?:(?:a?)?)?)?){1000000}",
            r"(?:[\x{801}-\x{10FFFE}]){250000}",
        ] {
            let text = format!("- id: a.b\n  doc: d\n  match: line\n  pattern: '^S'\n  unless: '{big}'\n");
            let e = load_str("r.yaml", &text).unwrap_err().to_string();
            assert!(
                e.starts_with("r.yaml:5:11: rule 'a.b': `unless`: invalid regex") && e.contains("size limit"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_extending_rules_answer_the_same_through_the_whole_trigger_set() {
        // The fallback when their own set does not compile.
        let set = load_default().unwrap();
        let text = ["samples/raw", "tests/fixtures/corpus/raw"]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap())
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect::<String>();
        let (mut own, mut by_all, mut seen) = (Vec::new(), Vec::new(), 0);
        for line in text.lines() {
            own.clear();
            by_all.clear();
            set.triggered_extending(line, &mut own);
            set.triggered_extending_by_all(line, &mut by_all);
            assert_eq!(own, by_all, "{line}");
            seen += own.len();
        }
        assert!(seen > 10, "the lines fire few extending rules: {seen}");
    }

    #[test]
    fn a_guard_compiles_when_first_asked() {
        let text =
            "- id: a.b\n  doc: d\n  match: line\n  pattern: '^Subscribe'\n  unless: '(?i)\\bfree\\b'\n";
        let set = load_str("r.yaml", text).unwrap();
        let input = "Subscribe now\nSubscribe, it is FREE\n";
        let edits = crate::engine::clean(&set, None, input);
        assert_eq!(crate::text::apply(input, &edits), "Subscribe, it is FREE\n");
    }

    #[test]
    fn verbose_patterns_span_lines() {
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: |-\n    (?x)^(?:\n        back\\ to\\ top\n      | menu\n    )$\n";
        let set = load_str("r.yaml", text).unwrap();
        let Kind::Line { pattern, .. } = &set.rules()[0].kind else { panic!() };
        assert!(
            pattern.regex().is_match("back to top")
                && pattern.regex().is_match("menu")
                && !pattern.regex().is_match("backtotop")
        );
        assert!(
            fragments::starts_verbose("(?xi)^a")
                && fragments::starts_verbose("(?ix)^a")
                && !fragments::starts_verbose("(?i)^a")
                && !fragments::starts_verbose("(?:x)")
        );
        let text = "- id: a.b\n  doc: d\n  match: line\n  pattern: |-\n    ^(?:back to top\n    |menu)$\n";
        assert!(
            err(text).starts_with(
                "r.yaml:5:5: rule 'a.b': `pattern`: a pattern over several lines must start with `(?x)`"
            ),
            "{}",
            err(text)
        );
    }

    #[test]
    fn doc_is_text_or_parts() {
        let text =
            "- id: a.b\n  doc:\n    removes: |\n      `Menu`\n    why: chrome\n  match: line\n  pattern: x\n";
        let set = load_str("r.yaml", text).unwrap();
        let Doc::Parts { removes, why, guards } = &set.rules()[0].doc else { panic!() };
        assert_eq!((removes.as_str(), why.as_deref(), guards.as_deref()), ("`Menu`", Some("chrome"), None));
        let set = load_str("r.yaml", "- id: a.b\n  doc: d\n  match: line\n  pattern: x\n").unwrap();
        assert!(matches!(&set.rules()[0].doc, Doc::Text(t) if t == "d"));
    }

    #[test]
    fn unknown_doc_part_names_the_parts() {
        let text = "- id: a.b\n  doc:\n    removes: x\n    guard: y\n  match: line\n  pattern: x\n";
        assert_eq!(
            err(text),
            "r.yaml:4:5: rule 'a.b': `doc`: unknown field `guard`, expected one of `removes`, `why`, `guards`; did you mean `guards`?"
        );
        let text = "- id: a.b\n  doc:\n    why: y\n  match: line\n  pattern: x\n";
        assert_eq!(err(text), "r.yaml:3:5: rule 'a.b': `doc`: missing field `removes`");
        let text = "- id: a.b\n  doc:\n    removes: ' '\n  match: line\n  pattern: x\n";
        assert_eq!(err(text), "r.yaml:2:3: rule 'a.b': doc is empty: say what the rule removes and why");
    }

    #[test]
    fn built_in_rules_have_docs_in_parts() {
        // The generated reference shows every built-in rule under the same headings.
        let sets = embedded::SETS.iter().flat_map(|(_, files)| files.iter());
        for (name, text) in embedded::DEFAULT_RULES.iter().chain(sets) {
            for rule in load_str(name, text).unwrap().rules() {
                let in_parts = matches!(&rule.doc, Doc::Parts { removes, .. } if !removes.trim().is_empty());
                assert!(in_parts, "{name}: rule '{}': doc is not in parts with `removes`", rule.id);
            }
        }
    }

    #[test]
    fn built_in_patterns_use_ascii_word_boundaries() {
        // A pattern with a Unicode `\b` sends every non-ASCII line to the
        // PikeVM (its own trigger set keeps the others out of it).
        use crate::rules::triggers::unicode_word_boundary as unicode_boundary;
        let parse = |p: &str| regex_syntax::Parser::new().parse(p).unwrap();
        assert!(unicode_boundary(&parse(r"(?i)x|\bsee\b")) && !unicode_boundary(&parse(r"(?-u:\b)see")));
        let sets = embedded::SETS.iter().flat_map(|(_, files)| files.iter());
        for (name, text) in embedded::DEFAULT_RULES.iter().chain(sets) {
            for rule in load_str(name, text).unwrap().rules() {
                if let Some(p) = rule.kind.trigger() {
                    assert!(
                        !unicode_boundary(p.hir()),
                        "{name}: rule '{}': write `\\b` as `(?-u:\\b)`",
                        rule.id
                    );
                }
            }
        }
    }

    #[test]
    fn embedded_defaults_load() {
        let set = load_default().unwrap();
        assert!(!set.is_empty());
    }
}
