//! `descrape rules`: every rule with its kind and the first line of its
//! doc, or with `--markdown` the full reference that is `docs/rules.md`.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::RulesListArgs;
use crate::explain;

pub fn run(args: RulesListArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    let text = if args.markdown { explain::markdown(&rules) } else { explain::list(&rules) };
    write!(out, "{text}")?;
    Ok(Outcome::Success)
}
