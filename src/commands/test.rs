//! `descrape test`: run every rule's `tests` examples and list the ones
//! that fail. The checking itself is `examples.rs`.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::CheckArgs;
use crate::examples;

pub fn run(args: CheckArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.selected())?;
    let failures = examples::check(&rules);
    let total: usize = rules.rules().iter().map(|r| r.tests.remove.len() + r.tests.keep.len()).sum();
    for f in &failures {
        let at = rules.get(&f.rule).map(|r| format!("{}: ", r.origin)).unwrap_or_default();
        writeln!(out, "FAIL {at}{}: {}\n  example: {:?}", f.rule, f.problem, f.example)?;
    }
    writeln!(out, "{} passed, {} failed", total - failures.len(), failures.len())?;
    Ok(if failures.is_empty() { Outcome::Success } else { Outcome::Differences })
}
