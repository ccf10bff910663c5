//! Checking rules against their own `tests` examples.
//!
//! A `remove` example must be edited by its rule (and, when it gives an
//! `output`, come out exactly so); a `keep` example must come out untouched
//! by the whole rule set. Examples are cleaned as documents of their own,
//! at a path only their own rule's `scope.path` admits (other site rules
//! stay out); `scope.contains` applies as usual.

use serde::Serialize;

use crate::engine;
use crate::html;
use crate::report::Report;
use crate::rules::{DocPath, Rule, RuleSet};
use crate::text;

/// One example that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub rule: String,
    /// Where the rule is defined.
    pub file: String,
    pub line: usize,
    pub problem: String,
    pub example: String,
}

/// What `descrape test` reports: how many examples held, and the failures.
#[derive(Debug, Serialize)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<Failure>,
}

impl Report for TestReport {
    fn render(&self) -> String {
        let mut s = String::new();
        for f in &self.failures {
            s.push_str(&format!(
                "FAIL {}:{}: {}: {}\n  example: {:?}\n",
                f.file, f.line, f.rule, f.problem, f.example
            ));
        }
        s.push_str(&format!("{} passed, {} failed\n", self.passed, self.failed));
        s
    }
}

/// Run every example of every rule.
pub fn test(rules: &RuleSet) -> TestReport {
    let failures = check(rules);
    let total: usize = rules.rules().iter().map(|r| r.tests.remove.len() + r.tests.keep.len()).sum();
    TestReport { passed: total - failures.len(), failed: failures.len(), failures }
}

/// Clean an example of rule `index` as a document of its own; an example
/// that starts with `<` is a web page and is rendered first. Returns the
/// text the edits apply to, and the edits.
pub fn clean_example(rules: &RuleSet, index: usize, text: &str) -> (String, Vec<text::Edit>) {
    let at = DocPath::ExampleOf(index);
    if text.trim_start().starts_with('<') {
        let page = html::render(rules, text, at);
        let edits = engine::clean_with(rules, at, &page.text, &page.claims());
        (page.text, edits)
    } else {
        (text.to_string(), engine::clean_at(rules, at, text))
    }
}

/// Every failing example, in rule order.
pub fn check(rules: &RuleSet) -> Vec<Failure> {
    let mut failures = Vec::new();
    for (index, rule) in rules.rules().iter().enumerate() {
        for ex in &rule.tests.remove {
            let (text, edits) = clean_example(rules, index, &ex.text);
            let out = text::apply(&text, &edits);
            let problem = if !edits.iter().any(|e| e.rule == index) {
                Some("`remove` example was not removed by this rule".to_string())
            } else {
                ex.output
                    .as_ref()
                    .filter(|want| **want != out)
                    .map(|want| format!("`remove` example came out as {out:?}, expected {want:?}"))
            };
            if let Some(problem) = problem {
                failures.push(failure(rule, problem, &ex.text));
            }
        }
        for ex in &rule.tests.keep {
            let (text, edits) = clean_example(rules, index, ex);
            if let Some(e) = edits.first() {
                let by = &rules.rules()[e.rule].id;
                let removed = &text[e.range.clone()];
                let problem = format!("`keep` example was changed by `{by}`: removed {removed:?}");
                failures.push(failure(rule, problem, ex));
            }
        }
    }
    failures
}

fn failure(rule: &Rule, problem: String, example: &str) -> Failure {
    Failure {
        rule: rule.id.clone(),
        file: rule.origin.file.clone(),
        line: rule.origin.line,
        problem,
        example: example.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_pass_their_examples() {
        let rules = crate::rules::load_default().unwrap();
        let failures = check(&rules);
        let report: Vec<String> =
            failures.iter().map(|f| format!("{}: {}\n    {:?}", f.rule, f.problem, f.example)).collect();
        assert!(failures.is_empty(), "{}", report.join("\n"));
    }

    #[test]
    fn failing_examples_are_reported() {
        let rules = crate::rules::load_str(
            "t.yaml",
            "- id: a.b\n  doc: d\n  match: line\n  pattern: '^x$'\n  tests:\n    remove: ['y']\n    keep: ['x']\n",
        )
        .unwrap();
        let f = check(&rules);
        assert_eq!(f.len(), 2);
        assert!(f[0].problem.contains("not removed"));
        assert!(f[1].problem.contains("changed by `a.b`"));
    }
}
