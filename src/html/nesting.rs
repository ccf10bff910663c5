//! A bound on what parsing a page may cost. The HTML5 tree builder looks
//! through its stack of open elements for many tags (each `<div>` asks
//! whether a `<p>` is open), so markup nested N deep costs about N² to
//! parse: 40,000 nested `<div>`s took 2.6 s and 200,000 (1.2 MB) 86 s, one
//! worker held the whole time. One linear scan estimates that work before
//! the parse: the depth at each start tag, summed.

use memchr::{memchr, memmem};

/// The estimated work past which a page is not parsed: about 22,000 nested
/// elements, under a second of parsing for `<div>`s and ten for unclosed
/// `<b>`s, the costliest shape found. The 683 real pages of the corpus cost
/// at most 60,000 (a few thousand tags, 20 to 50 deep).
pub const BUDGET: u64 = 250_000_000;

/// Elements that have no end tag.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
    "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose end tag may be left out, the next sibling closing them,
/// and those a second of their kind closes (`<a>`) or that never nest
/// (`<form>`): counted open, a long list of paragraphs or of unclosed links
/// would be deep.
const SIBLING_CLOSED: &[&str] = &[
    "a", "body", "button", "caption", "colgroup", "dd", "dt", "form", "head", "html", "li", "nobr",
    "optgroup", "option", "p", "rb", "rp", "rt", "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] =
    &["iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp"];

/// `Err` with the reason when parsing `html` would cost more than
/// [`BUDGET`]. The estimate errs low (an end tag closes one element,
/// whatever it names), never high on what real pages hold.
pub fn check(html: &str) -> Result<(), String> {
    let b = html.as_bytes();
    let (mut i, mut depth, mut deepest, mut cost) = (0usize, 0u64, 0u64, 0u64);
    while let Some(at) = memchr(b'<', &b[i..]) {
        i += at + 1;
        let rest = &b[i..];
        if rest.starts_with(b"!--") {
            i = memmem::find(&rest[3..], b"-->").map_or(b.len(), |e| i + 3 + e + 3);
            continue;
        }
        let end = rest.first() == Some(&b'/');
        let start = i + usize::from(end);
        let len = b[start..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        if len == 0 {
            continue;
        }
        // Names longer than the buffer are in none of the lists.
        let mut buf = [0u8; 12];
        let name = match b.get(start..start + len).filter(|n| n.len() <= buf.len()) {
            Some(n) => {
                buf[..len].copy_from_slice(n);
                buf[..len].make_ascii_lowercase();
                std::str::from_utf8(&buf[..len]).unwrap_or("")
            }
            None => "",
        };
        let close = tag_end(b, start + len);
        i = close;
        if end {
            if !VOID.contains(&name) && !SIBLING_CLOSED.contains(&name) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        cost += depth;
        let self_closed = close >= 2 && b[close - 2] == b'/';
        if VOID.contains(&name) || SIBLING_CLOSED.contains(&name) || self_closed {
            continue;
        }
        if name == "plaintext" {
            break;
        }
        depth += 1;
        deepest = deepest.max(depth);
        if RAW_TEXT.contains(&name) {
            // Its text is not markup: on to its end tag, which closes it.
            i = memmem::find_iter(&b[i..], b"</")
                .map(|e| i + e)
                .find(|&e| b.get(e + 2..e + 2 + len).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes())))
                .unwrap_or(b.len());
        }
        if cost > BUDGET {
            return Err(format!(
                "its markup nests too deep to parse in bounded time ({deepest} elements open at once and more \
                 to come): not cleaned"
            ));
        }
    }
    Ok(())
}

/// Just past the `>` that ends the tag whose name ends at `from`; quoted
/// attribute values may hold a `>`.
fn tag_end(b: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (k, &c) in b[from..].iter().enumerate() {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'>') => return from + k + 1,
            _ => {}
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize, tag: &str) -> String {
        format!(
            "<html><body>{}<p>Text.</p>{}</body></html>",
            format!("<{tag}>").repeat(n),
            format!("</{tag}>").repeat(n)
        )
    }

    #[test]
    fn deep_markup_is_refused_and_real_shapes_pass() {
        assert!(check(&nested(100_000, "div")).is_err());
        assert!(check(&nested(100_000, "span")).is_err());
        assert!(check(&nested(5_000, "div")).is_ok());
        // Siblings, however many, and elements closed by their siblings.
        assert!(check(&"<div><p>One.</p></div>".repeat(200_000)).is_ok());
        assert!(check(&format!("<ul>{}</ul>", "<li>item".repeat(200_000))).is_ok());
        assert!(check(&format!("<p>{}", "<p>para".repeat(200_000))).is_ok());
        assert!(check(&"<a href=\"/x\">link ".repeat(200_000)).is_ok());
        // Unclosed formatting elements do nest: 30,000 took 23 s to parse.
        assert!(check(&"<b class=x>bold ".repeat(30_000)).is_err());
        // Self-closed icons in an SVG sprite, void elements, comments and
        // script text that looks like markup.
        assert!(check(&format!("<svg>{}</svg>", "<path d=\"M0 0\"/>".repeat(200_000))).is_ok());
        assert!(check(&"<br><img src=a.png>".repeat(200_000)).is_ok());
        let script = format!("<script>{}</script><p>After.</p>", "<div>".repeat(200_000));
        assert!(check(&script).is_ok());
        let comment = format!("<!--{}--><p>After.</p>", "<div>".repeat(200_000));
        assert!(check(&comment).is_ok());
        // A `>` inside a quoted attribute does not end the tag.
        assert!(check(&"<div title=\"a > b\"></div>".repeat(200_000)).is_ok());
    }
}
