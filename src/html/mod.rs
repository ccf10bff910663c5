//! Saved web pages: recognising them, and rendering them to text with the
//! byte range of every element the HTML rules remove.
//!
//! `render.rs` lays the page out as text and tracks the elements
//! `selector` rules match; with a `main-text` rule, `extract.rs` says which
//! lines the `trafilatura` extractor leaves out of the main text. Both
//! become claimed ranges of the one rendered text, so the text rules, the
//! change log, `diff`, `stats` and `eval` all work on it. Pages are decoded
//! in `decode.rs`. No I/O here.

mod extract;
mod memo;
mod nesting;
mod prefilter;
mod render;

use std::ops::Range;
use std::path::Path;

use scraper::Html;

pub use extract::MainChoice;
pub use memo::PageMemo;
pub use prefilter::Prefilter;
pub use render::Region;

use crate::engine::Claims;
use crate::rules::{DocPath, Kind, RuleSet};

/// Whether a file is a web page: by extension, else by its first bytes.
pub fn looks_like_html(path: &Path, bytes: &[u8]) -> bool {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("html" | "htm" | "xhtml")) {
        return true;
    }
    // Checked on every text file of a run: no copies of its head.
    let head = &bytes[..bytes.len().min(512)];
    let head = &head[head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len())..];
    let head = head.strip_prefix(crate::decode::UTF8_BOM).unwrap_or(head);
    let opens = |tag: &[u8]| head.get(..tag.len()).is_some_and(|h| h.eq_ignore_ascii_case(tag));
    opens(b"<!doctype html") || opens(b"<html")
}

/// A page rendered to text, with what the HTML rules remove from it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub regions: Vec<Region>,
    pub main: Option<MainChoice>,
    /// Whether a `main-text` rule applied to the page and looked for a container.
    pub main_rule: bool,
    /// Why the extractor was not run on the page, when a budget stopped it.
    pub main_skipped: Option<&'static str>,
}

impl Rendered {
    pub fn claims(&self) -> Claims {
        Claims::new(self.regions.iter().map(|r| (r.range.clone(), r.rule)).collect())
    }
}

/// Whether a render is kept for a later render of the same page, or one
/// kept is used.
#[derive(Debug, Clone, Copy)]
pub enum Memo<'a> {
    Off,
    Store(&'a PageMemo),
    Take(&'a PageMemo),
}

/// Render a page and find what the HTML rules remove from it, whatever
/// parsing it costs (a rule's examples, small by nature).
pub fn render(rules: &RuleSet, html: &str, path: DocPath) -> Rendered {
    render_page(rules, html, path)
}

/// [`render`], keeping the render or reusing a kept one as `memo` says;
/// `Err` says why a page is not parsed at all ([`nesting::check`], asked
/// only when the page is parsed here: a kept render passed it).
pub fn render_with(rules: &RuleSet, html: &str, path: DocPath, memo: Memo) -> Result<Rendered, String> {
    let key = || {
        // A scoped HTML rule makes the render depend on the path too.
        let scoped = rules
            .rules()
            .iter()
            .any(|r| r.scope.is_some() && matches!(r.kind, Kind::Selector { .. } | Kind::MainText { .. }));
        let place = match path {
            DocPath::Known(p) if scoped => p.to_string(),
            DocPath::ExampleOf(i) if scoped => format!("\0example {i}"),
            _ => String::new(),
        };
        PageMemo::key(html, &place)
    };
    let parsed = || nesting::check(html).map(|()| render_page(rules, html, path));
    match memo {
        Memo::Off => parsed(),
        Memo::Store(m) => {
            let page = parsed()?;
            m.store(key(), || memo::Stored::new(&page, rules));
            Ok(page)
        }
        Memo::Take(m) => match m.take(key()).and_then(|s| s.into_rendered(rules)) {
            Some(page) => Ok(page),
            None => parsed(),
        },
    }
}

fn render_page(rules: &RuleSet, html: &str, path: DocPath) -> Rendered {
    let doc = Html::parse_document(html);
    let active = |i: usize| rules.rules()[i].scope.as_ref().is_none_or(|s| s.admits(i, path, html));
    let selectors: Vec<render::SelectorRule> = rules
        .rules()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.kind {
            Kind::Selector { selector, prefilter, .. } if active(i) => {
                Some((i, selector.as_ref(), prefilter))
            }
            _ => None,
        })
        .collect();
    let main_rule = rules.rules().iter().enumerate().find_map(|(i, r)| match r.kind {
        Kind::MainText { fallback } if active(i) => Some((i, fallback)),
        _ => None,
    });
    let weights = extract::Weights::of(&doc);
    let mut r = render::Renderer::new(selectors);
    let h1 = scraper::Selector::parse("h1").expect("valid");
    r.title = doc.select(&h1).next().map(|t| t.id());
    let body = scraper::Selector::parse("body").expect("valid");
    // Paragraph text in the whole body, in bytes.
    let body_para = doc.select(&body).next().map_or(0, |b| weights.get(b.id()));
    r.walk(doc.tree.root(), 0);
    let mut text = r.out.text;
    if !text.is_empty() {
        text.push('\n');
    }
    let lines = crate::text::lines(&text);
    // The extractor holds each candidate's markup as text: on pages whose
    // nodes lie deep, taken together, that takes gigabytes, so the page is
    // kept whole there. Its fallbacks recurse over the tree: on markup
    // nested deeper still they would overflow a worker's stack.
    let main_skipped = main_rule.and(weights.too_crowded());
    let chosen = main_rule.filter(|_| main_skipped.is_none()).and_then(|(_, fallback)| {
        let fallback = fallback && !weights.too_deep();
        // The extractor takes the page as parsed here: one parse, not two.
        let extracted = extract::extract_main(doc, html, &text, fallback)?;
        Some(extract::main_lines(&text, &lines, &extracted, r.title_range.as_ref()))
    });
    let extracted = chosen.is_some();
    let (keep, kept_before, main) = match chosen {
        Some(m) => (m.keep, m.kept_before, Some(m.choice)),
        None => (vec![true; lines.len()], vec![0; lines.len() + 1], None),
    };
    // An element holding most of the main text, or most of the paragraph
    // text, wraps the story whatever its class says (Blogger's
    // `div.Blog.widget`, a `post-subscribe-wrapper`): never removed.
    let total = kept_before[lines.len()];
    let most_paragraphs = |node| body_para > 0 && weights.get(node) * 2 > body_para;
    let wraps = |range: &Range<usize>| {
        let (first, last) = crate::text::line_span(&lines, range);
        total > 0 && (kept_before[last] - kept_before[first - 1]) * 2 > total
    };
    let mut matched: Vec<Region> = r
        .matched
        .into_iter()
        .filter(|m| !most_paragraphs(m.node) && !wraps(&m.region.range))
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
    if let (Some((rule, _)), true) = (main_rule, extracted) {
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
    Rendered { text, regions, main, main_rule: main_rule.is_some(), main_skipped }
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
    fn a_kept_render_is_the_page_as_rendered_afresh() {
        let set = crate::rules::load_default().unwrap();
        let mut page = String::from("<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav><article><h1>Flood aid arrives</h1>");
        for i in 0..12 {
            page.push_str(&format!("<p>Boats reached the flooded villages on day {i} with food, water and medicine for the families who stayed.</p>"));
        }
        page.push_str("</article><footer>Copyright 2024 Example News</footer></body></html>");
        let plain = render(&set, &page, DocPath::Unknown);
        assert!(plain.main.is_some());
        let memo = PageMemo::default();
        // The counting pass renders with the HTML rules alone, whose rule
        // indices differ from the full set's; the page twice in a run (a
        // copy): kept for two uses.
        let html_only =
            set.subset(|r| matches!(r.kind, Kind::Selector { .. } | Kind::MainText { .. })).unwrap();
        assert!(html_only.len() < set.len() && !plain.regions.is_empty());
        render_with(&html_only, &page, DocPath::Unknown, Memo::Store(&memo)).unwrap();
        render_with(&html_only, &page, DocPath::Unknown, Memo::Store(&memo)).unwrap();
        let counted = render_with(&set, &page, DocPath::Unknown, Memo::Off).unwrap();
        let cleaned = render_with(&set, &page, DocPath::Unknown, Memo::Take(&memo)).unwrap();
        let copy = render_with(&set, &page, DocPath::Unknown, Memo::Take(&memo)).unwrap();
        assert_eq!(format!("{memo:?}"), "PageMemo(0 bytes)");
        // Used up: a further render extracts again.
        let again = render_with(&set, &page, DocPath::Unknown, Memo::Take(&memo)).unwrap();
        for r in [&counted, &cleaned, &copy, &again] {
            assert_eq!(r.text, plain.text);
            assert_eq!(r.main, plain.main);
            let ranges = |r: &Rendered| {
                r.regions.iter().map(|g| (g.range.clone(), g.rule, g.element.clone())).collect::<Vec<_>>()
            };
            assert_eq!(ranges(r), ranges(&plain));
        }
    }

    #[test]
    fn detects_pages_by_extension_or_start() {
        assert!(looks_like_html(Path::new("a.HTM"), b"x"));
        assert!(looks_like_html(Path::new("a.txt"), b"  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(Path::new("a.txt"), b"Story about <html> tags"));
        assert!(looks_like_html(Path::new("a.txt"), b"\n\xEF\xBB\xBF<HTML lang=en>"));
        assert!(!looks_like_html(Path::new("a.txt"), b"<ht"));
    }
}
