//! The change log: JSON Lines, one record per edit, plus one per file that
//! was decoded from something other than plain UTF-8, skipped or failed.
//!
//! The log is complete: inserting each edit's `removed` text back at its
//! `bytes` offset, in order, rebuilds the decoded input from the output.
//! Records are written in input order, then by position, whatever `-j` is.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::decode::Source;
use crate::engine::{self, Edit};
use crate::rules::RuleSet;

/// One line of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// Text removed by a rule: 1-based lines touched, byte range in the
    /// decoded input, and the exact removed text.
    Edit { file: String, rule: String, kind: String, lines: [usize; 2], bytes: [usize; 2], removed: String },
    /// The input was not plain UTF-8; `encoding` is what it was decoded from.
    Decoded { file: String, encoding: String, bom: bool, detected: bool, lossy: bool },
    /// The input was not cleaned (binary, symbolic link, ...).
    Skipped { file: String, reason: String },
    /// The input could not be read or its output could not be written.
    Failed { file: String, error: String },
}

/// Records for one cleaned document, in position order.
pub fn edit_records(rules: &RuleSet, file: &str, text: &str, edits: &[Edit]) -> Vec<Record> {
    let lines = engine::lines(text);
    edits
        .iter()
        .map(|e| {
            let rule = &rules.rules()[e.rule];
            let (first, last) = engine::line_span(&lines, &e.range);
            Record::Edit {
                file: file.to_string(),
                rule: rule.id.clone(),
                kind: rule.kind.name().to_string(),
                lines: [first, last],
                bytes: [e.range.start, e.range.end],
                removed: text[e.range.clone()].to_string(),
            }
        })
        .collect()
}

pub fn decoded_record(file: &str, source: &Source) -> Option<Record> {
    (!source.is_plain_utf8()).then(|| Record::Decoded {
        file: file.to_string(),
        encoding: source.encoding.to_string(),
        bom: source.bom,
        detected: source.detected,
        lossy: source.lossy,
    })
}

pub fn write_records(out: &mut impl Write, records: &[Record]) -> io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Rebuild the decoded input from an output and that file's edit records.
pub fn rebuild(output: &str, records: &[Record]) -> String {
    let mut out = String::with_capacity(output.len() * 2);
    let mut taken = 0;
    for r in records {
        if let Record::Edit { bytes, removed, .. } = r {
            // Input offset minus the bytes already re-inserted is the output offset.
            let at = bytes[0] - (out.len() - taken);
            out.push_str(&output[taken..at]);
            out.push_str(removed);
            taken = at;
        }
    }
    out.push_str(&output[taken..]);
    out
}
