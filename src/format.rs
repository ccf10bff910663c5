//! Which format the inputs and the output are in when the flags do not
//! say: JSON Lines by extension (`.jsonl`, `.ndjson`, and `.json` when
//! compressed, each also `.gz`/`.zst`), or on standard input by a first
//! line that is a JSON object; text otherwise. A guess that could go either
//! way is refused with a message naming the flag, so a slip never loses
//! data silently. Reads only the first line of standard input.

use std::io::BufRead;
use std::path::Path;

use anyhow::{bail, Result};

use crate::document::Format;
use crate::walk::Walk;

/// Whether `s` ends with the ASCII `suffix`, in any case.
fn ends(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// A name without its compression suffix, and whether it had one.
fn uncompressed(name: &str) -> (&str, bool) {
    match [".gz", ".zst", ".zstd"].iter().find(|c| ends(name, c)) {
        // The suffix is ASCII, so the cut is at a character boundary.
        Some(c) => (&name[..name.len() - c.len()], true),
        None => (name, false),
    }
}

/// Whether a file name says JSON Lines.
pub fn is_jsonl_name(name: &str) -> bool {
    // Asked of every file a walk finds: no lower-cased copy.
    let (base, compressed) = uncompressed(name);
    ends(base, ".jsonl") || ends(base, ".ndjson") || (compressed && ends(base, ".json"))
}

/// A JSON Lines file's name without the suffixes that say so
/// (`a.jsonl.gz`, `a.ndjson`, `a.json.zst` → `a`).
pub fn jsonl_stem(name: &str) -> &str {
    let (base, _) = uncompressed(name);
    match [".jsonl", ".ndjson", ".json"].iter().find(|e| ends(base, e)) {
        Some(e) => &base[..base.len() - e.len()],
        None => base,
    }
}

/// The format of the files a walk found: JSON Lines when every file's name
/// says so, text when none does; a mix is refused.
pub fn of_files(walk: &Walk) -> Result<Format> {
    let (jsonl, text) = walk.first_of_each(is_jsonl_name);
    match (jsonl, text) {
        (Some(j), Some(t)) => bail!(
            "the inputs mix JSON Lines files (`{j}`) and other files (`{t}`): give --input-format jsonl \
             or --input-format text"
        ),
        (Some(_), None) => Ok(Format::Jsonl),
        _ => Ok(Format::Text),
    }
}

/// The format of standard input, from its first non-blank line, and the
/// bytes read to tell (they still belong to the input).
pub fn of_stdin(reader: &mut impl BufRead) -> Result<(Format, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        // A stop while the first line comes ends the input (see
        // `interrupt::stdin`): nothing will be cleaned, whatever the format.
        if reader.read_until(b'\n', &mut head)? == 0 || crate::interrupt::requested() {
            return Ok((Format::Text, head));
        }
        let line = head[start..].trim_ascii();
        // A UTF-8 byte-order mark before the first line says nothing of the format.
        let line = if start == 0 {
            line.strip_prefix(crate::decode::UTF8_BOM).unwrap_or(line).trim_ascii()
        } else {
            line
        };
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(b"{") {
            return Ok((Format::Text, head));
        }
        let value = std::str::from_utf8(line).ok().and_then(|l| crate::jsonl::parse_value(l).ok());
        return match value {
            Some((serde_json::Value::Object(_), _)) => Ok((Format::Jsonl, head)),
            _ => bail!(
                "standard input starts with `{{` but its first line is not a JSON object: give \
                 --input-format jsonl for JSON Lines or --input-format text for one text"
            ),
        };
    }
}

/// The output format for `-o out` (`None` or `-`: standard output, in the
/// input's format): JSON Lines when the name says so; a name that looks
/// like another kind of file is refused rather than made a directory.
pub fn of_output(out: Option<&Path>, input: Format) -> Result<Format> {
    let Some(out) = out.filter(|p| *p != Path::new("-")) else { return Ok(input) };
    let name = out.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    // Records into a device or a pipe (`/dev/null`, `/dev/stdout | …`) stay
    // records: no directory can be made there.
    if is_jsonl_name(&name) || (input == Format::Jsonl && crate::output::in_place(out)) {
        return Ok(Format::Jsonl);
    }
    let file_like =
        [".json", ".gz", ".zst", ".zstd", ".txt", ".csv", ".tsv"].iter().any(|e| name.ends_with(e));
    if file_like && !out.is_dir() {
        bail!(
            "`{}` looks like a file, not a directory: give --output-format jsonl to write JSON Lines \
             to it, or --output-format text to make it a directory of text files",
            out.display()
        );
    }
    Ok(Format::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in ["a.jsonl", "a.NDJSON", "a.jsonl.gz", "a.json.gz", "a.jsonl.zst", "d/a.ndjson.zstd"] {
            assert!(is_jsonl_name(yes), "{yes}");
        }
        for no in ["a.json", "a.txt", "a.gz", "jsonl", "a.jsonl.txt"] {
            assert!(!is_jsonl_name(no), "{no}");
        }
    }

    #[test]
    fn a_jsonl_stem_has_none_of_the_suffixes() {
        for name in
            ["d/a.jsonl", "d/a.NDJSON", "d/a.jsonl.gz", "d/a.json.gz", "d/a.jsonl.zstd", "d/a.json.zst"]
        {
            assert_eq!(jsonl_stem(name), "d/a", "{name}");
        }
        assert_eq!(jsonl_stem("-"), "-");
    }

    #[test]
    fn stdin_head_is_kept() {
        let mut r = std::io::Cursor::new(b"\n{\"text\":\"a\"}\n{\"text\":\"b\"}\n".to_vec());
        let (f, head) = of_stdin(&mut r).unwrap();
        assert_eq!((f, head.as_slice()), (Format::Jsonl, b"\n{\"text\":\"a\"}\n".as_slice()));
        let mut r = std::io::Cursor::new(b"Story {text}\n".to_vec());
        assert_eq!(of_stdin(&mut r).unwrap().0, Format::Text);
        let mut r = std::io::Cursor::new(b"{\"text\": \n".to_vec());
        assert!(of_stdin(&mut r).unwrap_err().to_string().contains("--input-format"));
    }
}
