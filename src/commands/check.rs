//! `descrape check`: load the rules and say whether they are valid, with
//! every diagnostic at its FILE:LINE:COL, and warn of valid rules whose
//! patterns slow every run. Reads no input.
//!
//! As text, the verdict goes to stdout and the errors and warnings to
//! stderr; with `--json`, all are one document on stdout.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{print, Outcome};
use crate::cli::CheckArgs;
use crate::report::Report;
use crate::rules::{LintSubject, RulesError};

/// What `check` found.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    /// Rules loaded and the files they came from (when `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<usize>,
    pub errors: Vec<CheckError>,
    /// Valid rules whose patterns slow the trigger sets (`RuleSet::lints`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<CheckWarning>,
}

/// A note on a valid rule, at the line where the rule starts.
#[derive(Debug, Serialize)]
pub struct CheckWarning {
    pub file: String,
    pub line: usize,
    /// The rule or the fragment the warning is on; none for a file that holds no rules.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub subject: Option<LintSubject>,
    pub message: String,
}

/// One diagnostic, at its place in a rules file.
#[derive(Debug, Serialize)]
pub struct CheckError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: Option<String>,
    pub message: String,
    /// The diagnostic with its source line and a caret, as text shows it.
    #[serde(skip)]
    pub shown: String,
}

impl Report for CheckReport {
    fn render(&self) -> String {
        if let (Some(rules), Some(files)) = (self.rules, self.files) {
            let plural =
                |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
            return format!("{} in {}: ok\n", plural(rules, "rule"), plural(files, "file"));
        }
        let mut s: String = self.errors.iter().map(|e| format!("{}\n", e.shown)).collect();
        let n = self.errors.len();
        s.push_str(&format!("{n} error{}\n", if n == 1 { "" } else { "s" }));
        s
    }
}

pub fn run(args: CheckArgs, out: &mut impl Write) -> Result<Outcome> {
    let json = args.json;
    let selected = args.selected();
    let report = match super::load_rules_and_empty_files(&selected) {
        Ok((rules, empty)) => {
            // Files of rules, files named that hold fragments only (the
            // default fragments come with any rules), and those that hold
            // neither.
            let named: BTreeSet<&str> = selected.rules.iter().filter_map(|p| p.to_str()).collect();
            let files: BTreeSet<&str> = rules
                .rules()
                .iter()
                .map(|r| r.origin.file.as_str())
                .chain(rules.fragments().iter().map(|f| f.origin.file.as_str()).filter(|f| named.contains(f)))
                .collect();
            let empty_files = empty.iter().map(|path| CheckWarning {
                file: path.display().to_string(),
                line: 1,
                subject: None,
                message: "the file holds no rules".to_string(),
            });
            let lints = rules.lints().into_iter().map(|l| CheckWarning {
                file: l.origin.file,
                line: l.origin.line,
                subject: Some(l.subject),
                message: l.message,
            });
            CheckReport {
                ok: true,
                rules: Some(rules.len()),
                files: Some(files.len() + empty.len()),
                errors: Vec::new(),
                warnings: empty_files.chain(lints).collect(),
            }
        }
        Err(RulesError { diagnostics }) => CheckReport {
            ok: false,
            rules: None,
            files: None,
            errors: diagnostics
                .iter()
                .map(|d| CheckError {
                    file: d.file.clone(),
                    line: d.line,
                    column: d.column,
                    rule: d.rule.clone(),
                    message: d.message.clone(),
                    shown: d.render_with_source(),
                })
                .collect(),
            warnings: Vec::new(),
        },
    };
    if !json {
        // Beside the verdict, not in it: the rules are valid.
        for w in &report.warnings {
            match &w.subject {
                Some(subject) => {
                    eprintln!("descrape: warning: {}:{}: {subject}: {}", w.file, w.line, w.message)
                }
                None => super::warn_empty_rules_file(&w.file),
            }
        }
    }
    if json || report.ok {
        print(&report, json, out)?;
    } else {
        print(&report, false, &mut std::io::stderr())?;
    }
    Ok(if report.ok { Outcome::Success } else { Outcome::InvalidRules })
}
