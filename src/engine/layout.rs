//! Layout: blank lines a removal would strand (at the start, the end, or
//! doubled between paragraphs) go to the nearest removal.

/// Give blank lines stranded by removals to the nearest removal: leading and
/// trailing blanks, and blanks beyond the widest gap the text had between
/// the two paragraphs a removal now joins.
pub(super) fn layout(blank: &[bool], owner: &mut [Option<usize>]) {
    let n = owner.len();
    let content = |i: usize, owner: &[Option<usize>]| owner[i].is_none() && !blank[i];
    // The closest removal reachable through blank or removed lines; the
    // earlier one on a tie.
    let nearest = |i: usize, owner: &[Option<usize>]| {
        let reach = |j: &usize| blank[*j] || owner[*j].is_some();
        let back = (0..i).rev().take_while(reach).find(|&j| owner[j].is_some());
        let fwd = (i + 1..n).take_while(reach).find(|&j| owner[j].is_some());
        match (back, fwd) {
            (Some(b), Some(f)) if f - i < i - b => owner[f],
            (Some(b), _) => owner[b],
            (None, Some(f)) => owner[f],
            (None, None) => None,
        }
    };
    let first = (0..n).find(|&i| content(i, owner));
    let last = (0..n).rev().find(|&i| content(i, owner));
    let (Some(first), Some(last)) = (first, last) else {
        // Nothing but blanks is left: remove it all if anything was removed.
        if let Some(o) = owner.iter().find_map(|o| *o) {
            owner.iter_mut().for_each(|x| *x = Some(x.unwrap_or(o)));
        }
        return;
    };
    if owner[..first].iter().any(Option::is_some) {
        for i in 0..first {
            if owner[i].is_none() {
                owner[i] = nearest(i, owner);
            }
        }
    }
    if owner[last + 1..].iter().any(Option::is_some) {
        for i in last + 1..n {
            if owner[i].is_none() {
                owner[i] = nearest(i, owner);
            }
        }
    }
    // Interior: between consecutive kept content lines a and b.
    let mut a = first;
    while a < last {
        let b = (a + 1..=last).find(|&i| content(i, owner)).expect("last is content");
        if (a + 1..b).any(|i| owner[i].is_some()) {
            let mut widest = 0;
            let mut run = 0;
            for &bl in &blank[a + 1..b] {
                run = if bl { run + 1 } else { 0 };
                widest = widest.max(run);
            }
            let kept: Vec<usize> = (a + 1..b).filter(|&i| owner[i].is_none()).collect();
            if kept.len() > widest {
                let last_removed = (a + 1..b).rev().find(|&i| owner[i].is_some()).expect("some removed");
                // Prefer blanks after the removal, nearest first, then before it.
                let mut order: Vec<usize> = kept.iter().copied().filter(|&i| i > last_removed).collect();
                order.extend(kept.iter().rev().copied().filter(|&i| i < last_removed));
                for &i in order.iter().take(kept.len() - widest) {
                    owner[i] = nearest(i, owner);
                }
            }
        }
        a = b;
    }
}
