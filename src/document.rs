//! The document model every run shares: how inputs store documents
//! ([`Format`], [`InputType`]), a cleaned document ([`Cleaned`], with its
//! [`Page`] when it was a web page) and one input's fate ([`Item`]).
//!
//! Plain data with the few helpers that read it. Reading inputs lives in
//! `input.rs` and running over them in `pipeline.rs`; the change log,
//! `clean` and the read-only commands depend on this module, never on
//! those.

use serde_json::{Map, Value};

use crate::decode::Source;
use crate::html;
use crate::text::{self, Edit};

/// How documents are stored in the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One document per file.
    Text,
    /// One document per line, a JSON object (`.gz`/`.zst` by extension).
    Jsonl,
}

/// Whether a document is text or a web page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// HTML by extension (.html, .htm, .xhtml) or by its first bytes; JSON Lines records are text.
    Auto,
    Text,
    Html,
}

/// A cleaned document: decoded input, where it came from, and its edits.
#[derive(Debug)]
pub struct Cleaned {
    /// Relative path of the file (of the JSONL file for a record; `-` for stdin).
    pub rel: String,
    /// The record's id and 1-based line, for JSON Lines.
    pub id: Option<String>,
    pub line: Option<usize>,
    /// The record's other fields, for JSON Lines.
    pub fields: Option<Map<String, Value>>,
    pub source: Source,
    /// The document's text (for a web page, its rendering).
    pub text: String,
    pub edits: Vec<Edit>,
    /// For a web page: the elements the HTML rules removed and the main-text choice.
    pub html: Option<Page>,
}

/// What the HTML rules did to a page.
#[derive(Debug, Clone)]
pub struct Page {
    pub regions: Vec<html::Region>,
    pub main: Option<html::MainChoice>,
    /// Whether a `main-text` rule applied to the page.
    pub main_rule: bool,
    /// Why the extractor was not run on the page, when a budget stopped it.
    pub main_skipped: Option<&'static str>,
    /// The page's markup, to clean it again with other rules.
    pub source: String,
}

impl Cleaned {
    pub fn output(&self) -> String {
        text::apply(&self.text, &self.edits)
    }

    /// Where its text output goes in a tree: a page's path with `.txt`
    /// added (`a.html` → `a.html.txt`, so it cannot collide with an
    /// `a.txt` beside it), unless it already ends in `.txt`.
    /// A name that `.txt` would take past the file system's 255 bytes
    /// is shortened as a record's id is.
    pub fn text_rel(&self) -> String {
        if self.html.is_none() || self.rel.ends_with(".txt") {
            return self.rel.clone();
        }
        let (dir, name) = self.rel.rsplit_once('/').map_or(("", self.rel.as_str()), |(d, n)| (d, n));
        let name = match name.len() + ".txt".len() > 255 {
            true => crate::output::within_name_limit(name.to_string()),
            false => name.to_string(),
        };
        match dir {
            "" => format!("{name}.txt"),
            _ => format!("{dir}/{name}.txt"),
        }
    }

    /// How the document is named in messages: `file`, or `file:line` for a record.
    pub fn name(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.rel),
            None => self.rel.clone(),
        }
    }
}

/// One input's fate. Items are built once and moved, so the large
/// `Cleaned` variant is not boxed.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Cleaned(Cleaned),
    Skipped {
        rel: String,
        reason: String,
    },
    Failed {
        rel: String,
        error: String,
    },
    /// A JSON Lines line that is not a record.
    Malformed {
        rel: String,
        line: usize,
        error: String,
        text: String,
    },
}
