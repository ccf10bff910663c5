//! The one place that maps a command's [`Outcome`] to the process's exit
//! code; nothing else picks a number.
//!
//! 0 success; 1 some input failed (`clean`, `stats`), or `diff` would
//! change something, or `test` has a failing example; 2 an error before or
//! instead of the run (bad rules, bad arguments, refused paths) or one that
//! stopped it (an output stream or the change log not written), and for
//! `diff` an input that could not be read (its 1 already means "changes");
//! 130 interrupted.

use std::process::ExitCode;

use crate::commands::Outcome;

/// Errors before or instead of the run, or that stopped it.
pub const ERROR: u8 = 2;

/// The exit code of `outcome`.
pub fn of(outcome: Outcome) -> ExitCode {
    ExitCode::from(match outcome {
        Outcome::Success => 0,
        Outcome::Differences | Outcome::InputsFailed => 1,
        Outcome::Incomplete | Outcome::InvalidRules => ERROR,
        Outcome::Interrupted => crate::interrupt::EXIT_CODE,
    })
}
