//! The line scorer behind `score` rules: shallow features of a line and
//! its neighbours (length, sentence punctuation, capitals, links, share and
//! credit vocabulary, whether story text comes before or after it), weighed
//! by a logistic model whose weights are data in the rules file.
//!
//! A document with no story sentence is not scored. Features are computed
//! on the document as it came in, so a line's score
//! does not depend on what other rules remove. Lines that read like story
//! text (a long sentence, a quotation) are never scored at all: the scorer
//! cannot remove them, whatever the weights say. No I/O here.

use std::sync::LazyLock;

use regex::Regex;

use crate::repeat::story_like;

/// The features, in the order their values are computed. A rule's weights
/// name them; `bias` is the constant term.
pub const FEATURES: &[(&str, &str)] = &[
    ("words", "ln(1 + words on the line)"),
    ("short", "3 words or fewer"),
    ("sentence-end", "ends as a sentence does (. ! ? or a closing quote)"),
    ("colon-end", "ends with a colon"),
    ("capitalised", "share of words starting with a capital letter"),
    ("all-caps", "letters but no lower-case letter"),
    ("digits", "share of characters that are digits"),
    ("link", "holds a URL, a domain or an @handle"),
    ("separators", "holds separators of menus and credits (|, •, », ›, ·, /)"),
    ("list-item", "starts as a list item (-, •, *, 1.)"),
    ("quote", "holds a quotation mark"),
    ("cta", "words of calls to action (subscribe, sign up, share, follow, click, download, …)"),
    ("credit", "words of photo credits (photo, image, credit, Getty, Reuters, AFP, courtesy, …)"),
    ("legal", "words of legal footers (©, copyright, rights reserved, licence, privacy, cookies, …)"),
    ("related", "words of teasers (related, read more, recommended, see also, most popular, …)"),
    ("head-zone", "no story sentence before the line"),
    ("tail-zone", "no story sentence after the line"),
    ("position", "position among the non-blank lines, 0 at the top, 1 at the bottom"),
    ("prev-story", "the line before reads as story text"),
    ("next-story", "the line after reads as story text"),
    ("prev-vocab", "the line before holds call-to-action, credit, legal or teaser words"),
    ("next-vocab", "the line after holds call-to-action, credit, legal or teaser words"),
    ("vocab-short", "call-to-action, credit, legal or teaser words on a line of 8 words or fewer"),
    (
        "zone-fragment",
        "a line of 8 words or fewer, not a sentence, with no story sentence before or none after it",
    ),
    (
        "zone-vocab",
        "call-to-action, credit, legal or teaser words with no story sentence before or none after",
    ),
    ("fragment-run", "this line and both neighbours are lines of 8 words or fewer, not sentences"),
];

pub const N_FEATURES: usize = 26;

/// The index of a feature by name.
pub fn feature_index(name: &str) -> Option<usize> {
    FEATURES.iter().position(|(n, _)| *n == name)
}

fn lexicon(words: &[&str]) -> Regex {
    let words = words.join("|");
    Regex::new(&format!(r"(?i)(?-u:\b)(?:{words})(?-u:\b)")).expect("valid lexicon")
}

static CTA: LazyLock<Regex> = LazyLock::new(|| {
    lexicon(&[
        r"subscrib\w*",
        r"sign (?:up|in)",
        r"log ?in",
        r"newsletters?",
        r"share(?: this)?",
        r"follow us",
        r"click",
        r"tap here",
        r"download",
        r"learn more",
        r"get started",
        r"free trial",
        r"join",
        r"register",
        r"donate",
        r"support us",
        r"comments?",
        r"reply",
        r"like us",
        r"buy now",
        r"shop",
        r"order now",
        r"contact us",
        r"apply now",
        r"book now",
        r"watch",
        r"listen",
        r"podcast",
        r"app store",
        r"google play",
        r"whatsapp",
        r"telegram",
        r"facebook",
        r"twitter",
        r"instagram",
        r"linkedin",
        r"pinterest",
        r"youtube",
        r"tiktok",
        r"email",
        r"print",
        r"advertis\w*",
        r"sponsored",
        r"promo\w*",
        r"coupon",
        r"deal",
        r"unsubscribe",
        r"notifications?",
        r"loading",
    ])
});

static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    lexicon(&[
        r"photos?",
        r"photograph\w*",
        r"image",
        r"images",
        r"pictures?",
        r"credit",
        r"credits",
        r"getty",
        r"reuters",
        r"afp",
        r"ap",
        r"epa",
        r"shutterstock",
        r"istock",
        r"alamy",
        r"courtesy",
        r"illustration",
        r"file photo",
        r"caption",
        r"video",
        r"gallery",
        r"staff",
        r"agencies",
        r"via",
    ])
});

static LEGAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)©|\(c\)|(?-u:\b)(?:copyright|rights reserved|licen[cs]ed?|creative commons|terms of (?:use|service)|privacy|cookies?|disclaimer|affiliate|reproduc\w+|redistribut\w+)(?-u:\b)",
    )
    .expect("valid lexicon")
});

static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    lexicon(&[
        r"related",
        r"read more",
        r"read next",
        r"more from",
        r"see also",
        r"recommended",
        r"you may also like",
        r"you might also like",
        r"most popular",
        r"popular",
        r"trending",
        r"more stories",
        r"top stories",
        r"latest",
        r"next article",
        r"previous article",
        r"also read",
        r"don't miss",
        r"more news",
        r"more on",
        r"tags?",
        r"topics?",
        r"categor(?:y|ies)",
        r"filed under",
        r"back to top",
    ])
});

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)https?://|www\.|(?-u:\b)[a-z0-9-]+\.(?:com|org|net|co|io|gov|edu|info|news)(?-u:\b)|(?:^|\s)@\w").expect("valid")
});

fn vocab(line: &str) -> [bool; 4] {
    [CTA.is_match(line), CREDIT.is_match(line), LEGAL.is_match(line), RELATED.is_match(line)]
}

/// Feature values of every line of a document (`None` for blank lines and
/// lines that read as story text, which are never scored).
pub fn features(lines: &[&str]) -> Vec<Option<[f64; N_FEATURES]>> {
    let nonblank: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].trim().is_empty()).collect();
    let story: Vec<bool> = lines.iter().map(|l| story_like(l)).collect();
    let first_story = nonblank.iter().copied().find(|&i| story[i]);
    let last_story = nonblank.iter().rev().copied().find(|&i| story[i]);
    let mut out = vec![None; lines.len()];
    // With no story sentence there is no telling story from chrome.
    if first_story.is_none() {
        return out;
    }
    let vocab_of: Vec<Option<[bool; 4]>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (!l.trim().is_empty() && !story[i]).then(|| vocab(l)))
        .collect();
    let any_vocab = |i: usize| vocab_of[i].is_some_and(|v| v.iter().any(|&b| b));
    let n = nonblank.len();
    for (k, &i) in nonblank.iter().enumerate() {
        if story[i] {
            continue;
        }
        let line = lines[i].trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let w = words.len();
        let capitalised = words.iter().filter(|x| x.chars().next().is_some_and(char::is_uppercase)).count();
        let lettered = words.iter().filter(|x| x.chars().any(char::is_alphabetic)).count();
        let chars = line.chars().count().max(1);
        let digits = line.chars().filter(char::is_ascii_digit).count();
        let has_lower = line.chars().any(char::is_lowercase);
        let has_letter = line.chars().any(char::is_alphabetic);
        let prev = (k > 0).then(|| nonblank[k - 1]);
        let next = nonblank.get(k + 1).copied();
        let v = vocab_of[i].unwrap_or_default();
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        let fragment = |j: usize| {
            let l = lines[j].trim();
            !story[j] && l.split_whitespace().count() <= 8 && !l.ends_with(['.', '!', '?'])
        };
        let any_v = v.iter().any(|&x| x);
        let zone = first_story.is_none_or(|f| f > i) || last_story.is_none_or(|l| l < i);
        out[i] = Some([
            (1.0 + w as f64).ln(),
            b(w <= 3),
            b(line.ends_with(['.', '!', '?', '”', '"', '’', '…'])),
            b(line.ends_with(':')),
            if lettered == 0 { 0.0 } else { capitalised as f64 / lettered as f64 },
            b(has_letter && !has_lower),
            digits as f64 / chars as f64,
            b(LINK.is_match(line)),
            b(line.contains(['|', '•', '»', '›', '·']) || line.contains(" / ")),
            b(line.starts_with(['-', '•', '*'])
                || line.split_once(". ").is_some_and(|(a, _)| a.parse::<u32>().is_ok())),
            b(line.contains(['"', '“', '”', '«', '»'])),
            b(v[0]),
            b(v[1]),
            b(v[2]),
            b(v[3]),
            b(first_story.is_none_or(|f| f > i)),
            b(last_story.is_none_or(|l| l < i)),
            if n > 1 { k as f64 / (n - 1) as f64 } else { 0.0 },
            b(prev.is_some_and(|p| story[p])),
            b(next.is_some_and(|p| story[p])),
            b(prev.is_some_and(any_vocab)),
            b(next.is_some_and(any_vocab)),
            b(any_v && w <= 8),
            b(zone && fragment(i)),
            b(zone && any_v),
            b(fragment(i) && prev.is_some_and(fragment) && next.is_some_and(fragment)),
        ]);
    }
    out
}

/// The distinct words of a line as the model's `words` weights see them:
/// lower case, letters and digits only, sorted.
pub fn tokens(line: &str) -> Vec<String> {
    let mut out: Vec<String> =
        line.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A fitted logistic model: a weight per feature, a weight per word of a
/// learned vocabulary, and a constant term.
#[derive(Debug, Clone)]
pub struct Model {
    pub bias: f64,
    pub weights: [f64; N_FEATURES],
    pub words: std::collections::HashMap<String, f64>,
    /// A line goes when its probability of being noise is at least this.
    pub threshold: f64,
}

impl Model {
    /// The probability that `line`, with these features, is noise.
    pub fn score(&self, line: &str, f: &[f64; N_FEATURES]) -> f64 {
        let mut z: f64 = self.bias + self.weights.iter().zip(f).map(|(w, x)| w * x).sum::<f64>();
        if !self.words.is_empty() {
            z += tokens(line).iter().filter_map(|t| self.words.get(t)).sum::<f64>();
        }
        1.0 / (1.0 + (-z).exp())
    }

    /// The features that pushed a line's score most, strongest first.
    pub fn reasons(&self, f: &[f64; N_FEATURES], n: usize) -> Vec<(&'static str, f64)> {
        let mut parts: Vec<(&'static str, f64)> = FEATURES
            .iter()
            .zip(self.weights.iter().zip(f))
            .map(|((name, _), (w, x))| (*name, w * x))
            .filter(|(_, c)| *c != 0.0)
            .collect();
        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        parts.truncate(n);
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_values_agree() {
        assert_eq!(FEATURES.len(), N_FEATURES);
    }

    #[test]
    fn story_lines_are_never_scored() {
        assert!(features(&["Share this story", "Photo: Reuters"]).iter().all(Option::is_none));
        let lines = [
            "Share this story",
            "The minister said on Monday that talks would resume in Astana next week.",
            "Photo: Reuters",
        ];
        let f = features(&lines);
        assert!(f[0].is_some() && f[1].is_none() && f[2].is_some());
        let tail = feature_index("tail-zone").unwrap();
        assert_eq!(f[0].unwrap()[tail], 0.0);
        assert_eq!(f[2].unwrap()[tail], 1.0);
        assert_eq!(f[2].unwrap()[feature_index("credit").unwrap()], 1.0);
    }
}
