//! Site repetition with the default rules: the fuzz input is glued to the
//! last paragraph of twelve articles of one site (and stands alone after
//! desk initials in four more); with the counts of those sixteen, each
//! one's edits rebuild it and cleaning its output again changes nothing.
#![no_main]

use descrape::engine::{Claims, Cleaner};
use descrape::repeat::{doc_keys, Counted, Counts, GroupBy};
use descrape::rules::DocPath;
use libfuzzer_sys::fuzz_target;

const TOWNS: [&str; 8] = ["Alder", "Birch", "Cedar", "Elm", "Fir", "Hazel", "Larch", "Maple"];

fuzz_target!(|data: &[u8]| {
    let tail = String::from_utf8_lossy(data);
    let docs: Vec<String> = (0..16)
        .map(|n| {
            let town = TOWNS[n % 8];
            let side = if n < 8 { "north" } else { "south" };
            let story = format!(
                "The {town} council approved the {side} harbour budget on Tuesday after a long debate, officials said."
            );
            if n < 12 {
                format!("{town} votes\n\n{story} {tail}\n")
            } else {
                format!("{town} votes\n\n{story}\n\nEF/MA {tail}\n")
            }
        })
        .collect();
    let rules = descrape_fuzz::default_rules();
    let mut counts = Counts::new(GroupBy::None);
    for d in &docs {
        counts.add("*", &doc_keys(d, Counted::Removable));
    }
    let cleaner = Cleaner { counts: Some(&counts), ..Cleaner::new(rules) };
    for (n, text) in docs.iter().enumerate() {
        let path = format!("site/{n}.txt");
        let edits = cleaner.clean(DocPath::Known(&path), text, &Claims::default());
        let output = descrape_fuzz::check_edits(rules, text, &edits);
        let again = cleaner.clean(DocPath::Known(&path), &output, &Claims::default());
        assert!(again.is_empty(), "cleaning the output again changes it:\ninput  {text:?}\noutput {output:?}");
    }
});
