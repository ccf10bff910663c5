//! The cleaning engine: text plus rules (and, for `repeated` rules, the
//! run's line counts) in, edits out. No I/O, no printing: everything it
//! needs is passed in, everything it finds is returned.
//!
//! A pass is a list of stages, each in its own file, run in this order by
//! [`clean_pass`]: [`doc`] builds the view rules see, [`matching`] finds
//! the pattern rules that fire, [`repeated`] and [`scored`] add the lines
//! the counts and the line scorer flag, [`claim`] decides which rule owns
//! each line, [`layout`] gives stranded blank lines to a removal, and
//! [`edits`] turns all that into edits, with the [`normalize`] steps over
//! the text kept. What one pass leaves is cleaned again and [`fold`] folds
//! its edits into the first's. Every removed byte belongs to exactly one
//! [`Edit`], so the edits rebuild the input.

mod carry;
mod claim;
mod doc;
mod edits;
pub mod fold;
mod layout;
mod matching;
pub mod normalize;
mod repeated;
mod scored;

use std::ops::Range;

use crate::repeat::Counts;
use crate::rules::{DocPath, RuleSet};
use crate::text::{apply, lines, Edit};
use carry::{Carried, Pass};
use doc::Doc;
use normalize::Steps;

/// What a run cleans with: its rules and, for `repeated` rules, the line
/// counts across its documents (without them `repeated` rules stay off).
#[derive(Debug, Clone, Copy)]
pub struct Cleaner<'a> {
    pub rules: &'a RuleSet,
    pub counts: Option<&'a Counts>,
    /// The document's group for the counts when its path does not tell it
    /// (a JSON Lines record grouped by a field).
    pub group: Option<&'a str>,
    /// Where a counting pass keeps each page's render for the cleaning
    /// pass (which takes it from `counts`).
    pub pages: Option<&'a crate::html::PageMemo>,
}

impl<'a> Cleaner<'a> {
    /// The rules alone, with no line counts.
    pub fn new(rules: &'a RuleSet) -> Cleaner<'a> {
        Cleaner { rules, counts: None, group: None, pages: None }
    }

    /// [`clean_with`], with this cleaner's counts.
    pub fn clean(&self, path: DocPath, text: &str, claims: &Claims) -> Vec<Edit> {
        let (mut edits, Some(mut pass)) = clean_pass(*self, path, text, claims, None) else {
            return Vec::new();
        };
        let mut output = apply(text, &edits);
        // The previous pass's input and own edits, which map its lines
        // onto the next pass's (see `carry`).
        let mut prev_text = std::borrow::Cow::Borrowed(text);
        let mut last: Option<Vec<Edit>> = None;
        let later = Claims { ranges: Vec::new(), main_text_chosen: claims.main_text_chosen(self.rules) };
        for _ in 1..MAX_PASSES {
            if edits.is_empty() {
                break;
            }
            let prev = Prev { pass: &pass, text: &prev_text, edits: last.as_deref().unwrap_or(&edits) };
            let (more, next) = clean_pass(*self, path, &output, &later, Some(prev));
            if more.is_empty() {
                break;
            }
            edits = fold::fold(text, &output, &edits, &more);
            let next_output = apply(&output, &more);
            prev_text = std::borrow::Cow::Owned(std::mem::replace(&mut output, next_output));
            pass = next.expect("a pass with edits has lines");
            last = Some(more);
        }
        edits
    }
}

/// Clean one document. `path` is its relative path, for `scope` globs
/// (without one, path-scoped rules do not apply).
///
/// `where`/`within` guards are first checked on the input; a match that
/// fails them is checked again, until nothing changes, counting only the
/// lines left by the removals so far, so noise stacked at the head or tail
/// is reached whatever its order and cleaning the output again changes
/// nothing.
pub fn clean(rules: &RuleSet, path: Option<&str>, text: &str) -> Vec<Edit> {
    clean_at(rules, path.map_or(DocPath::Unknown, DocPath::Known), text)
}

/// Removals decided before the text rules run (HTML elements): byte
/// ranges of the text, each with its rule. They win over text rules.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    pub ranges: Vec<(Range<usize>, usize)>,
    /// Set for the passes after the first, whose text has no claimed
    /// ranges left, when the first one's held a `main-text` rule's.
    main_text_chosen: bool,
}

impl Claims {
    pub fn new(ranges: Vec<(Range<usize>, usize)>) -> Claims {
        Claims { ranges, main_text_chosen: false }
    }

    /// Whether an extractor chose the page's main text: a `main-text`
    /// rule claimed what lies around it.
    pub(super) fn main_text_chosen(&self, rules: &RuleSet) -> bool {
        self.main_text_chosen
            || self
                .ranges
                .iter()
                .any(|&(_, r)| matches!(rules.rules()[r].kind, crate::rules::Kind::MainText { .. }))
    }
}

/// [`clean`], with the document's path as `scope` globs see it.
pub fn clean_at(rules: &RuleSet, path: DocPath, text: &str) -> Vec<Edit> {
    clean_with(rules, path, text, &Claims::default())
}

/// Passes after which a text that still changes is left as it is. Most
/// documents settle in one to three; each further pass is one more link in
/// a chain of removals that unlock the next (a share button kept as a
/// sub-heading until the licence line under it goes, the licence line
/// until the button under it goes). The fuzzer found a chain of nine in
/// garbage text, past the earlier cap of eight.
const MAX_PASSES: usize = 64;

/// [`clean_at`], with removals already claimed. What one pass leaves is
/// cleaned again until nothing changes (a cut that exposes a line rule, a
/// normalisation that makes input for another step), each pass's edits
/// folded into the first's: cleaning the output again changes nothing.
pub fn clean_with(rules: &RuleSet, path: DocPath, text: &str, claims: &Claims) -> Vec<Edit> {
    Cleaner::new(rules).clean(path, text, claims)
}

/// The pass before, as the next one reuses it: its record, its input and
/// its own edits of that input.
struct Prev<'a> {
    pass: &'a Pass,
    text: &'a str,
    edits: &'a [Edit],
}

/// One pass of the rules over `text`: the stages, in order. Returns the
/// edits, and the record the next pass reuses (none for an empty text).
fn clean_pass(
    cleaner: Cleaner,
    path: DocPath,
    text: &str,
    claims: &Claims,
    prev: Option<Prev>,
) -> (Vec<Edit>, Option<Pass>) {
    let rules = cleaner.rules;
    let lines = lines(text);
    if lines.is_empty() || rules.is_empty() {
        return (Vec::new(), None);
    }
    let active = active_rules(rules, path, text);
    let is_active = |i: usize| active.as_ref().is_none_or(|a| a[i]);
    let steps = Steps::of(rules, is_active);
    let carried = prev.map(|p| Carried::new(p.pass, p.text, p.edits, text, &lines, &steps));
    let doc = Doc::new(text, &lines, &steps);
    let covered = if claims.ranges.is_empty() { Vec::new() } else { claim::covered(&doc, claims) };
    let (mut found, hits) = matching::find(rules, &doc, &is_active, carried.as_ref(), &covered);
    let keys = repeated::find(
        rules,
        (cleaner.counts, cleaner.group),
        &doc,
        (path, claims),
        &is_active,
        carried.as_ref(),
        (&mut found.whole, &mut found.spans),
    );
    scored::find(rules, &doc, &is_active, &mut found.whole);
    let (mut owner, spans) = claim::claim(rules, &doc, found, claims, steps.duplicates);
    layout::layout(&doc.blank, &mut owner);
    let edits = edits::removals(&doc, &owner, spans);
    let edits = if steps.edits_text() { edits::normalize_kept(&doc, &steps, edits) } else { edits };
    drop(doc);
    (edits, Some(Pass { lines, steps, hits, keys }))
}

/// Which rules this document's path admits; `None` when no rule has a scope.
fn active_rules(rules: &RuleSet, path: DocPath, text: &str) -> Option<Vec<bool>> {
    rules.any_scope().then(|| {
        rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| r.scope.as_ref().is_none_or(|s| s.admits(i, path, text)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_str;
    use crate::text::apply;

    fn run(rules: &str, text: &str) -> String {
        let set = load_str("t.yaml", rules).unwrap();
        apply(text, &clean(&set, None, text))
    }

    const CAPTION: &str = "- id: caption.x\n  doc: d\n  match: line\n  pattern: '\\(AFP photo\\)$'\n";

    #[test]
    fn removed_line_takes_its_extra_blank() {
        let text = "Head\n\nCap one (AFP photo)\n\nBody\n";
        assert_eq!(run(CAPTION, text), "Head\n\nBody\n");
    }

    #[test]
    fn a_closing_notice_repeated_thousands_of_times_goes_in_bounded_rounds() {
        // Each cut line brings the one above into a `where: tail` span's
        // place; a round of the claim loop per line made 37,000 such lines
        // take 46 s. The sweep takes them all, with what rounds would give.
        let rules = "- id: t.note\n  doc: d\n  match: span\n  pattern: 'Made with AI\\.$'\n  where: tail\n  within: 2\n";
        let notes = "Made with AI.\n".repeat(3_000);
        let text = format!("The council met.\nIt was Made with AI.\n{notes}");
        assert_eq!(run(rules, &text), "The council met.\nIt was \n");
    }

    #[test]
    fn tail_removal_keeps_missing_final_newline() {
        let text = "Body.\n\n\nCap (AFP photo)";
        assert_eq!(run(CAPTION, text), "Body.");
    }

    #[test]
    fn head_removal_leaves_no_leading_blank() {
        let text = "\nCap (AFP photo)\n\nBody\n";
        assert_eq!(run(CAPTION, text), "Body\n");
    }

    #[test]
    fn untouched_leading_blank_stays() {
        let text = "\nBody\n";
        assert_eq!(run(CAPTION, text), text);
    }

    #[test]
    fn span_cut_group() {
        let rules = "- id: source.prefix\n  doc: d\n  match: span\n  pattern: '^(?<cut>[A-Za-z]+: )[A-Z]'\n";
        assert_eq!(run(rules, "Eghtesad: A man said.\n"), "A man said.\n");
    }

    #[test]
    fn run_needs_min_lines() {
        let rules = "- id: ticker.x\n  doc: d\n  match: run\n  pattern: '%.*%'\n  min_lines: 3\n";
        assert_eq!(run(rules, "a 1% 2%\nb 1% 2%\nBody\n"), "a 1% 2%\nb 1% 2%\nBody\n");
        assert_eq!(run(rules, "a 1% 2%\nb 1% 2%\nc 3% 4%\n\nBody\n"), "Body\n");
    }

    #[test]
    fn a_line_the_story_holds_is_kept() {
        let rules = "- id: cta.x\n  doc: d\n  match: line\n  pattern: '^(?:Facebook|Print)$'\n  unless_in: [subheading, table]\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        // A sub-heading between story lines, a table's label above its figure.
        let heading = format!("{story}\n\nPrint\n\n{story}\n");
        assert_eq!(run(rules, &heading), heading);
        let table = "Platforms\n\nFacebook\n68%\n";
        assert_eq!(run(rules, table), table);
        // At the edge of the story, or above more of its kind, it goes.
        assert_eq!(run(rules, &format!("{story}\n\nFacebook\nPrint\n")), format!("{story}\n"));
        // Above a numbered item's heading it is the item's button, not a
        // table's label (a listicle's `WHERE TO BUY` before `2. SONY A7 IV`).
        for item in ["2. SONY A7 IV", "10) Leica SL2-S"] {
            assert_eq!(run(rules, &format!("{story}\nPrint\n{item}\n")), format!("{story}\n{item}\n"));
        }
        for figure in ["2.5 million", "3. 41%", "2025 revenue"] {
            let labelled = format!("{story}\nPrint\n{figure}\n");
            assert_eq!(run(rules, &labelled), labelled);
        }
    }

    #[test]
    fn a_zone_takes_its_lines_only_when_the_edge_is_long_enough() {
        let rules = "- id: chrome.x\n  doc: d\n  match: zone\n  side: head\n  min_lines: 4\n  keep: 2\n  pattern: '^[A-Z][a-z]+$'\n\
                     - id: chrome.banner\n  doc: d\n  match: line\n  pattern: '^We use cookies'\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        // Five lines above the story: the first three of them may go, and
        // `Sport. More here.` is no match.
        let head = format!("Home\nNews\nSport. More here.\nTitle\nByline\n\n{story}\n");
        assert_eq!(run(rules, &head), format!("Sport. More here.\nTitle\nByline\n\n{story}\n"));
        // Three: a title, a byline and a date, untouched.
        let short = format!("Title\nByline\nDate\n\n{story}\n");
        assert_eq!(run(rules, &short), short);
        // No story line, no zone.
        assert_eq!(run(rules, "Home\nNews\nSport\nWorld\nTitle\n"), "Home\nNews\nSport\nWorld\nTitle\n");
        // A banner that reads as story text does not end the zone once
        // another rule removes it.
        let banner = "We use cookies to improve your experience and to show you the adverts you may like.";
        let text = format!("Home\nNews\n{banner}\nSport\nWorld\nTitle\nByline\n\n{story}\n");
        assert_eq!(run(rules, &text), format!("Title\nByline\n\n{story}\n"));
    }

    #[test]
    fn a_zone_that_is_not_a_menu_is_left_alone() {
        let rules = "- id: chrome.x\n  doc: d\n  match: zone\n  side: head\n  min_lines: 4\n  pattern: '^[A-Z][a-z]+$'\n  min_share: 0.6\n  requires: '^Home$'\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        let menu = format!("Home\nNews\nSport\nWorld\n\n{story}\n");
        assert_eq!(run(rules, &menu), format!("{story}\n"));
        // No menu word: a list of names.
        let names = format!("Ashdown\nBeacon\nCastle\nDene\n\n{story}\n");
        assert_eq!(run(rules, &names), names);
        // Two in five lines match: a table with its figures.
        let table = format!("Home\nAshdown\n412 votes\n388 votes\n301 votes\n\n{story}\n");
        assert_eq!(run(rules, &table), table);
    }

    #[test]
    fn a_tail_zone_keeps_the_lines_next_to_the_story() {
        let rules = "- id: chrome.x\n  doc: d\n  match: zone\n  side: tail\n  min_lines: 3\n  keep: 1\n  pattern: '^[A-Z][a-z]+$'\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        assert_eq!(
            run(rules, &format!("{story}\n\nReporter\nAbout\nJobs\nPrivacy\n")),
            format!("{story}\n\nReporter\n")
        );
        let two = format!("{story}\n\nReporter\nAbout\n");
        assert_eq!(run(rules, &two), two);
        // A `keep` no document can hold is no zone, not an overflow.
        let huge = rules.replace("keep: 1", "keep: 18446744073709551615");
        let text = format!("{story}\n\nReporter\nAbout\nJobs\nPrivacy\n");
        assert_eq!(run(&huge, &text), text);
    }

    #[test]
    fn a_tail_zone_waits_where_an_extractor_chose_the_main_text() {
        let rules = "- id: html.main\n  doc: d\n  match: main-text\n\
                     - id: chrome.x\n  doc: d\n  match: zone\n  side: tail\n  min_lines: 3\n  pattern: '^[A-Z][a-z]+$'\n\
                     - id: chrome.y\n  doc: d\n  match: zone\n  side: head\n  min_lines: 3\n  pattern: '^[A-Z][a-z]+$'\n";
        let set = load_str("t.yaml", rules).unwrap();
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        let text = format!("Menu\nHome\nNews\nSport\n\n{story}\n\nAshdown\nBeacon\nCastle\n");
        // Text alone: both edges are furniture.
        assert_eq!(apply(&text, &clean(&set, None, &text)), format!("{story}\n"));
        // The page's main text starts after `Menu`: the head still goes,
        // the list after the story is the story's own.
        let claims = Claims::new(vec![(0..5, 0)]);
        let edits = clean_with(&set, DocPath::Unknown, &text, &claims);
        assert_eq!(apply(&text, &edits), format!("{story}\n\nAshdown\nBeacon\nCastle\n"));
    }

    #[test]
    fn a_zone_bounded_by_the_body_reaches_past_a_sentence_of_the_header() {
        let rules = |edge: &str| {
            format!(
                "- id: chrome.x\n  doc: d\n  match: zone\n  side: head\n  edge: {edge}\n  min_lines: 4\n  pattern: '^[A-Z][a-z]+$'\n"
            )
        };
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        let more = "The mayor said the new rules for the port would take effect next month after a review.";
        let cookie = "We use cookies to improve your experience and to show you the adverts you may like.";
        let menu = "Business\nTravel\nWeather\nMarkets\nScience\nHealth\nMotoring\nProperty\nJobs\n\
                    Puzzles\nPodcasts\nVideo\nPictures\nLetters\nObituaries\nArchive\nEvents\nShop\n";
        let text = format!("Home\nNews\nSport\nWorld\n{cookie}\n{menu}\n{story}\n\n{more}\n");
        // The notice reads as story text, so the story's zone ends at it.
        assert_eq!(run(&rules("story"), &text), format!("{cookie}\n{menu}\n{story}\n\n{more}\n"));
        // The body (the two paragraphs) starts below the menus, where the
        // story's words outweigh the lines above it; the notice, a
        // sentence, is never taken by a zone.
        assert_eq!(run(&rules("body"), &text), format!("{cookie}\n\n{story}\n\n{more}\n"));
    }

    #[test]
    fn a_zone_bounded_by_the_body_leaves_the_story_s_own_lines_beside_it() {
        let rules = "- id: chrome.x\n  doc: d\n  match: zone\n  side: tail\n  edge: body\n  min_lines: 4\n  pattern: '^[A-Z][a-z]+(?: [A-Z][a-z]+)*$'\n  requires: '^(?:Home|Contact)$'\n  requires_lines: 2\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        let more = "The mayor said the new rules for the port would take effect next month after a review.";
        // Short closing sentences and a heading between them, then the
        // footer: five lines the rule takes in a row start the footer.
        let closing = "Police have appealed for witnesses.\nWhat Happens Next\nThe plan goes out in May.";
        let footer = "Home\nNews\nSport\nWorld\nBusiness\nContact";
        let text = format!("{story}\n\n{more}\n\n{closing}\n{footer}\n");
        assert_eq!(run(rules, &text), format!("{story}\n\n{more}\n\n{closing}\n"));
        // One line with a menu word is not enough: a track list with a
        // song called `Contact`.
        let tracks = "Home\nGet Lucky\nInstant Crush\nTouch\nBeyond\nMotherboard";
        let text = format!("{story}\n\n{more}\n\n{tracks}\n");
        assert_eq!(run(rules, &text), text);
    }

    #[test]
    fn a_zone_can_count_its_share_by_a_pattern_of_its_own() {
        let rules = "- id: chrome.x\n  doc: d\n  match: zone\n  side: tail\n  min_lines: 4\n  pattern: '^[^0-9]+$'\n  min_share: 0.6\n  share_pattern: '^[A-Z][a-z]+$'\n";
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        // Three in five lines are menu items: every line without figures goes.
        let footer = format!("{story}\n\nHome\nNews\nSport\nabout our site\nTel 0123 456\n");
        assert_eq!(run(rules, &footer), format!("{story}\n\nTel 0123 456\n"));
        // Two in five: a list of the story's own stays.
        let list = format!("{story}\n\nAshdown\nBeacon\nthe old mill\nthe harbour\nthe quay\n");
        assert_eq!(run(rules, &list), list);
    }

    #[test]
    fn a_zone_bounded_by_the_body_waits_where_an_extractor_chose_the_main_text() {
        let rules = "- id: html.main\n  doc: d\n  match: main-text\n\
                     - id: chrome.x\n  doc: d\n  match: zone\n  side: head\n  edge: body\n  min_lines: 3\n  pattern: '^[A-Z][a-z]+$'\n";
        let set = load_str("t.yaml", rules).unwrap();
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said.";
        let text = format!("Menu\nMuffins\nFlour\nSugar\nButter\n\n{story}\n");
        assert_eq!(apply(&text, &clean(&set, None, &text)), format!("{story}\n"));
        // The page's main text starts after `Menu`: a recipe's title and
        // ingredients above its method are the story's own there.
        let edits = clean_with(&set, DocPath::Unknown, &text, &Claims::new(vec![(0..5, 0)]));
        assert_eq!(apply(&text, &edits), format!("Muffins\nFlour\nSugar\nButter\n\n{story}\n"));
    }

    #[test]
    fn run_after_an_introduction_is_kept() {
        let rules = "- id: tags.x\n  doc: d\n  match: run\n  pattern: '^[A-Z][a-z]+$'\n  min_lines: 3\n  unless_after: ':$'\n\
                     - id: tags.label\n  doc: d\n  match: line\n  pattern: '^Tags:$'\n";
        let list = "Body.\n\nYou need:\nFlour\nSugar\nEggs\n";
        assert_eq!(run(rules, list), list);
        // The line before is read as the other rules leave it: a removed
        // label does not introduce the run.
        assert_eq!(run(rules, "Body.\n\nTags:\n\nYork\nFlooding\nRail\n"), "Body.\n");
        assert_eq!(run(rules, "Body.\n\nYork\nFlooding\nRail\n"), "Body.\n");
    }

    #[test]
    fn a_one_line_story_is_not_removed_whole_by_an_unbounded_rule() {
        let story = "The council approved the budget on Tuesday after a four-hour debate, officials said. \
                     The mayor said the new rules for the port would take effect next month after a review. \
                     Business owners warned of higher costs for the small firms that depend on the harbour.";
        let block =
            "- id: chrome.alt\n  doc: d\n  match: block\n  start: 'alternate addresses:$'\n  end: eof\n";
        let glued = format!("{story} Our site can be accessed at the following alternate addresses:");
        assert_eq!(run(block, &glued), glued);
        let span = "- id: copyright.x\n  doc: d\n  match: span\n  pattern: '[.!?](?<cut>\\s+Copyright\\s+\\d{4}.*)$'\n";
        let opening = format!("Some music here. Copyright 2019 rules were debated. {story}");
        assert_eq!(run(span, &opening), opening);
        // A short notice still goes, and a bounded rule takes a long line.
        assert_eq!(run(span, "Body text. Copyright 2019 WXIX."), "Body text.");
        let bounded = format!("{block}  max_words: 200\n");
        assert_eq!(run(&bounded, &glued), "");
    }

    #[test]
    fn block_to_eof_in_tail() {
        let rules = "- id: chrome.alt\n  doc: d\n  match: block\n  start: 'alternate addresses:$'\n  end: eof\n  where: tail\n  within: 3\n";
        let text = "Body.\n\nSite can be accessed at the following alternate addresses:\n\nRoku";
        assert_eq!(run(rules, text), "Body.");
    }

    #[test]
    fn block_to_where_the_story_resumes() {
        let rules = "- id: related.rest\n  doc: d\n  match: block\n  start: '^Related$'\n  end: story\n";
        let story =
            "The operators said the new terminus was too far from the town centre and lacked toilets.";
        let more = "The county said the move was part of a plan to decongest the city centre this year.";
        // Teasers and their blurbs to the end go; a blurb alone does not end it.
        let tail = format!("{story}\n\nRelated\nA headline\n{more}\nAnother headline\n");
        assert_eq!(run(rules, &tail), format!("{story}\n"));
        // Two story lines in a row end it: an inline box keeps the story after it.
        let inline = format!("{story}\n\nRelated\nA headline\n\n{more}\n\n{story}\n");
        assert_eq!(run(rules, &inline), format!("{story}\n\n{more}\n\n{story}\n"));
        // A headline list closed by a blank line, then one story paragraph.
        let boxed = format!("{story}\n\nRelated\nA headline\nAnother headline\n\n{more}\n==Agency\n");
        assert_eq!(run(rules, &boxed), format!("{story}\n\n{more}\n==Agency\n"));
        // No story above it: a menu heading at the top, not a section after the story.
        let top = format!("Related\nA headline\n{story}\n");
        assert_eq!(run(rules, &top), top);
        // Nothing but story text under the heading (an inline box whose
        // links were lost): no section.
        let bare = format!("{story}\n\nRelated\n{more}\n");
        assert_eq!(run(rules, &bare), bare);
    }

    #[test]
    fn cards_go_as_a_list() {
        let rules =
            "- id: related.cards\n  doc: d\n  match: cards\n  pattern: '^Read more$'\n  max_words: 60\n\
                     - id: related.heading\n  doc: d\n  match: line\n  pattern: '^Related$'\n\
                     - id: caption.credit\n  doc: d\n  match: line\n  pattern: '^Photo: AFP$'\n";
        let story =
            "The operators said the new terminus was too far from the town centre and lacked toilets.";
        let blurb = "The county said the move was part of a plan to decongest the city centre this year.";
        let card = |title: &str| format!("{title}\n{blurb}\nRead more\n");
        let rail = format!("{}{}{}", card("Bus fares"), card("New depot"), card("Night routes"));
        // Under a heading another rule of its family removes, the rail goes;
        // the story stays, at the end or in the middle.
        assert_eq!(
            run(rules, &format!("{story}\n{story}\n\nRelated\n{rail}")),
            format!("{story}\n{story}\n")
        );
        let middle = format!("{story}\n\nRelated\n{rail}\n{story}\n");
        assert_eq!(run(rules, &middle), format!("{story}\n\n{story}\n"));
        // Without one, the cards may be the story's own sections; a line
        // another family's rule removes is no heading.
        let bare = format!("{story}\n\n{rail}");
        assert_eq!(run(rules, &bare), bare);
        let credited = format!("{story}\n\nPhoto: AFP\n{rail}");
        assert_eq!(run(rules, &credited), bare);
        // One card is no rail.
        let one = format!("{story}\n\nRelated\n{}", card("Bus fares"));
        assert_eq!(run(rules, &one), format!("{story}\n\n{}", card("Bus fares")));
        // A paragraph with a link under it starts no card: its first line
        // is no title. Nor is a line matching `unless_title`.
        let inline = format!("{story}\n\nRelated\n{story}\nRead more\n{blurb}\nRead more\n");
        assert_eq!(run(rules, &inline), format!("{story}\n\n{story}\nRead more\n{blurb}\nRead more\n"));
        let stamped = rules.replace(
            "max_words: 60",
            "max_words: 60\n  unless_title: '^(?:\\d+[.)]\\s|\\d{1,2}[:h]\\d{2}\\s|\\d+ min ago)'",
        );
        for marks in
            [["1. ", "2. "], ["14:05 ", "14:20 "], ["14h05 ", "14h20 "], ["5 min ago: ", "9 min ago: "]]
        {
            let listed = format!(
                "{story}\n\nRelated\n{}{}",
                card(&format!("{}Bus fares", marks[0])),
                card(&format!("{}New depot", marks[1]))
            );
            assert_eq!(run(&stamped, &listed), listed.replace("Related\n", ""));
            assert_eq!(run(rules, &listed), format!("{story}\n"));
        }
        // Cards of more than three lines are sections, not cards.
        let long = format!("{story}\n\nRelated\nA\nB\nC\n{blurb}\nRead more\nD\nE\nF\n{blurb}\nRead more\n");
        assert_eq!(run(rules, &long), long.replace("Related\n", ""));
        // A page of cards and nothing else (an index page) stays.
        assert_eq!(run(rules, &format!("Related\n{rail}")), rail);
        // With `prose`, cards of sentences (comments) go where they close
        // the page, and only there.
        let prose = rules.replace("max_words: 60", "max_words: 60\n  prose: true");
        assert_eq!(run(&prose, &bare), format!("{story}\n"));
        let inside = format!("{bare}\n{story}\n");
        assert_eq!(run(&prose, &inside), inside);
    }

    #[test]
    fn a_block_followed_by_heads_runs_through_them() {
        let rules = "- id: cta.thread\n  doc: d\n  match: block\n  start: '^Comments$'\n  end: story\n\
                     \x20 min_follows: 2\n  followed_by: '^\\S+ [0-9]{2}:[0-9]{2}$'\n  where: body\n";
        let story =
            "The operators said the new terminus was too far from the town centre and lacked toilets.";
        let comment = "I went to the meeting and it was packed with residents who wanted answers about it.";
        // Heads, the first right under the heading or under a name: the
        // thread goes, however many story-like lines its comments hold.
        let thread =
            format!("{story}\n\nComments\njane 14:05\n{comment}\n{comment}\ntom 14:20\n{comment}\nReply\n");
        assert_eq!(run(rules, &thread), format!("{story}\n"));
        let named =
            format!("{story}\n\nComments\n\nJane\n\njane 14:05\n\n{comment}\n\ntom 14:20\n\n{comment}\n");
        assert_eq!(run(rules, &named), format!("{story}\n"));
        // The story resuming after the last comment ends it.
        let quoted = format!("{thread}\n{story}\n{story}\n");
        assert_eq!(run(rules, &quoted), format!("{story}\n\n{story}\n{story}\n"));
        // One head is one dated entry, not a thread; the story's own section
        // under the same heading, a head three lines down, and a heading
        // above the story's first line stay.
        let one = format!("{story}\n\nComments\njane 14:05\n{comment}\n");
        assert_eq!(run(rules, &one), one);
        let section = format!("{story}\n\nComments\n{comment}\n{story}\n");
        assert_eq!(run(rules, &section), section);
        let far = format!("{story}\n\nComments\nJane\nDoe\njane 14:05\n{comment}\ntom 14:20\n");
        assert_eq!(run(rules, &far), far);
        let top = format!("Comments\njane 14:05\nhi\ntom 14:20\n{story}\n");
        assert_eq!(run(rules, &top), top);
    }

    #[test]
    fn crlf_lines() {
        let text = "Head\r\n\r\nCap (AFP photo)\r\n\r\nBody\r\n";
        assert_eq!(run(CAPTION, text), "Head\r\n\r\nBody\r\n");
    }
}
