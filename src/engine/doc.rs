//! The per-document view the engine's stages share: each line's content
//! as rules see it (normalised when normalisation is on), which lines are
//! blank, and where a line sits among the lines kept so far.
//!
//! It only answers questions about one document; it decides nothing.

use std::ops::Range;

use super::normalize::{self, Steps};
use crate::repeat::story_like;
use crate::rules::Place;
use crate::text::{apply, Edit, Line};

pub(super) fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Prefix counts of kept non-blank lines: `before[i]` is the count above
/// line `i`, the last entry the total.
pub(super) struct Kept {
    before: Vec<usize>,
}

impl Kept {
    pub(super) fn count(blank: &[bool], owner: &[Option<usize>]) -> Kept {
        let mut before = Vec::with_capacity(owner.len() + 1);
        let mut n = 0;
        for (b, o) in blank.iter().zip(owner) {
            before.push(n);
            n += usize::from(!b && o.is_none());
        }
        before.push(n);
        Kept { before }
    }

    /// Kept lines above `line`.
    pub(super) fn above(&self, line: usize) -> usize {
        self.before[line]
    }

    /// Kept lines below `line`.
    pub(super) fn below(&self, line: usize) -> usize {
        self.before[self.before.len() - 1] - self.before[line + 1]
    }
}

/// Per-document view the guards need.
pub(super) struct Doc<'a> {
    pub text: &'a str,
    pub lines: &'a [Line],
    /// With normalisation on: each line's content as normalised, and the
    /// edits that made it (relative to the line), which rules match against.
    views: Option<Vec<(String, Vec<Edit>)>>,
    pub blank: Vec<bool>,
    /// Non-blank lines counted on the input as it is.
    initial: Kept,
    /// [`Doc::reads_as_story`] per line, worked out on first use: block
    /// ends and the repetition stage ask about the same lines many times.
    story: std::cell::OnceCell<Vec<bool>>,
    /// The first line that reads as story text, for `where: body`.
    first_story: std::cell::OnceCell<Option<usize>>,
}

impl<'a> Doc<'a> {
    /// The view of `text` split into `lines`; rules see lines as
    /// normalisation will leave them, so cleaning the output again finds
    /// nothing new.
    pub(super) fn new(text: &'a str, lines: &'a [Line], steps: &Steps) -> Doc<'a> {
        let views = steps.edits_text().then(|| {
            lines
                .iter()
                .map(|l| {
                    let content = &text[l.start..l.content_end];
                    let mut edits = Vec::new();
                    normalize::line_part(steps, content, 0, true, &mut edits);
                    (apply(content, &edits), edits)
                })
                .collect::<Vec<_>>()
        });
        let mut doc = Doc {
            text,
            lines,
            views,
            blank: Vec::new(),
            initial: Kept { before: Vec::new() },
            story: std::cell::OnceCell::new(),
            first_story: std::cell::OnceCell::new(),
        };
        doc.blank = (0..lines.len()).map(|i| is_blank(doc.content(i))).collect();
        doc.initial = Kept::count(&doc.blank, &vec![None; lines.len()]);
        doc
    }

    /// Line `i` as rules see it: normalised when normalisation is on.
    pub(super) fn content(&self, i: usize) -> &str {
        match &self.views {
            Some(v) => &v[i].0,
            None => self.raw(i),
        }
    }

    /// Line `i` as it is in the input, without its line end.
    pub(super) fn raw(&self, i: usize) -> &'a str {
        let l = self.lines[i];
        &self.text[l.start..l.content_end]
    }

    /// Whether line `i` reads as story text (see [`story_like`]).
    pub(super) fn reads_as_story(&self, i: usize) -> bool {
        self.story.get_or_init(|| {
            (0..self.lines.len()).map(|j| !self.blank[j] && story_like(self.content(j))).collect()
        })[i]
    }

    /// The first line that reads as story text, if any.
    fn first_story(&self) -> Option<usize> {
        *self.first_story.get_or_init(|| (0..self.lines.len()).find(|&i| self.reads_as_story(i)))
    }

    /// Whether a line above line `i` reads as story text.
    pub(super) fn story_above(&self, i: usize) -> bool {
        self.first_story().is_some_and(|first| first < i)
    }

    /// Whether line `i` as it is in the input reads as story text; the
    /// same as [`Doc::reads_as_story`] unless normalisation is on.
    pub(super) fn raw_reads_as_story(&self, i: usize) -> bool {
        match self.views {
            None => self.reads_as_story(i),
            Some(_) => story_like(self.raw(i)),
        }
    }

    /// A byte range of [`Doc::content`] of line `i` as a range of the input.
    pub(super) fn to_input(&self, i: usize, range: Range<usize>) -> Range<usize> {
        let base = self.lines[i].start;
        match &self.views {
            None => base + range.start..base + range.end,
            Some(v) => {
                base + view_to_raw(&v[i].1, range.start, false)..base + view_to_raw(&v[i].1, range.end, true)
            }
        }
    }

    /// Whether `line` meets `place` on the input as it is.
    pub(super) fn placed(&self, place: Place, line: usize) -> bool {
        self.placed_after(place, line, &self.initial)
    }

    /// Non-blank lines not removed so far, counted before each line.
    pub(super) fn kept(&self, owner: &[Option<usize>]) -> Kept {
        Kept::count(&self.blank, owner)
    }

    /// `placed`, counting only the lines that are not removed.
    pub(super) fn placed_after(&self, place: Place, line: usize, kept: &Kept) -> bool {
        match place {
            Place::Anywhere => true,
            Place::Head(n) => kept.above(line) < n,
            Place::Tail(n) => kept.below(line) < n,
            // The input's lines: removals never move the story's first line.
            Place::Body => self.story_above(line),
        }
    }
}

/// A position in a normalised line back in the raw line; a position inside
/// a replacement goes to its start (`end` false) or its end.
fn view_to_raw(edits: &[Edit], pos: usize, end: bool) -> usize {
    let mut delta: isize = 0;
    for e in edits {
        let view_start = (e.range.start as isize + delta) as usize;
        let view_end = view_start + e.insert.len();
        if pos <= view_start {
            break;
        }
        if pos < view_end {
            return if end { e.range.end } else { e.range.start };
        }
        if pos == view_end {
            return e.range.end;
        }
        delta += e.insert.len() as isize - e.range.len() as isize;
    }
    (pos as isize - delta) as usize
}
