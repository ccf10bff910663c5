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
    }
    let counts = suggest::count(
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
    let report = suggest::suggest(
        &rules,
        &counts,
        reading.inputs(None)?,
        args.min_docs,
        args.limit,
        args.threads.jobs,
    )?;
    print(&report, args.json, out)?;
    Ok(Outcome::Success)
}
