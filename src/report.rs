//! Run totals: file counts, per-rule edit and word counts, throughput;
//! printed as a summary on stderr and written as JSON with `--report`.
//! Also the [`Report`] trait the commands print every report through.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::changelog::Record;
use crate::rules::RuleSet;
use crate::text;

/// A command's report: serialisable, with its text rendering.
pub trait Report: Serialize {
    fn render(&self) -> String;
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct FileCounts {
    pub read: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    /// JSON Lines lines that were not records.
    pub malformed: u64,
    /// Records dropped by `--min-words` (also counted as read).
    pub dropped: u64,
    /// Counting JSON Lines records rather than files (for the wording).
    #[serde(skip)]
    pub records: bool,
}

impl FileCounts {
    /// `N files: …` where the parts add up to N, with malformed and dropped
    /// counts when there are any.
    pub fn render(&self) -> String {
        let unit = if self.records { "records" } else { "files" };
        let total =
            self.changed + self.unchanged + self.skipped + self.failed + self.malformed + self.dropped;
        let mut s = format!(
            "{total} {unit}: {} changed, {} unchanged, {} skipped, {} failed",
            self.changed, self.unchanged, self.skipped, self.failed
        );
        if self.malformed > 0 || self.dropped > 0 {
            s.push_str(&format!(", {} malformed, {} dropped", self.malformed, self.dropped));
        }
        s
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleTotals {
    pub rule: String,
    pub edits: u64,
    pub lines: u64,
    pub words: u64,
    pub files: u64,
    /// The first few removals, in input order.
    pub examples: Vec<Sample>,
}

/// One removal shown as an example: where, and the text (trimmed, shortened).
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub file: String,
    pub line: usize,
    pub text: String,
}

/// Examples kept per rule.
const EXAMPLES: usize = 3;

/// `s` trimmed, on one line, and cut to about `max` characters.
pub fn shorten(s: &str, max: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return one;
    }
    let cut: String = one.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// Totals accumulated over a run, in input order.
#[derive(Debug)]
pub struct Totals {
    pub files: FileCounts,
    pub bytes_read: u64,
    per_rule: Vec<RuleTotals>,
    index: HashMap<String, usize>,
}

impl Totals {
    pub fn new(rules: &RuleSet) -> Totals {
        let per_rule = rules
            .rules()
            .iter()
            .map(|r| RuleTotals {
                rule: r.id.clone(),
                edits: 0,
                lines: 0,
                words: 0,
                files: 0,
                examples: Vec::new(),
            })
            .collect();
        let index = rules.rules().iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        Totals { files: FileCounts::default(), bytes_read: 0, per_rule, index }
    }

    /// Count one document's edit records against their rules.
    pub fn add_records(&mut self, records: &[Record]) {
        let mut hit = BTreeSet::new();
        for r in records {
            let Record::Edit { file, rule, kind, lines, removed, .. } = r else { continue };
            let Some(&i) = self.index.get(rule) else { continue };
            let t = &mut self.per_rule[i];
            t.edits += 1;
            t.words += text::word_count(removed) as u64;
            if kind != "span" {
                t.lines += (lines[1] + 1 - lines[0]) as u64;
            }
            if t.examples.len() < EXAMPLES && !removed.trim().is_empty() {
                // Point at the first line with removed text, not at a line end taken along.
                let skipped = removed[..removed.len() - removed.trim_start().len()].matches('\n').count();
                t.examples.push(Sample {
                    file: file.clone(),
                    line: lines[0] + skipped,
                    text: shorten(removed, 100),
                });
            }
            hit.insert(i);
        }
        for i in hit {
            self.per_rule[i].files += 1;
        }
    }

    /// Rules that removed something, most words first, then id.
    pub fn rules_by_words(&self) -> Vec<&RuleTotals> {
        let mut v: Vec<&RuleTotals> = self.per_rule.iter().filter(|t| t.edits > 0).collect();
        v.sort_by(|a, b| b.words.cmp(&a.words).then(b.edits.cmp(&a.edits)).then(a.rule.cmp(&b.rule)));
        v
    }

    /// Every rule's totals, in rule order.
    pub fn per_rule(&self) -> &[RuleTotals] {
        &self.per_rule
    }

    /// Rules that never fired, in rule order.
    pub fn idle_rules(&self) -> Vec<&str> {
        self.per_rule.iter().filter(|t| t.edits == 0).map(|t| t.rule.as_str()).collect()
    }

    pub fn summary(&self, elapsed: Duration) -> Summary {
        let secs = elapsed.as_secs_f64().max(1e-9);
        Summary {
            files: self.files.clone(),
            bytes_read: self.bytes_read,
            edits: self.per_rule.iter().map(|t| t.edits).sum(),
            words_removed: self.per_rule.iter().map(|t| t.words).sum(),
            rules: self.rules_by_words().into_iter().cloned().collect(),
            elapsed_seconds: secs,
            mb_per_second: self.bytes_read as f64 / 1e6 / secs,
            files_per_second: self.files.read as f64 / secs,
            peak_memory_mb: peak_memory_mb(),
            interrupted: false,
            left_behind: None,
        }
    }
}

/// What `--report` writes and the stderr summary shows.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: FileCounts,
    pub bytes_read: u64,
    pub edits: u64,
    pub words_removed: u64,
    pub rules: Vec<RuleTotals>,
    pub elapsed_seconds: f64,
    pub mb_per_second: f64,
    pub files_per_second: f64,
    /// Peak resident memory of the process (Linux), in MB.
    pub peak_memory_mb: Option<f64>,
    /// Stopped by Ctrl-C or SIGTERM: the counts are of the inputs done before.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Files in the output directory this run did not write, left from an
    /// earlier run (never deleted); only looked for when a text tree is
    /// written from directories into an OUT that existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_behind: Option<Vec<String>>,
}

/// The process's peak resident set size, from `/proc/self/status` (`VmHWM`).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

impl Summary {
    pub fn render(&self) -> String {
        let mut s = String::new();
        if self.interrupted {
            s.push_str(
                "interrupted: the counts and the change log cover the inputs cleaned before the stop\n",
            );
        }
        let _ = writeln!(s, "{}", self.files.render());
        if !self.rules.is_empty() {
            let width = self.rules.iter().map(|r| r.rule.len()).max().unwrap_or(4).max(4);
            let _ = writeln!(s, "{} edits removed {} words:", self.edits, self.words_removed);
            let _ = writeln!(s, "  {:<width$}  {:>7}  {:>7}  {:>6}", "rule", "edits", "words", "files");
            for r in &self.rules {
                let _ = writeln!(s, "  {:<width$}  {:>7}  {:>7}  {:>6}", r.rule, r.edits, r.words, r.files);
            }
        }
        let _ = write!(
            s,
            "{:.2} s, {:.1} MB/s, {:.0} {}/s",
            self.elapsed_seconds,
            self.mb_per_second,
            self.files_per_second,
            if self.files.records { "records" } else { "files" }
        );
        if let Some(mb) = self.peak_memory_mb {
            let _ = write!(s, ", peak memory {mb:.0} MB");
        }
        s.push('\n');
        s
    }
}
