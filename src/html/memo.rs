//! What the extractor chose on each page during the counting pass, kept
//! for the cleaning pass, which would otherwise run the extractor (most of
//! a page's time) a second time on the same bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::extract::MainLines;

/// Memory the remembered choices may take; pages past it are extracted
/// again when cleaned, so a run of any size stays within it.
const CAP_BYTES: usize = 256 << 20;

/// The extractor's choices by page (a hash of its bytes and of the
/// options that shape the choice). Each is taken, not copied, by the
/// cleaning pass, so memory falls as the run goes.
#[derive(Default)]
pub struct PageMemo {
    choices: Mutex<HashMap<u64, Option<MainLines>>>,
    bytes: AtomicUsize,
}

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageMemo({} bytes)", self.bytes.load(Ordering::Relaxed))
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

    pub(super) fn store(&self, key: u64, choice: &Option<MainLines>) {
        let size = size_of(choice);
        if self.bytes.fetch_add(size, Ordering::Relaxed) + size > CAP_BYTES {
            self.bytes.fetch_sub(size, Ordering::Relaxed);
            return;
        }
        let old = self.choices.lock().unwrap_or_else(|e| e.into_inner()).insert(key, choice.clone());
        // The same page twice in a run: one entry.
        if let Some(old) = old {
            self.bytes.fetch_sub(size_of(&old), Ordering::Relaxed);
        }
    }

    pub(super) fn take(&self, key: u64) -> Option<Option<MainLines>> {
        let choice = self.choices.lock().unwrap_or_else(|e| e.into_inner()).remove(&key)?;
        self.bytes.fetch_sub(size_of(&choice), Ordering::Relaxed);
        Some(choice)
    }
}
