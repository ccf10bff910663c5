//! Saved web pages: recognising them, decoding them as browsers do, and
//! rendering them to text with the byte range of every element the HTML
//! rules remove.
//!
//! The whole body is rendered (block elements as paragraphs separated by a
//! blank line, `br` as a line break, table rows as lines, whitespace
//! collapsed as a browser renders it; `script`, `style`, `template` and
//! `head` are not text). Elements matching a `selector` rule, and with a
//! `main-text` rule everything outside the page's main text container,
//! become claimed ranges of that text, so the text rules, the change log,
//! `diff`, `stats` and `eval` all work on one rendered text. No I/O here.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use scraper::{ElementRef, Html, Node};

use crate::decode::{Decoded, Source};
use crate::engine::Claims;
use crate::rules::{DocPath, Kind, RuleSet};

/// Whether a file is a web page: by extension, else by its first bytes.
pub fn looks_like_html(path: &Path, bytes: &[u8]) -> bool {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("html" | "htm" | "xhtml")) {
        return true;
    }
    let head: Vec<u8> = bytes.iter().take(512).copied().skip_while(|b| b.is_ascii_whitespace()).collect();
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let lower: Vec<u8> = head.iter().take(15).map(u8::to_ascii_lowercase).collect();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

/// The charset a `<meta>` in the first 1024 bytes declares, as browsers
/// read it (a UTF-16 label means UTF-8, since the bytes are ASCII-compatible).
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        // A `charset` without a usable value (in a description, an unknown
        // label) does not end the scan.
        let declared = tag.find("charset").and_then(|j| {
            let value = tag[j + 7..].trim_start().strip_prefix('=')?.trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace())
                .unwrap_or(value.len());
            Encoding::for_label(&value.as_bytes()[..end])
        });
        if let Some(enc) = declared {
            return Some(if enc == UTF_16LE || enc == UTF_16BE { UTF_8 } else { enc });
        }
    }
    None
}

/// Decode a page: BOM, then `<meta charset>`, then detection.
pub fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        let (text, lossy) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        let source = Source { encoding: enc.name(), bom: true, detected: false, lossy, stray_bytes: 0 };
        return Decoded::Text { text: text.into_owned(), source };
    }
    if let Some(nul_at) = memchr::memchr(0, &bytes) {
        return Decoded::Binary { nul_at };
    }
    let (enc, detected) = match meta_charset(&bytes) {
        Some(enc) => (enc, false),
        None if std::str::from_utf8(&bytes).is_ok() => (UTF_8, false),
        None => {
            // UTF-8 with a few stray bytes stays UTF-8, as for text files.
            if let Some((text, source)) = crate::decode::mostly_utf8(&bytes) {
                return Decoded::Text { text, source };
            }
            let mut d = chardetng::EncodingDetector::new();
            d.feed(&bytes, true);
            (d.guess(None, true), true)
        }
    };
    // As browsers do, an ISO-8859-1 label means Windows-1252 (encoding_rs maps it).
    let enc = if enc.name() == "ISO-8859-1" { WINDOWS_1252 } else { enc };
    let (text, lossy) = enc.decode_without_bom_handling(&bytes);
    Decoded::Text {
        text: text.into_owned(),
        source: Source { encoding: enc.name(), bom: false, detected, lossy, stray_bytes: 0 },
    }
}

/// An element's text that a rule removes.
#[derive(Debug, Clone)]
pub struct Region {
    pub range: Range<usize>,
    pub rule: usize,
    /// The element's path, e.g. `body > div.content > figure.wp-caption`.
    pub element: String,
}

/// Which container was kept as the main text, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainChoice {
    pub container: String,
    pub reason: String,
}

/// A page rendered to text, with what the HTML rules remove from it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub regions: Vec<Region>,
    pub main: Option<MainChoice>,
    /// Whether a `main-text` rule applied to the page and looked for a container.
    pub main_rule: bool,
}

impl Rendered {
    pub fn claims(&self) -> Claims {
        Claims { ranges: self.regions.iter().map(|r| (r.range.clone(), r.rule)).collect() }
    }
}

const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
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
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
    "caption",
    "legend",
    "option",
    "noscript",
    "iframe",
    "video",
    "audio",
];

/// Nesting beyond which a page's markup is rendered flat: deeper recursion
/// would overflow a worker's stack on hostile pages.
const MAX_DEPTH: usize = 256;

/// Words between the headline and the main container kept as its deck.
const DECK_WORDS: usize = 80;

const NOT_TEXT: &[&str] = &["script", "style", "template", "head", "title", "meta", "link", "base"];

/// `tag#id.class1.class2` for messages and the change log.
fn describe(e: &ElementRef) -> String {
    let v = e.value();
    let mut s = v.name().to_string();
    if let Some(id) = v.id() {
        s.push('#');
        s.push_str(id);
    }
    for c in v.classes().take(3) {
        s.push('.');
        s.push_str(c);
    }
    s
}

/// The element's path from `body` (or the root) down.
fn path_of(e: &ElementRef) -> String {
    let mut parts = vec![describe(e)];
    for a in e.ancestors().filter_map(ElementRef::wrap) {
        let name = a.value().name();
        if name == "html" {
            break;
        }
        parts.push(describe(&a));
        if name == "body" {
            break;
        }
    }
    parts.reverse();
    parts.join(" > ")
}

/// Text being built, with the paragraph breaks and spaces still owed.
struct Out {
    text: String,
    /// 0: nothing owed, 1: a line break, 2: a blank line.
    brk: u8,
    space: bool,
    pre: usize,
}

impl Out {
    fn block(&mut self) {
        self.brk = 2;
        self.space = false;
    }

    fn line_break(&mut self) {
        self.brk = (self.brk + 1).min(2);
        self.space = false;
    }

    /// Pay what is owed before a visible character.
    fn settle(&mut self) {
        if self.text.is_empty() {
            self.brk = 0;
            self.space = false;
            return;
        }
        if self.brk > 0 {
            self.text.push_str(if self.brk == 2 { "\n\n" } else { "\n" });
        } else if self.space {
            self.text.push(' ');
        }
        self.brk = 0;
        self.space = false;
    }

    fn push_text(&mut self, s: &str) {
        if self.pre > 0 {
            for line in s.split_inclusive('\n') {
                let body = line.trim_end_matches('\n');
                if !body.is_empty() {
                    self.settle();
                    self.text.push_str(body);
                }
                if line.ends_with('\n') {
                    self.line_break();
                }
            }
            return;
        }
        for c in s.chars() {
            if c.is_whitespace() && c != '\u{a0}' {
                self.space = true;
            } else {
                self.settle();
                self.text.push(c);
            }
        }
    }
}

struct Renderer<'r> {
    out: Out,
    /// Selector rules (index, selector) that apply to this page.
    selectors: Vec<(usize, &'r scraper::Selector)>,
    regions: Vec<Region>,
    /// Where tracked elements' text starts, once it does.
    tracked: Vec<(ego_tree::NodeId, Option<usize>)>,
    /// The main container's and the first h1's text ranges.
    wanted: Vec<ego_tree::NodeId>,
    found: Vec<(ego_tree::NodeId, Range<usize>)>,
    /// The main text container, if one was chosen.
    container: Option<ego_tree::NodeId>,
    /// Paragraph text in the whole body, in bytes.
    body_para: usize,
    weights: &'r Weights,
}

impl Renderer<'_> {
    /// An element holding the main container or most of the page's
    /// paragraph text wraps the story, whatever its class says
    /// (`post-subscribe-wrapper`, Blogger's `widget Blog`): never removed.
    fn is_wrapper(&self, e: &ElementRef) -> bool {
        if self.container.is_some_and(|c| c == e.id() || e.descendants().any(|d| d.id() == c)) {
            return true;
        }
        self.body_para > 0 && self.weights.get(e).0 * 2 > self.body_para
    }

    fn walk(&mut self, node: ego_tree::NodeRef<Node>, removed: bool, depth: usize) {
        if depth > MAX_DEPTH {
            // Pathologically deep markup: its text, flat, without recursing.
            for d in node.descendants() {
                if let Node::Text(t) = d.value() {
                    self.out.push_text(t);
                }
            }
            return;
        }
        match node.value() {
            Node::Text(t) => {
                let before = self.out.text.len();
                self.out.push_text(t);
                if self.out.text.len() > before {
                    // The first visible character starts every open tracked element.
                    let written = &self.out.text[before..];
                    let first = before + (written.len() - written.trim_start_matches(['\n', ' ']).len());
                    for (_, start) in self.tracked.iter_mut().filter(|(_, s)| s.is_none()) {
                        *start = Some(first);
                    }
                }
            }
            Node::Element(el) => {
                let name = el.name();
                if NOT_TEXT.contains(&name) {
                    return;
                }
                let eref = ElementRef::wrap(node).expect("element");
                let rule = if removed {
                    None
                } else {
                    self.selectors
                        .iter()
                        .find(|(_, s)| s.matches(&eref))
                        .map(|(r, _)| *r)
                        .filter(|_| !self.is_wrapper(&eref))
                };
                let want = self.wanted.contains(&node.id());
                if rule.is_some() || want {
                    self.tracked.push((node.id(), None));
                }
                let block = BLOCKS.contains(&name);
                if block {
                    self.out.block();
                }
                match name {
                    "br" => self.out.line_break(),
                    "td" | "th" => self.out.space = true,
                    "img" => {}
                    _ => {}
                }
                if name == "pre" {
                    self.out.pre += 1;
                }
                for child in node.children() {
                    self.walk(child, removed || rule.is_some(), depth + 1);
                }
                if name == "pre" {
                    self.out.pre -= 1;
                }
                if block {
                    self.out.block();
                }
                if rule.is_some() || want {
                    let (_, start) = self.tracked.pop().expect("pushed above");
                    if let Some(start) = start {
                        let range = start..self.out.text.len();
                        if let Some(rule) = rule {
                            self.regions.push(Region { range: range.clone(), rule, element: path_of(&eref) });
                        }
                        if want {
                            self.found.push((node.id(), range));
                        }
                    }
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child, removed, depth + 1);
                }
            }
        }
    }
}

/// Text length (bytes) inside `<p>` and inside `<a>` under every element,
/// computed in one pass over the page.
struct Weights(HashMap<ego_tree::NodeId, (usize, usize)>);

impl Weights {
    fn of(doc: &Html) -> Weights {
        fn visit(
            node: ego_tree::NodeRef<Node>,
            in_p: bool,
            in_a: bool,
            depth: usize,
            map: &mut HashMap<ego_tree::NodeId, (usize, usize)>,
        ) -> (usize, usize) {
            if depth > MAX_DEPTH {
                // Deeper markup counts flat, without recursing.
                let n: usize =
                    node.descendants().filter_map(|d| d.value().as_text().map(|t| t.trim().len())).sum();
                return (if in_p { n } else { 0 }, if in_a { n } else { 0 });
            }
            match node.value() {
                Node::Text(t) => {
                    let n = t.trim().len();
                    (if in_p { n } else { 0 }, if in_a { n } else { 0 })
                }
                Node::Element(el) => {
                    let (p, a) = (in_p || el.name() == "p", in_a || el.name() == "a");
                    let sum = node
                        .children()
                        .map(|c| visit(c, p, a, depth + 1, map))
                        .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
                    map.insert(node.id(), sum);
                    sum
                }
                _ => node
                    .children()
                    .map(|c| visit(c, in_p, in_a, depth + 1, map))
                    .fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1)),
            }
        }
        let mut map = HashMap::new();
        visit(doc.tree.root(), false, false, 0, &mut map);
        Weights(map)
    }

    /// Paragraph text and link text under `e`.
    fn get(&self, e: &ElementRef) -> (usize, usize) {
        self.0.get(&e.id()).copied().unwrap_or((0, 0))
    }
}

/// The page's main text container, by markup first and text density last.
fn main_container<'a>(doc: &'a Html, weights: &Weights) -> Option<(ElementRef<'a>, String)> {
    let text_weight = |e: &ElementRef| weights.get(e);
    let all = |css: &str| -> Vec<ElementRef<'a>> {
        let sel = scraper::Selector::parse(css).expect("valid");
        doc.select(&sel).collect()
    };
    let body_para = {
        let body = all("body");
        body.first().map_or(0, |b| text_weight(b).0)
    };
    let substantial = |e: &ElementRef| {
        let (p, _) = text_weight(e);
        p > 0 && p * 2 >= body_para
    };
    for (css, why) in [
        ("[itemprop=articleBody]", "the element marked itemprop=articleBody"),
        ("article", "the only <article> holding most of the text"),
        ("main, [role=main]", "the <main> element"),
    ] {
        let found = all(css);
        let outer: Vec<_> = found
            .iter()
            .filter(|e| !found.iter().any(|o| o.id() != e.id() && e.ancestors().any(|a| a.id() == o.id())))
            .collect();
        if outer.len() == 1 && substantial(outer[0]) {
            return Some((*outer[0], why.to_string()));
        }
        if outer.len() > 1 {
            // Several: one must hold most of their text.
            let weights: Vec<usize> = outer.iter().map(|e| text_weight(e).0).collect();
            let total: usize = weights.iter().sum();
            if let Some((i, &w)) = weights.iter().enumerate().max_by_key(|(_, w)| **w) {
                if w * 10 >= total * 7 && substantial(outer[i]) {
                    return Some((*outer[i], format!("{why} (the largest of {})", outer.len())));
                }
            }
        }
    }
    // Densest block: most paragraph text in direct children, few links.
    let mut best: Option<(ElementRef<'a>, usize)> = None;
    for e in all("div, section, td") {
        let direct: usize = e
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| c.value().name() == "p")
            .map(|c| c.text().map(|t| t.trim().len()).sum::<usize>())
            .sum();
        let (para, links) = text_weight(&e);
        if para == 0 || links * 3 > para {
            continue;
        }
        if best.as_ref().is_none_or(|(_, w)| direct > *w) {
            best = Some((e, direct));
        }
    }
    let (e, direct) = best?;
    (direct * 10 >= body_para * 6)
        .then(|| (e, "the block with the densest paragraph text and fewest links".to_string()))
}

/// Render a page and find what the HTML rules remove from it.
pub fn render(rules: &RuleSet, html: &str, path: DocPath) -> Rendered {
    let doc = Html::parse_document(html);
    let active = |i: usize| rules.rules()[i].scope.as_ref().is_none_or(|s| s.admits(i, path, html));
    let selectors: Vec<(usize, &scraper::Selector)> = rules
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.kind {
            Kind::Selector { selector, .. } if active(i) => Some((i, selector.as_ref())),
            _ => None,
        })
        .collect();
    let main_rule =
        rules.rules().iter().enumerate().position(|(i, r)| matches!(r.kind, Kind::MainText) && active(i));
    let weights = Weights::of(&doc);
    let container = main_rule.and_then(|_| main_container(&doc, &weights));
    let h1 = scraper::Selector::parse("h1").expect("valid");
    let title = doc.select(&h1).next();
    let mut wanted = Vec::new();
    if let Some((c, _)) = &container {
        wanted.push(c.id());
        if let Some(t) = title {
            wanted.push(t.id());
        }
    }
    let body = scraper::Selector::parse("body").expect("valid");
    let body_para = doc.select(&body).next().map_or(0, |b| weights.get(&b).0);
    let mut r = Renderer {
        out: Out { text: String::new(), brk: 0, space: false, pre: 0 },
        selectors,
        regions: Vec::new(),
        tracked: Vec::new(),
        wanted,
        found: Vec::new(),
        container: container.as_ref().map(|(c, _)| c.id()),
        body_para,
        weights: &weights,
    };
    r.walk(doc.tree.root(), false, 0);
    let mut text = r.out.text;
    if !text.is_empty() {
        text.push('\n');
    }
    let mut regions = r.regions;
    let mut main = None;
    if let (Some(rule), Some((c, why))) = (main_rule, &container) {
        let mut keep: Vec<Range<usize>> = r.found.iter().map(|(_, range)| range.clone()).collect();
        // The headline block: a deck or standfirst between the first h1 and
        // the container stays with them when it is short.
        if let [a, b] = &keep[..] {
            let (a, b) = (a.clone(), b.clone());
            let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
            let between = first.end..second.start;
            if first.end <= second.start && text[between.clone()].split_whitespace().count() <= DECK_WORDS {
                keep.push(between);
            }
        }
        // Everything outside the kept ranges goes to the main-text rule.
        let mut sorted = keep.clone();
        sorted.sort_by_key(|k| k.start);
        let mut pos = 0;
        for k in sorted.iter().chain(std::iter::once(&(text.len()..text.len()))) {
            if k.start > pos && !text[pos..k.start].trim().is_empty() {
                regions.push(Region { range: pos..k.start, rule, element: "outside the main text".into() });
            }
            pos = pos.max(k.end);
        }
        main = Some(MainChoice { container: path_of(c), reason: why.clone() });
    }
    regions.sort_by_key(|r| r.range.start);
    Rendered { text, regions, main, main_rule: main_rule.is_some() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_str;

    fn rules(extra: &str) -> RuleSet {
        load_str("t.yaml", extra).unwrap()
    }

    #[test]
    fn blocks_become_paragraphs_and_br_a_line_break() {
        let set = rules("- id: html.x\n  doc: d\n  match: selector\n  selector: '.none'\n");
        let r = render(
            &set,
            "<html><body><h1>Title</h1><div><p>One <b>bold</b>  word.</p><p>Two<br>lines &amp; more</p><ul><li>a</li><li>b</li></ul><table><tr><td>x</td><td>1</td></tr></table></div></body></html>",
            DocPath::Unknown,
        );
        assert_eq!(r.text, "Title\n\nOne bold word.\n\nTwo\nlines & more\n\na\n\nb\n\nx 1\n");
    }

    #[test]
    fn selector_regions_cover_the_element_text() {
        let set = rules("- id: html.caption\n  doc: d\n  match: selector\n  selector: 'figcaption'\n");
        let r = render(&set, "<body><p>Story.</p><figure><img><figcaption>A cap (AFP)</figcaption></figure><p>More.</p></body>", DocPath::Unknown);
        assert_eq!(r.text, "Story.\n\nA cap (AFP)\n\nMore.\n");
        assert_eq!(r.regions.len(), 1);
        assert_eq!(&r.text[r.regions[0].range.clone()], "A cap (AFP)");
        assert_eq!(r.regions[0].element, "body > figure > figcaption");
    }

    #[test]
    fn meta_charset_wins_over_detection() {
        let bytes =
            b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>"
                .to_vec();
        match decode(bytes) {
            Decoded::Text { text, source } => {
                assert!(text.contains("Привет"));
                assert_eq!(source.encoding, "windows-1251");
            }
            Decoded::Binary { .. } => panic!("binary"),
        }
    }

    #[test]
    fn detects_pages_by_extension_or_start() {
        assert!(looks_like_html(Path::new("a.HTM"), b"x"));
        assert!(looks_like_html(Path::new("a.txt"), b"  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(Path::new("a.txt"), b"Story about <html> tags"));
    }
}
