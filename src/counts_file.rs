//! The counts file (`suggest --save-counts`, `--counts`): the line counts
//! of a run saved as JSON, so a later run (or standard input, which cannot
//! be read twice) can use them.
//!
//! It owns the file's reading and writing only; what the counts mean and
//! how lines are keyed is `repeat.rs`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::repeat::Counts;

/// Write `counts` to `path` atomically.
pub fn save(counts: &Counts, path: &Path) -> Result<()> {
    let mut w = crate::output::AtomicWriter::create(path)
        .with_context(|| format!("cannot create counts file `{}`", path.display()))?;
    serde_json::to_writer(&mut w, counts)?;
    w.commit().with_context(|| format!("cannot write counts file `{}`", path.display()))
}

/// Read the counts saved at `path`.
pub fn load(path: &Path) -> Result<Counts> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read counts file `{}`", path.display()))?;
    let counts: Counts =
        serde_json::from_str(&text).with_context(|| format!("`{}` is not a counts file", path.display()))?;
    if counts.key_hash != crate::repeat::KEY_HASH {
        anyhow::bail!(
            "`{}` was saved by an older descrape whose counts differ; save the counts again with `descrape suggest --save-counts`",
            path.display()
        );
    }
    Ok(counts)
}
