//! `descrape features` (hidden): the line scorer's features of every line
//! as JSON Lines, for fitting `score` rules. The features are `detect.rs`.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::FeaturesArgs;
use crate::detect;
use crate::walk::{self, Found};

pub fn run(args: FeaturesArgs, out: &mut impl Write) -> Result<Outcome> {
    if args.list {
        for (name, _) in detect::FEATURES {
            writeln!(out, "{name}")?;
        }
        return Ok(Outcome::Success);
    }
    for found in &walk::discover(&args.inputs, None)? {
        let Found::File(f) = found else { continue };
        let text = String::from_utf8_lossy(&std::fs::read(&f.path)?).into_owned();
        let lines: Vec<&str> = crate::text::line_texts(&text).collect();
        for (i, x) in detect::features(&lines).into_iter().enumerate() {
            if let Some(x) = x {
                let rec = serde_json::json!({
                    "file": f.rel,
                    "line": i + 1,
                    "features": x.to_vec(),
                    "tokens": detect::tokens(lines[i]),
                });
                writeln!(out, "{rec}")?;
            }
        }
    }
    Ok(Outcome::Success)
}
