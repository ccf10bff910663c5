//! What the extractor chose on each page during the counting pass, kept
//! for the cleaning pass, which would otherwise run the extractor (most of
//! a page's time) a second time on the same bytes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::extract::MainLines;

/// Memory the remembered choices may take; pages past it are extracted
/// again when cleaned, so a run of any size stays within it.
const CAP_BYTES: usize = 256 << 20;

/// The extractor's choices by page (a hash of its bytes and of the
/// options that shape the choice), each with the number of times the
/// counting pass saw that page. The cleaning pass takes one use at a time
/// and the last use frees it, so memory falls as the run goes.
#[derive(Default)]
pub struct PageMemo(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    choices: HashMap<u64, (Option<MainLines>, usize)>,
    bytes: usize,
}

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageMemo({} bytes)", self.lock().bytes)
    }
}

/// What a page's choice costs to keep, roughly.
fn size_of(choice: &Option<MainLines>) -> usize {
    64 + choice.as_ref().map_or(0, |m| m.keep.len() * 9 + 8 + m.choice.reason.len())
}

impl PageMemo {
    /// The key of a page's choice: its bytes and whether the fallback ran.
    pub(super) fn key(html: &str, fallback: bool) -> u64 {
        xxhash_rust::xxh3::xxh3_64_with_seed(html.as_bytes(), u64::from(fallback))
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn store(&self, key: u64, choice: &Option<MainLines>) {
        let mut kept = self.lock();
        // The same page again (copies in a scrape): one more use.
        if let Some((_, uses)) = kept.choices.get_mut(&key) {
            *uses += 1;
            return;
        }
        let size = size_of(choice);
        if kept.bytes + size <= CAP_BYTES {
            kept.bytes += size;
            kept.choices.insert(key, (choice.clone(), 1));
        }
    }

    pub(super) fn take(&self, key: u64) -> Option<Option<MainLines>> {
        let mut kept = self.lock();
        let (choice, uses) = kept.choices.get_mut(&key)?;
        if *uses > 1 {
            *uses -= 1;
            return Some(choice.clone());
        }
        let (choice, _) = kept.choices.remove(&key)?;
        kept.bytes -= size_of(&choice);
        Some(choice)
    }
}
