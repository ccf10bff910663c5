//! The rule-tuning commands: check, test, diff, stats, explain, rules, eval,
//! and the generated rules reference.

use predicates::prelude::*;

use crate::util::{clean_quiet, descrape, repo};

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
fn check_warns_of_patterns_that_slow_the_trigger_sets() {
    let (code, out, err) = run(&["check", "--rules", &fixture("slow.yaml")]);
    assert_eq!(code, 0);
    assert!(out.ends_with("rules in 12 files: ok\n"), "{out}");
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(warnings.len(), 3, "{err}");
    assert!(warnings[0].starts_with("descrape: warning: <repo>/tests/fixtures/tuning/slow.yaml:2: rule `slow.mid-word`: its pattern is not anchored and 2 branches can begin inside a word"), "{err}");
    assert!(warnings[1].starts_with("descrape: warning: <repo>/tests/fixtures/tuning/slow.yaml:7: rule `slow.unicode-boundary`: its pattern has a Unicode `\\b`"), "{err}");
    assert!(warnings[2].starts_with("descrape: warning: <repo>/tests/fixtures/tuning/slow.yaml:12: rule `slow.counted-repeat`: its pattern repeats a large Unicode class a counted number of times (`{1,40}`)"), "{err}");
    let (code, json, _) = run(&["check", "--json", "--rules", &fixture("slow.yaml")]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules: Vec<&str> =
        v["warnings"].as_array().unwrap().iter().map(|w| w["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["slow.mid-word", "slow.unicode-boundary", "slow.counted-repeat"]);
    // The built-in rules have none.
    let (_, _, err) = run(&["check"]);
    assert_eq!(err, "");
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
    clean_quiet(&raw, tmp.path().join("o")).success();
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
fn every_command_shows_rules_errors_with_source_and_caret() {
    for cmd in [&["clean", "samples/raw", "-o", "unused-out"][..], &["stats", "samples/raw"], &["rules"]] {
        let mut args = cmd.to_vec();
        let broken = fixture("broken.yaml");
        args.extend(["--rules", broken.as_str()]);
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{cmd:?}: {err}");
        assert!(err.contains("broken.yaml:5:12: rule 'site.credit'"), "{cmd:?}: {err}");
        assert!(err.contains("    pattern: '\\(Photo (by'\n             ^"), "{cmd:?}: {err}");
    }
    assert!(!std::path::Path::new("unused-out").exists(), "no output before the rules load");
}

#[test]
fn check_takes_rules_files_as_arguments() {
    let (code, out, _) = run(&["check", &fixture("washpost.yaml")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "1 rule in 1 file: ok\n");
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
    // As JSON the warning is in the document, and the file is counted.
    let out = descrape().args(["check", "--json"]).arg(&empty).assert().success().get_output().clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files"], 1);
    assert_eq!(report["warnings"][0]["message"], "the file holds no rules");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // Named twice, it is one file; a file of fragments alone is one too.
    let dotted = tmp.path().join(".").join("empty.yaml");
    descrape().arg("check").arg(&empty).arg(&dotted).assert().success().stdout("0 rules in 1 file: ok\n");
    let fragments = tmp.path().join("fragments.yaml");
    std::fs::write(&fragments, "- fragment: x\n  doc: d\n  pattern: abc\n").unwrap();
    descrape().arg("check").arg(&fragments).arg(&empty).assert().success().stdout("0 rules in 2 files: ok\n");
}

#[test]
fn a_rules_file_named_twice_is_not_called_empty() {
    let tmp = tempfile::TempDir::new().unwrap();
    let file = tmp.path().join("r.yaml");
    std::fs::write(&file, "- id: site.a\n  doc: d\n  match: line\n  pattern: '^abc'\n").unwrap();
    let dotted = tmp.path().join(".").join("r.yaml");
    descrape()
        .args(["check", "--no-default-rules", "--rules"])
        .arg(&file)
        .arg("--rules")
        .arg(&dotted)
        .assert()
        .success()
        .stdout("1 rule in 1 file: ok\n")
        .stderr("");
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

/// Every line of `out` parsed as JSON.
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}"))).collect()
}

#[test]
fn check_json_says_ok_or_lists_every_error_on_stdout() {
    let (code, out, _) = run(&["check", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["files"].as_u64(), v["errors"].as_array().map(Vec::len)),
        (Some(true), Some(11), Some(0))
    );
    let (code, out, err) = run(&["check", "--json", &fixture("broken.yaml")]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err, "", "with --json the errors are in the document only");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"].as_array().unwrap().len(), 6);
    let first = &v["errors"][0];
    assert!(first["file"].as_str().unwrap().ends_with("tests/fixtures/tuning/broken.yaml"), "{first}");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(5), Some(12)));
    assert_eq!(first["rule"], "site.credit");
    assert_eq!(first["message"], "`pattern`: invalid regex `\\(Photo (by`: unclosed group");
}

#[test]
fn test_json_lists_failing_examples_with_their_rule_s_place() {
    let (code, out, _) = run(&["test", "--json", &fixture("failing-examples.yaml")]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(0), Some(2)));
    let f = &v["failures"][0];
    assert_eq!(f["rule"], "site.read-more");
    assert!(f["file"].as_str().unwrap().ends_with("failing-examples.yaml"));
    assert_eq!(f["line"], 2);
    assert_eq!(f["example"], "READ MORE: Talks resume");
    assert_eq!(f["problem"], "`remove` example was not removed by this rule");
    let (code, out, _) = run(&["test", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["failed"], 0);
    assert!(v["passed"].as_u64().unwrap() > 100);
}

#[test]
fn explain_json_has_the_same_parts_as_the_text() {
    let (code, out, _) = run(&["explain", "source.culled", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["id"].as_str(), v["kind"].as_str()), (Some("source.culled"), Some("line")));
    assert_eq!((v["file"].as_str(), v["line"].as_u64()), (Some("rules/source.yaml"), Some(2)));
    assert_eq!(v["patterns"][0]["name"], "pattern");
    assert!(v["patterns"][0]["regex"].as_str().unwrap().contains("Culled|Adapted"));
    assert_eq!(v["guards"], serde_json::json!(["where: tail within 3", "max_words: 15"]));
    assert_eq!(v["examples"]["remove"][0], serde_json::json!({"text": "Culled from Presstv"}));
    assert_eq!(v["examples"]["keep"].as_array().unwrap().len(), 2);
    let (code, _, err) = run(&["explain", "nope.nope", "--json"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule with id `nope.nope`"));
}

#[test]
fn rules_json_describes_every_rule_as_explain_does() {
    let (code, out, _) = run(&["rules", "--json"]);
    assert_eq!(code, 0);
    let all: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let (_, list, _) = run(&["rules"]);
    // The text list ends with the fragments, which are not rules.
    let (fragments, rules): (Vec<&str>, Vec<&str>) = list.lines().partition(|l| l.starts_with("(?&"));
    assert_eq!(all.len(), rules.len());
    assert!(
        fragments.iter().any(|l| l.starts_with("(?&reported-speech)") && l.contains("fragment")),
        "{list}"
    );
    let culled = all.iter().find(|r| r["id"] == "source.culled").expect("source.culled is listed");
    let (_, one, _) = run(&["explain", "source.culled", "--json"]);
    assert_eq!(*culled, serde_json::from_str::<serde_json::Value>(&one).unwrap());
    let (code, _, err) = run(&["rules", "--json", "--markdown"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

/// A rules author sees which fragments a rule's expanded patterns hold,
/// and is warned of a fragment of theirs that nothing uses (a misspelt
/// use fails to load; a misspelt definition would pass unnoticed).
#[test]
fn explain_names_the_fragments_and_check_warns_of_unused_ones() {
    let tmp = tempfile::TempDir::new().unwrap();
    let file = tmp.path().join("mine.yaml");
    std::fs::write(
        &file,
        "- fragment: unused-one\n  doc: Nothing uses this.\n  pattern: abc\n\
         - fragment: inner\n  doc: Used through outer.\n  pattern: def\n\
         - fragment: outer\n  doc: Used by the rule.\n  pattern: '(?&inner)x'\n\
         - id: mine.one\n  doc: d\n  match: line\n  pattern: '^(?&outer)$'\n  unless: '(?&reported-speech)'\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, out, _) = run(&["explain", "mine.one", "--rules", file]);
    assert_eq!(code, 0);
    assert!(
        out.contains("\nfragments used (shown expanded):\n  (?&reported-speech) (?&inner) (?&outer)\n"),
        "{out}"
    );
    let (_, json, _) = run(&["explain", "mine.one", "--json", "--rules", file]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["fragments"], serde_json::json!(["reported-speech", "inner", "outer"]));
    let (code, _, err) = run(&["check", "--rules", file]);
    assert_eq!(code, 0);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [format!("descrape: warning: {file}:1: fragment `unused-one`: no rule uses it, directly or through another fragment")]
    );
    let (_, json, _) = run(&["check", "--json", "--rules", file]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["warnings"][0]["fragment"], "unused-one");
    assert!(v["warnings"][0].get("rule").is_none(), "{json}");
}

#[test]
fn diff_json_is_one_line_per_changed_document_with_its_edits() {
    let (code, out, _) = run(&["diff", "samples/raw", "--json", "--color", "always"]);
    assert_eq!(code, 1, "exit code as for the text diff");
    assert!(!out.contains('\x1b'), "JSON is never coloured");
    let docs = json_lines(&out);
    let files: Vec<&str> = docs.iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "001_04e8e9d62abacaa4.txt",
            "002_2bd8b93181a83e87.txt",
            "003_58d3557daf0ad729.txt",
            "004_c8dd5039b62e9dc9.txt"
        ]
    );
    let words: u64 = docs.iter().map(|d| d["words_removed"].as_u64().unwrap()).sum();
    assert_eq!(words, 188, "the words the summary of `clean` counts");
    let edit = &docs[3]["edits"][0];
    assert_eq!(
        (edit["type"].as_str(), edit["file"].as_str()),
        (Some("edit"), Some("004_c8dd5039b62e9dc9.txt"))
    );
    assert!(edit["rule"].is_string() && edit["bytes"].is_array() && edit["removed"].is_string(), "{edit}");

    let (code, out, _) = run(&["diff", "samples/raw", "--json", "--rule", "source.culled"]);
    assert_eq!(code, 1);
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["edits"].as_array().unwrap().len(), 1);
    assert_eq!(docs[0]["edits"][0]["removed"], "\nCulled from Presstv");
    assert_eq!(docs[0]["words_removed"], 3);

    let (code, out, _) = run(&["diff", "samples/raw/000_29602f2ae2a338a5.txt", "--json"]);
    assert_eq!((code, out.as_str()), (0, ""), "nothing to change, no line");
}

#[test]
fn diff_json_names_json_lines_records_by_id_and_line() {
    let tmp = tempfile::TempDir::new().unwrap();
    let input = crate::util::write(
        tmp.path(),
        "d.jsonl",
        "{\"id\":\"a\",\"text\":\"Story one.\\n\\nCulled from Presstv\"}\n{\"id\":\"b\",\"text\":\"Story two.\"}\n",
    );
    let out = descrape().arg("diff").arg(&input).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let docs = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0]["file"].as_str(), docs[0]["id"].as_str(), docs[0]["line"].as_u64()),
        (Some("d.jsonl"), Some("a"), Some(1))
    );
    assert_eq!(docs[0]["edits"][0]["id"], "a");
}

#[test]
fn diff_against_json_is_one_document() {
    let (code, out, _) =
        run(&["diff", "samples/raw", "--no-default-rules", "--against", &fixture("idle.yaml"), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["documents"].as_u64(), v["documents_changed"].as_u64()), (Some(5), Some(0)));
    let (code, out, _) = run(&[
        "diff",
        "samples/raw",
        "--against",
        &fixture("idle.yaml"),
        "--no-default-rules",
        "--rules",
        "rules",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["documents_changed"], 4);
    assert_eq!(v["words_newly_removed"], 188);
    assert!(v["rules"][0]["examples"][0]["text"].as_str().unwrap().starts_with("removed: "));
}

/// The samples as JSON Lines records (`doc`, `body`) with one record more
/// and a malformed line, and their gold split over two shards with one
/// record more; returns the input file and the gold directory.
fn samples_as_records(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let record =
        |id: &str, text: &str| format!("{}\n", serde_json::json!({"doc": id, "body": text, "src": "s"}));
    let (raw, expected) =
        (crate::util::tree(&repo().join("samples/raw")), crate::util::tree(&repo().join("samples/expected")));
    let text = |b: &Vec<u8>| String::from_utf8(b.clone()).unwrap();
    let mut input: String = raw.iter().map(|(id, b)| record(id, &text(b))).collect();
    input.push_str(&record("extra", "A story without gold.\n\nCulled from Presstv"));
    input.push_str("{\"doc\": \n");
    let gold: Vec<String> = expected.iter().map(|(id, b)| record(id, &text(b))).collect();
    let input = crate::util::write(dir, "in.jsonl", input);
    crate::util::write(dir, "gold/part-0.jsonl", gold[..2].concat());
    crate::util::write(
        dir,
        "gold/part-1.jsonl.gz",
        crate::util::gzip((gold[2..].concat() + &record("orphan", "x")).as_bytes()),
    );
    (input, dir.join("gold"))
}

#[test]
fn eval_scores_json_lines_records_against_gold_records_by_id() {
    let tmp = tempfile::TempDir::new().unwrap();
    let (input, gold) = samples_as_records(tmp.path());
    let eval = |json: bool| {
        let mut cmd = descrape();
        cmd.arg("eval").arg("--gold").arg(&gold).arg(&input).args([
            "--text-field",
            "body",
            "--id-field",
            "doc",
        ]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, out, err) = eval(false);
    assert_eq!(code, 0, "{err}");
    let head: Vec<&str> = out.lines().take(4).collect();
    assert_eq!(
        head,
        [
            "5 records: precision 1.0000, recall 1.0000, F1 1.0000 (188 noise words removed, 0 story words removed, 0 noise words missed)",
            "no gold record for 1 inputs: extra",
            "no input record for 1 gold records: orphan",
            "clean records untouched: 1 of 1",
        ]
    );
    assert!(err.contains("in.jsonl:7: malformed JSON"), "{err}");
    let (code, out, err) = eval(true);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["files"].as_u64(), v["counts"]["true_removed"].as_u64()), (Some(5), Some(188)));
    assert_eq!(v["files_without_gold"], serde_json::json!(["extra"]));
    assert_eq!(v["gold_without_input"], serde_json::json!(["orphan"]));
    assert!(err.contains("1 input records have no gold and were not scored"), "{err}");
    assert!(err.contains("1 gold records have no input record"), "{err}");
}

#[test]
fn eval_refuses_gold_records_it_cannot_match() {
    let tmp = tempfile::TempDir::new().unwrap();
    let (input, gold) = samples_as_records(tmp.path());
    let run = |gold: &std::path::Path| {
        descrape()
            .arg("eval")
            .arg("--gold")
            .arg(gold)
            .arg(&input)
            .args(["--text-field", "body", "--id-field", "doc"])
            .output()
            .unwrap()
    };
    let dup = crate::util::write(
        tmp.path(),
        "dup.jsonl",
        "{\"doc\":\"a\",\"body\":\"x\"}\n{\"doc\":\"a\",\"body\":\"y\"}\n",
    );
    let out = run(&dup);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("gold id `a` is given twice:") && err.contains("dup.jsonl` line 2"), "{err}");
    let no_id = crate::util::write(tmp.path(), "noid.jsonl", "{\"body\":\"x\"}\n");
    let err = String::from_utf8(run(&no_id).stderr).unwrap();
    assert!(err.contains("noid.jsonl` line 1: no `doc` field"), "{err}");
    assert!(gold.is_dir());
}

/// Every `$ descrape …` example in the README that reads only files of the
/// repository (not `clean`, which writes) is run, and the lines shown under
/// it must appear in its output, standard output then standard error, in
/// that order (an example may leave lines out; `…` marks where). An example
/// that shows no error must exit with success or with 1 (`eval` below a
/// bound).
#[test]
fn readme_examples_show_real_output() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut examples: Vec<(usize, Vec<String>, Vec<&str>)> = Vec::new();
    let mut in_block = false;
    // Whether the lines of this block so far belong to an example.
    let mut in_example = false;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_block = !in_block;
            in_example = false;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let args: Vec<String> = command.split_whitespace().map(String::from).collect();
            let runnable = args.first().is_some_and(|a| a == "descrape")
                && args.get(1).is_some_and(|a| a != "clean")
                && !command.contains(['\'', '"', '|', '>', '<', '\\'])
                && args.iter().filter(|a| a.contains('/')).all(|a| repo().join(a).exists())
                && args.iter().any(|a| a.contains('/'));
            examples.push((i + 1, if runnable { args } else { Vec::new() }, Vec::new()));
            in_example = true;
        } else if let Some((_, _, shown)) = examples.last_mut().filter(|_| in_example) {
            shown.push(line);
        }
    }
    let runnable: Vec<_> = examples.iter().filter(|(_, args, _)| !args.is_empty()).collect();
    assert!(runnable.len() >= 10, "only {} README examples ran", runnable.len());
    for (at, args, shown) in runnable {
        let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
        let (code, out, err) = run(&args);
        let output = format!("{out}{err}");
        let shows_error = shown.iter().any(|l| l.contains("error"));
        assert!(
            shows_error || code <= 1,
            "README.md:{at} `descrape {}` exited with {code}:\n{err}",
            args.join(" ")
        );
        let mut lines = output.lines();
        for want in shown.iter().filter(|l| l.trim() != "…") {
            assert!(
                lines.any(|l| l == *want),
                "README.md:{at} `descrape {}`: the line {want:?} is not in its output (in order):\n{output}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn yes_and_no_in_a_rules_file_are_text() {
    // `doc: y` was read as a YAML 1.1 boolean and refused.
    let tmp = tempfile::TempDir::new().unwrap();
    let file = tmp.path().join("r.yaml");
    std::fs::write(
        &file,
        "- id: site.a\n  doc: y\n  match: line\n  pattern: (?i)^no$\n  tests:\n    remove: [no, No]\n    keep: [yes, on]\n",
    )
    .unwrap();
    descrape().arg("check").arg(&file).assert().success().stdout("1 rule in 1 file: ok\n");
    descrape().args(["test", "--no-default-rules", "--rules"]).arg(&file).assert().success();
}
