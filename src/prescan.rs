//! The HTML Standard's "prescan a byte stream to determine its encoding",
//! with its "get an attribute" and "extracting a character encoding from
//! a meta element", step for step: the charset a page's `<meta>` declares
//! as browsers read it.
//!
//! Written here rather than taken from a crate: the crates that carry it
//! bring a whole HTML parser along (`parsec-html-encoding`) or are young
//! (`fhp-encoding`), and the algorithm is one page of the standard over
//! `encoding_rs`, which the project has. A search for `charset` anywhere
//! in a `<meta>` tag, as before, read `content="… charset=koi8-r …"` in a
//! description, a `data-charset` attribute and a commented-out `<meta>`
//! as declarations, and garbled valid UTF-8 pages.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes are scanned, as the standard advises.
const SCAN: usize = 1024;

/// The encoding the first [`SCAN`] bytes of a page declare; `None` when
/// they declare none (or the bytes run out inside a tag).
pub fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let b = &bytes[..bytes.len().min(SCAN)];
    let mut p = 0;
    while p < b.len() {
        let rest = &b[p..];
        if rest.starts_with(b"<!--") {
            // The first `-->` whose dashes may be those of `<!--`.
            p += 2 + find(&rest[2..], b"-->")? + 3;
            continue;
        }
        if starts_with_ignore_case(rest, b"<meta") && rest.get(5).is_some_and(|&c| is_space(c) || c == b'/') {
            p += 6;
            if let Some(found) = meta(b, &mut p)? {
                return Some(found);
            }
            continue;
        }
        let letter_at = |i: usize| rest.get(i).is_some_and(u8::is_ascii_alphabetic);
        if rest[0] == b'<' && (letter_at(1) || (rest.get(1) == Some(&b'/') && letter_at(2))) {
            // Another tag: skipped with its attributes, whose quoted values
            // may hold `>`.
            p += rest.iter().position(|&c| is_space(c) || c == b'>')?;
            while attribute(b, &mut p)?.is_some() {}
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            p += rest.iter().position(|&c| c == b'>')?;
        }
        p += 1;
    }
    None
}

/// A `<meta>` tag's attributes from `p`: the encoding it declares, if
/// any. The outer `None` is running out of bytes.
fn meta(b: &[u8], p: &mut usize) -> Option<Option<&'static Encoding>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    // `charset` is `None` (null), `Some(None)` (failure: an unknown label,
    // which a later `content` does not replace) or `Some(Some(encoding))`.
    let (mut got_pragma, mut need_pragma, mut charset) = (false, None, None);
    while let Some((name, value)) = attribute(b, p)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value == b"content-type",
            b"content" => {
                if let (Some(found), None) = (from_content(&value), charset) {
                    charset = Some(Some(found));
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Some(Encoding::for_label(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    let declared = match need_pragma {
        Some(true) if !got_pragma => None,
        Some(_) => charset.flatten(),
        None => None,
    };
    Some(declared.map(|enc| match enc {
        // The bytes are ASCII-compatible, so not UTF-16.
        e if e == UTF_16BE || e == UTF_16LE => UTF_8,
        e if e == X_USER_DEFINED => WINDOWS_1252,
        e => e,
    }))
}

/// "Get an attribute" from `p`: its name and value, lower-cased; `None`
/// at the tag's end. The outer `None` is running out of bytes.
fn attribute(b: &[u8], p: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while is_space(*b.get(*p)?) || b[*p] == b'/' {
        *p += 1;
    }
    if b[*p] == b'>' {
        return Some(None);
    }
    let (mut name, mut value) = (Vec::new(), Vec::new());
    loop {
        match *b.get(*p)? {
            b'=' if !name.is_empty() => {
                *p += 1;
                break;
            }
            c if is_space(c) => {
                while is_space(*b.get(*p)?) {
                    *p += 1;
                }
                if b[*p] != b'=' {
                    return Some(Some((name, value)));
                }
                *p += 1;
                break;
            }
            b'/' | b'>' => return Some(Some((name, value))),
            c => name.push(c.to_ascii_lowercase()),
        }
        *p += 1;
    }
    while is_space(*b.get(*p)?) {
        *p += 1;
    }
    match b[*p] {
        quote @ (b'"' | b'\'') => {
            *p += 1;
            loop {
                let c = *b.get(*p)?;
                *p += 1;
                if c == quote {
                    return Some(Some((name, value)));
                }
                value.push(c.to_ascii_lowercase());
            }
        }
        b'>' => return Some(Some((name, value))),
        _ => {}
    }
    loop {
        let c = *b.get(*p)?;
        if is_space(c) || c == b'>' {
            return Some(Some((name, value)));
        }
        value.push(c.to_ascii_lowercase());
        *p += 1;
    }
}

/// "Extracting a character encoding from a meta element": the `charset=`
/// inside a `content` value (already lower-cased).
fn from_content(s: &[u8]) -> Option<&'static Encoding> {
    let mut at = 0;
    loop {
        at += find(&s[at..], b"charset")? + 7;
        let rest = &s[at..];
        let skip = rest.iter().take_while(|&&c| is_space(c)).count();
        if rest.get(skip) != Some(&b'=') {
            continue;
        }
        let rest = &rest[skip + 1..];
        let rest = &rest[rest.iter().take_while(|&&c| is_space(c)).count()..];
        return match *rest.first()? {
            quote @ (b'"' | b'\'') => {
                let end = rest[1..].iter().position(|&c| c == quote)?;
                Encoding::for_label(&rest[1..1 + end])
            }
            _ => {
                let end = rest.iter().position(|&c| is_space(c) || c == b';').unwrap_or(rest.len());
                Encoding::for_label(&rest[..end])
            }
        };
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn starts_with_ignore_case(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{KOI8_R, SHIFT_JIS, WINDOWS_1251};

    fn page(head: &str) -> Vec<u8> {
        format!("<!doctype html><html><head>{head}</head><body><p>Text.</p></body></html>").into_bytes()
    }

    #[test]
    fn a_meta_charset_or_content_type_is_read() {
        assert_eq!(prescan(&page("<meta charset=\"windows-1251\">")), Some(WINDOWS_1251));
        assert_eq!(prescan(&page("<META CHARSET=Shift_JIS>")), Some(SHIFT_JIS));
        assert_eq!(prescan(&page("<meta charset='koi8-r'/>")), Some(KOI8_R));
        assert_eq!(
            prescan(&page("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">")),
            Some(WINDOWS_1251)
        );
        assert_eq!(
            prescan(&page("<meta content='text/html;charset=\"koi8-r\"' http-equiv=content-type>")),
            Some(KOI8_R)
        );
        // A UTF-16 label on ASCII-compatible bytes is UTF-8; x-user-defined is Windows-1252.
        assert_eq!(prescan(&page("<meta charset=utf-16le>")), Some(UTF_8));
        assert_eq!(prescan(&page("<meta charset=\"x-user-defined\">")), Some(WINDOWS_1252));
    }

    #[test]
    fn what_only_looks_like_a_declaration_is_not_one() {
        let utf8 = "<meta charset=\"utf-8\">";
        for decoy in [
            // A description that mentions a charset, with no http-equiv.
            "<meta name=\"description\" content=\"How to set charset=koi8-r in Apache\">",
            // A commented-out declaration.
            "<!-- old: <meta charset=\"koi8-r\"> -->",
            // An attribute whose name only ends in charset.
            "<meta name=\"x\" data-charset=\"koi8-r\">",
            // A `>` inside a quoted value of another tag.
            "<link title=\"a > <meta charset=koi8-r>\">",
            "<script type=\"x\"></script>",
        ] {
            assert_eq!(prescan(&page(&format!("{decoy}{utf8}"))), Some(UTF_8), "{decoy}");
        }
        // The first of two `charset` attributes counts; an unknown label is none.
        assert_eq!(prescan(&page("<meta charset=koi8-r charset=utf-8>")), Some(KOI8_R));
        assert_eq!(prescan(&page("<meta charset=no-such-thing>")), None);
        // An unknown label is a failure that a later `content` does not undo.
        let failed = "<meta charset=bogus content=\"text/html; charset=koi8-r\" http-equiv=content-type>";
        assert_eq!(prescan(&page(failed)), None);
        assert_eq!(prescan(b"<p>No declaration at all.</p>"), None);
    }

    #[test]
    fn the_scan_stops_at_1024_bytes_and_at_the_end_of_the_bytes() {
        let late = format!("<!-- {} --><meta charset=koi8-r>", "x".repeat(1100));
        assert_eq!(prescan(late.as_bytes()), None);
        assert_eq!(prescan(b"<meta charset=\"koi8-r"), None);
        assert_eq!(prescan(b"<!-- <meta charset=koi8-r>"), None);
        assert_eq!(prescan(b"<meta"), None);
        assert_eq!(prescan(b"<"), None);
        assert_eq!(prescan(b"<!-->x<meta charset=koi8-r>"), Some(KOI8_R));
    }
}
