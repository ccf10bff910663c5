//! The main-text choice: the text the `trafilatura` extractor keeps, and
//! which lines of the rendered page that makes main text (most of their
//! words in the extractor's text, in order; the headline and a short deck
//! under it), plus how much `<p>` text each element holds, so an element
//! wrapping the story is never removed.
//!
//! The extractor runs under `catch_unwind`: a failure on one page keeps
//! that page whole.

use std::collections::HashMap;
use std::ops::Range;
use std::panic::AssertUnwindSafe;

use scraper::{Html, Node};

use super::render::{Renderer, MAX_DEPTH};
use crate::text::Line;

/// Words between the headline and the main container kept as its deck.
const DECK_WORDS: usize = 80;

/// What was kept as the main text, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainChoice {
    pub reason: String,
}

/// What one pass over a parsed page weighs.
pub(super) struct Weights {
    /// Text length (bytes) inside `<p>` under every element.
    paragraphs: HashMap<ego_tree::NodeId, usize>,
    /// Whether the markup nests beyond [`MAX_DEPTH`].
    deep: bool,
    /// The depth of every node, summed.
    depths: u64,
    /// The bytes of every element's attributes, summed.
    attribute_bytes: u64,
    /// Pairs of attributes on one element, summed over the elements.
    attribute_pairs: u64,
}

/// The nodes' summed depth past which the extractor is not run. It holds
/// each candidate's markup as text, so its memory grows with that sum:
/// 320,000 nodes in chains 800 deep (a 25 kB page of unclosed `<b>`s that
/// the parser reopens in each paragraph) took it 4 GB. The 683 real pages
/// of the corpus sum to at most 120,000.
const EXTRACT_BUDGET: u64 = 10_000_000;

/// The elements' attribute bytes summed past which the extractor is not
/// run: a formatting element reopened in every paragraph carries its
/// attributes into each copy, and the extractor's markup text grows with
/// them (a 20 kB class reopened 10,000 times took it 1 GB). The corpus's
/// real pages sum to at most a few hundred kB.
const ATTRIBUTE_BUDGET: u64 = 20_000_000;

/// Attributes compared with those before them on each element, summed,
/// past which the extractor is not run: it reads each element's markup
/// again, and 676 short attributes on a tag reopened 14,000 times (19 MB)
/// took it 25 s and 1.9 GB.
const ATTRIBUTE_PAIRS_BUDGET: u64 = 250_000_000;

impl Weights {
    pub(super) fn of(doc: &Html) -> Weights {
        fn visit(node: ego_tree::NodeRef<Node>, in_p: bool, depth: usize, w: &mut Weights) -> usize {
            if depth > MAX_DEPTH {
                w.deep = true;
                // Deeper markup counts flat, without recursing, but each
                // node at its own depth.
                let mut d = depth as u64;
                for edge in node.traverse() {
                    match edge {
                        ego_tree::iter::Edge::Open(n) => {
                            w.add(n.value(), d);
                            d += 1;
                        }
                        ego_tree::iter::Edge::Close(_) => d -= 1,
                    }
                }
                let n: usize =
                    node.descendants().filter_map(|d| d.value().as_text().map(|t| t.trim().len())).sum();
                return if in_p { n } else { 0 };
            }
            w.add(node.value(), depth as u64);
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
                    let sum = node.children().map(|c| visit(c, p, depth + 1, w)).sum();
                    w.paragraphs.insert(node.id(), sum);
                    sum
                }
                _ => node.children().map(|c| visit(c, in_p, depth + 1, w)).sum(),
            }
        }
        let mut w = Weights {
            paragraphs: HashMap::new(),
            deep: false,
            depths: 0,
            attribute_bytes: 0,
            attribute_pairs: 0,
        };
        visit(doc.tree.root(), false, 0, &mut w);
        w
    }

    /// A node at `depth`: its depth, and an element's attributes.
    fn add(&mut self, node: &Node, depth: u64) {
        self.depths += depth;
        if let Node::Element(el) = node {
            let (mut n, mut bytes) = (0, 0);
            for (k, v) in el.attrs() {
                (n, bytes) = (n + 1, bytes + (k.len() + v.len()) as u64);
            }
            self.attribute_bytes += bytes;
            self.attribute_pairs += n * n / 2;
        }
    }

    /// Paragraph text under the element `node`.
    pub(super) fn get(&self, node: ego_tree::NodeId) -> usize {
        self.paragraphs.get(&node).copied().unwrap_or(0)
    }

    /// Whether the markup nests beyond [`MAX_DEPTH`].
    pub(super) fn too_deep(&self) -> bool {
        self.deep
    }

    /// Why the extractor cannot run on the page in bounded memory, if it
    /// cannot: its nodes lie too deep, taken together, or carry too many
    /// attribute bytes or attributes.
    pub(super) fn too_crowded(&self) -> Option<&'static str> {
        if self.depths > EXTRACT_BUDGET {
            Some("the page nests too deep for the extractor")
        } else if self.attribute_bytes > ATTRIBUTE_BUDGET {
            Some("the page's attributes hold too many bytes for the extractor")
        } else if self.attribute_pairs > ATTRIBUTE_PAIRS_BUDGET {
            Some("the page's elements carry too many attributes for the extractor")
        } else {
            None
        }
    }
}

/// The main text the extractor chooses, rendered as pages are; `None` when
/// it finds none (too little text, or it fails on the page).
///
/// With `fallback`, the extractor's fallbacks (readability, jusText, a
/// baseline) run only when its own choice holds less than half the words of
/// the rendered page (`rendered`): they replace a choice only when theirs
/// is at least twice as long, so on the other pages they cost a fifth of
/// the time and change little (see README, "HTML pages").
pub(super) fn extract_main(page: Html, html: &str, rendered: &str, fallback: bool) -> Option<String> {
    let own = extract_with(page, false);
    let words = |t: &str| t.split_whitespace().count();
    if !fallback || own.as_deref().is_some_and(|t| words(t) * 2 >= words(rendered)) {
        return own;
    }
    extract_with(Html::parse_document(html), true).or(own)
}

fn extract_with(page: Html, fallback: bool) -> Option<String> {
    let opts = trafilatura::Options::default()
        .with_exclude_comments(true)
        .with_fallback(fallback)
        .with_content_only(true)
        .with_html_date_mode(trafilatura::HtmlDateMode::Disabled);
    let page = trafilatura::dom::Document::from_html(page);
    // A failure of the extractor on one page keeps that page whole; it must
    // not end the run.
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| trafilatura::extract_document(page, &opts)))
        .ok()?
        .ok()?;
    let doc = Html::parse_fragment(&result.content_html);
    let mut r = Renderer::new(Vec::new());
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
    let (kept, _) = crate::align::matched(&words, &theirs, crate::align::Whole::Patience);
    for (&i, _) in line_of.iter().zip(kept).filter(|(_, k)| *k) {
        counts[i].0 += 1;
    }
    counts
}

/// The lines of a rendered page that are main text.
pub(super) struct MainLines {
    /// Per line, whether it stays.
    pub(super) keep: Vec<bool>,
    /// Words the extractor kept before each line (and in all, last), not
    /// counting the headline and deck kept besides.
    pub(super) kept_before: Vec<usize>,
    pub(super) choice: MainChoice,
}

/// Which `lines` of the rendered `text` the `extracted` main text keeps: a
/// line stays when most of its words are in it; the headline (`title`)
/// stays too, and with it a short deck between it and the first kept line.
pub(super) fn main_lines(
    text: &str,
    lines: &[Line],
    extracted: &str,
    title: Option<&Range<usize>>,
) -> MainLines {
    let mut keep: Vec<bool> = vec![true; lines.len()];
    let mut kept_before = vec![0; lines.len() + 1];
    let counts = line_words(text, lines, extracted);
    for (i, &(kept, all)) in counts.iter().enumerate() {
        // A line stays when most of its words are in the extractor's text.
        keep[i] = all == 0 || kept * 2 >= all;
        kept_before[i + 1] = kept_before[i] + if keep[i] { kept } else { 0 };
    }
    // The headline stays, and with it a short deck between it and the
    // first kept line after it.
    if let Some(t) = title {
        let (first, last) = crate::text::line_span(lines, t);
        keep[first - 1..last].iter_mut().for_each(|k| *k = true);
        if let Some(next) = (last..lines.len()).find(|&i| counts[i].1 > 0 && keep[i]) {
            if counts[last..next].iter().map(|c| c.1).sum::<usize>() <= DECK_WORDS {
                keep[last..next].iter_mut().for_each(|k| *k = true);
            }
        }
    }
    let all: usize = counts.iter().map(|c| c.1).sum();
    let kept: usize = counts.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.1).sum();
    let choice = MainChoice { reason: format!("the main text the extractor chose ({kept} of {all} words)") };
    MainLines { keep, kept_before, choice }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
