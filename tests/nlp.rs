//! NLP pipelines: JSON Lines in and out, compression, streaming through
//! stdin and stdout in bounded memory, malformed lines, normalisation, the
//! repeated-line collapse and the document drop.

use std::io::{Read, Write};
use std::path::Path;

use descrape::changelog::Record;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::util::{descrape, records, repo, tree, write};

/// The samples as JSON Lines records `{id, source, text}`.
fn samples_jsonl() -> String {
    tree(&repo().join("samples/raw"))
        .into_iter()
        .map(|(rel, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            format!("{}\n", json!({"id": rel, "source": "presstv", "text": text}))
        })
        .collect()
}

fn expected(rel: &str) -> String {
    std::fs::read_to_string(repo().join("samples/expected").join(rel)).unwrap()
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn text_in_jsonl_out_has_one_record_per_file() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("clean.jsonl");
    descrape()
        .args(["clean", "-q", "--output-format", "jsonl"])
        .arg(repo().join("samples/raw"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let recs = lines(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(recs.len(), 5);
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        assert_eq!(r["text"], expected(id), "{id}");
        assert_eq!(r.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "text"]);
    }
}

#[test]
fn jsonl_in_jsonl_out_keeps_other_fields_in_order() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in.jsonl", samples_jsonl());
    let out = tmp.path().join("out.jsonl");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let recs = lines(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(recs.len(), 5);
    for r in &recs {
        let id = r["id"].as_str().unwrap();
        assert_eq!(r["text"], expected(id));
        assert_eq!(r.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "source", "text"]);
    }
}

#[test]
fn jsonl_in_text_out_writes_a_file_per_record() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "dump.jsonl", samples_jsonl());
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let files = tree(&out);
    assert_eq!(files.len(), 5);
    for (rel, bytes) in files {
        let id = rel.strip_prefix("dump/").unwrap().strip_suffix(".txt").unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), expected(id));
    }
}

#[test]
fn custom_text_and_id_fields() {
    let tmp = TempDir::new().unwrap();
    let input =
        write(tmp.path(), "in.jsonl", "{\"doc\":\"x1\",\"body\":\"Story.\\n\\nCulled from Presstv\"}\n");
    let output = descrape()
        .args(["clean", "-", "-q", "--input-format", "jsonl", "--output-format", "jsonl"])
        .args(["--text-field", "body", "--id-field", "doc"])
        .pipe_stdin(&input)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "{\"doc\":\"x1\",\"body\":\"Story.\"}\n");
}

#[test]
fn compressed_jsonl_is_read_and_written_by_extension() {
    let tmp = TempDir::new().unwrap();
    let gz = tmp.path().join("in.jsonl.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(samples_jsonl().as_bytes()).unwrap();
    enc.finish().unwrap();
    let zst = tmp.path().join("out.jsonl.zst");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg(&gz)
        .arg("-o")
        .arg(&zst)
        .assert()
        .success();
    let mut text = String::new();
    zstd::stream::read::Decoder::new(std::fs::File::open(&zst).unwrap())
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let recs = lines(&text);
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[4]["text"], expected("004_c8dd5039b62e9dc9.txt"));
    // And back: zst in, gz out.
    let gz2 = tmp.path().join("again.jsonl.gz");
    descrape()
        .args(["clean", "-q", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg(&zst)
        .arg("-o")
        .arg(&gz2)
        .assert()
        .success();
    let mut again = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&gz2).unwrap()).read_to_string(&mut again).unwrap();
    assert_eq!(again, text);
}

#[test]
fn malformed_lines_are_reported_skipped_and_logged() {
    let tmp = TempDir::new().unwrap();
    let input = "{\"id\":\"a\",\"text\":\"One.\"}\n{\"id\": oops}\n[1,2]\n{\"id\":\"b\",\"body\":\"x\"}\n{\"id\":\"c\",\"text\":\"Three.\"}\n";
    let log = tmp.path().join("changes.jsonl");
    let report = tmp.path().join("report.json");
    let assert = descrape()
        .args(["clean", "-", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg("--changes")
        .arg(&log)
        .arg("--report")
        .arg(&report)
        .write_stdin(input)
        .assert()
        .success();
    let out = assert.get_output();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"id\":\"a\",\"text\":\"One.\"}\n{\"id\":\"c\",\"text\":\"Three.\"}\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("descrape: -:2: malformed JSON"), "{err}");
    assert!(err.contains("descrape: -:3: not a JSON object (skipped)"), "{err}");
    assert!(err.contains("descrape: -:4: no field `text` (skipped)"), "{err}");
    let recs = records(&log);
    let malformed: Vec<_> = recs.iter().filter(|r| r["type"] == "malformed").collect();
    assert_eq!(malformed.len(), 3);
    assert_eq!(malformed[2]["line"], 4);
    assert_eq!(malformed[2]["text"], "{\"id\":\"b\",\"body\":\"x\"}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["files"]["malformed"], 3);
    assert_eq!(r["files"]["read"], 2);
}

#[test]
fn strict_mode_stops_at_the_first_malformed_line_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in.jsonl", "{\"id\":\"a\",\"text\":\"One.\"}\nnot json\n");
    let out = tmp.path().join("out.jsonl");
    descrape()
        .args(["clean", "--strict", "--input-format", "jsonl", "--output-format", "jsonl"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("in.jsonl:2: malformed JSON"));
    assert!(!out.exists());
}

#[test]
fn annotate_and_min_words_drop() {
    let tmp = TempDir::new().unwrap();
    let input = "{\"id\":\"long\",\"text\":\"Story with enough words to stay in the corpus.\\n\\nShare this story!\"}\n{\"id\":\"short\",\"text\":\"Too short.\\n\\nCulled from Presstv\"}\n";
    let log = tmp.path().join("changes.jsonl");
    let assert = descrape()
        .args(["clean", "-", "-q", "--input-format", "jsonl", "--output-format", "jsonl", "--annotate"])
        .args(["--min-words", "5", "--changes"])
        .arg(&log)
        .write_stdin(input)
        .assert()
        .success();
    let out = lines(&String::from_utf8_lossy(&assert.get_output().stdout));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["text"], "Story with enough words to stay in the corpus.");
    assert_eq!(out[0]["descrape"], json!({"edits": 1, "words_removed": 3, "rules": {"cta.share": 1}}));
    let dropped: Vec<_> = records(&log).into_iter().filter(|r| r["type"] == "dropped").collect();
    assert_eq!(dropped, [json!({"type": "dropped", "file": "-", "id": "short", "line": 2, "words": 2})]);
}

#[test]
fn text_on_stdin_to_stdout() {
    let raw = std::fs::read_to_string(repo().join("samples/raw/003_58d3557daf0ad729.txt")).unwrap();
    let assert = descrape().args(["clean", "-", "-q"]).write_stdin(raw).assert().success();
    assert_eq!(String::from_utf8_lossy(&assert.get_output().stdout), expected("003_58d3557daf0ad729.txt"));
}

/// Peak memory from `--report` for a JSON Lines stream of `input`.
fn streamed_peak_mb(input: &Path, tmp: &Path) -> f64 {
    let report = tmp.join("report.json");
    let out = tmp.join("out.jsonl");
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("descrape"))
        .args(["clean", "-", "-q", "--input-format", "jsonl", "--output-format", "jsonl", "--report"])
        .arg(&report)
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(std::fs::File::create(&out).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    r["peak_memory_mb"].as_f64().expect("peak memory is known on Linux")
}

#[cfg(target_os = "linux")]
#[test]
fn streaming_a_large_input_uses_bounded_memory() {
    let tmp = TempDir::new().unwrap();
    let one = write(tmp.path(), "one.jsonl", samples_jsonl().lines().next().unwrap());
    let big = tmp.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    let seeds = samples_jsonl();
    let mut size = 0;
    let mut n = 0;
    while size < 64 << 20 {
        for line in seeds.lines() {
            let mut v: Value = serde_json::from_str(line).unwrap();
            v["id"] = json!(format!("doc{n}"));
            let s = format!("{v}\n");
            size += s.len();
            n += 1;
            f.write_all(s.as_bytes()).unwrap();
        }
    }
    f.flush().unwrap();
    drop(f);
    let small = streamed_peak_mb(&one, tmp.path());
    let large = streamed_peak_mb(&big, tmp.path());
    let out = std::fs::read_to_string(tmp.path().join("out.jsonl")).unwrap();
    assert_eq!(out.lines().count(), n);
    // 64 MB through the pipe costs at most a few batches more than one record.
    assert!(large < small + 32.0, "peak {large:.0} MB for 64 MB of input, {small:.0} MB for one record");
}

const NORMALIZE_RAW: &str = "Itâ€™s the cafÃ© on the corner,\u{00a0}said the mayor.  \r\nA soft\u{00ad}hyphen, a zero\u{200b}width space and a bell\u{0007}.\r\nCafe\u{0301} society returns to Tehran this week\r\nCafe\u{0301} society returns to Tehran this week\r\n\r\nPersian stays: می\u{200c}خواهم. Russian stays: Привет. German stays: Grüße.\r\n";

const NORMALIZE_CLEAN: &str = "It’s the café on the corner, said the mayor.\nA softhyphen, a zerowidth space and a bell.\nCafé society returns to Tehran this week\n\nPersian stays: می\u{200c}خواهم. Russian stays: Привет. German stays: Grüße.\n";

#[test]
fn every_normalisation_step_is_applied_and_logged() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in/doc.txt", NORMALIZE_RAW);
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--rules", "@nlp"])
        .arg(input.parent().unwrap())
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let clean = std::fs::read_to_string(out.join("doc.txt")).unwrap();
    assert_eq!(clean, NORMALIZE_CLEAN);
    let recs: Vec<Record> = std::fs::read_to_string(out.join(".descrape/changes.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut rules: Vec<String> = recs
        .iter()
        .filter_map(|r| if let Record::Edit { rule, .. } = r { Some(rule.clone()) } else { None })
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "normalize.controls",
            "normalize.duplicate-lines",
            "normalize.invisible",
            "normalize.line-endings",
            "normalize.mojibake",
            "normalize.nfc",
            "normalize.spaces",
            "normalize.trailing-space"
        ]
    );
    assert_eq!(descrape::changelog::rebuild(&clean, &recs), NORMALIZE_RAW);
}

#[test]
fn normalisation_leaves_clean_text_untouched() {
    let tmp = TempDir::new().unwrap();
    let clean =
        "Grüße aus München.\nПривет, мир.\nسلام دنیا، می\u{200c}خواهم.\n“Déjà vu,” she said — it’s 5 °C.\n";
    let input = write(tmp.path(), "in/a.txt", clean);
    let out = tmp.path().join("out");
    descrape()
        .args(["clean", "-q", "--rules", "@nlp"])
        .arg(input.parent().unwrap())
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), clean);
    assert_eq!(std::fs::read_to_string(out.join(".descrape/changes.jsonl")).unwrap(), "");
}

#[test]
fn the_log_rebuilds_inputs_with_normalisation_on() {
    for dir in ["samples/raw", "tests/fixtures/corpus/raw"] {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let log = tmp.path().join("changes.jsonl");
        descrape()
            .args(["clean", "-q", "--rules", "@nlp"])
            .arg(repo().join(dir))
            .arg("-o")
            .arg(&out)
            .arg("--changes")
            .arg(&log)
            .assert()
            .success();
        let recs: Vec<Record> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(recs.iter().any(|r| matches!(r, Record::Edit { inserted, .. } if !inserted.is_empty())));
        for (rel, bytes) in tree(&repo().join(dir)) {
            let mine: Vec<Record> = recs
                .iter()
                .filter(|r| matches!(r, Record::Edit { file, .. } if *file == rel))
                .cloned()
                .collect();
            let output = std::fs::read_to_string(out.join(&rel)).unwrap();
            assert_eq!(descrape::changelog::rebuild(&output, &mine).as_bytes(), &bytes[..], "{rel}");
        }
    }
}

#[test]
fn unknown_builtin_rule_set_is_an_error() {
    descrape().args(["check", "--rules", "@nope"]).assert().code(2).stderr(predicates::str::contains(
        "no built-in rule set `@nope`; there are `@nlp`, `@repeated` and `@scorer`",
    ));
}
