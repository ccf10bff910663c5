//! Rendering a page's DOM to text as a browser lays it out, with the byte
//! range of every element a `selector` rule matches (and of the first
//! `h1`), so the text rules and the change log work on the rendered text.
//!
//! Block elements become paragraphs separated by a blank line, `br` a line
//! break, table rows lines; whitespace collapses as a browser renders it;
//! `script`, `style`, `template` and `head` are not text. Which matches
//! stay removed, and the main-text choice, are decided in `mod.rs` and
//! `extract.rs`.

use std::ops::Range;

use scraper::{ElementRef, Node};

use super::prefilter::Prefilter;

/// An element's text that a rule removes.
#[derive(Debug, Clone)]
pub struct Region {
    pub range: Range<usize>,
    pub rule: usize,
    /// The element's path, e.g. `body > div.content > figure.wp-caption`.
    pub element: String,
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
pub(super) const MAX_DEPTH: usize = 256;

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
pub(super) struct Out {
    pub(super) text: String,
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

/// A selector rule that applies to the page: its index, selector, and the
/// cheap test that rules most elements out first.
pub(super) type SelectorRule<'r> = (usize, &'r scraper::Selector, &'r Prefilter);

pub(super) struct Renderer<'r> {
    pub(super) out: Out,
    selectors: Vec<SelectorRule<'r>>,
    /// Every element a selector rule matches, nested ones included.
    pub(super) matched: Vec<Matched>,
    /// Where each open tracked element's text starts, once it does.
    tracked: Vec<Option<usize>>,
    /// The first `h1`, and its text once rendered.
    pub(super) title: Option<ego_tree::NodeId>,
    pub(super) title_range: Option<Range<usize>>,
    /// Path parts the matched elements' paths hold so far.
    path_parts: usize,
}

/// Path parts past which a matched element is named alone, not by its
/// path: formatting tags the parser reopens in every paragraph make a
/// million matches hundreds deep, and their paths took 3.8 GB.
const PATH_BUDGET: usize = 2_000_000;

/// An element a selector rule matched.
pub(super) struct Matched {
    pub(super) region: Region,
    /// The element, to weigh its paragraph text.
    pub(super) node: ego_tree::NodeId,
}

impl<'r> Renderer<'r> {
    pub(super) fn new(selectors: Vec<SelectorRule<'r>>) -> Renderer<'r> {
        Renderer {
            out: Out { text: String::new(), brk: 0, space: false, pre: 0 },
            selectors,
            matched: Vec::new(),
            tracked: Vec::new(),
            title: None,
            title_range: None,
            path_parts: 0,
        }
    }

    pub(super) fn walk(&mut self, node: ego_tree::NodeRef<Node>, depth: usize) {
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
                let rule = self
                    .selectors
                    .iter()
                    .find(|(_, s, pre)| pre.may_match(&eref) && s.matches(&eref))
                    .map(|(r, _, _)| *r);
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
                            self.path_parts += depth;
                            let element = match self.path_parts <= PATH_BUDGET {
                                true => path_of(&eref),
                                false => describe(&eref),
                            };
                            let region = Region { range: range.clone(), rule, element };
                            self.matched.push(Matched { region, node: node.id() });
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
