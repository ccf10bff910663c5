//! A cheap test that rules out most elements before a selector rule's full
//! match: the tag and attributes its selectors' last compounds require.
//!
//! A selector list matches an element only if one of its selectors does,
//! and a selector only if its last compound does, which needs the tag it
//! names and every attribute it tests (`.a` and `[class*=a]` need `class`,
//! `#a` needs `id`). Nearly half the elements of real pages have no `class`
//! or `id`, and the default rules' selectors mostly test those, so most
//! (element, rule) pairs end here. What this reader does not understand
//! (escapes, namespaces) leaves the rule without a prefilter: always tried.

use scraper::ElementRef;

/// What one selector of a list needs of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Need {
    /// The tag, lower case; `None` for any.
    tag: Option<String>,
    /// Attribute names, lower case.
    attrs: Vec<String>,
}

/// The needs of a selector list: an element may match only if it meets one
/// of them. `None`: no prefilter, every element is tried. Read once, when
/// a `selector` rule is loaded.
#[derive(Debug, Clone)]
pub struct Prefilter(Option<Vec<Need>>);

impl Prefilter {
    pub(crate) fn new(source: &str) -> Prefilter {
        Prefilter(parse(source))
    }

    /// False only when the selector list cannot match `el`.
    pub(crate) fn may_match(&self, el: &ElementRef) -> bool {
        let Some(needs) = &self.0 else { return true };
        let e = el.value();
        needs.iter().any(|n| {
            n.tag.as_deref().is_none_or(|t| e.name().eq_ignore_ascii_case(t))
                && n.attrs.iter().all(|a| e.attrs().any(|(name, _)| name.eq_ignore_ascii_case(a)))
        })
    }
}

fn parse(source: &str) -> Option<Vec<Need>> {
    if source.contains(['\\', '|']) {
        return None;
    }
    split_top(source, |c| c == ',').into_iter().map(|s| last_compound(s.trim()).and_then(need)).collect()
}

/// Each character of `s` outside quotes, with the bracket and parenthesis
/// depth after it, until `f` says stop; returns where it stopped.
fn scan(s: &str, mut f: impl FnMut(usize, char, usize) -> bool) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, _) => {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                if f(i, c, depth) {
                    return Some(i);
                }
            }
        }
    }
    None
}

/// `s` cut at each top-level character `at` accepts (outside brackets,
/// parentheses and quotes).
fn split_top(s: &str, at: impl Fn(char) -> bool) -> Vec<&str> {
    let (mut parts, mut start) = (Vec::new(), 0);
    scan(s, |i, c, depth| {
        if depth == 0 && !matches!(c, ')' | ']') && at(c) {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
        false
    });
    parts.push(&s[start..]);
    parts
}

/// The compound after the last top-level combinator.
fn last_compound(selector: &str) -> Option<&str> {
    let parts = split_top(selector, |c| c.is_whitespace() || matches!(c, '>' | '+' | '~'));
    parts.into_iter().rev().find(|p| !p.is_empty())
}

fn need(compound: &str) -> Option<Need> {
    let ident_len =
        |s: &str| s.find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).unwrap_or(s.len());
    let mut need = Need { tag: None, attrs: Vec::new() };
    let n = ident_len(compound);
    if n > 0 {
        need.tag = Some(compound[..n].to_ascii_lowercase());
    }
    let mut rest = &compound[n..];
    while let Some(c) = rest.chars().next() {
        match c {
            '*' => rest = &rest[1..],
            '#' | '.' => {
                need.attrs.push(if c == '#' { "id" } else { "class" }.to_string());
                rest = &rest[1 + ident_len(&rest[1..])..];
            }
            '[' => {
                let inner = &rest[1..];
                let name = inner.trim_start();
                let len = ident_len(name);
                if len == 0 {
                    return None;
                }
                need.attrs.push(name[..len].to_ascii_lowercase());
                rest = &rest[closing(rest)? + 1..];
            }
            ':' => {
                // Pseudo-classes only narrow the match: skipped.
                let r = rest.trim_start_matches(':');
                let r = &r[ident_len(r)..];
                rest = if r.starts_with('(') { &r[closing(r)? + 1..] } else { r };
            }
            _ => return None,
        }
    }
    Some(need)
}

/// Where the bracket or parenthesis opening `s` closes, quotes and nesting
/// respected.
fn closing(s: &str) -> Option<usize> {
    scan(s, |i, c, depth| i > 0 && depth == 0 && matches!(c, ')' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(s: &str) -> Option<Vec<(Option<&'static str>, Vec<&'static str>)>> {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        parse(s).map(|v| {
            v.into_iter().map(|n| (n.tag.map(leak), n.attrs.into_iter().map(leak).collect())).collect()
        })
    }

    #[test]
    fn the_last_compound_names_tag_and_attributes() {
        assert_eq!(
            needs("nav, [role=navigation], header:not(article *), div.share > a[rel~='tag x']"),
            Some(vec![
                (Some("nav"), vec![]),
                (None, vec!["role"]),
                (Some("header"), vec![]),
                (Some("a"), vec!["rel"]),
            ])
        );
        assert_eq!(
            needs("#comments, ins.adsbygoogle, [class*=\" share-\"]"),
            Some(vec![(None, vec!["id"]), (Some("ins"), vec!["class"]), (None, vec!["class"]),])
        );
        assert_eq!(needs("form:not(:has(p)), *"), Some(vec![(Some("form"), vec![]), (None, vec![])]));
    }

    #[test]
    fn what_it_does_not_read_is_always_tried() {
        assert_eq!(needs(r"a\:b"), None);
        assert_eq!(needs("svg|a"), None);
        assert_eq!(needs("a, [  ]"), None);
    }

    #[test]
    fn no_element_a_default_rule_matches_is_ruled_out() {
        let rules = crate::rules::load_default().unwrap();
        let selectors: Vec<_> = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.kind {
                crate::rules::Kind::Selector { selector, prefilter, .. } => Some((selector, prefilter)),
                _ => None,
            })
            .collect();
        assert!(selectors.iter().all(|(_, p)| p.0.is_some()), "every default selector is read");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/raw");
        let (mut matched, mut skipped) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let page = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
            for node in page.tree.nodes() {
                let Some(el) = ElementRef::wrap(node) else { continue };
                for (selector, pre) in &selectors {
                    let may = pre.may_match(&el);
                    if selector.matches(&el) {
                        assert!(
                            may,
                            "{} ruled out by {:?}",
                            el.html().chars().take(120).collect::<String>(),
                            pre
                        );
                        matched += 1;
                    }
                    skipped += usize::from(!may);
                }
            }
        }
        assert!(matched > 100 && skipped > 10_000, "matched {matched}, ruled out {skipped}");
    }
}
