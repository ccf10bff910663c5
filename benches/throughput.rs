//! Throughput benchmark: `descrape clean` with the default rules against
//! `cp -r` of the same tree (the floor: reading and writing every file).
//!
//! Builds a corpus of at least 50 MB of dumps from the repository's samples
//! and fixtures (varied per copy so no two files are equal), on tmpfs when
//! there is one, and prints MB/s and files/s for both. Run with
//! `cargo bench --bench throughput`; `DESCRAPE_BENCH_MB` changes the size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let mb: usize = std::env::var("DESCRAPE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let base = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let root = tempfile::Builder::new().prefix("descrape-bench-").tempdir_in(base).unwrap();
    let corpus = root.path().join("corpus");
    let (files, bytes) = build_corpus(&corpus, mb * 1_000_000);
    println!("corpus: {files} files, {:.1} MB in {}", bytes as f64 / 1e6, corpus.display());

    let bin = env!("CARGO_BIN_EXE_descrape");
    let mut rows = Vec::new();
    for round in 0..3 {
        let cp = time(Command::new("cp").arg("-r").arg(&corpus).arg(root.path().join(format!("cp{round}"))));
        let clean = time(
            Command::new(bin)
                .args(["clean", "-q"])
                .arg(&corpus)
                .arg("-o")
                .arg(root.path().join(format!("clean{round}"))),
        );
        rows.push((cp, clean));
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

/// Copies of the sample and fixture dumps, numbers and names varied per
/// copy, spread over site directories, until `target` bytes are written.
fn build_corpus(dir: &Path, target: usize) -> (usize, usize) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for sub in ["samples/raw", "tests/fixtures/corpus/raw", "tests/fixtures/hard/raw"] {
        let mut names: Vec<_> =
            std::fs::read_dir(repo.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for p in names {
            seeds.push(std::fs::read_to_string(p).unwrap());
        }
    }
    let (mut files, mut bytes) = (0, 0);
    while bytes < target {
        let seed = &seeds[files % seeds.len()];
        let text = vary(seed, files);
        let site = dir.join(format!("site{:02}", files % 20)).join(format!("{:03}", files / 2000));
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join(format!("{files:06}.txt")), &text).unwrap();
        bytes += text.len();
        files += 1;
    }
    (files, bytes)
}

/// Shift every digit by `n` so copies differ while keeping their shape.
fn vary(text: &str, n: usize) -> String {
    let shift = (n % 9 + 1) as u8;
    text.chars()
        .map(|c| if c.is_ascii_digit() { (b'0' + (c as u8 - b'0' + shift) % 10) as char } else { c })
        .collect()
}
