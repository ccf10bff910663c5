//! The `descrape` binary: parse arguments, run the library, map the result
//! to an exit code (0 ok, 1 some file failed, 2 error before or instead of
//! the run), and print errors with their causes.

use std::process::ExitCode;

use clap::Parser;
use descrape::batch::Settings;
use descrape::clean::CleanOptions;
use descrape::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("descrape: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Clean(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let opts = CleanOptions {
                inputs: args.inputs,
                out: args.out,
                changes: args.changes,
                report: args.report,
                settings: Settings { jobs: args.jobs, progress: !args.quiet },
                quiet: args.quiet,
            };
            let summary = descrape::clean::run(&rules, &opts)?;
            Ok(if summary.files.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
