//! Property tests over generated dumps: story lines, noise lines of every
//! family, blank lines, CRLF and missing final newlines in any mix.

use descrape::changelog;
use descrape::engine;
use descrape::rules::{load_default, RuleSet};
use descrape::text;
use proptest::prelude::*;
use std::sync::OnceLock;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| load_default().unwrap())
}

/// The default rules plus every normalisation step.
fn nlp_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| descrape::rules::load_paths(&["@nlp".into()], true).unwrap())
}

/// Story and noise lines with the characters normalisation works on mixed in.
fn messy_line() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Itâ€™s",
        "cafÃ©",
        "\u{a0}",
        "\u{200b}",
        "\u{ad}",
        "\u{7}",
        "e\u{301}",
        "  ",
        "\t",
        "ﬁ",
        "Привет",
        "می\u{200c}خواهم",
        "said",
        "the",
        "minister",
        "Share this story!",
        "Culled from Presstv",
        "—",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.join(" "))
}

fn messy_document() -> impl Strategy<Value = String> {
    (prop::collection::vec(prop_oneof![3 => messy_line(), 1 => line()], 0..16), any::<bool>()).prop_map(
        |(mut lines, crlf)| {
            // Repeat a line now and then, for the duplicate-lines step.
            if lines.len() > 2 {
                let l = lines[0].clone();
                lines.push(l);
            }
            lines.join(if crlf { "\r\n" } else { "\n" })
        },
    )
}

const STORY: &[&str] = &[
    "Iran’s foreign minister says talks are the only way forward.",
    "TEHRAN – Top Iranian security official Ali Shamkhani said on Tuesday that cooperation is bearing fruit.",
    "“We should not dictate to the Syrian people what they should do,” he said.",
    "Stocks rose 1.2% and bonds fell 0.3% on Monday, PressTV reported.",
    "Successive victories against terrorists herald bright future",
    "A photo taken by a resident shows smoke rising above the port, officials said.",
    "Kaveri Infotech -2.9%",
];

const NOISE: &[&str] = &[
    "• Samba 65 00% 56.65%",
    "Dow17 56.23 41.89% -2.635%",
    "The combined photo shows Ali Asghar Khaji (L) and Alexander Lavrentiev.",
    "Officials meet in Tehran on November 21, 2021. (Photo by IRNA)",
    "Copyright 2020 WXIX. All rights reserved.",
    "News   /   Politics",
    "Share this story!",
    "Read more: Talks resume in Astana",
    "Culled from Presstv",
    "ISIS Ali Shamkhani Daesh Iran-Russia-Syria cooperation",
    "Press TV’s website can also be accessed at the following alternate addresses:",
    "Recommended stories",
    // Section headings and what follows them (`end: story` blocks).
    "Related posts",
    "Comments",
    "You might also like...",
    "Helping Small Businesses Transform Operations in 2025",
    "EghtesadOnline: A senior Iranian official says strategic cooperation among Iran, Syria and Russia is bearing fruit.",
    // Links that close teaser cards and comments (`cards` rules).
    "Read more",
    "Mehr erfahren",
    "Reply",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(STORY).prop_map(str::to_string),
        2 => prop::sample::select(NOISE).prop_map(str::to_string),
        2 => Just(String::new()),
        1 => Just("   ".to_string()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..24), any::<bool>(), any::<bool>()).prop_map(
        |(lines, crlf, final_nl)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = lines.join(nl);
            if final_nl && !s.is_empty() {
                s.push_str(nl);
            }
            s
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_log_rebuilds_the_input(text in document()) {
        let edits = engine::clean(rules(), Some("a.txt"), &text);
        let output = text::apply(&text, &edits);
        let records = changelog::edit_records(rules(), "a.txt", None, &text, &edits);
        prop_assert_eq!(changelog::rebuild(&output, &records), text);
    }

    #[test]
    fn cleaning_twice_changes_nothing(text in document()) {
        let once = text::apply(&text, &engine::clean(rules(), None, &text));
        let twice = engine::clean(rules(), None, &once);
        prop_assert!(twice.is_empty(), "second pass removed {:?}", twice.iter().map(|e| &once[e.range.clone()]).collect::<Vec<_>>());
    }

    #[test]
    fn removals_leave_no_stray_blank_lines(text in document()) {
        let edits = engine::clean(rules(), None, &text);
        prop_assume!(!edits.is_empty());
        let out = text::apply(&text, &edits);
        let norm = out.replace("\r\n", "\n");
        let orig = text.replace("\r\n", "\n");
        let blank = |l: &str| l.trim().is_empty();
        let lines: Vec<&str> = norm.split('\n').collect();
        if !norm.is_empty() {
            // Leading blank lines only where the input had them untouched.
            if blank(lines[0]) {
                prop_assert!(orig.starts_with(lines[0]) && !edits.iter().any(|e| e.range.start == 0));
            }
            prop_assert_eq!(norm.ends_with('\n'), orig.ends_with('\n'));
        }
        // No run of blank lines longer than the longest the input had.
        let longest = |s: &str| s.split('\n').fold((0, 0), |(best, run), l| {
            let run = if blank(l) { run + 1 } else { 0 };
            (best.max(run), run)
        }).0;
        prop_assert!(longest(&norm) <= longest(&orig).max(1));
    }

    #[test]
    fn the_log_rebuilds_the_input_with_normalisation(text in messy_document()) {
        let edits = engine::clean(nlp_rules(), Some("a.txt"), &text);
        let output = text::apply(&text, &edits);
        let records = changelog::edit_records(nlp_rules(), "a.txt", None, &text, &edits);
        prop_assert_eq!(changelog::rebuild(&output, &records), text);
    }

    #[test]
    fn normalising_twice_changes_nothing(text in messy_document()) {
        let once = text::apply(&text, &engine::clean(nlp_rules(), None, &text));
        let twice = engine::clean(nlp_rules(), None, &once);
        prop_assert!(twice.is_empty(), "second pass changed {:?} in {:?}", twice.iter().map(|e| (&once[e.range.clone()], &e.insert)).collect::<Vec<_>>(), once);
    }

    #[test]
    fn edits_are_sorted_disjoint_and_on_char_boundaries(text in document()) {
        let edits = engine::clean(rules(), None, &text);
        for w in edits.windows(2) {
            prop_assert!(w[0].range.end <= w[1].range.start);
        }
        for e in &edits {
            prop_assert!(e.range.start < e.range.end);
            prop_assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
        }
    }
}

/// Upstream trafilatura 0.6.0's `trim`, which the vendored copy replaces
/// with a faster one (vendor/trafilatura/PATCHES.md).
fn upstream_trim(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let no_soft_hyphen: String = s.chars().filter(|&c| c != '\u{00AD}').collect();
    let joined = no_soft_hyphen.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.nfc().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn the_extractors_patched_trim_matches_upstream(
        s in prop::collection::vec(prop::sample::select(vec![
            'a', 'e', 'é', 'Å', ' ', ' ', '\t', '\n', '\u{00A0}', '\u{3000}', '\u{00AD}',
            '\u{0301}', '\u{0308}', '\u{212B}', '\u{1100}', '\u{1161}', 'ǅ', '.',
        ]), 0..24).prop_map(|cs| cs.into_iter().collect::<String>())
    ) {
        prop_assert_eq!(trafilatura::utils::trim(&s), upstream_trim(&s));
    }
}

/// A group of one site's articles, some with a footer glued into the last
/// paragraph or on its own line after desk initials, some with a quote or
/// a stock sentence after it.
const FOOTERS: [&str; 2] = [
    "Daily Desk content may be republished with a link to the original page.",
    "Follow the Daily Desk on every platform for updates",
];

fn site_group() -> impl Strategy<Value = Vec<String>> {
    const ENDS: [&str; 4] = ["", " “We will respond,” he said.", " No further details were given.", " EF/MA"];
    // Each article's own text, so no two are copies of one story.
    const PARAGRAPHS: [&str; 4] = [
        "The council approved budget {n} on Tuesday after a four-hour debate, officials said.",
        "Business owners in district {n} warned of higher costs for the small firms of the harbour.",
        "“We should not dictate to district {n} what it should do,” he said.",
        "Successive victories herald bright future for district {n}",
    ];
    let article = (
        prop::collection::vec(prop::sample::select(&PARAGRAPHS[..]), 1..4),
        prop::option::weighted(
            0.8,
            (0..FOOTERS.len(), any::<bool>(), prop::sample::select(&["EF/MA ", "NA/PA ", ""][..])),
        ),
        prop_oneof![6 => Just(ENDS[0]), 1 => prop::sample::select(&ENDS[1..])],
    );
    prop::collection::vec(article, 10..16).prop_map(|articles| {
        articles
            .into_iter()
            .enumerate()
            .map(|(n, (paras, footer, end))| {
                // A letter, not a digit: digits fold alike.
                let name = format!("Zone{}", char::from(b'a' + n as u8));
                let paras: Vec<String> = paras.iter().map(|p| p.replace("{n}", &name)).collect();
                let mut text = paras.join("\n\n");
                if let Some((f, alone, initials)) = footer {
                    text.push_str(if alone { "\n\n" } else { " " });
                    text.push_str(initials);
                    text.push_str(FOOTERS[f]);
                }
                text.push_str(end);
                text.push('\n');
                text
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Glued repetition's cuts rebuild the input from the log, fall on
    /// character boundaries, and leave nothing for a second clean to cut.
    #[test]
    fn glued_repetition_cuts_rebuild_and_settle(docs in site_group()) {
        let rules = descrape::rules::load_paths(&["@repeated".into()], false).unwrap();
        let mut counts = descrape::repeat::Counts::new(descrape::repeat::GroupBy::None);
        for d in &docs {
            counts.add("*", &descrape::repeat::doc_keys(d, descrape::repeat::Counted::Removable));
        }
        let cleaner = engine::Cleaner { counts: Some(&counts), ..engine::Cleaner::new(&rules) };
        for (n, text) in docs.iter().enumerate() {
            let path = format!("site/{n}.txt");
            let at = descrape::rules::DocPath::Known(&path);
            let edits = cleaner.clean(at, text, &engine::Claims::default());
            for e in &edits {
                prop_assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
            }
            let output = text::apply(text, &edits);
            let records = changelog::edit_records(&rules, &path, None, text, &edits);
            prop_assert_eq!(changelog::rebuild(&output, &records), text.clone());
            // A footer that ends six articles or more that have a story
            // line (five after other text) goes from each, unless it
            // stands alone without initials.
            let ends = |d: &String, f: &str| {
                let Some(before) = d.strip_suffix(&format!("{f}\n")) else { return false };
                // Desk initials sign a story only after its last sentence.
                let starts = [". ", ". EF/MA ", ". NA/PA ", "\n", "\nEF/MA ", "\nNA/PA "].iter().any(|s| before.ends_with(s));
                starts && d.lines().any(descrape::repeat::story_like)
            };
            if let Some(f) = FOOTERS.iter().find(|f| ends(text, f)) {
                let ending = docs.iter().filter(|d| ends(d, f)).count();
                let alone = text.contains(&format!("\n\n{f}"));
                if ending >= 6 && !alone {
                    prop_assert!(!output.contains(f), "{}", output);
                }
            }
            let again = cleaner.clean(at, &output, &engine::Claims::default());
            prop_assert!(again.is_empty(), "second clean cut {:?}", again.iter().map(|e| &output[e.range.clone()]).collect::<Vec<_>>());
        }
    }
}

const LONG_STORY: &[&str] = &[
    "The council voted on Monday to approve the new budget for next year after a long debate, the mayor said.",
    "“We will not accept any deal that leaves the port closed to our ships,” the minister told reporters in Geneva.",
    "Prices of staple foods rose by a fifth in the year to March, according to figures from the statistics office.",
    "Rescue teams worked through the night to reach villages cut off by the floods, the regional governor said.",
];

const TITLES: &[&str] = &[
    "Packaging and the climate crisis",
    "What is Earth Overshoot Day?",
    "Ölunternehmen im Wandel",
    "Night bus routes return",
];

const BLURBS: &[&str] = &[
    "Oil companies are turning to plastics as demand for petrol falls, which will make the waste problem worse.",
    "On that day people have used up all the resources the planet can renew in a whole year.",
    "Sep 19, 2025",
];

/// A story of one to four paragraphs, then a rail of cards: a title, up
/// to two more lines and a link, with blank lines here and there.
fn story_and_rail() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>, String)> {
    let story = prop::collection::vec(prop::sample::select(LONG_STORY).prop_map(str::to_string), 1..5);
    let card = (prop::sample::select(TITLES), prop::collection::vec(prop::sample::select(BLURBS), 0..3))
        .prop_map(|(t, b)| std::iter::once(t).chain(b).map(str::to_string).collect::<Vec<_>>());
    let link = prop::sample::select(vec!["Read more", "Mehr erfahren", "Leer más →", "Continue reading…"]);
    (story, prop::collection::vec(card, 1..6), link.prop_map(str::to_string))
}

proptest! {
    /// A rail of cards after a story never costs a story line; a rail of
    /// two or more cards made alike (a site's template) under a heading
    /// goes whole.
    #[test]
    fn a_rail_of_cards_goes_and_the_story_stays((story, cards, link) in story_and_rail(), gaps in any::<u16>(), headed in any::<bool>()) {
        let mut text = story.join("\n\n");
        text.push_str(if headed { "\n\nRead also\n" } else { "\n\n" });
        for (n, card) in cards.iter().enumerate() {
            for line in card {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&link);
            text.push_str(if gaps >> (n % 16) & 1 == 1 { "\n\n" } else { "\n" });
        }
        let output = text::apply(&text, &engine::clean(rules(), None, &text));
        for line in &story {
            prop_assert!(output.contains(line.as_str()), "{}", output);
        }
        let alike = cards.iter().all(|c| c.len() == cards[0].len());
        if cards.len() >= 2 && alike && headed {
            prop_assert_eq!(output.trim_end(), story.join("\n\n"));
        }
    }
}
