//! The change log is complete: inserting every edit's removed text back
//! into the output rebuilds the decoded input, for every sample and fixture.

use std::collections::BTreeMap;
use std::path::Path;

use descrape::changelog::Record;
use tempfile::TempDir;

use crate::util::{descrape, repo, tree};

fn rebuild_all(input: &Path) {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let log = tmp.path().join("changes.jsonl");
    descrape()
        .arg("clean")
        .arg("-q")
        .arg(input)
        .arg("-o")
        .arg(&out)
        .arg("--changes")
        .arg(&log)
        .assert()
        .success();
    let mut by_file: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let text = std::fs::read_to_string(&log).unwrap();
    for line in text.lines() {
        let r: Record = serde_json::from_str(line).unwrap();
        if let Record::Edit { file, .. } = &r {
            by_file.entry(file.clone()).or_default().push(r);
        }
    }
    let inputs = tree(input);
    assert!(!by_file.is_empty());
    for (rel, bytes) in &inputs {
        let output = std::fs::read_to_string(out.join(rel)).unwrap();
        let rebuilt = descrape::changelog::rebuild(&output, by_file.get(rel).map_or(&[][..], |v| v));
        assert_eq!(rebuilt.as_bytes(), &bytes[..], "{rel} does not rebuild from its log");
    }
}

#[test]
fn samples_rebuild_from_the_log() {
    rebuild_all(&repo().join("samples/raw"));
}

#[test]
fn fixtures_rebuild_from_the_log() {
    rebuild_all(&repo().join("tests/fixtures/corpus/raw"));
    rebuild_all(&repo().join("tests/fixtures/hard/raw"));
}

#[test]
fn records_are_ordered_by_file_then_position() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape()
        .arg("clean")
        .arg("-q")
        .arg(repo().join("tests/fixtures/corpus/raw"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join(".descrape/changes.jsonl")).unwrap();
    let keys: Vec<(String, usize)> = text
        .lines()
        .map(|l| match serde_json::from_str::<Record>(l).unwrap() {
            Record::Edit { file, bytes, .. } => (file, bytes[0]),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn sample_change_log_snapshot() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    descrape().arg("clean").arg("-q").arg(repo().join("samples/raw")).arg("-o").arg(&out).assert().success();
    let text = std::fs::read_to_string(out.join(".descrape/changes.jsonl")).unwrap();
    insta::assert_snapshot!("samples_changes", text);
}
