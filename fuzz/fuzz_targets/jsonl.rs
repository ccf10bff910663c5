//! JSON Lines records: a line parses or is malformed with a reason, never
//! a panic; a record written back parses to the same text, id and fields,
//! and its text cleans with the invariants holding.
#![no_main]

use descrape::jsonl::{self, Fields};
use descrape::rules::DocPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let fields = Fields::default();
    for line in input.lines() {
        let Ok(rec) = jsonl::parse(line, &fields) else { continue };
        let written = jsonl::serialize(rec.fields.clone(), &fields.text, rec.text.clone(), None);
        let again = jsonl::parse(std::str::from_utf8(&written).unwrap().trim_end_matches('\n'), &fields)
            .expect("a written record parses");
        assert_eq!((&again.text, &again.id), (&rec.text, &rec.id));
        let path = rec.id.as_deref().unwrap_or("fuzz.jsonl");
        descrape_fuzz::check_clean(descrape_fuzz::default_rules(), DocPath::Known(path), &rec.text);
    }
});
