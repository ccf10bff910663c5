//! Scoring rules against hand-cleaned gold files, word by word.
//!
//! The raw text and the gold text are aligned line by line (patience diff),
//! then word by word inside differing lines (Myers diff over whitespace-
//! separated words, bounded for long lines that differ much: see `align`);
//! a raw word the gold lacks is noise. Which
//! raw words the rules removed is known exactly from the edits. Precision
//! is the share of removed words that were noise, recall the share of noise
//! words removed; with nothing removed precision is 1, with no noise recall
//! is 1. No I/O here.

use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::report::{shorten, Report};
use crate::rules::RuleSet;
use crate::text::{self, Edit};

/// Word counts for one file, one rule, or a whole run.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct WordCounts {
    /// Noise words removed.
    pub true_removed: u64,
    /// Story words removed.
    pub false_removed: u64,
    /// Noise words left in.
    pub missed: u64,
}

impl WordCounts {
    pub fn precision(&self) -> f64 {
        let removed = self.true_removed + self.false_removed;
        if removed == 0 {
            1.0
        } else {
            self.true_removed as f64 / removed as f64
        }
    }

    pub fn recall(&self) -> f64 {
        let noise = self.true_removed + self.missed;
        if noise == 0 {
            1.0
        } else {
            self.true_removed as f64 / noise as f64
        }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    fn add(&mut self, o: &WordCounts) {
        self.true_removed += o.true_removed;
        self.false_removed += o.false_removed;
        self.missed += o.missed;
    }
}

/// Story text a rule removed.
#[derive(Debug, Clone, Serialize)]
pub struct FalseRemoval {
    pub rule: String,
    pub line: usize,
    /// The words, shortened for display.
    pub words: String,
    /// How many words, all of them.
    pub count: u64,
}

/// Noise the rules left in.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub line: usize,
    pub words: String,
}

/// One file's score.
#[derive(Debug, Clone, Serialize)]
pub struct FileScore {
    pub file: String,
    pub counts: WordCounts,
    /// Noise words the gold marks in this file (0: a clean file).
    pub noise: u64,
    pub false_removals: Vec<FalseRemoval>,
    pub misses: Vec<Miss>,
    /// Per rule index: (noise words, story words) it removed.
    #[serde(skip)]
    pub per_rule: Vec<(usize, WordCounts)>,
}

/// Which raw words the gold text lacks. Lines are aligned first (so a
/// caption that repeats a story word cannot steal its place), then words
/// inside the lines that differ.
fn noise_words(raw: &str, gold: &str) -> Vec<bool> {
    let raw_lines: Vec<&str> =
        crate::text::line_texts(raw).map(str::trim).filter(|l| !l.is_empty()).collect();
    let gold_lines: Vec<&str> =
        crate::text::line_texts(gold).map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut noise = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, &gold_lines, &raw_lines) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                noise.extend(std::iter::repeat_n(
                    false,
                    line_words(&raw_lines[new_index..new_index + len]).len(),
                ));
            }
            DiffOp::Delete { .. } => {}
            DiffOp::Insert { new_index, new_len, .. } => {
                noise.extend(std::iter::repeat_n(
                    true,
                    line_words(&raw_lines[new_index..new_index + new_len]).len(),
                ));
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                let g = line_words(&gold_lines[old_index..old_index + old_len]);
                let r = line_words(&raw_lines[new_index..new_index + new_len]);
                let (_, kept) = crate::align::matched(&g, &r, crate::align::Whole::Myers);
                noise.extend(kept.into_iter().map(|k| !k));
            }
        }
    }
    noise
}

fn line_words<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines.iter().flat_map(|l| l.split_whitespace()).collect()
}

/// Score one document: its decoded `raw` text, the edits the rules made and
/// the gold text. Words on the 1-based raw lines in `ignore` count neither way.
pub fn score(
    rules: &RuleSet,
    file: &str,
    raw: &str,
    edits: &[Edit],
    gold: &str,
    ignore: &[usize],
) -> FileScore {
    let raw_words = text::word_owners(raw, edits);
    let noise = noise_words(raw, gold);
    debug_assert_eq!(noise.len(), raw_words.len());
    let lines = text::lines(raw);
    let line_of = |pos: usize| text::line_span(&lines, &(pos..pos + 1)).0;
    let mut noise_total = 0u64;
    let mut counts = WordCounts::default();
    let mut per_rule: Vec<(usize, WordCounts)> = Vec::new();
    let mut false_removals: Vec<FalseRemoval> = Vec::new();
    let mut misses: Vec<Miss> = Vec::new();
    for (i, &(start, text, by)) in raw_words.iter().enumerate() {
        if !ignore.is_empty() && ignore.contains(&line_of(start)) {
            continue;
        }
        noise_total += u64::from(noise[i]);
        match (noise[i], by) {
            (true, Some(r)) | (false, Some(r)) => {
                let slot = match per_rule.iter_mut().find(|(x, _)| *x == r) {
                    Some(s) => s,
                    None => {
                        per_rule.push((r, WordCounts::default()));
                        per_rule.last_mut().expect("just pushed")
                    }
                };
                if noise[i] {
                    counts.true_removed += 1;
                    slot.1.true_removed += 1;
                } else {
                    counts.false_removed += 1;
                    slot.1.false_removed += 1;
                    let line = line_of(start);
                    let id = &rules.rules()[r].id;
                    match false_removals.last_mut() {
                        Some(f) if f.rule == *id && f.line == line => {
                            push_word(&mut f.words, text);
                            f.count += 1;
                        }
                        _ => false_removals.push(FalseRemoval {
                            rule: id.clone(),
                            line,
                            words: text.into(),
                            count: 1,
                        }),
                    }
                }
            }
            (true, None) => {
                counts.missed += 1;
                let line = line_of(start);
                match misses.last_mut() {
                    Some(m) if m.line == line => push_word(&mut m.words, text),
                    _ => misses.push(Miss { line, words: text.into() }),
                }
            }
            (false, None) => {}
        }
    }
    for f in &mut false_removals {
        f.words = shorten(&f.words, 160);
    }
    for m in &mut misses {
        m.words = shorten(&m.words, 160);
    }
    per_rule.sort_by_key(|(r, _)| *r);
    FileScore { file: file.to_string(), counts, noise: noise_total, false_removals, misses, per_rule }
}

fn push_word(s: &mut String, w: &str) {
    s.push(' ');
    s.push_str(w);
}

/// Per-rule line of the evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct RuleScore {
    pub rule: String,
    pub removed: u64,
    pub true_removed: u64,
    pub false_removed: u64,
    pub precision: f64,
}

/// The whole evaluation, as printed and as `--json`.
#[derive(Debug, Serialize)]
pub struct Evaluation {
    /// Documents scored: files, or JSON Lines records.
    pub files: usize,
    /// Inputs not scored for want of gold: relative paths, or record ids.
    pub files_without_gold: Vec<String>,
    /// Gold records no input record matched (JSON Lines; empty for files).
    pub gold_without_input: Vec<String>,
    pub counts: WordCounts,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Files whose gold marks no noise, and how many of them kept every word.
    pub clean_files: usize,
    pub clean_files_untouched: usize,
    /// Per rule family (the rule id before its first dot).
    pub families: Vec<RuleScore>,
    pub rules: Vec<RuleScore>,
    pub worst: Vec<FileScore>,
    /// Scoring JSON Lines records rather than files (for the wording).
    #[serde(skip)]
    pub records: bool,
}

/// Combine file scores; `worst` keeps the `n` files with most wrong words.
pub fn summarize(rules: &RuleSet, files: Vec<FileScore>, without_gold: Vec<String>, n: usize) -> Evaluation {
    let mut counts = WordCounts::default();
    let mut per_rule = vec![WordCounts::default(); rules.len()];
    for f in &files {
        counts.add(&f.counts);
        for (r, c) in &f.per_rule {
            per_rule[*r].add(c);
        }
    }
    let mut rule_scores: Vec<RuleScore> = per_rule
        .iter()
        .enumerate()
        .filter(|(_, c)| c.true_removed + c.false_removed > 0)
        .map(|(r, c)| RuleScore {
            rule: rules.rules()[r].id.clone(),
            removed: c.true_removed + c.false_removed,
            true_removed: c.true_removed,
            false_removed: c.false_removed,
            precision: c.precision(),
        })
        .collect();
    rule_scores.sort_by(|a, b| b.false_removed.cmp(&a.false_removed).then(b.removed.cmp(&a.removed)));
    let mut families: Vec<RuleScore> = Vec::new();
    for r in &rule_scores {
        let family = crate::rules::family(&r.rule);
        let i = match families.iter().position(|f| f.rule == family) {
            Some(i) => i,
            None => {
                families.push(RuleScore {
                    rule: family.to_string(),
                    removed: 0,
                    true_removed: 0,
                    false_removed: 0,
                    precision: 1.0,
                });
                families.len() - 1
            }
        };
        let f = &mut families[i];
        f.removed += r.removed;
        f.true_removed += r.true_removed;
        f.false_removed += r.false_removed;
        f.precision = f.true_removed as f64 / f.removed as f64;
    }
    families.sort_by(|a, b| b.removed.cmp(&a.removed).then(a.rule.cmp(&b.rule)));
    let clean_files = files.iter().filter(|f| f.noise == 0).count();
    let clean_files_untouched = files.iter().filter(|f| f.noise == 0 && f.counts.false_removed == 0).count();
    let total = files.len();
    let mut worst: Vec<FileScore> =
        files.into_iter().filter(|f| f.counts.false_removed + f.counts.missed > 0).collect();
    // Story words lost weigh more than noise left in.
    worst.sort_by_key(|f| std::cmp::Reverse((f.counts.false_removed * 4 + f.counts.missed, f.file.clone())));
    worst.truncate(n);
    Evaluation {
        files: total,
        files_without_gold: without_gold,
        gold_without_input: Vec::new(),
        counts,
        precision: counts.precision(),
        recall: counts.recall(),
        f1: counts.f1(),
        clean_files,
        clean_files_untouched,
        families,
        rules: rule_scores,
        worst,
        records: false,
    }
}

impl Report for Evaluation {
    fn render(&self) -> String {
        use std::fmt::Write as _;
        let c = &self.counts;
        let mut s = String::new();
        let unit = if self.records { "records" } else { "files" };
        let _ = writeln!(
            s,
            "{} {unit}: precision {:.4}, recall {:.4}, F1 {:.4} ({} noise words removed, {} story words removed, {} noise words missed)",
            self.files, self.precision, self.recall, self.f1, c.true_removed, c.false_removed, c.missed
        );
        if !self.files_without_gold.is_empty() {
            let what = if self.records { "record" } else { "file" };
            let n = self.files_without_gold.len();
            let _ = writeln!(s, "no gold {what} for {n} inputs: {}", first_few(&self.files_without_gold));
        }
        if !self.gold_without_input.is_empty() {
            let n = self.gold_without_input.len();
            let _ =
                writeln!(s, "no input record for {n} gold records: {}", first_few(&self.gold_without_input));
        }
        let _ = writeln!(s, "clean {unit} untouched: {} of {}", self.clean_files_untouched, self.clean_files);
        if self.families.len() > 1 {
            score_table(&mut s, "family", &self.families);
        }
        if !self.rules.is_empty() {
            score_table(&mut s, "rule", &self.rules);
        }
        if !self.worst.is_empty() {
            let _ = writeln!(s, "\nworst {unit}:");
            for f in &self.worst {
                let _ = writeln!(
                    s,
                    "  {}: {} story words removed, {} noise words missed",
                    f.file, f.counts.false_removed, f.counts.missed
                );
                for x in &f.false_removals {
                    let _ = writeln!(s, "    removed by {} at line {}: {}", x.rule, x.line, x.words);
                }
                for m in &f.misses {
                    let _ = writeln!(s, "    missed at line {}: {}", m.line, m.words);
                }
            }
        }
        s
    }
}

/// Names in a one-line list: the first ten, then how many more.
fn first_few(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// A table of word counts per rule or family, under a blank line.
fn score_table(s: &mut String, heading: &str, rows: &[RuleScore]) {
    use std::fmt::Write as _;
    let width = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0).max(heading.len());
    let _ = writeln!(s, "\n  {heading:<width$}  {:>7}  {:>7}  {:>9}", "removed", "story", "precision");
    for r in rows {
        let _ = writeln!(
            s,
            "  {:<width$}  {:>7}  {:>7}  {:>9.4}",
            r.rule, r.removed, r.false_removed, r.precision
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::rules::load_str;

    #[test]
    fn counts_true_false_and_missed_words() {
        let rules =
            load_str("t.yaml", "- id: a.b\n  doc: d\n  match: line\n  pattern: '^(Share|Said)'\n").unwrap();
        let raw = "Story one.\nShare this!\nSaid the man.\nRead more: x\n";
        let gold = "Story one.\nSaid the man.\n";
        let edits = engine::clean(&rules, None, raw);
        let s = score(&rules, "f.txt", raw, &edits, gold, &[]);
        assert_eq!(s.counts, WordCounts { true_removed: 2, false_removed: 3, missed: 3 });
        assert_eq!(s.false_removals[0].words, "Said the man.");
        assert_eq!(s.false_removals[0].line, 3);
        assert_eq!(s.misses[0].line, 4);
        assert!((s.counts.precision() - 0.4).abs() < 1e-9);
        assert!((s.counts.recall() - 0.4).abs() < 1e-9);
    }
}
