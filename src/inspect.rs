//! The read-only commands over inputs: `diff`, `stats` and `eval`. They run
//! the same walk, decoding and engine as `clean` and write no file.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use serde::Serialize;

use crate::changelog;
use crate::decode::{self, Decoded};
use crate::diff::{self, Style};
use crate::document::{Cleaned, Format, Item};
use crate::engine::Cleaner;
use crate::eval::{self, Evaluation, FileScore};
use crate::input::{self, Inputs, Reading};
use crate::jsonl::{self, Fields};
use crate::pipeline::{self, Settings};
use crate::report::{FileCounts, Report, RuleTotals, Totals};
use crate::rules::RuleSet;
use crate::text::Edit;
use crate::walk;

fn quiet(jobs: usize) -> Settings {
    Settings { jobs, progress: false }
}

/// Count an item that is not a cleaned document; true when it failed.
pub(crate) fn count_other(files: &mut FileCounts, item: &Item, err: &mut impl Write) -> std::io::Result<()> {
    match item {
        Item::Skipped { .. } => files.skipped += 1,
        Item::Failed { error, .. } => {
            files.failed += 1;
            files.read += 1;
            writeln!(err, "descrape: {error}")?;
        }
        Item::Malformed { rel, line, error, .. } => {
            files.malformed += 1;
            writeln!(err, "descrape: {rel}:{line}: {error} (skipped)")?;
        }
        Item::Cleaned(_) => {}
    }
    Ok(())
}

/// One changed document as `diff` shows it: the labelled diff as text, or
/// the document's name and its edits as change-log records as JSON. Made
/// on a worker; both forms are built only when asked for.
pub struct DocumentDiff<'a> {
    pub rules: &'a RuleSet,
    pub doc: &'a Cleaned,
    /// Per rule index, whether its edits are shown (`diff --rule`).
    pub keep: &'a [bool],
    pub style: Style,
}

impl Report for DocumentDiff<'_> {
    /// The labelled unified diff (coloured when the style says).
    fn render(&self) -> String {
        let edits: Vec<Edit> = self.doc.edits.iter().filter(|e| self.keep[e.rule]).cloned().collect();
        diff::render(self.rules, &self.doc.name(), &self.doc.text, &edits, self.style)
    }
}

impl Serialize for DocumentDiff<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'b> {
            file: &'b str,
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'b str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<usize>,
            words_removed: usize,
            edits: Vec<changelog::Record>,
        }
        let c = self.doc;
        // The document's records are its edits in order (after any decoding
        // and main-text records), so they pair with `c.edits`.
        let records = changelog::document_records(self.rules, c);
        let edits: Vec<changelog::Record> = records
            .into_iter()
            .filter(|r| matches!(r, changelog::Record::Edit { .. }))
            .zip(&c.edits)
            .filter(|(_, e)| self.keep[e.rule])
            .map(|(r, _)| r)
            .collect();
        let words_removed = c
            .edits
            .iter()
            .filter(|e| self.keep[e.rule])
            .map(|e| crate::text::word_count(&c.text[e.range.clone()]))
            .sum();
        Shown { file: &c.rel, id: c.id.as_deref(), line: c.line, words_removed, edits }.serialize(s)
    }
}

/// Show every changed document with `show` (on the workers) and write what
/// it returns in input order; `only`, when not empty, limits the shown
/// removals to those rules. Returns whether anything would change and how
/// many files failed.
pub fn diff(
    cleaner: Cleaner,
    reading: &Reading,
    only: &[String],
    style: Style,
    show: impl Fn(&DocumentDiff) -> Result<String> + Sync,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(bool, u64)> {
    let rules = cleaner.rules;
    for id in only {
        if rules.get(id).is_none() {
            bail!("{}", rules.no_such_rule(id));
        }
    }
    let keep: Vec<bool> = rules.rules().iter().map(|r| only.is_empty() || only.contains(&r.id)).collect();
    let mut changed = false;
    let mut files = FileCounts::default();
    pipeline::run(
        reading.inputs(None)?,
        cleaner,
        quiet(reading.jobs),
        |item| {
            let text = match &item {
                Item::Cleaned(c) if c.edits.iter().any(|e| keep[e.rule]) => {
                    show(&DocumentDiff { rules, doc: c, keep: &keep, style })
                }
                _ => Ok(String::new()),
            };
            (item, text)
        },
        |(item, text), _| {
            let text = text?;
            changed |= !text.is_empty();
            out.write_all(text.as_bytes())?;
            Ok(count_other(&mut files, &item, err)?)
        },
    )?;
    Ok((changed, files.failed))
}

/// What `stats` reports.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub files: FileCounts,
    pub rules: Vec<RuleTotals>,
    pub never_fired: Vec<String>,
}

impl Report for Stats {
    fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!("{}\n", self.files.render());
        let width = self.rules.iter().map(|r| r.rule.len()).max().unwrap_or(4).max(4);
        if !self.rules.is_empty() {
            let _ = writeln!(s, "\n{:<width$}  {:>6}  {:>6}  {:>7}", "rule", "files", "lines", "words");
        }
        for r in &self.rules {
            let _ = writeln!(s, "{:<width$}  {:>6}  {:>6}  {:>7}", r.rule, r.files, r.lines, r.words);
            for e in &r.examples {
                let _ = writeln!(s, "    {}:{}  {}", e.file, e.line, e.text);
            }
        }
        if !self.never_fired.is_empty() {
            let _ = writeln!(s, "\nnever fired ({}):", self.never_fired.len());
            for id in &self.never_fired {
                let _ = writeln!(s, "  {id}");
            }
        }
        s
    }
}

/// Run the rules over inputs and count what each removes.
pub fn stats(cleaner: Cleaner, reading: &Reading, err: &mut impl Write) -> Result<Stats> {
    let rules = cleaner.rules;
    let mut totals = Totals::new(rules);
    let inputs = reading.inputs(None)?;
    totals.files.records = inputs.format == Format::Jsonl;
    pipeline::run(
        inputs,
        cleaner,
        quiet(reading.jobs),
        |item| {
            let records = match &item {
                Item::Cleaned(c) => changelog::document_records(rules, c),
                _ => Vec::new(),
            };
            (item, records)
        },
        |(item, records), _| {
            if let Item::Cleaned(c) = &item {
                totals.files.read += 1;
                if c.edits.is_empty() {
                    totals.files.unchanged += 1;
                } else {
                    totals.files.changed += 1;
                }
            }
            count_other(&mut totals.files, &item, err)?;
            totals.add_records(&records);
            Ok(())
        },
    )?;
    Ok(Stats {
        files: totals.files.clone(),
        rules: totals.rules_by_words().into_iter().cloned().collect(),
        never_fired: totals.idle_rules().into_iter().map(str::to_string).collect(),
    })
}

fn read_gold(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("cannot read gold file `{}`: {e}", path.display()),
    };
    match decode::decode(bytes) {
        Decoded::Text { text, .. } => Ok(Some(text)),
        Decoded::Binary { .. } => bail!("gold file `{}` is binary", path.display()),
    }
}

/// An ignore file: a JSON object mapping a relative path to the 1-based raw
/// line numbers whose words count neither way (the corpus `ignore.json`).
fn read_ignore(path: &Path) -> Result<std::collections::HashMap<String, Vec<usize>>> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read ignore file `{}`: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: ignore file must map file names to lists of line numbers: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Where `eval` finds the gold text of a document.
pub enum Gold {
    /// Files at the inputs' relative paths (a page's also with `.txt`).
    Dir(PathBuf),
    /// JSON Lines records, matched to input records by id.
    Records(GoldRecords),
}

/// Gold records in the order read, by id.
pub struct GoldRecords {
    records: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Gold {
    /// The records of a JSON Lines file, or of the JSON Lines files of a
    /// directory, with their text and id in `fields`. Gold is read whole
    /// and must be right: a line that is not a record, a record without an
    /// id and an id given twice are errors.
    pub fn records(path: &Path, fields: &Fields) -> Result<Gold> {
        let dir = path.is_dir();
        let mut records = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut at: Vec<String> = Vec::new();
        for found in &walk::discover(&[path.to_path_buf()], None)? {
            let file = match found {
                walk::Found::File(f) if !dir || crate::format::is_jsonl_name(&f.rel) => f,
                walk::Found::Failed { error, .. } => bail!("cannot read the gold: {error}"),
                _ => continue,
            };
            let shown = file.path.display().to_string();
            let reader = jsonl::open(&file.path).map_err(|e| anyhow!("cannot read gold `{shown}`: {e}"))?;
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| anyhow!("cannot read gold `{shown}` line {}: {e}", n + 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                let rec =
                    jsonl::parse(&line, fields).map_err(|e| anyhow!("gold `{shown}` line {}: {e}", n + 1))?;
                let Some(id) = rec.id else {
                    bail!(
                        "gold `{shown}` line {}: no `{}` field, which gold records are matched by",
                        n + 1,
                        fields.id
                    );
                };
                let here = format!("`{shown}` line {}", n + 1);
                if let Some(&i) = index.get(&id) {
                    bail!("gold id `{id}` is given twice: {} and {here}", at[i]);
                }
                index.insert(id.clone(), records.len());
                records.push((id, rec.text));
                at.push(here);
            }
        }
        if records.is_empty() {
            bail!("no gold records in `{}`", path.display());
        }
        Ok(Gold::Records(GoldRecords { records, index }))
    }

    /// The name a document is scored, listed and ignored by: its relative
    /// path, or for a record its id (`file:line` without one).
    fn name(&self, c: &Cleaned) -> String {
        match self {
            Gold::Dir(_) => c.rel.clone(),
            Gold::Records(_) => c.id.clone().unwrap_or_else(|| c.name()),
        }
    }

    /// The gold text of `c`, and for a record the gold record's index;
    /// `real_names` maps converted relative paths to the input's own.
    fn text(
        &self,
        c: &Cleaned,
        real_names: &HashMap<String, PathBuf>,
    ) -> Result<Option<(Cow<'_, str>, Option<usize>)>> {
        match self {
            Gold::Dir(dir) => {
                // A name that was not UTF-8 reaches here converted (U+FFFD
                // for each bad byte): its gold has the input's own bytes,
                // with what a name made from it adds (a page's `.txt`).
                let on_disk = |rel: &str| match (real_names.get(&c.rel), rel.strip_prefix(c.rel.as_str())) {
                    (Some(real), Some(added)) => {
                        let mut path = dir.join(real).into_os_string();
                        path.push(added);
                        PathBuf::from(path)
                    }
                    _ => dir.join(rel),
                };
                let g = match read_gold(&on_disk(&c.text_rel()))? {
                    // A page's gold file may also be named with `.txt` instead of its extension.
                    None if c.html.is_some() => read_gold(&on_disk(&c.rel).with_extension("txt"))?,
                    g => g,
                };
                Ok(g.map(|g| (Cow::Owned(g), None)))
            }
            Gold::Records(g) => Ok(c
                .id
                .as_deref()
                .and_then(|id| g.index.get(id))
                .map(|&i| (Cow::Borrowed(g.records[i].1.as_str()), Some(i)))),
        }
    }
}

/// The relative paths of the walk's files whose names are not UTF-8, by
/// their converted form: the walk names each by that form (and refuses a
/// second that reads the same), and their gold is found by their bytes.
fn real_names(walk: &crate::walk::Walk) -> HashMap<String, PathBuf> {
    walk.iter()
        .filter_map(|found| match found {
            crate::walk::Found::File(f) if f.rel.contains('\u{fffd}') => {
                let parts: Vec<_> = f.path.components().collect();
                let depth = f.rel.split('/').count().min(parts.len());
                let real: PathBuf = parts[parts.len() - depth..].iter().collect();
                Some((f.rel, real))
            }
            _ => None,
        })
        .collect()
}

/// Clean `inputs` in memory and score each document against its `gold`;
/// malformed JSON Lines lines are reported to `err` and skipped.
pub fn eval(
    cleaner: Cleaner,
    inputs: Inputs,
    gold: &Gold,
    ignore: Option<&Path>,
    worst: usize,
    jobs: usize,
    err: &mut impl Write,
) -> Result<Evaluation> {
    let rules = cleaner.rules;
    let ignore = match ignore {
        Some(path) => read_ignore(path)?,
        None => Default::default(),
    };
    enum Scored {
        Score(FileScore, Option<usize>),
        NoGold(String),
        Skipped,
        Malformed(String),
        Error(anyhow::Error),
    }
    let records = inputs.format == Format::Jsonl;
    let real_names = match gold {
        Gold::Dir(_) => real_names(&inputs.walk),
        Gold::Records(_) => HashMap::new(),
    };
    let mut scores: Vec<FileScore> = Vec::new();
    let mut without_gold = Vec::new();
    let mut used = match gold {
        Gold::Records(g) => vec![false; g.records.len()],
        Gold::Dir(_) => Vec::new(),
    };
    let mut first_error: Option<anyhow::Error> = None;
    pipeline::run(
        inputs,
        cleaner,
        quiet(jobs),
        |item| match item {
            Item::Cleaned(c) => {
                let name = gold.name(&c);
                match gold.text(&c, &real_names) {
                    Ok(Some((g, i))) => {
                        let skip = ignore.get(&name).map_or(&[][..], Vec::as_slice);
                        Scored::Score(eval::score(rules, &name, &c.text, &c.edits, &g, skip), i)
                    }
                    Ok(None) => Scored::NoGold(name),
                    Err(e) => Scored::Error(e),
                }
            }
            Item::Skipped { .. } => Scored::Skipped,
            Item::Malformed { rel, line, error, .. } => Scored::Malformed(format!("{rel}:{line}: {error}")),
            Item::Failed { error, .. } => Scored::Error(anyhow!(error)),
        },
        |r, _| {
            match r {
                Scored::Score(s, i) => {
                    if let Some(i) = i {
                        used[i] = true;
                    }
                    scores.push(s);
                }
                Scored::NoGold(name) => without_gold.push(name),
                Scored::Skipped => {}
                Scored::Malformed(msg) => writeln!(err, "descrape: {msg} (skipped)")?,
                Scored::Error(e) => {
                    first_error.get_or_insert(e);
                }
            }
            Ok(())
        },
    )?;
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut evaluation = eval::summarize(rules, scores, without_gold, worst);
    evaluation.records = records;
    if let Gold::Records(g) = gold {
        evaluation.gold_without_input =
            g.records.iter().zip(&used).filter(|(_, u)| !**u).map(|((id, _), _)| id.clone()).collect();
    }
    Ok(evaluation)
}

/// What changing the rules changes for one rule: words it newly removes
/// (a rule of the new set) or no longer removes (a rule of the old set).
#[derive(Debug, Clone, Serialize)]
pub struct RuleImpact {
    pub rule: String,
    pub newly_removed: u64,
    pub newly_kept: u64,
    pub examples: Vec<crate::report::Sample>,
}

/// The impact report of `diff --against`.
#[derive(Debug, Serialize)]
pub struct Impact {
    pub documents: u64,
    pub documents_changed: u64,
    pub words_newly_removed: u64,
    pub words_newly_kept: u64,
    pub rules: Vec<RuleImpact>,
    /// Inputs that could not be read.
    pub failed: u64,
}

impl Report for Impact {
    fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!(
            "{} of {} documents change: {} words newly removed, {} words newly kept\n",
            self.documents_changed, self.documents, self.words_newly_removed, self.words_newly_kept
        );
        let width = self.rules.iter().map(|r| r.rule.len()).max().unwrap_or(4).max(4);
        if !self.rules.is_empty() {
            let _ = writeln!(s, "\n{:<width$}  {:>8}  {:>8}", "rule", "removed", "kept");
        }
        for r in &self.rules {
            let _ = writeln!(s, "{:<width$}  {:>8}  {:>8}", r.rule, r.newly_removed, r.newly_kept);
            for e in &r.examples {
                let _ = writeln!(s, "    {}:{}  {}", e.file, e.line, e.text);
            }
        }
        s
    }
}

/// Run `old` and `new` over the same documents and report what differs.
pub fn impact(
    new: Cleaner,
    old: Cleaner,
    reading: &Reading,
    examples: usize,
    err: &mut impl Write,
) -> Result<Impact> {
    struct Diffs {
        changed: bool,
        /// (rule set is new, rule, line, words)
        runs: Vec<(bool, usize, usize, String)>,
    }
    let mut per: BTreeMap<(bool, usize), RuleImpact> = BTreeMap::new();
    let mut report = Impact {
        documents: 0,
        documents_changed: 0,
        words_newly_removed: 0,
        words_newly_kept: 0,
        rules: Vec::new(),
        failed: 0,
    };
    let mut files = FileCounts::default();
    pipeline::run(
        reading.inputs(None)?,
        new,
        quiet(reading.jobs),
        |item| {
            let diffs = match &item {
                Item::Cleaned(c) => {
                    let old_edits = input::reclean(old, c);
                    let lines = crate::text::lines(&c.text);
                    let mut runs: Vec<(bool, usize, usize, String)> = Vec::new();
                    let a = crate::text::word_owners(&c.text, &c.edits);
                    let b = crate::text::word_owners(&c.text, &old_edits);
                    for ((at, w, by_new), (_, _, by_old)) in a.into_iter().zip(b) {
                        let change = match (by_new, by_old) {
                            (Some(r), None) => Some((true, r)),
                            (None, Some(r)) => Some((false, r)),
                            _ => None,
                        };
                        if let Some((is_new, r)) = change {
                            let line = crate::text::line_span(&lines, &(at..at + 1)).0;
                            match runs.last_mut() {
                                Some(x) if x.0 == is_new && x.1 == r && x.2 == line => {
                                    x.3.push(' ');
                                    x.3.push_str(w);
                                }
                                _ => runs.push((is_new, r, line, w.to_string())),
                            }
                        }
                    }
                    let changed =
                        crate::text::apply(&c.text, &c.edits) != crate::text::apply(&c.text, &old_edits);
                    Some(Diffs { changed, runs })
                }
                _ => None,
            };
            (item, diffs)
        },
        |(item, diffs), _| {
            if let (Item::Cleaned(c), Some(d)) = (&item, diffs) {
                report.documents += 1;
                report.documents_changed += u64::from(d.changed);
                for (is_new, r, line, words) in d.runs {
                    let set = if is_new { new.rules } else { old.rules };
                    let entry = per.entry((is_new, r)).or_insert_with(|| RuleImpact {
                        rule: set.rules()[r].id.clone(),
                        newly_removed: 0,
                        newly_kept: 0,
                        examples: Vec::new(),
                    });
                    let n = words.split_whitespace().count() as u64;
                    if is_new {
                        entry.newly_removed += n;
                        report.words_newly_removed += n;
                    } else {
                        entry.newly_kept += n;
                        report.words_newly_kept += n;
                    }
                    if entry.examples.len() < examples {
                        let text = format!(
                            "{} {}",
                            if is_new { "removed:" } else { "kept:" },
                            crate::report::shorten(&words, 100)
                        );
                        entry.examples.push(crate::report::Sample { file: c.name(), line, text });
                    }
                }
            }
            Ok(count_other(&mut files, &item, err)?)
        },
    )?;
    let mut rules: Vec<RuleImpact> = per.into_values().collect();
    rules.sort_by(|a, b| {
        (b.newly_removed + b.newly_kept).cmp(&(a.newly_removed + a.newly_kept)).then(a.rule.cmp(&b.rule))
    });
    report.rules = rules;
    report.failed = files.failed;
    Ok(report)
}
