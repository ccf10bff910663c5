//! Running the engine over many documents: text files, JSON Lines records
//! or standard input, cleaned in parallel and handed back in input order.
//!
//! Work goes through a `rayon` pool in chunks (files, or batches of JSONL
//! lines); each chunk's results reach the caller's sink in input order
//! before the next chunk is read, so output is independent of `-j` and
//! memory is bounded by the chunk, not the input. The caller decides what
//! to do with a cleaned document (write it, diff it, count it); this module
//! never writes.
//!
//! Each document is cleaned under `catch_unwind`: a panic while cleaning one
//! makes that document a failure naming the panic, and the run goes on. A
//! stop request (Ctrl-C) ends the run between documents.

use std::cell::{Cell, RefCell};
use std::io::{BufRead, IsTerminal, Read};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::decode::{self, Decoded, Source};
use crate::engine::{self, Cleaner};
use crate::html;
use crate::interrupt;
use crate::jsonl::{self, Fields};
use crate::repeat::{self, GroupBy};
use crate::rules::DocPath;
use crate::text::{self, Edit};
use crate::walk::{Found, SourceFile};

/// Files handed to the pool at once: enough to keep every core busy,
/// few enough that results stay small.
const CHUNK: usize = 512;
/// JSON Lines read per batch, by count and by bytes.
const BATCH_LINES: usize = 2048;
const BATCH_BYTES: usize = 4 << 20;

/// How documents are stored in the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One document per file.
    Text,
    /// One document per line, a JSON object (`.gz`/`.zst` by extension).
    Jsonl,
}

/// Whether a document is text or a web page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// HTML by extension (.html, .htm, .xhtml) or by its first bytes; JSON Lines records are text.
    Auto,
    Text,
    Html,
}

/// What a run reads.
#[derive(Debug)]
pub struct Inputs {
    /// Files found by the walk; ignored when reading standard input.
    pub found: Vec<Found>,
    pub stdin: bool,
    /// The bytes of standard input already read to tell its format.
    pub stdin_head: Vec<u8>,
    pub format: Format,
    pub fields: Fields,
    pub input_type: InputType,
}

impl Inputs {
    /// Inputs in `format`, or in the format their names (or the first line
    /// of standard input) show when it is `None`.
    pub fn resolve(
        found: Vec<Found>,
        stdin: bool,
        format: Option<Format>,
        fields: Fields,
        input_type: InputType,
    ) -> Result<Inputs> {
        let (format, stdin_head) = match (format, stdin) {
            (Some(f), _) => (f, Vec::new()),
            (None, true) => crate::format::of_stdin(&mut std::io::stdin().lock())?,
            (None, false) => (crate::format::of_files(&found)?, Vec::new()),
        };
        Ok(Inputs { found, stdin, stdin_head, format, fields, input_type })
    }
}

/// A cleaned document: decoded input, where it came from, and its edits.
#[derive(Debug)]
pub struct Cleaned {
    /// Relative path of the file (of the JSONL file for a record; `-` for stdin).
    pub rel: String,
    /// The record's id and 1-based line, for JSON Lines.
    pub id: Option<String>,
    pub line: Option<usize>,
    /// The record's other fields, for JSON Lines.
    pub fields: Option<Map<String, Value>>,
    pub source: Source,
    /// The document's text (for a web page, its rendering).
    pub text: String,
    pub edits: Vec<Edit>,
    /// For a web page: the elements the HTML rules removed and the main-text choice.
    pub html: Option<Page>,
}

/// What the HTML rules did to a page.
#[derive(Debug, Clone)]
pub struct Page {
    pub regions: Vec<html::Region>,
    pub main: Option<html::MainChoice>,
    /// Whether a `main-text` rule applied to the page.
    pub main_rule: bool,
    /// The page's markup, to clean it again with other rules.
    pub source: String,
}

impl Cleaned {
    pub fn output(&self) -> String {
        text::apply(&self.text, &self.edits)
    }

    /// Where its text output goes in a tree: a page's path with `.txt`
    /// added (`a.html` → `a.html.txt`, so it cannot collide with an
    /// `a.txt` beside it), unless it already ends in `.txt`.
    pub fn text_rel(&self) -> String {
        if self.html.is_none() || self.rel.ends_with(".txt") {
            self.rel.clone()
        } else {
            format!("{}.txt", self.rel)
        }
    }

    /// How the document is named in messages: `file`, or `file:line` for a record.
    pub fn name(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.rel),
            None => self.rel.clone(),
        }
    }
}

/// One input's fate. Items are built once and moved, so the large
/// `Cleaned` variant is not boxed.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Cleaned(Cleaned),
    Skipped {
        rel: String,
        reason: String,
    },
    Failed {
        rel: String,
        error: String,
    },
    /// A JSON Lines line that is not a record.
    Malformed {
        rel: String,
        line: usize,
        error: String,
        text: String,
    },
}

/// How a batch runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

thread_local! {
    /// Set while this thread cleans a document: its panics are that document's failure.
    static IN_DOCUMENT: Cell<bool> = const { Cell::new(false) };
    /// Where the last such panic happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keep the default panic message off stderr for document panics: the
/// run reports them as failures, once.
fn quiet_document_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_DOCUMENT.with(Cell::get) {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                default(info);
            }
        }));
    });
}

/// Run `f` for one document; a panic becomes `Err` with its message.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    quiet_document_panics();
    IN_DOCUMENT.with(|c| c.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    IN_DOCUMENT.with(|c| c.set(false));
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        match PANIC_AT.with(|p| p.borrow_mut().take()) {
            Some(at) => format!("cleaning panicked: {msg} (at {at})"),
            None => format!("cleaning panicked: {msg}"),
        }
    })
}

/// Clean one document with `clean` and `map` it; a panic in either maps a
/// failure of `rel` whose message starts with `what`.
fn clean_guarded<T>(map: &impl Fn(Item) -> T, rel: &str, what: String, clean: impl FnOnce() -> Item) -> T {
    match guarded(|| map(clean())) {
        Ok(t) => t,
        Err(msg) => map(Item::Failed { rel: rel.to_string(), error: format!("{what}: {msg}") }),
    }
}

/// Debug builds only (the tests): a document holding the value of
/// `DESCRAPE_TEST_PANIC` panics, to show that it fails alone.
#[cfg(debug_assertions)]
fn test_panic(text: &str) {
    static MARKER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let marker = MARKER.get_or_init(|| std::env::var("DESCRAPE_TEST_PANIC").ok().filter(|m| !m.is_empty()));
    if let Some(m) = marker {
        if text.contains(m.as_str()) {
            panic!("test panic on `{m}`");
        }
    }
}

#[cfg(not(debug_assertions))]
fn test_panic(_: &str) {}

/// Render a page and clean its text; `path` is what scope globs see.
fn clean_page(cleaner: Cleaner, page: &str, path: Option<&str>) -> (String, Vec<Edit>, Page) {
    let at = path.map_or(DocPath::Unknown, DocPath::Known);
    let rendered = html::render(cleaner.rules, page, at);
    let edits = cleaner.clean(at, &rendered.text, &rendered.claims());
    (
        rendered.text,
        edits,
        Page {
            regions: rendered.regions,
            main: rendered.main,
            main_rule: rendered.main_rule,
            source: page.to_string(),
        },
    )
}

/// The edits another rule set makes to the same document (same text).
pub fn reclean(cleaner: Cleaner, c: &Cleaned) -> Vec<Edit> {
    let path = c.id.as_deref().unwrap_or(&c.rel);
    match &c.html {
        Some(page) => clean_page(cleaner, &page.source, Some(path)).1,
        None => clean_text(cleaner, Some(path), &c.text),
    }
}

/// A text document's edits; `path` is what scope globs see.
fn clean_text(cleaner: Cleaner, path: Option<&str>, text: &str) -> Vec<Edit> {
    cleaner.clean(path.map_or(DocPath::Unknown, DocPath::Known), text, &engine::Claims::default())
}

fn clean_bytes(cleaner: Cleaner, bytes: Vec<u8>, rel: String, is_page: bool) -> Item {
    let decoded = if is_page { html::decode(bytes) } else { decode::decode(bytes) };
    // Standard input has no path: path-scoped rules do not apply to it.
    let path = (rel != "-").then_some(rel.as_str());
    match decoded {
        Decoded::Binary { nul_at } => {
            Item::Skipped { rel, reason: format!("binary file (NUL byte at offset {nul_at})") }
        }
        Decoded::Text { text, source } => {
            test_panic(&text);
            let (text, edits, html) = if is_page {
                let (text, edits, page) = clean_page(cleaner, &text, path);
                (text, edits, Some(page))
            } else {
                let edits = clean_text(cleaner, path, &text);
                (text, edits, None)
            };
            Item::Cleaned(Cleaned { rel, id: None, line: None, fields: None, source, text, edits, html })
        }
    }
}

fn is_html(input_type: InputType, path: &std::path::Path, bytes: &[u8]) -> bool {
    match input_type {
        InputType::Html => true,
        InputType::Text => false,
        InputType::Auto => html::looks_like_html(path, bytes),
    }
}

/// Read and clean one file.
pub fn clean_file(cleaner: Cleaner, path: PathBuf, rel: String, input_type: InputType) -> Item {
    match std::fs::read(&path) {
        Ok(bytes) => {
            let page = is_html(input_type, &path, &bytes);
            clean_bytes(cleaner, bytes, rel, page)
        }
        Err(e) => Item::Failed { error: format!("cannot read `{}`: {e}", path.display()), rel },
    }
}

/// Parse and clean one JSON Lines line (its text a page when `page`).
/// Scope globs see the record's id when it has one, else the file's path.
fn clean_line(cleaner: Cleaner, fields: &Fields, rel: &str, line: usize, bytes: Vec<u8>, page: bool) -> Item {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return Item::Malformed { rel: rel.into(), line, error: "not UTF-8".into(), text };
        }
    };
    let trimmed = text.trim_end_matches(['\n', '\r']);
    match jsonl::parse(trimmed, fields) {
        Ok(rec) => {
            test_panic(&rec.text);
            let path = rec.id.as_deref().unwrap_or(rel);
            let group = match cleaner.counts.map(|c| &c.group_by) {
                Some(GroupBy::Field(name)) => Some(repeat::field_group(&rec.fields, name)),
                _ => None,
            };
            let cleaner = Cleaner { group: group.as_deref(), ..cleaner };
            let (text, edits, html) = if page {
                let (text, edits, page) = clean_page(cleaner, &rec.text, Some(path));
                (text, edits, Some(page))
            } else {
                let edits = clean_text(cleaner, Some(path), &rec.text);
                (rec.text, edits, None)
            };
            Item::Cleaned(Cleaned {
                rel: rel.into(),
                id: rec.id,
                line: Some(line),
                fields: Some(rec.fields),
                source: Source::utf8(),
                text,
                edits,
                html,
            })
        }
        Err(error) => Item::Malformed { rel: rel.into(), line, error, text: trimmed.to_string() },
    }
}

/// Clean every input with `map` in parallel, then feed each result to
/// `sink` in input order; an error from `sink` stops the run.
pub fn run<T, M, S>(inputs: Inputs, cleaner: Cleaner, settings: Settings, map: M, mut sink: S) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &ProgressBar) -> Result<()>,
{
    let pool = rayon::ThreadPoolBuilder::new().num_threads(settings.jobs).build()?;
    let total_bytes: u64 = inputs.found.iter().map(|f| if let Found::File(s) = f { s.size } else { 0 }).sum();
    let bar = progress_bar(settings.progress && !inputs.stdin, total_bytes, inputs.found.len());
    let Inputs { found, stdin, stdin_head, format, fields, input_type } = inputs;
    let pages = input_type == InputType::Html;
    let result = match (stdin, format) {
        (true, Format::Text) => {
            let mut bytes = stdin_head;
            std::io::stdin().lock().read_to_end(&mut bytes)?;
            let page = is_html(input_type, std::path::Path::new("-"), &bytes);
            sink(
                clean_guarded(&map, "-", "`-`".into(), || clean_bytes(cleaner, bytes, "-".into(), page)),
                &bar,
            )
        }
        (true, Format::Jsonl) => {
            let stdin = std::io::Cursor::new(stdin_head).chain(std::io::stdin().lock());
            run_lines(&pool, cleaner, (&fields, pages), "-", stdin, &bar, &map, &mut sink)
        }
        (false, Format::Text) => run_files(&pool, cleaner, found, input_type, &bar, &map, &mut sink),
        (false, Format::Jsonl) => {
            let mut result = Ok(());
            for f in found {
                result = match f {
                    Found::File(s) => match jsonl::open(&s.path) {
                        Ok(reader) => {
                            run_lines(&pool, cleaner, (&fields, pages), &s.rel, reader, &bar, &map, &mut sink)
                        }
                        Err(e) => {
                            let error = format!("cannot read `{}`: {e}", s.path.display());
                            sink(map(Item::Failed { rel: s.rel, error }), &bar)
                        }
                    },
                    Found::Skipped { rel, reason } => sink(map(Item::Skipped { rel, reason }), &bar),
                    Found::Failed { rel, error } => sink(map(Item::Failed { rel, error }), &bar),
                };
                if result.is_err() || interrupt::requested() {
                    break;
                }
            }
            result
        }
    };
    bar.finish_and_clear();
    result
}

/// Feeds one shard's records, cleaned and mapped in order, to the closure
/// it is given; an error from that closure stops the shard.
pub type Feed<'a, T> = &'a mut dyn FnMut(&mut dyn FnMut(T) -> Result<()>) -> Result<()>;

/// Clean JSON Lines files as shards: each file on one worker, several at
/// once, its records in parallel batches. `shard` runs on the worker with
/// the file and a [`Feed`] of its records (each mapped with `map`) and
/// returns what the caller's `sink` gets, in input order. A file that
/// cannot be opened, skipped or failed in the walk is one item for `sink`
/// and never reaches `shard`.
pub fn run_shards<T, M, W, S>(
    inputs: Inputs,
    cleaner: Cleaner,
    settings: Settings,
    map: M,
    shard: W,
    mut sink: S,
) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    W: Fn(&SourceFile, Feed<T>) -> Vec<T> + Sync,
    S: FnMut(T, &ProgressBar) -> Result<()>,
{
    let pool = rayon::ThreadPoolBuilder::new().num_threads(settings.jobs).build()?;
    let total_bytes: u64 = inputs.found.iter().map(|f| if let Found::File(s) = f { s.size } else { 0 }).sum();
    let bar = progress_bar(settings.progress, total_bytes, inputs.found.len());
    let Inputs { found, fields, input_type, .. } = inputs;
    let pages = input_type == InputType::Html;
    // Shards in flight at once: a few per thread, so a long one does not idle the rest.
    let per_round = pool.current_num_threads() * 2;
    let mut iter = found.into_iter();
    let result = loop {
        let round: Vec<Found> = iter.by_ref().take(per_round).collect();
        if round.is_empty() || interrupt::requested() {
            break Ok(());
        }
        let results: Vec<Vec<T>> = pool.install(|| {
            round
                .into_par_iter()
                .map(|f| match f {
                    Found::File(s) => match jsonl::open(&s.path) {
                        Ok(reader) => {
                            let mut reader = Some(reader);
                            shard(&s, &mut |put| {
                                let reader = reader.take().expect("a shard is fed once");
                                let mut put = |t, _: &ProgressBar| put(t);
                                run_lines(
                                    &pool,
                                    cleaner,
                                    (&fields, pages),
                                    &s.rel,
                                    reader,
                                    &bar,
                                    &map,
                                    &mut put,
                                )
                            })
                        }
                        Err(e) => {
                            let error = format!("cannot read `{}`: {e}", s.path.display());
                            vec![map(Item::Failed { rel: s.rel, error })]
                        }
                    },
                    Found::Skipped { rel, reason } => vec![map(Item::Skipped { rel, reason })],
                    Found::Failed { rel, error } => vec![map(Item::Failed { rel, error })],
                })
                .collect()
        });
        if let Err(e) = results.into_iter().flatten().try_for_each(|t| sink(t, &bar)) {
            break Err(e);
        }
    };
    bar.finish_and_clear();
    result
}

fn run_files<T, M, S>(
    pool: &rayon::ThreadPool,
    cleaner: Cleaner,
    found: Vec<Found>,
    input_type: InputType,
    bar: &ProgressBar,
    map: &M,
    sink: &mut S,
) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &ProgressBar) -> Result<()>,
{
    let total_files = found.len();
    let done = AtomicUsize::new(0);
    let mut iter = found.into_iter();
    loop {
        let chunk: Vec<Found> = iter.by_ref().take(CHUNK).collect();
        if chunk.is_empty() || interrupt::requested() {
            return Ok(());
        }
        let results: Vec<Option<T>> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|f| {
                    // After a stop request, documents not yet started are dropped.
                    if interrupt::requested() {
                        return None;
                    }
                    let out = match f {
                        Found::File(s) => {
                            let (size, rel) = (s.size, s.rel.clone());
                            let what = format!("`{}`", s.path.display());
                            let out = clean_guarded(map, &rel, what, || {
                                clean_file(cleaner, s.path, s.rel, input_type)
                            });
                            bar.inc(size);
                            out
                        }
                        Found::Skipped { rel, reason } => map(Item::Skipped { rel, reason }),
                        Found::Failed { rel, error } => map(Item::Failed { rel, error }),
                    };
                    if !bar.is_hidden() {
                        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                        bar.set_message(format!("{d}/{total_files} files"));
                    }
                    Some(out)
                })
                .collect()
        });
        for r in results.into_iter().flatten() {
            sink(r, bar)?;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_lines<T, M, S>(
    pool: &rayon::ThreadPool,
    cleaner: Cleaner,
    (fields, pages): (&Fields, bool),
    rel: &str,
    mut reader: impl BufRead,
    bar: &ProgressBar,
    map: &M,
    sink: &mut S,
) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &ProgressBar) -> Result<()>,
{
    let mut line_no = 0;
    loop {
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut bytes = 0;
        // A read error ends the file after the lines already read are cleaned.
        let mut failure = None;
        while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
            let mut buf = Vec::new();
            let n = match reader.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    failure = Some(format!("cannot read `{rel}` after line {line_no}: {e}"));
                    break;
                }
            };
            if n == 0 {
                break;
            }
            line_no += 1;
            bytes += n;
            // Blank lines are not records.
            if !buf.iter().all(u8::is_ascii_whitespace) {
                batch.push((line_no, buf));
            }
        }
        if batch.is_empty() && bytes == 0 && failure.is_none() || interrupt::requested() {
            return Ok(());
        }
        bar.inc(bytes as u64);
        let results: Vec<Option<T>> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|(line, buf)| {
                    if interrupt::requested() {
                        return None;
                    }
                    let what = format!("`{rel}` line {line}");
                    Some(clean_guarded(map, rel, what, || clean_line(cleaner, fields, rel, line, buf, pages)))
                })
                .collect()
        });
        for r in results.into_iter().flatten() {
            sink(r, bar)?;
        }
        if let Some(error) = failure {
            return sink(map(Item::Failed { rel: rel.into(), error }), bar);
        }
    }
}

fn progress_bar(wanted: bool, total_bytes: u64, total_files: usize) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            // The bar takes what the terminal has left, so the line fits
            // 80 columns; decimal MB/s, the summary's unit.
            "{wide_bar} {msg} {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ETA {eta}",
        )
        .expect("valid template"),
    );
    bar.set_message(format!("0/{total_files} files"));
    bar
}
