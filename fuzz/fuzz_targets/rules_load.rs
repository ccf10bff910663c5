//! Any rules file loads or fails with a diagnostic, never a panic; a file
//! that loads cleans its own examples' inputs with the invariants holding.
#![no_main]

use descrape::rules::DocPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rules) = descrape::rules::load_str("fuzz.yaml", text) {
        let _ = descrape::examples::check(&rules);
        descrape_fuzz::check_clean(&rules, DocPath::Known("fuzz.txt"), text);
    }
});
