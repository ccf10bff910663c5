//! A bound on what parsing a page may cost, checked before the parse.
//!
//! Two shapes of markup make the HTML5 tree builder costly. Nesting: it
//! looks through its stack of open elements for many tags (each `<div>`
//! asks whether a `<p>` is open), so markup nested N deep takes time in N²
//! (40,000 nested `<div>`s 2.6 s, 200,000 86 s, one worker held).
//! Reopening: a formatting element left open (`<b class=c1>`) is reopened
//! in every later paragraph, so F of them before P paragraphs make F × P
//! elements (800 before 100,000 `<p>x`, a 411 kB page, took 6 GB and ended
//! the run). One linear pass models the builder closely enough to bound
//! both: a stack of open elements that end tags and implied closes pop
//! (a stray end tag closes nothing), and the list of active formatting
//! elements with its limit of three alike. It errs low where it
//! simplifies (scopes, tables, foster parenting), never on shapes real
//! pages hold.

use std::collections::HashMap;
use std::sync::OnceLock;

use memchr::{memchr, memmem};

/// Summed depth at each start tag past which a page is not parsed: about
/// 22,000 nested elements, under a second of parsing for `<div>`s. The
/// 683 real pages of the corpus reach at most 79,000.
pub const WORK_BUDGET: u64 = 250_000_000;

/// Elements the parser would make past which a page is not parsed, a few
/// hundred bytes each. The 683 real pages of the corpus make at most 4,700.
pub const NODE_BUDGET: u64 = 1_000_000;

/// Attribute bytes the parser's elements would carry past which a page is
/// not parsed: a formatting element reopened in every paragraph copies its
/// attributes into each, and selector rules read them in every copy (30
/// classes of 1 kB reopened in 30,000 paragraphs took 30 s). The corpus's
/// real pages carry at most a few hundred kB.
pub const ATTRIBUTE_BUDGET: u64 = 32_000_000;

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is text up to their end tag (in HTML, not SVG).
const RAW_TEXT: &[&str] =
    &["iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp"];

/// Formatting elements: left open, they are reopened in later blocks.
const FORMATTING: &[&str] =
    &["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"];

/// Elements whose start closes an open `<p>`, and that reopen no
/// formatting elements themselves.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "ul",
];

/// Elements that start a new list of formatting elements (a marker).
const MARKER: &[&str] = &["applet", "caption", "marquee", "object", "td", "template", "th"];

/// Start tags that close an open element (the nearest of `closes`) found
/// above the nearest of the stop elements, in this order.
const SIBLINGS: &[(&str, &[&str], &[&str])] = &[
    ("td", &["td", "th"], &["table", "tr"]),
    ("th", &["td", "th"], &["table", "tr"]),
    ("tr", &["tr"], &["table", "thead", "tbody", "tfoot"]),
    ("thead", &["thead", "tbody", "tfoot"], &["table"]),
    ("tbody", &["thead", "tbody", "tfoot"], &["table"]),
    ("tfoot", &["thead", "tbody", "tfoot"], &["table"]),
    ("button", &["button"], &["form", "table", "td", "th"]),
];

/// The parser's special elements: a list item's start looks past none of
/// them but these three for an open item, and an end tag no element of
/// which is open above the nearest of them closes nothing.
const SPECIAL: &[&str] = &[
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "base",
    "basefont",
    "bgsound",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "iframe",
    "img",
    "input",
    "keygen",
    "li",
    "link",
    "listing",
    "main",
    "marquee",
    "menu",
    "meta",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "p",
    "param",
    "plaintext",
    "pre",
    "script",
    "search",
    "section",
    "select",
    "source",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
    "wbr",
    "xmp",
];

/// Where a search for an element in scope stops.
const SCOPE: &[&str] = &["applet", "caption", "html", "marquee", "object", "table", "td", "template", "th"];

/// HTML start tags that end SVG or MathML content.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// SVG and MathML elements whose content is HTML.
const INTEGRATION: &[&str] = &["mi", "mo", "mn", "ms", "mtext", "foreignobject", "desc", "title"];

/// What an open element is to the searches that stop at it, as bits of
/// its frame: looked up once when it is pushed, not per search.
const IS_SPECIAL: u16 = 1;
const IS_SCOPE: u16 = 2;
/// `button`: the scope of a `</p>`.
const IS_BUTTON: u16 = 4;
/// `ol`, `ul`: the scope of a `</li>`.
const IS_LIST: u16 = 8;
/// `address`, `div`, `p`: a list item's start looks past these three.
const IS_ITEM_PASSABLE: u16 = 16;
/// Where a block's start stops looking for an open `<p>`.
const IS_BLOCK_STOP: u16 = 32;
/// An SVG or MathML element whose content is HTML, when foreign.
const IS_INTEGRATION: u16 = 64;
/// A table or a part of one that holds rows.
const IS_TABLE: u16 = 128;
/// Where a table part's start stops clearing the stack: a cell, a
/// caption, a template.
const IS_CELL: u16 = 256;

fn kind(name: u64) -> u16 {
    static KINDS: OnceLock<HashMap<u64, u16>> = OnceLock::new();
    let kinds = KINDS.get_or_init(|| {
        let mut kinds = HashMap::new();
        let sets: [(&[&str], u16); 9] = [
            (SPECIAL, IS_SPECIAL),
            (SCOPE, IS_SCOPE),
            (&["button"], IS_BUTTON),
            (&["ol", "ul"], IS_LIST),
            (&["address", "div", "p"], IS_ITEM_PASSABLE),
            (&["table", "td", "th", "button", "applet", "caption", "marquee", "object"], IS_BLOCK_STOP),
            (INTEGRATION, IS_INTEGRATION),
            (&["table", "tbody", "thead", "tfoot", "tr"], IS_TABLE),
            (&["td", "th", "caption", "template"], IS_CELL),
        ];
        for (names, bit) in sets {
            for n in names {
                *kinds.entry(id(n)).or_default() |= bit;
            }
        }
        kinds
    });
    kinds.get(&name).copied().unwrap_or(0)
}

/// Work units (about 4 ns each, see [`WORK_BUDGET`]) of comparing one
/// attribute of two formatting tags in the parser.
const ATTRIBUTE_COMPARISON: u64 = 32;

/// How far back in the list of formatting elements a lookup goes: real
/// pages hold a few, and a bound keeps the pass linear.
const REACH: usize = 64;

/// `Err` with the reason when parsing `html` would cost more than
/// [`WORK_BUDGET`] or create more than [`NODE_BUDGET`] elements.
pub fn check(html: &str) -> Result<(), String> {
    let mut scan = Scan::default();
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(at) = memchr(b'<', &b[i..]) {
        if at > 0 {
            scan.text(b[i..i + at].iter().all(u8::is_ascii_whitespace));
        }
        i += at + 1;
        let rest = &b[i..];
        if rest.starts_with(b"!--") {
            i = comment_end(b, i + 3);
            continue;
        }
        if matches!(rest.first(), Some(b'!' | b'?')) {
            i = memchr(b'>', rest).map_or(b.len(), |e| i + e + 1);
            continue;
        }
        let end = rest.first() == Some(&b'/');
        // Inside SVG or MathML, `<title>` or `<style>` holds markup.
        let foreign = scan.in_foreign();
        let start = i + usize::from(end);
        let len = b[start..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        if len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        let mut buf = [0u8; 16];
        let long;
        let name = if len <= buf.len() {
            buf[..len].copy_from_slice(&b[start..start + len]);
            buf[..len].make_ascii_lowercase();
            std::str::from_utf8(&buf[..len]).unwrap_or("")
        } else {
            long = html[start..start + len].to_ascii_lowercase();
            &long
        };
        let (close, self_closed, attributes) = tag_end(b, start + len);
        // The tokenizer compares each attribute with those before it on
        // the tag, to drop repeats.
        scan.attribute_work += attributes * attributes / 2;
        scan.most_attributes = scan.most_attributes.max(attributes);
        if end {
            scan.end_tag(name);
        } else {
            // Attributes are what makes two formatting elements alike.
            scan.start_tag(name, (&b[start + len..close], attributes), self_closed);
            if name == "plaintext" && !foreign {
                break;
            }
            if RAW_TEXT.contains(&name) && !foreign {
                // Its text is not markup: on to its end tag.
                i = memmem::find_iter(&b[close..], b"</")
                    .map(|e| close + e)
                    .find(|&e| {
                        b.get(e + 2..e + 2 + len).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                    })
                    .unwrap_or(b.len());
                continue;
            }
        }
        i = close;
        if scan.work + scan.ark_work > WORK_BUDGET {
            return Err(match scan.ark_work > scan.work {
                true => "its formatting tags would be compared with too many open ones like them \
                         to parse in bounded time: not cleaned"
                    .to_string(),
                false => format!(
                    "its markup nests too deep to parse in bounded time ({} elements open at once): not cleaned",
                    scan.deepest
                ),
            });
        }
        if scan.nodes > NODE_BUDGET {
            return Err(format!("its markup would make over {NODE_BUDGET} elements: not cleaned"));
        }
        if scan.attribute_work > WORK_BUDGET {
            return Err(format!(
                "its tags hold too many attributes to parse in bounded time ({} on one tag): not cleaned",
                scan.most_attributes
            ));
        }
        if scan.attribute_bytes > ATTRIBUTE_BUDGET {
            return Err(format!(
                "its markup would copy over {ATTRIBUTE_BUDGET} bytes of attributes into reopened elements: \
                 not cleaned"
            ));
        }
    }
    Ok(())
}

/// A comment's end from just after `<!--`: `-->`, `--!>`, or at once for
/// the abrupt `<!-->` and `<!--->`. One search for `--` at a time, so a
/// page of many comments is read once.
fn comment_end(b: &[u8], from: usize) -> usize {
    let rest = &b[from..];
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut k = from;
    while let Some(e) = memmem::find(&b[k..], b"--") {
        let at = k + e + 2;
        match &b[at..] {
            [b'>', ..] => return at + 1,
            [b'!', b'>', ..] => return at + 2,
            _ => k = at - 1,
        }
    }
    b.len()
}

/// Just past the `>` that ends the tag whose name ends at `from`, whether
/// it ends `/>`, and its attributes, read as the tokenizer reads them: a quote
/// opens a value only where a value begins (`a="…"`), not in a name
/// (`<div =">`) or inside an unquoted value (`a=b"c`, `a=="`).
fn tag_end(b: &[u8], from: usize) -> (usize, bool, u64) {
    #[derive(PartialEq)]
    enum At {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Unquoted,
    }
    let mut at = At::BeforeName;
    let mut k = from;
    let mut attributes = 0;
    while k < b.len() {
        let c = b[k];
        let space = matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
        if c == b'>' {
            return (k + 1, at == At::BeforeName && k > from && b[k - 1] == b'/', attributes);
        }
        let before = matches!(at, At::BeforeName | At::AfterName);
        at = match at {
            At::BeforeName if space || c == b'/' => At::BeforeName,
            At::BeforeName => At::Name,
            At::Name if space => At::AfterName,
            At::Name if c == b'=' => At::BeforeValue,
            At::Name if c == b'/' => At::BeforeName,
            At::Name => At::Name,
            At::AfterName if space => At::AfterName,
            At::AfterName if c == b'=' => At::BeforeValue,
            At::AfterName if c == b'/' => At::BeforeName,
            At::AfterName => At::Name,
            At::BeforeValue if space => At::BeforeValue,
            At::BeforeValue if c == b'"' || c == b'\'' => {
                k = memchr(c, &b[k + 1..]).map_or(b.len(), |e| k + 1 + e);
                At::BeforeName
            }
            At::BeforeValue => At::Unquoted,
            At::Unquoted if space => At::BeforeName,
            At::Unquoted => At::Unquoted,
        };
        attributes += u64::from(before && at == At::Name);
        k += 1;
    }
    (b.len(), false, attributes)
}

/// FNV-1a: names and attributes are short, and this runs on every tag.
fn hash(name: &str, attrs: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in name.as_bytes().iter().chain([0u8].iter()).chain(attrs) {
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn id(name: &str) -> u64 {
    hash(name, b"")
}

struct Frame {
    name: u64,
    /// Its `IS_…` bits.
    kind: u16,
    /// The active formatting entry this element is, if any.
    entry: Option<usize>,
    /// SVG or MathML, and an integration point in it (`mi`,
    /// `foreignObject`): HTML tags inside one nest as in HTML.
    foreign: bool,
    integration: bool,
    /// A cell, caption or object: its formatting elements end with it.
    marker: bool,
}

struct Entry {
    name: u64,
    key: u64,
    /// Its attributes' bytes, copied into each element that reopens it.
    attribute_bytes: u64,
    /// Whether its element is on the stack; one that is not is reopened.
    open: bool,
    removed: bool,
    marker: bool,
}

#[derive(Default)]
struct Scan {
    stack: Vec<Frame>,
    /// Open elements per name, so an end tag finds its element at once.
    counts: HashMap<u64, u32>,
    /// Active formatting elements and markers, by index; `order` lists
    /// them in order, removed ones until compacted.
    entries: Vec<Entry>,
    order: Vec<usize>,
    removed: usize,
    work: u64,
    nodes: u64,
    /// Bytes of attributes copied into reopened elements.
    attribute_bytes: u64,
    /// Active formatting elements per name.
    listed: HashMap<u64, u32>,
    /// The parser's comparisons of a formatting tag with the active ones
    /// of its name: work of its own, so a refusal names its cause.
    ark_work: u64,
    /// The tokenizer's comparisons of attributes on one tag, summed.
    attribute_work: u64,
    most_attributes: u64,
    deepest: usize,
}

impl Scan {
    fn push(&mut self, name: u64, entry: Option<usize>, foreign: bool, marker: bool) {
        self.work += self.stack.len() as u64;
        self.nodes += 1;
        *self.counts.entry(name).or_default() += 1;
        let kind = kind(name);
        let integration = foreign && kind & IS_INTEGRATION != 0;
        // An integration point bounds the parser's scopes, as special elements do.
        let kind = kind | if integration { IS_SPECIAL | IS_SCOPE | IS_BLOCK_STOP } else { 0 };
        self.stack.push(Frame { name, kind, entry, foreign, integration, marker });
        self.deepest = self.deepest.max(self.stack.len());
    }

    fn pop(&mut self) {
        let Some(f) = self.stack.pop() else { return };
        if let Some(c) = self.counts.get_mut(&f.name) {
            *c -= 1;
        }
        if let Some(e) = f.entry {
            self.entries[e].open = false;
        }
        if f.marker {
            // Its formatting elements end with it, through its marker.
            while let Some(e) = self.order.pop() {
                let entry = &mut self.entries[e];
                if entry.removed {
                    self.removed -= 1;
                    continue;
                }
                entry.removed = true;
                if entry.marker {
                    break;
                }
                let name = entry.name;
                self.unlist(name);
            }
        }
    }

    /// Whether tags are read as SVG or MathML: the current element is one
    /// and not an integration point.
    fn in_foreign(&self) -> bool {
        self.stack.last().is_some_and(|f| f.foreign && !f.integration)
    }

    fn is_open(&self, name: u64) -> bool {
        self.counts.get(&name).is_some_and(|&c| c > 0)
    }

    /// Pop through the nearest open element named one of `names` above
    /// the nearest `stop` element; whether one was found. The search costs
    /// what the builder's own does, so it counts as work and the budget
    /// bounds it.
    fn close(&mut self, names: &[&str], stop: &[&str]) -> bool {
        let stop: Vec<u64> = stop.iter().map(|n| id(n)).collect();
        self.close_unless(names, |f| stop.contains(&f.name))
    }

    /// [`Self::close`], stopping at the first element `stop` says.
    fn close_unless(&mut self, names: &[&str], stop: impl Fn(&Frame) -> bool) -> bool {
        if !names.iter().any(|n| self.is_open(id(n))) {
            return false;
        }
        let names: Vec<u64> = names.iter().map(|n| id(n)).collect();
        let (mut scanned, mut found) = (0, false);
        for f in self.stack.iter().rev() {
            scanned += 1;
            if names.contains(&f.name) {
                found = true;
                break;
            }
            if stop(f) {
                break;
            }
        }
        self.work += scanned as u64;
        if found {
            for _ in 0..scanned {
                self.pop();
            }
        }
        found
    }

    /// [`Self::close_unless`] for an end tag: when no element of `names` is
    /// open, the builder still searches down to the nearest `stop` element
    /// before it ignores the tag, and that search counts as work.
    fn close_in_scope(&mut self, names: &[&str], stop: impl Fn(&Frame) -> bool) -> bool {
        if names.iter().any(|n| self.is_open(id(n))) {
            return self.close_unless(names, stop);
        }
        let scanned = self.stack.iter().rev().position(&stop).map_or(self.stack.len(), |at| at + 1);
        self.work += scanned as u64;
        false
    }

    /// Pop the current element when it is named one of `names`.
    fn close_top(&mut self, names: &[&str]) {
        if self.stack.last().is_some_and(|f| names.iter().any(|n| id(n) == f.name)) {
            self.pop();
        }
    }

    /// Pop through the nearest open element with this name, however deep.
    fn close_through(&mut self, name: u64) {
        if !self.is_open(name) {
            return;
        }
        while let Some(f) = self.stack.last() {
            let hit = f.name == name;
            self.pop();
            if hit {
                break;
            }
        }
    }

    /// Entries from the end of the list, past removed ones, at most [`REACH`].
    fn recent(&self) -> impl Iterator<Item = usize> + '_ {
        self.order.iter().rev().take(REACH).copied().filter(|&e| !self.entries[e].removed)
    }

    /// Reopen the formatting elements whose elements were closed under
    /// them, as the builder does before text and inline elements.
    fn reopen(&mut self) {
        let mut from = self.order.len();
        let mut steps = 0;
        while from > 0 {
            steps += 1;
            let e = &self.entries[self.order[from - 1]];
            if !e.removed && (e.marker || e.open) {
                break;
            }
            from -= 1;
        }
        // The builder looks for each entry it steps back over in the whole
        // stack of open elements, before every text and inline element.
        self.work += steps * self.stack.len() as u64;
        for k in from..self.order.len() {
            let e = self.order[k];
            if self.entries[e].removed {
                continue;
            }
            self.entries[e].open = true;
            self.attribute_bytes += self.entries[e].attribute_bytes;
            let name = self.entries[e].name;
            self.push(name, Some(e), false, false);
        }
    }

    /// Text reopens the formatting elements closed under it; in a table
    /// (not in a cell), only text that is not blank, which the parser then
    /// puts before the table.
    fn text(&mut self, blank: bool) {
        if !(self.in_foreign() || blank && self.in_table()) {
            self.reopen();
        }
    }

    /// Whether the current element is a table or a part of one that holds
    /// rows, not a cell.
    fn in_table(&self) -> bool {
        self.stack.last().is_some_and(|f| f.kind & IS_TABLE != 0)
    }

    /// A table part's start tag clears the stack back to the table: the
    /// elements put before the table since (formatting elements reopened
    /// by stray text) are closed, and reopened by the next stray text.
    fn clear_to_table(&mut self) {
        let Some(at) = self.stack.iter().rposition(|f| f.kind & (IS_TABLE | IS_CELL) != 0) else {
            return;
        };
        if self.stack[at].kind & IS_TABLE == 0 {
            return;
        }
        let above = self.stack.len() - at - 1;
        self.work += above as u64;
        for _ in 0..above {
            self.pop();
        }
    }

    /// One active formatting element of this name fewer.
    fn unlist(&mut self, name: u64) {
        if let Some(n) = self.listed.get_mut(&name) {
            *n = n.saturating_sub(1);
        }
    }

    fn remove(&mut self, e: usize) {
        if !self.entries[e].removed && !self.entries[e].marker {
            self.unlist(self.entries[e].name);
        }
        self.entries[e].removed = true;
        self.removed += 1;
        while self.order.last().is_some_and(|&l| self.entries[l].removed) {
            self.order.pop();
            self.removed -= 1;
        }
        if self.removed > 64 && self.removed * 2 > self.order.len() {
            let entries = &self.entries;
            self.order.retain(|&o| !entries[o].removed);
            self.removed = 0;
        }
    }

    /// The last active formatting entry named `name` after the last marker.
    fn active(&self, name: u64) -> Option<usize> {
        self.recent().take_while(|&e| !self.entries[e].marker).find(|&e| self.entries[e].name == name)
    }

    /// `attrs`: the tag's attribute text and how many attributes it holds.
    fn start_tag(&mut self, name: &str, (attrs, attributes): (&[u8], u64), self_closed: bool) {
        if self.in_foreign() {
            if !BREAKOUT.contains(&name) {
                match self_closed {
                    true => self.nodes += 1,
                    false => self.push(id(name), None, true, false),
                }
                return;
            }
            // An HTML element ends the SVG or MathML around it, up to an
            // integration point or HTML.
            while self.in_foreign() {
                self.pop();
            }
        }
        if self_closed && matches!(name, "svg" | "math") {
            self.nodes += 1;
            return;
        }
        if BLOCK.contains(&name) {
            self.close_unless(&["p"], |f| f.kind & IS_BLOCK_STOP != 0);
        }
        match name {
            // An open item above the nearest special element other than
            // these three is closed.
            "li" | "dd" | "dt" => {
                let items: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                self.close_unless(items, |f| f.kind & (IS_SPECIAL | IS_ITEM_PASSABLE) == IS_SPECIAL);
            }
            "option" => self.close_top(&["option"]),
            "optgroup" => {
                self.close_top(&["option"]);
                self.close_top(&["optgroup"]);
            }
            _ if HEADINGS.contains(&name) => self.close_top(HEADINGS),
            _ => {}
        }
        if matches!(name, "caption" | "colgroup" | "col" | "tbody" | "thead" | "tfoot" | "tr" | "td" | "th") {
            self.clear_to_table();
        }
        for (_, closes, stop) in SIBLINGS.iter().filter(|(n, _, _)| *n == name) {
            self.close(closes, stop);
        }
        if VOID.contains(&name) {
            self.reopen();
            self.work += self.stack.len() as u64;
            self.nodes += 1;
            return;
        }
        if FORMATTING.contains(&name) {
            if matches!(name, "a" | "nobr") {
                // A second one closes the first, by the adoption agency.
                if let Some(e) = self.active(id(name)) {
                    let adopted = self.adopts(e);
                    self.remove(e);
                    if !adopted {
                        self.close_through(id(name));
                    }
                }
            }
            self.reopen();
            // The parser compares the tag with each active one of its name,
            // cloning and sorting both attribute lists (3,000 nested `<b>`s
            // of 30 attributes took 17.7 s).
            let listed = self.listed.get(&id(name)).copied().unwrap_or(0);
            self.ark_work += u64::from(listed) * (1 + attributes * ATTRIBUTE_COMPARISON);
            let key = hash(name, attrs);
            // No more than three alike after the last marker: the earliest goes.
            let alike: Vec<usize> = self
                .recent()
                .take_while(|&e| !self.entries[e].marker)
                .filter(|&e| self.entries[e].key == key)
                .collect();
            if alike.len() >= 3 {
                self.remove(alike[alike.len() - 1]);
            }
            *self.listed.entry(id(name)).or_default() += 1;
            let e = self.entries.len();
            let attribute_bytes = attrs.len() as u64;
            self.entries.push(Entry {
                name: id(name),
                key,
                attribute_bytes,
                open: true,
                removed: false,
                marker: false,
            });
            self.order.push(e);
            self.push(id(name), Some(e), false, false);
            return;
        }
        let marker = MARKER.contains(&name);
        // Table parts reopen nothing: the parser puts no content before them.
        if !BLOCK.contains(&name)
            && !marker
            && !matches!(name, "tr" | "tbody" | "thead" | "tfoot" | "colgroup")
        {
            self.reopen();
        }
        self.push(id(name), None, name == "svg" || name == "math", marker);
        if marker {
            let e = self.entries.len();
            self.entries.push(Entry {
                name: id(name),
                key: 0,
                attribute_bytes: 0,
                open: true,
                removed: false,
                marker: true,
            });
            self.order.push(e);
        }
    }

    /// Whether the end of the formatting element of entry `e` leaves the
    /// stack as deep as it was: with a special element open above it
    /// (`<b><div></b>`), the parser's adoption agency keeps the block open
    /// and puts a copy of the formatting element in its place. Its search
    /// of the stack counts as work.
    fn adopts(&mut self, e: usize) -> bool {
        let above = self.stack.iter().rev().take_while(|f| f.entry != Some(e));
        let (mut searched, mut special) = (0, false);
        for f in above {
            searched += 1;
            special |= f.kind & IS_SPECIAL != 0;
        }
        self.work += searched;
        let adopted = self.entries[e].open && special;
        self.nodes += u64::from(adopted);
        adopted
    }

    fn end_tag(&mut self, name: &str) {
        let name_id = id(name);
        if !self.in_foreign() && FORMATTING.contains(&name) {
            if let Some(e) = self.active(name_id) {
                if self.adopts(e) {
                    return;
                }
                self.remove(e);
                if self.entries[e].open {
                    self.close_through(name_id);
                }
                return;
            }
        }
        match name {
            // Searched for down the stack (body in scope), never popped here.
            "body" | "html" => {
                let body = id("body");
                self.close_in_scope(&[], |f| f.kind & IS_SCOPE != 0 || f.name == body);
            }
            // The parser makes a `<br>` of it, and an empty `<p>` of a `</p>`
            // with none open.
            "br" => self.nodes += 1,
            "p" => {
                if !self.close_in_scope(&["p"], |f| f.kind & (IS_SCOPE | IS_BUTTON) != 0) {
                    self.nodes += 1;
                }
            }
            // An element in scope, else nothing.
            _ if SPECIAL.contains(&name) => {
                let scope = if name == "li" { IS_SCOPE | IS_LIST } else { IS_SCOPE };
                let names: &[&str] = if HEADINGS.contains(&name) { HEADINGS } else { &[name] };
                self.close_in_scope(names, |f| f.kind & scope != 0);
            }
            // The nearest open element of the name, unless a special one
            // lies above it.
            _ => {
                self.close_in_scope(&[name], |f| f.kind & IS_SPECIAL != 0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!("<html><body>{body}</body></html>")
    }

    #[test]
    fn deep_or_reopening_markup_is_refused() {
        let nested = |n: usize, tag: &str| page(&format!("<{tag}>").repeat(n));
        assert!(check(&nested(100_000, "div")).is_err());
        assert!(check(&nested(100_000, "span")).is_err());
        // A stray end tag closes nothing; `/>` closes nothing in HTML; an
        // abrupt comment or `--!>` ends the comment; a quote inside an
        // unquoted value is a character; `<style>` in SVG is markup.
        for lead in ["</x>", "<!-->", "<!--->", "<!-- x --!>", "<p class=a'b>", "<svg><style>"] {
            let deep = page(&format!("{lead}{}", "<div>".repeat(100_000)));
            assert!(check(&deep).is_err(), "{lead}");
        }
        assert!(check(&page(&"<div></x>".repeat(100_000))).is_err());
        // End tags the parser ignores: a special element lies above, or the
        // element is out of scope; a list item does not look past one.
        assert!(check(&page(&"<span><div></span>".repeat(100_000))).is_err());
        assert!(check(&page(&format!("<ul>{}", "<li><section>".repeat(50_000)))).is_err());
        assert!(check(&page(&format!("<div =\">{}\"", "<div>".repeat(100_000)))).is_err());
        // Each stray `</p>` is an empty paragraph; an HTML tag ends SVG.
        assert!(check(&page(&"</p>".repeat(3_000_000))).is_err());
        let svg = format!(
            "<svg><p>{reopened_svg}{}",
            "<p>x</p>".repeat(100_000),
            reopened_svg = (0..800).map(|i| format!("<b class=c{i}>")).collect::<String>()
        );
        assert!(check(&page(&svg)).is_err());
        assert!(check(&page(&"<div/>".repeat(100_000))).is_err());
        // A stray end tag of a special element or of a paragraph is
        // searched for down to the nearest scope element before it is
        // ignored: 200,000 under 20,000 open elements took 13 s to parse.
        for stray in ["</section>", "</p>", "</li>", "</h2>", "</body>", "</html>"] {
            let deep = page(&format!("{}{}", "<div>".repeat(20_000), stray.repeat(200_000)));
            assert!(check(&deep).is_err(), "{stray}");
        }
        // Any other end tag is searched for down to the nearest special
        // element, a formatting one with none open too.
        for stray in ["</x>", "</b>"] {
            let deep = page(&format!("{}{}", "<span>".repeat(20_000), stray.repeat(200_000)));
            assert!(check(&deep).is_err(), "{stray}");
        }
        // Distinct formatting elements left open, reopened in each paragraph.
        let reopened: String = (0..800).map(|i| format!("<b class=c{i}>")).collect();
        assert!(check(&page(&format!("<p>{reopened}{}", "<p>x".repeat(100_000)))).is_err());
    }

    #[test]
    fn real_shapes_pass_however_many() {
        for body in [
            "<div><p>One.</p></div>".repeat(200_000),
            format!("<ul>{}</ul>", "<li>item".repeat(200_000)),
            format!("<p>{}", "<p>para".repeat(200_000)),
            "<a href=\"/x\">link ".repeat(200_000),
            format!("<svg>{}</svg>", "<path d=\"M0 0\"/>".repeat(200_000)),
            "<br><img src=a.png>".repeat(200_000),
            format!("<script>{}</script><p>After.</p>", "<div>".repeat(200_000)),
            format!("<!--{}--><p>After.</p>", "<div>".repeat(200_000)),
            "<div title=\"a > b\"></div>".repeat(200_000),
            // Sloppy pages: children left open that their container closes,
            // and formatting elements alike, of which three are kept.
            format!(
                "<table>{}</table>",
                "<tr><td><font face=Arial>1<td><font face=Arial>2<td><font face=Arial>3".repeat(25_000)
            ),
            "<p><span class=s>text".repeat(50_000),
            format!("<ul>{}</ul>", "<li><b>item".repeat(50_000)),
            format!("<dl>{}</dl>", "<dt>t<dd><div>d".repeat(50_000)),
            "<p><font face=Arial>text</p>".repeat(100_000),
            "<div><i>text</div>".repeat(100_000),
            // A self-closed SVG is no SVG content; WordPress marks its
            // blocks with comments.
            format!("<div><svg viewBox=\"0 0 10 10\"/>{}</div>", "line of text<br>\n".repeat(50_000)),
            format!("<svg style=\"display:none\"/>{}", "<p>para ".repeat(50_000)),
            "<!-- wp:paragraph -->\n<p>Text.</p>\n<!-- /wp:paragraph -->\n".repeat(100_000),
            // Stray end tags where pages have them: shallow.
            "<div><div><p>Text.</section></p></li></div></div>".repeat(100_000),
        ] {
            assert_eq!(check(&page(&body)), Ok(()), "{:.80}", body);
        }
    }
}
