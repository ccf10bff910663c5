//! `descrape suggest`: count the lines of the inputs, optionally save the
//! counts file, and print the lines and blocks that repeat across a site
//! with rules to paste. The counting and the suggestions are `suggest.rs`.

use std::io::Write;

use anyhow::Result;

use super::{print, Outcome};
use crate::cli::SuggestArgs;
use crate::suggest;

pub fn run(args: SuggestArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    let reading = args.format.reading(args.inputs, args.threads.jobs);
    // Before the count, which takes as long as the run: a counts file
    // saved over an input would destroy it.
    if let Some(path) = &args.save_counts {
        crate::walk::refuse_overlap("counts file", path, &reading.paths, &[])?;
        if reading.is_stdin() {
            crate::walk::refuse_stdin_overlap(&[("counts file", path)])?;
        }
    }
    // The suggestions read the inputs again for the lines' text and
    // examples, which a stream cannot give: counting alone is what it can.
    let read_once = reading.read_once();
    if let (Some(what), None) = (&read_once, &args.save_counts) {
        anyhow::bail!(
            "`suggest` reads its inputs twice (to count lines, then for their text): {what} cannot be read twice; \
             save it to a file first, or give `--save-counts FILE` to save only the counts"
        );
    }
    let (counts, unread) = suggest::count(
        &rules,
        reading.inputs(None)?,
        args.group_by.into(),
        args.threads.jobs,
        crate::repeat::Counted::All,
        true,
    )?;
    if let Some(path) = &args.save_counts {
        crate::counts_file::save(&counts, path)?;
    }
    let outcome = if unread > 0 { Outcome::InputsFailed } else { Outcome::Success };
    if let Some(what) = read_once {
        eprintln!(
            "descrape: counts saved; no suggestions: {what} cannot be read twice to find the lines' text"
        );
        return Ok(outcome);
    }
    let report = suggest::suggest(
        &rules,
        &counts,
        reading.inputs(None)?,
        args.min_docs,
        args.limit,
        args.threads.jobs,
    )?;
    print(&report, args.json, out)?;
    Ok(outcome)
}
