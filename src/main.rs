//! The `descrape` binary: parse arguments, dispatch to the command, map
//! its outcome to an exit code (`exit_codes.rs`), and print errors with
//! their causes.
//!
//! A reader that closes standard output early (`descrape diff | head`)
//! ends the commands that only show things quietly with 0, as `rg` and
//! `fd` do; `clean` writes data, so a closed pipe there is a failure.

use std::process::ExitCode;

use descrape::cli::{Cli, Command};
use descrape::commands::{self, Outcome};
use descrape::exit_codes;
use descrape::rules::RulesError;

fn main() -> ExitCode {
    let cli = Cli::from_env();
    let viewer = !matches!(cli.command, Command::Clean(_));
    match run(cli) {
        Ok(outcome) => exit_codes::of(outcome),
        Err(err) if viewer && is_broken_pipe(&err) => ExitCode::SUCCESS,
        // Stopped by Ctrl-C before the run began (waiting for a FIFO's reader).
        Err(err) if is_interrupted(&err) => {
            eprintln!("descrape: {err:#}");
            ExitCode::from(descrape::interrupt::EXIT_CODE)
        }
        Err(err) => {
            match err.downcast_ref::<RulesError>() {
                // As `check` shows them, with the source line and a caret,
                // whichever command loaded the rules.
                Some(rules) => eprintln!("descrape: {}", rules.render_with_source()),
                None => eprintln!("descrape: {err:#}"),
            }
            ExitCode::from(exit_codes::ERROR)
        }
    }
}

/// Whether the error is standard output closed by its reader.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    has_io_error(err, std::io::ErrorKind::BrokenPipe)
}

/// Whether the error is a wait that a stop request ended.
fn is_interrupted(err: &anyhow::Error) -> bool {
    descrape::interrupt::requested() && has_io_error(err, std::io::ErrorKind::Interrupted)
}

/// Whether an I/O error of `kind` is among the error's causes, also one
/// that JSON output met writing (`rules --json | head -c1`).
fn has_io_error(err: &anyhow::Error, kind: std::io::ErrorKind) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == kind)
            || e.downcast_ref::<serde_json::Error>().is_some_and(|e| e.io_error_kind() == Some(kind))
    })
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let out = &mut std::io::stdout().lock();
    match cli.command {
        Command::Clean(args) => commands::clean::run(args),
        Command::Check(args) => commands::check::run(args, out),
        Command::Test(args) => commands::test::run(args, out),
        Command::Diff(args) => commands::diff::run(args, out),
        Command::Stats(args) => commands::stats::run(args, out),
        Command::Explain(args) => commands::explain::run(args, out),
        Command::Rules(args) => commands::rules::run(args, out),
        Command::Suggest(args) => commands::suggest::run(args, out),
        Command::Features(args) => commands::features::run(args, out),
        Command::Eval(args) => commands::eval::run(args, out),
    }
}
