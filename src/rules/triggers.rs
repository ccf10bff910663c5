//! The trigger sets: which rules' patterns match a line, asked once per line.
//!
//! Patterns that can only match at the start of the line (`^…`) go in one
//! multi-pattern regex searched anchored, so a line that starts no rule is
//! given up on after a few bytes instead of scanned to its end; the others
//! go in a second, unanchored one. One unanchored set over all patterns
//! made the lazy DFA build states for every combination of partial matches
//! and ran at a third of the speed on real dumps. Nothing here reads files.

use regex::Regex;
use regex_automata::meta;
use regex_automata::{Anchored, Input, MatchKind, PatternSet};
use regex_syntax::hir::Look;

/// Both sets plus the rule index of each of their patterns.
#[derive(Debug, Clone)]
pub struct Triggers {
    anchored: Part,
    floating: Part,
}

#[derive(Debug, Clone)]
struct Part {
    regex: Option<meta::Regex>,
    rules: Vec<usize>,
    anchored: bool,
}

impl Triggers {
    /// `patterns` pairs each rule index with its trigger regex.
    pub fn new<'a>(patterns: impl Iterator<Item = (usize, &'a Regex)>) -> Result<Triggers, regex::Error> {
        let (mut a, mut f) = (Vec::new(), Vec::new());
        for (rule, re) in patterns {
            let side = if starts_anchored(re.as_str()) { &mut a } else { &mut f };
            side.push((rule, re.as_str()));
        }
        Ok(Triggers { anchored: Part::new(a, true)?, floating: Part::new(f, false)? })
    }

    /// Appends to `out` the rule indices whose trigger matches `line`, in
    /// rule order.
    pub fn matches_into(&self, line: &str, out: &mut Vec<usize>) {
        let start = out.len();
        self.anchored.matches_into(line, out);
        self.floating.matches_into(line, out);
        out[start..].sort_unstable();
    }
}

impl Part {
    fn new(patterns: Vec<(usize, &str)>, anchored: bool) -> Result<Part, regex::Error> {
        if patterns.is_empty() {
            return Ok(Part { regex: None, rules: Vec::new(), anchored });
        }
        // `All`, as a regex set: every pattern that matches is reported.
        // Many Unicode-aware patterns in one set exceed the default limits.
        let config = meta::Config::new()
            .match_kind(MatchKind::All)
            .nfa_size_limit(Some(256 << 20))
            .hybrid_cache_capacity(64 << 20);
        let regex = meta::Builder::new()
            .configure(config)
            .build_many(&patterns.iter().map(|(_, p)| *p).collect::<Vec<_>>())
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        Ok(Part { regex: Some(regex), rules: patterns.iter().map(|(r, _)| *r).collect(), anchored })
    }

    fn matches_into(&self, line: &str, out: &mut Vec<usize>) {
        let Some(regex) = &self.regex else { return };
        let anchored = if self.anchored { Anchored::Yes } else { Anchored::No };
        let input = Input::new(line).anchored(anchored);
        if !regex.is_match(input.clone()) {
            return;
        }
        let mut set = PatternSet::new(regex.pattern_len());
        regex.which_overlapping_matches(&input, &mut set);
        out.extend(set.iter().map(|p| self.rules[p.as_usize()]));
    }
}

/// Whether every match of `pattern` must start at the start of the text.
fn starts_anchored(pattern: &str) -> bool {
    regex_syntax::Parser::new()
        .parse(pattern)
        .is_ok_and(|hir| hir.properties().look_set_prefix().contains(Look::Start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(patterns: &[&str]) -> Triggers {
        let res: Vec<Regex> = patterns.iter().map(|p| Regex::new(p).unwrap()).collect();
        Triggers::new(res.iter().enumerate()).unwrap()
    }

    fn matches(t: &Triggers, line: &str) -> Vec<usize> {
        let mut out = Vec::new();
        t.matches_into(line, &mut out);
        out
    }

    #[test]
    fn anchoring_is_read_from_the_pattern() {
        assert!(starts_anchored(r"^\s*Photo:"));
        assert!(starts_anchored(r"(?xi)^ \s* (?: a | b )"));
        assert!(starts_anchored(r"^a|^b"));
        assert!(!starts_anchored(r"^a|b"));
        assert!(!starts_anchored(r"(?:^|\s)Reuters"));
        assert!(!starts_anchored(r"(?m)^a"));
    }

    #[test]
    fn both_sets_report_in_rule_order() {
        let t = triggers(&[r"Reuters", r"^Photo:", r"(?:^|\s)AFP", r"^Photo"]);
        assert_eq!(matches(&t, "Photo: Reuters/AFP"), vec![0, 1, 3]);
        assert_eq!(matches(&t, "A Photo: by AFP"), vec![2]);
        assert_eq!(matches(&t, "nothing here"), Vec::<usize>::new());
    }
}
