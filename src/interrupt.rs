//! Ctrl-C, SIGTERM and SIGHUP: the first asks the run to stop taking new
//! documents (those in flight finish, the change log and summary are
//! written for what was written); a second ends the process at once.
//!
//! The flag lives here, and standard input, whose reads end when it is
//! set: the pipeline polls it between documents, and the command decides
//! what an interrupted run reports.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

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

/// Standard input, read by a thread of its own so that a stop ends a wait
/// for input that does not come (a stalled pipe). Once a stop is asked
/// for, the thread reads no more, the chunks it has read are still given
/// (they are gone from the pipe), and then a read sees the end of input.
pub fn stdin() -> Stdin {
    static SHARED: OnceLock<Mutex<Chunks>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        // A few chunks ahead: memory stays bounded when cleaning is slower.
        let (tx, rx) = mpsc::sync_channel(4);
        std::thread::spawn(move || {
            let mut input = std::io::stdin().lock();
            while !requested() {
                let mut chunk = vec![0; 64 << 10];
                let sent = match input.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        tx.send(Ok(chunk))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
        });
        Mutex::new(Chunks { rx, chunk: Vec::new(), pos: 0, ended: false })
    });
    Stdin(shared.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The chunks the reader thread has sent, and the one being read.
struct Chunks {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
    ended: bool,
}

/// Standard input, locked (see [`stdin`]).
pub struct Stdin(MutexGuard<'static, Chunks>);

impl BufRead for Stdin {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let c = &mut *self.0;
        while c.pos == c.chunk.len() && !c.ended {
            let stopped = requested();
            match c.rx.recv_timeout(Duration::from_millis(if stopped { 100 } else { 50 })) {
                Ok(chunk) => (c.chunk, c.pos) = (chunk?, 0),
                // After a stop, a thread that sends nothing is waiting for
                // input: it has taken none.
                Err(mpsc::RecvTimeoutError::Timeout) => c.ended = stopped,
                Err(mpsc::RecvTimeoutError::Disconnected) => c.ended = true,
            }
        }
        Ok(&c.chunk[c.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.0.pos = (self.0.pos + n).min(self.0.chunk.len());
    }
}

impl Read for Stdin {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}
