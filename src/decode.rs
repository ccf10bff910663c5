//! Bytes to text, for text files and for web pages: BOM, then UTF-8 (for a
//! page, its `<meta charset>` first), then detection, as one decision per
//! file.
//!
//! UTF-8 (with or without BOM) and UTF-16 and UTF-32 with BOM are taken as
//! such. Text that is UTF-8 but for a few stray bytes (fewer bad sequences
//! than valid non-ASCII characters) stays UTF-8, each bad sequence decoded
//! on its own; any other bytes that are not valid UTF-8 are guessed by
//! `chardetng` and decoded by `encoding_rs`. A NUL byte outside UTF-16 and
//! UTF-32 marks a binary file,
//! which is not text to clean. The BOM is not part of the decoded text.
//! Pages are decoded as browsers do ([`decode_page`]).

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// How a file's bytes became text; recorded in the change log unless plain UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `encoding_rs` name, e.g. `UTF-8`, `windows-1252`.
    pub encoding: &'static str,
    pub bom: bool,
    /// Whether the encoding was guessed rather than declared or valid UTF-8.
    pub detected: bool,
    /// Whether malformed sequences were replaced by U+FFFD.
    pub lossy: bool,
    /// In UTF-8 text, bytes that were not UTF-8 and were decoded on their
    /// own (as Windows-1252, or U+FFFD).
    pub stray_bytes: usize,
}

impl Source {
    /// Plain UTF-8 without BOM: the output can be the input's own bytes.
    pub fn is_plain_utf8(&self) -> bool {
        self.encoding == "UTF-8" && !self.bom && !self.lossy && self.stray_bytes == 0
    }

    /// How plain UTF-8 input is read.
    pub fn utf8() -> Source {
        Source { encoding: UTF_8.name(), bom: false, detected: false, lossy: false, stray_bytes: 0 }
    }
}

#[derive(Debug)]
pub enum Decoded {
    Text {
        text: String,
        source: Source,
    },
    /// Not text: the offset of the first NUL byte.
    Binary {
        nul_at: usize,
    },
}

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decode a text file: BOM, then UTF-8, then detection.
pub fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some(decoded) = with_bom(&bytes) {
        return decoded;
    }
    if let Some(nul_at) = memchr::memchr(0, &bytes) {
        return Decoded::Binary { nul_at };
    }
    undeclared(bytes)
}

/// Bytes that open with a BOM: in its encoding, unless a NUL byte after it
/// marks a binary file (UTF-16 text is full of NUL bytes, so not there).
/// The offset is the file's, BOM included.
fn with_bom(bytes: &[u8]) -> Option<Decoded> {
    if let Some(decoded) = utf32(bytes) {
        return Some(decoded);
    }
    let (enc, bom_len) = Encoding::for_bom(bytes)?;
    let rest = &bytes[bom_len..];
    if enc != UTF_16LE && enc != UTF_16BE {
        if let Some(nul_at) = memchr::memchr(0, rest) {
            return Some(Decoded::Binary { nul_at: bom_len + nul_at });
        }
    }
    Some(decode_with(enc, rest, true, false))
}

/// UTF-32 with its BOM. `encoding_rs` follows the Encoding Standard, which
/// has no UTF-32 and reads `FF FE 00 00` as UTF-16LE (a NUL, then noise);
/// a text file that opens so is UTF-32, decoded here by code unit. A unit
/// that is not a scalar value, or a cut last unit, becomes U+FFFD.
fn utf32(bytes: &[u8]) -> Option<Decoded> {
    let (name, from): (&'static str, fn([u8; 4]) -> u32) = match bytes.get(..4)? {
        [0xFF, 0xFE, 0, 0] => ("UTF-32LE", u32::from_le_bytes),
        [0, 0, 0xFE, 0xFF] => ("UTF-32BE", u32::from_be_bytes),
        _ => return None,
    };
    let units = bytes[4..].chunks_exact(4);
    let cut = !units.remainder().is_empty();
    let mut lossy = cut;
    let mut text: String = units
        .map(|unit| {
            char::from_u32(from(unit.try_into().expect("chunks of four"))).unwrap_or_else(|| {
                lossy = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    if cut {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    let source = Source { encoding: name, bom: true, detected: false, lossy, stray_bytes: 0 };
    Some(Decoded::Text { text, source })
}

/// Bytes with no BOM, no NUL and no declared charset: UTF-8, UTF-8 with a
/// few stray bytes, or else whatever `chardetng` guesses.
fn undeclared(bytes: Vec<u8>) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Text { text, source: Source::utf8() },
        Err(e) => {
            let bytes = e.into_bytes();
            if let Some((text, source)) = mostly_utf8(&bytes) {
                return Decoded::Text { text, source };
            }
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(&bytes, true);
            decode_with(detector.guess(None, true), &bytes, false, true)
        }
    }
}

fn decode_with(enc: &'static Encoding, bytes: &[u8], bom: bool, detected: bool) -> Decoded {
    let (text, lossy) = enc.decode_without_bom_handling(bytes);
    let source = Source { encoding: enc.name(), bom, detected, lossy, stray_bytes: 0 };
    Decoded::Text { text: text.into_owned(), source }
}

/// Decode a page: BOM, then `<meta charset>`, then as a text file.
/// (`encoding_rs` already reads an ISO-8859-1 label as Windows-1252, as
/// browsers do.)
pub fn decode_page(bytes: Vec<u8>) -> Decoded {
    if let Some(decoded) = with_bom(&bytes) {
        return decoded;
    }
    if let Some(nul_at) = memchr::memchr(0, &bytes) {
        return Decoded::Binary { nul_at };
    }
    match crate::prescan::prescan(&bytes) {
        Some(enc) => decode_with(enc, &bytes, false, false),
        None => undeclared(bytes),
    }
}

/// UTF-8 with a few bad sequences (fewer than its valid non-ASCII
/// characters): each bad sequence as Windows-1252 when that gives
/// printable characters (a stray `’` or `é` from a pasted quote), else
/// U+FFFD. `None` when the bytes look like another encoding altogether.
fn mostly_utf8(bytes: &[u8]) -> Option<(String, Source)> {
    let (mut valid, mut bad) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    if bad == 0 || valid < bad {
        return None;
    }
    let mut text = String::with_capacity(bytes.len() + 8);
    let mut source = Source::utf8();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        let invalid = chunk.invalid();
        if invalid.is_empty() {
            continue;
        }
        source.stray_bytes += invalid.len();
        let (alone, _) = WINDOWS_1252.decode_without_bom_handling(invalid);
        if alone.chars().all(|c| !c.is_control()) {
            text.push_str(&alone);
        } else {
            text.push('\u{FFFD}');
            source.lossy = true;
        }
    }
    Some((text, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> (String, Source) {
        match decode(bytes.to_vec()) {
            Decoded::Text { text, source } => (text, source),
            Decoded::Binary { .. } => panic!("binary"),
        }
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let (t, s) = text(b"\xEF\xBB\xBFIt\xE2\x80\x99s");
        assert_eq!(t, "It’s");
        assert!(s.bom && s.encoding == "UTF-8" && !s.is_plain_utf8());
    }

    #[test]
    fn utf16le_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "Café".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        let (t, s) = text(&b);
        assert_eq!((t.as_str(), s.encoding), ("Café", "UTF-16LE"));
    }

    #[test]
    fn windows_1252_is_detected() {
        let (t, s) = text(b"It\x92s the caf\xE9 on the corner, said the mayor of the town.");
        assert_eq!(t, "It’s the café on the corner, said the mayor of the town.");
        assert_eq!(s.encoding, "windows-1252");
        assert!(s.detected);
    }

    #[test]
    fn stray_bytes_in_utf8_are_decoded_alone() {
        let (t, s) = text(
            "Caf\u{e9} \u{2019}n\u{2019} "
                .as_bytes()
                .iter()
                .chain(b"\x93quoted\x94 and \x81")
                .copied()
                .collect::<Vec<_>>()
                .as_slice(),
        );
        assert_eq!(t, "Café ’n’ “quoted” and \u{FFFD}");
        assert_eq!((s.encoding, s.stray_bytes, s.lossy), ("UTF-8", 3, true));
    }

    #[test]
    fn meta_charset_wins_over_detection() {
        let bytes =
            b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>"
                .to_vec();
        match decode_page(bytes) {
            Decoded::Text { text, source } => {
                assert!(text.contains("Привет"));
                assert_eq!(source.encoding, "windows-1251");
            }
            Decoded::Binary { .. } => panic!("binary"),
        }
    }

    #[test]
    fn utf32_with_bom_is_utf32_not_utf16() {
        let mut le = vec![0xFF, 0xFE, 0, 0];
        let mut be = vec![0, 0, 0xFE, 0xFF];
        for c in "Façade 😀\n".chars() {
            le.extend((c as u32).to_le_bytes());
            be.extend((c as u32).to_be_bytes());
        }
        for (bytes, name) in [(le, "UTF-32LE"), (be, "UTF-32BE")] {
            let (t, s) = text(&bytes);
            assert_eq!(t, "Façade 😀\n");
            assert!(s.encoding == name && s.bom && !s.lossy);
        }
        let (t, s) = text(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0, 0, 0xD8, 0, 0, b'b']);
        assert_eq!(t, "a\u{FFFD}\u{FFFD}");
        assert!(s.lossy);
    }

    #[test]
    fn nul_byte_means_binary() {
        assert!(matches!(decode(b"PK\x03\x04\x00\x00".to_vec()), Decoded::Binary { nul_at: 4 }));
    }
}
