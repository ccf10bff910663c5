//! `descrape test`: run every rule's `tests` examples and list the ones
//! that fail. The checking itself is `examples.rs`.

use std::io::Write;

use anyhow::Result;

use super::{print, Outcome};
use crate::cli::CheckArgs;
use crate::examples;

pub fn run(args: CheckArgs, out: &mut impl Write) -> Result<Outcome> {
    let json = args.json;
    let rules = super::load_rules(&args.selected())?;
    let report = examples::test(&rules);
    print(&report, json, out)?;
    Ok(if report.failures.is_empty() { Outcome::Success } else { Outcome::Differences })
}
