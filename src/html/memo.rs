//! Pages rendered during the counting pass, kept for the cleaning pass,
//! which would otherwise parse, lay out and extract the same bytes again.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::Rendered;
use crate::rules::RuleSet;

/// Memory the kept renders may take; pages past it are rendered again
/// when cleaned, so a run of any size stays within it.
const CAP_BYTES: usize = 256 << 20;

/// Renders by page (a 128-bit hash of its bytes, and of its path when an
/// HTML rule is scoped), each with the number of times the counting pass
/// saw that page. The cleaning pass takes one use at a time and the last
/// use frees it, so memory falls as the run goes.
#[derive(Default)]
pub struct PageMemo(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    pages: HashMap<u128, (Stored, usize)>,
    bytes: usize,
}

/// A render with its regions' rules by id: the counting pass renders with
/// the HTML rules alone, whose indices are not the full set's.
#[derive(Clone)]
pub(super) struct Stored {
    page: Rendered,
    ids: Vec<String>,
}

impl Stored {
    pub(super) fn new(page: &Rendered, rules: &RuleSet) -> Stored {
        let ids = page.regions.iter().map(|r| rules.rules()[r.rule].id.clone()).collect();
        Stored { page: page.clone(), ids }
    }

    /// The render with its regions' rules as indices of `rules`; `None`
    /// when a rule is not there (the passes ran different rules).
    pub(super) fn into_rendered(self, rules: &RuleSet) -> Option<Rendered> {
        let Stored { mut page, ids } = self;
        for (region, id) in page.regions.iter_mut().zip(&ids) {
            region.rule = rules.rules().iter().position(|r| &r.id == id)?;
        }
        Some(page)
    }

    /// What it costs to keep, roughly.
    fn size(&self) -> usize {
        let regions: usize = self.page.regions.iter().map(|r| 48 + r.element.len()).sum();
        let ids: usize = self.ids.iter().map(|i| 24 + i.len()).sum();
        96 + self.page.text.len() + regions + ids + self.page.main.as_ref().map_or(0, |m| m.reason.len())
    }
}

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageMemo({} bytes)", self.lock().bytes)
    }
}

impl PageMemo {
    /// The key of a page's render: its bytes, seeded with `place` (its
    /// path when scoped HTML rules make the render depend on it).
    pub(super) fn key(html: &str, place: &str) -> u128 {
        let seed = xxhash_rust::xxh3::xxh3_64(place.as_bytes());
        xxhash_rust::xxh3::xxh3_128_with_seed(html.as_bytes(), seed)
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn store(&self, key: u128, make: impl FnOnce() -> Stored) {
        let mut kept = self.lock();
        // The same page again (copies in a scrape): one more use.
        if let Some((_, uses)) = kept.pages.get_mut(&key) {
            *uses += 1;
            return;
        }
        let stored = make();
        let size = stored.size();
        if kept.bytes + size <= CAP_BYTES {
            kept.bytes += size;
            kept.pages.insert(key, (stored, 1));
        }
    }

    pub(super) fn take(&self, key: u128) -> Option<Stored> {
        let mut kept = self.lock();
        let (stored, uses) = kept.pages.get_mut(&key)?;
        if *uses > 1 {
            *uses -= 1;
            return Some(stored.clone());
        }
        let (stored, _) = kept.pages.remove(&key)?;
        kept.bytes -= stored.size();
        Some(stored)
    }
}
