//! JSON Lines documents: reading and writing `.jsonl`, `.jsonl.gz` and
//! `.jsonl.zst` (compression by extension), and one record parsed into a
//! [`Doc`].
//!
//! A record is a JSON object with a text field (`text` by default) and an
//! optional id field (`id`); every other field passes through untouched and
//! in its order. A line that is not such an object is malformed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use serde_json::{Map, Value};

use crate::output::AtomicWriter;

/// Which fields hold a record's text and id.
#[derive(Debug, Clone)]
pub struct Fields {
    pub text: String,
    pub id: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields { text: "text".into(), id: "id".into() }
    }
}

/// How a JSON Lines file is compressed, told by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// `name` with its compression suffix (`.gz`, `.zst`, `.zstd`) replaced by
/// `to`'s (`.gz`, `.zst`, none). A `.json` base left uncompressed becomes
/// `.jsonl`, so the name still says JSON Lines.
pub fn recompressed_name(name: &str, to: Compression) -> String {
    let lower = name.to_ascii_lowercase();
    let cut = [".gz", ".zst", ".zstd"].iter().find(|c| lower.ends_with(*c)).map_or(0, |c| c.len());
    let base = &name[..name.len() - cut];
    match to {
        Compression::Gzip => format!("{base}.gz"),
        Compression::Zstd => format!("{base}.zst"),
        Compression::None if base.to_ascii_lowercase().ends_with(".json") => format!("{base}l"),
        Compression::None => base.to_string(),
    }
}

fn compression(path: &Path) -> Compression {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.ends_with(".gz") {
        Compression::Gzip
    } else if name.ends_with(".zst") || name.ends_with(".zstd") {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// A buffered reader over a file, decompressed by its extension.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    let inner: Box<dyn Read + Send> = match compression(path) {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
    };
    Ok(Box::new(BufReader::with_capacity(256 << 10, inner)))
}

/// Where JSON Lines output goes: a file (written atomically, compressed by
/// its extension) or standard output.
pub enum Sink {
    Plain(AtomicWriter),
    Gzip(flate2::write::GzEncoder<AtomicWriter>),
    Zstd(zstd::stream::write::Encoder<'static, AtomicWriter>),
    Stdout(io::BufWriter<io::Stdout>),
}

impl Sink {
    /// `-` is standard output.
    pub fn create(path: &Path) -> io::Result<Sink> {
        if path == Path::new("-") {
            return Ok(Sink::Stdout(io::BufWriter::with_capacity(256 << 10, io::stdout())));
        }
        Sink::compressed(AtomicWriter::create(path)?, path)
    }

    /// A shard at `root/rel`, no directory below `root` a link.
    pub fn create_in(root: &Path, rel: &str) -> io::Result<Sink> {
        let w = AtomicWriter::create_in(root, rel)?;
        Sink::compressed(w, &root.join(rel))
    }

    fn compressed(w: AtomicWriter, path: &Path) -> io::Result<Sink> {
        Ok(match compression(path) {
            Compression::None => Sink::Plain(w),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(w, flate2::Compression::default())),
            Compression::Zstd => Sink::Zstd(zstd::stream::write::Encoder::new(w, 3)?),
        })
    }

    /// Flush, finish the compressed stream and move the file into place.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.commit(),
            Sink::Gzip(e) => e.finish()?.commit(),
            Sink::Zstd(e) => e.finish()?.commit(),
            Sink::Stdout(mut s) => s.flush(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
            Sink::Stdout(w) => w.flush(),
        }
    }
}

/// One document as a JSON Lines line holds it: all its fields, its text
/// and its id (as a string). Called `Doc`, not `Record`: it is the
/// document itself, what the rest of the code cleans, while a
/// `changelog::Record` is one line of the change log about it.
#[derive(Debug, Clone)]
pub struct Doc {
    pub fields: Map<String, Value>,
    pub text: String,
    pub id: Option<String>,
    /// Whether the text began with a BOM, taken off: a tool that read a
    /// file with its BOM left it in the text, and line-start rules would
    /// not see the first line behind it.
    pub bom: bool,
    /// How many `\u` escapes of lone UTF-16 surrogates the line held, each
    /// read as U+FFFD (see [`mend_surrogates`]).
    pub lone_surrogates: usize,
}

/// Parse one line; the error says what is wrong with it.
pub fn parse(line: &str, fields: &Fields) -> Result<Doc, String> {
    let (value, lone_surrogates) = parse_value(line).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(mut map) = value else {
        return Err("not a JSON object".to_string());
    };
    let mut text = match map.get_mut(&fields.text) {
        Some(Value::String(s)) => std::mem::take(s),
        Some(_) => return Err(format!("field `{}` is not a string", fields.text)),
        None => return Err(format!("no field `{}`", fields.text)),
    };
    let id = match map.get(&fields.id) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let bom = text.starts_with('\u{feff}');
    if bom {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(Doc { fields: map, text, id, bom, lone_surrogates })
}

/// One line's JSON value, and how many lone surrogates were read as
/// U+FFFD to get it (see [`mend_surrogates`]).
pub fn parse_value(line: &str) -> Result<(Value, usize), serde_json::Error> {
    match serde_json::from_str::<Value>(line) {
        Ok(value) => Ok((value, 0)),
        Err(e) => match mend_surrogates(line) {
            Some((mended, n)) => Ok((serde_json::from_str(&mended)?, n)),
            None => Err(e),
        },
    }
}

/// The line with every `\u` escape of a lone UTF-16 surrogate replaced by
/// `\ufffd`, and how many there were; `None` when it holds none. Python's
/// `json.dumps` writes a string cut inside a surrogate pair (an emoji
/// split by a scraper's truncation) this way, and JSON parsers that
/// follow RFC 8259 strictly, `serde_json` among them, refuse the whole
/// record. The replacement has the escape's length, so the columns of
/// any later error stay the line's own.
fn mend_surrogates(line: &str) -> Option<(String, usize)> {
    fn escaped_unit(b: &[u8], at: usize) -> Option<u16> {
        let hex = b.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    }
    let b = line.as_bytes();
    let mut lone = Vec::new();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'\\', &b[i..]) {
        i += at;
        match escaped_unit(b, i) {
            Some(0xD800..=0xDBFF) if matches!(escaped_unit(b, i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => {
                lone.push(i);
                i += 6;
            }
            Some(_) => i += 6,
            // Any other escape is two bytes: `\\` must not start a `\u`.
            None => i += 2,
        }
    }
    if lone.is_empty() {
        return None;
    }
    let mut mended = line.to_string();
    for &at in &lone {
        mended.replace_range(at..at + 6, "\\ufffd");
    }
    Some((mended, lone.len()))
}

/// The record with its text field set to `text` and, when given, an extra
/// `descrape` field; one line with its newline.
pub fn serialize(
    mut fields: Map<String, Value>,
    text_field: &str,
    text: String,
    annotation: Option<Value>,
) -> Vec<u8> {
    fields.insert(text_field.to_string(), Value::String(text));
    if let Some(a) = annotation {
        fields.insert("descrape".to_string(), a);
    }
    let mut out = serde_json::to_vec(&Value::Object(fields)).expect("JSON values serialize");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_pass_through_in_order() {
        let f = Fields::default();
        let r = parse(r#"{"url":"u","text":"Hi","id":7,"meta":{"a":1}}"#, &f).unwrap();
        assert_eq!((r.text.as_str(), r.id.as_deref()), ("Hi", Some("7")));
        let out = serialize(r.fields, "text", "Bye".into(), None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"url\":\"u\",\"text\":\"Bye\",\"id\":7,\"meta\":{\"a\":1}}\n"
        );
    }

    #[test]
    fn recompressed_names() {
        assert_eq!(recompressed_name("d/a.jsonl.gz", Compression::Zstd), "d/a.jsonl.zst");
        assert_eq!(recompressed_name("a.jsonl", Compression::Gzip), "a.jsonl.gz");
        assert_eq!(recompressed_name("a.JSONL.ZSTD", Compression::None), "a.JSONL");
        assert_eq!(recompressed_name("a.json.gz", Compression::None), "a.jsonl");
        assert_eq!(recompressed_name("a.json.gz", Compression::Gzip), "a.json.gz");
    }

    #[test]
    fn lone_surrogates_are_read_as_replacement_characters() {
        let f = Fields::default();
        let r = parse(r#"{"text":"a\ud83d b \udc00\ud83d\ude00 \\ud800","t":"\ud800"}"#, &f).unwrap();
        assert_eq!(r.text, "a\u{fffd} b \u{fffd}\u{1f600} \\ud800");
        assert_eq!(r.fields["t"], "\u{fffd}");
        assert_eq!(r.lone_surrogates, 3);
        let paired = parse(r#"{"text":"\ud83d\ude00"}"#, &f).unwrap();
        assert_eq!((paired.text.as_str(), paired.lone_surrogates), ("\u{1f600}", 0));
        // A line malformed for another reason still says so, at its own column.
        let e = parse(r#"{"text":"\ud800", x}"#, &f).unwrap_err();
        assert!(e.starts_with("malformed JSON: key must be a string at line 1 column 19"), "{e}");
    }

    #[test]
    fn malformed_lines_say_why() {
        let f = Fields::default();
        assert!(parse("{\"text\": ", &f).unwrap_err().starts_with("malformed JSON"));
        assert_eq!(parse("[1]", &f).unwrap_err(), "not a JSON object");
        assert_eq!(parse("{\"body\":\"x\"}", &f).unwrap_err(), "no field `text`");
        assert_eq!(parse("{\"text\":3}", &f).unwrap_err(), "field `text` is not a string");
    }
}
