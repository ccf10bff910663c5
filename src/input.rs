//! Reading inputs into cleaned documents: what a run reads ([`Inputs`]),
//! whether a document is a web page, and one file, JSON Lines line or
//! standard input decoded, rendered when it is a page and cleaned.
//!
//! One document at a time and in the calling thread: running many in
//! parallel and in order is `pipeline.rs`'s job. Nothing is written here.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::decode::{self, Decoded, Source};
use crate::document::{Cleaned, Format, InputType, Item, Page};
use crate::engine::{self, Cleaner};
use crate::html;
use crate::jsonl::{self, Fields};
use crate::repeat;
use crate::rules::DocPath;
use crate::text::Edit;
use crate::walk::{self, Walk};

/// What a command reads, as the user said it: files and directories, or
/// `-` for standard input, in a format; every command that reads inputs
/// takes one.
#[derive(Debug, Clone)]
pub struct Reading {
    pub paths: Vec<PathBuf>,
    /// `None`: told by the inputs' names or first line.
    pub format: Option<Format>,
    pub fields: Fields,
    pub input_type: InputType,
    pub jobs: usize,
}

impl Reading {
    /// Whether this reads standard input.
    pub fn is_stdin(&self) -> bool {
        self.paths.iter().any(|p| p == Path::new("-"))
    }

    /// What cannot be read twice, if anything: standard input, or an input
    /// that is neither a file nor a directory (`/dev/stdin`, a named pipe,
    /// `<(…)`), named for a message.
    pub fn read_once(&self) -> Option<String> {
        if self.is_stdin() {
            return Some("standard input".to_string());
        }
        self.paths.iter().find_map(|p| {
            let kind = std::fs::metadata(p).ok()?.file_type();
            (!kind.is_file() && !kind.is_dir()).then(|| format!("`{}`", p.display()))
        })
    }

    /// The documents to read, checked; `exclude` (an output) must not be
    /// an input or lie inside one.
    pub fn inputs(&self, exclude: Option<&Path>) -> Result<Inputs> {
        let stdin = self.is_stdin();
        if stdin && self.paths.len() > 1 {
            bail!("`-` (standard input) cannot be mixed with other inputs");
        }
        let walk = if stdin { Walk::default() } else { walk::discover(&self.paths, exclude)? };
        self.resolve(walk)
    }

    /// The documents to read, from inputs already checked.
    pub fn resolve(&self, walk: Walk) -> Result<Inputs> {
        Inputs::resolve(walk, self.is_stdin(), self.format, self.fields.clone(), self.input_type)
    }
}

/// What a run reads.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The files to walk; empty when reading standard input. Each pass
    /// (the counting pass, the run) walks them again.
    pub walk: Walk,
    pub stdin: bool,
    /// The bytes of standard input already read to tell its format.
    pub stdin_head: Vec<u8>,
    pub format: Format,
    pub fields: Fields,
    pub input_type: InputType,
}

impl Inputs {
    /// Inputs in `format`, or in the format their names (or the first line
    /// of standard input) show when it is `None`.
    pub fn resolve(
        walk: Walk,
        stdin: bool,
        format: Option<Format>,
        fields: Fields,
        input_type: InputType,
    ) -> Result<Inputs> {
        let (format, stdin_head) = match (format, stdin) {
            (Some(f), _) => (f, Vec::new()),
            (None, true) => crate::format::of_stdin(&mut crate::interrupt::stdin())?,
            (None, false) => (crate::format::of_files(&walk)?, Vec::new()),
        };
        Ok(Inputs { walk, stdin, stdin_head, format, fields, input_type })
    }
}

/// Whether a document is read as a web page.
pub fn is_html(input_type: InputType, path: &Path, bytes: &[u8]) -> bool {
    match input_type {
        InputType::Html => true,
        InputType::Text => false,
        InputType::Auto => html::looks_like_html(path, bytes),
    }
}

/// Debug builds only (the tests): a document holding the value of
/// `DESCRAPE_TEST_PANIC` panics, to show that it fails alone.
#[cfg(debug_assertions)]
fn test_panic(text: &str) {
    static MARKER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let marker = MARKER.get_or_init(|| std::env::var("DESCRAPE_TEST_PANIC").ok().filter(|m| !m.is_empty()));
    if let Some(m) = marker {
        if text.contains(m.as_str()) {
            panic!("test panic on `{m}`");
        }
    }
}

#[cfg(not(debug_assertions))]
fn test_panic(_: &str) {}

/// Render a page and clean its text; `path` is what scope globs see.
/// `Err` names why a page is not parsed at all.
fn clean_page(cleaner: Cleaner, page: &str, path: Option<&str>) -> Result<(String, Vec<Edit>, Page), String> {
    let at = path.map_or(DocPath::Unknown, DocPath::Known);
    let memo = match (cleaner.pages, cleaner.counts) {
        (Some(pages), _) => html::Memo::Store(pages),
        (None, Some(counts)) => html::Memo::Take(&counts.pages),
        (None, None) => html::Memo::Off,
    };
    let rendered = html::render_with(cleaner.rules, page, at, memo)?;
    let edits = cleaner.clean(at, &rendered.text, &rendered.claims());
    Ok((
        rendered.text,
        edits,
        Page {
            regions: rendered.regions,
            main: rendered.main,
            main_rule: rendered.main_rule,
            main_skipped: rendered.main_skipped,
            source: page.to_string(),
        },
    ))
}

/// The edits another rule set makes to the same document (same text).
pub fn reclean(cleaner: Cleaner, c: &Cleaned) -> Vec<Edit> {
    let path = c.id.as_deref().unwrap_or(&c.rel);
    // A record in the group its fields give, as when it was first cleaned.
    let group = cleaner.counts.zip(c.fields.as_ref()).and_then(|(k, f)| repeat::record_group(f, &k.group_by));
    let cleaner = Cleaner { group: group.as_deref(), ..cleaner };
    match &c.html {
        // It was cleaned once, so it passes the same check again.
        Some(page) => clean_page(cleaner, &page.source, Some(path)).map(|p| p.1).unwrap_or_default(),
        None => clean_text(cleaner, Some(path), &c.text),
    }
}

/// A text document's edits; `path` is what scope globs see.
fn clean_text(cleaner: Cleaner, path: Option<&str>, text: &str) -> Vec<Edit> {
    cleaner.clean(path.map_or(DocPath::Unknown, DocPath::Known), text, &engine::Claims::default())
}

/// Decode and clean one file's bytes (standard input's when `rel` is `-`).
pub fn clean_bytes(cleaner: Cleaner, bytes: Vec<u8>, rel: String, is_page: bool) -> Item {
    let decoded = if is_page { decode::decode_page(bytes) } else { decode::decode(bytes) };
    // Standard input has no path: path-scoped rules do not apply to it.
    let path = (rel != "-").then_some(rel.as_str());
    match decoded {
        Decoded::Binary { nul_at } => {
            Item::Skipped { rel, reason: format!("binary file (NUL byte at offset {nul_at})") }
        }
        Decoded::Text { text, source } => {
            test_panic(&text);
            let (text, edits, html) = if is_page {
                let (text, edits, page) = match clean_page(cleaner, &text, path) {
                    Ok(cleaned) => cleaned,
                    Err(error) => return Item::Failed { error: format!("`{rel}`: {error}"), rel },
                };
                (text, edits, Some(page))
            } else {
                let edits = clean_text(cleaner, path, &text);
                (text, edits, None)
            };
            Item::Cleaned(Cleaned { rel, id: None, line: None, fields: None, source, text, edits, html })
        }
    }
}

/// Read and clean one file. `read` is set to the number of bytes read
/// before cleaning starts, so a caller that catches a panic in the
/// cleaning still knows it.
pub fn clean_file(
    cleaner: Cleaner,
    path: PathBuf,
    rel: String,
    input_type: InputType,
    read: &mut u64,
) -> Item {
    match read_whole(&path) {
        Ok(bytes) => {
            *read = bytes.len() as u64;
            let page = is_html(input_type, &path, &bytes);
            match clean_bytes(cleaner, bytes, rel, page) {
                // Named by its path, as the run's other failures are.
                Item::Failed { rel, error } => {
                    let reason = error.strip_prefix(&format!("`{rel}`: ")).unwrap_or(&error);
                    Item::Failed { error: format!("`{}`: {reason}", path.display()), rel }
                }
                item => item,
            }
        }
        Err(e) => Item::Failed { error: format!("cannot read `{}`: {e}", path.display()), rel },
    }
}

/// The file's bytes, read into a buffer of its size (one more byte finds
/// the end; a file that grows while read is read whole).
fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    // A size no allocation can hold is an error for this file, not an abort.
    let want = usize::try_from(size).unwrap_or(usize::MAX).saturating_add(1);
    let mut buf = Vec::new();
    buf.try_reserve_exact(want).map_err(std::io::Error::other)?;
    buf.resize(want, 0);
    let mut len = 0;
    loop {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if len == buf.len() {
            // The file grew since its size was asked.
            buf.resize(len * 2, 0);
        }
    }
    buf.truncate(len);
    Ok(buf)
}

/// Parse and clean one JSON Lines line (its text a page when `page`).
/// Scope globs see the record's id when it has one, else the file's path.
pub fn clean_line(
    cleaner: Cleaner,
    fields: &Fields,
    rel: &str,
    line: usize,
    bytes: Vec<u8>,
    page: bool,
) -> Item {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return Item::Malformed { rel: rel.into(), line, error: "not UTF-8".into(), text };
        }
    };
    let trimmed = text.trim_end_matches(['\n', '\r']);
    match jsonl::parse(trimmed, fields) {
        Ok(doc) => {
            test_panic(&doc.text);
            let path = doc.id.as_deref().unwrap_or(rel);
            let group = cleaner.counts.and_then(|c| repeat::record_group(&doc.fields, &c.group_by));
            let cleaner = Cleaner { group: group.as_deref(), ..cleaner };
            let (text, edits, html) = if page {
                let (text, edits, page) = match clean_page(cleaner, &doc.text, Some(path)) {
                    Ok(cleaned) => cleaned,
                    Err(error) => {
                        return Item::Failed {
                            rel: rel.into(),
                            error: format!("`{rel}` line {line}: {error}"),
                        }
                    }
                };
                (text, edits, Some(page))
            } else {
                let edits = clean_text(cleaner, Some(path), &doc.text);
                (doc.text, edits, None)
            };
            Item::Cleaned(Cleaned {
                rel: rel.into(),
                id: doc.id,
                line: Some(line),
                fields: Some(doc.fields),
                source: Source { bom: doc.bom, lossy: doc.lone_surrogates > 0, ..Source::utf8() },
                text,
                edits,
                html,
            })
        }
        Err(error) => Item::Malformed { rel: rel.into(), line, error, text: trimmed.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let text = "line one\nline two\n".repeat(100);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_whole(&path).unwrap(), text.as_bytes());
        std::fs::write(&path, "").unwrap();
        assert!(read_whole(&path).unwrap().is_empty());
        assert!(read_whole(&dir.path().join("missing")).is_err());
    }
}
