//! Command-line arguments as the user typed them (clap), kept apart from
//! the resolved configuration the commands run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::input::Reading;
use crate::jsonl::Fields;

/// How documents are stored in the inputs (`document::Format`, as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One document per file.
    Text,
    /// One document per line, a JSON object (`.gz`/`.zst` by extension).
    Jsonl,
}

/// Whether a document is text or a web page (`document::InputType`, as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputType {
    /// HTML by extension (.html, .htm, .xhtml) or by its first bytes; JSON Lines records are text.
    Auto,
    Text,
    Html,
}

/// How documents are grouped for counting (`repeat::GroupBy`, as typed):
/// `dir`, `none` or `field:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// By top-level directory, a file at the top named after a host by
    /// that host, JSON Lines records with a page address or site field by
    /// its host.
    Auto,
    /// By top-level directory (one site per directory).
    Dir,
    /// One group for everything.
    None,
    /// JSON Lines records by a field's value (a URL by its host).
    Field(String),
}

fn parse_group_by(s: &str) -> Result<GroupBy, String> {
    match s {
        "auto" => Ok(GroupBy::Auto),
        "dir" => Ok(GroupBy::Dir),
        "none" => Ok(GroupBy::None),
        _ => match s.strip_prefix("field:") {
            Some(name) if !name.split('.').any(str::is_empty) => Ok(GroupBy::Field(name.to_string())),
            Some(name) if !name.is_empty() => {
                Err(format!("`{s}` names no field: a nested field is `field:a.b`, no part empty"))
            }
            _ => Err(format!("`{s}` is not auto, dir, none or field:NAME")),
        },
    }
}

/// How output shards are compressed (`jsonl::Compression`, as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

#[derive(Debug, Parser)]
#[command(
    name = "descrape",
    version,
    about = "Strip scraped boilerplate from raw article dumps with YAML rules"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The process's arguments, parsed; on an error clap prints it and
    /// exits (2), as for `--help` (0).
    pub fn from_env() -> Self {
        <Self as Parser>::parse()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean files or directories into OUT and write a change log.
    Clean(CleanArgs),
    /// Validate rules files without reading any input.
    Check(CheckArgs),
    /// Run every rule's `tests` examples.
    Test(CheckArgs),
    /// Show what would be removed, as a unified diff labelled by rule; writes nothing.
    Diff(DiffArgs),
    /// Count what each rule removes across inputs, with examples; writes nothing.
    Stats(StatsArgs),
    /// Show a rule: its doc, source, patterns, guards and examples.
    Explain(ExplainArgs),
    /// List all rules with their kind and the first line of their doc.
    Rules(RulesListArgs),
    /// Score the rules against hand-cleaned gold files, word by word.
    Eval(EvalArgs),
    /// Find lines and blocks that repeat across many documents of a site, with rules to paste.
    Suggest(SuggestArgs),
    /// Print the line scorer's features of every line, as JSON Lines (for fitting `score` rules).
    #[command(hide = true)]
    Features(FeaturesArgs),
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// Text files or directories.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Print the feature names, one per line, in the order of the values.
    #[arg(long)]
    pub list: bool,
}

/// Line counts for `repeated` rules.
#[derive(Debug, Args, Clone)]
pub struct CountArgs {
    /// Counts file from `descrape suggest --save-counts` (otherwise the inputs are read twice).
    #[arg(long, value_name = "FILE")]
    pub counts: Option<PathBuf>,
    /// How documents are grouped when counting: auto (top-level directory; a file at the top
    /// by the host its name starts with, `reuters.com3.txt`; JSON Lines records by the host
    /// of a `url`, `link`, `source_url`, … or `domain` field, also under `metadata`), dir
    /// (top-level directory), none (all together) or field:NAME (JSON Lines records by a
    /// field, `a.b` for a nested one; a URL by its host) [default: auto, or with `--counts`
    /// the grouping the counts were made with].
    #[arg(long, value_parser = parse_group_by, value_name = "HOW")]
    pub group_by: Option<GroupBy>,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// Files or directories to read.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Documents a line must appear in [default: 5, or 5% of its group if more].
    #[arg(long, value_name = "N")]
    pub min_docs: Option<u64>,
    /// How documents are grouped: auto (top-level directory; JSON Lines records
    /// by the host of a `url`, `link`, `source_url`, … or `domain` field, also under
    /// `metadata`), dir (top-level directory), none (all together) or field:NAME (JSON Lines
    /// records by a field, `a.b` for a nested one; a URL by its host).
    #[arg(long, value_parser = parse_group_by, default_value = "auto", value_name = "HOW")]
    pub group_by: GroupBy,
    /// Also write the line counts, for `clean --counts` on a stream.
    #[arg(long, value_name = "FILE")]
    pub save_counts: Option<PathBuf>,
    /// Suggestions per group.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub threads: Threads,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rules files or directories to check on their own, without the
    /// default rules (as `--no-default-rules --rules FILE`).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Print the result as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

impl CheckArgs {
    /// The rules to load: FILEs alone when given, else `--rules` as usual.
    pub fn selected(mut self) -> RulesArgs {
        if !self.files.is_empty() {
            self.rules.rules.append(&mut self.files);
            self.rules.no_default_rules = true;
        }
        self.rules
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What the inspecting commands read and run: inputs, their format, the
/// rules and the counts for `repeated` rules.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Files or directories to read, or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub count: CountArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Compare with these rules instead of the original text: report what the change of rules changes.
    #[arg(long = "against", value_name = "OLD_RULES")]
    pub against: Vec<PathBuf>,
    /// Examples per rule in the --against report.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub examples: usize,
    /// Show only the removals of this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub only: Vec<String>,
    /// Lines of context around each change.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub context: usize,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never (never any with --json).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print JSON Lines instead of a diff: one object per changed document (`file`, `id` and
    /// `line` for a record, `words_removed`, and `edits` as change-log edit records); with
    /// --against, one JSON document.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub threads: Threads,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub threads: Threads,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's id, e.g. `caption.trailing-credit`.
    pub id: String,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RulesListArgs {
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Print the full rules reference as Markdown (how docs/rules.md is made).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print every rule as `explain --json` describes one: a JSON array on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Hand-cleaned gold: a directory of files at the same relative paths as INPUT's; for
    /// JSON Lines input, a JSON Lines file or directory of them, whose records match INPUT's
    /// by the id field and hold the gold text in the text field.
    #[arg(long, value_name = "GOLD")]
    pub gold: PathBuf,
    /// Directory of raw dumps (web pages are scored against GOLD's `.txt` of the same name),
    /// or JSON Lines: a file, a directory of shards, or `-` for standard input.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub count: CountArgs,
    /// JSON file mapping a relative path (a record's id) to 1-based raw line numbers whose words
    /// count neither way.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many of the worst files to show.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub worst: usize,
    #[command(flatten)]
    pub threads: Threads,
}

/// Which rules to load.
#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// Rules file, or directory of *.yaml rules files, added to the defaults (repeatable);
    /// `@NAME` is a built-in set: `@nlp` (normalisation for NLP), `@scorer` (the line scorer),
    /// `@repeated` (site repetition, part of the defaults).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Use only the rules given with --rules, not the embedded default rules.
    #[arg(long)]
    pub no_default_rules: bool,
}

/// How input documents are stored.
#[derive(Debug, Args, Clone)]
pub struct FormatArgs {
    /// text: one document per file; jsonl: one JSON object per line (.gz/.zst read by extension)
    /// [default: jsonl for .jsonl, .ndjson, .json.gz, .jsonl.gz, .jsonl.zst ... files and for
    /// standard input whose first line is a JSON object; else text].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,
    /// JSON Lines field holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSON Lines field holding the document id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// auto: web pages by extension (.html, .htm, .xhtml) or first bytes; html: every
    /// document (and JSON Lines record) is a page; text: none is.
    #[arg(long, value_enum, default_value_t = InputType::Auto, value_name = "TYPE")]
    pub input_type: InputType,
}

impl FormatArgs {
    pub fn fields(&self) -> Fields {
        Fields { text: self.text_field.clone(), id: self.id_field.clone() }
    }

    /// How to read `paths` in this format.
    pub fn reading(&self, paths: Vec<PathBuf>, jobs: usize) -> Reading {
        Reading {
            paths,
            format: self.input_format.map(Into::into),
            fields: self.fields(),
            input_type: self.input_type.into(),
            jobs,
        }
    }
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Files or directories to clean (walked recursively), or `-` for standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output: a directory for text output (same relative paths), a file for
    /// JSON Lines output (.gz/.zst compressed by extension); a directory of
    /// shards (same names) for a directory or list of JSON Lines files; `-`
    /// for stdout, the default when INPUT is `-`.
    #[arg(short, long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// text: a tree of text files; jsonl: one JSON object per document [default: jsonl when
    /// OUT is named .jsonl, .ndjson, .jsonl.gz ... or is stdout for JSON Lines input; else text].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<Format>,
    /// Compression of the output shards when a directory of JSON Lines files is cleaned into
    /// `-o DIR` (the suffix changes to match) [default: each shard's own].
    #[arg(long, value_enum, value_name = "KIND")]
    pub compression: Option<Compression>,
    /// Add a `descrape` field to each JSON Lines record: edits, words removed, count per rule.
    #[arg(long)]
    pub annotate: bool,
    /// Stop at the first malformed JSON Lines line instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Drop records left with fewer words from JSON Lines output (logged).
    #[arg(long, value_name = "N")]
    pub min_words: Option<usize>,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub count: CountArgs,
    /// Change log (JSON Lines; `-` is standard output, a `.gz` or `.zst` name is compressed)
    /// [default: OUT/.descrape/changes.jsonl for text output and shards; none for one JSON Lines
    /// output].
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
    /// Also write the run summary as JSON to FILE (`-` is standard output).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub threads: Threads,
    /// No progress bar and no summary; errors are still printed.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `-j N`, shared by every command that reads many documents.
#[derive(Debug, Clone, Copy, Args)]
pub struct Threads {
    /// Worker threads, at most 8 per core [default: one per core].
    #[arg(short, long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub jobs: usize,
}
