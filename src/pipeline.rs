//! Running the engine over many documents: text files, JSON Lines records
//! or standard input, cleaned in parallel and handed back in input order.
//!
//! Work goes through a `rayon` pool in chunks (files, or batches of JSONL
//! lines); each chunk's results reach the caller's sink in input order
//! before the next chunk is read, so output is independent of `-j` and
//! memory is bounded by the chunk, not the input. The caller decides what
//! to do with a cleaned document (write it, diff it, count it); this module
//! never writes. Reading one document is `input.rs`'s job.
//!
//! Each document is cleaned under `catch_unwind`: a panic while cleaning one
//! makes that document a failure naming the panic, and the run goes on. A
//! stop request (Ctrl-C) ends the run between documents. The progress bar
//! stays inside: sinks see only [`Progress`], to print around it.

use std::cell::{Cell, RefCell};
use std::io::{BufRead, IsTerminal, Read};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::document::{Format, InputType, Item};
use crate::engine::Cleaner;
use crate::input::{self, Inputs};
use crate::interrupt;
use crate::jsonl::{self, Fields};
use crate::walk::{Found, SourceFile, Walk};

/// Files handed to the pool at once: enough to keep every core busy,
/// few enough that results stay small.
const CHUNK: usize = 512;
/// JSON Lines read per batch, by count and by bytes.
const BATCH_LINES: usize = 2048;
const BATCH_BYTES: usize = 4 << 20;

/// How a run goes: its worker threads and whether it shows progress.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Worker threads; 0 means one per core. At most eight per core are made.
    pub jobs: usize,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// Threads per core beyond which `-j` gives no more: cleaning is CPU-bound,
/// and each thread warms its own automata. `-j 2000` made 2,000 threads
/// (5 s on five files).
const MAX_THREADS_PER_CORE: usize = 8;

fn pool(jobs: usize) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = jobs.min(cores * MAX_THREADS_PER_CORE);
    Ok(rayon::ThreadPoolBuilder::new().num_threads(threads).build()?)
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

/// Clean every input with `map` in parallel, then feed each result to
/// `sink` in input order; an error from `sink` stops the run.
pub fn run<T, M, S>(inputs: Inputs, cleaner: Cleaner, settings: Settings, map: M, mut sink: S) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &Progress) -> Result<()>,
{
    let pool = pool(settings.jobs)?;
    let bar = Progress::new(settings.progress && !inputs.stdin, &inputs.walk);
    let Inputs { walk, stdin, stdin_head, format, fields, input_type } = inputs;
    let pages = input_type == InputType::Html;
    let result = match (stdin, format) {
        (true, Format::Text) => {
            let mut bytes = stdin_head;
            interrupt::stdin().read_to_end(&mut bytes)?;
            let page = input::is_html(input_type, std::path::Path::new("-"), &bytes);
            match interrupt::requested() {
                // A stop may have cut the text short: nothing is written.
                true => Ok(()),
                false => sink(
                    clean_guarded(&map, "-", "`-`".into(), || {
                        input::clean_bytes(cleaner, bytes, "-".into(), page)
                    }),
                    &bar,
                ),
            }
        }
        (true, Format::Jsonl) => {
            let stdin = std::io::Cursor::new(stdin_head).chain(interrupt::stdin());
            let read = run_lines(&pool, cleaner, (&fields, pages), ("-", true), stdin, &bar, &map, &mut sink);
            read_failure_fails("-", read, &map, &mut sink, &bar)
        }
        (false, Format::Text) => run_files(&pool, cleaner, &walk, input_type, &bar, &map, &mut sink),
        (false, Format::Jsonl) => {
            let mut result = Ok(());
            for f in &walk {
                result = match f {
                    Found::File(s) => match jsonl::open(&s.path) {
                        Ok(reader) => {
                            let read = run_lines(
                                &pool,
                                cleaner,
                                (&fields, pages),
                                (&s.rel, false),
                                reader,
                                &bar,
                                &map,
                                &mut sink,
                            );
                            read_failure_fails(&s.rel, read, &map, &mut sink, &bar)
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
    bar.bar.finish_and_clear();
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
    S: FnMut(T, &Progress) -> Result<()>,
{
    let pool = pool(settings.jobs)?;
    let bar = Progress::new(settings.progress, &inputs.walk);
    let Inputs { walk, fields, input_type, .. } = inputs;
    let pages = input_type == InputType::Html;
    // Shards in flight at once: a few per thread, so a long one does not idle the rest.
    let per_round = pool.current_num_threads() * 2;
    let mut iter = walk.iter();
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
                                let mut put = |t, _: &Progress| put(t);
                                run_lines(
                                    &pool,
                                    cleaner,
                                    (&fields, pages),
                                    (&s.rel, false),
                                    reader,
                                    &bar,
                                    &map,
                                    &mut put,
                                )?
                                .map_or(Ok(()), |e| Err(ReadFailure(e).into()))
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
    bar.bar.finish_and_clear();
    result
}

fn run_files<T, M, S>(
    pool: &rayon::ThreadPool,
    cleaner: Cleaner,
    walk: &Walk,
    input_type: InputType,
    bar: &Progress,
    map: &M,
    sink: &mut S,
) -> Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &Progress) -> Result<()>,
{
    // The walk reads directories on a thread of its own, a few chunks
    // ahead, so the pool never waits for the next chunk's names.
    let (tx, found) = std::sync::mpsc::sync_channel(CHUNK * 2);
    let files = walk.iter();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for f in files {
                // The run stopped early and dropped the receiver.
                if tx.send(f).is_err() {
                    break;
                }
            }
        });
        let mut iter = found.into_iter();
        let done = AtomicUsize::new(0);
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
                                let rel = s.rel.clone();
                                let what = format!("`{}`", s.path.display());
                                let mut size = 0;
                                let out = clean_guarded(map, &rel, what, || {
                                    input::clean_file(cleaner, s.path, s.rel, input_type, &mut size)
                                });
                                bar.bar.inc(size);
                                out
                            }
                            Found::Skipped { rel, reason } => map(Item::Skipped { rel, reason }),
                            Found::Failed { rel, error } => map(Item::Failed { rel, error }),
                        };
                        if !bar.is_hidden() {
                            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                            bar.bar.set_message(format!("{d}/{} files", bar.files));
                        }
                        Some(out)
                    })
                    .collect()
            });
            for r in results.into_iter().flatten() {
                sink(r, bar)?;
            }
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn run_lines<T, M, S>(
    pool: &rayon::ThreadPool,
    cleaner: Cleaner,
    (fields, pages): (&Fields, bool),
    (rel, stream): (&str, bool),
    mut reader: impl BufRead,
    bar: &Progress,
    map: &M,
    sink: &mut S,
) -> Result<Option<String>>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &Progress) -> Result<()>,
{
    let mut line_no = 0;
    loop {
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut bytes = 0;
        // A read error ends the file after the lines already read are cleaned.
        let mut failure = None;
        let mut end = false;
        while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
            let mut buf = Vec::new();
            let n = match reader.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    failure = Some(format!("cannot read `{rel}` after line {line_no}: {e}"));
                    break;
                }
            };
            // A stop ends a stream once the lines it had read are given (see
            // `interrupt::stdin`); a line it cut short is not a record.
            if n == 0 || stream && interrupt::requested() && !buf.ends_with(b"\n") {
                end = true;
                break;
            }
            line_no += 1;
            bytes += n;
            // A byte-order mark some tools write before the first record
            // is not part of it.
            if line_no == 1 && buf.starts_with(crate::decode::UTF8_BOM) {
                buf.drain(..crate::decode::UTF8_BOM.len());
            }
            // Blank lines are not records.
            if !buf.iter().all(u8::is_ascii_whitespace) {
                batch.push((line_no, buf));
            }
        }
        // After a stop, a file's records not yet started are left for a
        // later run; a stream's records read are all cleaned and written,
        // since it cannot give them again. Either way what is written is
        // a prefix of the input, so a stopped run resumes after it.
        let stop = || !stream && interrupt::requested();
        if batch.is_empty() && end && failure.is_none() || stop() {
            return Ok(None);
        }
        bar.bar.inc(bytes as u64);
        let results: Vec<Option<T>> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|(line, buf)| {
                    if stop() {
                        return None;
                    }
                    let what = format!("`{rel}` line {line}");
                    Some(clean_guarded(map, rel, what, || {
                        input::clean_line(cleaner, fields, rel, line, buf, pages)
                    }))
                })
                .collect()
        });
        // Records after one a stop kept from starting are dropped though
        // they finished, so the output stays a prefix.
        for r in results.into_iter().map_while(|r| r) {
            sink(r, bar)?;
        }
        if failure.is_some() {
            return Ok(failure);
        }
        if end {
            return Ok(None);
        }
    }
}

/// A JSON Lines file that could not be read to its end (a bad gzip
/// header, a truncated stream). A shard reports it as its error, so its
/// output shard is not moved into place: an output shard exists only for
/// an input read whole.
#[derive(Debug)]
pub struct ReadFailure(pub String);

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadFailure {}

/// Outside shards (one output for all records), the records read before a
/// read failure stay cleaned, and the file is one more failed item.
fn read_failure_fails<T, M, S>(
    rel: &str,
    read: Result<Option<String>>,
    map: &M,
    sink: &mut S,
    bar: &Progress,
) -> Result<()>
where
    M: Fn(Item) -> T,
    S: FnMut(T, &Progress) -> Result<()>,
{
    match read? {
        Some(error) => sink(map(Item::Failed { rel: rel.into(), error }), bar),
        None => Ok(()),
    }
}

/// The run's progress bar on stderr, shown only when asked for and stderr
/// is a terminal. A sink that prints to stderr does it through
/// [`Progress::suspend`] so the bar is not torn.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    /// The files the pre-walk found, for the bar's message.
    files: usize,
}

impl Progress {
    /// A bar for the files of `walk`, which it walks first to size them:
    /// the run walks as it goes and does not hold the list.
    fn new(wanted: bool, walk: &Walk) -> Progress {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: ProgressBar::hidden(), files: 0 };
        }
        let (mut total_files, mut total_bytes) = (0, 0);
        for f in walk {
            total_files += 1;
            if let Found::File(s) = f {
                total_bytes += std::fs::symlink_metadata(&s.path).map_or(0, |m| m.len());
            }
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
        Progress { bar, files: total_files }
    }

    fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Run `f` with the bar cleared, then draw it again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_job_counts_get_eight_threads_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(pool(100_000).unwrap().current_num_threads(), cores * MAX_THREADS_PER_CORE);
        assert_eq!(pool(1).unwrap().current_num_threads(), 1);
    }
}
