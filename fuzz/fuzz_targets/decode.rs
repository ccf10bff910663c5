//! The decoders never panic; valid UTF-8 comes out as it went in, and
//! UTF-8 with stray bytes keeps every valid part.
#![no_main]

use descrape::decode::{self, Decoded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let plain = std::str::from_utf8(data).ok();
    match decode::decode(data.to_vec()) {
        Decoded::Text { text, source } => {
            if let Some(p) = plain.filter(|p| !p.starts_with('\u{feff}')) {
                assert_eq!(text, p);
                assert!(source.is_plain_utf8());
            }
            if source.stray_bytes > 0 {
                for chunk in data.utf8_chunks() {
                    assert!(text.contains(chunk.valid()));
                }
            }
        }
        Decoded::Binary { nul_at } => assert_eq!(data.get(nul_at), Some(&0)),
    }
    let _ = decode::decode_page(data.to_vec());
});
