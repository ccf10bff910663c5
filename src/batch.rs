//! Running the engine over many files: read, decode and clean in parallel,
//! hand results back in input order.
//!
//! Files go through a `rayon` pool in chunks; each chunk's results are
//! passed to the caller's sink in input order before the next chunk starts,
//! so output is independent of `-j` and memory is bounded by the chunk. The
//! caller decides what to do with a cleaned document (write it, diff it,
//! count it); this module never writes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::decode::{self, Decoded, Source};
use crate::engine::{self, Edit};
use crate::rules::RuleSet;
use crate::walk::Found;

/// Files handed to the pool at once: enough to keep every core busy,
/// few enough that results stay small.
const CHUNK: usize = 512;

/// A cleaned document: decoded input, where it came from, and its edits.
#[derive(Debug)]
pub struct Cleaned {
    pub rel: String,
    pub path: PathBuf,
    pub source: Source,
    pub text: String,
    pub edits: Vec<Edit>,
}

impl Cleaned {
    pub fn output(&self) -> String {
        engine::apply(&self.text, &self.edits)
    }
}

/// One input's fate.
#[derive(Debug)]
pub enum Item {
    Cleaned(Cleaned),
    Skipped { rel: String, reason: String },
    Failed { rel: String, error: String },
}

impl Item {
    pub fn rel(&self) -> &str {
        match self {
            Item::Cleaned(c) => &c.rel,
            Item::Skipped { rel, .. } | Item::Failed { rel, .. } => rel,
        }
    }
}

/// How a batch runs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// Read and clean one file.
pub fn clean_file(rules: &RuleSet, path: PathBuf, rel: String) -> Item {
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return Item::Failed { error: format!("cannot read `{}`: {e}", path.display()), rel },
    };
    match decode::decode(bytes) {
        Decoded::Binary { nul_at } => {
            Item::Skipped { rel, reason: format!("binary file (NUL byte at offset {nul_at})") }
        }
        Decoded::Text { text, source } => {
            let edits = engine::clean(rules, Some(&rel), &text);
            Item::Cleaned(Cleaned { rel, path, source, text, edits })
        }
    }
}

/// Clean every found file with `map` in parallel, then feed each result to
/// `sink` in input order. `map` sees every item, including skips and failures.
pub fn run<T, M, S>(
    found: Vec<Found>,
    rules: &RuleSet,
    settings: Settings,
    map: M,
    mut sink: S,
) -> anyhow::Result<()>
where
    T: Send,
    M: Fn(Item) -> T + Sync,
    S: FnMut(T, &ProgressBar),
{
    let pool = rayon::ThreadPoolBuilder::new().num_threads(settings.jobs).build()?;
    let total_bytes: u64 = found.iter().map(|f| if let Found::File(s) = f { s.size } else { 0 }).sum();
    let total_files = found.len();
    let bar = progress_bar(settings.progress, total_bytes);
    let done = AtomicUsize::new(0);
    let mut iter = found.into_iter();
    loop {
        let chunk: Vec<Found> = iter.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let results: Vec<T> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|f| {
                    let item = match f {
                        Found::File(s) => {
                            let size = s.size;
                            let item = clean_file(rules, s.path, s.rel);
                            bar.inc(size);
                            item
                        }
                        Found::Skipped { rel, reason } => Item::Skipped { rel, reason },
                        Found::Failed { rel, error } => Item::Failed { rel, error },
                    };
                    let out = map(item);
                    if !bar.is_hidden() {
                        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                        bar.set_message(format!("{d}/{total_files} files"));
                    }
                    out
                })
                .collect()
        });
        for r in results {
            sink(r, &bar);
        }
    }
    bar.finish_and_clear();
    Ok(())
}

fn progress_bar(wanted: bool, total_bytes: u64) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {msg}  {binary_bytes}/{binary_total_bytes}  {binary_bytes_per_sec}  ETA {eta}",
        )
        .expect("valid template"),
    );
    bar
}
