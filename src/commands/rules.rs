//! `descrape rules`: every rule with its kind and the first line of its
//! doc; with `--markdown` the full reference that is `docs/rules.md`; with
//! `--json` every rule as `explain --json` describes one.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::RulesListArgs;
use crate::explain;

pub fn run(args: RulesListArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    if args.json {
        let all: Vec<_> = rules.rules().iter().map(|r| explain::describe(r, &rules)).collect();
        super::print_json(&all, out)?;
        return Ok(Outcome::Success);
    }
    let text = if args.markdown { explain::markdown(&rules) } else { explain::list(&rules) };
    write!(out, "{text}")?;
    Ok(Outcome::Success)
}
