//! `descrape clean`: clean text files or JSON Lines records into a tree of
//! text files or a JSON Lines stream, write the change log and the summary.
//!
//! Text outputs are written atomically by the workers under OUT at their
//! input's relative path; a file with nothing to remove is written with its
//! own bytes. JSON Lines output is one stream (a file, written atomically,
//! or stdout), written in input order, or, for a directory (or several
//! files) of JSON Lines shards cleaned into `-o DIR`, one output shard per
//! input shard at its relative path, each written atomically by the worker
//! that cleans it; the one change log names the shard in each record. A document that cannot be read or
//! written is reported and the run goes on; with `--strict` a malformed
//! JSON Lines line stops it.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::changelog::{self, Record};
use crate::document::{Cleaned, Format, Item};
use crate::engine::Cleaner;
use crate::format;
use crate::input::{Inputs, Reading};
use crate::interrupt;
use crate::jsonl::{self, Compression, Sink};
use crate::output;
use crate::pipeline::{self, Feed, Progress, Settings};
use crate::report::{Summary, Totals};
use crate::rules::RuleSet;
use crate::text;
use crate::walk;

/// Where the change log goes when `--changes` is not given, under OUT
/// (text output and shards).
pub const DEFAULT_CHANGES: &str = ".descrape/changes.jsonl";

#[derive(Debug, Clone)]
pub struct CleanOptions {
    /// What to read, as `diff`, `stats` and `eval` read it.
    pub reading: Reading,
    /// Output directory (text) or file (JSON Lines); `-` or none for stdout.
    pub out: Option<PathBuf>,
    /// `None`: told by the output's name and the input format.
    pub output_format: Option<Format>,
    /// Output shards' compression; `None`: each input shard's own.
    pub compression: Option<Compression>,
    /// Add a `descrape` field with what was removed to JSON Lines output.
    pub annotate: bool,
    /// Stop at the first malformed JSON Lines line.
    pub strict: bool,
    /// Drop documents left with fewer words from JSON Lines output.
    pub min_words: Option<usize>,
    pub changes: Option<PathBuf>,
    pub report: Option<PathBuf>,
    /// Show a progress bar.
    pub progress: bool,
    /// The inputs, when the caller already checked them (for a counting
    /// pass). The run walks their directories again: files that came or
    /// went between the passes are cleaned, or not, as the run finds them.
    pub walked: Option<Inputs>,
    /// When the run began, if before [`run`] (a counting pass): the
    /// summary's time and rates are the whole run's.
    pub started: Option<Instant>,
}

impl CleanOptions {
    /// The output format, once resolved (text before).
    fn output(&self) -> Format {
        self.output_format.unwrap_or(Format::Text)
    }

    fn settings(&self) -> Settings {
        Settings { jobs: self.reading.jobs, progress: self.progress }
    }
}

/// Where cleaned documents go.
enum Target {
    /// A directory of text files.
    Tree(PathBuf),
    /// One JSON Lines stream.
    Stream(Sink),
    /// A directory of JSON Lines shards, one per input shard.
    Shards(PathBuf),
}

/// What became of one document, from a worker to the ordered writer.
struct Done {
    records: Vec<Record>,
    size: u64,
    status: Status,
    /// A serialized JSON Lines record, or a text file still to write (JSONL input).
    write: Option<Pending>,
    /// The text file the worker wrote, by its path under OUT.
    written: Option<String>,
}

enum Pending {
    Line(Vec<u8>),
    /// A JSON Lines record's text, named `name`; `doc` names the record in
    /// messages; `line` is its line, which tells it from a record before it
    /// whose id is the same once made file-safe.
    File {
        doc: String,
        name: String,
        line: usize,
        text: String,
    },
}

enum Status {
    Changed,
    Unchanged,
    Skipped,
    Dropped,
    Malformed(String),
    Failed(String),
}

/// Whether the run writes shards: JSON Lines files from a directory or a
/// list cleaned into `-o DIR` (not named like a JSON Lines file), unless
/// `--output-format text` asks for a text file per record.
fn writes_shards(opts: &CleanOptions, stdin: bool, input: Format) -> bool {
    let several = opts.reading.paths.len() > 1 || opts.reading.paths.first().is_some_and(|p| p.is_dir());
    let dir_out = opts
        .out
        .as_deref()
        .filter(|p| *p != Path::new("-"))
        .is_some_and(|p| !format::is_jsonl_name(&p.file_name().unwrap_or_default().to_string_lossy()));
    !stdin && input == Format::Jsonl && several && dir_out && opts.output_format != Some(Format::Text)
}

const NO_OUTPUT: &str = "an output is needed: -o OUT (a directory, or a file for --output-format jsonl)";

/// Refuses a run without `-o` before the inputs are listed, which can
/// take seconds on a large tree. Only standard input has a default output.
fn require_output(opts: &CleanOptions) -> Result<()> {
    if opts.out.is_none() && !opts.reading.is_stdin() {
        bail!(NO_OUTPUT);
    }
    Ok(())
}

fn resolve_target(opts: &CleanOptions, stdin: bool) -> Result<Target> {
    let out = match &opts.out {
        Some(p) => p.clone(),
        None if stdin => PathBuf::from("-"),
        None => bail!(NO_OUTPUT),
    };
    match opts.output() {
        Format::Jsonl => Ok(Target::Stream(
            Sink::create(&out).with_context(|| format!("cannot create `{}`", out.display()))?,
        )),
        // One document's text into a stream: standard output, a device or
        // a pipe (`-o /dev/stdout | …`), where no directory can be made.
        Format::Text if out == Path::new("-") || output::in_place(&out) => {
            // A file, or a pipe (`<(…)`): one document either way.
            let one_file = opts.reading.paths.len() == 1 && !opts.reading.paths[0].is_dir();
            if !((stdin || one_file) && opts.reading.format == Some(Format::Text)) {
                let into = match out == Path::new("-") {
                    true => "standard output".to_string(),
                    false => format!("`{}`", out.display()),
                };
                bail!(
                    "text output into {into} takes one document (a text file or standard input); \
                     give -o DIR for a tree of text files, or --output-format jsonl"
                );
            }
            Ok(Target::Stream(
                Sink::create(&out).with_context(|| format!("cannot write `{}`", out.display()))?,
            ))
        }
        Format::Text => {
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create output directory `{}`", out.display()))?;
            Ok(Target::Tree(out))
        }
    }
}

/// Clean every input. Each document that fails or is skipped as malformed
/// is handed to `notice` as it happens, as a message without the program
/// name; the summary is returned, never printed here.
pub fn run(cleaner: Cleaner, mut opts: CleanOptions, mut notice: impl FnMut(&str)) -> Result<Summary> {
    let rules = cleaner.rules;
    let started = opts.started.unwrap_or_else(Instant::now);
    let stdin = opts.reading.is_stdin();
    require_output(&opts)?;
    let out_path = opts.out.clone().filter(|p| p != Path::new("-"));
    // Before anything is created: a new OUT holds nothing left from before.
    let out_existed = out_path.as_deref().is_some_and(Path::is_dir);
    let inputs = match opts.walked.take() {
        Some(inputs) => inputs,
        None => opts.reading.inputs(out_path.as_deref())?,
    };
    let shards = writes_shards(&opts, stdin, inputs.format);
    let output_format = match opts.output_format {
        Some(f) => f,
        None if shards => Format::Jsonl,
        None => format::of_output(opts.out.as_deref(), inputs.format)?,
    };
    if opts.compression.is_some() && !shards {
        bail!(
            "--compression is for shards (a directory or several JSON Lines files cleaned into -o DIR); \
             elsewhere the output's name says how it is compressed"
        );
    }
    opts.reading.format = Some(inputs.format);
    opts.output_format = Some(output_format);
    let opts = &opts;
    if opts.min_words.is_some() && output_format != Format::Jsonl {
        bail!("--min-words drops documents from JSON Lines output: use it with --output-format jsonl");
    }
    check_side_files(opts, out_path.as_deref(), &inputs.walk)?;
    if let (true, Some(c)) = (shards, opts.compression) {
        refuse_shard_collisions(&inputs.walk, c)?;
    }
    if inputs.format == Format::Jsonl && !stdin && output_format == Format::Text {
        refuse_stem_collisions(&inputs.walk)?;
    }
    let mut target = match (shards, &out_path) {
        (true, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create output directory `{}`", dir.display()))?;
            Target::Shards(dir.clone())
        }
        _ => resolve_target(opts, stdin)?,
    };
    if let Target::Tree(dir) | Target::Shards(dir) = &target {
        output::remove_stale_temporaries(dir)
            .with_context(|| format!("cannot remove old temporary files in `{}`", dir.display()))?;
    }
    let changes_path = match (&opts.changes, &target) {
        (Some(p), _) => Some(p.clone()),
        (None, Target::Tree(dir) | Target::Shards(dir)) => Some(dir.join(DEFAULT_CHANGES)),
        (None, Target::Stream(_)) => None,
    };
    let mut log = match &changes_path {
        Some(p) => {
            // The default log is made like the outputs beside it, through no
            // link below the output directory: a linked `.descrape` could
            // lead into the inputs.
            // Compressed as its name says (`changes.jsonl.gz`), and `-`
            // is standard output, as for the JSON Lines output.
            let made = match (&opts.changes, &target) {
                (None, Target::Tree(dir) | Target::Shards(dir)) => Sink::create_in(dir, DEFAULT_CHANGES),
                _ => Sink::create(p),
            };
            Some(made.with_context(|| format!("cannot create change log `{}`", p.display()))?)
        }
        None => None,
    };
    let mut totals = Totals::new(rules);
    totals.files.records = inputs.format == Format::Jsonl;
    let tree = match &target {
        Target::Tree(dir) => Some(dir.clone()),
        Target::Stream(_) | Target::Shards(_) => None,
    };
    // Whether OUT mirrors directory inputs and existed, so that files this
    // run did not write may be left from an earlier one.
    let mirror = out_existed && tree.is_some() && opts.reading.paths.iter().all(|p| p.is_dir());
    // Files written under OUT: text files named after JSONL records, to
    // refuse a second with the same name, and with `mirror` every file.
    // The only record a tree run keeps per file, and only when OUT existed.
    let mut names: HashSet<String> = HashSet::new();

    let shard_dir = match &target {
        Target::Shards(dir) => Some(dir.clone()),
        _ => None,
    };
    // Asked only of pages in a tree run: whether their `.txt` name is an input's.
    let walk = inputs.walk.clone();
    let map = |item| finish_item(rules, opts, tree.as_deref(), &walk, item);
    let sink = |mut done: Done, bar: &Progress| {
        if let (true, Some(rel)) = (mirror, done.written.take()) {
            names.insert(rel);
        }
        if let Some(pending) = done.write.take() {
            let doc = match &pending {
                Pending::File { doc, .. } => doc.clone(),
                Pending::Line(_) => String::new(),
            };
            match write_pending(&mut target, &mut names, pending) {
                Ok(()) => {}
                // A broken output stream ends the run: nothing after it could land.
                Err(WriteError::Stream(e)) => bail!("{e}"),
                Err(WriteError::File(e)) => {
                    done.records = vec![Record::Failed { file: doc, error: e.clone() }];
                    done.status = Status::Failed(e);
                }
            }
        }
        totals.bytes_read += done.size;
        match &done.status {
            Status::Changed => totals.files.changed += 1,
            Status::Unchanged => totals.files.unchanged += 1,
            Status::Skipped => totals.files.skipped += 1,
            Status::Dropped => totals.files.dropped += 1,
            Status::Malformed(msg) => {
                totals.files.malformed += 1;
                if opts.strict {
                    bail!("{msg}");
                }
                bar.suspend(|| notice(&format!("{msg} (skipped)")));
            }
            Status::Failed(msg) => {
                totals.files.failed += 1;
                bar.suspend(|| notice(msg));
            }
        }
        if !matches!(done.status, Status::Skipped | Status::Malformed(_)) {
            totals.files.read += 1;
        }
        totals.add_records(&done.records);
        if let Some(log) = &mut log {
            changelog::write_records(log, &done.records).context("cannot write the change log")?;
        }
        Ok(())
    };
    let ran = match &shard_dir {
        Some(dir) => {
            let shard = |s: &walk::SourceFile, feed: Feed<Done>| write_shard(opts, dir, s, feed);
            pipeline::run_shards(inputs, cleaner, opts.settings(), map, shard, sink)
        }
        None => pipeline::run(inputs, cleaner, opts.settings(), map, sink),
    };
    if let Err(e) = ran {
        // A run stopped by `--strict` keeps the files and shards it wrote,
        // each in place once whole: its log lists them. A stream's output
        // is not committed, nor its log.
        if let (Target::Tree(_) | Target::Shards(_), Some(log)) = (&target, log) {
            let _ = log.finish();
        }
        return Err(e);
    }
    if let Target::Stream(sink) = target {
        sink.finish().context("cannot write the output")?;
    }
    if let (Some(log), Some(path)) = (log, &changes_path) {
        log.finish().with_context(|| format!("cannot write change log `{}`", path.display()))?;
    }
    let mut summary = totals.summary(started.elapsed());
    summary.interrupted = interrupt::requested();
    if let (true, false, Some(dir)) = (mirror, summary.interrupted, &tree) {
        let side: Vec<&Path> =
            [&changes_path, &opts.report].into_iter().flatten().map(PathBuf::as_path).collect();
        summary.left_behind = Some(left_behind(dir, &names, &side)?);
    }
    if let Some(path) = &opts.report {
        let mut w =
            Sink::create(path).with_context(|| format!("cannot create report `{}`", path.display()))?;
        serde_json::to_writer_pretty(&mut w, &summary)?;
        w.write_all(b"\n")?;
        w.finish().with_context(|| format!("cannot write report `{}`", path.display()))?;
    }
    Ok(summary)
}

/// Files under `dir` that are not in `written`, in walk order: outputs an
/// earlier run left that this one did not write. Hidden entries (the
/// change log's `.descrape/`, `.git`) are never outputs, and `side` files
/// (this run's change log and report) are not left behind.
fn left_behind(dir: &Path, written: &HashSet<String>, side: &[&Path]) -> Result<Vec<String>> {
    let root = walk::absolute(dir)?;
    let mut side_rels = HashSet::new();
    for p in side {
        if let Ok(rel) = walk::absolute(p)?.strip_prefix(&root) {
            side_rels.insert(rel.to_path_buf());
        }
    }
    let mut left = Vec::new();
    let entries = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    // An entry that cannot be read is not worth failing a finished run for.
    for e in entries.filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
        let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        if !written.contains(&name) && !side_rels.contains(rel) {
            left.push(name);
        }
    }
    Ok(left)
}

/// Two JSON Lines files whose records would go under one directory of a
/// text tree (`a.jsonl` and `a.ndjson` both under `a/`) are refused before
/// anything is written.
fn refuse_stem_collisions(walk: &walk::Walk) -> Result<()> {
    let stem = |rel: &str| format!("{}/", crate::format::jsonl_stem(rel));
    refuse_collisions(walk, stem, "", "would both be written as text under")
}

/// Two input shards whose output names are the same once recompressed
/// (`a.jsonl` and `a.jsonl.gz` with `--compression none`) are refused
/// before anything is written.
fn refuse_shard_collisions(walk: &walk::Walk, to: Compression) -> Result<()> {
    refuse_collisions(walk, |rel| jsonl::recompressed_name(rel, to), "shards ", "would both be written as")
}

/// Refuse two files of the walk whose outputs `name` says are one:
/// "WHAT`a` and `b` SAYS `name`".
fn refuse_collisions(walk: &walk::Walk, name: impl Fn(&str) -> String, what: &str, says: &str) -> Result<()> {
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for f in walk {
        if let walk::Found::File(s) = f {
            let name = name(&s.rel);
            if let Some(other) = seen.insert(name.clone(), s.rel.clone()) {
                bail!("{what}`{other}` and `{}` {says} `{name}`", s.rel);
            }
        }
    }
    Ok(())
}

/// The change log and the report must not land on an input or the output.
fn check_side_files(opts: &CleanOptions, out: Option<&Path>, walk: &walk::Walk) -> Result<()> {
    let mut outputs: Vec<(&str, &Path)> = out
        .filter(|o| opts.output() == Format::Jsonl || output::in_place(o))
        .map(|o| ("output", o))
        .into_iter()
        .collect();
    // `-o -`, or no `-o` with standard input: the output is standard output.
    if out.is_none() {
        outputs.push(("output", Path::new("-")));
        walk::refuse_stdout_input(&opts.reading.paths)?;
    }
    // Below an output directory, a side file where an input's output goes
    // would overwrite it, or be overwritten.
    let tree = out.filter(|o| o.is_dir() || opts.output() == Format::Text);
    if let Some(dir) = tree {
        let dir_abs = walk::absolute(dir)?;
        let files = [("change log", &opts.changes), ("report", &opts.report)];
        for (what, path) in files.iter().filter_map(|(w, p)| Some((w, p.as_deref()?))) {
            let Ok(rel) =
                walk::absolute(path)?.strip_prefix(&dir_abs).map(|r| r.to_string_lossy().into_owned())
            else {
                continue;
            };
            // A page's output adds `.txt` to its name.
            let input = [Some(rel.as_str()), rel.strip_suffix(".txt")]
                .into_iter()
                .flatten()
                .find(|r| walk.has_file(r));
            if let Some(input) = input {
                bail!(
                    "the {what} `{}` is where the output of the input `{input}` goes: put it elsewhere",
                    path.display()
                );
            }
        }
    }
    if let Some(changes) = &opts.changes {
        walk::refuse_overlap("change log", changes, &opts.reading.paths, &outputs)?;
    }
    if let Some(report) = &opts.report {
        let mut others = outputs.clone();
        others.extend(opts.changes.as_deref().map(|c| ("change log", c)));
        walk::refuse_overlap("report", report, &opts.reading.paths, &others)?;
    }
    if opts.reading.is_stdin() {
        let mut written = outputs;
        written.extend(out.filter(|o| o.is_dir()).map(|o| ("output", o)));
        written.extend(opts.changes.as_deref().map(|c| ("change log", c)));
        written.extend(opts.report.as_deref().map(|r| ("report", r)));
        walk::refuse_stdin_overlap(&written)?;
    }
    Ok(())
}

/// Refuse overlapping paths before anything is read (telling the format
/// reads only directory listings): for callers that read inputs before
/// [`run`]. Returns the inputs (none for standard input), for `walked`.
pub fn check_paths(opts: &CleanOptions) -> Result<Option<Inputs>> {
    require_output(opts)?;
    let out_path = opts.out.clone().filter(|p| p != Path::new("-"));
    let inputs = match opts.reading.is_stdin() {
        true => None,
        false => Some(opts.reading.inputs(out_path.as_deref())?),
    };
    if let Some(found) =
        inputs.as_ref().filter(|i| opts.output_format.is_none() && !writes_shards(opts, false, i.format))
    {
        // An output name that says neither format, refused before a
        // counting pass reads every input.
        format::of_output(opts.out.as_deref(), found.format)?;
    }
    let walk = inputs.as_ref().map(|i| i.walk.clone()).unwrap_or_default();
    check_side_files(opts, out_path.as_deref(), &walk)?;
    Ok(inputs)
}

enum WriteError {
    /// The output stream failed: the run cannot go on.
    Stream(String),
    /// One file could not be written.
    File(String),
}

fn write_pending(
    target: &mut Target,
    names: &mut HashSet<String>,
    pending: Pending,
) -> Result<(), WriteError> {
    match (target, pending) {
        (Target::Stream(sink), Pending::Line(bytes)) => {
            sink.write_all(&bytes).map_err(|e| WriteError::Stream(format!("cannot write the output: {e}")))
        }
        (Target::Tree(dir), Pending::File { name, line, text, .. }) => {
            // Ids the same once made file-safe (`a b`, `a_b`): the later
            // record's name says its line, after a `~` no file-safe id
            // holds, so it is free. Records are written in input order, so
            // the names are the same whatever `-j` is.
            let name = match names.contains(&name) {
                true => format!("{}~{line}.txt", name.strip_suffix(".txt").unwrap_or(&name)),
                false => name,
            };
            // Not expected (a line is one record, and no file-safe id holds
            // `~`); kept so that no record ever overwrites another.
            if !names.insert(name.clone()) {
                return Err(WriteError::File(format!("two records would write `{name}`")));
            }
            output::write_atomic_in(dir, &name, text.as_bytes())
                .map_err(|e| WriteError::File(format!("cannot write `{}`: {e}", dir.join(&name).display())))
        }
        (Target::Stream(_), Pending::File { .. })
        | (Target::Tree(_), Pending::Line(_))
        | (Target::Shards(_), _) => {
            unreachable!("pending writes match their target")
        }
    }
}

/// Clean one input shard into `dir` on a worker: its records in order into
/// an output shard at the same relative path (compressed as `--compression`
/// says, else as the input), moved into place once complete. Returns what
/// the log and the totals need: each record's fate, or the shard's failure
/// alone when its output cannot be written. An interrupted shard, or one
/// with a malformed line under `--strict`, is not moved into place.
fn write_shard(opts: &CleanOptions, dir: &Path, s: &walk::SourceFile, feed: Feed<Done>) -> Vec<Done> {
    let name = match opts.compression {
        Some(c) => jsonl::recompressed_name(&s.rel, c),
        None => s.rel.clone(),
    };
    let path = dir.join(&name);
    // `read` counts the bytes of the records read before the failure.
    let fail = |e: String, read: u64| {
        vec![failed(s.rel.clone(), format!("cannot write `{}`: {e}", path.display()), read)]
    };
    let mut out = match Sink::create_in(dir, &name) {
        Ok(out) => out,
        Err(e) => return fail(e.to_string(), 0),
    };
    let mut dones = Vec::new();
    let mut stopped = false;
    let fed = feed(&mut |mut done: Done| {
        if let Some(Pending::Line(bytes)) = done.write.take() {
            out.write_all(&bytes)?;
        }
        let strict_stop = opts.strict && matches!(done.status, Status::Malformed(_));
        dones.push(done);
        if strict_stop {
            stopped = true;
            bail!("stopped at a malformed line");
        }
        Ok(())
    });
    // A shard not moved into place logs no edits: the log lists exactly
    // the outputs written. Under `--strict` its malformed line stays, to
    // stop the run and be reported.
    if stopped {
        return dones.into_iter().filter(|d| matches!(d.status, Status::Malformed(_))).collect();
    }
    if interrupt::requested() {
        return Vec::new();
    }
    let read = dones.iter().map(|d| d.size).sum();
    match fed {
        // Not read whole: no output shard, and one failure for the shard.
        Err(e) if e.is::<pipeline::ReadFailure>() => vec![failed(s.rel.clone(), e.to_string(), read)],
        fed => match fed.and_then(|()| Ok(out.finish()?)) {
            Ok(()) => dones,
            Err(e) => fail(e.to_string(), read),
        },
    }
}

/// A file name for a JSON Lines record written as text: its id, made safe,
/// under a directory named after the JSONL file.
fn record_file_name(c: &Cleaned) -> String {
    let stem = crate::format::jsonl_stem(&c.rel);
    let stem = if stem == "-" { "stdin" } else { stem };
    let base = match &c.id {
        Some(id) => id
            .chars()
            .map(|ch| if ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.') { ch } else { '_' })
            .collect::<String>()
            .trim_start_matches('.')
            .to_string(),
        None => String::new(),
    };
    let base = if base.is_empty() { format!("line-{}", c.line.unwrap_or(0)) } else { base };
    format!("{stem}/{}.txt", output::within_name_limit(base))
}

/// What the `descrape` field of an annotated record says.
fn annotation(rules: &RuleSet, c: &Cleaned) -> Value {
    let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
    let mut words = 0;
    for e in &c.edits {
        *per_rule.entry(&rules.rules()[e.rule].id).or_default() += 1;
        words += text::word_count(&c.text[e.range.clone()]);
    }
    json!({ "edits": c.edits.len(), "words_removed": words, "rules": per_rule })
}

/// Clean one item's output and turn it into log records; runs on a worker.
fn finish_item(
    rules: &RuleSet,
    opts: &CleanOptions,
    tree: Option<&Path>,
    walk: &walk::Walk,
    item: Item,
) -> Done {
    match item {
        Item::Cleaned(c) => finish_cleaned(rules, opts, tree, walk, c),
        Item::Skipped { rel, reason } => Done {
            records: vec![Record::Skipped { file: rel, reason }],
            size: 0,
            status: Status::Skipped,
            write: None,
            written: None,
        },
        Item::Failed { rel, error } => Done {
            records: vec![Record::Failed { file: rel, error: error.clone() }],
            size: 0,
            status: Status::Failed(error),
            write: None,
            written: None,
        },
        Item::Malformed { rel, line, error, text } => {
            let msg = format!("{rel}:{line}: {error}");
            Done {
                records: vec![Record::Malformed { file: rel, line, error, text }],
                size: 0,
                status: Status::Malformed(msg),
                write: None,
                written: None,
            }
        }
    }
}

fn failed(file: String, error: String, size: u64) -> Done {
    Done {
        records: vec![Record::Failed { file, error: error.clone() }],
        size,
        status: Status::Failed(error),
        write: None,
        written: None,
    }
}

fn finish_cleaned(
    rules: &RuleSet,
    opts: &CleanOptions,
    tree: Option<&Path>,
    walk: &walk::Walk,
    mut c: Cleaned,
) -> Done {
    let size = c.text.len() as u64;
    if tree.is_some() && c.line.is_none() && c.text_rel() != c.rel && walk.has_file(&c.text_rel()) {
        let error =
            format!("the page's output `{}` is also the output of the input of that name", c.text_rel());
        return failed(c.rel, error, size);
    }
    let unchanged = c.edits.is_empty();
    let mut records = changelog::document_records(rules, &c);
    let status = if unchanged { Status::Unchanged } else { Status::Changed };
    let output = if unchanged { std::mem::take(&mut c.text) } else { c.output() };
    let write = match (opts.output(), tree) {
        (Format::Jsonl, _) => {
            // Counting a record's words is a scan of it: only for `--min-words`.
            let short = opts.min_words.map(|m| (m, text::word_count(&output))).filter(|(m, n)| n < m);
            if let Some((_, words)) = short {
                records.push(Record::Dropped { file: c.rel.clone(), id: c.id.clone(), line: c.line, words });
                return Done { records, size, status: Status::Dropped, write: None, written: None };
            }
            let note = opts.annotate.then(|| annotation(rules, &c));
            let fields = c.fields.take().unwrap_or_else(|| {
                let mut m = serde_json::Map::new();
                m.insert(opts.reading.fields.id.clone(), Value::String(c.rel.clone()));
                m
            });
            Some(Pending::Line(jsonl::serialize(fields, &opts.reading.fields.text, output, note)))
        }
        (Format::Text, Some(dir)) if c.line.is_none() => {
            // A text file: written here, on the worker.
            let rel = c.text_rel();
            if let Err(e) = output::write_atomic_in(dir, &rel, output.as_bytes()) {
                return failed(c.rel, format!("cannot write `{}`: {e}", dir.join(&rel).display()), size);
            }
            return Done { records, size, status, write: None, written: Some(rel) };
        }
        (Format::Text, Some(_)) => Some(Pending::File {
            doc: c.name(),
            name: record_file_name(&c),
            line: c.line.unwrap_or(0),
            text: output,
        }),
        (Format::Text, None) => Some(Pending::Line(output.into_bytes())),
    };
    Done { records, size, status, write, written: None }
}
