//! The trigger sets: which rules' patterns match a line, asked once per line.
//!
//! Patterns that can only match at the start of the line (`^…`) are searched
//! anchored, so a line that starts no rule is given up on after a few bytes
//! instead of scanned to its end; the others go in two unanchored sets. One
//! unanchored set over all patterns made the lazy DFA build states for every
//! combination of partial matches and ran at a third of the speed on real
//! dumps. For the same reason the few anchored patterns that can run on
//! across words (`^[^.!?]+ is not responsible for`, `^.*[.!] download our
//! app`) get a set of their own: mixed with the rest, every state they pass
//! through was built again for each combination with the others' states.
//! On the corpus dumps that halved the states built for the anchored
//! patterns and the time spent building them. And for the same reason the
//! unanchored patterns are halved: in one set, building its states was
//! the largest part of the third of a run's instructions on the corpus
//! dumps that went to building states, and two halves build a fifth
//! fewer in all. Each thread builds its own states, so at `-j2` the run
//! took 5.8% fewer instructions and 7% less time; on the bench's tree of
//! copies, where the automata are warm, the time is the same.
//!
//! A pattern with a Unicode word boundary (`\b` without `(?-u:…)`) goes
//! in a set of its own, searched unanchored: the lazy DFA gives up on such
//! a pattern at the first non-ASCII byte, and in a shared set that sent
//! every such line of every pattern to the PikeVM. One `\bsubscribe now\b`
//! added to the defaults took the 12 MB text tree from about 0.9 to 13 s
//! at `-j1`.
//!
//! A pattern whose every match starts with one of a few punctuation marks
//! (`[.!?]["”’)]?\s+Copyright …`, the notices glued after a sentence) is
//! searched anchored from each occurrence of them instead: most walks die
//! a few bytes past the mark. In the unanchored set each such pattern was
//! half-matched after every sentence's end, combined with every other
//! pattern's partial matches: seventeen default ones cost 12% of the
//! instructions of a run on the corpus dumps there, and walking the
//! default patterns that start so from their marks took 8% off the run.
//! Where text repeats, the automata are warm and the walks cost a little
//! more than riding along in the unanchored walk (1% on the bench's
//! tree of copies); a comma, as common as a full stop, is no mark.
//!
//! Each set is a forward lazy DFA over a Thompson NFA without capture
//! states: only whether and which patterns match is asked, never where,
//! so the reverse NFA and the captures a general regex compiles would be
//! start-up time for nothing. When the lazy DFA gives up (a Unicode word
//! boundary next to a non-ASCII byte, or its cache thrashing), the PikeVM
//! over the same NFA answers. Nothing here reads files.
//!
//! The four sets whose lazy DFA runs without giving up walk each line in
//! step, one byte of each per turn: each transition is a load that waits
//! on the one before, and walks that do not wait on each other fill the
//! time one spends waiting. The run-on anchored set and the unanchored sets
//! read most lines to the end; on the bench tree's lines they took 342 ms
//! one after the other and 175 ms in step (with three sets). The second
//! unanchored set walked in step with the others rather than searched on
//! its own took more instructions but less time. Which patterns matched
//! is asked of a set's own search only when its walk found one.

use regex_automata::hybrid::dfa::{self, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson::{self, pikevm, pikevm::PikeVM, WhichCaptures, NFA};
use regex_automata::util::pool::Pool;
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Anchored, Input, MatchKind, PatternSet, Span};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::Pattern;

/// The sets plus the rule index of each of their patterns.
#[derive(Debug)]
pub struct Triggers {
    /// Walked in step: the short anchored set, the run-on anchored set and
    /// the two halves of the unanchored patterns.
    walked: [Part; 4],
    /// Searched on its own: the patterns with a Unicode word boundary.
    words: Part,
    /// `None` when no pattern starts at a mark.
    led: Option<Led>,
}

#[derive(Debug)]
struct Part {
    engine: Option<Engine>,
    rules: Vec<usize>,
    anchored: bool,
}

/// The patterns that start at a punctuation mark (or the line's start),
/// searched anchored from each of them.
#[derive(Debug)]
struct Led {
    part: Part,
    /// Finds the first bytes of the marks (with SIMD where it can: a loop
    /// over every byte of every line cost more than the walks).
    marks: Prefilter,
    /// Whether a pattern can also start at the line's start.
    at_start: bool,
}

/// One set's automata, with a cache per thread that searches it.
struct Engine {
    dfa: Option<DFA>,
    vm: PikeVM,
    caches: Pool<Option<Caches>, fn() -> Option<Caches>>,
}

/// A thread's search state for one set, the set of patterns found kept
/// with it so that a line that triggers allocates nothing.
struct Caches {
    dfa: Option<dfa::Cache>,
    vm: pikevm::Cache,
    found: PatternSet,
}

impl Triggers {
    /// `patterns` pairs each rule index with its trigger regex.
    pub fn new<'a>(patterns: impl Iterator<Item = (usize, &'a Pattern)>) -> Result<Triggers, regex::Error> {
        let (mut short, mut long, mut floating, mut words) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut led, mut lead_bytes, mut led_at_start) = (Vec::new(), Vec::new(), false);
        for (rule, p) in patterns {
            let hir = p.hir();
            let anchored = starts_anchored(hir);
            let side = if unicode_word_boundary(hir) {
                &mut words
            } else if let Some(lead) = (!anchored).then(|| punctuation_lead(hir)).flatten() {
                lead_bytes.extend(lead.marks.iter().map(|m| [m.encode_utf8(&mut [0; 4]).as_bytes()[0]]));
                led_at_start |= lead.at_start;
                &mut led
            } else {
                match (anchored, runs_on(hir)) {
                    (false, _) => &mut floating,
                    (true, false) => &mut short,
                    (true, true) => &mut long,
                }
            };
            side.push((rule, hir));
        }
        lead_bytes.sort_unstable();
        lead_bytes.dedup();
        // First bytes, not whole characters: a `”` found by its first byte
        // starts a walk at every `’` too, which dies at once, but with the
        // marks' many first bytes shared the finder stays fast.
        let marks = Prefilter::new(MatchKind::LeftmostFirst, &lead_bytes);
        if marks.is_none() {
            // No finder for the marks (none, or a build without literal
            // search): the patterns are searched as written.
            floating.append(&mut led);
        }
        // The unanchored patterns in two sets: a set's automaton builds a
        // state for each combination of its patterns' partial matches that
        // the text reaches, so two halves build far fewer than the whole
        // (on new text a third of a run went to building states).
        let second_half = floating.split_off(floating.len().div_ceil(2));
        // The sets compile at once: start-up is spent here, before any
        // worker has something to do. The short anchored set (most
        // patterns) takes longer than the others together.
        let (short, others) = std::thread::scope(|s| {
            let others = s.spawn(|| {
                // Searched unanchored: a `^` in `words` still holds.
                let led =
                    marks.map(|marks| Ok(Led { part: Part::new(led, true)?, marks, at_start: led_at_start }));
                (
                    Part::new(long, true),
                    Part::new(floating, false),
                    Part::new(second_half, false),
                    Part::new(words, false),
                    led.transpose(),
                )
            });
            (Part::new(short, true), others.join().expect("compiling a pattern set does not panic"))
        });
        let (long, floating, second_half, words, led) = others;
        Ok(Triggers { walked: [short?, long?, floating?, second_half?], words: words?, led: led? })
    }

    /// Appends to `out` the rule indices whose trigger matches `line`, in
    /// rule order.
    pub fn matches_into(&self, line: &str, out: &mut Vec<usize>) {
        let start = out.len();
        let [short, long, floating, second_half] = &self.walked;
        Part::in_step_into([short, long, floating, second_half], line, out);
        // Apart: its DFA gives up at the first non-ASCII byte by a boundary.
        self.words.matches_into(line, out);
        if let Some(led) = &self.led {
            led.matches_into(line, out);
        }
        out[start..].sort_unstable();
    }

    /// [`Self::matches_into`] with every set searched on its own: what the
    /// walk in step must agree with.
    #[cfg(test)]
    fn matches_apart(&self, line: &str, out: &mut Vec<usize>) {
        let start = out.len();
        for part in self.walked.iter().chain([&self.words]) {
            part.matches_into(line, out);
        }
        if let Some(led) = &self.led {
            led.matches_into(line, out);
        }
        out[start..].sort_unstable();
    }
}

/// Where a walk of one set's lazy DFA over a line stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    On(LazyStateID),
    Matched,
    Failed,
    /// The DFA gave up (a cache cleared too often); the set's own search answers.
    GaveUp,
}

impl Walk {
    fn settle(next: Result<LazyStateID, impl Sized>) -> Walk {
        match next {
            Err(_) => Walk::GaveUp,
            Ok(sid) if sid.is_match() => Walk::Matched,
            Ok(sid) if sid.is_dead() => Walk::Failed,
            Ok(sid) if sid.is_quit() => Walk::GaveUp,
            Ok(sid) => Walk::On(sid),
        }
    }
}

/// One set's lazy DFA with this thread's cache, walked by hand.
struct Walker<'a> {
    dfa: &'a DFA,
    cache: &'a mut dfa::Cache,
}

impl Walker<'_> {
    fn start(&mut self, input: &Input) -> Walk {
        Walk::settle(self.dfa.start_state_forward(self.cache, input))
    }

    /// Walks on from `at` until the state is tagged or the line ends.
    fn run(&mut self, walk: Walk, bytes: &[u8], at: &mut usize) -> Walk {
        let Walk::On(mut sid) = walk else { return walk };
        while *at < bytes.len() {
            let next = self.dfa.next_state(self.cache, sid, bytes[*at]);
            *at += 1;
            match next {
                Ok(n) if !n.is_tagged() => sid = n,
                other => return Walk::settle(other),
            }
        }
        Walk::On(sid)
    }

    /// Whether a pattern matched, once the line is read; `None` when the
    /// DFA gave up.
    fn end(&mut self, walk: Walk) -> Option<bool> {
        match walk {
            Walk::On(sid) => self.dfa.next_eoi_state(self.cache, sid).ok().map(|sid| sid.is_match()),
            Walk::Matched => Some(true),
            Walk::Failed => Some(false),
            Walk::GaveUp => None,
        }
    }
}

/// Walks `a` and `b` over `bytes` from `at`, one byte of each per turn,
/// until either state is tagged or the line ends.
fn pair(
    a: &mut Walker,
    mut sa: LazyStateID,
    b: &mut Walker,
    mut sb: LazyStateID,
    bytes: &[u8],
    at: &mut usize,
) -> (Walk, Walk) {
    while *at < bytes.len() {
        let na = a.dfa.next_state(a.cache, sa, bytes[*at]);
        let nb = b.dfa.next_state(b.cache, sb, bytes[*at]);
        *at += 1;
        match (na, nb) {
            (Ok(na), Ok(nb)) if !na.is_tagged() && !nb.is_tagged() => (sa, sb) = (na, nb),
            (na, nb) => return (Walk::settle(na), Walk::settle(nb)),
        }
    }
    (Walk::On(sa), Walk::On(sb))
}

/// Walks `a`, `b` and `c` over `bytes` from `at`, one byte of each per
/// turn, until any state is tagged or the line ends.
fn triple(
    [a, b, c]: [&mut Walker; 3],
    [mut sa, mut sb, mut sc]: [LazyStateID; 3],
    bytes: &[u8],
    at: &mut usize,
) -> [Walk; 3] {
    while *at < bytes.len() {
        let na = a.dfa.next_state(a.cache, sa, bytes[*at]);
        let nb = b.dfa.next_state(b.cache, sb, bytes[*at]);
        let nc = c.dfa.next_state(c.cache, sc, bytes[*at]);
        *at += 1;
        match (na, nb, nc) {
            (Ok(na), Ok(nb), Ok(nc)) if !na.is_tagged() && !nb.is_tagged() && !nc.is_tagged() => {
                (sa, sb, sc) = (na, nb, nc)
            }
            (na, nb, nc) => return [Walk::settle(na), Walk::settle(nb), Walk::settle(nc)],
        }
    }
    [Walk::On(sa), Walk::On(sb), Walk::On(sc)]
}

/// Walks four sets over `bytes` from `at`, one byte of each per turn,
/// until any state is tagged or the line ends.
fn quad(
    [a, b, c, d]: [&mut Walker; 4],
    [mut sa, mut sb, mut sc, mut sd]: [LazyStateID; 4],
    bytes: &[u8],
    at: &mut usize,
) -> [Walk; 4] {
    while *at < bytes.len() {
        let na = a.dfa.next_state(a.cache, sa, bytes[*at]);
        let nb = b.dfa.next_state(b.cache, sb, bytes[*at]);
        let nc = c.dfa.next_state(c.cache, sc, bytes[*at]);
        let nd = d.dfa.next_state(d.cache, sd, bytes[*at]);
        *at += 1;
        match (na, nb, nc, nd) {
            (Ok(na), Ok(nb), Ok(nc), Ok(nd))
                if !na.is_tagged() && !nb.is_tagged() && !nc.is_tagged() && !nd.is_tagged() =>
            {
                (sa, sb, sc, sd) = (na, nb, nc, nd)
            }
            (na, nb, nc, nd) => {
                return [Walk::settle(na), Walk::settle(nb), Walk::settle(nc), Walk::settle(nd)]
            }
        }
    }
    [Walk::On(sa), Walk::On(sb), Walk::On(sc), Walk::On(sd)]
}

/// Whether any pattern of each set matches `line`, the sets walked in
/// step from `at` (their walks so far in `walks`); `None` for a set
/// without a walker (no lazy DFA, an empty set too) or whose DFA gave
/// up.
fn in_step(
    walkers: [&mut Option<Walker>; 3],
    mut walks: [Walk; 3],
    bytes: &[u8],
    mut at: usize,
) -> [Option<bool>; 3] {
    let [w0, w1, w2] = walkers;
    while at < bytes.len() {
        walks = match walks {
            [Walk::On(s0), Walk::On(s1), Walk::On(s2)] => {
                triple([on(w0), on(w1), on(w2)], [s0, s1, s2], bytes, &mut at)
            }
            [Walk::On(s0), Walk::On(s1), w] => {
                let (a, b) = pair(on(w0), s0, on(w1), s1, bytes, &mut at);
                [a, b, w]
            }
            [Walk::On(s0), w, Walk::On(s2)] => {
                let (a, c) = pair(on(w0), s0, on(w2), s2, bytes, &mut at);
                [a, w, c]
            }
            [w, Walk::On(s1), Walk::On(s2)] => {
                let (b, c) = pair(on(w1), s1, on(w2), s2, bytes, &mut at);
                [w, b, c]
            }
            [w @ Walk::On(_), v, u] => [on(w0).run(w, bytes, &mut at), v, u],
            [v, w @ Walk::On(_), u] => [v, on(w1).run(w, bytes, &mut at), u],
            [v, u, w @ Walk::On(_)] => [v, u, on(w2).run(w, bytes, &mut at)],
            _ => break,
        };
    }
    let mut found = [None; 3];
    for ((f, w), walk) in found.iter_mut().zip([w0, w1, w2]).zip(walks) {
        *f = w.as_mut().and_then(|w| w.end(walk));
    }
    found
}

/// [`in_step`] for four sets: the four walk in step until one settles or
/// the line ends, then the other three go on as three.
fn in_step4(walkers: &mut [Option<Walker>; 4], walks: [Walk; 4], bytes: &[u8]) -> [Option<bool>; 4] {
    let [w0, w1, w2, w3] = walkers;
    let (mut walks, mut at) = (walks, 0);
    // The four walk until one settles (a match, a dead or a quit state)
    // or the line ends.
    while at < bytes.len() {
        let [Walk::On(s0), Walk::On(s1), Walk::On(s2), Walk::On(s3)] = walks else { break };
        walks = quad([on(w0), on(w1), on(w2), on(w3)], [s0, s1, s2, s3], bytes, &mut at);
    }
    // One that no longer walks (or, all four at the line's end, the last)
    // is answered now; the three others go on.
    let settled = walks.iter().position(|w| !matches!(w, Walk::On(_))).unwrap_or(3);
    let mut found = [None; 4];
    let (one, three, others) = match settled {
        0 => (w0, [w1, w2, w3], [1, 2, 3]),
        1 => (w1, [w0, w2, w3], [0, 2, 3]),
        2 => (w2, [w0, w1, w3], [0, 1, 3]),
        _ => (w3, [w0, w1, w2], [0, 1, 2]),
    };
    found[settled] = one.as_mut().and_then(|w| w.end(walks[settled]));
    let rest = in_step(three, others.map(|i| walks[i]), bytes, at);
    for (i, f) in others.into_iter().zip(rest) {
        found[i] = f;
    }
    found
}

/// The walker of a set whose walk is on: only a set with a lazy DFA starts one.
fn on<'w, 'a>(w: &'w mut Option<Walker<'a>>) -> &'w mut Walker<'a> {
    w.as_mut().expect("a walk is on only with its DFA")
}

impl Part {
    fn new(patterns: Vec<(usize, &Hir)>, anchored: bool) -> Result<Part, regex::Error> {
        let rules = patterns.iter().map(|(r, _)| *r).collect();
        if patterns.is_empty() {
            return Ok(Part { engine: None, rules, anchored });
        }
        let hirs: Vec<&Hir> = patterns.iter().map(|(_, h)| *h).collect();
        let syntax = |e: &dyn std::fmt::Display| regex::Error::Syntax(e.to_string());
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    // Many Unicode-aware patterns in one set exceed the
                    // default limit.
                    .nfa_size_limit(Some(Pattern::SIZE_LIMIT)),
            )
            .build_many_from_hir(&hirs)
            .map_err(|e| syntax(&e))?;
        let vm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa.clone())
            .map_err(|e| syntax(&e))?;
        Ok(Part { engine: Some(Engine::new(lazy_dfa(nfa), vm)), rules, anchored })
    }

    fn input<'h>(&self, line: &'h str) -> Input<'h> {
        Input::new(line).anchored(if self.anchored { Anchored::Yes } else { Anchored::No })
    }

    /// Searches `line` with `parts` walking it in step; which patterns
    /// matched is asked only of a set that found one.
    fn in_step_into(parts: [&Part; 4], line: &str, out: &mut Vec<usize>) {
        let found = {
            let mut guards = parts.map(|p| p.engine.as_ref().map(|e| (e, e.caches.get())));
            let mut walkers = guards.each_mut().map(|g| {
                let (engine, guard) = g.as_mut()?;
                let caches = guard.get_or_insert_with(|| engine.new_caches());
                Some(Walker { dfa: engine.dfa.as_ref()?, cache: caches.dfa.as_mut()? })
            });
            let mut starts = [Walk::GaveUp; 4];
            for ((start, walker), part) in starts.iter_mut().zip(&mut walkers).zip(parts) {
                if let Some(w) = walker {
                    // Tracked so that the DFA's measure of bytes searched
                    // per state, which decides when a thrashing cache gives
                    // up, counts these walks.
                    w.cache.search_start(0);
                    *start = w.start(&part.input(line));
                }
            }
            let found = in_step4(&mut walkers, starts, line.as_bytes());
            for w in walkers.iter_mut().flatten() {
                w.cache.search_finish(line.len());
            }
            found
        };
        for (part, found) in parts.into_iter().zip(found) {
            match found {
                Some(false) => {}
                Some(true) => part.search_into(line, false, out),
                None => part.search_into(line, true, out),
            }
        }
    }

    fn matches_into(&self, line: &str, out: &mut Vec<usize>) {
        self.search_into(line, true, out);
    }

    /// The patterns that match `line`; `check_first` asks the lazy DFA
    /// whether any does before asking which (a walk in step has asked).
    fn search_into(&self, line: &str, check_first: bool, out: &mut Vec<usize>) {
        let Some(engine) = &self.engine else { return };
        let input = self.input(line);
        let mut caches = engine.caches.get();
        let Caches { dfa: dfa_cache, vm: vm_cache, found } =
            caches.get_or_insert_with(|| engine.new_caches());
        found.clear();
        let dfa_answered = match (&engine.dfa, dfa_cache) {
            (Some(dfa), Some(cache)) => {
                match check_first.then(|| dfa.try_search_fwd(cache, &input.clone().earliest(true))) {
                    Some(Ok(None)) => return,
                    Some(Err(_)) => false,
                    Some(Ok(Some(_))) | None => {
                        dfa.try_which_overlapping_matches(cache, &input, found).is_ok()
                    }
                }
            }
            _ => false,
        };
        if !dfa_answered {
            found.clear();
            engine.vm.which_overlapping_matches(vm_cache, &input, found);
        }
        out.extend(found.iter().map(|p| self.rules[p.as_usize()]));
    }
}

impl Led {
    /// The patterns that match `line`: an anchored walk from each mark
    /// (and from the line's start when a pattern can start there). Walks
    /// that run on past the marks after theirs could make a line of many
    /// marks quadratic, so past a budget of four bytes walked per byte of
    /// the line (and when the DFA gives up) one unanchored PikeVM search
    /// over the same patterns answers.
    fn matches_into(&self, line: &str, out: &mut Vec<usize>) {
        let Some(engine) = &self.part.engine else { return };
        let bytes = line.as_bytes();
        let mut guard = engine.caches.get();
        let Caches { dfa: dfa_cache, vm: vm_cache, found } = guard.get_or_insert_with(|| engine.new_caches());
        found.clear();
        let walked = match (&engine.dfa, dfa_cache) {
            (Some(dfa), Some(cache)) => {
                let mut budget = 4 * bytes.len() + 64;
                self.starts(bytes).all(|at| {
                    let input = Input::new(line).span(at..bytes.len()).anchored(Anchored::Yes);
                    let mut walker = Walker { dfa, cache };
                    walker.cache.search_start(at);
                    let mut end = at;
                    let start = walker.start(&input);
                    let walk = walker.run(start, bytes, &mut end);
                    let matched = walker.end(walk);
                    walker.cache.search_finish(end);
                    budget = budget.saturating_sub(end - at);
                    budget > 0
                        && match matched {
                            Some(false) => true,
                            Some(true) => dfa.try_which_overlapping_matches(cache, &input, found).is_ok(),
                            None => false,
                        }
                })
            }
            _ => false,
        };
        if !walked {
            found.clear();
            engine.vm.which_overlapping_matches(vm_cache, &Input::new(line), found);
        }
        out.extend(found.iter().map(|p| self.part.rules[p.as_usize()]));
    }

    /// Where the walks over `bytes` start: the line's start when a pattern
    /// can start there, then each mark.
    fn starts<'a>(&'a self, bytes: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let mut next = self.at_start.then_some(0);
        let mut from = usize::from(self.at_start);
        std::iter::from_fn(move || {
            let at = match next.take() {
                Some(at) => at,
                None if from < bytes.len() => self.marks.find(bytes, Span::from(from..bytes.len()))?.start,
                None => return None,
            };
            from = at + 1;
            Some(at)
        })
    }
}

/// The lazy DFA of a set, configured as `regex`'s own; `None` when the
/// cache cannot hold even a few states (then the PikeVM answers alone).
fn lazy_dfa(nfa: NFA) -> Option<DFA> {
    let config = DFA::config()
        .match_kind(MatchKind::All)
        .unicode_word_boundary(true)
        .cache_capacity(64 << 20)
        .minimum_cache_clear_count(Some(3))
        .minimum_bytes_per_state(Some(10));
    DFA::builder().configure(config).build_from_nfa(nfa).ok()
}

impl Engine {
    fn new(dfa: Option<DFA>, vm: PikeVM) -> Engine {
        Engine { dfa, vm, caches: Pool::new(|| None) }
    }

    fn new_caches(&self) -> Caches {
        Caches {
            dfa: self.dfa.as_ref().map(DFA::create_cache),
            vm: self.vm.create_cache(),
            found: PatternSet::new(self.vm.get_nfa().pattern_len()),
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("patterns", &self.vm.get_nfa().pattern_len()).finish_non_exhaustive()
    }
}

/// Whether `hir` holds a Unicode word boundary, which the lazy DFA gives
/// up on next to a non-ASCII byte.
pub(crate) fn unicode_word_boundary(hir: &Hir) -> bool {
    hir.properties().look_set().contains_word_unicode()
}

/// The marks a pattern's matches start at, and whether they can also
/// start at the line's start.
#[derive(Debug, PartialEq, Eq)]
struct Marks {
    marks: Vec<char>,
    at_start: bool,
}

/// Where every match of `hir` can start, when that is at one of a few
/// punctuation marks (`[.!?]`, `\?`, `\(`), which most text is not made
/// of, or at the line's start (`(?:^|[.!?]\s+)Photo:`).
fn punctuation_lead(hir: &Hir) -> Option<Marks> {
    fn first(h: &Hir, at_start: &mut bool) -> Option<Vec<char>> {
        let few = |n: usize| n <= 8;
        match h.kind() {
            HirKind::Look(Look::Start) => {
                *at_start = true;
                Some(Vec::new())
            }
            HirKind::Literal(l) => Some(vec![std::str::from_utf8(&l.0).ok()?.chars().next()?]),
            HirKind::Class(Class::Unicode(c)) => few(c.ranges().iter().map(|r| r.len()).sum())
                .then(|| c.iter().flat_map(|r| r.start()..=r.end()).collect()),
            HirKind::Class(Class::Bytes(c)) => (few(c.ranges().iter().map(|r| r.len()).sum())
                && c.is_ascii())
            .then(|| c.iter().flat_map(|r| r.start()..=r.end()).map(char::from).collect()),
            HirKind::Capture(c) => first(&c.sub, at_start),
            HirKind::Repetition(r) if r.min > 0 => first(&r.sub, at_start),
            HirKind::Concat(items) => first(items.first()?, at_start),
            HirKind::Alternation(branches) => branches.iter().try_fold(Vec::new(), |mut all, b| {
                all.extend(first(b, at_start)?);
                Some(all)
            }),
            _ => None,
        }
    }
    let mut at_start = false;
    let mut marks = first(hir, &mut at_start)?;
    marks.sort_unstable();
    marks.dedup();
    // A comma is as common as a full stop: a walk from every one cost more
    // than the pattern did in the unanchored set.
    let punctuation = |c: &char| !c.is_alphanumeric() && !c.is_whitespace() && *c != ',';
    (!marks.is_empty() && marks.len() <= 12 && marks.iter().all(punctuation))
        .then_some(Marks { marks, at_start })
}

/// Whether every match of `hir` must start at the start of the text.
fn starts_anchored(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

/// Whether an anchored pattern can keep a line alive past its first word
/// on ordinary text: a repetition of eight or more that takes spaces and
/// letters (`[^.!?]+`, `.*`, `\S.{8,}`) before anything selective (a
/// literal, a narrow class).
fn runs_on(hir: &Hir) -> bool {
    lead(hir) == Lead::RunsOn
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// Matches empty text or one character of most text: what follows decides.
    Open,
    /// Fails on most text within a character or two.
    Selective,
    /// Carries on across words.
    RunsOn,
}

fn lead(hir: &Hir) -> Lead {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Lead::Open,
        HirKind::Literal(_) => Lead::Selective,
        HirKind::Class(c) => {
            if broad(c) {
                Lead::Open
            } else {
                Lead::Selective
            }
        }
        HirKind::Capture(c) => lead(&c.sub),
        HirKind::Repetition(r) => {
            let inner = lead(&r.sub);
            if r.max.is_none_or(|m| m >= 8) && inner == Lead::Open && spans_words(&r.sub) {
                return Lead::RunsOn;
            }
            match inner {
                Lead::RunsOn => Lead::RunsOn,
                _ if r.min == 0 => Lead::Open,
                _ => inner,
            }
        }
        HirKind::Concat(items) => {
            for item in items {
                match lead(item) {
                    Lead::Open => continue,
                    other => return other,
                }
            }
            Lead::Open
        }
        HirKind::Alternation(branches) => {
            let leads: Vec<Lead> = branches.iter().map(lead).collect();
            if leads.contains(&Lead::RunsOn) {
                Lead::RunsOn
            } else if leads.iter().all(|l| *l == Lead::Selective) {
                Lead::Selective
            } else {
                Lead::Open
            }
        }
    }
}

/// A class most characters of text fall in: letters, and many of them.
fn broad(class: &Class) -> bool {
    let count: usize = match class {
        Class::Unicode(c) => c.ranges().iter().map(|r| r.end() as usize - r.start() as usize + 1).sum(),
        Class::Bytes(c) => c.ranges().iter().map(|r| usize::from(r.end()) - usize::from(r.start()) + 1).sum(),
    };
    count > 30 && (takes(class, 'e') || takes(class, 'E'))
}

fn takes(class: &Class, ch: char) -> bool {
    match class {
        Class::Unicode(c) => c.ranges().iter().any(|r| r.start() <= ch && ch <= r.end()),
        Class::Bytes(c) => {
            u8::try_from(ch).is_ok_and(|b| c.ranges().iter().any(|r| r.start() <= b && b <= r.end()))
        }
    }
}

/// Whether `hir` holds both a class or literal that takes a space and one
/// that takes a letter, so that repeating it crosses words.
fn spans_words(hir: &Hir) -> bool {
    fn holds(hir: &Hir, ch: char) -> bool {
        match hir.kind() {
            HirKind::Literal(l) => u8::try_from(ch).is_ok_and(|b| l.0.contains(&b)),
            HirKind::Class(c) => takes(c, ch),
            HirKind::Empty | HirKind::Look(_) => false,
            HirKind::Capture(c) => holds(&c.sub, ch),
            HirKind::Repetition(r) => holds(&r.sub, ch),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| holds(h, ch)),
        }
    }
    holds(hir, ' ') && holds(hir, 'e')
}

/// Counted repeats of eight or more (`{2,30}`, `{0,8}`) of a large Unicode
/// class (`\p{L}`, `\w`), as in `\p{Lu}[\p{L}-]{1,40}`: the compiler makes
/// a copy of the class's UTF-8 automaton per count, so each costs start-up
/// time and automaton states that `+` or `*` under the rule's `max_words`
/// do not. Five such patterns cost 120 M instructions of start-up.
pub(crate) fn counted_unicode_repeats(hir: &Hir) -> Vec<String> {
    fn large(h: &Hir) -> bool {
        match h.kind() {
            HirKind::Class(Class::Unicode(c)) => {
                c.ranges().len() > 24 && c.ranges().iter().any(|r| u32::from(r.end()) > 0x7F)
            }
            HirKind::Capture(c) => large(&c.sub),
            HirKind::Repetition(r) => large(&r.sub),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(large),
            _ => false,
        }
    }
    fn walk(h: &Hir, out: &mut Vec<String>) {
        match h.kind() {
            HirKind::Repetition(r) => {
                if r.max.unwrap_or(r.min) >= 8 && large(&r.sub) {
                    out.push(match r.max {
                        Some(max) if max == r.min => format!("{{{max}}}"),
                        Some(max) => format!("{{{},{max}}}", r.min),
                        None => format!("{{{},}}", r.min),
                    });
                } else {
                    walk(&r.sub, out);
                }
            }
            HirKind::Capture(c) => walk(&c.sub, out),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(hir, &mut out);
    out
}

/// The branches of an unanchored pattern that can begin inside a word: a
/// letter with no word boundary (or line start) before it. Each such
/// branch is half-matched at every word that contains its first letters,
/// and the trigger set builds states for those partial matches combined
/// with every other pattern's; on the corpus dumps, bounding the default
/// rules' such branches took a fifth off the instructions of a run.
pub(crate) fn mid_word_starts(hir: &Hir) -> Vec<String> {
    fn walk<'h>(h: &'h Hir, bounded: bool, out: &mut Vec<&'h Hir>) {
        match h.kind() {
            HirKind::Alternation(branches) => branches.iter().for_each(|b| walk(b, bounded, out)),
            HirKind::Capture(c) => walk(&c.sub, bounded, out),
            HirKind::Concat(items) => {
                let mut bounded = bounded;
                for item in items {
                    match item.kind() {
                        HirKind::Look(look) => bounded |= is_boundary(*look),
                        _ => return walk(item, bounded, out),
                    }
                }
            }
            HirKind::Literal(_) | HirKind::Class(_) if !bounded => out.push(h),
            _ => {}
        }
    }
    let mut starts = Vec::new();
    if !starts_anchored(hir) {
        walk(hir, false, &mut starts);
    }
    starts.into_iter().filter(|h| begins_with_letter(h)).map(|h| h.to_string()).collect()
}

fn is_boundary(look: Look) -> bool {
    use Look::*;
    matches!(
        look,
        Start
            | StartLF
            | StartCRLF
            | WordAscii
            | WordUnicode
            | WordStartAscii
            | WordStartUnicode
            | WordStartHalfAscii
            | WordStartHalfUnicode
    )
}

/// Whether every first character of `h` is a letter, one of them ASCII
/// (a case-insensitive letter's class holds its non-ASCII folds).
fn begins_with_letter(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Literal(lit) => lit.0.first().is_some_and(u8::is_ascii_alphabetic),
        HirKind::Class(Class::Unicode(c)) => {
            c.ranges().iter().all(|r| (r.start()..=r.end()).all(char::is_alphabetic))
                && c.ranges().iter().any(|r| r.start().is_ascii_alphabetic())
        }
        HirKind::Class(Class::Bytes(c)) => {
            c.ranges().iter().all(|r| (r.start()..=r.end()).all(|b| b.is_ascii_alphabetic()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(patterns: &[&str]) -> Triggers {
        let ps: Vec<Pattern> = patterns.iter().map(|p| Pattern::new(p).unwrap()).collect();
        Triggers::new(ps.iter().enumerate()).unwrap()
    }

    fn anchored(pattern: &str) -> bool {
        starts_anchored(Pattern::new(pattern).unwrap().hir())
    }

    fn matches(t: &Triggers, line: &str) -> Vec<usize> {
        let mut out = Vec::new();
        t.matches_into(line, &mut out);
        out
    }

    #[test]
    fn anchoring_is_read_from_the_pattern() {
        assert!(anchored(r"^\s*Photo:"));
        assert!(anchored(r"(?xi)^ \s* (?: a | b )"));
        assert!(anchored(r"^a|^b"));
        assert!(!anchored(r"^a|b"));
        assert!(!anchored(r"(?:^|\s)Reuters"));
        assert!(!anchored(r"(?m)^a"));
    }

    fn runs_on_words(pattern: &str) -> bool {
        runs_on(Pattern::new(pattern).unwrap().hir())
    }

    #[test]
    fn patterns_that_run_on_across_words_are_told_apart() {
        assert!(runs_on_words(r"^\s*[^.!?]+ (?:is|are) not responsible"));
        assert!(runs_on_words(r"(?i)^(?:get it on google play|.*[.!]\s+download our app)"));
        assert!(runs_on_words(r"^\s*(?:[-•*]\s+)?\S.{8,}\s[-|]\s+\d{4}$"));
        assert!(runs_on_words(r"^\s*\p{Lu}[^.!?:;]*\s\p{Lu}[^.!?]*$"));
        // A literal or a narrow class decides within a word or two.
        assert!(!runs_on_words(r"^\s*Photo:.*"));
        assert!(!runs_on_words(r"(?i)^\s*(?:(?:facebook|twitter|share)\s*[|,]?\s*){2,}$"));
        assert!(!runs_on_words(r"^\s*\p{Lu}[\p{L}'-]*(?:\s[\p{L}'-]+){0,3}\s*$"));
        assert!(!runs_on_words(r"^\S+ \d+%"));
    }

    /// Lines of many shapes: the samples' and fixtures' lines, and their
    /// pieces, with non-ASCII text and the odd byte-level edge.
    fn varied_lines() -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["samples/raw", "tests/fixtures/holdout/raw", "tests/fixtures/hard/raw"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read(entry.unwrap().path()).unwrap();
                lines.extend(String::from_utf8_lossy(&text).lines().map(str::to_string));
            }
        }
        let pieces: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                let cut = l.char_indices().map(|(i, _)| i).nth(l.chars().count() / 2).unwrap_or(0);
                [l[..cut].to_string(), l[cut..].to_string(), format!("{l} {l}")]
            })
            .collect();
        lines.extend(pieces);
        lines.extend(
            ["", " ", "Photo: AFP", "© 2024 Reuters", "Zürich café — Фото: ТАСС", "\u{0}x"].map(String::from),
        );
        lines
    }

    #[test]
    fn walking_sets_in_step_finds_what_each_finds_alone() {
        let (_, t) = default_triggers();
        let (mut apart, mut together) = (Vec::new(), Vec::new());
        let mut matched = 0;
        for line in varied_lines() {
            apart.clear();
            together.clear();
            t.matches_apart(&line, &mut apart);
            t.matches_into(&line, &mut together);
            assert_eq!(together, apart, "{line:?}");
            matched += usize::from(!apart.is_empty());
        }
        assert!(matched > 100, "too few lines matched for the test to say much: {matched}");
    }

    proptest::proptest! {
        #[test]
        fn lines_of_trigger_words_match_alike_in_step_and_apart(
            line in "(Photo|AFP|Reuters|©|Share|Follow us on|Telegram|Getty Images|All rights reserved|Read more|[a-zA-Zé ]|[.:|/()—]|\\d){0,24}",
        ) {
            let (_, t) = default_triggers();
            let (mut apart, mut together) = (Vec::new(), Vec::new());
            t.matches_apart(&line, &mut apart);
            t.matches_into(&line, &mut together);
            proptest::prop_assert_eq!(together, apart);
        }
    }

    /// Each default rule's trigger asked alone, by the `regex` crate.
    fn each_alone(rules: &crate::rules::RuleSet, line: &str) -> Vec<usize> {
        let triggers = rules.rules().iter().enumerate().filter_map(|(i, r)| Some((i, r.kind.trigger()?)));
        triggers.filter(|(_, p)| p.regex().is_match(line)).map(|(i, _)| i).collect()
    }

    fn default_triggers() -> &'static (crate::rules::RuleSet, Triggers) {
        static SET: std::sync::OnceLock<(crate::rules::RuleSet, Triggers)> = std::sync::OnceLock::new();
        SET.get_or_init(|| {
            let rules = crate::rules::load_paths(&[], true).unwrap();
            let t = Triggers::new(
                rules.rules().iter().enumerate().filter_map(|(i, r)| Some((i, r.kind.trigger()?))),
            )
            .unwrap();
            (rules, t)
        })
    }

    #[test]
    fn the_sets_find_what_each_pattern_finds_alone() {
        let (rules, t) = default_triggers();
        for line in varied_lines() {
            assert_eq!(matches(t, &line), each_alone(rules, &line), "{line:?}");
        }
    }

    #[test]
    fn patterns_led_by_punctuation_are_searched_from_their_marks() {
        let (rules, t) = default_triggers();
        let led = &t.led.as_ref().expect("default patterns start at marks").part.rules;
        let led: Vec<&str> = led.iter().map(|&i| rules.rules()[i].id.as_str()).collect();
        for id in [
            "copyright.glued-notice",
            "source.glued-footer",
            "caption.trailing-credit",
            "caption.trailing-label-credit",
        ] {
            assert!(led.contains(&id), "{id} is not led: {led:?}");
        }
        let marks = |p: &str| punctuation_lead(Pattern::new(p).unwrap().hir());
        let led = |marks: &str, at_start| Some(Marks { marks: marks.chars().collect(), at_start });
        assert_eq!(marks(r#"[.!?]["”]?(?<cut>\s+Copyright)"#), led("!.?", false));
        assert_eq!(marks(r"\(Photo|\[Photo"), led("([", false));
        assert_eq!(marks(r"\? [0-9]+ hours ago"), led("?", false));
        assert_eq!(marks(r", [0-9]+ hours ago"), None);
        assert_eq!(marks(r"(?:^\s*|[.!?]\s+)Photo:"), led("!.?", true));
        assert_eq!(marks(r"^Photo:"), None);
        // Letters, spaces and wide classes start most positions of a line.
        assert_eq!(marks(r"\sAFP"), None);
        assert_eq!(marks(r"[.!?]|Photo"), None);
        assert_eq!(marks(r"\S\s+All rights"), None);
        assert_eq!(marks(r"(?-u:\b)\.com"), None);
    }

    #[test]
    fn a_line_of_many_marks_is_answered_alike_past_the_walks_budget() {
        // Each walk from a `.` runs to the line's end: past the budget, one
        // unanchored search answers.
        let t = triggers(&[r"\.[^!]*!$", r"\.\s+Copyright", r"^Photo"]);
        assert_eq!(t.led.as_ref().unwrap().part.rules, [0, 1]);
        let many = ". ".repeat(5_000);
        assert_eq!(matches(&t, &format!("{many}!")), vec![0]);
        assert_eq!(matches(&t, &format!("{many}. Copyright!")), vec![0, 1]);
        assert_eq!(matches(&t, &format!("{many}x")), Vec::<usize>::new());
        assert_eq!(matches(&t, "Photo. Copyright 2024"), vec![1, 2]);
    }

    proptest::proptest! {
        #[test]
        fn lines_of_marks_and_notices_match_as_each_pattern_alone(
            line in r#"(Copyright|©|Photo|AFP|Reuters|Read more|Subscribe|Comments are closed|\(|\)|\[|[.!?,"”’]|[a-zA-Zé ]|\d){0,24}"#,
        ) {
            let (rules, t) = default_triggers();
            proptest::prop_assert_eq!(matches(t, &line), each_alone(rules, &line));
        }
    }

    #[test]
    fn sets_report_in_rule_order() {
        let t =
            triggers(&[r"Reuters", r"^Photo:", r"(?:^|\s)AFP", r"^Photo", r"^[^.!?]+ is not responsible"]);
        assert_eq!(matches(&t, "Photo: Reuters/AFP"), vec![0, 1, 3]);
        assert_eq!(matches(&t, "A Photo: by AFP"), vec![2]);
        assert_eq!(matches(&t, "Photo desk is not responsible for Reuters"), vec![0, 3, 4]);
        assert_eq!(matches(&t, "nothing here"), Vec::<usize>::new());
    }

    #[test]
    fn a_unicode_word_boundary_by_a_non_ascii_letter_is_still_answered() {
        // The lazy DFA gives up next to a non-ASCII byte here; the PikeVM
        // must answer instead.
        let t = triggers(&[r"\bcafé\b", r"^\bZürich\b", r"^Photo", r"(?-u:\b)AFP(?-u:\b)"]);
        assert_eq!(matches(&t, "au café du coin"), vec![0]);
        assert_eq!(matches(&t, "Zürich Café"), vec![1]);
        assert_eq!(matches(&t, "Photo: AFP, café"), vec![0, 2, 3]);
        assert_eq!(matches(&t, "cafés"), Vec::<usize>::new());
        // Only the Unicode-boundary patterns share the set the DFA gives
        // up on; the others stay on their lazy DFAs.
        assert_eq!(t.words.rules, [0, 1]);
        assert!(t.walked.iter().all(|p| !p.rules.contains(&0) && !p.rules.contains(&1)));
    }

    /// The default rules whose trigger pattern `find` finds something in,
    /// with what it found.
    fn defaults_with(find: fn(&Hir) -> Vec<String>) -> Vec<(String, Vec<String>)> {
        let rules = crate::rules::load_paths(&[], true).unwrap();
        rules
            .rules()
            .iter()
            .filter_map(|r| Some((r.id.clone(), find(r.kind.trigger()?.hir()))))
            .filter(|(_, found)| !found.is_empty())
            .collect()
    }

    #[test]
    fn default_unanchored_patterns_begin_at_a_word_boundary() {
        let loose = defaults_with(mid_word_starts);
        assert!(loose.is_empty(), "branches that can begin inside a word: {loose:#?}");
    }

    #[test]
    fn default_patterns_hold_no_counted_repeat_of_a_large_unicode_class() {
        let counted = defaults_with(counted_unicode_repeats);
        assert!(counted.is_empty(), "counted repeats of a large Unicode class: {counted:#?}");
    }

    #[test]
    fn counted_repeats_of_large_unicode_classes_are_found() {
        let found = |p: &str| counted_unicode_repeats(Pattern::new(p).unwrap().hir()).len();
        assert_eq!(found(r"^\p{Lu}[\p{L}.-]{1,40}$"), 1);
        assert_eq!(found(r"(?:\s+\p{Lu}\w*){0,8}"), 1);
        assert_eq!(found(r"\d{4}|\p{L}{0,7}|\w+"), 0);
        let shown = |p: &str| counted_unicode_repeats(Pattern::new(p).unwrap().hir());
        assert_eq!(shown(r"\w{10}|\p{L}{40,}|\p{L}{2,30}"), ["{10}", "{40,}", "{2,30}"]);
        assert_eq!(found(r"^\p{Lu}[\p{L}.-]*$|[0-9]{4}|[A-Z]{2,5}|\s{1,3}|(?:\S+ ){0,3}"), 0);
        assert_eq!(found(r"\w{1,2}"), 0);
    }

    #[test]
    fn branches_that_begin_inside_a_word_are_found() {
        let starts = |p: &str| mid_word_starts(Pattern::new(p).unwrap().hir());
        assert_eq!(starts(r"(?i)(?:we|i) may earn").len(), 2);
        assert_eq!(starts(r"(?:we|i) may earn|^\s*Photo|\(Photo").len(), 2);
        assert!(starts(r"(?i)(?-u:\b)(?:we|i) may earn").is_empty());
        assert!(starts(r"(?i)^(?:we|i) may earn").is_empty());
        assert!(starts(r"\s(?:Photo|Image)s?:|[.!?]\s+Photo|все права").is_empty());
    }
}
