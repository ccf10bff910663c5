//! Writing files atomically: a temporary file beside the target, renamed
//! over it once complete, so an interrupted run never leaves a half-written
//! output. Knows nothing about what the bytes mean. Temporaries a killed
//! run left behind are found by their name and removed by the next run.
//! Below an output directory, a directory that is a symbolic link is not
//! written through: it could lead back into the inputs.
//!
//! A single output named by the user ([`AtomicWriter::create`]) may be a
//! device or a pipe (`--changes /dev/null`, a FIFO): it is written in place,
//! since renaming a file over it would replace the device node itself. A
//! name for one of the run's own descriptors (`/dev/stdout`, `/dev/fd/3`)
//! that leads to a file is refused: a second handle on that file would
//! write over what the shell writes through its own, and a renamed file
//! would replace the link. Any other link is replaced by the new file, never
//! followed: it could lead into the inputs, or out of the output directory.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

const TEMP_PREFIX: &str = ".descrape-";
const TEMP_SUFFIX: &str = ".tmp";

/// The directory `path` lies in: `.` for a bare name.
fn dir_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn temp_beside(path: &Path, root: Option<&Path>) -> io::Result<NamedTempFile> {
    let dir = dir_of(path);
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
    let tmp = match builder.tempfile_in(dir) {
        // Removed since this thread saw it (a library caller between runs).
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            MADE.with(|m| m.borrow_mut().remove(dir));
            ensure_dir(dir, root)?;
            builder.tempfile_in(dir)
        }
        result => result,
    }?;
    // Locked while it is written: a run in another PID namespace (a
    // container sharing the volume), where the id in its name means
    // nothing, sees it is in use. Best effort: not every file system locks.
    let _ = tmp.as_file().try_lock();
    Ok(tmp)
}

/// Whether another process holds the lock of the temporary at `path`.
fn in_use(path: &Path) -> bool {
    std::fs::File::open(path).is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
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
/// that is still running, or that another process holds locked, is
/// another run writing into the same directory, and stays.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<usize> {
    remove_stale_below(dir, usize::MAX)
}

fn remove_stale_below(dir: &Path, depth: usize) -> io::Result<usize> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(dir).max_depth(depth) {
        let entry = entry.map_err(io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        let Some(middle) = name.strip_prefix(TEMP_PREFIX).and_then(|n| n.strip_suffix(TEMP_SUFFIX)) else {
            continue;
        };
        let owner = middle.split_once('-').and_then(|(pid, _)| pid.parse::<u32>().ok());
        if entry.file_type().is_file() && !owner.is_some_and(running) && !in_use(entry.path()) {
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
        let inner = if in_place(path) {
            Target::InPlace(BufWriter::new(open_in_place(path)?))
        } else if names_descriptor(path) {
            return Err(io::Error::other(
                "it names one of the run's own descriptors, which leads to a file or to nothing here: \
                 name the file, or use `-o -` for standard output",
            ));
        } else if names_a_directory(path) {
            // Refused now: the rename over it would fail only once the run
            // had done all its work.
            return Err(io::Error::other("it names a directory, and one file is written here"));
        } else {
            // What a killed run left beside this output, else nothing ever
            // removes it; best effort: an output can be written without.
            let _ = remove_stale_below(dir_of(path), 1);
            Target::Temp(BufWriter::new(temp_beside(path, None)?))
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

/// Whether `path` can only be a directory: it is one (not through a link,
/// which the output replaces), or its name ends in `/`, `/.` or `/..`.
pub fn names_a_directory(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.ends_with(b"/")
        || bytes.ends_with(b"/.")
        || bytes.ends_with(b"/..")
        || matches!(bytes, b"." | b"..")
        || std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Opens a device or a pipe for writing. Opening a FIFO waits for its
/// reader, and the signal handler only asks the run to stop, so the wait
/// is done on a thread of its own and given up when a stop is asked:
/// before, the first Ctrl-C did nothing there.
fn open_in_place(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::FileTypeExt;
    let open = |path: &Path| std::fs::OpenOptions::new().write(true).open(path);
    if !std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
        return open(path);
    }
    // A stop asked before the wait began (the change log and report are
    // opened as an interrupted run ends) does not end it.
    let asked_before = crate::interrupt::requested();
    let (sent, opened) = std::sync::mpsc::channel();
    let fifo = path.to_path_buf();
    // Left blocked if the run stops first; the process ends soon after.
    std::thread::spawn(move || sent.send(open(&fifo)));
    loop {
        match opened.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(file) => return file,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                if !asked_before && crate::interrupt::requested() =>
            {
                return Err(io::Error::new(
                    io::ErrorKind::Interrupted,
                    "stopped while waiting for its reader",
                ));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("the thread opening it ended"));
            }
        }
    }
}

/// Whether [`AtomicWriter::create`] writes `path` in place: a device or a
/// pipe, as far as links lead.
pub fn in_place(path: &Path) -> bool {
    matches!(std::fs::metadata(path), Ok(found) if !found.is_file() && !found.is_dir())
}

/// Whether `path` is a name for one of the process's open descriptors:
/// `/dev/stdout`, `/dev/stderr`, `/dev/stdin`, `/dev/fd/N` or
/// `/proc/{self,thread-self,PID}/fd/N`, by its text alone, so that without
/// `/proc` (where these links dangle) it is still known.
fn names_descriptor(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    if matches!(text, "/dev/stdout" | "/dev/stderr" | "/dev/stdin") {
        return true;
    }
    if let Some(n) = text.strip_prefix("/dev/fd/") {
        return number(n);
    }
    text.strip_prefix("/proc/")
        .and_then(|rest| rest.split_once("/fd/"))
        .is_some_and(|(proc, n)| (proc == "self" || proc == "thread-self" || number(proc)) && number(n))
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

/// File names stop at 255 bytes on most file systems: a longer name keeps
/// its first 200 bytes and ends in a hash of the whole, so ids that share
/// a long beginning still get names of their own.
pub fn within_name_limit(name: String) -> String {
    const KEEP: usize = 200;
    if name.len() <= KEEP + 20 {
        return name;
    }
    let cut = (0..=KEEP).rev().find(|&i| name.is_char_boundary(i)).unwrap_or(0);
    format!("{}-{:016x}", &name[..cut], xxhash_rust::xxh3::xxh3_64(name.as_bytes()))
}
