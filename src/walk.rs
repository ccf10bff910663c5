//! Finding input files and the relative path each one is known by.
//!
//! A single directory input maps its files to paths relative to itself;
//! with several inputs each keeps its own name as the first component (as
//! `cp -r a b OUT` does). Walks are sorted by file name, skip hidden entries,
//! and do not follow symbolic links, so the file list is deterministic.
//! Nothing is read or written here beyond directory listings.
//!
//! A [`Walk`] holds the checked inputs, not the files under them: each
//! pass (the counting pass, the run) walks the directories again as it
//! goes, so memory does not grow with the number of files.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use walkdir::{DirEntry, WalkDir};

/// A file to clean and the relative path (with `/`) it is known by.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub rel: String,
}

/// What the walk found, in order.
#[derive(Debug, Clone)]
pub enum Found {
    File(SourceFile),
    Skipped { rel: String, reason: String },
    Failed { rel: String, error: String },
}

/// Inputs checked and ready to walk: each root with the name its files
/// are known by (empty for a single directory).
#[derive(Debug, Clone, Default)]
pub struct Walk {
    roots: Arc<[(PathBuf, String)]>,
}

impl Walk {
    /// The files, in order, read from the directories as the iterator goes.
    pub fn iter(&self) -> Files {
        Files { roots: Arc::clone(&self.roots), at: 0, current: None, unclear: HashSet::new() }
    }

    /// Whether a walk finds a file known by `rel`, asked of the file system
    /// without walking: a page's text output must not land on an input's.
    /// A name that holds U+FFFD may stand for names that are not UTF-8,
    /// so its parts are matched against directory entries as the walk
    /// shows them.
    pub fn has_file(&self, rel: &str) -> bool {
        self.roots.iter().any(|(root, prefix)| {
            if prefix.is_empty() {
                return found_under(root, rel);
            }
            match rel.strip_prefix(prefix.as_str()) {
                Some("") => !root.is_dir() && regular(root),
                Some(rest) => {
                    rest.strip_prefix('/').is_some_and(|rest| root.is_dir() && found_under(root, rest))
                }
                None => false,
            }
        })
    }

    /// The first file whose name `is` holds for and the first it does not
    /// hold for, each by its relative path; the walk stops once both are
    /// found. Cheaper than [`Walk::iter`]: names are tested as the
    /// directory gives them and only those two are made into paths.
    pub fn first_of_each(&self, is: impl Fn(&str) -> bool) -> (Option<String>, Option<String>) {
        let (mut yes, mut no) = (None, None);
        for (root, prefix) in self.roots.iter() {
            for e in entries(root).flatten().filter(input_file) {
                let slot = if is(&e.file_name().to_string_lossy()) { &mut yes } else { &mut no };
                if slot.is_none() {
                    *slot = Some(rel_of(root, prefix, e.path()));
                    if yes.is_some() && no.is_some() {
                        return (yes, no);
                    }
                }
            }
        }
        (yes, no)
    }
}

fn regular(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Whether `rel` (parts joined by `/`) names a file the walk of `dir`
/// yields: visible parts, real directories (not links) on the way, a
/// regular file at the end.
fn found_under(dir: &Path, rel: &str) -> bool {
    let (part, rest) = match rel.split_once('/') {
        Some((part, rest)) => (part, Some(rest)),
        None => (rel, None),
    };
    if part.is_empty() || part.starts_with('.') {
        return false;
    }
    let step = |path: &Path| match rest {
        None => regular(path),
        Some(rest) => std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) && found_under(path, rest),
    };
    if !part.contains('\u{FFFD}') {
        return step(&dir.join(part));
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| e.file_name().to_string_lossy() == part && step(&e.path()))
}

impl IntoIterator for &Walk {
    type Item = Found;
    type IntoIter = Files;
    fn into_iter(self) -> Files {
        self.iter()
    }
}

impl IntoIterator for Walk {
    type Item = Found;
    type IntoIter = Files;
    fn into_iter(self) -> Files {
        self.iter()
    }
}

type Entries = walkdir::FilterEntry<walkdir::IntoIter, fn(&DirEntry) -> bool>;

/// The entries under `root` in walk order: sorted by name, links not
/// followed, hidden entries left out.
fn entries(root: &Path) -> Entries {
    WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter().filter_entry(visible)
}

/// Whether an entry is a file to clean: a regular file, or whatever a
/// root the user named is when it is not a directory; never a link inside.
fn input_file(e: &DirEntry) -> bool {
    !(e.path_is_symlink() && e.depth() > 0) && (e.file_type().is_file() || (e.depth() == 0 && !walked_dir(e)))
}

/// Whether the walk goes into `e`: a directory, or a root the user named
/// that is a link to one (the walk follows a root link).
fn walked_dir(e: &DirEntry) -> bool {
    e.file_type().is_dir() || (e.depth() == 0 && e.path().is_dir())
}

/// The relative path a walked `path` under `root` is known by; a root
/// that is a file is known by its name.
fn rel_of(root: &Path, prefix: &str, path: &Path) -> String {
    let rel = join_rel(prefix, path.strip_prefix(root).unwrap_or(path));
    if rel.is_empty() {
        root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    } else {
        rel
    }
}

/// A walk in progress; see [`Walk::iter`].
pub struct Files {
    roots: Arc<[(PathBuf, String)]>,
    /// The root being walked, or to be walked next.
    at: usize,
    current: Option<Entries>,
    /// Names holding U+FFFD, as a name that is not UTF-8 reads once
    /// converted: only these can read the same as another input's.
    unclear: HashSet<String>,
}

impl Iterator for Files {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            let (root, prefix) = self.roots.get(self.at)?;
            let walking = self.current.get_or_insert_with(|| entries(root));
            match walking.next() {
                None => {
                    self.current = None;
                    self.at += 1;
                }
                Some(entry) => {
                    if let Some(found) = found(root, prefix, entry) {
                        return Some(self.unique(found));
                    }
                }
            }
        }
    }
}

impl Files {
    /// Names that are not UTF-8 are shown lossily; two may then look alike.
    /// Later ones fail rather than overwrite the first one's output.
    fn unique(&mut self, found: Found) -> Found {
        match found {
            Found::File(s) if s.rel.contains('\u{FFFD}') && !self.unclear.insert(s.rel.clone()) => {
                let error = format!(
                    "`{}`: its name is not valid UTF-8 and reads the same as another input's once converted",
                    s.path.display()
                );
                Found::Failed { rel: s.rel, error }
            }
            found => found,
        }
    }
}

/// Whether `inner` is `outer` or lies inside it, by device and inode of
/// `inner` and its parents (those that exist).
fn within_by_id(inner: &Path, outer: &Path) -> bool {
    outer.exists() && inner.ancestors().any(|a| same_file(a, Some(outer)))
}

/// Hidden entries (`.git`, the change log's `.descrape/`) are never inputs;
/// a root named by the user is walked whatever its name.
fn visible(e: &DirEntry) -> bool {
    e.depth() == 0 || e.file_name().as_encoded_bytes().first() != Some(&b'.')
}

/// Check `inputs` for a walk; `out`, when given, must not be an input, lie
/// inside an input directory, or hold an input, so no output can overwrite
/// an input.
pub fn discover(inputs: &[PathBuf], out: Option<&Path>) -> Result<Walk> {
    let out_abs = out.map(absolute).transpose()?;
    let single_dir = inputs.len() == 1 && inputs[0].is_dir();
    let mut roots: Vec<(PathBuf, String)> = Vec::new();
    for input in inputs {
        let meta =
            std::fs::metadata(input).with_context(|| format!("cannot read input `{}`", input.display()))?;
        let abs = absolute(input)?;
        if let Some(out_abs) = &out_abs {
            if *out_abs == abs {
                bail!("the output `{}` is also an input", out.unwrap().display());
            }
            if meta.is_dir() && out_abs.starts_with(&abs) {
                bail!(
                    "the output `{}` is inside the input directory `{}`: choose an output outside it",
                    out.unwrap().display(),
                    input.display()
                );
            }
            if abs.starts_with(out_abs) {
                bail!(
                    "the input `{}` is inside the output `{}`: outputs could overwrite inputs",
                    input.display(),
                    out.unwrap().display()
                );
            }
            // The same checks by device and inode: a bind mount (`mount
            // --bind in inb`) names one directory by two paths.
            if meta.is_dir() && within_by_id(out_abs, &abs) {
                bail!(
                    "the output `{}` is the input directory `{}`, or inside it, under another name: \
                     choose an output outside it",
                    out.unwrap().display(),
                    input.display()
                );
            }
            if within_by_id(&abs, out_abs) {
                bail!(
                    "the input `{}` is the output `{}`, or inside it, under another name: outputs could \
                     overwrite inputs",
                    input.display(),
                    out.unwrap().display()
                );
            }
        }
        // Named as given: a link keeps its own name, not its target's.
        let prefix = if single_dir {
            String::new()
        } else {
            input
                .file_name()
                .or(abs.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into())
        };
        if let Some((other, _)) = roots.iter().find(|(_, p)| !p.is_empty() && *p == prefix) {
            bail!(
                "inputs `{}` and `{}` have the same name `{prefix}` and would write to the same place",
                other.display(),
                input.display()
            );
        }
        roots.push((input.clone(), prefix));
    }
    Ok(Walk { roots: roots.into() })
}

fn join_rel(prefix: &str, rel: &Path) -> String {
    let mut s = prefix.to_string();
    for c in rel.components() {
        if let Component::Normal(part) = c {
            if !s.is_empty() {
                s.push('/');
            }
            s.push_str(&part.to_string_lossy());
        }
    }
    s
}

/// What one entry of a walk is to the run; `None` for a directory.
fn found(root: &Path, prefix: &str, entry: walkdir::Result<DirEntry>) -> Option<Found> {
    match entry {
        Ok(e) => {
            let rel = rel_of(root, prefix, e.path());
            if e.path_is_symlink() && e.depth() > 0 {
                Some(Found::Skipped { rel, reason: "symbolic link (not followed)".into() })
            } else if input_file(&e) {
                Some(Found::File(SourceFile { path: e.into_path(), rel }))
            } else if !walked_dir(&e) {
                Some(Found::Skipped { rel, reason: "not a regular file".into() })
            } else {
                None
            }
        }
        Err(err) => {
            let rel = err
                .path()
                .map(|p| join_rel(prefix, p.strip_prefix(root).unwrap_or(p)))
                .unwrap_or_else(|| prefix.to_string());
            let error = match (err.path(), err.io_error()) {
                (Some(p), Some(io)) => format!("cannot read `{}`: {io}", p.display()),
                _ => err.to_string(),
            };
            Some(Found::Failed { rel, error })
        }
    }
}

/// Refuse a file the run writes (`what`: "change log", "report", …) when it
/// is an input, lies inside an input directory, or is one of `others`. A
/// character device (`/dev/null`, a terminal) holds nothing to overwrite,
/// and several outputs may go there; a pipe may be an input.
/// `others` are what else the run writes, each with what it is (`output`,
/// `change log`); `-` is standard output.
pub fn refuse_overlap(what: &str, path: &Path, inputs: &[PathBuf], others: &[(&str, &Path)]) -> Result<()> {
    if path == Path::new("-") {
        // Standard output, which nothing else of the run may share.
        if let Some((other_what, _)) = others.iter().find(|(_, o)| *o == Path::new("-") || same_file(o, None))
        {
            bail!("the {what} `-` is standard output, where the {other_what} goes: name a file");
        }
        return refuse_stdout_input(inputs);
    }
    if is_char_device(path) {
        return Ok(());
    }
    if path.is_dir() {
        bail!("the {what} `{}` is a directory: name a file", path.display());
    }
    if crate::output::names_a_directory(path) {
        bail!("the {what} `{}` names a directory: name a file", path.display());
    }
    let abs = absolute(path)?;
    for input in inputs.iter().filter(|p| *p != Path::new("-")) {
        let input_abs = absolute(input)?;
        if abs == input_abs || (input.is_dir() && abs.starts_with(&input_abs)) {
            bail!(
                "the {what} `{}` would overwrite or sit inside the input `{}`",
                path.display(),
                input.display()
            );
        }
    }
    for &(other_what, other) in others {
        if other == Path::new("-") {
            if same_file(path, None) {
                bail!(
                    "the {what} `{}` is standard output, where the output goes: name a file",
                    path.display()
                );
            }
        } else if absolute(other)? == abs || same_file(path, Some(other)) {
            bail!("the {what} `{}` is also the {other_what} `{}`", path.display(), other.display());
        }
    }
    Ok(())
}

/// Refuse a run whose standard output, the output of `-o -`, is a file
/// that is one of the inputs or lies inside an input directory: the run
/// would write into what it reads (`descrape clean a.txt -o - >> a.txt`).
pub fn refuse_stdout_input(inputs: &[PathBuf]) -> Result<()> {
    for input in inputs.iter().filter(|p| *p != Path::new("-")) {
        let inside =
            input.is_dir() && stdout_path().is_some_and(|o| absolute(input).is_ok_and(|i| o.starts_with(i)));
        if inside || (!input.is_dir() && same_file(input, None) && !is_char_device(input)) {
            let is = if inside { "a file inside" } else { "also" };
            bail!(
                "standard output is {is} the input `{}`: the run would write into what it reads; name another file",
                input.display()
            );
        }
    }
    Ok(())
}

/// Refuse a run that reads standard input from a file it would also
/// write: `descrape clean - -o in.jsonl < in.jsonl` (or `--changes`,
/// `--report` on it, or `>> in.jsonl` under `-o -`) would replace or grow
/// the input as it reads it. `outputs` are the run's outputs, `-` for
/// standard output; an output directory must not hold standard input's
/// file either.
#[cfg(unix)]
pub fn refuse_stdin_overlap(outputs: &[(&str, &Path)]) -> Result<()> {
    use std::os::fd::AsFd;
    let Some(input) = descriptor_metadata(std::io::stdin().as_fd()).ok().filter(|m| m.is_file()) else {
        return Ok(());
    };
    let is_input = |m: std::io::Result<std::fs::Metadata>| m.is_ok_and(|m| same_id(&m, &input));
    let stdin_path = descriptor_path(0);
    for &(what, path) in outputs {
        let (same, name) = if path == Path::new("-") {
            (is_input(stdout_metadata()), "standard output".to_string())
        } else {
            let inside = path.is_dir()
                && stdin_path.as_ref().is_some_and(|i| absolute(path).is_ok_and(|d| i.starts_with(d)));
            (inside || is_input(std::fs::metadata(path)), format!("`{}`", path.display()))
        };
        if same {
            bail!(
                "{name}, where the {what} goes, is standard input's file: the run would write into what it reads; name another file"
            );
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn refuse_stdin_overlap(_: &[(&str, &Path)]) -> Result<()> {
    Ok(())
}

/// Where standard output leads, when it is a file and `/proc` tells.
fn stdout_path() -> Option<PathBuf> {
    stdout_metadata().ok().filter(|m| m.is_file())?;
    descriptor_path(1)
}

/// Where one of the run's descriptors leads, as `/proc` tells.
#[cfg(target_os = "linux")]
fn descriptor_path(fd: u8) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

#[cfg(not(target_os = "linux"))]
fn descriptor_path(_: u8) -> Option<PathBuf> {
    None
}

/// What one of the run's descriptors is: a file, a pipe, a device.
#[cfg(unix)]
fn descriptor_metadata(fd: std::os::fd::BorrowedFd) -> std::io::Result<std::fs::Metadata> {
    std::fs::File::from(fd.try_clone_to_owned()?).metadata()
}

/// What standard output is.
#[cfg(unix)]
fn stdout_metadata() -> std::io::Result<std::fs::Metadata> {
    use std::os::fd::AsFd;
    descriptor_metadata(std::io::stdout().as_fd())
}

/// Whether two files are one: the same device and inode.
#[cfg(unix)]
fn same_id(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Whether `path` leads to the same file, pipe or device as `other`
/// (standard output when `None`): another name or a hard link for it.
#[cfg(unix)]
fn same_file(path: &Path, other: Option<&Path>) -> bool {
    let other = match other {
        Some(p) => std::fs::metadata(p),
        None => stdout_metadata(),
    };
    match (std::fs::metadata(path), other) {
        (Ok(a), Ok(b)) => same_id(&a, &b),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: Option<&Path>) -> bool {
    false
}

#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(not(unix))]
fn is_char_device(_: &Path) -> bool {
    false
}

/// `path` made absolute and free of symlinks as far as it exists.
pub fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().context("cannot read the current directory")?.join(path)
    };
    // `..` taken by name would leave `typo/../in` unlike `in`, and the
    // checks that compare paths would let an output land on the inputs.
    let mut resolved = PathBuf::new();
    for part in abs.components() {
        match part {
            std::path::Component::ParentDir => {
                // As the kernel does: the parent of where a link leads; of
                // what does not exist (yet), the parent by name.
                if let Ok(real) = resolved.canonicalize() {
                    resolved = real;
                }
                resolved.pop();
            }
            std::path::Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    let abs = resolved;
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(abs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_parent_step_is_taken_as_the_kernel_takes_it() {
        let tmp = tempfile::TempDir::new().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("in/sub")).unwrap();
        std::os::unix::fs::symlink(root.join("in/sub"), root.join("link")).unwrap();
        let abs = |p: &str| absolute(&root.join(p)).unwrap();
        // Through a directory that does not exist yet.
        assert_eq!(abs("typo/../in"), root.join("in"));
        assert_eq!(abs("typo/deeper/../../in/./a.txt"), root.join("in/a.txt"));
        // Through a link: the parent of its target.
        assert_eq!(abs("link/../a.txt"), root.join("in/a.txt"));
        assert_eq!(abs("new/out"), root.join("new/out"));
    }

    #[cfg(unix)]
    #[test]
    fn a_null_device_may_take_several_outputs_and_a_pipe_or_a_file_may_not() {
        // A null device (character device 1:3) may be made only by root.
        let tmp = tempfile::TempDir::new().unwrap();
        let null = tmp.path().join("null");
        let made = std::process::Command::new("mknod").arg(&null).args(["c", "1", "3"]).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(
                refuse_overlap("report", &null, std::slice::from_ref(&null), &[("output", &null)]).is_ok()
            );
        }
        let fifo = tmp.path().join("log.fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let file = tmp.path().join("log.jsonl");
        std::fs::write(&file, "").unwrap();
        for path in [&fifo, &file] {
            let e = refuse_overlap("report", path, &[], &[("output", path)]).unwrap_err().to_string();
            assert!(e.contains("is also the output"), "{e}");
            let e = refuse_overlap("report", path, std::slice::from_ref(path), &[]).unwrap_err().to_string();
            assert!(e.contains("would overwrite"), "{e}");
        }
    }
}
