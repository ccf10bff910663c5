//! `descrape stats`: what each rule removes across the inputs, with
//! examples and the rules that never fired. Writes no file.

use std::io::Write;

use anyhow::Result;

use super::{prepare_counts, print, Outcome};
use crate::cli::StatsArgs;
use crate::engine::Cleaner;
use crate::inspect;

pub fn run(args: StatsArgs, out: &mut impl Write) -> Result<Outcome> {
    let read = args.read;
    let rules = super::load_rules(&read.rules)?;
    let reading = read.format.reading(read.inputs, args.threads.jobs);
    let counts = prepare_counts(&rules, &read.count, &reading, None, true)?;
    let cleaner = Cleaner { rules: &rules, counts: counts.as_ref(), group: None, pages: None };
    let stats = inspect::stats(cleaner, &reading, &mut std::io::stderr())?;
    print(&stats, args.json, out)?;
    Ok(if stats.files.failed > 0 { Outcome::InputsFailed } else { Outcome::Success })
}
