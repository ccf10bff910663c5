//! Ctrl-C, SIGTERM and SIGHUP: the first asks the run to stop taking new
//! documents (those in flight finish, the change log and summary are
//! written for what was written); a second ends the process at once.
//!
//! Only the flag lives here: the pipeline polls it between documents,
//! and the command decides what an interrupted run reports.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted run (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

/// Route the signals to the flag; call once, before the run.
pub fn install() -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            // Stale temporaries of this run are removed by the next one.
            std::process::exit(i32::from(EXIT_CODE));
        }
    })
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
