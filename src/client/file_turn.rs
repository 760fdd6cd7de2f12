//! Writers of one database file in several processes take turns through an OS file lock on a
//! companion file (`<db>-turn`), held only while a write runs.
//!
//! SQLite's own lock is not waited on, only polled: a process that finds it taken sleeps in
//! its busy handler and oversleeps the moment it frees, while the holder's next write (a
//! few microseconds of JavaScript away) takes it again. Under steady writes from two
//! processes, one of them mostly sleeps. An OS lock wakes its waiter when it is released,
//! so a write of the other process runs while this one builds its next query. The SQLite
//! lock stays the one that guarantees correctness: writers that do not use this (another
//! tool, a migration) are still serialized by it.

use std::fs::{File, OpenOptions, TryLockError};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use napi_derive::napi;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// No wait pending.
    Idle,
    /// The waiter thread is blocked on the lock for a caller that is still waiting.
    Waiting,
    /// The waiter got the lock for a caller who has not taken it yet.
    Granted,
    /// The caller gave up; the waiter releases the lock when it gets it.
    Abandoned,
}

struct Shared {
    file: File,
    state: Mutex<State>,
    changed: Condvar,
}

/// One process's turn at writing a database file: an OS lock on `<path>-turn`, held while a
/// write runs (see the module comment).
#[napi]
pub struct FileTurn {
    shared: Arc<Shared>,
    /// Requests to the thread that blocks on the lock (started on the first contended wait).
    waiter: Option<Sender<()>>,
    held: bool,
}

#[napi]
impl FileTurn {
    /// The turn of the database file at `path`. Fails when the companion file cannot be
    /// opened (a read-only directory): writers then rely on SQLite's busy wait alone.
    #[napi(factory, catch_unwind)]
    pub fn open(path: String) -> napi::Result<FileTurn> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(format!("{path}-turn"))
            .map_err(|e| napi::Error::from_reason(format!("Cannot open {path}-turn: {e}")))?;
        Ok(FileTurn { shared: Arc::new(Shared { file, state: Mutex::new(State::Idle), changed: Condvar::new() }), waiter: None, held: false })
    }

    /// Waits up to `timeout_ms` for the turn; `false` when another process kept it longer.
    #[napi(catch_unwind)]
    pub fn acquire(&mut self, timeout_ms: u32) -> bool {
        if self.held {
            return true;
        }
        self.held = self.take(Duration::from_millis(timeout_ms.into()));
        self.held
    }

    #[napi(catch_unwind)]
    pub fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            let _ = self.shared.file.unlock();
        }
    }
}

impl FileTurn {
    fn take(&mut self, timeout: Duration) -> bool {
        let shared = Arc::clone(&self.shared);
        let Ok(mut state) = shared.state.lock() else { return false };
        match *state {
            // An abandoned wait is still queued on the lock: adopt it.
            State::Abandoned => *state = State::Waiting,
            State::Granted => {
                *state = State::Idle;
                return true;
            }
            State::Idle | State::Waiting => match shared.file.try_lock() {
                Ok(()) => return true,
                Err(TryLockError::WouldBlock) => {
                    if !self.ask_waiter() {
                        return false;
                    }
                    *state = State::Waiting;
                }
                Err(TryLockError::Error(_)) => return false,
            },
        }
        let deadline = Instant::now() + timeout;
        while *state == State::Waiting {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                *state = State::Abandoned;
                return false;
            }
            let Ok((s, _)) = shared.changed.wait_timeout(state, left) else { return false };
            state = s;
        }
        let granted = *state == State::Granted;
        *state = State::Idle;
        granted
    }

    /// Sends a blocking wait to the waiter thread, starting it if needed.
    fn ask_waiter(&mut self) -> bool {
        if let Some(tx) = &self.waiter {
            if tx.send(()).is_ok() {
                return true;
            }
        }
        let (tx, rx) = mpsc::channel::<()>();
        let shared = Arc::clone(&self.shared);
        let started = std::thread::Builder::new().name("astro-db-turn".into()).spawn(move || {
            for () in rx {
                let locked = shared.file.lock().is_ok();
                let Ok(mut state) = shared.state.lock() else { return };
                if locked && *state == State::Waiting {
                    *state = State::Granted;
                } else {
                    if locked {
                        let _ = shared.file.unlock();
                    }
                    *state = State::Idle;
                }
                shared.changed.notify_all();
            }
        });
        if started.is_err() || tx.send(()).is_err() {
            return false;
        }
        self.waiter = Some(tx);
        true
    }
}

impl Drop for FileTurn {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("astro-db-turn-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("db").to_string_lossy().into_owned()
    }

    #[test]
    fn one_holder_at_a_time_and_a_waiter_wakes_when_it_is_released() {
        // Two opens of the companion file conflict like two processes do (the lock belongs to
        // the open file, not the process).
        let p = path("wake");
        let mut a = FileTurn::open(p.clone()).unwrap();
        let mut b = FileTurn::open(p).unwrap();
        assert!(a.acquire(1_000));
        assert!(!b.acquire(50), "b got the turn while a held it");
        let released = Arc::new(Mutex::new(None));
        let r = Arc::clone(&released);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            *r.lock().unwrap() = Some(Instant::now());
            a.release();
            a
        });
        assert!(b.acquire(5_000), "b never got the turn");
        let waited = released.lock().unwrap().expect("b got the turn before a released it").elapsed();
        assert!(waited < Duration::from_millis(50), "b got the turn {waited:?} after a released it");
        let mut a = t.join().unwrap();
        assert!(!a.acquire(20));
        b.release();
        assert!(a.acquire(1_000));
    }

    #[test]
    fn an_abandoned_wait_leaves_the_lock_free_for_others() {
        let p = path("abandon");
        let mut a = FileTurn::open(p.clone()).unwrap();
        let mut b = FileTurn::open(p.clone()).unwrap();
        let mut c = FileTurn::open(p).unwrap();
        assert!(a.acquire(1_000));
        assert!(!b.acquire(30));
        a.release();
        // b's waiter thread takes the lock, sees nobody waits any more, and lets it go.
        let start = Instant::now();
        while !c.acquire(10) {
            assert!(start.elapsed() < Duration::from_secs(2), "the abandoned wait kept the lock");
        }
        c.release();
        assert!(b.acquire(1_000));
    }
}
