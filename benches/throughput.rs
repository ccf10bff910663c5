//! Throughput benchmark: `descrape clean` with the default rules against
//! `cp -r` of the same tree (the floor: reading and writing every file),
//! for text dumps and for saved web pages.
//!
//! Builds a corpus of at least 50 MB of text dumps from the repository's
//! samples and fixtures, and one of 20 MB of pages from the HTML fixtures
//! (varied per copy so no two files are equal), on tmpfs when there is one,
//! and prints MB/s and files/s for each. Run with
//! `cargo bench --bench throughput`; `DESCRAPE_BENCH_MB` sets the size of
//! the text corpus (the page corpus is two fifths of it).

use std::path::{Path, PathBuf};
use std::process::Command;
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
        compare(root.path(), corpus, files, bytes);
    }
}

/// Best of three `cp -r` and `descrape clean` runs over `corpus`, printed.
fn compare(root: &Path, corpus: &Path, files: usize, bytes: usize) {
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
    // Best of three for each: the least disturbed run.
    let cp = rows.iter().map(|r| r.0).min().unwrap();
    let clean = rows.iter().map(|r| r.1).min().unwrap();
    let report = |name: &str, d: Duration| {
        let s = d.as_secs_f64();
        println!(
            "{name:<24} {:>8.3} s  {:>8.1} MB/s  {:>9.0} files/s",
            s,
            bytes as f64 / 1e6 / s,
            files as f64 / s
        );
    };
    report("cp -r", cp);
    report("descrape clean", clean);
    println!("descrape / cp ratio: {:.2}x", clean.as_secs_f64() / cp.as_secs_f64());
}

fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd.status().expect("run");
    assert!(status.success(), "{cmd:?} failed");
    start.elapsed()
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
