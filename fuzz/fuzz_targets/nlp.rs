//! The default rules with `@nlp` normalisation: edits rebuild the input
//! and cleaning the output again changes nothing.
#![no_main]

use descrape::rules::DocPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    descrape_fuzz::check_clean(descrape_fuzz::nlp_rules(), DocPath::Known("fuzz.txt"), &text);
});
