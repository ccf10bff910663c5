//! The rule-tuning commands: check, test, diff, stats, explain, rules, eval,
//! and the generated rules reference.

use predicates::prelude::*;

use crate::util::{descrape, repo};

fn fixture(name: &str) -> String {
    repo().join("tests/fixtures/tuning").join(name).display().to_string()
}

/// Run the binary in the repository so paths in its output are relative.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = descrape().current_dir(repo()).args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().replace(&repo().display().to_string(), "<repo>");
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

#[test]
fn check_accepts_the_default_rules() {
    let (code, out, _) = run(&["check"]);
    assert_eq!(code, 0);
    assert!(out.ends_with("rules in 11 files: ok\n"), "{out}");
}

#[test]
fn check_reports_every_error_with_its_place() {
    let (code, out, err) = run(&["check", "--rules", &fixture("broken.yaml")]);
    assert_eq!((code, out.as_str()), (2, ""));
    insta::assert_snapshot!("check_broken", err);
}

#[test]
fn test_passes_on_the_default_rules() {
    let (code, out, _) = run(&["test"]);
    assert_eq!(code, 0);
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
}

#[test]
fn test_reports_failing_examples() {
    let (code, out, _) = run(&["test", "--no-default-rules", "--rules", &fixture("failing-examples.yaml")]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("test_failing", out);
}

#[test]
fn diff_labels_every_removal_and_exits_1() {
    let (code, out, _) = run(&["diff", "samples/raw"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("diff_samples", out);
}

#[test]
fn diff_can_show_one_rule() {
    let (code, out, _) = run(&["diff", "samples/raw", "--rule", "source.culled"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("--- a/003_58d3557daf0ad729.txt\n"), "{out}");
    assert_eq!(out.matches("--- a/").count(), 1);
    assert!(out.contains("-Culled from Presstv  [source.culled]\n"));
}

#[test]
fn diff_of_a_clean_file_is_empty_and_exits_0() {
    let (code, out, _) = run(&["diff", "samples/raw/000_29602f2ae2a338a5.txt"]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn diff_colours_only_when_asked() {
    let (_, plain, _) = run(&["diff", "samples/raw"]);
    assert!(!plain.contains('\x1b'));
    let (_, coloured, _) = run(&["diff", "samples/raw", "--color", "always"]);
    assert!(coloured.contains("\x1b[31m-Culled from Presstv\x1b[0m\x1b[2m  [source.culled]\x1b[0m"));
}

#[test]
fn diff_rejects_an_unknown_rule() {
    descrape()
        .args(["diff", "--rule", "no.such-rule"])
        .arg(repo().join("samples/raw"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule with id `no.such-rule`"));
}

#[test]
fn stats_counts_rules_with_examples_and_lists_idle_ones() {
    let (code, out, _) = run(&["stats", "samples/raw", "--rules", &fixture("idle.yaml")]);
    assert_eq!(code, 0);
    assert!(out.contains("never fired ("), "{out}");
    assert!(out.contains("\n  site.print-edition\n"), "{out}");
    let (_, json, _) = run(&["stats", "samples/raw", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_snapshot!("stats_samples", serde_json::to_string_pretty(&v["rules"]).unwrap());
    assert_eq!(v["files"]["changed"], 4);
}

#[test]
fn explain_shows_doc_source_pattern_and_examples() {
    let (code, out, _) = run(&["explain", "source.culled"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_culled", out);
    let (code, _, err) = run(&["explain", "nope.nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule with id `nope.nope`"));
}

#[test]
fn rules_lists_every_rule() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("rules_list", out);
}

#[test]
fn eval_on_the_samples_is_perfect() {
    let (code, out, _) = run(&["eval", "--gold", "samples/expected", "samples/raw", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["precision"], 1.0);
    assert_eq!(v["recall"], 1.0);
    assert_eq!(v["counts"]["true_removed"], 188);
    let (_, text, _) = run(&["eval", "--gold", "samples/expected", "samples/raw"]);
    assert!(text.starts_with("5 files: precision 1.0000, recall 1.0000, F1 1.0000"), "{text}");
}

#[test]
fn eval_names_the_rule_that_eats_story_text() {
    let (code, out, _) = run(&[
        "eval",
        "--gold",
        "tests/fixtures/corpus/expected",
        "tests/fixtures/corpus/raw",
        "--rules",
        &fixture("greedy.yaml"),
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["precision"].as_f64().unwrap() < 0.9);
    assert_eq!(v["rules"][0]["rule"], "site.photo-lines");
    assert_eq!(v["rules"][0]["precision"], 0.0);
    let worst = &v["worst"][0];
    assert!(worst["false_removals"].as_array().unwrap().iter().all(|f| f["rule"] == "site.photo-lines"));
}

#[test]
fn eval_reports_misses_on_the_hard_fixtures() {
    let (_, out, _) = run(&["eval", "--gold", "tests/fixtures/hard/expected", "tests/fixtures/hard/raw"]);
    insta::assert_snapshot!("eval_hard", out);
}

#[test]
fn rules_reference_is_up_to_date() {
    let (_, generated, _) = run(&["rules", "--markdown"]);
    let committed = std::fs::read_to_string(repo().join("docs/rules.md")).unwrap();
    assert!(
        generated == committed,
        "docs/rules.md is stale: run `cargo run -- rules --markdown > docs/rules.md`"
    );
}

#[test]
fn readme_rules_examples_load_and_pass() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks: Vec<&str> =
        readme.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    assert!(!blocks.is_empty());
    for block in blocks {
        let rules = descrape::rules::load_str("README.md", block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        let failures = descrape::examples::check(&rules);
        assert!(failures.is_empty(), "{failures:?}");
    }
}

#[test]
fn holdout_dumps_lose_no_story_word_and_clean_ones_come_out_untouched() {
    let (_, out, _) =
        run(&["eval", "--gold", "tests/fixtures/holdout/expected", "tests/fixtures/holdout/raw", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["counts"]["false_removed"], 0, "{}", v["worst"]);
    assert!(v["recall"].as_f64().unwrap() >= 0.5);
    let tmp = tempfile::TempDir::new().unwrap();
    let raw = repo().join("tests/fixtures/holdout/raw");
    descrape().args(["clean", "-q"]).arg(&raw).arg("-o").arg(tmp.path().join("o")).assert().success();
    let expected = crate::util::tree(&repo().join("tests/fixtures/holdout/expected"));
    let mut clean = 0;
    for (rel, bytes) in crate::util::tree(&raw) {
        if bytes == expected[&rel] {
            clean += 1;
            assert_eq!(std::fs::read(tmp.path().join("o").join(&rel)).unwrap(), bytes, "{rel} was changed");
        }
    }
    assert!(clean >= 18, "{clean} clean holdout dumps");
}

#[test]
fn a_misspelled_rule_id_gets_the_nearest_one() {
    descrape().args(["explain", "caption.credit-lable"]).assert().failure().stderr(predicate::str::contains(
        "no rule with id `caption.credit-lable` (did you mean `caption.credit-label`?)",
    ));
}

#[test]
fn check_takes_rules_files_as_arguments() {
    let (code, out, _) = run(&["check", &fixture("washpost.yaml")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("in 1 files: ok\n"), "{out}");
    let (code, _, err) = run(&["check", &fixture("washpost.yaml"), &fixture("broken.yaml")]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.yaml:9:3: rule 'site.footer'"), "{err}");
}

#[test]
fn an_empty_rules_file_is_a_warning() {
    let tmp = tempfile::TempDir::new().unwrap();
    let empty = tmp.path().join("empty.yaml");
    std::fs::write(&empty, "# rules to come\n").unwrap();
    descrape().arg("check").arg(&empty).assert().success().stderr(
        predicate::str::contains("warning: rules file").and(predicate::str::contains("holds no rules")),
    );
}

#[test]
fn rules_help_lists_every_built_in_set() {
    let help = descrape().args(["clean", "--help"]).output().unwrap().stdout;
    let help = String::from_utf8(help).unwrap();
    for entry in std::fs::read_dir(repo().join("rules")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let set = format!("@{}", entry.file_name().to_string_lossy());
            assert!(help.contains(&set), "`--rules` help does not name {set}");
        }
    }
}

#[test]
fn test_takes_rules_files_as_arguments() {
    let (code, out, _) = run(&["test", &fixture("failing-examples.yaml")]);
    assert_eq!(code, 1);
    assert!(out.ends_with("0 passed, 2 failed\n"), "{out}");
}
