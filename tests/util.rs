//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn descrape() -> Command {
    let mut cmd = Command::cargo_bin("descrape").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// `descrape clean -q INPUT -o OUT`, run, for the caller's assertions.
pub fn clean_quiet(
    input: impl AsRef<std::ffi::OsStr>,
    out: impl AsRef<std::ffi::OsStr>,
) -> assert_cmd::assert::Assert {
    clean_with(std::iter::empty::<&str>(), input, out)
}

/// `descrape clean -q EXTRA... INPUT -o OUT`, run.
pub fn clean_with(
    extra: impl IntoIterator<Item = impl AsRef<std::ffi::OsStr>>,
    input: impl AsRef<std::ffi::OsStr>,
    out: impl AsRef<std::ffi::OsStr>,
) -> assert_cmd::assert::Assert {
    descrape().args(["clean", "-q"]).args(extra).arg(input).arg("-o").arg(out).assert()
}

/// Every regular file under `dir`, relative path to bytes, hidden ones left out.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        if e.file_type().is_file() && !rel.split('/').any(|c| c.starts_with('.')) {
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Assert two trees hold the same files with the same bytes, naming the first difference.
pub fn assert_same_tree(want: &Path, got: &Path) {
    let (w, g) = (tree(want), tree(got));
    let wk: Vec<_> = w.keys().collect();
    let gk: Vec<_> = g.keys().collect();
    assert_eq!(wk, gk, "file lists differ");
    for (k, v) in &w {
        if *v != g[k] {
            panic!(
                "{k} differs:\n--- want\n{}\n--- got\n{}",
                String::from_utf8_lossy(v),
                String::from_utf8_lossy(&g[k])
            );
        }
    }
}

pub fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Parsed change-log records.
pub fn records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l}: {e}")))
        .collect()
}

/// `bytes` gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}
