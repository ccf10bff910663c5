//! The trigger sets: which rules' patterns match a line, asked once per line.
//!
//! Patterns that can only match at the start of the line (`^…`) go in one
//! multi-pattern regex searched anchored, so a line that starts no rule is
//! given up on after a few bytes instead of scanned to its end; the others
//! go in a second, unanchored one. One unanchored set over all patterns
//! made the lazy DFA build states for every combination of partial matches
//! and ran at a third of the speed on real dumps. Nothing here reads files.

use regex_automata::meta;
use regex_automata::{Anchored, Input, MatchKind, PatternSet};
use regex_syntax::hir::{Hir, Look};

use super::Pattern;

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
    pub fn new<'a>(patterns: impl Iterator<Item = (usize, &'a Pattern)>) -> Result<Triggers, regex::Error> {
        let (mut a, mut f) = (Vec::new(), Vec::new());
        for (rule, p) in patterns {
            let side = if starts_anchored(p.hir()) { &mut a } else { &mut f };
            side.push((rule, p.hir()));
        }
        // The two compile at once: start-up is spent here, before any
        // worker has something to do.
        let (anchored, floating) = std::thread::scope(|s| {
            let floating = s.spawn(|| Part::new(f, false));
            (Part::new(a, true), floating.join().expect("compiling a pattern set does not panic"))
        });
        Ok(Triggers { anchored: anchored?, floating: floating? })
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
    fn new(patterns: Vec<(usize, &Hir)>, anchored: bool) -> Result<Part, regex::Error> {
        if patterns.is_empty() {
            return Ok(Part { regex: None, rules: Vec::new(), anchored });
        }
        // `All`, as a regex set: every pattern that matches is reported.
        // Many Unicode-aware patterns in one set exceed the default limits.
        let config = meta::Config::new()
            .match_kind(MatchKind::All)
            .nfa_size_limit(Some(Pattern::SIZE_LIMIT))
            .hybrid_cache_capacity(64 << 20);
        let regex = meta::Builder::new()
            .configure(config)
            .build_many_from_hir(&patterns.iter().map(|(_, p)| *p).collect::<Vec<_>>())
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

/// Whether every match of `hir` must start at the start of the text.
fn starts_anchored(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(patterns: &[&str]) -> Triggers {
        let ps: Vec<Pattern> = patterns.iter().map(|p| Pattern::new(p).unwrap()).collect();
        Triggers::new(ps.iter().enumerate()).unwrap()
    }

    fn anchored(pattern: &str) -> bool {
        starts_anchored(Pattern::new(pattern).unwrap().hir())
    }

    fn matches(t: &Triggers, line: &str) -> Vec<usize> {
        let mut out = Vec::new();
        t.matches_into(line, &mut out);
        out
    }

    #[test]
    fn anchoring_is_read_from_the_pattern() {
        assert!(anchored(r"^\s*Photo:"));
        assert!(anchored(r"(?xi)^ \s* (?: a | b )"));
        assert!(anchored(r"^a|^b"));
        assert!(!anchored(r"^a|b"));
        assert!(!anchored(r"(?:^|\s)Reuters"));
        assert!(!anchored(r"(?m)^a"));
    }

    #[test]
    fn both_sets_report_in_rule_order() {
        let t = triggers(&[r"Reuters", r"^Photo:", r"(?:^|\s)AFP", r"^Photo"]);
        assert_eq!(matches(&t, "Photo: Reuters/AFP"), vec![0, 1, 3]);
        assert_eq!(matches(&t, "A Photo: by AFP"), vec![2]);
        assert_eq!(matches(&t, "nothing here"), Vec::<usize>::new());
    }
}
