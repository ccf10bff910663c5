//! Lines that repeat across a scrape: the key a line is counted by, counts
//! of documents per line per group (site), and suggestions built on them.
//!
//! A line's key is a 64-bit XXH3 hash (fixed by its specification, so a
//! saved counts file means the same in every build) of its text folded
//! (lower case, digits as 0, whitespace collapsed), so counting keeps hashes, not texts, and
//! memory grows with the number of distinct lines, not with the input.
//! Counts do not depend on the order documents come in. No I/O here: the
//! counts file is read and written by `counts_file.rs`.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How documents are grouped for counting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// By top-level directory, a file at the top by the host its name
    /// starts with ([`host_prefix`]), and JSON Lines records that have a
    /// page address or a site field by its host (see [`record_group`]):
    /// the default.
    Auto,
    /// By top-level directory (one site per directory).
    Dir,
    /// One group for everything.
    None,
    /// JSON Lines records by the value of this field (a URL by its host).
    Field(String),
}

/// As typed after `--group-by`.
impl std::fmt::Display for GroupBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GroupBy::Auto => f.write_str("auto"),
            GroupBy::Dir => f.write_str("dir"),
            GroupBy::None => f.write_str("none"),
            GroupBy::Field(name) => write!(f, "field:{name}"),
        }
    }
}

/// The group a document belongs to by its path: its top-level directory
/// (`.` for files at the top; by default, a file at the top whose name
/// starts with a site's host is in that site's group, see
/// [`host_prefix`]), or `*` for everything. Grouped by a field, a
/// document without fields (a text file) is in the group `-`.
pub fn group_of<'a>(rel: &'a str, by: &GroupBy) -> &'a str {
    match by {
        GroupBy::None => "*",
        GroupBy::Auto => rel.split_once('/').map_or_else(|| host_prefix(rel).unwrap_or("."), |(g, _)| g),
        GroupBy::Dir => rel.split_once('/').map_or(".", |(g, _)| g),
        GroupBy::Field(_) => "-",
    }
}

/// The host a file name starts with, without `www.`, when the name goes on
/// after it with a digit, `_` or `-` (`reuters.com3.txt`,
/// `www.bbc.co.uk_48213.txt`, `tehrantimes.com-iran-talks.txt`): scrapers
/// that write one flat folder for many sites name files so. The host is
/// labels of letters, digits and `-`, the last of them a top-level domain
/// (a generic one or any two letters, with `co.uk`-style pairs), so a
/// name such as `notes.md` or `001_04e8e9d6.txt` names no host.
pub fn host_prefix(name: &str) -> Option<&str> {
    const GENERIC: &[&str] =
        &["com", "org", "net", "edu", "gov", "info", "biz", "news", "int", "mil", "online", "media"];
    let name = name.strip_prefix("www.").unwrap_or(name);
    let bytes = name.as_bytes();
    let label_end = |from: usize| {
        from + bytes[from..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count()
    };
    let is_tld = |label: &str| {
        GENERIC.contains(&label) || (label.len() == 2 && label.bytes().all(|b| b.is_ascii_lowercase()))
    };
    let first = label_end(0);
    if first == 0 || !bytes[..first].iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut at = first;
    while bytes.get(at) == Some(&b'.') {
        let end = label_end(at + 1);
        let label = &name[at + 1..end];
        // A label may run into the name's own digits (`com3`).
        let letters = label.bytes().take_while(u8::is_ascii_lowercase).count();
        if letters == 0 || !is_tld(&label[..letters]) {
            break;
        }
        let tld_end = at + 1 + letters;
        let next = bytes.get(tld_end).copied();
        if next.is_some_and(|b| b.is_ascii_digit() || b == b'_' || b == b'-') {
            return Some(&name[..tld_end]);
        }
        if next != Some(b'.') {
            break;
        }
        at = tld_end;
    }
    None
}

/// Fields that hold a record's page address, in the order `auto` tries
/// them: the names of common crawl and dataset shapes (C4, FineWeb and
/// CC-News `url`, news-please `source_url`, WARC `warc-target-uri`).
const URL_FIELDS: &[&str] =
    &["url", "link", "source_url", "canonical_url", "page_url", "article_url", "warc-target-uri"];

/// Fields that name a record's site outright (CC-News `domain`,
/// news-please `source_domain`), tried after the address fields.
const SITE_FIELDS: &[&str] = &["domain", "source_domain", "site", "hostname", "host"];

/// Objects whose fields `auto` also looks in, one or two levels down
/// (Dolma's `metadata.url`, OSCAR's `meta.warc_headers.warc-target-uri`).
const NESTED: &[&str] = &["metadata", "meta", "warc_headers"];

/// The group of a JSON Lines record when its fields tell it: grouped by a
/// field, that field's ([`field_group`]); by default (`auto`), the host of
/// the first page address it has ([`URL_FIELDS`], also inside
/// [`NESTED`] objects), else the site a site field names; else `None`
/// (grouped by its path).
pub fn record_group(fields: &serde_json::Map<String, serde_json::Value>, by: &GroupBy) -> Option<String> {
    match by {
        GroupBy::Field(name) => Some(field_group(fields, name)),
        GroupBy::Auto => auto_group(fields, 0),
        _ => None,
    }
}

fn auto_group(fields: &serde_json::Map<String, serde_json::Value>, depth: usize) -> Option<String> {
    let text = |name: &&str| match fields.get(*name) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    };
    if let Some(url) = URL_FIELDS.iter().filter_map(text).find(|u| u.contains("://")) {
        return Some(host_of(url));
    }
    if let Some(site) = SITE_FIELDS.iter().find_map(text) {
        return Some(host_of(site));
    }
    (depth < 2).then(|| {
        NESTED.iter().find_map(|n| match fields.get(*n) {
            Some(serde_json::Value::Object(inner)) => auto_group(inner, depth + 1),
            _ => None,
        })
    })?
}

/// The group of a JSON Lines record grouped by `field` (a dotted path such
/// as `metadata.url` reaches into objects): the field's value, or for a URL
/// its host in lower case without `www.`; `-` when missing.
pub fn field_group(fields: &serde_json::Map<String, serde_json::Value>, field: &str) -> String {
    let found = fields.get(field).or_else(|| {
        let (head, rest) = field.split_once('.')?;
        rest.split('.').try_fold(fields.get(head)?, |v, part| v.as_object()?.get(part))
    });
    match found {
        Some(serde_json::Value::String(s)) => host_of(s),
        Some(serde_json::Value::Null) | None => "-".to_string(),
        Some(other) => other.to_string(),
    }
}

/// A URL's host in lower case without `www.`; anything else as it is,
/// except a bare host name (`www.Example.com`), folded the same way.
fn host_of(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        let v = value.trim();
        let bare = v.contains('.') && !v.contains(char::is_whitespace) && !v.contains('/');
        return if bare { strip_www(v.to_lowercase()) } else { value.to_string() };
    };
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) {
        return value.to_string();
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host_port.split(':').next().unwrap_or(host_port),
    };
    strip_www(host.to_lowercase())
}

fn strip_www(host: String) -> String {
    match host.strip_prefix("www.") {
        Some(rest) => rest.to_string(),
        None => host,
    }
}

/// The folded text of a line: lower case, each run of digits as one `0`
/// (so `Comments (9)` and `Comments (10)`, `9:05` and `12:31` fold
/// alike), whitespace collapsed.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    fold_into(line, &mut out);
    out
}

/// [`fold`] into `out`, which is cleared first. ASCII, nearly all of the
/// text of most scrapes, is folded a word at a time through a byte table,
/// which the compiler turns into wide copies.
fn fold_into(line: &str, out: &mut String) {
    out.clear();
    if line.is_ascii() {
        let mut bytes = std::mem::take(out).into_bytes();
        // The ASCII characters `char::is_whitespace` accepts (with 0x0b,
        // which `u8::is_ascii_whitespace` leaves out).
        let words = line.as_bytes().split(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'));
        for word in words.filter(|w| !w.is_empty()) {
            if !bytes.is_empty() {
                bytes.push(b' ');
            }
            bytes.extend(word.iter().map(|&b| ASCII_FOLD[usize::from(b)]));
        }
        // Only digits fold to `0`: a run of them is one `0`. Most lines
        // hold no two digits in a row and are not walked again.
        if memchr::memchr_iter(b'0', &bytes).any(|i| bytes.get(i + 1) == Some(&b'0')) {
            bytes.dedup_by(|b, prev| *b == b'0' && *prev == b'0');
        }
        *out = String::from_utf8(bytes).expect("ASCII in, ASCII out");
    } else {
        fold_chars(line, out);
    }
}

/// Lower case, and every digit `0`: the ASCII half of [`fold`].
static ASCII_FOLD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() { b'0' } else { c.to_ascii_lowercase() };
        b += 1;
    }
    t
};

/// [`fold_into`] for any text, a character at a time.
fn fold_chars(line: &str, out: &mut String) {
    let (mut space, mut digit_run) = (false, false);
    for c in line.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            digit_run = false;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii_digit() {
            if !digit_run {
                out.push('0');
            }
            digit_run = true;
            continue;
        }
        digit_run = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// The key a line is counted by; `None` for a blank line.
pub fn line_key(line: &str) -> Option<u64> {
    folded_key(line, xxhash_rust::xxh3::xxh3_64)
}

/// `hash` of the folded `text`; `None` when it folds to nothing.
fn folded_key(text: &str, hash: impl Fn(&[u8]) -> u64) -> Option<u64> {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with_borrow_mut(|folded| {
        fold_into(text, folded);
        (!folded.is_empty()).then(|| hash(folded.as_bytes()))
    })
}

/// Which lines a counting pass counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Every line (`suggest` reports shared story lines too).
    All,
    /// The lines a `repeated` rule may remove: not [`story_like`] ones,
    /// whose folding is most of the bytes of a scrape.
    Removable,
}

/// What a counting pass keeps of one document: its distinct line keys,
/// with the keys of the endings of its tail lines (see [`endings`]), and a
/// fingerprint of the whole document (its keys and its story lines'
/// bytes), by which copies of one document are counted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocKeys {
    pub keys: Vec<u64>,
    pub copy: u64,
}

/// The [`DocKeys`] of one document.
pub fn doc_keys(text: &str, counted: Counted) -> DocKeys {
    let lines: Vec<&str> = crate::text::line_texts(text).collect();
    let story: Vec<bool> = lines.iter().map(|l| story_like(l)).collect();
    let mut set: HashSet<u64> = lines
        .iter()
        .zip(&story)
        .filter(|(_, &s)| counted == Counted::All || !s)
        .filter_map(|(l, _)| line_key(l))
        .collect();
    // A footer counts the same glued into a paragraph or on its own line.
    for i in tail_lines(lines.len(), |i| lines[i].trim().is_empty(), |i| story[i]) {
        let ends = endings(lines[i]);
        if ends.is_empty() {
            set.extend(ending_key(lines[i]));
        }
        for e in ends {
            set.insert(e.key);
            set.extend(e.context);
        }
    }
    let mut keys: Vec<u64> = set.into_iter().collect();
    keys.sort_unstable();
    // Story lines are hashed as they are (cheaper than folding, and keyed
    // only when all lines are counted): a copy is the same story to the
    // byte, not a story that differs only in its figures.
    let mut copy = xxhash_rust::xxh3::Xxh3::new();
    for k in &keys {
        copy.update(&k.to_le_bytes());
    }
    for (l, _) in lines.iter().zip(&story).filter(|(_, &s)| s) {
        copy.update(l.as_bytes());
        copy.update(b"\n");
    }
    DocKeys { keys, copy: copy.digest() }
}

/// Lines at a document's tail that glued repetition reads: the last line
/// that reads as story text and the non-blank lines after it, this many
/// in all. A site's footer glued into a paragraph sits there.
pub const TAIL_LINES: usize = 6;

/// An ending that reads as story text is cut only from a group where it
/// ends one document in this many (see `engine::repeated`).
pub const STORY_ENDING_SHARE: u64 = 5;

/// Sentence starts of a line that glued repetition counts, from its end:
/// a footer is a sentence or a few.
const TAIL_SENTENCES: usize = 4;

/// The lines glued repetition reads in a document of `n` lines (see
/// [`TAIL_LINES`]); none without a story line.
pub fn tail_lines(n: usize, blank: impl Fn(usize) -> bool, story: impl Fn(usize) -> bool) -> Vec<usize> {
    let Some(last) = (0..n).rev().find(|&i| story(i)) else { return Vec::new() };
    (last..n).filter(|&i| !blank(i)).take(TAIL_LINES).collect()
}

/// The end of a line from one of its sentence starts on: where a cut of it
/// would begin (before the blank, and before desk initials such as
/// `EF/MA` in front of it), the key of the text from the sentence start
/// (the same key a line of that text alone has), and the key of the text
/// from the sentence start before (or of the whole line), which copies of
/// one story share and a footer glued to many stories does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    pub cut: usize,
    pub key: u64,
    /// `None` for a line that is desk initials and the ending alone.
    pub context: Option<u64>,
}

/// The endings of `line` at its last [`TAIL_SENTENCES`] sentence starts,
/// the longest first; never the whole line unless desk initials alone
/// come before (`NA/PA All Content by …`). A sentence starts at a word
/// that does not begin in lower case, after a word that ends a sentence
/// (`.`, `!`, `?`, `…`, then closing quotes or brackets) or after desk
/// initials.
pub fn endings(line: &str) -> Vec<Ending> {
    // Words split where folding splits them.
    let starts = if line.is_ascii() {
        sentence_starts(line, line.split(fold_space).filter(|w| !w.is_empty()).rev())
    } else {
        sentence_starts(line, line.split_whitespace().rev())
    };
    let Some(&Start { at: left, place: r_left, .. }) = starts.last() else { return Vec::new() };
    // The text from the leftmost start is folded once: folding keeps
    // words and joins them with one space, so the word `r` places from
    // the end begins after the `r`-th space from the end.
    let mut folded = String::new();
    fold_into(&line[left..], &mut folded);
    let bytes = folded.as_bytes();
    let agrees = memchr::memchr_iter(b' ', bytes).count() == r_left;
    debug_assert!(agrees, "{line:?}");
    let mut spaces = memchr::memrchr_iter(b' ', bytes).enumerate();
    let keys: Vec<Option<u64>> = starts
        .iter()
        .map(|s| {
            let from = match s.place {
                r if r == r_left => Some(0),
                r => spaces.find(|&(n, _)| n == r).map(|(_, i)| i + 1),
            };
            match from {
                Some(i) if agrees => Some(xxhash_rust::xxh3::xxh3_64_with_seed(&bytes[i..], ENDING_SEED)),
                _ => ending_key(&line[s.at..]),
            }
        })
        .collect();
    // Longest first; the context is the text from the sentence before,
    // the initials (which vary) counted with the ending.
    (0..starts.len().min(TAIL_SENTENCES))
        .rev()
        .filter_map(|i| {
            let Start { cut, own, .. } = starts[i];
            let before = (i + 1..starts.len()).find(|&j| starts[j].at < own).map(|j| keys[j]);
            let context = match before {
                Some(k) => k,
                None if cut > 0 => ending_key(line),
                None => None,
            };
            Some(Ending { cut, key: keys[i]?, context })
        })
        .collect()
}

/// Endings are keyed apart from whole lines (the same hash with this
/// seed), so counting them never adds to a line's count.
const ENDING_SEED: u64 = 0x656e_6469_6e67;

/// The key of `text` as an ending, or of a line as the context of one.
pub fn ending_key(text: &str) -> Option<u64> {
    folded_key(text, |b| xxhash_rust::xxh3::xxh3_64_with_seed(b, ENDING_SEED))
}

/// The ASCII characters folding splits words at (`char::is_whitespace`'s,
/// with 0x0b, which `u8::is_ascii_whitespace` leaves out).
fn fold_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// A sentence start in a line (see [`endings`]).
#[derive(Debug, Clone, Copy)]
struct Start {
    /// Offset of its word.
    at: usize,
    /// The word's place from the line's end (0 for the last word).
    place: usize,
    /// Where a cut of the ending begins.
    cut: usize,
    /// Where the ending's own text begins: before desk initials that
    /// come first.
    own: usize,
}

/// The sentence starts of `line` from its end, one more than
/// [`TAIL_SENTENCES`] (the longest ending's context), given its words
/// from the last.
fn sentence_starts<'a>(line: &'a str, words: impl Iterator<Item = &'a str> + Clone) -> Vec<Start> {
    let offset = |w: &str| w.as_ptr() as usize - line.as_ptr() as usize;
    let mut starts = Vec::new();
    let mut words = words.enumerate().peekable();
    while let Some((place, word)) = words.next() {
        if starts.len() == TAIL_SENTENCES + 1 {
            break;
        }
        let Some(&(_, prev)) = words.peek() else { break };
        if word.starts_with(char::is_lowercase) {
            continue;
        }
        // Desk initials sign a story after its last sentence, not inside
        // one (`the US/EU council`).
        let before = words.clone().nth(1).map(|(_, w)| w);
        let initials = desk_initials(prev) && before.is_none_or(ends_sentence);
        if !initials && !ends_sentence(prev) {
            continue;
        }
        // The cut begins where the last word kept ends: it takes the
        // blank, and the initials when they sign the story.
        let kept = if initials { before } else { Some(prev) };
        let cut = kept.map_or(0, |w| offset(w) + w.len());
        let own = if initials { offset(prev) } else { offset(word) };
        starts.push(Start { at: offset(word), place, cut, own });
    }
    starts
}

/// Whether `word` ends a sentence: `.`, `!`, `?` or `…`, then closing
/// quotes or brackets, and not an abbreviation (`U.S.`, `Mr.`, `J.`).
fn ends_sentence(word: &str) -> bool {
    let closed = word.trim_end_matches(['"', '\'', ')', ']', '”', '’', '»']);
    if !closed.ends_with(['.', '!', '?', '…']) {
        return false;
    }
    let stem = closed.trim_end_matches('.').trim_start_matches(['(', '[', '"', '\'', '“', '‘']);
    let one_capital = stem.chars().count() == 1 && stem.starts_with(char::is_uppercase);
    !(closed.ends_with('.') && (stem.contains('.') || one_capital || ABBREVIATIONS.contains(&stem)))
}

/// Words whose full stop seldom ends a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Gov", "Sen", "Rep", "Lt", "Col", "Capt", "Sgt",
    "Prof", "Rev", "No", "Nos", "Vol", "Fig", "Inc", "Corp", "Co", "Ltd", "Mt", "Ft", "vs", "Jan", "Feb",
    "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Ave", "Blvd", "Dept", "approx", "est",
];

/// Desk initials: two to four capitals, a slash, two to four capitals
/// (`EF/MA`, `NA/PA`), as some agencies sign a story before its footer.
fn desk_initials(word: &str) -> bool {
    let Some((a, b)) = word.split_once('/') else { return false };
    let caps = |s: &str| (2..=4).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_uppercase());
    caps(a) && caps(b)
}

/// Documents per line key in one group.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Group {
    pub docs: u64,
    #[serde(with = "hex_keys")]
    pub lines: HashMap<u64, u32>,
    /// Copies of documents already counted, not counted again.
    #[serde(default)]
    pub copies: u64,
    /// The fingerprints of the documents counted (never saved).
    #[serde(skip)]
    pub seen: HashSet<u64>,
}

/// The name of the counts' scheme (the line-key hash, tail endings keyed,
/// copies counted once), saved with the counts: files with another were
/// made by an older build and cannot be used.
pub const KEY_HASH: &str = "xxh3-64, digit runs, endings, copies";

/// Counts for every group of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counts {
    /// [`KEY_HASH`] when made by this build.
    #[serde(default)]
    pub key_hash: String,
    pub group_by: GroupBy,
    pub groups: BTreeMap<String, Group>,
    /// The renders of the pages counted, for the cleaning pass
    /// (never saved).
    #[serde(skip)]
    pub pages: std::sync::Arc<crate::html::PageMemo>,
}

impl Counts {
    pub fn new(group_by: GroupBy) -> Counts {
        Counts {
            key_hash: KEY_HASH.to_string(),
            group_by,
            groups: BTreeMap::new(),
            pages: Default::default(),
        }
    }

    /// Count one document, given its group and its keys. A copy of a
    /// document already counted in the group (the same article at two
    /// addresses) is not counted again: its lines are one story's, not a
    /// site's template. Copies are alike in every key, so which one is
    /// counted does not matter, and counts stay independent of order.
    pub fn add(&mut self, group: &str, doc: &DocKeys) {
        let g = self.groups.entry(group.to_string()).or_default();
        if !g.seen.insert(doc.copy) {
            g.copies += 1;
            return;
        }
        g.docs += 1;
        for k in &doc.keys {
            *g.lines.entry(*k).or_default() += 1;
        }
    }

    /// The group named `name`, if any document of it was counted.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }

    /// Documents of the group `name` that hold the line with `key`, and the group's size.
    pub fn get(&self, name: &str, key: u64) -> (u32, u64) {
        match self.groups.get(name) {
            Some(g) => (g.lines.get(&key).copied().unwrap_or(0), g.docs),
            None => (0, 0),
        }
    }
}

/// A line that reads like story text, however often it repeats: a long
/// sentence, or a quotation (articles of a site share quotes and stock
/// paragraphs).
pub fn story_like(line: &str) -> bool {
    // Twelve words ending as a sentence, or six with a quotation mark;
    // the quote search, the dearest test, runs last.
    let end = line.trim_end();
    let words = crate::text::words_up_to(line, 12);
    if words >= 12 && end.ends_with(['.', '!', '?', '”', '"']) {
        return true;
    }
    // Chinese and Japanese put no spaces between words: there, twenty
    // characters ending as a sentence (Korean has spaces: words count).
    if end.ends_with(['。', '！', '？', '」', '』', '.', '!', '?'])
        && !end.is_ascii()
        && wide_chars(end) >= 20
    {
        return true;
    }
    words >= 6 && quoted(line)
}

/// Sentences of twelve words or more in `text`, each ending in `.`, `!` or
/// `?` (a closing quote or bracket may follow) before a space or the end,
/// counted up to `cap`. An abbreviation (`U.S. officials`) ends a sentence
/// early, so the count errs low.
pub fn long_sentences(text: &str, cap: usize) -> usize {
    let b = text.as_bytes();
    let (mut found, mut words, mut in_word) = (0, 0, false);
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            words += 1;
            in_word = true;
        }
        if matches!(c, b'.' | b'!' | b'?') {
            let rest = &b[i + 1..];
            let after =
                rest.iter().position(|&d| !matches!(d, b'"' | b'\'' | b')' | b']')).unwrap_or(rest.len());
            let closes = match rest.get(after..) {
                Some([]) | None => true,
                Some([d, ..]) => d.is_ascii_whitespace() || rest[after..].starts_with("”".as_bytes()),
            };
            if closes {
                if words >= 12 {
                    found += 1;
                    if found >= cap {
                        return found;
                    }
                }
                words = 0;
            }
        }
    }
    found
}

/// Han and kana characters in `line`, counted up to twenty.
fn wide_chars(line: &str) -> usize {
    line.chars().filter(|&c| is_wide(c)).take(20).count()
}

/// Whether `c` is a Han or kana character: Chinese and Japanese write
/// words without spaces between them.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Whether `line` holds `"`, `“` or `”`: a byte search for `"` and the
/// lead byte the two curly quotes share.
pub fn quoted(line: &str) -> bool {
    let b = line.as_bytes();
    memchr::memchr2_iter(b'"', 0xE2, b)
        .any(|i| b[i] == b'"' || matches!(b.get(i + 1..i + 3), Some([0x80, 0x9C | 0x9D])))
}

/// Below this many documents a group is too small to tell a site's
/// template from its stories: `repeated` rules stay off for it.
pub const MIN_GROUP_DOCS: u64 = 10;

/// The default threshold: 5 documents, or 5% of the group if more. Lower
/// shares catch headings many sites share (`Conclusion`, `FAQs`) when one
/// group holds many sites; a site's own template is in far more.
pub fn default_min_docs(group_docs: u64) -> u64 {
    5.max(group_docs.div_ceil(20))
}

/// Lines of this many words or more, outside the story and not ending as
/// a sentence, need only [`FEW_DOCS`] documents however large the group:
/// headings that sites share are short and stock sentences end as
/// sentences, while a site's sign-offs and asks are long and its own, so a
/// directory that mixes many sites still finds each site's template.
pub const LONG_LINE_WORDS: usize = 5;

/// The threshold for such lines, and for short lines next to them.
pub const FEW_DOCS: u64 = 5;

/// Whether `line` ends as a sentence does (stock sentences that many
/// sites share do; a site's sign-offs and asks often do not).
pub fn ends_as_sentence(line: &str) -> bool {
    line.trim_end().ends_with(['.', '!', '?', '…', '"', '”', '。', '！', '？'])
}

/// Whether `line` is long enough for [`FEW_DOCS`] (it must also sit
/// outside the story, see [`story_span`]): [`LONG_LINE_WORDS`] words or
/// more, not ending as a sentence.
pub fn long_line(line: &str) -> bool {
    crate::text::word_count(line) >= LONG_LINE_WORDS && !ends_as_sentence(line)
}

/// Whether line `i` of `n` lies inside the story: after the first line
/// that reads as story text and before the last.
pub fn story_span(n: usize, story: impl Fn(usize) -> bool) -> impl Fn(usize) -> bool {
    let first = (0..n).find(|&i| story(i));
    let last = first.and_then(|_| (0..n).rev().find(|&i| story(i)));
    move |i| first.is_some_and(|f| f < i) && last.is_some_and(|l| l > i)
}

/// Line keys written as hex strings, so JSON readers keep all 64 bits.
mod hex_keys {
    use std::collections::HashMap;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(map: &HashMap<u64, u32>, s: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<_> = map.iter().collect();
        sorted.sort();
        s.collect_map(sorted.into_iter().map(|(k, v)| (format!("{k:016x}"), v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<u64, u32>, D::Error> {
        let raw: HashMap<String, u32> = HashMap::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| u64::from_str_radix(&k, 16).map(|k| (k, v)).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_start_at_sentences_and_take_desk_initials() {
        let line = "The minister said. EF/MA All Content by Mehr is licensed. Visit us.";
        let cuts: Vec<(&str, u64)> = endings(line).iter().map(|e| (&line[e.cut..], e.key)).collect();
        let key = |s: &str| ending_key(s).unwrap();
        assert_eq!(
            cuts,
            [
                (
                    " EF/MA All Content by Mehr is licensed. Visit us.",
                    key("EF/MA All Content by Mehr is licensed. Visit us.")
                ),
                (
                    " EF/MA All Content by Mehr is licensed. Visit us.",
                    key("All Content by Mehr is licensed. Visit us.")
                ),
                (" Visit us.", key("Visit us.")),
            ]
        );
        // Desk initials alone before the footer: the whole line.
        assert_eq!(endings("NA/PA All Content.")[0].cut, 0);
        // No sentence start: a lower-case word, an abbreviation, slashed
        // capitals inside a sentence; a vertical tab splits words.
        assert!(endings("It rose 2.5 per cent. and more").is_empty());
        assert!(endings("One sentence only").is_empty());
        let cuts = |l: &str| endings(l).iter().map(|e| e.cut).collect::<Vec<_>>();
        assert_eq!(cuts("It was the U.S. Geological Survey. Mr. Smith agreed"), [34]);
        assert!(endings("Raised by the US/EU Trade Council on Monday").is_empty());
        assert_eq!(endings("Hi. Bye. \x0b").len(), 1);
    }

    proptest::proptest! {
        /// Any line: cuts fall on character boundaries before the ending,
        /// longest first, and an ending's key is that of its text alone.
        #[test]
        fn endings_hold_on_any_line(line in "([A-Za-z]{1,6}|[.!?”)/ \u{a0}\u{2009}\t\x0b\x0c]|É|ß|NA/PA|U\\.S\\.|Mr\\.|\u{130}){0,40}") {
            let ends = endings(&line);
            proptest::prop_assert!(ends.len() <= TAIL_SENTENCES);
            proptest::prop_assert!(ends.windows(2).all(|w| w[0].cut <= w[1].cut));
            for e in &ends {
                proptest::prop_assert!(line.is_char_boundary(e.cut) && e.cut < line.len());
                let from = line[e.cut..].trim_start();
                let own = from.split_once(char::is_whitespace).filter(|(w, _)| desk_initials(w)).map_or(from, |(_, r)| r.trim_start());
                proptest::prop_assert!(ending_key(own) == Some(e.key) || ending_key(from) == Some(e.key), "{:?}", line);
            }
        }
    }

    #[test]
    fn ascii_fast_path_folds_as_the_general_one() {
        for line in [
            "  Read  MORE:\tTop 10\x0bstories\r",
            "a\x0c b",
            "",
            "   ",
            "A1\x00 b22",
            "1 2 34x5 67",
            "9:05 12:31",
        ] {
            let mut general = String::new();
            fold_chars(line, &mut general);
            assert_eq!(fold(line), general, "{line:?}");
        }
    }

    #[test]
    fn long_sentences_are_counted_to_the_cap() {
        let s = "One two three four five six seven eight nine ten eleven twelve.";
        assert_eq!(long_sentences(s, 3), 1);
        assert_eq!(long_sentences(&format!("{s} {s} \"{s}\" {s}"), 3), 3);
        assert_eq!(long_sentences("Short one. Another short one! And a third?", 3), 0);
        // An abbreviation ends a sentence early; a decimal point does not.
        assert_eq!(long_sentences("The U.S. officials said one two three four five six seven.", 3), 0);
        assert_eq!(
            long_sentences("It rose 2.5 per cent one two three four five six seven eight nine.", 3),
            1
        );
    }

    #[test]
    fn story_like_is_a_long_sentence_or_a_quotation() {
        let reference = |l: &str| {
            let words = l.split_whitespace().count();
            let quoted = l.contains(['“', '”', '"']);
            let sentence = l.trim_end().ends_with(['.', '!', '?', '”', '"']);
            words >= 12 && (sentence || quoted) || quoted && words >= 6
        };
        for line in [
            "The minister said on Tuesday that the talks would resume in Geneva next week.",
            "The minister said on Tuesday that the talks would resume in Geneva next week",
            "“We will not back down,” the minister said.",
            "He called it a “turning point” for the region",
            "Subscribe to our newsletter",
            "It’s a long line with apostrophes – and dashes – but no quotes at all here",
            "Say “no” now",
            "",
        ] {
            assert_eq!(story_like(line), reference(line), "{line:?}");
        }
        // Without spaces between words: by characters.
        assert!(story_like("市は訓練の結果を分析し、避難ビルの追加指定や避難路の整備に反映させる方針。"));
        assert!(story_like("业内人士认为，沿江高铁东段的开通，将进一步完善区域高速铁路网，带动沿线城市旅游、物流等产业发展。"));
        assert!(!story_like("課題は夜間の避難"));
        assert!(!story_like("沿江高铁东段开通。"));
    }

    #[test]
    fn folding_ignores_case_digits_and_spacing() {
        assert_eq!(fold("  Take our POLL  - story 12 continues "), "take our poll - story 0 continues");
        assert_eq!(line_key("Updated 12:31 GMT"), line_key("updated  09:45 gmt"));
        // A counter or a time stamp whose width changes is one line too.
        assert_eq!(line_key("Comments (9)"), line_key("Comments (10)"));
        assert_eq!(line_key("Updated 9:05 GMT"), line_key("Updated 12:31 GMT"));
        assert_eq!(fold("1 2 34x5 №7"), "0 0 0x0 №0");
        assert_eq!(line_key("   "), None);
    }

    #[test]
    fn files_at_the_top_group_by_the_host_their_names_start_with() {
        let g = |rel| group_of(rel, &GroupBy::Auto);
        assert_eq!(g("reuters.com3.txt"), "reuters.com");
        assert_eq!(g("www.bbc.co.uk_48213.txt"), "bbc.co.uk");
        assert_eq!(g("tehrantimes.com-iran-talks.txt"), "tehrantimes.com");
        assert_eq!(g("site/reuters.com3.txt"), "site");
        for plain in
            ["notes.md", "001_04e8e9d62abacaa4.txt", "space.com.txt", "report.final-2.txt", "7.de-1.txt"]
        {
            assert_eq!(g(plain), ".", "{plain}");
        }
        assert_eq!(group_of("reuters.com3.txt", &GroupBy::Dir), ".");
    }

    #[test]
    fn counts_are_per_group_and_per_document() {
        let mut c = Counts::new(GroupBy::Dir);
        let by = GroupBy::Dir;
        c.add(group_of("a/1.txt", &by), &doc_keys("Poll\nStory one\nPoll\n", Counted::All));
        c.add(group_of("a/2.txt", &by), &doc_keys("Poll\nStory two\n", Counted::All));
        c.add(group_of("b/1.txt", &by), &doc_keys("Poll\n", Counted::All));
        let k = line_key("poll").unwrap();
        assert_eq!(c.get(group_of("a/9.txt", &by), k), (2, 2));
        assert_eq!(c.get(group_of("b/9.txt", &by), k), (1, 1));
        let json = serde_json::to_string(&c).unwrap();
        let back: Counts = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get("a", k), (2, 2));
    }

    #[test]
    fn records_group_by_a_field_and_urls_by_host() {
        let rec = |v: serde_json::Value| v.as_object().unwrap().clone();
        let g = |v| field_group(&rec(v), "url");
        assert_eq!(g(serde_json::json!({"url": "https://WWW.Example.com:8080/a?b"})), "example.com");
        assert_eq!(g(serde_json::json!({"url": "http://user@news.site.org/x"})), "news.site.org");
        assert_eq!(g(serde_json::json!({"url": "presstv"})), "presstv");
        assert_eq!(g(serde_json::json!({"url": 7})), "7");
        assert_eq!(g(serde_json::json!({})), "-");
        let auto = |v| record_group(&rec(v), &GroupBy::Auto);
        assert_eq!(
            auto(serde_json::json!({"url": "https://www.example.com/a"})).as_deref(),
            Some("example.com")
        );
        assert_eq!(auto(serde_json::json!({"url": "presstv"})), None);
        assert_eq!(auto(serde_json::json!({"id": "a/1"})), None);
        // The shapes of common datasets: another address field, a site
        // field, an address inside metadata.
        let site = |v| auto(v).unwrap_or_default();
        assert_eq!(
            site(serde_json::json!({"source_url": "https://news.example.org/a", "domain": "x"})),
            "news.example.org"
        );
        assert_eq!(site(serde_json::json!({"domain": "www.Example.com", "text": "…"})), "example.com");
        assert_eq!(site(serde_json::json!({"source_domain": "tehrantimes.com"})), "tehrantimes.com");
        assert_eq!(site(serde_json::json!({"metadata": {"url": "https://a.org/x"}})), "a.org");
        let oscar = serde_json::json!({"meta": {"warc_headers": {"warc-target-uri": "https://b.org/y"}}});
        assert_eq!(site(oscar), "b.org");
        assert_eq!(auto(serde_json::json!({"metadata": {"lang": "en"}, "url": ""})), None);
        // A dotted path reaches into objects.
        assert_eq!(
            field_group(&rec(serde_json::json!({"metadata": {"url": "https://c.org/z"}})), "metadata.url"),
            "c.org"
        );
        assert_eq!(field_group(&rec(serde_json::json!({"metadata": {}})), "metadata.url"), "-");
        assert_eq!(record_group(&rec(serde_json::json!({"url": "https://a.org/x"})), &GroupBy::Dir), None);
    }
}
