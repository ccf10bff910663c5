//! `descrape clean`: resolve the options, count lines first when
//! `repeated` rules need it, run the cleaning (`clean.rs` at the crate
//! root), print each failure as it happens and the summary at the end.

use anyhow::Result;

use super::{prepare_counts, Outcome};
use crate::clean::{self, CleanOptions};
use crate::cli::CleanArgs;
use crate::engine::Cleaner;

/// Files shown by name when OUT holds files this run did not write.
const LEFT_SHOWN: usize = 5;

fn left_behind_notice(left: &[String], out: &std::path::Path) -> String {
    let n = left.len();
    let shown: Vec<&str> = left.iter().take(LEFT_SHOWN).map(String::as_str).collect();
    let more = if n > LEFT_SHOWN { format!(" and {} more", n - LEFT_SHOWN) } else { String::new() };
    format!(
        "{n} file{} in `{}` {} not written by this run (left from an earlier one, not deleted): {}{more}",
        if n == 1 { "" } else { "s" },
        out.display(),
        if n == 1 { "was" } else { "were" },
        shown.join(", ")
    )
}

pub fn run(args: CleanArgs) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    // Asked before the run: an output directory among them is not empty after it.
    let empty_dirs: Vec<std::path::PathBuf> = args
        .inputs
        .iter()
        .filter(|p| std::fs::read_dir(p).is_ok_and(|mut entries| entries.next().is_none()))
        .cloned()
        .collect();
    let mut opts = CleanOptions {
        reading: args.format.reading(args.inputs, args.threads.jobs),
        out: args.out,
        output_format: args.output_format.map(Into::into),
        compression: args.compression.map(Into::into),
        annotate: args.annotate,
        strict: args.strict,
        min_words: args.min_words,
        changes: args.changes,
        report: args.report,
        progress: !args.quiet,
        walked: None,
        started: Some(std::time::Instant::now()),
    };
    let mut counts = None;
    if rules.needs_counts() {
        // Refuse bad paths before the counting pass reads anything; the
        // inputs, checked once, serve the counting pass and the run.
        opts.walked = clean::check_paths(&opts)?;
        counts = prepare_counts(&rules, &args.count, &opts.reading, opts.walked.clone(), args.quiet)?;
    }
    // Ctrl-C and SIGTERM stop the run between documents; what was written is logged.
    crate::interrupt::install()?;
    let cleaner = Cleaner { rules: &rules, counts: counts.as_ref(), group: None, pages: None };
    let out = opts.out.clone();
    let summary = clean::run(cleaner, opts, |msg| eprintln!("descrape: {msg}"))?;
    if !args.quiet {
        eprint!("{}", summary.render());
    }
    if let (Some(left), Some(out)) = (summary.left_behind.as_ref().filter(|l| !l.is_empty()), &out) {
        // Quiet or not: stale files beside fresh outputs mislead whoever reads OUT.
        eprintln!("descrape: warning: {}", left_behind_notice(left, out));
    }
    // The process ends next: freeing the automata's state caches and the
    // line counts one allocation at a time would be time for nothing.
    std::mem::forget(rules);
    std::mem::forget(counts);
    let f = &summary.files;
    if f.read + f.skipped + f.failed == 0 && !summary.interrupted {
        // Quiet or not: an empty run is more often a wrong path than meant.
        eprintln!("descrape: warning: no input documents found");
    } else {
        // Beside inputs that hold documents, an empty one is as likely a wrong path.
        for dir in &empty_dirs {
            eprintln!("descrape: warning: the input directory `{}` is empty", dir.display());
        }
    }
    Ok(if summary.interrupted {
        Outcome::Interrupted
    } else if summary.files.failed > 0 {
        Outcome::InputsFailed
    } else {
        Outcome::Success
    })
}
