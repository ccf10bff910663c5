//! `descrape check`: load the rules and say whether they are valid, with
//! every diagnostic at its FILE:LINE:COL. Reads no input.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::CheckArgs;
use crate::rules::RulesError;

pub fn run(args: CheckArgs, out: &mut impl Write) -> Result<Outcome> {
    match super::load_rules(&args.selected()) {
        Ok(rules) => {
            let files: BTreeSet<&str> = rules.rules().iter().map(|r| r.origin.file.as_str()).collect();
            writeln!(out, "{} rules in {} files: ok", rules.len(), files.len())?;
            Ok(Outcome::Success)
        }
        Err(RulesError { diagnostics }) => {
            for d in &diagnostics {
                eprintln!("{}", d.render_with_source());
            }
            eprintln!("{} error{}", diagnostics.len(), if diagnostics.len() == 1 { "" } else { "s" });
            Ok(Outcome::InvalidRules)
        }
    }
}
