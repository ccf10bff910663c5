//! `descrape explain ID`: one rule's doc, source, patterns, guards and
//! examples. The description is made by `explain.rs` at the crate root.

use std::io::Write;

use anyhow::{bail, Result};

use super::{print, Outcome};
use crate::cli::ExplainArgs;
use crate::explain;

pub fn run(args: ExplainArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    let Some(rule) = rules.get(&args.id) else {
        bail!("{}", rules.no_such_rule(&args.id));
    };
    print(&explain::describe(rule, &rules), args.json, out)?;
    Ok(Outcome::Success)
}
