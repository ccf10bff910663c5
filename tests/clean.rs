//! `descrape clean` end to end: samples, fixtures, encodings, bad input,
//! refusals and the summary.

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{assert_same_tree, clean_quiet, descrape, records, repo, tree, write};

#[test]
fn samples_come_out_as_expected() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape().arg("clean").arg(repo().join("samples/raw")).arg("-o").arg(&out).assert().success();
    assert_same_tree(&repo().join("samples/expected"), &out);
}

#[test]
fn fixture_corpus_comes_out_as_expected() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg(repo().join("tests/fixtures/corpus/raw"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_same_tree(&repo().join("tests/fixtures/corpus/expected"), &out);
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let tmp = TempDir::new().unwrap();
    let input = repo().join("tests/fixtures/corpus/raw");
    for j in ["1", "4"] {
        let out = tmp.path().join(format!("out{j}"));
        descrape().args(["clean", "-q", "-j", j]).arg(&input).arg("-o").arg(&out).assert().success();
    }
    assert_eq!(tree(&tmp.path().join("out1")), tree(&tmp.path().join("out4")));
    let log = |j: &str| std::fs::read(tmp.path().join(format!("out{j}/.descrape/changes.jsonl"))).unwrap();
    assert_eq!(log("1"), log("4"));
}

#[test]
fn inputs_are_never_modified() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    for (rel, bytes) in tree(&repo().join("samples/raw")) {
        write(&input, &rel, bytes);
    }
    let before = tree(&input);
    descrape().arg("clean").arg(&input).arg("-o").arg(tmp.path().join("out")).assert().success();
    assert_eq!(before, tree(&input));
}

#[test]
fn no_temporary_files_are_left_behind() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape().arg("clean").arg(repo().join("samples/raw")).arg("-o").arg(&out).assert().success();
    for e in walkdir::WalkDir::new(&out) {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".descrape-"), "left over: {name}");
    }
}

#[test]
fn windows_1252_and_utf16_are_decoded_to_utf8_and_logged() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(
        &input,
        "cp1252.txt",
        b"The caf\xE9\x92s owner said it would reopen on Monday.\n\nCulled from Presstv".as_slice(),
    );
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "Gr\u{fc}\u{df}e aus M\u{fc}nchen.\nCulled from Presstv".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    write(&input, "utf16.txt", utf16);
    let out = tmp.path().join("out");
    let log = tmp.path().join("changes.jsonl");
    descrape().arg("clean").arg(&input).arg("-o").arg(&out).arg("--changes").arg(&log).assert().success();
    assert_eq!(
        std::fs::read_to_string(out.join("cp1252.txt")).unwrap(),
        "The café’s owner said it would reopen on Monday."
    );
    assert_eq!(std::fs::read_to_string(out.join("utf16.txt")).unwrap(), "Grüße aus München.");
    let recs = records(&log);
    let decoded: Vec<_> = recs.iter().filter(|r| r["type"] == "decoded").collect();
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoded[0]["file"], "cp1252.txt");
    assert_eq!(decoded[0]["encoding"], "windows-1252");
    assert_eq!(decoded[0]["detected"], true);
    assert_eq!(decoded[1]["encoding"], "UTF-16LE");
    assert_eq!(decoded[1]["bom"], true);
}

#[test]
fn binary_files_are_skipped_and_reported() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", "Story.\n");
    write(&input, "b.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".as_slice());
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 files: 0 changed, 1 unchanged, 1 skipped, 0 failed"));
    assert!(!out.join("b.png").exists());
    let recs = records(&out.join(".descrape/changes.jsonl"));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["type"], "skipped");
    assert_eq!(recs[0]["file"], "b.png");
    assert!(recs[0]["reason"].as_str().unwrap().contains("NUL byte at offset 8"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_fails_alone_and_sets_exit_code_1() {
    // Reading /proc/self/mem from offset 0 fails even for root.
    let tmp = TempDir::new().unwrap();
    let good = write(tmp.path(), "good.txt", "Story.\n\nCulled from Presstv\n");
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg("/proc/self/mem")
        .arg(&good)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("descrape: cannot read `/proc/self/mem`"))
        .stderr(predicate::str::contains("1 changed, 0 unchanged, 0 skipped, 1 failed"));
    assert_eq!(std::fs::read_to_string(out.join("good.txt")).unwrap(), "Story.\n");
    let recs = records(&out.join(".descrape/changes.jsonl"));
    assert_eq!(recs[0]["type"], "failed");
    assert_eq!(recs[0]["file"], "mem");
}

#[test]
fn output_inside_input_is_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", "Story.\n");
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(input.join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is inside the input directory"));
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is also an input"));
    descrape()
        .arg("clean")
        .arg(input.join("a.txt"))
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is inside the output"));
    assert_eq!(tree(&input).len(), 1);
}

#[test]
fn bad_rules_stop_everything_before_any_input_is_read() {
    let tmp = TempDir::new().unwrap();
    let rules =
        write(tmp.path(), "site.yaml", "- id: caption.credit\n  doc: d\n  match: line\n  pattern: '(AFP'\n");
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg(repo().join("samples/raw"))
        .arg("-o")
        .arg(&out)
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:4:12: rule 'caption.credit': `pattern`: invalid regex `(AFP`: unclosed group",
            rules.display()
        )));
    assert!(!out.exists());
}

#[test]
fn user_rules_add_to_defaults_and_can_replace_them() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in/a.txt", "Story text.\n\nCulled from Presstv\nSITE FOOTER\n");
    let rules = write(
        tmp.path(),
        "rules/site.yaml",
        "- id: site.footer\n  doc: The site footer.\n  match: line\n  pattern: '^SITE FOOTER$'\n",
    );
    let out = tmp.path().join("out1");
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--rules")
        .arg(tmp.path().join("rules"))
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "Story text.\n");
    let out = tmp.path().join("out2");
    descrape()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--rules")
        .arg(&rules)
        .arg("--no-default-rules")
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "Story text.\n\nCulled from Presstv\n");
}

#[test]
fn several_inputs_keep_their_names_and_hidden_files_are_skipped() {
    let tmp = TempDir::new().unwrap();
    write(tmp.path(), "site-a/x.txt", "A.\n");
    write(tmp.path(), "site-a/.cache/y.txt", "hidden\n");
    write(tmp.path(), "site-b/deep/z.txt", "B.\n");
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg(tmp.path().join("site-a"))
        .arg(tmp.path().join("site-b"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(files, ["site-a/x.txt", "site-b/deep/z.txt"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", "A.\n");
    write(tmp.path(), "outside.txt", "secret\n");
    std::os::unix::fs::symlink(tmp.path().join("outside.txt"), input.join("link.txt")).unwrap();
    let out = tmp.path().join("out");
    descrape().arg("clean").arg(&input).arg("-o").arg(&out).assert().success();
    assert!(!out.join("link.txt").exists());
    let recs = records(&out.join(".descrape/changes.jsonl"));
    assert_eq!(recs[0]["type"], "skipped");
    assert_eq!(recs[0]["reason"], "symbolic link (not followed)");
}

#[test]
fn report_json_has_counts_and_per_rule_totals() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let report = tmp.path().join("report.json");
    descrape()
        .arg("clean")
        .arg(repo().join("samples/raw"))
        .arg("-o")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .arg("-q")
        .assert()
        .success()
        .stderr("");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for k in ["elapsed_seconds", "mb_per_second", "files_per_second", "peak_memory_mb"] {
        assert!(v[k].as_f64().unwrap() >= 0.0);
        v[k] = serde_json::Value::Null;
    }
    // As text: serde_json keeps numbers exact (arbitrary_precision), which insta's JSON mode cannot show.
    insta::assert_snapshot!("samples_report", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn summary_on_stderr() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let assert =
        descrape().arg("clean").arg(repo().join("samples/raw")).arg("-o").arg(&out).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let (body, last) = stderr.trim_end().rsplit_once('\n').unwrap();
    assert!(last.contains(" files/s"), "{last}");
    insta::assert_snapshot!("samples_summary", body);
}

#[test]
fn an_input_with_no_documents_is_a_warning() {
    let tmp = tempfile::TempDir::new().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    clean_quiet(&empty, tmp.path().join("out"))
        .success()
        .stderr(predicates::str::contains("warning: no input documents found"));
}

#[test]
fn files_an_earlier_run_left_in_out_are_reported_and_kept() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let report = out.join("report.json");
    let clean = || {
        let out = descrape()
            .arg("clean")
            .arg(repo().join("samples/raw"))
            .arg("-o")
            .arg(&out)
            .arg("--report")
            .arg(&report)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stderr).unwrap()
    };
    // A new OUT: nothing to look for, and the report says nothing of it.
    let err = clean();
    assert!(!err.contains("not written by this run"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(v.get("left_behind").is_none(), "{v}");
    write(&out, "stale.txt", "from a run on other inputs");
    write(&out, "gone/deep.txt", "an input since removed");
    write(&out, ".keep", "hidden entries are never outputs");
    let err = clean();
    let (summary, notice) = err.split_once("descrape: warning: ").expect("a warning");
    assert!(summary.contains("5 files: 4 changed"), "the notice comes after the summary: {err}");
    assert_eq!(
        notice,
        format!(
            "2 files in `{}` were not written by this run (left from an earlier one, not deleted): gone/deep.txt, stale.txt\n",
            out.display()
        )
    );
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["left_behind"], serde_json::json!(["gone/deep.txt", "stale.txt"]));
    for f in ["stale.txt", "gone/deep.txt", ".keep"] {
        assert!(out.join(f).exists(), "{f} was deleted");
    }
}

#[test]
fn left_outputs_are_counted_past_the_first_five_even_when_quiet() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    for i in 0..7 {
        write(&out, &format!("old-{i}.txt"), "x");
    }
    clean_quiet(repo().join("samples/raw"), &out).success().stderr(format!(
        "descrape: warning: 7 files in `{}` were not written by this run (left from an earlier one, \
             not deleted): old-0.txt, old-1.txt, old-2.txt, old-3.txt, old-4.txt and 2 more\n",
        out.display()
    ));
}

#[test]
fn left_outputs_are_not_looked_for_beside_a_file_input() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    write(&out, "other.txt", "collected by an earlier run");
    clean_quiet(repo().join("samples/raw/000_29602f2ae2a338a5.txt"), &out).success().stderr("");
}

#[test]
fn a_full_page_dump_loses_its_header_menus_and_keeps_its_story() {
    // A real page's whole text: about 250 lines of menus above the story.
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let input = repo().join("tests/fixtures/fullpage/al.com1.txt");
    descrape().args(["clean", "-q"]).arg(&input).arg("-o").arg(&out).assert().success();
    let cleaned = std::fs::read_to_string(out.join("al.com1.txt")).unwrap();
    let kept: std::collections::HashSet<&str> = cleaned.lines().collect();
    let raw = std::fs::read_to_string(&input).unwrap();
    let story = std::fs::read_to_string(repo().join("benches/np3k/expected/al.com1.txt")).unwrap();
    let in_raw: std::collections::HashSet<&str> = raw.lines().collect();
    let story_lines: Vec<&str> =
        story.lines().filter(|l| !l.trim().is_empty() && in_raw.contains(l)).collect();
    assert!(story_lines.len() >= 10, "the story's lines are in the dump");
    for line in story_lines {
        assert!(kept.contains(line), "story line lost: {line}");
    }
    // Menu items, and the header's lines in lower case below a sentence
    // of its own, which only a zone bounded by the body reaches.
    for menu in [
        "Garage Sales",
        "High School Sports Home",
        "Career Advice",
        "Boys Winter Track",
        "Find a local business",
        "Submit a letter to the editor",
    ] {
        assert!(!kept.contains(menu), "menu line kept: {menu}");
    }
    let changes = records(&out.join(".descrape/changes.jsonl"));
    let lines_by = |rule: &str| {
        changes
            .iter()
            .filter(|r| r["rule"] == rule)
            .map(|r| r["removed"].as_str().unwrap().lines().filter(|l| !l.is_empty()).count())
            .sum::<usize>()
    };
    for (rule, at_least) in [("chrome.page-head", 100), ("chrome.page-header", 20), ("chrome.page-tail", 50)]
    {
        assert!(lines_by(rule) >= at_least, "{rule} removed {} lines", lines_by(rule));
    }
}
