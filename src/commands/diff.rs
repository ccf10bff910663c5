//! `descrape diff`: what would be removed, as a unified diff labelled by
//! rule, or with `--against` what a change of rules changes. Writes no
//! file; the runs are `inspect.rs`, the diff text `diff.rs`.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use super::{line, prepare_counts, print, Outcome};
use crate::cli::{ColorChoice, DiffArgs, RulesArgs};
use crate::diff::Style;
use crate::engine::Cleaner;
use crate::inspect;

pub fn run(args: DiffArgs, out: &mut impl Write) -> Result<Outcome> {
    let read = args.read;
    let rules = super::load_rules(&read.rules)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    // JSON is for programs: never coloured, whatever --color says.
    let color = !args.json && wants_color(args.color, std::io::stdout().is_terminal(), no_color);
    let style = Style { color, context: args.context };
    let mut stderr = std::io::stderr();
    let reading = read.format.reading(read.inputs, args.threads.jobs);
    let counts = prepare_counts(&rules, &read.count, &reading, None, true)?;
    let cleaner = Cleaner { rules: &rules, counts: counts.as_ref(), group: None, pages: None };
    let (changed, failed) = if args.against.is_empty() {
        let show = |d: &inspect::DocumentDiff| line(d, args.json);
        inspect::diff(cleaner, &reading, &args.only, style, show, out, &mut stderr)?
    } else {
        let old = super::load_rules(&RulesArgs {
            rules: args.against.clone(),
            no_default_rules: read.rules.no_default_rules,
        })?;
        let old_counts = prepare_counts(&old, &read.count, &reading, None, true)?;
        let old = Cleaner { rules: &old, counts: old_counts.as_ref(), group: None, pages: None };
        let report = inspect::impact(cleaner, old, &reading, args.examples, &mut stderr)?;
        print(&report, args.json, out)?;
        (report.documents_changed > 0, report.failed)
    };
    Ok(if failed > 0 {
        Outcome::Incomplete
    } else if changed {
        Outcome::Differences
    } else {
        Outcome::Success
    })
}

/// `--color auto` colours a terminal unless `NO_COLOR` is set (no-color.org);
/// `always` and `never` are what the user asked for.
fn wants_color(choice: ColorChoice, terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        assert!(wants_color(ColorChoice::Auto, true, false));
        assert!(!wants_color(ColorChoice::Auto, true, true));
        assert!(!wants_color(ColorChoice::Auto, false, false));
        assert!(wants_color(ColorChoice::Always, false, true));
        assert!(!wants_color(ColorChoice::Never, true, false));
    }
}
