//! Throughput benchmark: `descrape clean` with the default rules against
//! `cp` of the same input (the floor: reading and writing every byte), for
//! text dumps, the same dumps as JSON Lines through standard input, saved
//! web pages and, when `../shared/corpus` is beside the repository, real
//! dumps that four extractors made from news pages.
//!
//! Builds a corpus of at least 50 MB of text dumps from the repository's
//! samples and fixtures, and one of 20 MB of pages from the HTML fixtures
//! (varied per copy so no two files are equal), on tmpfs when there is one,
//! and prints MB/s and files/s for each. Run with
//! `cargo bench --bench throughput`; `DESCRAPE_BENCH_MB` sets the size of
//! the text corpus (the page corpus is two fifths of it).
//!
//! The generated trees repeat their seeds, so the trigger sets' lazy DFAs
//! are warm after a few files; the real dumps are new text throughout and
//! show the cost of building those states (see the README's speed section).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mb: usize = std::env::var("DESCRAPE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let base = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let root = tempfile::Builder::new().prefix("descrape-bench-").tempdir_in(base).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text_seeds =
        ["samples/raw", "tests/fixtures/corpus/raw", "tests/fixtures/hard/raw"].map(|d| repo.join(d));
    let page_seeds = [repo.join("tests/fixtures/html/raw")];
    let corpora = [
        ("text dumps", root.path().join("text"), &text_seeds[..], mb * 1_000_000, "txt"),
        ("web pages", root.path().join("pages"), &page_seeds[..], mb * 400_000, "html"),
    ];
    for (name, corpus, seeds, target, ext) in &corpora {
        let (files, bytes) = build_corpus(corpus, seeds, *target, ext);
        println!("\n{name}: {files} files, {:.1} MB in {}", bytes as f64 / 1e6, corpus.display());
        compare_tree(root.path(), corpus, files, bytes);
        if *ext == "txt" {
            let jsonl = root.path().join("text.jsonl");
            let records = write_jsonl(corpus, &jsonl);
            let size = std::fs::metadata(&jsonl).unwrap().len() as usize;
            println!(
                "\nthe same as JSON Lines, stdin to stdout: {records} records, {:.1} MB",
                size as f64 / 1e6
            );
            compare_stream(root.path(), &jsonl, records, size);
        }
    }
    let shared = repo.join("../shared/corpus");
    if shared.is_dir() {
        let corpus = root.path().join("real");
        let (files, bytes) = copy_real_dumps(&shared, &corpus);
        println!(
            "\nreal dumps ({}): {files} files, {:.1} MB in {}",
            shared.display(),
            bytes as f64 / 1e6,
            corpus.display()
        );
        compare_tree(root.path(), &corpus, files, bytes);
    }
}

/// Best of three `cp -r` and `descrape clean` runs over `corpus`, printed.
fn compare_tree(root: &Path, corpus: &Path, files: usize, bytes: usize) {
    let bin = env!("CARGO_BIN_EXE_descrape");
    let mut rows = Vec::new();
    for round in 0..3 {
        let cp_out = root.join(format!("cp{round}"));
        let clean_out = root.join(format!("clean{round}"));
        let cp = time(Command::new("cp").arg("-r").arg(corpus).arg(&cp_out));
        let clean = time(Command::new(bin).args(["clean", "-q"]).arg(corpus).arg("-o").arg(&clean_out));
        rows.push((cp, clean));
        let _ = std::fs::remove_dir_all(cp_out);
        let _ = std::fs::remove_dir_all(clean_out);
    }
    report(&rows, bytes, files, "files");
}

/// Best of three `cp` and `descrape clean - -o -` runs over the JSON Lines
/// file `input`, standard output to a file beside it, printed.
fn compare_stream(root: &Path, input: &Path, records: usize, bytes: usize) {
    let bin = env!("CARGO_BIN_EXE_descrape");
    let out = root.join("out.jsonl");
    let mut rows = Vec::new();
    for _ in 0..3 {
        let cp = time(Command::new("cp").arg(input).arg(&out));
        let _ = std::fs::remove_file(&out);
        let stdin = std::fs::File::open(input).unwrap();
        let stdout = std::fs::File::create(&out).unwrap();
        let clean = time(Command::new(bin).args(["clean", "-q", "-", "-o", "-"]).stdin(stdin).stdout(stdout));
        let _ = std::fs::remove_file(&out);
        rows.push((cp, clean));
    }
    report(&rows, bytes, records, "records");
}

/// The best (least disturbed) of each column, as MB/s and items/s.
fn report(rows: &[(Duration, Duration)], bytes: usize, items: usize, unit: &str) {
    let cp = rows.iter().map(|r| r.0).min().unwrap();
    let clean = rows.iter().map(|r| r.1).min().unwrap();
    let line = |name: &str, d: Duration| {
        let s = d.as_secs_f64();
        println!(
            "{name:<24} {:>8.3} s  {:>8.1} MB/s  {:>9.0} {unit}/s",
            s,
            bytes as f64 / 1e6 / s,
            items as f64 / s
        );
    };
    line("cp", cp);
    line("descrape clean", clean);
    println!("descrape / cp ratio: {:.2}x", clean.as_secs_f64() / cp.as_secs_f64());
}

fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd.stderr(Stdio::inherit()).status().expect("run");
    assert!(status.success(), "{cmd:?} failed");
    start.elapsed()
}

/// One record per file of `corpus` (`id` its relative path, `text` its
/// text), sorted by path; returns the number of records.
fn write_jsonl(corpus: &Path, dest: &Path) -> usize {
    use std::io::Write;
    let paths: Vec<PathBuf> = walkdir::WalkDir::new(corpus)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    let mut w = std::io::BufWriter::new(std::fs::File::create(dest).unwrap());
    for p in &paths {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        let id = p.strip_prefix(corpus).unwrap().to_string_lossy().into_owned();
        serde_json::to_writer(&mut w, &serde_json::json!({ "id": id, "text": text })).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.flush().unwrap();
    paths.len()
}

/// The text dumps of `shared` (the corpus's `*/dumps/<extractor>/raw` and
/// `newspaper3k/raw`), one folder per set and extractor, as they are.
fn copy_real_dumps(shared: &Path, dest: &Path) -> (usize, usize) {
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for set in ["wcxb-dev", "traf-eval"] {
        for extractor in ["boilerpy3", "newspaper3k", "readability", "trafilatura"] {
            dirs.push((
                format!("{set}-{extractor}"),
                shared.join(set).join("dumps").join(extractor).join("raw"),
            ));
        }
    }
    dirs.push(("newspaper3k".into(), shared.join("newspaper3k/raw")));
    let (mut files, mut bytes) = (0, 0);
    for (name, dir) in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let site = dest.join(name);
        std::fs::create_dir_all(&site).unwrap();
        for e in entries {
            let p = e.unwrap().path();
            if p.is_file() {
                bytes += std::fs::copy(&p, site.join(p.file_name().unwrap())).unwrap() as usize;
                files += 1;
            }
        }
    }
    (files, bytes)
}

/// Copies of the files in `seed_dirs`, digits varied per copy, spread over
/// site directories, until `target` bytes are written.
fn build_corpus(dir: &Path, seed_dirs: &[PathBuf], target: usize, ext: &str) -> (usize, usize) {
    let mut seeds = Vec::new();
    for sub in seed_dirs {
        let mut names: Vec<_> = std::fs::read_dir(sub).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for p in names {
            // Bytes, not text: pages in legacy charsets stay as they are.
            seeds.push(std::fs::read(p).unwrap());
        }
    }
    let (mut files, mut bytes) = (0, 0);
    while bytes < target {
        let copy = vary(&seeds[files % seeds.len()], files);
        let site = dir.join(format!("site{:02}", files % 20)).join(format!("{:03}", files / 2000));
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join(format!("{files:06}.{ext}")), &copy).unwrap();
        bytes += copy.len();
        files += 1;
    }
    (files, bytes)
}

/// Shift every ASCII digit by `n` so copies differ while keeping their shape.
fn vary(bytes: &[u8], n: usize) -> Vec<u8> {
    let shift = (n % 9 + 1) as u8;
    bytes.iter().map(|&b| if b.is_ascii_digit() { b'0' + (b - b'0' + shift) % 10 } else { b }).collect()
}
