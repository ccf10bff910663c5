//! The subcommands, one file each: every command takes its arguments as
//! parsed, runs the library, writes its report to the writer it is given
//! and returns an [`Outcome`]; `exit_codes.rs` turns the outcome into the
//! process's exit code.
//!
//! Commands print their reports and notices; they do not parse arguments
//! (`cli.rs`) and do not choose exit codes.

pub mod check;
pub mod clean;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod features;
pub mod rules;
pub mod stats;
pub mod suggest;
pub mod test;

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::cli::CountArgs;
use crate::input::Reading;
use crate::repeat::Counts;
use crate::report::Report;
use crate::rules::RuleSet;

/// How a command ended, as far as the exit code cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done, nothing to flag.
    Success,
    /// `diff` would change something; `test` has failing examples.
    Differences,
    /// Some inputs could not be read or cleaned; the rest were.
    InputsFailed,
    /// `diff`: an input could not be read, so the comparison is incomplete.
    Incomplete,
    /// `check`: the rules do not load.
    InvalidRules,
    /// Stopped by Ctrl-C or SIGTERM between documents.
    Interrupted,
}

/// Write `report` as pretty JSON (with `json`) or as its text rendering.
pub fn print(report: &impl Report, json: bool, out: &mut impl Write) -> Result<()> {
    if json {
        print_json(report, out)?;
    } else {
        write!(out, "{}", report.render())?;
    }
    Ok(())
}

/// Write `value` as one pretty JSON document and a line end.
pub fn print_json(value: &impl Serialize, out: &mut impl Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// One report of a stream of them (`diff`'s, one per document): a line of
/// JSON Lines (with `json`) or its text rendering. Made on the workers, so
/// it is returned rather than written.
pub fn line(report: &impl Report, json: bool) -> Result<String> {
    if json {
        let mut s = serde_json::to_string(report)?;
        s.push('\n');
        Ok(s)
    } else {
        Ok(report.render())
    }
}

/// Counts for `repeated` rules: from `--counts`, or a first pass over the
/// inputs (`walked`, when the caller already checked them). A note on where
/// repetition is off goes to stderr unless `quiet`.
pub fn prepare_counts(
    rules: &RuleSet,
    args: &CountArgs,
    reading: &Reading,
    walked: Option<crate::input::Inputs>,
    quiet: bool,
) -> Result<Option<Counts>> {
    let (counts, note) = crate::suggest::prepare(
        rules,
        args.counts.as_deref(),
        reading.read_once(),
        || match walked {
            Some(inputs) => Ok(inputs),
            None => reading.inputs(None),
        },
        args.group_by.clone().map(Into::into),
        reading.jobs,
    )?;
    if let (Some(note), false) = (note, quiet) {
        eprintln!("descrape: {note}");
    }
    Ok(counts)
}

/// The rule set a command runs with: defaults unless disabled, plus
/// `--rules`. A rules file that holds no rule and no fragment is loaded,
/// with a warning: it is more often a mistake than meant.
pub fn load_rules(args: &crate::cli::RulesArgs) -> Result<RuleSet, crate::rules::RulesError> {
    let (rules, empty) = load_rules_and_empty_files(args)?;
    for path in empty {
        warn_empty_rules_file(path.display());
    }
    Ok(rules)
}

/// The warning for a rules file named that holds no rule and no fragment.
pub fn warn_empty_rules_file(file: impl std::fmt::Display) {
    eprintln!("descrape: warning: rules file `{file}` holds no rules");
}

/// The rule set, and the rules files named that hold no rule and no fragment.
pub fn load_rules_and_empty_files(
    args: &crate::cli::RulesArgs,
) -> Result<(RuleSet, Vec<&std::path::Path>), crate::rules::RulesError> {
    let rules = crate::rules::load_paths(&args.rules, !args.no_default_rules)?;
    // By the file, not its name: a file named twice (`x.yaml`,
    // `./x.yaml`) is loaded once, under the first name.
    let real = |p: &std::path::Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let origins: std::collections::HashSet<&str> = match args.rules.is_empty() {
        true => Default::default(),
        false => rules
            .rules()
            .iter()
            .map(|r| &*r.origin.file)
            .chain(rules.fragments().iter().map(|f| &*f.origin.file))
            .collect(),
    };
    let defining: std::collections::HashSet<_> =
        origins.into_iter().map(|f| real(std::path::Path::new(f))).collect();
    let mut seen = std::collections::HashSet::new();
    let empty = args.rules.iter().filter(|p| {
        let file = real(p);
        p.is_file() && !defining.contains(&file) && seen.insert(file)
    });
    Ok((rules, empty.map(|p| p.as_path()).collect()))
}
