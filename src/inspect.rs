//! The read-only commands over inputs: `diff`, `stats` and `eval`. They run
//! the same walk, decoding and engine as `clean` and write no file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::Serialize;

use crate::batch::{self, Format, InputType, Inputs, Item, Settings};
use crate::changelog;
use crate::decode::{self, Decoded};
use crate::diff::{self, Style};
use crate::eval::{self, Evaluation, FileScore};
use crate::jsonl::Fields;
use crate::report::{FileCounts, RuleTotals, Totals};
use crate::rules::RuleSet;
use crate::walk;

fn quiet(jobs: usize) -> Settings {
    Settings { jobs, progress: false }
}

/// Where documents are read from: files and directories, or `-` for stdin.
#[derive(Debug, Clone)]
pub struct Reading {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub fields: Fields,
    pub input_type: InputType,
    pub jobs: usize,
}

impl Reading {
    fn inputs(&self) -> Result<Inputs> {
        let stdin = self.paths.iter().any(|p| p == Path::new("-"));
        if stdin && self.paths.len() > 1 {
            bail!("`-` (standard input) cannot be mixed with other inputs");
        }
        let found = if stdin { Vec::new() } else { walk::discover(&self.paths, None)? };
        Ok(Inputs {
            found,
            stdin,
            format: self.format,
            fields: self.fields.clone(),
            input_type: self.input_type,
        })
    }
}

/// Count an item that is not a cleaned document; true when it failed.
fn count_other(files: &mut FileCounts, item: &Item, err: &mut impl Write) -> std::io::Result<()> {
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

/// Print labelled diffs of every changed file; `only`, when not empty,
/// limits the shown removals to those rules. Returns whether anything
/// would change and how many files failed.
pub fn diff(
    rules: &RuleSet,
    reading: &Reading,
    only: &[String],
    style: Style,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(bool, u64)> {
    for id in only {
        if rules.get(id).is_none() {
            bail!("no rule with id `{id}` (see `descrape rules`)");
        }
    }
    let keep: Vec<bool> = rules.rules().iter().map(|r| only.is_empty() || only.contains(&r.id)).collect();
    let mut changed = false;
    let mut files = FileCounts::default();
    batch::run(
        reading.inputs()?,
        rules,
        quiet(reading.jobs),
        |item| {
            let text = match &item {
                Item::Cleaned(c) => {
                    let edits: Vec<_> = c.edits.iter().filter(|e| keep[e.rule]).cloned().collect();
                    diff::render(rules, &c.name(), &c.text, &edits, style)
                }
                _ => String::new(),
            };
            (item, text)
        },
        |(item, text), _| {
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

impl Stats {
    pub fn render(&self) -> String {
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
pub fn stats(rules: &RuleSet, reading: &Reading, err: &mut impl Write) -> Result<Stats> {
    let mut totals = Totals::new(rules);
    totals.files.records = reading.format == Format::Jsonl;
    batch::run(
        reading.inputs()?,
        rules,
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

/// Clean `input` in memory and score it against `gold`, file by file.
pub fn eval(
    rules: &RuleSet,
    input: &Path,
    gold: &Path,
    input_type: InputType,
    worst: usize,
    jobs: usize,
) -> Result<Evaluation> {
    if !input.is_dir() || !gold.is_dir() {
        bail!("eval needs two directories: `{}` and `{}`", input.display(), gold.display());
    }
    enum Scored {
        Score(FileScore),
        NoGold(String),
        Skipped,
        Error(anyhow::Error),
    }
    let found = walk::discover(&[input.to_path_buf()], None)?;
    let inputs = Inputs { found, stdin: false, format: Format::Text, fields: Fields::default(), input_type };
    let mut scores: Vec<FileScore> = Vec::new();
    let mut without_gold = Vec::new();
    let mut first_error: Option<anyhow::Error> = None;
    batch::run(
        inputs,
        rules,
        quiet(jobs),
        |item| match item {
            Item::Cleaned(c) => match read_gold(&gold.join(c.text_rel())) {
                Ok(Some(g)) => Scored::Score(eval::score(rules, &c.rel, &c.text, &c.edits, &g)),
                Ok(None) => Scored::NoGold(c.rel),
                Err(e) => Scored::Error(e),
            },
            Item::Skipped { .. } | Item::Malformed { .. } => Scored::Skipped,
            Item::Failed { error, .. } => Scored::Error(anyhow::anyhow!(error)),
        },
        |r, _| {
            match r {
                Scored::Score(s) => scores.push(s),
                Scored::NoGold(rel) => without_gold.push(rel),
                Scored::Skipped => {}
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
    Ok(eval::summarize(rules, scores, without_gold, worst))
}
