//! Shards: a directory of JSON Lines files cleaned into `-o DIR` comes out
//! as the same files (names, compression, record order), with one change
//! log naming the shard of each record.

use std::io::Read;
use std::path::Path;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::util::{clean_quiet, descrape, gzip, records, repo, tree, write};

/// The samples as `(id, raw text, expected text)`.
fn samples() -> Vec<(String, String, String)> {
    tree(&repo().join("samples/raw"))
        .into_iter()
        .map(|(rel, bytes)| {
            let want = std::fs::read_to_string(repo().join("samples/expected").join(&rel)).unwrap();
            (rel, String::from_utf8(bytes).unwrap(), want)
        })
        .collect()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut s).unwrap();
    s
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Two gzipped shards and a plain one in a subdirectory, the samples spread
/// over them (ids `s0`…); returns each shard's ids in order.
fn sharded_input(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let samples = samples();
    let layout =
        [("part-00000.jsonl.gz", 0..2), ("part-00001.jsonl.gz", 2..4), ("extra/part-00002.jsonl", 4..5)];
    let mut shards = Vec::new();
    for (name, range) in layout {
        let mut body = String::new();
        let mut ids = Vec::new();
        for i in range {
            let id = format!("s{i}");
            body.push_str(&format!("{}\n", json!({"id": id, "meta": i, "text": samples[i].1})));
            ids.push(id);
        }
        let bytes = if name.ends_with(".gz") { gzip(body.as_bytes()) } else { body.into_bytes() };
        write(dir, name, bytes);
        shards.push((name, ids));
    }
    shards
}

#[test]
fn a_directory_of_shards_comes_out_as_the_same_shards() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    let shards = sharded_input(&input);
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    let names: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(names, ["extra/part-00002.jsonl", "part-00000.jsonl.gz", "part-00001.jsonl.gz"]);
    let samples = samples();
    for (name, ids) in &shards {
        let bytes = std::fs::read(out.join(name)).unwrap();
        let text = if name.ends_with(".gz") { gunzip(&bytes) } else { String::from_utf8(bytes).unwrap() };
        let recs = lines(&text);
        let got: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(&got, ids, "{name}: records in input order");
        for r in &recs {
            let i: usize = r["id"].as_str().unwrap()[1..].parse().unwrap();
            assert_eq!(r["text"], samples[i].2, "{name}: cleaned text of {}", r["id"]);
            assert_eq!(r["meta"], i, "other fields pass through");
        }
    }
    // One log; each record names its shard (relative path) and its record.
    let log = records(&out.join(".descrape/changes.jsonl"));
    assert!(!log.is_empty());
    for r in &log {
        let (file, id) = (r["file"].as_str().unwrap(), r["id"].as_str().unwrap());
        let (_, ids) = shards.iter().find(|(n, _)| *n == file).unwrap_or_else(|| panic!("{file}"));
        assert!(ids.iter().any(|i| i == id), "{file} {id}");
    }
    let files: Vec<&str> = log.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert!(files.contains(&"extra/part-00002.jsonl") && files.contains(&"part-00000.jsonl.gz"));
}

#[test]
fn shard_output_is_the_same_with_one_job_and_many() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    sharded_input(&input);
    for j in ["1", "4"] {
        let out = tmp.path().join(format!("out{j}"));
        descrape().args(["clean", "-q", "-j", j]).arg(&input).arg("-o").arg(&out).assert().success();
    }
    let (a, b) = (tmp.path().join("out1"), tmp.path().join("out4"));
    assert_eq!(tree(&a), tree(&b));
    let log = |d: &Path| std::fs::read(d.join(".descrape/changes.jsonl")).unwrap();
    assert_eq!(log(&a), log(&b));
}

#[test]
fn compression_flag_recompresses_shards_and_renames_them() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    sharded_input(&input);
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--compression", "zstd"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let names: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(names, ["extra/part-00002.jsonl.zst", "part-00000.jsonl.zst", "part-00001.jsonl.zst"]);
    let text = zstd::decode_all(&std::fs::read(out.join("part-00001.jsonl.zst")).unwrap()[..]).unwrap();
    assert_eq!(lines(std::str::from_utf8(&text).unwrap()).len(), 2);
    // Elsewhere the output's name says it.
    let one = input.join("extra/part-00002.jsonl");
    descrape()
        .args(["clean", "-q", "--compression", "gzip"])
        .arg(&one)
        .arg("-o")
        .arg(tmp.path().join("x.jsonl"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("--compression is for shards"));
}

#[test]
fn shards_that_would_share_a_name_once_recompressed_are_refused() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    sharded_input(&input);
    write(&input, "part-00000.jsonl", "{\"id\":\"x\",\"text\":\"Story.\"}\n");
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--compression", "none"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "shards `part-00000.jsonl` and `part-00000.jsonl.gz` would both be written as `part-00000.jsonl`",
        ));
    assert!(!out.join("part-00000.jsonl").exists());
}

#[test]
fn a_bad_shard_fails_alone() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    sharded_input(&input);
    // Not gzip at all: reading it fails at the first line.
    write(&input, "part-00003.jsonl.gz", b"not gzip");
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).code(1).stderr(predicates::str::contains("part-00003.jsonl.gz"));
    for name in ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "extra/part-00002.jsonl"] {
        assert!(out.join(name).is_file(), "{name}");
    }
    let log = records(&out.join(".descrape/changes.jsonl"));
    assert!(log.iter().any(|r| r["type"] == "failed" && r["file"] == "part-00003.jsonl.gz"));
}

#[test]
fn the_change_log_in_out_is_not_read_when_out_is_cleaned_again() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("in");
    sharded_input(&input);
    let out = tmp.path().join("out");
    clean_quiet(&input, &out).success();
    let again = tmp.path().join("again");
    clean_quiet(&out, &again).success();
    let names: Vec<String> = tree(&again).into_keys().collect();
    assert_eq!(names, ["extra/part-00002.jsonl", "part-00000.jsonl.gz", "part-00001.jsonl.gz"]);
    // Cleaning clean text again changes nothing, and no record comes from the log.
    let log = records(&again.join(".descrape/changes.jsonl"));
    assert!(log.iter().all(|r| !r["file"].as_str().unwrap().starts_with(".descrape")), "{log:?}");
}
