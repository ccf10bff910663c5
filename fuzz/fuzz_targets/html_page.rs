//! A web page: decoded, rendered and cleaned with the default rules as
//! `clean` does; the edits rebuild the rendering, and the text output
//! cleaned again as text changes nothing.
#![no_main]

use descrape::decode::Decoded;
use descrape::html::Memo;
use descrape::rules::DocPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Decoded::Text { text, .. } = descrape::decode::decode_page(data.to_vec()) else { return };
    let rules = descrape_fuzz::default_rules();
    // As `clean` renders: a page that would take too long to parse fails unparsed.
    let Ok(rendered) = descrape::html::render_with(rules, &text, DocPath::Unknown, Memo::Off) else { return };
    let edits = descrape::engine::clean_with(rules, DocPath::Unknown, &rendered.text, &rendered.claims());
    let output = descrape_fuzz::check_edits(rules, &rendered.text, &edits);
    descrape_fuzz::check_clean(rules, DocPath::Unknown, &output);
});
