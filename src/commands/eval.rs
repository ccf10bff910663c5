//! `descrape eval`: clean a directory in memory and score it against
//! hand-cleaned gold files, word by word. The scoring is `eval.rs`.

use std::io::Write;

use anyhow::Result;

use super::{prepare_counts, print, Outcome};
use crate::batch::Format;
use crate::cli::EvalArgs;
use crate::engine::Cleaner;
use crate::inspect::{self, Reading};

pub fn run(args: EvalArgs, out: &mut impl Write) -> Result<Outcome> {
    let rules = super::load_rules(&args.rules)?;
    let reading = Reading {
        paths: vec![args.input.clone()],
        format: Some(Format::Text),
        fields: Default::default(),
        input_type: args.input_type.into(),
        jobs: args.threads.jobs,
    };
    let counts = prepare_counts(&rules, &args.count, &reading, true)?;
    let eval = inspect::eval(
        Cleaner { rules: &rules, counts: counts.as_ref(), group: None },
        &args.input,
        &args.gold,
        args.input_type.into(),
        args.ignore.as_deref(),
        args.worst,
        args.threads.jobs,
    )?;
    print(&eval, args.json, out)?;
    Ok(Outcome::Success)
}

impl super::Report for crate::eval::Evaluation {
    fn render(&self) -> String {
        crate::eval::Evaluation::render(self)
    }
}
