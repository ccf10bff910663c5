//! Writing files atomically: a temporary file beside the target, renamed
//! over it once complete, so an interrupted run never leaves a half-written
//! output. Knows nothing about what the bytes mean. Temporaries a killed
//! run left behind are found by their name and removed by the next run.
//! Below an output directory, a directory that is a symbolic link is not
//! written through: it could lead back into the inputs.
//!
//! A single output named by the user ([`AtomicWriter::create`]) may be a
//! device or a pipe (`--changes /dev/null`, a FIFO): it is written in place,
//! since renaming a file over it would replace the device node itself. One
//! of the run's own descriptors (`-o /dev/stdout >> all.jsonl`, `/dev/fd/3`)
//! gets the bytes at its end, as the shell's `>>` would. Any other link is
//! replaced by the new file, never followed: it could lead into the inputs,
//! or out of the output directory.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

const TEMP_PREFIX: &str = ".descrape-";
const TEMP_SUFFIX: &str = ".tmp";

fn temp_beside(path: &Path, root: Option<&Path>) -> io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    ensure_dir(dir, root)?;
    let mut builder = tempfile::Builder::new();
    // The process id in the name tells the next run whose temporary it is.
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // Created with the output's mode (less the umask), not private and
    // changed afterwards: one system call less per file.
    if let Some(perms) = default_permissions() {
        builder.permissions(perms);
    }
    match builder.tempfile_in(dir) {
        // Removed since this thread saw it (a library caller between runs).
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            MADE.with(|m| m.borrow_mut().remove(dir));
            ensure_dir(dir, root)?;
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

/// Makes `dir`; below `root`, one level at a time, refusing a level that
/// is a symbolic link.
fn ensure_dir(dir: &Path, root: Option<&Path>) -> io::Result<()> {
    if MADE.with(|m| m.borrow().contains(dir)) {
        return Ok(());
    }
    match root.and_then(|r| Some((r, dir.strip_prefix(r).ok()?))) {
        Some((root, below)) => {
            std::fs::create_dir_all(root)?;
            let mut at = root.to_path_buf();
            for part in below.components() {
                at.push(part);
                level(&at)?;
            }
        }
        None => std::fs::create_dir_all(dir)?,
    }
    MADE.with(|m| m.borrow_mut().insert(dir.to_path_buf()));
    Ok(())
}

/// Makes one directory level unless it is there; a link there is an error.
fn level(at: &Path) -> io::Result<()> {
    let found = match std::fs::symlink_metadata(at) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(at) {
            // Another worker made it meanwhile: look at what is there.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => std::fs::symlink_metadata(at)?,
            made => return made,
        },
        found => found?,
    };
    if found.is_dir() {
        Ok(())
    } else if found.file_type().is_symlink() {
        Err(io::Error::other(format!(
            "`{}` is a symbolic link, and outputs are not written through links inside the output directory",
            at.display()
        )))
    } else {
        Err(io::Error::other(format!("`{}` is not a directory", at.display())))
    }
}

/// Remove the temporaries (`.descrape-PID-*.tmp`) an earlier, killed run
/// left anywhere under `dir`; returns how many. A temporary of a process
/// that is still running is another run writing into the same directory,
/// and stays.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        let Some(middle) = name.strip_prefix(TEMP_PREFIX).and_then(|n| n.strip_suffix(TEMP_SUFFIX)) else {
            continue;
        };
        let owner = middle.split_once('-').and_then(|(pid, _)| pid.parse::<u32>().ok());
        if entry.file_type().is_file() && !owner.is_some_and(running) {
            // Gone already: its run finished it meanwhile.
            match std::fs::remove_file(entry.path()) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                done => {
                    done?;
                    removed += 1;
                }
            }
        }
    }
    Ok(removed)
}

/// Whether process `pid` is running, where `/proc` tells; elsewhere every
/// temporary counts as left behind.
fn running(pid: u32) -> bool {
    Path::new("/proc/self").exists() && Path::new(&format!("/proc/{pid}")).exists()
}

/// Write `bytes` to `root/rel` atomically, mode 0644 less the umask, no
/// directory below `root` a link.
pub fn write_atomic_in(root: &Path, rel: &str, bytes: &[u8]) -> io::Result<()> {
    let path = root.join(rel);
    let mut tmp = temp_beside(&path, Some(root))?;
    tmp.write_all(bytes)?;
    finish(tmp, &path)
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

/// A buffered file that appears at its path only when [`AtomicWriter::commit`]
/// runs; a device or a pipe is written as the bytes come.
pub struct AtomicWriter {
    path: PathBuf,
    inner: Target,
}

enum Target {
    Temp(BufWriter<NamedTempFile>),
    InPlace(BufWriter<std::fs::File>),
}

impl AtomicWriter {
    pub fn create(path: &Path) -> io::Result<AtomicWriter> {
        let inner = match in_place(path) {
            Some(append) => {
                let file = std::fs::OpenOptions::new().write(true).append(append).open(path)?;
                Target::InPlace(BufWriter::new(file))
            }
            None => Target::Temp(BufWriter::new(temp_beside(path, None)?)),
        };
        Ok(AtomicWriter { path: path.to_path_buf(), inner })
    }

    /// [`Self::create`] at `root/rel`, no directory below `root` a link.
    pub fn create_in(root: &Path, rel: &str) -> io::Result<AtomicWriter> {
        let path = root.join(rel);
        let inner = Target::Temp(BufWriter::new(temp_beside(&path, Some(root))?));
        Ok(AtomicWriter { path, inner })
    }

    pub fn commit(self) -> io::Result<()> {
        match self.inner {
            Target::Temp(w) => finish(w.into_inner().map_err(|e| e.into_error())?, &self.path),
            Target::InPlace(mut w) => w.flush(),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.inner {
            Target::Temp(w) => w,
            Target::InPlace(w) => w,
        }
    }
}

/// Whether [`AtomicWriter::create`] writes `path` in place, and if so
/// whether at its end: a device or a pipe in place (`Some(false)`); a file
/// reached through one of the process's descriptors (`/dev/stdout`,
/// `/dev/fd/N`, `/proc/self/fd/N`) at its end (`Some(true)`), since a
/// renamed file would replace the descriptor's link, or the file the shell
/// opened, earlier lines and all; anything else not (`None`).
pub fn in_place(path: &Path) -> Option<bool> {
    match std::fs::metadata(path) {
        Ok(found) if !found.is_file() && !found.is_dir() => Some(false),
        Ok(found) if found.is_file() && through_descriptor(path) => Some(true),
        _ => None,
    }
}

/// Whether `path` or a link on the way from it lies in `/proc` or
/// `/dev/fd`, where links name open descriptors, not files.
fn through_descriptor(path: &Path) -> bool {
    let mut path = path.to_path_buf();
    // As many hops as the kernel follows before it gives up (ELOOP).
    for _ in 0..40 {
        if path.starts_with("/proc") || path.starts_with("/dev/fd") {
            return true;
        }
        let Ok(next) = std::fs::read_link(&path) else {
            return false;
        };
        path = match path.parent() {
            Some(dir) => dir.join(next),
            None => next,
        };
    }
    false
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}
