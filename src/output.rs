//! Writing files atomically: a temporary file beside the target, renamed
//! over it once complete, so an interrupted run never leaves a half-written
//! output. Knows nothing about what the bytes mean. Temporaries a killed
//! run left behind are found by their name and removed by the next run.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

const TEMP_PREFIX: &str = ".descrape-";
const TEMP_SUFFIX: &str = ".tmp";

fn temp_beside(path: &Path) -> io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    ensure_dir(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // Created with the output's mode (less the umask), not private and
    // changed afterwards: one system call less per file.
    if let Some(perms) = default_permissions() {
        builder.permissions(perms);
    }
    match builder.tempfile_in(dir) {
        // Removed since this thread saw it (a library caller between runs).
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            MADE.with(|m| m.borrow_mut().remove(dir));
            ensure_dir(dir)?;
            builder.tempfile_in(dir)
        }
        result => result,
    }
}

thread_local! {
    /// Directories this thread has made or found, so a tree of many files
    /// does not ask the file system again (a failing `mkdir` and a `stat`)
    /// for every file.
    static MADE: RefCell<HashSet<PathBuf>> = RefCell::new(HashSet::new());
}

fn ensure_dir(dir: &Path) -> io::Result<()> {
    if MADE.with(|m| m.borrow().contains(dir)) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    MADE.with(|m| m.borrow_mut().insert(dir.to_path_buf()));
    Ok(())
}

/// Remove the temporaries (`.descrape-*.tmp`) an earlier, killed run left
/// anywhere under `dir`; returns how many.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Write `bytes` to `path` atomically, mode 0644 less the umask.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)?;
    finish(tmp, path)
}

fn finish(tmp: NamedTempFile, path: &Path) -> io::Result<()> {
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Outputs get the usual 0644 (less the umask), not a temporary's 0600.
#[cfg(unix)]
fn default_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<Permissions> {
    None
}

/// A buffered file that appears at its path only when [`AtomicWriter::commit`] runs.
pub struct AtomicWriter {
    path: PathBuf,
    inner: BufWriter<NamedTempFile>,
}

impl AtomicWriter {
    pub fn create(path: &Path) -> io::Result<AtomicWriter> {
        Ok(AtomicWriter { path: path.to_path_buf(), inner: BufWriter::new(temp_beside(path)?) })
    }

    pub fn commit(self) -> io::Result<()> {
        let tmp = self.inner.into_inner().map_err(|e| e.into_error())?;
        finish(tmp, &self.path)
    }
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
