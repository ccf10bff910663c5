//! Command-line arguments as the user typed them (clap), kept apart from
//! the resolved configuration the commands run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean files or directories into OUT and write a change log.
    Clean(CleanArgs),
}

/// Which rules to load.
#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// Rules file, or directory of *.yaml rules files, added to the defaults (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Use only the rules given with --rules, not the embedded default rules.
    #[arg(long)]
    pub no_default_rules: bool,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Files or directories to clean (directories are walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output directory; each input's clean text goes to the same relative path.
    #[arg(short, long, value_name = "OUT")]
    pub out: PathBuf,
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Change log (JSON Lines) [default: OUT/.descrape/changes.jsonl].
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
    /// Also write the run summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(short, long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub jobs: usize,
    /// No progress bar and no summary; errors are still printed.
    #[arg(short, long)]
    pub quiet: bool,
}
