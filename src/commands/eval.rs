//! `descrape eval`: clean a directory (or JSON Lines records) in memory
//! and score it against hand-cleaned gold, word by word. The scoring is
//! `eval.rs`; matching documents to their gold is `inspect.rs`.

use std::io::Write;

use anyhow::{bail, Result};

use super::{prepare_counts, print, Outcome};
use crate::cli::EvalArgs;
use crate::document::Format;
use crate::engine::Cleaner;
use crate::inspect::{self, Gold};

pub fn run(args: EvalArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    let reading = args.format.reading(vec![args.input.clone()], args.threads.jobs);
    let counts = prepare_counts(&rules, &args.count, &reading, None, true)?;
    let inputs = reading.inputs(None)?;
    if let Err(e) = std::fs::metadata(&args.gold) {
        bail!("cannot read gold `{}`: {e}", args.gold.display());
    }
    let gold = match inputs.format {
        Format::Text if !args.input.is_dir() || !args.gold.is_dir() => bail!(
            "eval needs two directories, or JSON Lines input: `{}` and `{}`",
            args.input.display(),
            args.gold.display()
        ),
        Format::Text => Gold::Dir(args.gold.clone()),
        Format::Jsonl => Gold::records(&args.gold, &args.format.fields())?,
    };
    let cleaner = Cleaner { rules: &rules, counts: counts.as_ref(), group: None, pages: None };
    let mut stderr = std::io::stderr();
    let eval = inspect::eval(
        cleaner,
        inputs,
        &gold,
        args.ignore.as_deref(),
        args.worst,
        args.threads.jobs,
        &mut stderr,
    )?;
    if args.json {
        // The text report says so itself; a reader of the JSON may not look.
        let unit = if eval.records { "records" } else { "files" };
        let (missing, unused) = (eval.files_without_gold.len(), eval.gold_without_input.len());
        if missing > 0 {
            eprintln!("descrape: {missing} input {unit} have no gold and were not scored");
        }
        if unused > 0 {
            eprintln!("descrape: {unused} gold records have no input record");
        }
    }
    print(&eval, args.json, out)?;
    Ok(Outcome::Success)
}
