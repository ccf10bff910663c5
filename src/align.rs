//! In-order alignment of two word sequences with bounded work: which words
//! of each side the other holds at that place. Used to score against gold
//! (`eval`) and to map an extractor's main text back onto a page's lines.
//!
//! Myers diff is exact, and costs time in proportion to the lengths times
//! the number of differences. A stretch is aligned by it whenever that
//! product stays within [`WORK`] (the differences are counted first, by a
//! pass that gives up past the bound), which real documents do. A stretch
//! past it (a long line against a gold that differs from it throughout, a
//! page whose extracted text is not its own), and any page's words against
//! its extracted text (patience), is cut at the words that occur once on
//! each side, in order, and a gap still past the bound is aligned in
//! windows of matching shares of both sides. The result depends on the words alone,
//! never on the machine's speed. No I/O here.

use std::collections::HashMap;

use similar::{capture_diff_slices, Algorithm, DiffOp};

/// Steps of Myers diff (lengths times differences) a stretch may take.
pub const WORK: usize = 50_000_000;

/// The side of the windows a stretch with no anchors is cut into: within
/// [`WORK`] whatever the words.
const WINDOW: usize = 2000;

/// How the stretches within bounds are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Myers: the longest common subsequence.
    Myers,
    /// Patience: first the words that occur once on each side, paired in
    /// order, then Myers between them, so a repeated headline does not
    /// pair with the wrong copy.
    Patience,
}

/// Per word of `a` and per word of `b`, whether the alignment (a diff
/// from `a` to `b`) pairs it with a word of the other side.
pub fn matched(a: &[&str], b: &[&str], whole: Whole) -> (Vec<bool>, Vec<bool>) {
    let (mut in_a, mut in_b) = (vec![false; a.len()], vec![false; b.len()]);
    align((a, &mut in_a), (b, &mut in_b), Some(whole));
    (in_a, in_b)
}

type Side<'s, 'w> = (&'s [&'w str], &'s mut [bool]);

/// `whole` is `None` below the top, where no more anchors are looked for:
/// Myers within the bound, else windows.
fn align((a, fa): Side, (b, fb): Side, whole: Option<Whole>) {
    let myers_fits = || differences_within(a, b, WORK / (a.len() + b.len()).max(1)).is_some();
    if whole != Some(Whole::Patience) && myers_fits() {
        for op in capture_diff_slices(Algorithm::Myers, a, b) {
            if let DiffOp::Equal { old_index, new_index, len } = op {
                fa[old_index..old_index + len].iter_mut().for_each(|f| *f = true);
                fb[new_index..new_index + len].iter_mut().for_each(|f| *f = true);
            }
        }
        return;
    }
    let anchors = if whole.is_some() { unique_anchors(a, b) } else { Vec::new() };
    if anchors.is_empty() {
        if whole == Some(Whole::Patience) {
            return align((a, fa), (b, fb), None);
        }
        let n = a.len().max(b.len()).div_ceil(WINDOW);
        for k in 0..n {
            let (aw, bw) = (a.len() * k / n..a.len() * (k + 1) / n, b.len() * k / n..b.len() * (k + 1) / n);
            align((&a[aw.clone()], &mut fa[aw]), (&b[bw.clone()], &mut fb[bw]), None);
        }
        return;
    }
    let (mut ai, mut bi) = (0, 0);
    for (aa, ba) in anchors.into_iter().chain([(a.len(), b.len())]) {
        align((&a[ai..aa], &mut fa[ai..aa]), (&b[bi..ba], &mut fb[bi..ba]), None);
        if ba < b.len() {
            (fa[aa], fb[ba]) = (true, true);
        }
        (ai, bi) = (aa + 1, ba + 1);
    }
}

/// The number of words to insert and delete to turn `a` into `b`, if it is
/// at most `max` (Myers' greedy forward pass: time in proportion to the
/// lengths times `max`, memory to the lengths).
fn differences_within(a: &[&str], b: &[&str], max: usize) -> Option<usize> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = max.min(a.len() + b.len()) as isize;
    let offset = max + 1;
    // Furthest `a` position on each diagonal k = x - y.
    let mut v = vec![0isize; 2 * offset as usize + 1];
    for d in 0..=max {
        for k in (-d..=d).step_by(2) {
            let at = |k: isize| (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                (x, y) = (x + 1, y + 1);
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                return Some(d as usize);
            }
        }
    }
    None
}

/// The longest run, increasing on both sides, of pairs of positions of
/// words that occur exactly once in `a` and once in `b`.
fn unique_anchors(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    // Per word: count and last position in `a`, then in `b`.
    let mut seen: HashMap<&str, (usize, usize, usize, usize)> = HashMap::new();
    for (i, w) in a.iter().enumerate() {
        let e = seen.entry(w).or_default();
        (e.0, e.1) = (e.0 + 1, i);
    }
    for (i, w) in b.iter().enumerate() {
        if let Some(e) = seen.get_mut(w) {
            (e.2, e.3) = (e.2 + 1, i);
        }
    }
    let mut pairs: Vec<(usize, usize)> =
        seen.into_values().filter(|e| e.0 == 1 && e.2 == 1).map(|e| (e.1, e.3)).collect();
    pairs.sort_unstable();
    // Longest increasing run of `b` positions, by patience sorting.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; pairs.len()];
    for i in 0..pairs.len() {
        let at = tails.partition_point(|&t| pairs[t].1 < pairs[i].1);
        if at > 0 {
            prev[i] = tails[at - 1];
        }
        match tails.get_mut(at) {
            Some(t) => *t = i,
            None => tails.push(i),
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied().unwrap_or(usize::MAX);
    while at != usize::MAX {
        run.push(pairs[at]);
        at = prev[at];
    }
    run.reverse();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn short_sides_align_as_the_diff_does() {
        let (a, b) = (words("the cat sat"), words("so the big cat sat down"));
        for whole in [Whole::Myers, Whole::Patience] {
            let (in_a, in_b) = matched(&a, &b, whole);
            assert_eq!(in_a, [true; 3]);
            assert_eq!(in_b, [false, true, false, true, true, false]);
        }
    }

    #[test]
    fn long_sides_align_at_their_unique_words() {
        let all: Vec<String> = (0..6000).map(|i| format!("w{i}")).collect();
        let b: Vec<&str> = all.iter().map(String::as_str).collect();
        let a: Vec<&str> = b.iter().enumerate().filter(|(i, _)| i / 50 % 2 == 0).map(|(_, w)| *w).collect();
        let m = matched(&a, &b, Whole::Myers).1;
        assert!(m.iter().enumerate().all(|(i, &k)| k == (i / 50 % 2 == 0)));
    }

    #[test]
    fn long_sides_that_differ_little_align_as_myers_does() {
        // No word is unique and the sides are long, but few words differ.
        let text = "the cat sat on the mat ".repeat(1000);
        let a = words(&text);
        let mut b = a.clone();
        for at in (0..6).map(|k| k * 1000) {
            b.insert(at, "dog");
        }
        let (in_a, in_b) = matched(&a, &b, Whole::Myers);
        assert!(in_a.iter().all(|&k| k));
        assert_eq!(in_b.iter().filter(|&&k| !k).count(), 6);
        assert!(b.iter().zip(&in_b).all(|(w, &k)| k == (*w != "dog")));
    }

    #[test]
    fn long_sides_without_unique_words_align_in_windows() {
        // Myers would take time quadratic in the length here.
        let text = "a b ".repeat(6000);
        let b = words(&text);
        let a = vec!["a"; 6000];
        let (in_a, m) = matched(&a, &b, Whole::Patience);
        assert!(in_a.iter().all(|&k| k));
        assert!(m.iter().enumerate().all(|(i, &k)| k == (i % 2 == 0)));
    }

    #[test]
    fn differences_are_counted_up_to_the_bound() {
        let (a, b) = (words("a b c d e"), words("a x c d e f"));
        assert_eq!(differences_within(&a, &b, 10), Some(3));
        assert_eq!(differences_within(&a, &b, 2), None);
        assert_eq!(differences_within(&a, &a, 0), Some(0));
        assert_eq!(differences_within(&[], &b, 6), Some(6));
    }

    #[test]
    fn anchors_are_the_longest_run_in_order() {
        let (a, b) = (words("x1 x2 x3 x4 x5"), words("x2 x1 x3 x5 x4"));
        assert_eq!(unique_anchors(&a, &b).len(), 3);
    }
}
