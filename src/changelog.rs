//! The change log: JSON Lines, one record per edit, plus one per file that
//! was decoded from something other than plain UTF-8, skipped or failed,
//! and one per JSON Lines line that was malformed or dropped.
//!
//! The log is complete: inserting each edit's `removed` text back at its
//! `bytes` offset, in order, rebuilds the decoded input from the output.
//! Records are written in input order, then by position, whatever `-j` is.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::decode::Source;
use crate::document::Cleaned;
use crate::rules::RuleSet;
use crate::text::{self, Edit};

/// One line of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// Text removed (or replaced, by normalisation) by a rule: 1-based
    /// lines touched, byte range in the decoded input, the exact removed
    /// text and what replaced it. `id` names the record in JSON Lines input.
    Edit {
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        rule: String,
        kind: String,
        lines: [usize; 2],
        bytes: [usize; 2],
        removed: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        inserted: String,
        /// For a web page, the element a `selector` rule removed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        element: Option<String>,
    },
    /// A web page: what was kept as its main text, and why.
    Html {
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        reason: String,
    },
    /// The input was not plain UTF-8; `encoding` is what it was decoded from.
    /// For a JSON Lines record (`id`, `line`): its text began with a BOM, taken off.
    /// `stray_bytes`: in UTF-8 text, bytes that were not UTF-8, decoded on
    /// their own (Windows-1252, or U+FFFD when `lossy`).
    Decoded {
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        encoding: String,
        bom: bool,
        detected: bool,
        lossy: bool,
        #[serde(default, skip_serializing_if = "is_zero")]
        stray_bytes: usize,
    },
    /// The input was not cleaned (binary, symbolic link, ...).
    Skipped { file: String, reason: String },
    /// The input could not be read or its output could not be written.
    Failed { file: String, error: String },
    /// A JSON Lines line that is not a record, with its text.
    Malformed { file: String, line: usize, error: String, text: String },
    /// A record left with fewer words than `--min-words`, not written.
    Dropped {
        file: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        words: usize,
    },
}

/// Records for one cleaned document, in position order; `id` is the
/// document's id when it is a record of a JSON Lines file.
pub fn edit_records(
    rules: &RuleSet,
    file: &str,
    id: Option<&str>,
    text: &str,
    edits: &[Edit],
) -> Vec<Record> {
    let lines = text::lines(text);
    edits
        .iter()
        .map(|e| {
            let rule = &rules.rules()[e.rule];
            let (first, last) = text::line_span(&lines, &e.range);
            Record::Edit {
                file: file.to_string(),
                id: id.map(str::to_string),
                rule: rule.id.clone(),
                kind: rule.kind.name().to_string(),
                lines: [first, last],
                bytes: [e.range.start, e.range.end],
                removed: text[e.range.clone()].to_string(),
                inserted: e.insert.clone(),
                element: None,
            }
        })
        .collect()
}

/// Every record of one cleaned document: how it was decoded, the main-text
/// choice of a page, and its edits (with the element a selector removed).
pub fn document_records(rules: &RuleSet, c: &Cleaned) -> Vec<Record> {
    let file = c.rel.clone();
    let mut out: Vec<Record> =
        decoded_record(&file, c.id.as_deref(), c.line, &c.source).into_iter().collect();
    if let Some(page) = c.html.as_ref().filter(|p| p.main_rule) {
        out.push(Record::Html {
            file: file.clone(),
            id: c.id.clone(),
            reason: match (&page.main, page.main_skipped) {
                (Some(m), _) => format!("kept {}", m.reason),
                (None, Some(why)) => format!("{why}: the whole body is kept"),
                (None, None) => "the extractor found no main text: the whole body is kept".to_string(),
            },
        });
    }
    let mut edits = edit_records(rules, &file, c.id.as_deref(), &c.text, &c.edits);
    if let Some(page) = &c.html {
        for (r, e) in edits.iter_mut().zip(&c.edits) {
            if let Record::Edit { element, .. } = r {
                *element = page
                    .regions
                    .iter()
                    .find(|g| g.rule == e.rule && g.range.start < e.range.end && e.range.start < g.range.end)
                    .map(|g| g.element.clone());
            }
        }
    }
    out.extend(edits);
    out
}

pub fn decoded_record(file: &str, id: Option<&str>, line: Option<usize>, source: &Source) -> Option<Record> {
    (!source.is_plain_utf8()).then(|| Record::Decoded {
        file: file.to_string(),
        id: id.map(str::to_string),
        line,
        encoding: source.encoding.to_string(),
        bom: source.bom,
        detected: source.detected,
        lossy: source.lossy,
        stray_bytes: source.stray_bytes,
    })
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn write_records(out: &mut impl Write, records: &[Record]) -> io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Rebuild the decoded input from an output and that document's edit records.
pub fn rebuild(output: &str, records: &[Record]) -> String {
    let mut out = String::with_capacity(output.len() * 2);
    // Bytes of `output` consumed so far; `out` is the input up to the same point.
    let mut taken = 0;
    for r in records {
        if let Record::Edit { bytes, removed, inserted, .. } = r {
            let at = taken + (bytes[0] - out.len());
            out.push_str(&output[taken..at]);
            out.push_str(removed);
            taken = at + inserted.len();
        }
    }
    out.push_str(&output[taken..]);
    out
}
