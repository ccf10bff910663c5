//! Saved web pages: recognising them, decoding them as browsers do, and
//! rendering them to text with the byte range of every element the HTML
//! rules remove.
//!
//! The whole body is rendered (block elements as paragraphs separated by a
//! blank line, `br` as a line break, table rows as lines, whitespace
//! collapsed as a browser renders it; `script`, `style`, `template` and
//! `head` are not text). Elements matching a `selector` rule, and with a
//! `main-text` rule every line the `trafilatura` extractor leaves out of
//! the main text, become claimed ranges of that text, so the text rules,
//! the change log, `diff`, `stats` and `eval` all work on one rendered
//! text. No I/O here.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use scraper::{ElementRef, Html, Node};

use crate::decode::{Decoded, Source};
use crate::engine::Claims;
use crate::rules::{DocPath, Kind, RuleSet};
use crate::text::Line;

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

/// What was kept as the main text, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainChoice {
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
    /// Every element a selector rule matches, nested ones included.
    matched: Vec<Matched>,
    /// Where each open tracked element's text starts, once it does.
    tracked: Vec<Option<usize>>,
    /// The first `h1`, and its text once rendered.
    title: Option<ego_tree::NodeId>,
    title_range: Option<Range<usize>>,
    /// Paragraph text in the whole body, in bytes.
    body_para: usize,
    weights: &'r Weights,
}

/// An element a selector rule matched.
struct Matched {
    region: Region,
    /// It holds most of the page's `<p>` text.
    most_paragraphs: bool,
}

impl<'r> Renderer<'r> {
    fn new(selectors: Vec<(usize, &'r scraper::Selector)>, weights: &'r Weights) -> Renderer<'r> {
        Renderer {
            out: Out { text: String::new(), brk: 0, space: false, pre: 0 },
            selectors,
            matched: Vec::new(),
            tracked: Vec::new(),
            title: None,
            title_range: None,
            body_para: 0,
            weights,
        }
    }

    fn walk(&mut self, node: ego_tree::NodeRef<Node>, depth: usize) {
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
                    for start in self.tracked.iter_mut().filter(|s| s.is_none()) {
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
                let rule = self.selectors.iter().find(|(_, s)| s.matches(&eref)).map(|(r, _)| *r);
                let want = self.title == Some(node.id());
                if rule.is_some() || want {
                    self.tracked.push(None);
                }
                let block = BLOCKS.contains(&name);
                if block {
                    self.out.block();
                }
                match name {
                    "br" => self.out.line_break(),
                    "td" | "th" => self.out.space = true,
                    _ => {}
                }
                if name == "pre" {
                    self.out.pre += 1;
                }
                for child in node.children() {
                    self.walk(child, depth + 1);
                }
                if name == "pre" {
                    self.out.pre -= 1;
                }
                if block {
                    self.out.block();
                }
                if rule.is_some() || want {
                    if let Some(start) = self.tracked.pop().expect("pushed above") {
                        let range = start..self.out.text.len();
                        if let Some(rule) = rule {
                            let most_paragraphs =
                                self.body_para > 0 && self.weights.get(&eref) * 2 > self.body_para;
                            let region = Region { range: range.clone(), rule, element: path_of(&eref) };
                            self.matched.push(Matched { region, most_paragraphs });
                        }
                        if want {
                            self.title_range = Some(range);
                        }
                    }
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child, depth + 1);
                }
            }
        }
    }
}

/// Text length (bytes) inside `<p>` under every element, computed in one
/// pass over the page, and whether its markup nests beyond [`MAX_DEPTH`].
struct Weights(HashMap<ego_tree::NodeId, usize>, bool);

impl Weights {
    fn of(doc: &Html) -> Weights {
        fn visit(
            node: ego_tree::NodeRef<Node>,
            in_p: bool,
            depth: usize,
            map: &mut HashMap<ego_tree::NodeId, usize>,
            deep: &mut bool,
        ) -> usize {
            if depth > MAX_DEPTH {
                *deep = true;
                // Deeper markup counts flat, without recursing.
                let n: usize =
                    node.descendants().filter_map(|d| d.value().as_text().map(|t| t.trim().len())).sum();
                return if in_p { n } else { 0 };
            }
            match node.value() {
                Node::Text(t) => {
                    if in_p {
                        t.trim().len()
                    } else {
                        0
                    }
                }
                Node::Element(el) => {
                    let p = in_p || el.name() == "p";
                    let sum = node.children().map(|c| visit(c, p, depth + 1, map, deep)).sum();
                    map.insert(node.id(), sum);
                    sum
                }
                _ => node.children().map(|c| visit(c, in_p, depth + 1, map, deep)).sum(),
            }
        }
        let mut map = HashMap::new();
        let mut deep = false;
        visit(doc.tree.root(), false, 0, &mut map, &mut deep);
        Weights(map, deep)
    }

    /// Paragraph text under `e`.
    fn get(&self, e: &ElementRef) -> usize {
        self.0.get(&e.id()).copied().unwrap_or(0)
    }
}

/// The main text the extractor chooses, rendered as pages are; `None` when
/// it finds none (too little text, or it fails on the page).
fn extract_main(html: &str, fallback: bool) -> Option<String> {
    let opts = trafilatura::Options::default()
        .with_exclude_comments(true)
        .with_fallback(fallback)
        .with_html_date_mode(trafilatura::HtmlDateMode::Disabled);
    // A failure of the extractor on one page keeps that page whole; it must
    // not end the run.
    let result = std::panic::catch_unwind(|| trafilatura::extract(html, &opts)).ok()?.ok()?;
    let doc = Html::parse_fragment(&result.content_html);
    let weights = Weights(HashMap::new(), false);
    let mut r = Renderer::new(Vec::new(), &weights);
    r.walk(doc.tree.root(), 0);
    (!r.out.text.trim().is_empty()).then_some(r.out.text)
}

/// Words kept and words in all per line of `text`: a word is kept when the
/// extractor's output holds it at that place (an in-order alignment of the
/// two word sequences), so a line that appears elsewhere (a headline
/// repeated in a teaser) is not kept by accident.
fn line_words(text: &str, lines: &[Line], extracted: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut line_of = Vec::new();
    let mut counts = vec![(0, 0); lines.len()];
    for (i, l) in lines.iter().enumerate() {
        for w in text[l.start..l.content_end].split_whitespace() {
            words.push(w);
            line_of.push(i);
            counts[i].1 += 1;
        }
    }
    let theirs: Vec<&str> = extracted.split_whitespace().collect();
    for op in similar::capture_diff_slices(similar::Algorithm::Patience, &words, &theirs) {
        if let similar::DiffOp::Equal { old_index, len, .. } = op {
            for &i in &line_of[old_index..old_index + len] {
                counts[i].0 += 1;
            }
        }
    }
    counts
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
    let main_rule = rules.rules().iter().enumerate().find_map(|(i, r)| match r.kind {
        Kind::MainText { fallback } if active(i) => Some((i, fallback)),
        _ => None,
    });
    let weights = Weights::of(&doc);
    let mut r = Renderer::new(selectors, &weights);
    let h1 = scraper::Selector::parse("h1").expect("valid");
    r.title = doc.select(&h1).next().map(|t| t.id());
    let body = scraper::Selector::parse("body").expect("valid");
    r.body_para = doc.select(&body).next().map_or(0, |b| weights.get(&b));
    r.walk(doc.tree.root(), 0);
    let mut text = r.out.text;
    if !text.is_empty() {
        text.push('\n');
    }
    let lines = crate::text::lines(&text);
    // The extractor's fallbacks recurse over the tree: on pathologically deep
    // markup they would overflow a worker's stack, so they stay off there.
    let extracted = main_rule.and_then(|(_, fallback)| extract_main(html, fallback && !weights.1));
    let mut keep: Vec<bool> = vec![true; lines.len()];
    let mut kept_before = vec![0; lines.len() + 1];
    let mut main = None;
    if let Some(extracted) = &extracted {
        let counts = line_words(&text, &lines, extracted);
        for (i, &(kept, all)) in counts.iter().enumerate() {
            // A line stays when most of its words are in the extractor's text.
            keep[i] = all == 0 || kept * 2 >= all;
            kept_before[i + 1] = kept_before[i] + if keep[i] { kept } else { 0 };
        }
        // The headline stays, and with it a short deck between it and the
        // first kept line after it.
        if let Some(t) = &r.title_range {
            let (first, last) = crate::text::line_span(&lines, t);
            keep[first - 1..last].iter_mut().for_each(|k| *k = true);
            if let Some(next) = (last..lines.len()).find(|&i| counts[i].1 > 0 && keep[i]) {
                if counts[last..next].iter().map(|c| c.1).sum::<usize>() <= DECK_WORDS {
                    keep[last..next].iter_mut().for_each(|k| *k = true);
                }
            }
        }
        let all: usize = counts.iter().map(|c| c.1).sum();
        let kept: usize = counts.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.1).sum();
        main =
            Some(MainChoice { reason: format!("the main text the extractor chose ({kept} of {all} words)") });
    }
    // An element holding most of the main text, or most of the paragraph
    // text, wraps the story whatever its class says (Blogger's
    // `div.Blog.widget`, a `post-subscribe-wrapper`): never removed.
    let total = kept_before[lines.len()];
    let wraps = |range: &Range<usize>| {
        let (first, last) = crate::text::line_span(&lines, range);
        total > 0 && (kept_before[last] - kept_before[first - 1]) * 2 > total
    };
    let mut matched: Vec<Region> = r
        .matched
        .into_iter()
        .filter(|m| !m.most_paragraphs && !wraps(&m.region.range))
        .map(|m| m.region)
        .collect();
    // An element inside one already removed is that one's.
    matched.sort_by_key(|m| (m.range.start, std::cmp::Reverse(m.range.end)));
    let mut regions: Vec<Region> = Vec::with_capacity(matched.len());
    for m in matched {
        if regions.last().is_none_or(|o| m.range.end > o.range.end) {
            regions.push(m);
        }
    }
    // Then what the extractor left out: each stretch of lines not kept.
    // Claims listed first win a line, so a selector rule names what it
    // removes and the main-text rule only what no other rule claims.
    if let (Some((rule, _)), Some(_)) = (main_rule, &extracted) {
        let blank = |i: usize| text[lines[i].start..lines[i].content_end].trim().is_empty();
        let mut i = 0;
        while i < lines.len() {
            if keep[i] || blank(i) {
                i += 1;
                continue;
            }
            let first = i;
            let mut last = i;
            // Through blank lines, up to the next kept line with text.
            while i < lines.len() && (!keep[i] || blank(i)) {
                if !keep[i] {
                    last = i;
                }
                i += 1;
            }
            let range = lines[first].start..lines[last].content_end;
            regions.push(Region { range, rule, element: "outside the main text".into() });
        }
    }
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
    fn a_line_is_kept_where_the_extractor_has_its_words_in_order() {
        let text =
            "Flood aid arrives\n\nHome World\n\nFlood aid arrives\n\nBoats reached the villages on Monday.\n";
        let counts = line_words(
            text,
            &crate::text::lines(text),
            "Flood aid arrives Boats reached the villages on Monday.",
        );
        let kept: Vec<bool> = counts.iter().map(|(k, n)| *n > 0 && k * 2 >= *n).collect();
        // The same headline twice: only one copy is aligned.
        assert_eq!(kept.iter().filter(|k| **k).count(), 2);
        assert!(kept[6], "{counts:?}");
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
