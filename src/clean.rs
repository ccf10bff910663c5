//! `descrape clean`: clean a scrape tree into OUT, write the change log and
//! the run summary.
//!
//! Each output is written atomically under OUT at its input's relative path;
//! a file with nothing to remove is written with its own bytes. A file that
//! cannot be read or written is reported and the batch goes on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::batch::{self, Item, Settings};
use crate::changelog::{self, Record};
use crate::output::{self, AtomicWriter};
use crate::report::{Summary, Totals};
use crate::rules::RuleSet;
use crate::walk;

/// Where the change log goes when `--changes` is not given, under OUT.
pub const DEFAULT_CHANGES: &str = ".descrape/changes.jsonl";

#[derive(Debug, Clone)]
pub struct CleanOptions {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub changes: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub settings: Settings,
    /// No summary on stderr (errors are still printed).
    pub quiet: bool,
}

/// What became of one file, from a worker to the ordered writer.
struct Done {
    records: Vec<Record>,
    size: u64,
    status: Status,
}

enum Status {
    Changed,
    Unchanged,
    Skipped,
    Failed(String),
}

pub fn run(rules: &RuleSet, opts: &CleanOptions) -> Result<Summary> {
    let started = Instant::now();
    let found = walk::discover(&opts.inputs, Some(&opts.out))?;
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create output directory `{}`", opts.out.display()))?;
    let changes_path = opts.changes.clone().unwrap_or_else(|| opts.out.join(DEFAULT_CHANGES));
    let mut log = AtomicWriter::create(&changes_path)
        .with_context(|| format!("cannot create change log `{}`", changes_path.display()))?;
    let mut totals = Totals::new(rules);
    let mut log_error: Option<std::io::Error> = None;

    batch::run(
        found,
        rules,
        opts.settings,
        |item| finish_item(rules, &opts.out, item),
        |done, bar| {
            totals.bytes_read += done.size;
            match &done.status {
                Status::Changed => totals.files.changed += 1,
                Status::Unchanged => totals.files.unchanged += 1,
                Status::Skipped => totals.files.skipped += 1,
                Status::Failed(msg) => {
                    totals.files.failed += 1;
                    bar.suspend(|| eprintln!("descrape: {msg}"));
                }
            }
            if !matches!(done.status, Status::Skipped) {
                totals.files.read += 1;
            }
            totals.add_records(&done.records);
            if log_error.is_none() {
                if let Err(e) = changelog::write_records(&mut log, &done.records) {
                    log_error = Some(e);
                }
            }
        },
    )?;
    if let Some(e) = log_error {
        return Err(e).with_context(|| format!("cannot write change log `{}`", changes_path.display()));
    }
    log.commit().with_context(|| format!("cannot write change log `{}`", changes_path.display()))?;
    let summary = totals.summary(started.elapsed());
    if let Some(path) = &opts.report {
        let mut w = AtomicWriter::create(path)
            .with_context(|| format!("cannot create report `{}`", path.display()))?;
        serde_json::to_writer_pretty(&mut w, &summary)?;
        w.write_all(b"\n")?;
        w.commit().with_context(|| format!("cannot write report `{}`", path.display()))?;
    }
    if !opts.quiet {
        eprint!("{}", summary.render());
    }
    Ok(summary)
}

/// Write one item's output and turn it into log records; runs on a worker.
fn finish_item(rules: &RuleSet, out: &Path, item: Item) -> Done {
    match item {
        Item::Cleaned(c) => {
            let size = c.text.len() as u64;
            let target = out.join(&c.rel);
            let written = if c.edits.is_empty() && c.source.is_plain_utf8() {
                output::write_atomic(&target, c.text.as_bytes(), None)
            } else {
                output::write_atomic(&target, c.output().as_bytes(), None)
            };
            if let Err(e) = written {
                let error = format!("cannot write `{}`: {e}", target.display());
                return Done {
                    records: vec![Record::Failed { file: c.rel, error: error.clone() }],
                    size,
                    status: Status::Failed(error),
                };
            }
            let mut records: Vec<Record> = changelog::decoded_record(&c.rel, &c.source).into_iter().collect();
            records.extend(changelog::edit_records(rules, &c.rel, &c.text, &c.edits));
            let status = if c.edits.is_empty() { Status::Unchanged } else { Status::Changed };
            Done { records, size, status }
        }
        Item::Skipped { rel, reason } => {
            Done { records: vec![Record::Skipped { file: rel, reason }], size: 0, status: Status::Skipped }
        }
        Item::Failed { rel, error } => Done {
            records: vec![Record::Failed { file: rel, error: error.clone() }],
            size: 0,
            status: Status::Failed(error),
        },
    }
}
