//! The invariants the README promises, checked by every fuzz target: the
//! edits are sorted, disjoint and on character boundaries, the change log
//! rebuilds the input, and cleaning the output again changes nothing.
//! Panics are findings; this crate is never part of the main build.

use std::path::PathBuf;
use std::sync::OnceLock;

use descrape::changelog;
use descrape::engine;
use descrape::text::{self, Edit};
use descrape::rules::{DocPath, RuleSet};

/// The embedded default rules, loaded once.
pub fn default_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| descrape::rules::load_paths(&[], true).expect("default rules load"))
}

/// The default rules with `@nlp`, loaded once.
pub fn nlp_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| descrape::rules::load_paths(&[PathBuf::from("@nlp")], true).expect("@nlp loads"))
}

/// Check `edits` of `text` and return the output.
pub fn check_edits(rules: &RuleSet, text: &str, edits: &[Edit]) -> String {
    let mut pos = 0;
    for e in edits {
        assert!(e.range.start >= pos && e.range.start <= e.range.end, "edits overlap or go back: {edits:?}");
        assert!(e.range.end <= text.len(), "edit past the end");
        assert!(
            text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end),
            "edit splits a character"
        );
        pos = e.range.end;
    }
    let output = text::apply(text, edits);
    let records = changelog::edit_records(rules, "fuzz.txt", None, text, edits);
    assert_eq!(changelog::rebuild(&output, &records), text, "the change log does not rebuild the input");
    output
}

/// Clean `text` at `path`, check the invariants, return the output.
pub fn check_clean(rules: &RuleSet, path: DocPath, text: &str) -> String {
    let edits = engine::clean_at(rules, path, text);
    let output = check_edits(rules, text, &edits);
    let again = engine::clean_at(rules, path, &output);
    assert!(
        again.is_empty(),
        "cleaning the output again changes it:\ninput  {text:?}\noutput {output:?}\nagain  {:?}",
        text::apply(&output, &again)
    );
    output
}
