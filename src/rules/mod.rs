//! Rules: the compiled, validated form of the YAML rules files.
//!
//! A [`RuleSet`] owns every rule's compiled regexes plus the trigger sets
//! (`triggers`) of the pattern that fires each rule on a line, so the engine
//! asks once per line which rules can fire. Parsing YAML lives in [`load`]; nothing
//! here reads files.

mod fragments;
mod load;
mod triggers;

pub use fragments::Fragment;

use std::fmt;
use std::sync::{Arc, OnceLock};

use globset::GlobMatcher;
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

use triggers::Triggers;

pub use load::{load_default, load_paths, load_str, KindSpec, RulesError, COMMON_KEYS, KINDS, LINE_GUARDS};

/// One rule, ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable `family.name` identifier.
    pub id: String,
    /// What the rule removes and why.
    pub doc: Doc,
    pub kind: Kind,
    pub place: Place,
    pub min_words: Option<usize>,
    pub max_words: Option<usize>,
    /// The rule does not fire on a line matching this.
    pub unless: Option<Guard>,
    /// The places in the story where a `line` rule does not fire.
    pub unless_in: InStory,
    pub scope: Option<Scope>,
    pub tests: Examples,
    pub origin: Origin,
}

impl Rule {
    /// Every regex of the rule as compiled (fragments expanded), by role:
    /// `pattern`, `start`, `end pattern`, `followed_by`, `unless_after`, `requires`,
    /// `unless_title`, `unless`, `scope.contains`.
    pub fn regexes(&self) -> Vec<(&'static str, &str)> {
        let trigger = match &self.kind {
            Kind::Block { start, .. } => Some(("start", start.as_str())),
            Kind::Zone { pattern, .. } => Some(("pattern", pattern.as_str())),
            kind => kind.trigger().map(|p| ("pattern", p.as_str())),
        };
        trigger.into_iter().chain(self.guards().into_iter().map(|(role, g)| (role, g.as_str()))).collect()
    }

    /// The rule's guards (every regex but the one that fires it), by role.
    pub fn guards(&self) -> Vec<(&'static str, &Guard)> {
        let (first, second) = match &self.kind {
            Kind::Zone { requires, share_pattern, .. } => (
                requires.as_ref().map(|g| ("requires", g)),
                share_pattern.as_ref().map(|g| ("share_pattern", g)),
            ),
            Kind::Run { unless_after, .. } | Kind::Line { unless_after, .. } => {
                (unless_after.as_ref().map(|g| ("unless_after", g)), None)
            }
            Kind::Cards { unless_title, .. } => (unless_title.as_ref().map(|g| ("unless_title", g)), None),
            Kind::Block { end, followed_by, .. } => (
                match end {
                    BlockEnd::Pattern(g) => Some(("end pattern", g)),
                    _ => None,
                },
                followed_by.as_ref().map(|g| ("followed_by", g)),
            ),
            _ => (None, None),
        };
        let unless = self.unless.as_ref().map(|g| ("unless", g));
        let contains = self.scope.as_ref().and_then(|s| s.contains.as_ref()).map(|g| ("scope.contains", g));
        [first, second, unless, contains].into_iter().flatten().collect()
    }
}

/// A rule id's family, the part before its first dot (`related` of
/// `related.header`): what `eval` totals by and what a `cards` rail's
/// heading must share with its rule.
pub fn family(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// Places in a story where a line that matches a rule is the story's own:
/// a sub-heading (the lines on both sides read as story text) or a label
/// in a table flattened to a cell per line (the next line is a figure:
/// `Facebook` above `68%`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InStory {
    pub subheading: bool,
    pub table: bool,
}

impl InStory {
    pub fn any(self) -> bool {
        self.subheading || self.table
    }
}

/// What a rule removes and why: free text, or the fixed parts that the
/// default rules use so that every rule's doc answers the same questions.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum Doc {
    Text(String),
    Parts {
        /// What the rule removes, with real examples.
        removes: String,
        /// Why it is noise, and how the rule tells it from story text.
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
        /// The false positives it guards against, and how.
        #[serde(skip_serializing_if = "Option::is_none")]
        guards: Option<String>,
    },
}

impl Doc {
    /// The headings a doc's parts are shown under, in order.
    pub const HEADINGS: [&'static str; 3] = ["What it removes", "Why", "False positives guarded"];

    /// The doc's paragraphs, each under its heading (none for free text),
    /// trimmed, empty parts left out.
    pub fn parts(&self) -> Vec<(Option<&'static str>, &str)> {
        let [removes, why, guards] = Self::HEADINGS;
        let parts = match self {
            Doc::Text(text) => vec![(None, text.as_str())],
            Doc::Parts { removes: r, why: w, guards: g } => vec![
                (Some(removes), r.as_str()),
                (Some(why), w.as_deref().unwrap_or("")),
                (Some(guards), g.as_deref().unwrap_or("")),
            ],
        };
        parts.into_iter().map(|(h, t)| (h, t.trim())).filter(|(_, t)| !t.is_empty()).collect()
    }

    /// The first line of what the rule removes, for one-line lists.
    pub fn summary(&self) -> &str {
        let text = match self {
            Doc::Text(text) => text,
            Doc::Parts { removes, .. } => removes,
        };
        text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
    }

    /// The doc as paragraphs, each part opening with its heading as
    /// `open` + heading + `.` + `close` (`**`, `**` in Markdown).
    pub fn render(&self, open: &str, close: &str) -> String {
        let paragraphs: Vec<String> = self
            .parts()
            .into_iter()
            .map(|(heading, text)| match heading {
                Some(h) => format!("{open}{h}.{close} {text}"),
                None => text.to_string(),
            })
            .collect();
        paragraphs.join("\n\n")
    }
}

/// Where a rule was defined, for messages and `explain`.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(RawKind),
    vis(pub(crate)),
    derive(strum::IntoStaticStr),
    strum(serialize_all = "kebab-case"),
    doc = "A kind of rule without its settings, named as in `match:`."
)]
pub enum Kind {
    /// Whole lines matching `pattern`, unless the line the other rules
    /// leave above matches `unless_after` (a list's item above the last
    /// line: the line is the list's last item, not a tag line).
    Line { pattern: Pattern, unless_after: Option<Guard> },
    /// Only the matched text (or its `cut` group) inside a line.
    Span { pattern: Pattern },
    /// From a line matching `start` through `end`; with `followed_by`, only
    /// where one of the next two non-blank lines matches it, and then from
    /// the last of the chain of lines matching it (comment heads under a
    /// `Comments` heading), at least `min_follows` of them.
    Block { start: Pattern, end: BlockEnd, followed_by: Option<Guard>, min_follows: usize },
    /// `min_lines` or more consecutive lines that each match `pattern`,
    /// unless the line the other rules leave before the run matches
    /// `unless_after` (a list the story introduces: `You will need:`).
    Run { pattern: Pattern, min_lines: usize, unless_after: Option<Guard> },
    /// A list of `min_cards` or more cards, each closed by a line matching
    /// `pattern` (a `Read more` link) with one to `max_lines` lines above
    /// it, the first a title: a rail of teasers with their blurbs, under a
    /// heading another rule of the family removes. With `prose`
    /// (comments), a list that closes the page instead. A first line
    /// matching `unless_title` is no title (a numbered item, a time stamp).
    Cards { pattern: Pattern, min_cards: usize, max_lines: usize, prose: bool, unless_title: Option<Guard> },
    /// The lines matching `pattern` in a page's furniture: above the first
    /// line the other rules leave that reads as story text (`side: head`),
    /// or below the last (`tail`), when at least `min_lines` non-blank
    /// lines the other rules leave lie there; the `keep` of them nearest the story stay (a
    /// title, a byline, a date). A whole page's text has its menus there,
    /// an extractor's dump a few lines. The zone is left alone unless at
    /// least `min_share` of its lines match (or other rules removed them)
    /// and, with `requires`, one of its lines matches that: a page's
    /// menu, not a story's table, verse or list. A tail zone waits in a
    /// page's main text that an extractor chose.
    ///
    /// With `edge: body` the zone lies beyond the body instead (see
    /// [`Edge`]) and beyond the story's own lines next to it (the lines up
    /// to five of the pattern's in a row), and with `requires` it ends at
    /// its line nearest the story that matches it (a page's menu); it
    /// waits in main text too, head or tail, and the lines in it that read
    /// as story text stay; with `share_pattern` the share
    /// counts the lines that match it rather than `pattern`; with
    /// `requires_lines` that many lines must match `requires`.
    Zone {
        pattern: Pattern,
        side: Side,
        edge: Edge,
        min_lines: usize,
        keep: usize,
        min_share: f64,
        share_pattern: Option<Guard>,
        requires: Option<Guard>,
        requires_lines: usize,
    },
    /// A text normalisation step over what the other rules keep.
    Normalize { step: Step, min_chars: usize },
    /// In HTML, the elements matching a CSS selector.
    /// `prefilter` rules out elements the selector cannot match, cheaply.
    Selector { selector: Box<scraper::Selector>, source: String, prefilter: crate::html::Prefilter },
    /// In HTML, everything outside the main text the extractor chooses;
    /// `fallback` lets it try its readability and baseline fallbacks when
    /// its own choice holds less than half the page's words.
    MainText { fallback: bool },
    /// Lines found in at least `min_docs` documents of the same group
    /// (by default 5, or 5% of the group's documents if more, in groups of
    /// at least 10; see `repeat::LONG_LINE_WORDS` for lines that need
    /// fewer), except lines that read
    /// like story text (long sentences, quotations). With `glued`, the
    /// sentences a line at the story's tail ends with instead (a site's
    /// footer glued into its last paragraph), cut as spans.
    Repeated { min_docs: Option<usize>, glued: bool },
    /// Lines the line scorer's model calls noise (see `detect`).
    Score { model: Box<crate::detect::Model> },
}

/// The normalisation steps a `normalize` rule can turn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, strum::Display)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Step {
    /// UTF-8 text that was decoded as Windows-1252/Latin-1, repaired.
    Mojibake,
    /// Unicode canonical composition.
    Nfc,
    /// Unicode compatibility composition (also folds ligatures, full-width forms).
    Nfkc,
    /// Non-breaking and other exotic spaces to a plain space.
    Spaces,
    /// Zero-width characters, soft hyphens and stray BOMs removed.
    Invisible,
    /// Control characters other than tab removed.
    Controls,
    /// Whitespace at the end of a line removed.
    TrailingSpace,
    /// `\r\n` line ends to `\n`.
    LineEndings,
    /// Later copies of a line of at least `min_chars` characters removed.
    DuplicateLines,
}

/// The pattern that fires a rule on a line. It is parsed when the rules
/// load, and the trigger sets are built from the parse; a regex of its own
/// is compiled only when something needs more than whether a line matches
/// (a span's position, `explain`). Most rules never need one, and
/// compiling every Unicode pattern twice was a third of the start-up.
#[derive(Clone)]
pub struct Pattern {
    hir: Arc<Hir>,
    regex: LazyRegex,
}

impl Pattern {
    /// The NFA size a pattern may reach, alone or in a trigger set. A
    /// pattern that fits in its set therefore compiles alone.
    pub(crate) const SIZE_LIMIT: usize = 256 << 20;

    /// Parses `source` with the syntax `regex` uses; errors are those
    /// `Regex::new` gives.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        let hir = parse(source)?;
        Ok(Pattern { hir: Arc::new(hir), regex: LazyRegex::new(source, Self::SIZE_LIMIT) })
    }

    pub fn as_str(&self) -> &str {
        &self.regex.source
    }

    pub(crate) fn hir(&self) -> &Hir {
        &self.hir
    }

    /// The compiled regex, built now, or why it cannot be: for a pattern
    /// outside the trigger sets, which would otherwise be compiled first
    /// where no rule can be named.
    pub(crate) fn compiled(&self) -> Result<&Regex, regex::Error> {
        self.regex.get()
    }

    /// The compiled regex, built on first use and shared by clones.
    pub fn regex(&self) -> &Regex {
        // It parsed at load, and its NFA fitted in a trigger set built with
        // the same limit, or (a zone's) it was compiled there.
        self.compiled().expect("patterns that loaded compile")
    }
}

/// `source` parsed with the syntax `regex` uses; errors are those
/// `Regex::new` gives.
fn parse(source: &str) -> Result<Hir, regex::Error> {
    regex_syntax::Parser::new().parse(source).map_err(|e| regex::Error::Syntax(e.to_string()))
}

/// A regex compiled the first time it is asked, once for all clones: a
/// second worker that asks meanwhile waits for the first rather than
/// compiling it again. An error is kept as the regex would be.
#[derive(Clone)]
struct LazyRegex {
    source: String,
    size_limit: usize,
    cell: Arc<OnceLock<Result<Regex, regex::Error>>>,
}

impl LazyRegex {
    fn new(source: &str, size_limit: usize) -> LazyRegex {
        LazyRegex { source: source.to_string(), size_limit, cell: Arc::default() }
    }

    fn get(&self) -> Result<&Regex, regex::Error> {
        self.cell
            .get_or_init(|| regex::RegexBuilder::new(&self.source).size_limit(self.size_limit).build())
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A regex that guards or bounds a rule (`unless`, `followed_by`, a
/// block's end, `requires`, `unless_after`, `unless_title`,
/// `scope.contains`): parsed when the rules load, compiled the first time
/// it is asked. Most are asked of few lines (a guard, of the lines its
/// rule matched), many never in a run: compiling them all at load was a
/// fifth of start-up.
#[derive(Clone)]
pub struct Guard {
    weight: usize,
    regex: LazyRegex,
}

impl Guard {
    /// The size limit of a guard's regex: `regex`'s own default, as when
    /// guards were compiled with `Regex::new`.
    const SIZE_LIMIT: usize = 10 << 20;

    /// The weight (see [`weight`]) above which a guard compiles at load: a
    /// guard that might pass [`Self::SIZE_LIMIT`] is an error there, named
    /// by its file, not a failure on some later line. A unit of weight
    /// takes under 100 bytes to compile, forward or reverse (the built-in
    /// guards' test checks it), so a guard under this weight stays under
    /// half the limit.
    const LAZY_WEIGHT: usize = 50_000;

    /// Parses `source`; errors are those `Regex::new` gives.
    pub fn new(source: &str) -> Result<Guard, regex::Error> {
        let guard =
            Guard { weight: weight(&parse(source)?), regex: LazyRegex::new(source, Self::SIZE_LIMIT) };
        if guard.weight > Self::LAZY_WEIGHT {
            guard.regex.get()?;
        }
        Ok(guard)
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.get().expect("a guard under the lazy weight compiles").is_match(text)
    }

    pub fn as_str(&self) -> &str {
        &self.regex.source
    }
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Guard").field(&self.as_str()).finish()
    }
}

/// A bound on the memory `hir` takes to compile, in units of a few dozen
/// bytes: every node counts, a literal its bytes, a Unicode class four per
/// range (a range compiles to a few UTF-8 sequences), a capture and each
/// copy of a counted repeat their own states.
fn weight(hir: &Hir) -> usize {
    let own = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(lit) => lit.0.len(),
        HirKind::Class(Class::Unicode(c)) => 4 * c.ranges().len(),
        HirKind::Class(Class::Bytes(c)) => 2 * c.ranges().len(),
        HirKind::Repetition(r) => {
            let copies = r.max.unwrap_or(r.min.saturating_add(1)).max(1);
            weight(&r.sub).saturating_add(2).saturating_mul(copies as usize)
        }
        HirKind::Capture(c) => weight(&c.sub).saturating_add(2),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().map(weight).fold(subs.len(), usize::saturating_add)
        }
    };
    own.max(1)
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.as_str()).finish()
    }
}

impl Kind {
    pub fn name(&self) -> &'static str {
        RawKind::from(self).into()
    }

    /// Whether a match can reach lines past the one it starts on.
    pub fn extends(&self) -> bool {
        matches!(self, Kind::Block { .. } | Kind::Run { .. } | Kind::Cards { .. })
    }

    /// The pattern that decides whether the rule fires on a line, if any.
    pub fn trigger(&self) -> Option<&Pattern> {
        match self {
            Kind::Line { pattern, .. }
            | Kind::Span { pattern }
            | Kind::Run { pattern, .. }
            | Kind::Cards { pattern, .. } => Some(pattern),
            Kind::Block { start, .. } => Some(start),
            // Asked only of the lines of a zone that qualifies (see
            // `engine::claim`): in the trigger sets, a pattern most lines
            // match would cost every line of every document.
            Kind::Zone { .. }
            | Kind::Normalize { .. }
            | Kind::Selector { .. }
            | Kind::MainText { .. }
            | Kind::Repeated { .. }
            | Kind::Score { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum BlockEnd {
    /// Through the last line of the text.
    Eof,
    /// Through the line before the next blank line; no blank line, no block.
    Blank,
    /// Through the first later line matching the regex; no match, no block.
    Pattern(Guard),
    /// N non-blank lines in all, the start line included.
    Lines(usize),
    /// A section after the story: the start needs a story-like line above
    /// it, and the block runs to the end of the text or to where the story
    /// resumes: two story-like lines in a row (blank lines aside), or one
    /// after a blank line that closes a group of two or more lines. Teaser
    /// blurbs and comments between short lines do not end it.
    Story,
}

/// Where in the text a match may sit, counting non-blank lines: a match is
/// in the head when it starts within N lines of the start, in the tail when
/// it starts (a `run`: ends) within N lines of the end, in the body when it
/// starts below the first line that reads as story text (where a
/// headline's byline cannot be).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Anywhere,
    Head(usize),
    Tail(usize),
    Body,
}

/// Which edge of a document a `zone` rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Side {
    /// Above the first line that reads as story text.
    Head,
    /// Below the last one.
    Tail,
}

/// Where a `zone` rule's zone ends on the story's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Edge {
    /// At the first (head) or last (tail) line that reads as story text.
    #[default]
    Story,
    /// Beyond the body: the stretch of lines in which the story lines'
    /// words (by their spaces, or two Han or kana characters to a word)
    /// most outweigh the other lines, one each (the maximum-sum stretch of
    /// Body Text Extraction), and beyond the story's own lines next to it,
    /// which end where five lines the rule takes stand in a row. A page's
    /// header and footer hold a sentence or two of their own (a cookie
    /// notice, a teaser's summary) that would end a zone at the first
    /// story line.
    Body,
}

/// Which documents a site-specific rule applies to; both parts must hold.
#[derive(Debug, Clone)]
pub struct Scope {
    pub path: Option<(String, GlobMatcher)>,
    pub contains: Option<Guard>,
}

/// What a `scope.path` glob is checked against.
#[derive(Debug, Clone, Copy)]
pub enum DocPath<'a> {
    /// A document's relative path.
    Known(&'a str),
    /// No path: path globs do not admit it.
    Unknown,
    /// One of rule N's own examples: only that rule's glob admits it.
    ExampleOf(usize),
}

impl Scope {
    /// Whether rule `rule`, with this scope, applies to the document.
    pub fn admits(&self, rule: usize, path: DocPath, text: &str) -> bool {
        let path_ok = match (&self.path, path) {
            (None, _) => true,
            (Some((_, glob)), DocPath::Known(p)) => glob.is_match(p),
            (Some(_), DocPath::ExampleOf(r)) => r == rule,
            (Some(_), DocPath::Unknown) => false,
        };
        path_ok && self.contains.as_ref().is_none_or(|re| re.is_match(text))
    }
}

/// A rule's own examples, checked by `descrape test` and `cargo test`.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Examples {
    pub remove: Vec<RemoveExample>,
    pub keep: Vec<String>,
}

/// Text the rule must change, and optionally what must be left of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RemoveExample {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// All rules of a run, with the per-line trigger set built once.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    triggers: Triggers,
    /// The triggers of `block` and `run` rules alone, built on first use.
    /// `None` when the subset would not compile: see [`Self::triggered_extending`].
    extending: std::sync::OnceLock<Option<Triggers>>,
    /// The `zone` rules, which have no triggers.
    zones: Vec<usize>,
    any_scope: bool,
    /// The fragments the patterns were written with, expanded.
    fragments: Arc<fragments::Fragments>,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, SetError> {
        let triggers =
            Triggers::new(rules.iter().enumerate().filter_map(|(i, r)| r.kind.trigger().map(|t| (i, t))))
                .map_err(|e| too_big(&rules).unwrap_or(SetError { rule: None, error: e }))?;
        let any_scope = rules.iter().any(|r| r.scope.is_some());
        let zones =
            rules.iter().enumerate().filter(|(_, r)| matches!(r.kind, Kind::Zone { .. })).map(|(i, _)| i);
        Ok(RuleSet {
            zones: zones.collect(),
            rules,
            triggers,
            extending: std::sync::OnceLock::new(),
            any_scope,
            fragments: Arc::default(),
        })
    }

    /// The set, recording the fragments its files defined.
    fn with_fragments(self, fragments: Arc<fragments::Fragments>) -> RuleSet {
        RuleSet { fragments, ..self }
    }

    /// The fragments `rule` uses, directly or through other fragments,
    /// in the order they were defined.
    pub fn fragments_used_by(&self, rule: &Rule) -> Vec<&str> {
        let texts: Vec<&str> = rule.regexes().into_iter().map(|(_, re)| re).collect();
        self.fragments()
            .iter()
            .map(|f| f.name.as_str())
            .filter(|n| self.fragments.used_in_any(n, &texts))
            .collect()
    }

    /// The fragments defined by the files this set was loaded from.
    pub fn fragments(&self) -> &[Fragment] {
        self.fragments.defined()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether any rule needs line counts across documents.
    pub fn needs_counts(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.kind, Kind::Repeated { .. }))
    }

    /// A set of clones of the rules `keep` selects.
    pub fn subset(&self, keep: impl Fn(&Rule) -> bool) -> Result<RuleSet, SetError> {
        RuleSet::new(self.rules.iter().filter(|r| keep(r)).cloned().collect())
    }

    /// The error for an id no rule has, with the closest id if one is near.
    pub fn no_such_rule(&self, id: &str) -> String {
        let tip = closest(id, self.rules.iter().map(|r| r.id.as_str()))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        format!("no rule with id `{id}`{tip} (see `descrape rules`)")
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Appends to `out`, in rule order, the rules whose trigger pattern
    /// matches `line`.
    pub(crate) fn triggered(&self, line: &str, out: &mut Vec<usize>) {
        self.triggers.matches_into(line, out)
    }

    /// [`Self::triggered`] for `block`, `run` and `cards` rules only: on a line an
    /// HTML element removal covers, only a match that reaches other lines
    /// can change anything.
    pub(crate) fn triggered_extending(&self, line: &str, out: &mut Vec<usize>) {
        let subset = self.extending.get_or_init(|| {
            let rules = self.rules.iter().enumerate().filter(|(_, r)| r.kind.extends());
            // A subset's unanchored half can mix patterns from both of the
            // full set's halves, so near the size limit it may not compile
            // where the full set did; the full set, filtered, answers then.
            Triggers::new(rules.filter_map(|(i, r)| Some((i, r.kind.trigger()?)))).ok()
        });
        match subset {
            Some(triggers) => triggers.matches_into(line, out),
            None => self.triggered_extending_by_all(line, out),
        }
    }

    /// [`Self::triggered_extending`] through the whole trigger set.
    fn triggered_extending_by_all(&self, line: &str, out: &mut Vec<usize>) {
        let from = out.len();
        self.triggers.matches_into(line, out);
        let mut kept = from;
        for i in from..out.len() {
            if self.rules[out[i]].kind.extends() {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    pub(crate) fn any_scope(&self) -> bool {
        self.any_scope
    }

    /// The indices of the `zone` rules.
    pub(crate) fn zones(&self) -> &[usize] {
        &self.zones
    }

    /// Patterns that are valid but slow the trigger sets, one note per
    /// rule and cause (`check` shows them as warnings).
    pub fn lints(&self) -> Vec<Lint> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let Some(pattern) = rule.kind.trigger() else { continue };
            let mut note = |message: String| {
                out.push(Lint {
                    subject: LintSubject::Rule(rule.id.clone()),
                    origin: rule.origin.clone(),
                    message,
                })
            };
            if triggers::unicode_word_boundary(pattern.hir()) {
                note(
                    "its pattern has a Unicode `\\b`, on which the trigger sets' fast engine gives up at \
                     a line's first non-ASCII byte; `(?-u:\\b)` is the ASCII boundary"
                        .to_string(),
                );
            }
            let counted = triggers::counted_unicode_repeats(pattern.hir());
            if let Some(first) = counted.first() {
                note(format!(
                    "its pattern repeats a large Unicode class a counted number of times (`{first}`{}), \
                     which compiles a copy of the class per count: slower to start and more automaton \
                     states than `+` or `*` under `max_words`",
                    if counted.len() > 1 {
                        format!(" and {} more", counted.len() - 1)
                    } else {
                        String::new()
                    },
                ));
            }
            let starts = triggers::mid_word_starts(pattern.hir()).len();
            if starts > 0 {
                note(format!(
                    "its pattern is not anchored and {} can begin inside a word (after a letter), where \
                     {} half-matched in every word holding its first letters: begin {} at a word \
                     boundary, `(?-u:\\b)`",
                    if starts == 1 { "a branch".to_string() } else { format!("{starts} branches") },
                    if starts == 1 { "it is" } else { "each is" },
                    if starts == 1 { "it" } else { "them" },
                ));
            }
        }
        out.extend(self.unused_fragments().into_iter().map(|f| Lint {
            subject: LintSubject::Fragment(f.name.clone()),
            origin: f.origin.clone(),
            message: "no rule uses it, directly or through another fragment".to_string(),
        }));
        out
    }

    /// The fragments of the user's files that no rule uses, directly or
    /// through other fragments (a rule's compiled pattern holds the
    /// expansions of both): a misspelt use fails to load, but a misspelt
    /// definition would otherwise pass unnoticed. The built-in ones are a
    /// library.
    fn unused_fragments(&self) -> Vec<&Fragment> {
        let texts: Vec<&str> = self.rules.iter().flat_map(Rule::regexes).map(|(_, re)| re).collect();
        self.fragments()
            .iter()
            .filter(|f| !f.built_in && !self.fragments.used_in_any(&f.name, &texts))
            .collect()
    }
}

/// A note on a valid rule or fragment (see [`RuleSet::lints`]).
#[derive(Debug, Clone)]
pub struct Lint {
    pub subject: LintSubject,
    pub origin: Origin,
    pub message: String,
}

/// What a [`Lint`] is on; as JSON, a `rule` or a `fragment` field.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LintSubject {
    Rule(String),
    Fragment(String),
}

impl fmt::Display for LintSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LintSubject::Rule(id) => write!(f, "rule `{id}`"),
            LintSubject::Fragment(name) => write!(f, "fragment `{name}`"),
        }
    }
}

/// Why the trigger sets could not be built, with the rule to blame when
/// one is found.
#[derive(Debug)]
pub struct SetError {
    /// The rule's id and where it is defined.
    pub rule: Option<(String, Origin)>,
    pub error: regex::Error,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some((id, origin)) => write!(f, "{origin}: rule '{id}': {}", self.error),
            None => write!(f, "cannot combine patterns: {}", self.error),
        }
    }
}

impl std::error::Error for SetError {}

/// The first rule whose pattern is too big to compile alone: the trigger
/// sets' error cannot say which pattern it was. Checked only when a set
/// fails, since patterns are parsed, not compiled, as the rules load.
fn too_big(rules: &[Rule]) -> Option<SetError> {
    rules.iter().find_map(|r| {
        let p = r.kind.trigger()?;
        let e = p.compiled().err()?;
        let error = regex::Error::Syntax(format!("`pattern`: invalid regex `{}`: {e}", p.as_str()));
        Some(SetError { rule: Some((r.id.clone(), r.origin.clone())), error })
    })
}

/// The candidate nearest to a misspelled `name`, if one is near enough to
/// be what was meant (the measure clap uses for its own suggestions).
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
